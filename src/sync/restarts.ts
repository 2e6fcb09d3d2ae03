// What to restart after a sync, and why. Pure: the results of the sync, the workloads of the namespace and the
// Deployments `restart_deployments` names go in; one planned restart per workload, with the Secrets and keys that
// caused it, comes out. kube/workload-restarts.ts carries the plan out (GET, PATCH, watch).
//
// A container reads a Secret's value when it starts (environment variables) or, for a volume, when the kubelet
// next syncs it; a long-lived process (a Dagster code server) keeps what it read at start-up. So a workload whose
// pod template reads a Secret whose value this run set or changed is restarted, the way `kubectl rollout restart`
// does it: a new `kubectl.kubernetes.io/restartedAt` in the pod template rolls every pod (kubectl
// pkg/polymorphichelpers/objectrestarter.go). A deleted Secret restarts nothing by reference: prune keeps every
// Secret a workload still references.
import { rfc3339 } from './rfc3339.js'
import { compareNames } from './selection.js'
import { VALUE_CHANGES, type SecretResult } from './sync.js'
import { collectReferences, workloadLabel, type Workload } from './workload-references.js'

/** The kinds `kubectl rollout restart` restarts. */
export type RestartableKind = 'Deployment' | 'StatefulSet' | 'DaemonSet'

export const RESTARTABLE_KINDS: readonly RestartableKind[] = ['Deployment', 'StatefulSet', 'DaemonSet']

/** The pod-template annotation whose new value rolls the pods (kubectl rollout restart). */
export const RESTARTED_AT_ANNOTATION = 'kubectl.kubernetes.io/restartedAt'

/** A Secret whose value this run created or changed, with the data keys that changed. */
export interface ChangedSecret {
  secretName: string
  keys: string[]
}

/** One Secret a workload reads that changed: the changed keys it reads, sorted. */
export interface RestartCause {
  secretName: string
  keys: string[]
}

/** One workload to restart, once, with everything that asks for it. */
export interface PlannedRestart {
  kind: RestartableKind
  name: string
  /** The changed Secrets its pod template reads, by name; empty when only `restart_deployments` asks. */
  causes: RestartCause[]
  /** `restart_deployments` names it (or its selector matches it). */
  named: boolean
}

/** A Job or CronJob that reads a changed Secret: never restarted, its next pod reads the new value. */
export interface NextRunReads {
  workload: string
  causes: RestartCause[]
}

export interface RestartPlan {
  restarts: PlannedRestart[]
  nextRun: NextRunReads[]
}

/**
 * Only a change to a Secret's value is worth rolling pods for; an unchanged run, or one that wrote only labels or
 * annotations (a claim, an adoption of the same value), restarts nothing. `restart_deployments` follows every
 * value change, deletions included.
 */
export function restartNeeded(results: SecretResult[]): boolean {
  return results.some(result => VALUE_CHANGES.includes(result.state))
}

/**
 * The Secrets whose value this run created or changed, with their changed keys. A write of labels or annotations
 * alone (`metadata-updated`) changes nothing a pod reads; a deletion is left to prune's hold-back.
 */
export function changedSecrets(results: SecretResult[]): ChangedSecret[] {
  return results
    .filter(result => result.state === 'created' || result.state === 'updated')
    .map(result => ({ secretName: result.secretName, keys: result.changedKeys ?? [] }))
    .sort((a, b) => compareNames(a.secretName, b.secretName))
}

/**
 * For each workload, the changed Secrets and keys its pod template reads: `envFrom` and a volume without `items`
 * read every key, a `secretKeyRef` or a volume's `items` only theirs. Optional references count: an optional
 * Secret that now exists or changed is read by the next container that starts. Workloads in input order.
 */
export function readersOfChanges(
  workloads: Workload[],
  changed: ChangedSecret[]
): { workload: Workload; causes: RestartCause[] }[] {
  const byName = new Map(changed.map(secret => [secret.secretName, secret.keys]))
  const readers: { workload: Workload; causes: RestartCause[] }[] = []
  for (const workload of workloads) {
    const keys = new Map<string, Set<string>>()
    for (const reference of collectReferences([workload])) {
      const changedKeys = byName.get(reference.secretName)
      if (!changedKeys) continue
      const read =
        reference.key === undefined ? changedKeys : changedKeys.filter(key => key === reference.key)
      if (read.length === 0) continue
      const into = keys.get(reference.secretName) ?? new Set<string>()
      for (const key of read) into.add(key)
      keys.set(reference.secretName, into)
    }
    if (keys.size === 0) continue
    const causes = [...keys]
      .map(([secretName, read]) => ({ secretName, keys: [...read].sort(compareNames) }))
      .sort((a, b) => compareNames(a.secretName, b.secretName))
    readers.push({ workload, causes })
  }
  return readers
}

/**
 * The restarts of a run, each workload once: the Deployments `restart_deployments` names (when any value changed),
 * and with `restart_referencing` every Deployment, StatefulSet and DaemonSet whose template reads a changed Secret.
 * A workload both named and found by reference is one restart with both reasons. Jobs and CronJobs that read a
 * changed Secret are listed apart: restarting them means nothing (their next pod starts with the new value).
 * Running Pods are not candidates: a template is what a restart changes.
 */
