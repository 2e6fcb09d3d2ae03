// The controllers of a real cluster, as far as a restart needs them: when the pod template of a Deployment,
// StatefulSet or DaemonSet changes, its controller observes the new generation, makes pods of the new revision and,
// when they are ready, removes the old ones, writing its progress into `status` as it goes. Each step is a write
// (a new resourceVersion and a MODIFIED event for watches), `stepMs` apart. What a rollout comes to is the test's
// choice (`setRollout`):
// - `complete` (the default): the new pods become ready and the status says so, in two steps;
// - `progress-deadline` (Deployments): the new pods wait (CreateContainerConfigError by default), then the
//   Progressing condition turns False with reason ProgressDeadlineExceeded, as the Deployment controller writes it
//   when `progressDeadlineSeconds` passes (pkg/controller/deployment/progress.go, util.NewRSTimedOutReason);
// - `pods-waiting`: the new pods wait with the given reason (CrashLoopBackOff, CreateContainerConfigError) and the
//   rollout never ends;
// - `stuck`: the new pods stay Pending (ContainerCreating) and the rollout never ends.
// Status fields are those each controller writes (apps/v1 DeploymentStatus, StatefulSetStatus, DaemonSetStatus) and
// that `kubectl rollout status` reads. A DaemonSet runs on NODES nodes. Pods are made only when the double serves
// them (`workloads: true`). Not modelled: ReplicaSet and ControllerRevision objects, scaling, maxSurge and
// maxUnavailable (all new pods at once), a paused Deployment's conditions.
import { createHash, randomBytes } from 'node:crypto'
import type { Json } from './patch.js'
import { timestamp } from './store.js'

type JsonObject = { [key: string]: Json }

/** How many nodes a DaemonSet's pods are scheduled on. */
export const NODES = 2

export type RolloutResource = 'deployments' | 'statefulsets' | 'daemonsets'

/** The state a new pod's container waits in, as the kubelet reports it. */
export interface PodWaiting {
  reason: string
  message?: string
}

export type RolloutPlan =
  | { outcome: 'complete' }
  | { outcome: 'progress-deadline'; waiting?: PodWaiting }
  | { outcome: 'pods-waiting'; waiting: PodWaiting }
  | { outcome: 'stuck' }

/** What the controller reads and writes; deployments.ts and workloads.ts implement it. */
export interface RolloutStore {
  read(resource: RolloutResource, namespace: string, name: string): RolledObject | undefined
  setStatus(resource: RolloutResource, namespace: string, name: string, status: JsonObject): void
  /** Pods: undefined when the double does not serve them. */
  pods?: {
    list(namespace: string): RolledObject[]
    put(namespace: string, pod: { metadata: JsonObject; spec: JsonObject; status: JsonObject }): void
    remove(namespace: string, name: string): void
  }
}

/** The parts of a workload or pod the controller reads. */
export interface RolledObject {
  metadata: {
    name: string
    generation: number
    labels?: Record<string, string>
    ownerReferences?: object[]
  }
  spec: JsonObject
  status: JsonObject
}

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** The alphabet of rand.SafeEncodeString (k8s.io/apimachinery/pkg/util/rand): no vowels, no look-alikes. */
const SAFE = 'bcdfghjklmnpqrstvwxz2456789'
const safeString = (bytes: Buffer, length: number): string =>
  [...bytes.subarray(0, length)].map(byte => SAFE[byte % SAFE.length]).join('')

/** A revision's name part, from its template, as `pod-template-hash` and `controller-revision-hash` are. */
export function templateHash(template: Json | undefined): string {
  return safeString(
    createHash('sha256')
      .update(JSON.stringify(template ?? null))
      .digest(),
    10
  )
}

const replicasOf = (spec: JsonObject): number => (typeof spec.replicas === 'number' ? spec.replicas : 1)

const condition = (type: string, status: string, reason: string, message: string): JsonObject => {
  const now = timestamp()
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message }
}

/** The status of a workload whose rollout of `generation` has completed: what a seeded one starts with. */
export function settledStatus(
  resource: RolloutResource,
  name: string,
  spec: JsonObject,
  generation: number
): JsonObject {
  const template = isObject(spec.template) ? spec.template : {}
  const hash = templateHash(template)
  switch (resource) {
    case 'deployments': {
      const replicas = replicasOf(spec)
      return {
        observedGeneration: generation,
        replicas,
        updatedReplicas: replicas,
        readyReplicas: replicas,
        availableReplicas: replicas,
        conditions: [
          condition('Available', 'True', 'MinimumReplicasAvailable', 'Deployment has minimum availability.'),
          condition(
            'Progressing',
            'True',
            'NewReplicaSetAvailable',
            `ReplicaSet "${name}-${hash}" has successfully progressed.`
          )
        ]
      }
    }
    case 'statefulsets': {
      const replicas = replicasOf(spec)
      return {
        observedGeneration: generation,
        replicas,
        readyReplicas: replicas,
        currentReplicas: replicas,
        updatedReplicas: replicas,
        availableReplicas: replicas,
        currentRevision: `${name}-${hash}`,
        updateRevision: `${name}-${hash}`,
        collisionCount: 0
      }
    }
    case 'daemonsets':
      return {
        observedGeneration: generation,
        currentNumberScheduled: NODES,
        numberMisscheduled: 0,
        desiredNumberScheduled: NODES,
        numberReady: NODES,
        updatedNumberScheduled: NODES,
        numberAvailable: NODES
      }
  }
}

