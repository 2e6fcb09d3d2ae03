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
// - PATCH of StatefulSets and DaemonSets (strategic merge, JSON merge, JSON Patch; dry run): a change of `spec` bumps
//   `metadata.generation` (pkg/registry/apps/statefulset and daemonset strategy.go, PrepareForUpdate), `status`
//   cannot change through the main resource, `spec.selector` is immutable.
// - Every stored change is an event for WATCH (watch.ts). A StatefulSet or DaemonSet starts with the status of a
//   finished rollout and the API server's defaults (`replicas` 1, a RollingUpdate `updateStrategy`); a change of its
//   template is rolled out by rollouts.ts, which also makes and removes Pods.
// Not modelled: update, delete, server-side apply, managedFields, defaulting of the pod spec, and controllers for
// CronJobs and Jobs (their status stays as seeded, `{}` by default).
import { randomUUID } from 'node:crypto'
import { goJsonType } from './decode.js'
import { listPage, type Listable } from './paging.js'
import { strategicMergePatch } from './deployments.js'
import { jsonPatch, mergePatch, type Json } from './patch.js'
import { settledStatus, type RolloutResource } from './rollouts.js'
import { parseNonApplyPatch, type Reply, type WriteOptions } from './secrets.js'
import type { WatchEventType } from './watch.js'
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
    verbs:
      resource === 'statefulsets' || resource === 'daemonsets'
        ? ['create', 'get', 'list', 'patch', 'watch']
        : ['create', 'get', 'list', 'watch'],
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

  /** Called after a stored change that gave a StatefulSet or DaemonSet a new generation: the controller's cue. */
  onSpecChange?: (namespace: string, name: string, templateChanged: boolean) => void

  private get rolls(): boolean {
    return this.resource === 'statefulsets' || this.resource === 'daemonsets'
  }

  /** Stores (or replaces) a workload under a new resourceVersion and tells the watches. */
  private save(namespace: string, w: StoredWorkload, type: WatchEventType): StoredWorkload {
    const resourceVersion = this.store.claimResourceVersion()
    const saved = {
      object: { ...structuredClone(w.object), metadata: { ...w.object.metadata, resourceVersion } }
    }
    this.byName(namespace).set(saved.object.metadata.name, saved)
    this.publish(namespace, saved, type)
    return saved
  }

  private publish(namespace: string, w: StoredWorkload, type: WatchEventType): void {
    this.store.changes.publish({
      resource: this.resource,
      namespace,
      type,
      object: this.render(w),
      revision: Number(w.object.metadata.resourceVersion)
    })
  }

  /** A deep copy of a stored object, with kind and apiVersion. */
  read(namespace: string, name: string): WorkloadObject | undefined {
    const w = this.stored.get(namespace)?.get(name)
    return w ? this.render(w) : undefined
  }

  /** Every object of a namespace, rendered, in name order. */
  all(namespace: string): WorkloadObject[] {
    return [...(this.stored.get(namespace)?.values() ?? [])]
      .sort((a, b) => (a.object.metadata.name < b.object.metadata.name ? -1 : 1))
      .map(w => this.render(w))
  }

  /** A controller's write of `status`: a new resourceVersion, no new generation. */
  setStatus(namespace: string, name: string, status: JsonObject): void {
    const w = this.stored.get(namespace)?.get(name)
    if (w) this.save(namespace, { object: { ...w.object, status: structuredClone(status) } }, 'MODIFIED')
  }

  /** A controller's Pod: created, or replacing the one of that name (a StatefulSet's pod `name-0`). */
  put(namespace: string, pod: { metadata: JsonObject; spec: JsonObject; status: JsonObject }): void {
    const name = String(pod.metadata.name)
    const existing = this.stored.get(namespace)?.get(name)
    const metadata = {
      ...(structuredClone(pod.metadata) as unknown as WorkloadObject['metadata']),
      name,
      namespace,
      uid: randomUUID(),
      resourceVersion: '',
      generation: 1,
      creationTimestamp: timestamp()
    }
    this.save(
      namespace,
      { object: { metadata, spec: structuredClone(pod.spec), status: structuredClone(pod.status) } },
      existing ? 'MODIFIED' : 'ADDED'
    )
  }

  /** A controller's delete (a Pod of an old revision). */
  remove(namespace: string, name: string): void {
    const w = this.stored.get(namespace)?.get(name)
    if (!w) return
    this.stored.get(namespace)?.delete(name)
    const resourceVersion = this.store.claimResourceVersion()
    this.publish(
      namespace,
      { object: { ...w.object, metadata: { ...w.object.metadata, resourceVersion } } },
      'DELETED'
    )
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
    if (options.dryRun) return { status: 201, body: this.render(created) }
    return { status: 201, body: this.render(this.save(namespace, created, 'ADDED')) }
  }

  /** Store a workload as another client would, with a status (e.g. a finished Job); throws what a create would. */
  seed(namespace: string, body: WorkloadSeed): WorkloadObject {
    const created = this.admit(
      namespace,
      body.metadata,
      structuredClone(body.spec) as JsonObject,
      structuredClone(body.status ?? {}) as JsonObject
    )
    return this.render(this.save(namespace, created, 'ADDED'))
  }

  /**
   * PATCH of a StatefulSet or DaemonSet: the patch applied to the object as JSON, then the checks of an update
   * (name, namespace, resourceVersion, validation, immutable selector) and the strategy's generation rule.
   */
  patch(namespace: string, name: string, contentType: string, text: string, options: WriteOptions): Reply {
    if (contentType === 'application/apply-patch+yaml') {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        `the test double does not implement server-side apply for ${this.qualified}; accepted media types here: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json`
      )
    }
    const patch = parseNonApplyPatch(text, options)
    const current = this.stored.get(namespace)?.get(name)
    if (!current) throw this.notFound(name)
    const before = this.render(current) as unknown as Json
    const patched =
      contentType === 'application/json-patch+json'
        ? jsonPatch(before, patch)
        : contentType === 'application/merge-patch+json'
          ? mergePatch(before, patch)
          : strategicMergePatch(before, patch)
    const decoded = this.decode(patched)
    const raw = isObject(patched) && isObject(patched.metadata) ? patched.metadata : {}
    if (decoded.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${decoded.metadata.name ?? ''}) does not match the name on the URL (${name})`
      )
    }
    if (decoded.metadata.namespace && decoded.metadata.namespace !== namespace) {
      throw badRequest(
        `the namespace of the object (${decoded.metadata.namespace}) does not match the namespace on the request (${namespace})`
      )
    }
    if (
      typeof raw.resourceVersion === 'string' &&
      raw.resourceVersion !== current.object.metadata.resourceVersion
    ) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on ${this.qualified} ${quote(name)}: the object has been modified; please apply your changes to the latest version and try again`,
        { name, ...(this.info.group && { group: this.info.group }), kind: this.resource }
      )
    }
    const spec = this.defaulted(decoded.spec)
    const errors = this.validate(name, spec)?.details?.causes ?? []
    if (JSON.stringify(spec.selector) !== JSON.stringify(current.object.spec.selector)) {
      errors.push({
        reason: 'FieldValueInvalid',
        message: 'Invalid value: field is immutable',
        field: 'spec.selector'
      })
    }
    if (errors.length > 0) {
      throw invalid(
        `${this.info.kind}.${this.info.group}`,
        name,
        errors.map(c => ({ type: c.reason, field: c.field, body: c.message }))
      )
    }
    const specChanged = JSON.stringify(spec) !== JSON.stringify(current.object.spec)
    const next: StoredWorkload = {
      object: {
        metadata: {
          ...current.object.metadata,
          ...(decoded.metadata.labels ? { labels: decoded.metadata.labels } : {}),
          ...(decoded.metadata.annotations ? { annotations: decoded.metadata.annotations } : {}),
          generation: current.object.metadata.generation + (specChanged ? 1 : 0)
        },
        spec,
        status: current.object.status
      }
    }
    if (!decoded.metadata.labels) delete next.object.metadata.labels
    if (!decoded.metadata.annotations) delete next.object.metadata.annotations
    const unchanged = JSON.stringify(next.object) === JSON.stringify(current.object)
    // Nothing changed: etcd is not written. A dry run answers what would be stored, under the current version.
    if (unchanged || options.dryRun) return { status: 200, body: this.render(next) }
    const saved = this.save(namespace, next, 'MODIFIED')
    if (specChanged && this.rolls) {
      const templateChanged = JSON.stringify(spec.template) !== JSON.stringify(current.object.spec.template)
      this.onSpecChange?.(namespace, name, templateChanged)
    }
    return { status: 200, body: this.render(saved) }
  }

  /** The API server's defaults for the fields a rollout reads (SetDefaults_StatefulSet, SetDefaults_DaemonSet). */
  private defaulted(spec: JsonObject): JsonObject {
    if (this.resource === 'statefulsets') {
      return {
        replicas: 1,
        podManagementPolicy: 'OrderedReady',
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } },
        revisionHistoryLimit: 10,
        ...spec
      }
    }
    if (this.resource === 'daemonsets') {
      return {
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } },
        revisionHistoryLimit: 10,
        ...spec
      }
    }
    return spec
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
    spec = this.defaulted(spec)
    if (this.rolls && Object.keys(status).length === 0) {
      status = settledStatus(this.resource as RolloutResource, name, spec, 1)
    }
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
      resourceVersion: '',
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
