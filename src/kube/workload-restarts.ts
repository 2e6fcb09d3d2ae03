// Restarts what the core planned (sync/restarts.ts) the way `kubectl rollout restart` does: a GET of the workload
// (kubectl reads it too, and refuses a paused Deployment), then a strategic-merge PATCH of the pod template's
// `kubectl.kubernetes.io/restartedAt` (kubectl pkg/polymorphichelpers/objectrestarter.go), which rolls its pods;
// then, with `wait_for_rollout`, waits for each rollout (rollout-watch.ts). Each planned workload is restarted once.
// https://kubernetes.io/docs/reference/kubectl/generated/kubectl_rollout/kubectl_rollout_restart/
import {
  PatchStrategy,
  setHeaderOptions,
  type KubeConfig,
  type V1DaemonSet,
  type V1Deployment,
  type V1StatefulSet
} from '@kubernetes/client-node'
import pLimit from 'p-limit'
import { KubeApiError } from '../sync/kube-api-error.js'
import { MANAGER } from '../sync/ownership.js'
import {
  planRestarts,
  restartedAtValue,
  restartNeeded,
  restartPatch,
  restartRefusal,
  type PlannedRestart,
  type RestartableKind,
  type RestartsReport,
  type RestartTarget,
  type WorkloadRestart
} from '../sync/restarts.js'
import type { SecretResult } from '../sync/sync.js'
import type { WorkloadInventory } from '../sync/workload-references.js'
import { appsV1Api, appsV1WatchRequests, coreV1Api, type AppsV1Calls } from './api.js'
import { sendWithRetries, type RequestPolicy } from './requests.js'
import { waitForRollout, type RolloutClients } from './rollout-watch.js'

export interface RestartSettings {
  namespace: string
  dryRun: boolean
  concurrency: number
  /** `restart_deployments`. */
  restart?: RestartTarget
  restartReferencing: boolean
  waitForRollout: boolean
}

export interface RestartOptions extends RequestPolicy {
  /** How often a rollout's new pods are looked at without a watch event (rollout-watch.ts). */
  podCheckMs?: number
}

/** The kinds' read and patch calls, and the resource each is in RBAC. */
const CALLS = {
  Deployment: {
    read: 'readNamespacedDeployment',
    patch: 'patchNamespacedDeployment',
    resource: 'deployments.apps'
  },
  StatefulSet: {
    read: 'readNamespacedStatefulSet',
    patch: 'patchNamespacedStatefulSet',
    resource: 'statefulsets.apps'
  },
  DaemonSet: {
    read: 'readNamespacedDaemonSet',
    patch: 'patchNamespacedDaemonSet',
    resource: 'daemonsets.apps'
  }
} as const

/** Undefined when neither `restart_deployments` nor `restart_referencing` asks for anything. */
export async function restartWorkloads(
  kubeConfig: KubeConfig,
  settings: RestartSettings,
  sync: { results: SecretResult[]; inventory?: WorkloadInventory },
  options: RestartOptions,
  now = new Date()
): Promise<RestartsReport | undefined> {
  if (!settings.restart && !settings.restartReferencing) return undefined
  const report: RestartsReport = {
    ...(settings.restart && { target: settings.restart }),
    referencing: settings.restartReferencing,
    anyChange: restartNeeded(sync.results),
    restarts: [],
    nextRun: [],
    problems: [],
    waited: false
  }
  if (!report.anyChange) return report

  const apps = appsV1Api(kubeConfig)
  const { namespace } = settings
  const named = settings.restart ? await namedDeployments(apps, settings.restart, namespace, options) : []
  if (typeof named === 'string') report.problems.push(named)
  if (settings.restartReferencing) report.problems.push(...unseenKinds(sync.inventory))
  const plan = planRestarts({
    results: sync.results,
    workloads: sync.inventory?.workloads ?? [],
    namedDeployments: typeof named === 'string' ? [] : named,
    referencing: settings.restartReferencing
  })
  report.nextRun = plan.nextRun

  const restartedAt = restartedAtValue(now)
  const limit = pLimit(settings.concurrency)
  report.restarts = await Promise.all(
    plan.restarts.map(planned => limit(() => restartOne(apps, planned, restartedAt, settings, options)))
  )

  const restarted = report.restarts.filter(restart => restart.outcome === 'restarted')
  if (settings.waitForRollout && !settings.dryRun && restarted.length > 0) {
    report.waited = true
    const clients: RolloutClients = {
      apps,
      core: coreV1Api(kubeConfig),
      watches: appsV1WatchRequests(kubeConfig)
    }
    // Every rollout is watched at once: they run in parallel in the cluster, and share the run's budget.
    await Promise.all(
      restarted.map(async restart => {
        restart.rollout = await waitForRollout(clients, restart.kind, restart.name, restartedAt, {
          ...options,
          namespace
        })
      })
    )
  }
  return report
}