export class RolloutController {
  private readonly plans = new Map<string, RolloutPlan>()
  private readonly timers = new Map<string, NodeJS.Timeout[]>()

  constructor(
    private readonly store: RolloutStore,
    private readonly stepMs: number
  ) {}

  setPlan(resource: RolloutResource, namespace: string, name: string, plan: RolloutPlan): void {
    this.plans.set(`${resource}/${namespace}/${name}`, plan)
  }

  /**
   * Called after a stored change that gave a workload a new generation: roll out its template, step by step, when
   * the template changed; otherwise only observe the generation.
   */
  onSpecChange(resource: RolloutResource, namespace: string, name: string, templateChanged: boolean): void {
    const key = `${resource}/${namespace}/${name}`
    for (const timer of this.timers.get(key) ?? []) clearTimeout(timer)
    const object = this.store.read(resource, namespace, name)
    if (!object) return
    const generation = object.metadata.generation
    // A paused Deployment observes its new generation and rolls out nothing (pkg/controller/deployment, sync.go).
    if (!templateChanged || (resource === 'deployments' && object.spec.paused === true)) {
      this.after(key, 1, () =>
        this.patchStatus(resource, namespace, name, { observedGeneration: generation })
      )
      return
    }
    const plan = this.plans.get(key) ?? { outcome: 'complete' }
    const strategy = isObject(object.spec.updateStrategy) ? object.spec.updateStrategy.type : undefined
    if (resource !== 'deployments' && strategy === 'OnDelete') {
      // Nothing is replaced until someone deletes the pods; the revision is recorded all the same.
      this.after(key, 1, () => this.patchStatus(resource, namespace, name, this.observed(resource, object)))
      return
    }
    this.after(key, 1, () => this.firstStep(resource, namespace, name, plan))
    if (plan.outcome === 'complete' || plan.outcome === 'progress-deadline') {
      this.after(key, 2, () => this.lastStep(resource, namespace, name, plan))
    }
  }

  close(): void {
    for (const timers of this.timers.values()) for (const timer of timers) clearTimeout(timer)
    this.timers.clear()
  }

  private after(key: string, steps: number, step: () => void): void {
    const timers = this.timers.get(key) ?? []
    timers.push(setTimeout(step, this.stepMs * steps))
    this.timers.set(key, timers)
  }

  private patchStatus(resource: RolloutResource, namespace: string, name: string, change: JsonObject): void {
    const object = this.store.read(resource, namespace, name)
    if (object) this.store.setStatus(resource, namespace, name, { ...object.status, ...change })
  }

  private observed(resource: RolloutResource, object: RolledObject): JsonObject {
    const revision = `${object.metadata.name}-${templateHash(object.spec.template)}`
    return {
      observedGeneration: object.metadata.generation,
      ...(resource === 'statefulsets' && { updateRevision: revision })
    }
  }

  /** The controller has observed the generation and made the new pods, none of them ready yet. */
  private firstStep(resource: RolloutResource, namespace: string, name: string, plan: RolloutPlan): void {
    const object = this.store.read(resource, namespace, name)
    if (!object) return
    const generation = object.metadata.generation
    const hash = templateHash(object.spec.template)
    const waiting: PodWaiting =
      plan.outcome === 'pods-waiting'
        ? plan.waiting
        : plan.outcome === 'progress-deadline'
          ? (plan.waiting ?? { reason: 'CreateContainerConfigError', message: 'secret "missing" not found' })
          : { reason: 'ContainerCreating' }
    this.makePods(resource, namespace, object, hash, waiting, false)
    const replicas = replicasOf(object.spec)
    switch (resource) {
      case 'deployments':
        this.patchStatus(resource, namespace, name, {
          observedGeneration: generation,
          replicas: replicas * 2,
          updatedReplicas: replicas,
          readyReplicas: replicas,
          availableReplicas: replicas,
          unavailableReplicas: replicas,
          conditions: [
            condition(
              'Available',
              'True',
              'MinimumReplicasAvailable',
              'Deployment has minimum availability.'
            ),
            condition(
              'Progressing',
              'True',
              'ReplicaSetUpdated',
              `ReplicaSet "${name}-${hash}" is progressing.`
            )
          ]
        })
        return
      case 'statefulsets':
        this.patchStatus(resource, namespace, name, {
          observedGeneration: generation,
          replicas,
          readyReplicas: 0,
          availableReplicas: 0,
          currentReplicas: 0,
          updatedReplicas: replicas,
          updateRevision: `${name}-${hash}`
        })
        return
      case 'daemonsets':
        this.patchStatus(resource, namespace, name, {
          observedGeneration: generation,
          desiredNumberScheduled: NODES,
          currentNumberScheduled: NODES,
          updatedNumberScheduled: NODES,
          numberReady: 0,
          numberAvailable: 0,
          numberUnavailable: NODES
        })
    }
  }

