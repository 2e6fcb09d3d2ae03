// Restarts Deployments the way `kubectl rollout restart` does, so long-lived Dagster code servers pick up new
// Secret values (environment variables are read only when a container starts): a strategic-merge patch of the
// pod template's `kubectl.kubernetes.io/restartedAt` annotation, which rolls the pods.
// https://kubernetes.io/docs/reference/kubectl/generated/kubectl_rollout/kubectl_rollout_restart/
import { PatchStrategy, setHeaderOptions, type KubeConfig, type V1Deployment } from '@kubernetes/client-node'
import { appsV1Api } from './api.js'
import pLimit from 'p-limit'
import { KubeApiError } from '../sync/kube-api-error.js'
import { sendWithRetries, type RequestPolicy } from './requests.js'
import { MANAGER } from '../sync/plan.js'
import { VALUE_CHANGES, type SecretResult } from '../sync/sync.js'

/** Which Deployments to restart: named ones, or those matching a label selector. */
export type RestartTarget = { kind: 'names'; names: string[] } | { kind: 'selector'; selector: string }

export interface RestartResult {
  /** A Deployment name, or the selector when nothing matched it. */
  name: string
  restarted: boolean
  /** Not restarted because it is paused: said, not counted, and not a failure. */
  paused?: boolean
  detail?: string
}

/**
 * kubectl refuses to restart a paused Deployment, with this message (kubectl
 * pkg/polymorphichelpers/objectrestarter.go, defaultObjectRestarter): the patch would be stored, but the
 * Deployment controller rolls out nothing while `spec.paused` is true, so its pods keep the old values.
 */
export const PAUSED_REFUSAL = "can't restart paused deployment (run rollout resume first)"

export interface RestartOptions extends RequestPolicy {
  namespace: string
  dryRun: boolean
  concurrency: number
}

/**
 * Only a change to a Secret's value is worth rolling pods for; an unchanged run, or one that wrote only labels or
 * annotations (a claim, an adoption of the same value), restarts nothing.
 */
export function restartNeeded(results: SecretResult[]): boolean {
  return results.some(result => VALUE_CHANGES.includes(result.state))
}

export async function restartDeployments(
  kubeConfig: KubeConfig,
  target: RestartTarget,
  options: RestartOptions,
  now = new Date()
): Promise<RestartResult[]> {
  const api = appsV1Api(kubeConfig)
  const { namespace } = options
  // Named Deployments are read one by one (GET) and selected ones come with their LIST, to see `spec.paused`.
  let listed: Map<string, V1Deployment> | undefined
  let names: string[]
  if (target.kind === 'names') {
    names = target.names
  } else {
    try {
      const list = await sendWithRetries(options, requestOptions =>
        api.listNamespacedDeployment({ namespace, labelSelector: target.selector }, requestOptions)
      )
      listed = new Map(list.items.map(deployment => [deployment.metadata?.name as string, deployment]))
      names = [...listed.keys()]
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
          const deployment =
            listed?.get(name) ??
            (await sendWithRetries(options, requestOptions =>
              api.readNamespacedDeployment({ name, namespace }, requestOptions)
            ))
          if (deployment.spec?.paused) {
            return {
              name,
              restarted: false,
              paused: true,
              detail: `it is paused, so a restart would roll out nothing (kubectl: "${PAUSED_REFUSAL}"); run \`kubectl rollout resume deployment/${name} -n ${namespace}\` when it should roll out again`
            }
          }
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
