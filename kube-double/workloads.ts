// The apps/v1 StatefulSets and DaemonSets, batch/v1 CronJobs and Jobs and core/v1 Pods REST storage, limited to what
// `check_references` reads and what tests need to set a namespace up: LIST (label and field selectors,
// limit/continue), GET and POST.
// After k8s.io/apiserver/pkg/endpoints/handlers (create.go, get.go) and pkg/registry/{apps,batch}:
// - LIST answers `<Kind>List` with `apiVersion` `apps/v1` or `batch/v1`, the store's resourceVersion, items without
//   kind and apiVersion (as every JSON list of built-in kinds), and an empty list for a namespace that does not
//   exist (a LIST is not checked against the namespace; only a create is, by NamespaceLifecycle admission: 404).
// - Errors name the qualified resource (`statefulsets.apps "x" not found`, `cronjobs.batch is forbidden: ...`), with
//   `details.group`, as errors.NewNotFound/NewForbidden do for a GroupResource; Pods, of the core group, are named
//   `pods` with no group.
// - Validation on create is a subset of pkg/apis/{apps,batch}/validation: name, pod template containers,
//   CronJob `schedule`. The Job strategy's generated selector and labels (`batch.kubernetes.io/controller-uid`,
//   `batch.kubernetes.io/job-name`) are added as on a real server.
// Not modelled: update, patch, delete, watch, server-side apply, managedFields, defaulting of the pod spec, and
// any controller (status stays as seeded, `{}` by default).
import { randomUUID } from 'node:crypto'
import { goJsonType } from './decode.js'
import { listPage, type Listable } from './paging.js'
import type { Json } from './patch.js'
import type { Reply, WriteOptions } from './secrets.js'
import {
  StatusError,
  badRequest,
  fieldInvalid,
  fieldRequired,
  forbidden,
  invalid,
  notFound,
  type FieldError
} from './status.js'
import { timestamp, type KubeStore } from './store.js'
import { isDns1123Subdomain } from './validation.js'

type JsonObject = { [key: string]: Json }

export type WorkloadResource = 'statefulsets' | 'daemonsets' | 'cronjobs' | 'jobs' | 'pods'

interface ResourceInfo {
  /** '' for the core group (Pods). */
  group: 'apps' | 'batch' | ''
  kind: 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job' | 'Pod'
  singular: string
  shortNames?: string[]
  /** Where the pod spec sits in `spec` (a Pod's `spec` is its pod spec). */
  podSpecPath: string[]
}

export const workloadResources: Record<WorkloadResource, ResourceInfo> = {
  statefulsets: {
    group: 'apps',
    kind: 'StatefulSet',
    singular: 'statefulset',
    shortNames: ['sts'],
    podSpecPath: ['template', 'spec']
  },
  daemonsets: {
    group: 'apps',
    kind: 'DaemonSet',
    singular: 'daemonset',
    shortNames: ['ds'],
    podSpecPath: ['template', 'spec']
  },
  cronjobs: {
    group: 'batch',
    kind: 'CronJob',
    singular: 'cronjob',
    shortNames: ['cj'],
    podSpecPath: ['jobTemplate', 'spec', 'template', 'spec']
  },
  jobs: { group: 'batch', kind: 'Job', singular: 'job', podSpecPath: ['template', 'spec'] },
  pods: { group: '', kind: 'Pod', singular: 'pod', shortNames: ['po'], podSpecPath: [] }
}

/** `statefulsets.apps`, or `pods` for the core group: how errors and RBAC messages name a resource. */
export const qualifiedResource = (resource: WorkloadResource): string => {
  const group = workloadResources[resource].group
  return group ? `${resource}.${group}` : resource
}

/** `apps/v1`, `batch/v1`, or `v1` for the core group. */
export const apiVersionOf = (resource: WorkloadResource): string => {
  const group = workloadResources[resource].group
  return group ? `${group}/v1` : 'v1'
}

/** A workload as the API returns it. */
export interface WorkloadObject {
  kind?: string
  apiVersion?: string
  metadata: {
    name: string
    namespace: string
    uid: string
    resourceVersion: string
    generation: number
    creationTimestamp: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: object[]
  }
  spec: JsonObject
  status: JsonObject
}

/** What `seedWorkload` takes: an object as another client would have created it, with its status. */
export interface WorkloadSeed {
  metadata: {
    name: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: object[]
  }
  spec: object
  status?: object
}

interface StoredWorkload {
  object: WorkloadObject
}

const quote = (value: string): string => JSON.stringify(value)
const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

