// Waits for one restarted workload to come back, the way `kubectl rollout status` waits (kubectl
// pkg/cmd/rollout/rollout_status.go): a LIST of the one object (`fieldSelector=metadata.name=NAME`), then a WATCH
// from the list's resourceVersion with the same selector, judging every version the watch delivers
// (sync/rollout-status.ts), listing again when the watch ends or its resourceVersion expired (410), until the
// rollout is complete or has failed, or the run's time budget ends. Beside the watch, the pods the restart made are
// looked at (a LIST by the workload's selector), at most once a second on a watch event and every few seconds
// without one: a pod waiting in CreateContainerConfigError or CrashLoopBackOff fails the rollout at once, where
// kubectl would wait for the Deployment's progress deadline (ten minutes by default) or, for a StatefulSet or a
// DaemonSet, forever.
import type { V1DaemonSet, V1Deployment, V1Pod, V1StatefulSet } from '@kubernetes/client-node'
import { setTimeout as sleep } from 'node:timers/promises'
import { KubeApiError } from '../sync/kube-api-error.js'
import type { RestartableKind, RolloutOutcome, WaitingContainer } from '../sync/restarts.js'
import {
  failingContainers,
  judgeRollout,
  selectorString,
  waitingContainers,
  type RolloutJudgement
} from '../sync/rollout-status.js'
import type { AppsV1Calls, CoreV1Calls, WatchRequests } from './api.js'
import { sendWithRetries, streamRequestOptions, type RequestPolicy } from './requests.js'
import { watchEvents } from './watch.js'

type Workload = V1Deployment | V1StatefulSet | V1DaemonSet

export interface RolloutClients {
  apps: AppsV1Calls
  core: CoreV1Calls
  watches: WatchRequests
}

export interface RolloutWatchOptions extends RequestPolicy {
  namespace: string
  /** How often the new pods are looked at when no watch event comes (default 5 s). */
  podCheckMs?: number
  /** How long one WATCH may stay open before it is opened again (the server's `timeoutSeconds`, default 120). */
  watchSeconds?: number
}

const LIST_METHOD = {
  Deployment: 'listNamespacedDeployment',
  StatefulSet: 'listNamespacedStatefulSet',
  DaemonSet: 'listNamespacedDaemonSet'
} as const

