// Reads what `check_references` and `restart_referencing` need from one namespace (main.ts reads it once for
// both, and prune then keeps what it finds in use): one LIST per workload kind (Deployments, StatefulSets,
// DaemonSets, CronJobs, Jobs), one of the running Pods (they catch every owner: standalone ReplicaSets,
// ReplicationControllers, bare Pods), and one metadata-only LIST of the namespace's Secrets, each through
// kube-requests.ts for its timeout, deadline and retries. Decides nothing (that is workload-references.ts). A kind that cannot be listed
// (403, or any other failure) is reported, never thrown: the check is advice, and the sync has already happened.
import { setHeaderOptions, type KubeConfig } from '@kubernetes/client-node'
import {
  appsV1Api,
  batchV1Api,
  coreV1Api,
  type AppsV1Calls,
  type BatchV1Calls,
  type CoreV1Calls
} from './api.js'
import { KubeApiError } from '../sync/kube-api-error.js'
import { sendWithRetries, type RequestOptions, type RequestPolicy } from './requests.js'
import {
  isLiveStandaloneJob,
  podWorkloads,
  type ListFailure,
  type Workload,
  type WorkloadInventory
} from '../sync/workload-references.js'

/**
 * Asks for the Secrets' metadata only (kind PartialObjectMetadataList, items with `metadata` and nothing else),
 * as client-go's metadata client and kube-rs (`JSON_METADATA_LIST_MIME`) do:
 * https://kubernetes.io/docs/reference/using-api/api-concepts/#metadata-only-fetches. No `application/json`
 * fallback is offered, so a server that cannot answer this way says 406 rather than send values.
 */
export const METADATA_LIST_ACCEPT = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'

/** kubectl's default chunk size for a LIST (`--chunk-size=500`). */
const POD_PAGE = 500

export interface WorkloadsClientOptions extends RequestPolicy {
  namespace: string
}

export class WorkloadsClient {
  private readonly apps: AppsV1Calls
  private readonly batch: BatchV1Calls
  private readonly core: CoreV1Calls

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: WorkloadsClientOptions
  ) {
    this.apps = appsV1Api(kubeConfig)
    this.batch = batchV1Api(kubeConfig)
    this.core = coreV1Api(kubeConfig)
  }

  /** The seven LISTs, in parallel; what failed is in `failures`. */
  async inventory(): Promise<WorkloadInventory> {
    const namespace = this.options.namespace
    const failures: ListFailure[] = []
    const attempt = async <T>(resource: string, list: () => Promise<T>): Promise<T | undefined> => {
      try {
        return await list()
      } catch (error) {
        if (!(error instanceof KubeApiError)) throw error
        failures.push({ resource, ...(error.status && { status: error.status }), message: error.message })
        return undefined
      }
    }
    const [deployments, statefulSets, daemonSets, cronJobs, jobs, pods, secretNames] = await Promise.all([
      attempt('deployments.apps', () =>
        this.listAll((page, options) =>
          this.apps.listNamespacedDeployment({ namespace, _continue: page }, options)
        )
      ),
      attempt('statefulsets.apps', () =>
        this.listAll((page, options) =>
          this.apps.listNamespacedStatefulSet({ namespace, _continue: page }, options)
        )
      ),
      attempt('daemonsets.apps', () =>
        this.listAll((page, options) =>
          this.apps.listNamespacedDaemonSet({ namespace, _continue: page }, options)
        )
      ),
      attempt('cronjobs.batch', () =>
        this.listAll((page, options) =>
          this.batch.listNamespacedCronJob({ namespace, _continue: page }, options)
        )
      ),
      attempt('jobs.batch', () =>
        this.listAll((page, options) => this.batch.listNamespacedJob({ namespace, _continue: page }, options))
      ),
      // Dagster launches a Pod per run, so this list can be long: in pages, as kubectl asks for them.
      attempt('pods', () =>
        this.listAll((page, options) =>
          this.core.listNamespacedPod({ namespace, _continue: page, limit: POD_PAGE }, options)
        )
      ),
      attempt('secrets', () => this.secretNames())
    ])
    const templates: Workload[] = [
      ...(deployments ?? []).map(d => workload('Deployment', d.metadata?.name, d.spec?.template.spec)),
      ...(statefulSets ?? []).map(s => workload('StatefulSet', s.metadata?.name, s.spec?.template.spec)),
      ...(daemonSets ?? []).map(d => workload('DaemonSet', d.metadata?.name, d.spec?.template.spec)),
      ...(cronJobs ?? []).map(c =>
        workload('CronJob', c.metadata?.name, c.spec?.jobTemplate.spec?.template.spec)
      ),
      ...(jobs ?? [])
        .filter(isLiveStandaloneJob)
        .map(j => workload('Job', j.metadata?.name, j.spec?.template.spec))
    ]
    const workloads = [...templates, ...podWorkloads(pods ?? [], templates)]
    failures.sort((a, b) => (a.resource < b.resource ? -1 : 1))
    return { workloads, failures, ...(secretNames && { secretNames }) }
  }

  /** The name of every Secret in the namespace, without reading any Secret's data. */
  private async secretNames(): Promise<string[]> {
    const names: string[] = []
    let token: string | undefined
    do {
      const page = await this.send(options =>
        this.core.listNamespacedSecret(
          { namespace: this.options.namespace, _continue: token },
          setHeaderOptions('Accept', METADATA_LIST_ACCEPT, options)
        )
      )
      // client-node parses the answer as a SecretList; the kind says what the server actually sent.
      if (page.kind !== 'PartialObjectMetadataList') {
        throw new KubeApiError(
          `the API server answered a metadata-only list of Secrets with ${page.kind ?? 'an unknown kind'}; Kubernetes 1.15 or later is needed`,
          undefined,
          undefined,
          false
        )
      }
      names.push(...page.items.map(item => item.metadata?.name as string))
      token = page.metadata?._continue || undefined
    } while (token)
    return names
  }

  /** Every item of a LIST, following `continue` when the server pages (asked for with `limit`, or of its own). */
  private async listAll<T>(
    list: (
      page: string | undefined,
      options: RequestOptions
    ) => Promise<{ items: T[]; metadata?: { _continue?: string } }>
  ): Promise<T[]> {
    const items: T[] = []
    let token: string | undefined
    do {
      const page = await this.send(options => list(token, options))
      items.push(...page.items)
      token = page.metadata?._continue || undefined
    } while (token)
    return items
  }

  private send<T>(call: (options: RequestOptions) => Promise<T>): Promise<T> {
    return sendWithRetries(this.options, call)
  }
}

function workload(kind: Workload['kind'], name: string | undefined, podSpec: Workload['podSpec']): Workload {
  return { kind, name: name ?? '', ...(podSpec && { podSpec }) }
}