// Discovery entries (client-go discovery reads `/apis/batch`, `/apis/batch/v1`); apps/v1 resources are added to the
// Deployments' list by server.ts.
const batchVersion = { groupVersion: 'batch/v1', version: 'v1' }
export const batchGroup = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: 'batch',
  versions: [batchVersion],
  preferredVersion: batchVersion
}
export const batchGroupEntry = { name: 'batch', versions: [batchVersion], preferredVersion: batchVersion }

const discoveryEntry = (resource: WorkloadResource): object => {
  const info = workloadResources[resource]
  return {
    name: resource,
    singularName: info.singular,
    namespaced: true,
    kind: info.kind,
    // A real server lists every verb; this double serves these.
    verbs: ['create', 'get', 'list'],
    ...(info.shortNames && { shortNames: info.shortNames }),
    categories: ['all']
  }
}
export const statefulSetsDiscovery = discoveryEntry('statefulsets')
export const daemonSetsDiscovery = discoveryEntry('daemonsets')
export const podsDiscovery = discoveryEntry('pods')
export const batchV1Resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'batch/v1',
  resources: [discoveryEntry('cronjobs'), discoveryEntry('jobs')]
}

/** 403 from the RBAC authorizer (responsewriters.Forbidden, errors.NewForbidden): the resource qualified by its
 * group, or bare with no `details.group` for the core group. */
export function groupForbidden(a: {
  user: string
  verb: string
  resource: string
  apiGroup: string
  namespace?: string
  name?: string
}): StatusError {
  if (!a.apiGroup) return forbidden(a)
  const qualified = `${a.resource}.${a.apiGroup}`
  const subject = a.name ? `${qualified} ${quote(a.name)}` : qualified
  const scope = a.namespace ? `in the namespace ${quote(a.namespace)}` : 'at the cluster scope'
  const message = `${subject} is forbidden: User ${quote(a.user)} cannot ${a.verb} resource ${quote(a.resource)} in API group ${quote(a.apiGroup)} ${scope}`
  return new StatusError(
    403,
    'Forbidden',
    message,
    a.name ? { name: a.name, group: a.apiGroup, kind: a.resource } : { group: a.apiGroup, kind: a.resource }
  )
}

export class WorkloadsApi {
  private readonly stored = new Map<string, Map<string, StoredWorkload>>()

  constructor(
    private readonly store: KubeStore,
    private readonly resource: WorkloadResource
  ) {}

  private get info(): ResourceInfo {
    return workloadResources[this.resource]
  }

  private get qualified(): string {
    return qualifiedResource(this.resource)
  }

  private byName(namespace: string): Map<string, StoredWorkload> {
    let map = this.stored.get(namespace)
    if (!map) this.stored.set(namespace, (map = new Map()))
    return map
  }

  private render(w: StoredWorkload, withKind = true): WorkloadObject {
    const object = structuredClone(w.object)
    if (withKind) return { kind: this.info.kind, apiVersion: apiVersionOf(this.resource), ...object }
    return object
  }

  get(namespace: string, name: string): Reply {
    const w = this.stored.get(namespace)?.get(name)
    if (!w) throw this.notFound(name)
    return { status: 200, body: this.render(w) }
  }

  list(namespace: string, query: URLSearchParams): Reply {
    const items = [...(this.stored.get(namespace)?.values() ?? [])].sort((a, b) =>
      a.object.metadata.name < b.object.metadata.name ? -1 : 1
    )
    const listable: Listable<StoredWorkload> = {
      name: w => w.object.metadata.name,
      labels: w => w.object.metadata.labels,
      fields: { 'metadata.name': w => w.object.metadata.name, 'metadata.namespace': () => namespace }
    }
    const { page, metadata } = listPage(items, query, this.store.resourceVersion, listable)
    return {
      status: 200,
      body: {
        kind: `${this.info.kind}List`,
        apiVersion: apiVersionOf(this.resource),
        metadata,
        items: page.map(w => this.render(w, false))
      }
    }
  }