export async function waitForRollout(
  clients: RolloutClients,
  kind: RestartableKind,
  name: string,
  restartedAt: string,
  options: RolloutWatchOptions
): Promise<RolloutOutcome> {
  const { namespace, deadline } = options
  const fieldSelector = `metadata.name=${name}`
  const podCheckMs = options.podCheckMs ?? 5000
  const method = LIST_METHOD[kind]
  let judgement: RolloutJudgement = { state: 'waiting', message: 'not seen yet' }
  let waiting: WaitingContainer[] = []
  let selector: string | undefined
  let podsCheckedAt = 0
  /** A watch event came while the pods were looked at less than a second ago: look again when the second ends. */
  let checkOwed = false

  /** The new pods' waiting containers; a failure to list them only leaves them unknown. */
  const checkPods = async (): Promise<WaitingContainer[]> => {
    if (!selector) return []
    podsCheckedAt = Date.now()
    try {
      const pods: V1Pod[] = []
      let page: string | undefined
      do {
        const list = await sendWithRetries(options, requestOptions =>
          clients.core.listNamespacedPod(
            { namespace, labelSelector: selector, _continue: page, limit: 500 },
            requestOptions
          )
        )
        pods.push(...list.items)
        page = list.metadata?._continue || undefined
      } while (page)
      waiting = waitingContainers(pods, restartedAt)
    } catch (error) {
      if (!(error instanceof KubeApiError)) throw error
    }
    return failingContainers(waiting)
  }

  /** Judges one version of the workload; an outcome ends the wait. */
  const observe = async (object: Workload, force = false): Promise<RolloutOutcome | undefined> => {
    selector = selectorString(object.spec?.selector)
    judgement = judgeRollout(kind, object)
    switch (judgement.state) {
      case 'complete':
      case 'untracked':
        return judgement
      case 'failed':
        await checkPods()
        return { state: 'failed', message: judgement.message, waiting }
    }
    if (!force && Date.now() - podsCheckedAt < 1000) {
      checkOwed = true
      return undefined
    }
    checkOwed = false
    const failing = await checkPods()
    if (failing.length === 0) return undefined
    return {
      state: 'failed',
      message: `its new pods cannot start (${[...new Set(failing.map(c => c.reason))].join(', ')}); ${judgement.message}`,
      waiting
    }
  }

  const stillRolling = (): RolloutOutcome => ({
    state: 'still rolling out',
    message: judgement.message,
    waiting
  })
  let backoffMs = 500
  while (!deadline.aborted) {
    let resourceVersion: string | undefined
    try {
      const list = await sendWithRetries(options, requestOptions =>
        clients.apps[method]({ namespace, fieldSelector }, requestOptions)
      )
      const object = list.items[0] as Workload | undefined
      if (!object) return { state: 'failed', message: `${kind} ${name} was deleted`, waiting }
      const outcome = await observe(object, true)
      if (outcome) return outcome
      resourceVersion = list.metadata?.resourceVersion
    } catch (error) {
      if (deadline.aborted) break
      if (error instanceof KubeApiError) return { state: 'unverified', message: unverified(kind, error) }
      throw error
    }

    try {
      const outcome = await watchOnce(resourceVersion)
      if (outcome) return outcome
      backoffMs = 500
    } catch (error) {
      if (deadline.aborted) break
      if (!(error instanceof KubeApiError)) throw error
      if (!error.transient) return { state: 'unverified', message: unverified(kind, error) }
      // A dropped watch is listed and watched again, as client-go's reflector does, with a growing pause.
      await sleep(backoffMs, undefined, { signal: deadline }).catch(() => undefined)
      backoffMs = Math.min(backoffMs * 2, 10_000)
    }
  }
  return stillRolling()

  /** One WATCH from `resourceVersion`; undefined when it ended without an outcome (list again). */
  async function watchOnce(resourceVersion: string | undefined): Promise<RolloutOutcome | undefined> {
    const watchSeconds = options.watchSeconds ?? 120
    const stop = new AbortController()
    const signal = AbortSignal.any([deadline, stop.signal, AbortSignal.timeout((watchSeconds + 30) * 1000)])
    const request = await clients.watches[method](
      {
        namespace,
        fieldSelector,
        watch: true,
        allowWatchBookmarks: true,
        timeoutSeconds: watchSeconds,
        ...(resourceVersion && { resourceVersion })
      },
      streamRequestOptions(options, signal)
    )
    const events = watchEvents<Workload | { code?: number; reason?: string; message?: string }>(request)
    const newTick = (): Promise<'tick' | 'stopped'> => {
      const wait = checkOwed ? Math.max(0, 1000 - (Date.now() - podsCheckedAt)) : podCheckMs
      return sleep(wait, 'tick' as const, { signal }).catch(() => 'stopped' as const)
    }
    let next = events.next()
    let tick = newTick()
    try {
      for (;;) {
        const arrived = await Promise.race([next, tick])
        if (arrived === 'stopped') return undefined
        if (arrived === 'tick') {
          checkOwed = false
          const failing = await checkPods()
          tick = newTick()
          if (failing.length > 0) {
            return {
              state: 'failed',
              message: `its new pods cannot start (${[...new Set(failing.map(c => c.reason))].join(', ')}); ${judgement.message}`,
              waiting
            }
          }
          continue
        }
        if (arrived.done) return undefined
        const event = arrived.value
        next = events.next()
        switch (event.type) {
          case 'ADDED':
          case 'MODIFIED': {
            const outcome = await observe(event.object as Workload)
            if (outcome) return outcome
            // A look at the pods skipped for the one-second limit is made when the second ends.
            if (checkOwed) tick = newTick()
            break
          }
          case 'DELETED':
            return { state: 'failed', message: `${kind} ${name} was deleted while it rolled out`, waiting }
          case 'ERROR': {
            const status = event.object as { code?: number; reason?: string; message?: string }
            // 410: the resourceVersion is older than the server keeps; list again (client-go's reflector too).
            if (status.code === 410) return undefined
            throw new KubeApiError(
              `${status.code ?? ''} ${status.reason ?? 'Error'}: ${status.message ?? 'the watch failed'}`.trim(),
              status.code,
              status.reason,
              (status.code ?? 500) >= 500
            )
          }
          case 'BOOKMARK':
            break
        }
      }
    } finally {
      stop.abort()
      // The pending read ends with the abort; its error is of no interest any more.
      next.catch(() => undefined)
      await events.return(undefined).catch(() => undefined)
    }
  }
}

/** A list or watch the run may not make: which rule to add. */
function unverified(kind: RestartableKind, error: KubeApiError): string {
  const resource = `${kind.toLowerCase()}s`
  return error.status === 403
    ? `could not watch its rollout: ${error.message}; grant verbs list and watch on ${resource} (API group apps)`
    : `could not watch its rollout: ${error.message}`
}
