// Whether a restarted workload came back, judged as `kubectl rollout status` judges it, and which of its new pods
// cannot start. Pure: objects as the API returns them go in, a judgement comes out; kube/rollout-watch.ts feeds it
// from a LIST and a WATCH of the one workload.
//
// The rules per kind are kubectl's status viewers (kubectl pkg/polymorphichelpers/rollout_status.go,
// DeploymentStatusViewer, StatefulSetStatusViewer, DaemonSetStatusViewer): nothing counts until the controller has
// observed the new generation (`status.observedGeneration`); a Deployment has failed when its `Progressing`
// condition says ProgressDeadlineExceeded (kubectl pkg/util/deployment, TimedOutReason).
import type {
  V1DaemonSet,
  V1Deployment,
  V1LabelSelector,
  V1Pod,
  V1StatefulSet,
  V1StatefulSetStatus
} from '@kubernetes/client-node'
import { RESTARTED_AT_ANNOTATION, type RestartableKind, type WaitingContainer } from './restarts.js'

export type RolloutJudgement =
  /** Still rolling; `message` says what it waits for, in kubectl's words. */
  | { state: 'waiting'; message: string }
  | { state: 'complete'; message: string }
  /** ProgressDeadlineExceeded: `message` is the condition's own. */
  | { state: 'failed'; message: string }
  /** An OnDelete strategy: pods are replaced only when someone deletes them, so there is no rollout to watch. */
  | { state: 'untracked'; message: string }

/** `kubectl rollout status`'s verdict on one object of the kind. */
export function judgeRollout(
  kind: RestartableKind,
  object: V1Deployment | V1StatefulSet | V1DaemonSet
): RolloutJudgement {
  switch (kind) {
    case 'Deployment':
      return judgeDeployment(object as V1Deployment)
    case 'StatefulSet':
      return judgeStatefulSet(object as V1StatefulSet)
    case 'DaemonSet':
      return judgeDaemonSet(object as V1DaemonSet)
  }
}

function judgeDeployment(d: V1Deployment): RolloutJudgement {
  const name = d.metadata?.name ?? ''
  const status = d.status ?? {}
  if ((d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'waiting for the deployment spec update to be observed' }
  }
  const progressing = status.conditions?.find(condition => condition.type === 'Progressing')
  if (progressing?.reason === 'ProgressDeadlineExceeded') {
    return {
      state: 'failed',
      message: `deployment "${name}" exceeded its progress deadline (ProgressDeadlineExceeded${progressing.message ? `: ${progressing.message}` : ''})`
    }
  }
  // kubectl counts the new replicas only when spec.replicas is set (an API server always sets it): 0 waits for none.
  const replicas = d.spec?.replicas ?? 0
  const updated = status.updatedReplicas ?? 0
  if (updated < replicas) {
    return { state: 'waiting', message: `${updated} out of ${replicas} new replicas have been updated` }
  }
  if ((status.replicas ?? 0) > updated) {
    return {
      state: 'waiting',
      message: `${(status.replicas ?? 0) - updated} old replicas are pending termination`
    }
  }
  const available = status.availableReplicas ?? 0
  if (available < updated) {
    return { state: 'waiting', message: `${available} of ${updated} updated replicas are available` }
  }
  return { state: 'complete', message: `deployment "${name}" successfully rolled out` }
}

function judgeStatefulSet(s: V1StatefulSet): RolloutJudgement {
  const strategy = s.spec?.updateStrategy
  if (strategy?.type && strategy.type !== 'RollingUpdate') {
    return {
      state: 'untracked',
      message: `its update strategy is ${strategy.type}: its pods are replaced only when they are deleted`
    }
  }
  const status: Partial<V1StatefulSetStatus> = s.status ?? {}
  if (!status.observedGeneration || (s.metadata?.generation ?? 0) > status.observedGeneration) {
    return { state: 'waiting', message: 'waiting for the statefulset spec update to be observed' }
  }
  // As for a Deployment, kubectl counts only when spec.replicas is set; 0 waits for none.
  const replicas = s.spec?.replicas ?? 0
  const ready = status.readyReplicas ?? 0
  if (ready < replicas) {
    return { state: 'waiting', message: `waiting for ${replicas - ready} pods to be ready` }
  }
  if (strategy?.rollingUpdate) {
    const updated = status.updatedReplicas ?? 0
    // The pods at or above the partition. kubectl waits for them only when the partition is set too (an API server
    // defaults it to 0); without it, none.
    const toUpdate = replicas - (strategy.rollingUpdate.partition ?? replicas)
    if (updated < toUpdate) {
      return {
        state: 'waiting',
        message: `partitioned roll out: ${updated} out of ${toUpdate} new pods have been updated`
      }
    }
    return {
      state: 'complete',
      message: `partitioned roll out complete: ${updated} new pods have been updated`
    }
  }
  if (status.updateRevision !== status.currentRevision) {
    return {
      state: 'waiting',
      message: `waiting for the rolling update to complete ${status.updatedReplicas ?? 0} pods at revision ${status.updateRevision ?? ''}`
    }
  }
  return {
    state: 'complete',
    message: `rolling update complete ${status.currentReplicas ?? 0} pods at revision ${status.currentRevision ?? ''}`
  }
}