/** The Deployments `restart_deployments` names, or those its selector matches; a string says why none. */
async function namedDeployments(
  apps: AppsV1Calls,
  target: RestartTarget,
  namespace: string,
  options: RequestPolicy
): Promise<string[] | string> {
  if (target.kind === 'names') return target.names
  try {
    const list = await sendWithRetries(options, requestOptions =>
      apps.listNamespacedDeployment({ namespace, labelSelector: target.selector }, requestOptions)
    )
    const names = list.items.map(deployment => deployment.metadata?.name as string)
    return names.length > 0
      ? names
      : `\`restart_deployments\` ${target.selector}: no Deployment in namespace ${namespace} matches this selector`
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error
    return `\`restart_deployments\` ${target.selector}: listing Deployments failed: ${error.message}`
  }
}

/**
 * The restartable kinds the inventory could not list: what reads a changed Secret among them is unknown, so the
 * run cannot promise to have restarted it.
 */
function unseenKinds(inventory: WorkloadInventory | undefined): string[] {
  const resources = Object.values(CALLS).map(call => call.resource)
  if (!inventory) return ["`restart_referencing`: the namespace's workloads were not read"]
  return inventory.failures
    .filter(failure => (resources as string[]).includes(failure.resource))
    .map(
      failure =>
        `\`restart_referencing\` could not see which ${failure.resource} use the changed Secrets: listing them failed (${failure.message})`
    )
}

async function restartOne(
  apps: AppsV1Calls,
  planned: PlannedRestart,
  restartedAt: string,
  settings: RestartSettings,
  options: RequestPolicy
): Promise<WorkloadRestart> {
  const { namespace } = settings
  const base = {
    kind: planned.kind,
    name: planned.name,
    namespace,
    causes: planned.causes,
    named: planned.named
  }
  const calls = CALLS[planned.kind]
  try {
    const live = await sendWithRetries(options, requestOptions =>
      read(apps, planned.kind, planned.name, namespace, requestOptions)
    )
    const refusal = restartRefusal(planned.kind, planned.name, namespace, live.spec as { paused?: boolean })
    if (refusal) return { ...base, outcome: 'paused', detail: refusal }
    const patched = await sendWithRetries(options, requestOptions =>
      apps[calls.patch](
        {
          name: planned.name,
          namespace,
          body: restartPatch(restartedAt),
          fieldManager: MANAGER,
          ...(settings.dryRun && { dryRun: 'All' })
        },
        setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, requestOptions)
      )
    )
    const { uid, resourceVersion } = patched.metadata ?? {}
    return {
      ...base,
      outcome: settings.dryRun ? 'would restart' : 'restarted',
      restartedAt,
      ...(uid && { uid }),
      ...(resourceVersion && { resourceVersion })
    }
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error
    return { ...base, outcome: 'failed', detail: error.message }
  }
}

function read(
  apps: AppsV1Calls,
  kind: RestartableKind,
  name: string,
  namespace: string,
  options: Parameters<AppsV1Calls['readNamespacedDeployment']>[1]
): Promise<V1Deployment | V1StatefulSet | V1DaemonSet> {
  switch (kind) {
    case 'Deployment':
      return apps.readNamespacedDeployment({ name, namespace }, options)
    case 'StatefulSet':
      return apps.readNamespacedStatefulSet({ name, namespace }, options)
    case 'DaemonSet':
      return apps.readNamespacedDaemonSet({ name, namespace }, options)
  }
}