export function planRestarts(input: {
  results: SecretResult[]
  /** Templates of the namespace (the inventory); empty without `restart_referencing`. */
  workloads: Workload[]
  /** Deployments named or selected by `restart_deployments`. */
  namedDeployments: string[]
  referencing: boolean
}): RestartPlan {
  const changed = changedSecrets(input.results)
  const templates = input.workloads.filter(workload => workload.kind !== 'Pod')
  const readers = input.referencing ? readersOfChanges(templates, changed) : []
  const restarts = new Map<string, PlannedRestart>()
  const named = restartNeeded(input.results) ? input.namedDeployments : []
  for (const name of named) {
    restarts.set(`Deployment/${name}`, { kind: 'Deployment', name, causes: [], named: true })
  }
  const nextRun: NextRunReads[] = []
  for (const { workload, causes } of readers) {
    if (!isRestartable(workload.kind)) {
      nextRun.push({ workload: workloadLabel(workload), causes })
      continue
    }
    const label = workloadLabel(workload)
    const planned = restarts.get(label)
    if (planned) planned.causes = causes
    else restarts.set(label, { kind: workload.kind, name: workload.name, causes, named: false })
  }
  return {
    restarts: [...restarts.values()].sort(
      (a, b) =>
        RESTARTABLE_KINDS.indexOf(a.kind) - RESTARTABLE_KINDS.indexOf(b.kind) || compareNames(a.name, b.name)
    ),
    nextRun: nextRun.sort((a, b) => compareNames(a.workload, b.workload))
  }
}

export function isRestartable(kind: string): kind is RestartableKind {
  return (RESTARTABLE_KINDS as readonly string[]).includes(kind)
}

/**
 * kubectl refuses to restart a paused Deployment with this message (objectrestarter.go, defaultObjectRestarter):
 * the patch would be stored, but the Deployment controller rolls out nothing while `spec.paused` is true.
 */
export const PAUSED_REFUSAL = "can't restart paused deployment (run rollout resume first)"

/** Why a workload read just before its restart is not restarted; undefined: restart it. */
export function restartRefusal(
  kind: RestartableKind,
  name: string,
  namespace: string,
  spec: { paused?: boolean } | undefined
): string | undefined {
  if (kind !== 'Deployment' || !spec?.paused) return undefined
  return `it is paused, so a restart would roll out nothing (kubectl: "${PAUSED_REFUSAL}"); run \`kubectl rollout resume deployment/${name} -n ${namespace}\` when it should roll out again`
}

/** The restart annotation's value: RFC 3339 in seconds, as kubectl writes it (Go's time.RFC3339). */
export function restartedAtValue(now: Date): string {
  return rfc3339(now)
}

/** The strategic-merge patch `kubectl rollout restart` sends. */
export function restartPatch(restartedAt: string): object {
  return { spec: { template: { metadata: { annotations: { [RESTARTED_AT_ANNOTATION]: restartedAt } } } } }
}

/** Which Deployments `restart_deployments` names: names, or those matching a label selector. */
export type RestartTarget = { kind: 'names'; names: string[] } | { kind: 'selector'; selector: string }

/** A container of a new pod that waits, and why (the kubelet's reason and message). */
export interface WaitingContainer {
  pod: string
  container: string
  reason: string
  message?: string
}

/** How a restarted workload's rollout ended, as far as this run watched it (`wait_for_rollout`). */
export type RolloutOutcome =
  | { state: 'complete'; message: string }
  /** ProgressDeadlineExceeded, or new pods waiting in CreateContainerConfigError or CrashLoopBackOff. */
  | { state: 'failed'; message: string; waiting: WaitingContainer[] }
  /** The run's time budget (`timeout_seconds`) ran out first: not a failure, not a success. */
  | { state: 'still rolling out'; message: string; waiting: WaitingContainer[] }
  /** An OnDelete update strategy: nothing rolls until someone deletes the pods. */
  | { state: 'untracked'; message: string }
  /** It could not be watched (a 403 on list or watch, say): the run cannot say it came back. */
  | { state: 'unverified'; message: string }

/**
 * One workload's restart, in the shape an audit record or a Kubernetes Event needs: which object, in which
 * namespace, why (the Secrets and keys), what happened, and how its rollout ended.
 */
export interface WorkloadRestart {
  kind: RestartableKind
  name: string
  namespace: string
  causes: RestartCause[]
  named: boolean
  /** `restarted`: patched; `would restart`: a dry run's patch passed; `paused`: left alone; `failed`: GET or PATCH. */
  outcome: 'restarted' | 'would restart' | 'paused' | 'failed'
  /** Why it is paused or failed: the API server's message, or what to run. */
  detail?: string
  /** The `restartedAt` this run wrote; its new pods carry it. */
  restartedAt?: string
  /** The workload's uid and resourceVersion as the PATCH answered them, for the Event about it. */
  uid?: string
  resourceVersion?: string
  /** With `wait_for_rollout`, for a restarted workload. */
  rollout?: RolloutOutcome
}

/** Everything the restart step did, for the summary, the outputs and the failure message. */
export interface RestartsReport {
  /** `restart_deployments`, as given. */
  target?: RestartTarget
  referencing: boolean
  /** False when no value changed: nothing was restarted, nothing was asked of the cluster. */
  anyChange: boolean
  restarts: WorkloadRestart[]
  /** Jobs and CronJobs that read a changed Secret (with `restart_referencing`). */
  nextRun: NextRunReads[]
  /**
   * What kept the step from finding what to restart: a selector that matched nothing or could not be listed, a
   * kind that could not be listed for `restart_referencing`. Each fails the run.
   */
  problems: string[]
  waited: boolean
}

/** The restarts whose outcome or rollout fails the run. */
export function failedRestarts(report: RestartsReport | undefined): WorkloadRestart[] {
  // Stryker disable next-line ArrayDeclaration: an element of the fallback has no outcome and is filtered out
  return (report?.restarts ?? []).filter(
    restart =>
      restart.outcome === 'failed' ||
      restart.rollout?.state === 'failed' ||
      restart.rollout?.state === 'unverified'
  )
}