function judgeDaemonSet(d: V1DaemonSet): RolloutJudgement {
  const strategy = d.spec?.updateStrategy?.type
  if (strategy && strategy !== 'RollingUpdate') {
    return {
      state: 'untracked',
      message: `its update strategy is ${strategy}: its pods are replaced only when they are deleted`
    }
  }
  const name = d.metadata?.name ?? ''
  const status = d.status
  if (!status || (d.metadata?.generation ?? 0) > (status.observedGeneration ?? 0)) {
    return { state: 'waiting', message: 'waiting for the daemon set spec update to be observed' }
  }
  const desired = status.desiredNumberScheduled
  const updated = status.updatedNumberScheduled ?? 0
  if (updated < desired) {
    return { state: 'waiting', message: `${updated} out of ${desired} new pods have been updated` }
  }
  const available = status.numberAvailable ?? 0
  if (available < desired) {
    return { state: 'waiting', message: `${available} of ${desired} updated pods are available` }
  }
  return { state: 'complete', message: `daemon set "${name}" successfully rolled out` }
}

/**
 * Waiting reasons that mean the pod will not come up by itself: the kubelet cannot build the container's
 * configuration (a missing Secret or key: `secret "x" not found`, `couldn't find key K in Secret ns/x`), or the
 * process keeps exiting (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-state-waiting).
 */
const FAILING_REASONS: readonly string[] = ['CreateContainerConfigError', 'CrashLoopBackOff']

/** The waiting containers that will not come up by themselves: the rollout has failed. */
export function failingContainers(waiting: readonly WaitingContainer[]): WaitingContainer[] {
  return waiting.filter(container => FAILING_REASONS.includes(container.reason))
}

/**
 * The waiting containers (init containers first) of the pods this restart made: those whose template carries this
 * run's `restartedAt`, which every pod copies from the template. Pods of the old revision, whatever their state,
 * are not this restart's doing.
 */
export function waitingContainers(pods: V1Pod[], restartedAt: string): WaitingContainer[] {
  return pods
    .filter(pod => pod.metadata?.annotations?.[RESTARTED_AT_ANNOTATION] === restartedAt)
    .flatMap(pod => {
      // Stryker disable next-line ArrayDeclaration: an element of the fallback has no state, so is not waiting
      const init = pod.status?.initContainerStatuses ?? []
      // Stryker disable next-line ArrayDeclaration: as above
      const main = pod.status?.containerStatuses ?? []
      return [...init, ...main].flatMap(status => {
        const waiting = status.state?.waiting
        if (!waiting?.reason) return []
        return [
          {
            // Stryker disable next-line OptionalChaining: the filter above kept only pods with metadata
            pod: pod.metadata?.name ?? '',
            container: status.name,
            reason: waiting.reason,
            ...(waiting.message && { message: waiting.message })
          }
        ]
      })
    })
}

/** The label selector as a LIST takes it (`app=web,tier in (a,b),!canary`), to find a workload's pods. */
export function selectorString(selector: V1LabelSelector | undefined): string {
  const parts = Object.entries(selector?.matchLabels ?? {}).map(([key, value]) => `${key}=${value}`)
  // Stryker disable next-line ArrayDeclaration: an element of the fallback has no operator and adds nothing
  for (const expression of selector?.matchExpressions ?? []) {
    const values = `(${(expression.values ?? []).join(',')})`
    switch (expression.operator) {
      case 'In':
        parts.push(`${expression.key} in ${values}`)
        break
      case 'NotIn':
        parts.push(`${expression.key} notin ${values}`)
        break
      case 'Exists':
        parts.push(expression.key)
        break
      case 'DoesNotExist':
        parts.push(`!${expression.key}`)
        break
    }
  }
  return parts.join(',')
}
