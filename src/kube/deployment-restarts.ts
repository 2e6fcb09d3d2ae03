// Restarts Deployments the way `kubectl rollout restart` does, so long-lived Dagster code servers pick up new
// Secret values (environment variables are read only when a container starts): a strategic-merge patch of the
// pod template's `kubectl.kubernetes.io/restartedAt` annotation, which rolls the pods.
// https://kubernetes.io/docs/reference/kubectl/generated/kubectl_rollout/kubectl_rollout_restart/
import { PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node'
import { appsV1Api } from './api.js'
import pLimit from 'p-limit'
import { KubeApiError } from '../sync/kube-api-error.js'
import { sendWithRetries, type RequestPolicy } from './requests.js'
import { MANAGER } from '../sync/plan.js'
import type { SecretResult } from '../sync/sync.js'

/** Which Deployments to restart: named ones, or those matching a label selector. */
export type RestartTarget = { kind: 'names'; names: string[] } | { kind: 'selector'; selector: string }

export interface RestartResult {
  /** A Deployment name, or the selector when nothing matched it. */
  name: string
  restarted: boolean
  detail?: string
}

export interface RestartOptions extends RequestPolicy {
  namespace: string
  dryRun: boolean
  concurrency: number
}

/** Only a change to a Secret's value is worth rolling pods for; an unchanged run restarts nothing. */
export function restartNeeded(results: SecretResult[]): boolean {
  return results.some(result => ['created', 'updated', 'deleted'].includes(result.state))
}

export async function restartDeployments(
  kubeConfig: KubeConfig,
  target: RestartTarget,
  options: RestartOptions,
  now = new Date()
): Promise<RestartResult[]> {
  const api = appsV1Api(kubeConfig)
  const { namespace } = options
  let names: string[]
  if (target.kind === 'names') {
    names = target.names
  } else {
    try {
      const list = await sendWithRetries(options, requestOptions =>
        api.listNamespacedDeployment({ namespace, labelSelector: target.selector }, requestOptions)
      )
      names = list.items.map(deployment => deployment.metadata?.name as string)
    } catch (error) {
      return [
        { name: target.selector, restarted: false, detail: `listing Deployments failed: ${describe(error)}` }
      ]
    }
    if (names.length === 0) {
      return [
        {
          name: target.selector,
          restarted: false,
          detail: `no Deployment in namespace ${namespace} matches this selector`
        }
      ]
    }
  }

  // kubectl writes the time in RFC 3339 without fractions (Go's time.RFC3339).
  const restartedAt = now.toISOString().replace(/\.\d{3}Z$/, 'Z')
  const body = {
    spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': restartedAt } } } }
  }
  const limit = pLimit(options.concurrency)
  return Promise.all(
    names.map(name =>
      limit(async (): Promise<RestartResult> => {
        try {
          await sendWithRetries(options, requestOptions =>
            api.patchNamespacedDeployment(
              { name, namespace, body, fieldManager: MANAGER, ...(options.dryRun && { dryRun: 'All' }) },
              setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch, requestOptions)
            )
          )
          return { name, restarted: true }
        } catch (error) {
          return { name, restarted: false, detail: describe(error) }
        }
      })
    )
  )
}

function describe(error: unknown): string {
  if (error instanceof KubeApiError) return error.message
  throw error
}