  /** POST: decode (400), namespace of the body (400), namespace exists (404), exists (409), validation (422). */
  create(namespace: string, text: string, options: WriteOptions): Reply {
    let raw: Json
    try {
      raw = JSON.parse(text) as Json
    } catch (error) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`)
    }
    const object = this.decode(raw)
    if (object.metadata.namespace && object.metadata.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request'
      )
    }
    const created = this.admit(namespace, object.metadata, object.spec, {})
    if (!options.dryRun) this.byName(namespace).set(created.object.metadata.name, created)
    return { status: 201, body: this.render(created) }
  }

  /** Store a workload as another client would, with a status (e.g. a finished Job); throws what a create would. */
  seed(namespace: string, body: WorkloadSeed): WorkloadObject {
    const created = this.admit(
      namespace,
      body.metadata,
      structuredClone(body.spec) as JsonObject,
      structuredClone(body.status ?? {}) as JsonObject
    )
    this.byName(namespace).set(created.object.metadata.name, created)
    return this.render(created)
  }

  private admit(
    namespace: string,
    meta: {
      name?: string
      labels?: Record<string, string>
      annotations?: Record<string, string>
      ownerReferences?: object[]
    },
    spec: JsonObject,
    status: JsonObject
  ): StoredWorkload {
    if (!this.store.namespaces.has(namespace)) throw notFound('namespaces', namespace)
    const name = meta.name ?? ''
    const uid = randomUUID()
    if (this.resource === 'jobs') addJobSelector(spec, name, uid)
    const invalidity = this.validate(name, spec)
    if (invalidity) throw invalidity
    if (this.stored.get(namespace)?.has(name)) {
      throw new StatusError(409, 'AlreadyExists', `${this.qualified} ${quote(name)} already exists`, {
        name,
        ...(this.info.group && { group: this.info.group }),
        kind: this.resource
      })
    }
    const metadata: WorkloadObject['metadata'] = {
      name,
      namespace,
      uid,
      resourceVersion: this.store.claimResourceVersion(),
      generation: 1,
      creationTimestamp: timestamp()
    }
    if (meta.labels) metadata.labels = { ...meta.labels }
    if (meta.annotations) metadata.annotations = { ...meta.annotations }
    if (meta.ownerReferences) metadata.ownerReferences = structuredClone(meta.ownerReferences)
    return { object: { metadata, spec, status } }
  }

  private decode(raw: Json): {
    metadata: {
      name?: string
      namespace?: string
      labels?: Record<string, string>
      annotations?: Record<string, string>
    }
    spec: JsonObject
  } {
    const kind = this.info.kind
    if (!isObject(raw)) {
      throw new StatusError(
        400,
        'BadRequest',
        `${kind} in version "v1" cannot be handled as a ${kind}: json: cannot unmarshal ${goJsonType(raw)} into Go value of type ${this.info.group || 'core'}.${kind}`
      )
    }
    if (raw.kind !== undefined && raw.kind !== kind) {
      throw badRequest(`the object provided is unrecognized (must be of type ${kind}): ${String(raw.kind)}`)
    }
    const meta = isObject(raw.metadata) ? raw.metadata : {}
    const spec = isObject(raw.spec) ? raw.spec : {}
    return {
      metadata: {
        ...(typeof meta.name === 'string' && { name: meta.name }),
        ...(typeof meta.namespace === 'string' && meta.namespace && { namespace: meta.namespace }),
        ...(isObject(meta.labels) && { labels: meta.labels as Record<string, string> }),
        ...(isObject(meta.annotations) && { annotations: meta.annotations as Record<string, string> })
      },
      spec: structuredClone(spec)
    }
  }

  private validate(name: string, spec: JsonObject): StatusError | undefined {
    const errors: FieldError[] = []
    if (!name) errors.push(fieldRequired('metadata.name', 'name or generateName is required'))
    else for (const m of isDns1123Subdomain(name)) errors.push(fieldInvalid('metadata.name', name, m))
    if (this.resource === 'cronjobs' && (typeof spec.schedule !== 'string' || !spec.schedule)) {
      errors.push(fieldRequired('spec.schedule', ''))
    }
    let node: Json | undefined = spec
    for (const key of this.info.podSpecPath) node = isObject(node) ? node[key] : undefined
    const podSpec = isObject(node) ? node : {}
    if (!Array.isArray(podSpec.containers) || podSpec.containers.length === 0) {
      errors.push(fieldRequired(['spec', ...this.info.podSpecPath, 'containers'].join('.'), ''))
    }
    const kind = this.info.group ? `${this.info.kind}.${this.info.group}` : this.info.kind
    return errors.length ? invalid(kind, name, errors) : undefined
  }

  private notFound(name: string): StatusError {
    return new StatusError(404, 'NotFound', `${this.qualified} ${quote(name)} not found`, {
      name,
      ...(this.info.group && { group: this.info.group }),
      kind: this.resource
    })
  }
}

/** The Job strategy's PrepareForCreate with a generated selector (pkg/registry/batch/job/strategy.go). */
function addJobSelector(spec: JsonObject, name: string, uid: string): void {
  const labels = {
    'batch.kubernetes.io/controller-uid': uid,
    'batch.kubernetes.io/job-name': name,
    'controller-uid': uid,
    'job-name': name
  }
  const template = isObject(spec.template) ? spec.template : (spec.template = {})
  const metadata = isObject(template.metadata) ? template.metadata : (template.metadata = {})
  metadata.labels = { ...(isObject(metadata.labels) ? metadata.labels : {}), ...labels }
  if (spec.selector === undefined)
    spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } }
}