  /** The new pods are ready and the old ones gone; or, past the progress deadline, the Deployment gives up. */
  private lastStep(resource: RolloutResource, namespace: string, name: string, plan: RolloutPlan): void {
    const object = this.store.read(resource, namespace, name)
    if (!object) return
    const hash = templateHash(object.spec.template)
    if (plan.outcome === 'progress-deadline') {
      const conditions = (Array.isArray(object.status.conditions) ? object.status.conditions : []).filter(
        c => isObject(c) && c.type !== 'Progressing'
      )
      this.patchStatus(resource, namespace, name, {
        conditions: [
          ...conditions,
          condition(
            'Progressing',
            'False',
            'ProgressDeadlineExceeded',
            `ReplicaSet "${name}-${hash}" has timed out progressing.`
          )
        ]
      })
      return
    }
    this.makePods(resource, namespace, object, hash, undefined, true)
    const settled = settledStatus(resource, name, object.spec, object.metadata.generation)
    this.store.setStatus(resource, namespace, name, settled)
  }

  /**
   * The pods of the new revision, waiting in `waiting`, or running and ready without it; with `replace`, every
   * other pod of the workload goes (the old revision's, and the new one's that were not ready). They carry the
   * template's labels and annotations (`restartedAt` among them), as every pod does.
   */
  private makePods(
    resource: RolloutResource,
    namespace: string,
    object: RolledObject,
    hash: string,
    waiting: PodWaiting | undefined,
    replace: boolean
  ): void {
    const pods = this.store.pods
    if (!pods) return
    const name = object.metadata.name
    const template = isObject(object.spec.template) ? object.spec.template : {}
    const meta = isObject(template.metadata) ? template.metadata : {}
    const hashLabel = resource === 'deployments' ? 'pod-template-hash' : 'controller-revision-hash'
    const revision = resource === 'deployments' ? hash : `${name}-${hash}`
    const owner =
      resource === 'deployments'
        ? { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: `${name}-${hash}` }
        : { apiVersion: 'apps/v1', kind: resource === 'statefulsets' ? 'StatefulSet' : 'DaemonSet', name }
    const mine = (pod: RolledObject): boolean =>
      (pod.metadata.ownerReferences ?? []).some(reference => {
        const ref = reference as { kind?: string; name?: string }
        return resource === 'deployments'
          ? ref.kind === 'ReplicaSet' && (ref.name ?? '').startsWith(`${name}-`)
          : ref.kind === owner.kind && ref.name === name
      })
    if (replace)
      for (const pod of pods.list(namespace).filter(mine)) pods.remove(namespace, pod.metadata.name)
    const count = resource === 'daemonsets' ? NODES : replicasOf(object.spec)
    const containers = (
      isObject(template.spec) && Array.isArray(template.spec.containers) ? template.spec.containers : []
    ) as JsonObject[]
    for (let i = 0; i < count; i++) {
      const podName =
        resource === 'statefulsets' ? `${name}-${i}` : `${owner.name}-${safeString(randomBytes(5), 5)}`
      pods.put(namespace, {
        metadata: {
          name: podName,
          labels: { ...((meta.labels as JsonObject | undefined) ?? {}), [hashLabel]: revision },
          ...(isObject(meta.annotations) && { annotations: meta.annotations }),
          ownerReferences: [{ ...owner, uid: 'controller', controller: true, blockOwnerDeletion: true }]
        },
        spec: structuredClone(isObject(template.spec) ? template.spec : {}),
        status: podStatus(containers, waiting)
      })
    }
  }
}

/** A pod's status as the kubelet reports it: every container waiting for `waiting`, or all running and ready. */
function podStatus(containers: JsonObject[], waiting: PodWaiting | undefined): JsonObject {
  const failing = waiting && waiting.reason !== 'ContainerCreating'
  return {
    phase: waiting && waiting.reason !== 'CrashLoopBackOff' ? 'Pending' : 'Running',
    conditions: [{ type: 'Ready', status: waiting ? 'False' : 'True' }],
    containerStatuses: containers.map(container => ({
      name: container.name ?? '',
      image: container.image ?? '',
      ready: !waiting,
      restartCount: waiting?.reason === 'CrashLoopBackOff' ? 3 : 0,
      started: !waiting,
      state: waiting
        ? { waiting: { reason: waiting.reason, ...(waiting.message && { message: waiting.message }) } }
        : { running: { startedAt: timestamp() } },
      ...(failing &&
        waiting.reason === 'CrashLoopBackOff' && {
          lastState: { terminated: { exitCode: 1, reason: 'Error' } }
        })
    })) as unknown as Json
  }
}
