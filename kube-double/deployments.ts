// The apps/v1 Deployments REST storage, limited to what `kubectl rollout restart` and the action's
// `restart_deployments` need: GET, LIST (label and field selectors, limit/continue) and PATCH (strategic merge,
// JSON merge, JSON Patch), with dry run, managedFields and the Deployment strategy's generation rule
// (kubernetes pkg/registry/apps/deployment/strategy.go PrepareForUpdate: a change of `spec` or of
// `metadata.annotations` bumps `metadata.generation`; `status` cannot change through the main resource).
// Errors name the resource `deployments.apps` as errors.NewNotFound/NewForbidden do for a qualified GroupResource.
// WATCH (watch.ts) sees every stored change. The Deployment controller's part in a rollout (status, pods) is
// rollouts.ts; a seeded Deployment starts with the status of a finished rollout.
// Not modelled: create, update and delete over HTTP, server-side apply, `/scale` and `/status`, defaulting beyond
// `spec.replicas`, and ReplicaSet objects.
import { randomUUID } from 'node:crypto'
import { cannotHandleAs, decodeStringMap, goJsonType } from './decode.js'
import { encodeManagedFields, trackFieldUpdate, type ManagerEntry } from './managed-fields.js'
import { listPage, type Listable } from './paging.js'
import { jsonPatch, mergePatch, type Json } from './patch.js'
import { parseNonApplyPatch, type Reply, type WriteOptions } from './secrets.js'
import {
  StatusError,
  badRequest,
  fieldInvalid,
  fieldRequired,
  invalid,
  notFound,
  type FieldError
} from './status.js'
import { settledStatus } from './rollouts.js'
import { timestamp, type KubeStore } from './store.js'
import type { WatchEventType } from './watch.js'
import { isAnnotationKey, isDns1123Subdomain, isLabelValue, isQualifiedName } from './validation.js'

type JsonObject = { [key: string]: Json }

const group = 'apps'
const resource = 'deployments'
const qualifiedResource = `${resource}.${group}`

/** A Deployment as the API returns it. */
export interface V1DeploymentLike {
  kind?: 'Deployment'
  apiVersion?: 'apps/v1'
  metadata: {
    name: string
    namespace: string
    uid: string
    resourceVersion: string
    generation: number
    creationTimestamp: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    managedFields?: object[]
  }
  spec: {
    replicas: number
    selector: { matchLabels?: Record<string, string> }
    template: {
      metadata: { labels?: Record<string, string>; annotations?: Record<string, string> }
      spec: { containers: JsonObject[] } & JsonObject
    }
  } & JsonObject
  status: JsonObject
}

/** What a client can change: labels, annotations and spec. */
interface DeploymentBody {
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> }
  spec: JsonObject
}

interface StoredDeployment {
  body: DeploymentBody
  namespace: string
  uid: string
  resourceVersion: string
  generation: number
  creationTimestamp: string
  managers: ManagerEntry[]
  /** Written by the controller (rollouts.ts), never through the main resource. */
  status: JsonObject
}

/** What `seedDeployment` takes: a Deployment with one container, selected by `app: <name>`. */
export interface DeploymentSeed {
  name: string
  /** Labels of the Deployment itself (default `{app: name}`); the selector and the Pod template use `app: name`. */
  labels?: Record<string, string>
  templateAnnotations?: Record<string, string>
  /** Replace the one default container, or add init containers and volumes (e.g. to reference Secrets). */
  podSpec?: { containers?: object[]; initContainers?: object[]; volumes?: object[] }
  /** `spec.paused`: the Deployment controller rolls out no template change until it is resumed. */
  paused?: boolean
}

// Discovery (client-go discovery: `/apis`, `/apis/apps`, `/apis/apps/v1`), listing only what is served here.
const appsVersion = { groupVersion: 'apps/v1', version: 'v1' }
export const appsGroup = {
  kind: 'APIGroup',
  apiVersion: 'v1',
  name: group,
  versions: [appsVersion],
  preferredVersion: appsVersion
}
export const apiGroupListWithApps = {
  kind: 'APIGroupList',
  apiVersion: 'v1',
  groups: [{ name: group, versions: [appsVersion], preferredVersion: appsVersion }]
}
export const appsV1Resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: 'apps/v1',
  resources: [
    {
      name: resource,
      singularName: 'deployment',
      namespaced: true,
      kind: 'Deployment',
      // A real server lists create, delete, deletecollection, update and watch too; this double serves these.
      verbs: ['get', 'list', 'patch', 'watch'],
      shortNames: ['deploy'],
      categories: ['all']
    }
  ]
}

const quote = (value: string): string => JSON.stringify(value)

/** Go's %#v of a map[string]string (fmt sorts map keys). */
const goMap = (record: Record<string, string> | undefined): string =>
  `map[string]string{${Object.entries(record ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${quote(k)}:${quote(v)}`)
    .join(', ')}}`

const deploymentNotFound = (name: string): StatusError =>
  new StatusError(404, 'NotFound', `${qualifiedResource} ${quote(name)} not found`, {
    name,
    group,
    kind: resource
  })

const deploymentConflict = (name: string): StatusError =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedResource} ${quote(name)}: the object has been modified; please apply your changes to the latest version and try again`,
    { name, group, kind: resource }
  )

/** 403 from the RBAC authorizer for this group (responsewriters.Forbidden with errors.NewForbidden). */
export function deploymentsForbidden(a: {
  user: string
  verb: string
  namespace?: string
  name?: string
}): StatusError {
  const subject = a.name ? `${qualifiedResource} ${quote(a.name)}` : qualifiedResource
  const scope = a.namespace ? `in the namespace ${quote(a.namespace)}` : 'at the cluster scope'
  const message = `${subject} is forbidden: User ${quote(a.user)} cannot ${a.verb} resource ${quote(resource)} in API group ${quote(group)} ${scope}`
  return new StatusError(
    403,
    'Forbidden',
    message,
    a.name ? { name: a.name, group, kind: resource } : { group, kind: resource }
  )
}

/** 422 for a Deployment: errors.NewInvalid with the qualified kind `Deployment.apps`. */
function invalidDeployment(name: string, errors: FieldError[]): StatusError {
  const base = invalid('Deployment.apps', name, errors)
  return new StatusError(422, 'Invalid', base.message, {
    name,
    group,
    kind: 'Deployment',
    causes: base.details?.causes ?? []
  })
}

const cannotHandle = (detail: string): StatusError => cannotHandleAs('Deployment', detail)

const isObject = (value: Json | undefined): value is JsonObject =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** JSON with sorted keys, so two objects compare equal whatever order a patch left their keys in. */
function canonical(value: Json | undefined): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map(k => `${quote(k)}:${canonical(value[k])}`)
      .join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

// Strategic merge patch (k8s.io/apimachinery/pkg/util/strategicpatch): maps merge as in a JSON merge patch, and the
// lists below merge element by element on their `patchMergeKey` (k8s.io/api core/v1 and apps/v1 types.go); every
// other list is replaced. `$patch: replace|delete` is honoured on maps and list elements; `$setElementOrder/…`,
// `$retainKeys` and `$deleteFromPrimitiveList/…` (kubectl apply's directives) are dropped, not interpreted.
const mergeKeys: Record<string, string> = {
  'spec.template.spec.containers': 'name',
  'spec.template.spec.initContainers': 'name',
  'spec.template.spec.ephemeralContainers': 'name',
  'spec.template.spec.volumes': 'name',
  'spec.template.spec.imagePullSecrets': 'name',
  'spec.template.spec.containers.env': 'name',
  'spec.template.spec.containers.ports': 'containerPort',
  'spec.template.spec.containers.volumeMounts': 'mountPath',
  'spec.template.spec.initContainers.env': 'name',
  'spec.template.spec.initContainers.ports': 'containerPort',
  'spec.template.spec.initContainers.volumeMounts': 'mountPath'
}

export function strategicMergePatch(target: Json, patch: Json, path = ''): Json {
  if (!isObject(patch)) return patch
  if (patch.$patch === 'replace') return strategicMergePatch(null, { ...patch, $patch: null }, path)
  const result: JsonObject = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (key.startsWith('$')) continue
    const childPath = path ? `${path}.${key}` : key
    const mergeKey = mergeKeys[childPath]
    const current = result[key]
    if (value === null || (isObject(value) && value.$patch === 'delete')) delete result[key]
    else if (mergeKey && Array.isArray(value) && Array.isArray(current))
      result[key] = mergeList(current, value, mergeKey, childPath)
    else if (Array.isArray(value)) result[key] = value.map(v => strategicMergePatch(null, v, childPath))
    else result[key] = strategicMergePatch(current ?? null, value, childPath)
  }
  return result
}

function mergeList(current: Json[], patch: Json[], mergeKey: string, path: string): Json[] {
  const merged = [...current]
  for (const item of patch) {
    if (!isObject(item) || item[mergeKey] === undefined) {
      throw badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${mergeKey}`)
    }
    const index = merged.findIndex(e => isObject(e) && canonical(e[mergeKey]) === canonical(item[mergeKey]))
    if (item.$patch === 'delete') {
      if (index >= 0) merged.splice(index, 1)
    } else if (index >= 0) {
      merged[index] = strategicMergePatch(merged[index] as Json, item, path)
    } else {
      merged.push(strategicMergePatch(null, item, path))
    }
  }
  return merged
}

function stringMap(value: Json | undefined, goField: string): Record<string, string> | undefined {
  const out = decodeStringMap('Deployment', value, goField, 'string')
  if (out instanceof StatusError) throw out
  return Object.keys(out).length ? out : undefined
}

/** The body of a patched or seeded Deployment, as the JSON decoder and SetDefaults_Deployment leave it. */
function decodeDeployment(raw: Json): { body: DeploymentBody; namespace?: string; resourceVersion?: string } {
  if (!isObject(raw))
    throw cannotHandle(`json: cannot unmarshal ${goJsonType(raw)} into Go value of type v1.Deployment`)
  if (raw.kind !== undefined && raw.kind !== 'Deployment') {
    throw badRequest(`the object provided is unrecognized (must be of type Deployment): ${String(raw.kind)}`)
  }
  const meta = raw.metadata ?? {}
  if (!isObject(meta)) {
    throw cannotHandle(
      `json: cannot unmarshal ${goJsonType(meta)} into Go struct field Deployment.metadata of type v1.ObjectMeta`
    )
  }
  const spec = raw.spec ?? {}
  if (!isObject(spec)) {
    throw cannotHandle(
      `json: cannot unmarshal ${goJsonType(spec)} into Go struct field Deployment.spec of type v1.DeploymentSpec`
    )
  }
  if (spec.replicas !== undefined && spec.replicas !== null && !Number.isInteger(spec.replicas)) {
    throw cannotHandle(
      `json: cannot unmarshal ${goJsonType(spec.replicas)} into Go struct field DeploymentSpec.spec.replicas of type int32`
    )
  }
  const template = isObject(spec.template) ? spec.template : {}
  const templateMeta = isObject(template.metadata) ? template.metadata : {}
  stringMap(templateMeta.labels, 'ObjectMeta.spec.template.metadata.labels')
  stringMap(templateMeta.annotations, 'ObjectMeta.spec.template.metadata.annotations')
  const labels = stringMap(meta.labels, 'ObjectMeta.metadata.labels')
  const annotations = stringMap(meta.annotations, 'ObjectMeta.metadata.annotations')
  const body: DeploymentBody = {
    metadata: {
      name: typeof meta.name === 'string' ? meta.name : '',
      ...(labels && { labels }),
      ...(annotations && { annotations })
    },
    // SetDefaults_Deployment: replicas defaults to 1.
    spec: { ...structuredClone(spec), replicas: (spec.replicas as number | null | undefined) ?? 1 }
  }
  const decoded: { body: DeploymentBody; namespace?: string; resourceVersion?: string } = { body }
  if (typeof meta.namespace === 'string' && meta.namespace) decoded.namespace = meta.namespace
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion)
    decoded.resourceVersion = meta.resourceVersion
  return decoded
}

function validateMeta(
  labels: Record<string, string> | undefined,
  annotations: Record<string, string> | undefined,
  prefix: string
): FieldError[] {
  const errors: FieldError[] = []
  for (const [key, value] of Object.entries(labels ?? {}).sort()) {
    for (const m of isQualifiedName(key)) errors.push(fieldInvalid(`${prefix}.labels`, key, m))
    for (const m of isLabelValue(value)) errors.push(fieldInvalid(`${prefix}.labels`, value, m))
  }
  for (const key of Object.keys(annotations ?? {}).sort()) {
    for (const m of isAnnotationKey(key)) errors.push(fieldInvalid(`${prefix}.annotations`, key, m))
  }
  return errors
}

const goLabelSelector = (selector: Json | undefined): string => {
  const matchLabels = isObject(selector) ? (selector.matchLabels as Record<string, string> | undefined) : {}
  return `v1.LabelSelector{MatchLabels:${goMap(matchLabels)}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`
}

/** A subset of ValidateDeployment / ValidateDeploymentUpdate (pkg/apis/apps/validation/validation.go). */
function validateDeployment(next: DeploymentBody, old: DeploymentBody | undefined): StatusError | undefined {
  const errors: FieldError[] = []
  const name = next.metadata.name
  if (!name) errors.push(fieldRequired('metadata.name', 'name or generateName is required'))
  else for (const m of isDns1123Subdomain(name)) errors.push(fieldInvalid('metadata.name', name, m))
  errors.push(...validateMeta(next.metadata.labels, next.metadata.annotations, 'metadata'))
  const spec = next.spec
  const replicas = spec.replicas as number
  if (replicas < 0) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.replicas',
      body: `Invalid value: ${replicas}: must be greater than or equal to 0`
    })
  }
  const selector = spec.selector
  const matchLabels = isObject(selector) && isObject(selector.matchLabels) ? selector.matchLabels : {}
  if (!isObject(selector)) errors.push(fieldRequired('spec.selector', ''))
  else if (Object.keys(matchLabels).length === 0 && !Array.isArray(selector.matchExpressions)) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      body: `Invalid value: ${goLabelSelector(selector)}: empty selector is invalid for deployment`
    })
  }
  if (old && canonical(selector) !== canonical(old.spec.selector)) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.selector',
      body: `Invalid value: ${goLabelSelector(selector)}: field is immutable`
    })
  }
  const template = isObject(spec.template) ? spec.template : {}
  const templateMeta = isObject(template.metadata) ? template.metadata : {}
  const templateLabels = (templateMeta.labels ?? undefined) as Record<string, string> | undefined
  const templateAnnotations = (templateMeta.annotations ?? undefined) as Record<string, string> | undefined
  if (Object.entries(matchLabels).some(([k, v]) => templateLabels?.[k] !== v)) {
    errors.push({
      type: 'FieldValueInvalid',
      field: 'spec.template.metadata.labels',
      body: `Invalid value: ${goMap(templateLabels)}: \`selector\` does not match template \`labels\``
    })
  }
  errors.push(...validateMeta(templateLabels, templateAnnotations, 'spec.template.metadata'))
  const podSpec = isObject(template.spec) ? template.spec : {}
  if (!Array.isArray(podSpec.containers) || podSpec.containers.length === 0) {
    errors.push(fieldRequired('spec.template.spec.containers', ''))
  }
  return errors.length ? invalidDeployment(name, errors) : undefined
}

// Managed fields. Only an Update entry per manager (what a non-apply PATCH records): the manager owns every field it
// added or changed, other managers lose those, removed fields leave everyone. Lists count as one field (the real
// server tracks containers by `k:{"name":…}`), and only the label, annotation and matchLabels maps carry a `.` node.
const mapPaths = new Set(
  [
    ['metadata', 'labels'],
    ['metadata', 'annotations'],
    ['spec', 'selector', 'matchLabels'],
    ['spec', 'template', 'metadata', 'labels'],
    ['spec', 'template', 'metadata', 'annotations']
  ].map(p => JSON.stringify(p))
)

function fieldValues(body: DeploymentBody | undefined): Map<string, string> {
  const values = new Map<string, string>()
  if (!body) return values
  const walk = (node: Json, path: string[]): void => {
    const key = JSON.stringify(path)
    if (isObject(node) && Object.keys(node).length > 0) {
      if (mapPaths.has(key)) values.set(key, '{}')
      for (const [k, v] of Object.entries(node)) walk(v, [...path, k])
    } else {
      values.set(key, canonical(node))
    }
  }
  const { labels, annotations } = body.metadata
  if (labels) walk(labels, ['metadata', 'labels'])
  if (annotations) walk(annotations, ['metadata', 'annotations'])
  walk(body.spec, ['spec'])
  return values
}

function trackUpdate(
  entries: ManagerEntry[],
  before: DeploymentBody | undefined,
  after: DeploymentBody,
  manager: string,
  now: string
): ManagerEntry[] {
  return trackFieldUpdate(entries, fieldValues(before), fieldValues(after), manager, now)
}

function render(d: StoredDeployment, withKind = true): V1DeploymentLike {
  const metadata: V1DeploymentLike['metadata'] = {
    name: d.body.metadata.name,
    namespace: d.namespace,
    uid: d.uid,
    resourceVersion: d.resourceVersion,
    generation: d.generation,
    creationTimestamp: d.creationTimestamp
  }
  if (d.body.metadata.labels) metadata.labels = { ...d.body.metadata.labels }
  if (d.body.metadata.annotations) metadata.annotations = { ...d.body.metadata.annotations }
  if (d.managers.length) {
    metadata.managedFields = encodeManagedFields(d.managers).map(e => ({ ...e, apiVersion: 'apps/v1' }))
  }
  return {
    ...(withKind && { kind: 'Deployment' as const, apiVersion: 'apps/v1' as const }),
    metadata,
    spec: structuredClone(d.body.spec) as V1DeploymentLike['spec'],
    status: structuredClone(d.status)
  }
}

/** How a LIST reads Deployments; the field selector takes only the default `metadata.name` and
 * `metadata.namespace` labels. */
const listableDeployments = (namespace: string): Listable<StoredDeployment> => ({
  name: d => d.body.metadata.name,
  labels: d => d.body.metadata.labels,
  fields: {
    'metadata.name': d => d.body.metadata.name,
    'metadata.namespace': () => namespace
  }
})

export class DeploymentsApi {
  private readonly deployments = new Map<string, Map<string, StoredDeployment>>()

  constructor(private readonly store: KubeStore) {}

  private stored(namespace: string, name: string): StoredDeployment | undefined {
    return this.deployments.get(namespace)?.get(name)
  }

  /** Called after a stored change of a Deployment's spec (a new generation): the controller's cue. */
  onSpecChange?: (namespace: string, name: string, templateChanged: boolean) => void

  private save(d: StoredDeployment, type: WatchEventType = 'MODIFIED'): StoredDeployment {
    const resourceVersion = this.store.claimResourceVersion()
    const saved = { ...structuredClone(d), resourceVersion }
    let byName = this.deployments.get(d.namespace)
    if (!byName) this.deployments.set(d.namespace, (byName = new Map()))
    byName.set(d.body.metadata.name, saved)
    this.store.changes.publish({
      resource,
      namespace: d.namespace,
      type,
      object: render(saved),
      revision: Number(resourceVersion)
    })
    return saved
  }

  /** The controller's write of `status` (the `/status` subresource): a new resourceVersion, no new generation. */
  setStatus(namespace: string, name: string, status: JsonObject): void {
    const current = this.stored(namespace, name)
    if (current) this.save({ ...current, status: structuredClone(status) })
  }

  /** Every Deployment of a namespace, rendered, for a watch's initial events. */
  all(namespace: string): V1DeploymentLike[] {
    return [...(this.deployments.get(namespace)?.values() ?? [])].map(d => render(d))
  }

  /** A deep copy of a stored Deployment. */
  read(namespace: string, name: string): V1DeploymentLike | undefined {
    const d = this.stored(namespace, name)
    return d ? render(d) : undefined
  }

  get(namespace: string, name: string): Reply {
    const d = this.stored(namespace, name)
    if (!d) throw deploymentNotFound(name)
    return { status: 200, body: render(d) }
  }

  list(namespace: string, query: URLSearchParams): Reply {
    const stored = [...(this.deployments.get(namespace)?.values() ?? [])].sort((a, b) =>
      a.body.metadata.name < b.body.metadata.name ? -1 : 1
    )
    const { page, metadata } = listPage(
      stored,
      query,
      this.store.resourceVersion,
      listableDeployments(namespace)
    )
    return {
      status: 200,
      body: {
        kind: 'DeploymentList',
        apiVersion: 'apps/v1',
        metadata,
        items: page.map(d => render(d, false))
      }
    }
  }

  patch(namespace: string, name: string, contentType: string, text: string, options: WriteOptions): Reply {
    if (contentType === 'application/apply-patch+yaml') {
      throw new StatusError(
        415,
        'UnsupportedMediaType',
        'the test double does not implement server-side apply for deployments.apps; accepted media types here: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json'
      )
    }
    const patch = parseNonApplyPatch(text, options)
    const current = this.stored(namespace, name)
    if (!current) throw deploymentNotFound(name)
    const before = render(current) as unknown as Json
    const patched =
      contentType === 'application/json-patch+json'
        ? jsonPatch(before, patch)
        : contentType === 'application/merge-patch+json'
          ? mergePatch(before, patch)
          : strategicMergePatch(before, patch)
    const decoded = decodeDeployment(patched)
    if (decoded.body.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${decoded.body.metadata.name}) does not match the name on the URL (${name})`
      )
    }
    if (decoded.namespace && decoded.namespace !== namespace) {
      throw badRequest(
        `the namespace of the object (${decoded.namespace}) does not match the namespace on the request (${namespace})`
      )
    }
    if (decoded.resourceVersion && decoded.resourceVersion !== current.resourceVersion) {
      throw deploymentConflict(name)
    }
    const invalidity = validateDeployment(decoded.body, current.body)
    if (invalidity) throw invalidity

    const next = decoded.body
    const specChanged = canonical(next.spec) !== canonical(current.body.spec)
    const annotationsChanged =
      canonical(next.metadata.annotations ?? {}) !== canonical(current.body.metadata.annotations ?? {})
    const labelsChanged =
      canonical(next.metadata.labels ?? {}) !== canonical(current.body.metadata.labels ?? {})
    // Nothing changed: etcd is not written, so neither resourceVersion nor managedFields move.
    if (!specChanged && !annotationsChanged && !labelsChanged) return { status: 200, body: render(current) }
    const updated: StoredDeployment = {
      ...current,
      body: next,
      generation: current.generation + (specChanged || annotationsChanged ? 1 : 0),
      managers: trackUpdate(current.managers, current.body, next, options.manager, timestamp())
    }
    // A dry run answers what would be stored, under the current resourceVersion.
    if (options.dryRun) return { status: 200, body: render(updated) }
    const saved = this.save(updated)
    if (saved.generation !== current.generation) {
      const templateChanged = canonical(next.spec.template) !== canonical(current.body.spec.template)
      this.onSpecChange?.(namespace, name, templateChanged)
    }
    return { status: 200, body: render(saved) }
  }

  /** Store a Deployment as if another client had created it; throws the Status a real create would answer. */
  seed(namespace: string, seed: DeploymentSeed, manager: string): V1DeploymentLike {
    if (!this.store.namespaces.has(namespace)) throw notFound('namespaces', namespace)
    const selectorLabels = { app: seed.name }
    const raw: Json = {
      metadata: { name: seed.name, labels: seed.labels ?? selectorLabels },
      spec: {
        replicas: 1,
        selector: { matchLabels: selectorLabels },
        template: {
          metadata: {
            labels: selectorLabels,
            ...(seed.templateAnnotations && { annotations: seed.templateAnnotations })
          },
          spec: {
            containers: (seed.podSpec?.containers as Json[] | undefined) ?? [
              {
                name: seed.name,
                image: `registry.example/${seed.name}:1`,
                resources: {},
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
                imagePullPolicy: 'IfNotPresent'
              }
            ],
            ...(seed.podSpec?.initContainers && { initContainers: seed.podSpec.initContainers as Json[] }),
            ...(seed.podSpec?.volumes && { volumes: seed.podSpec.volumes as Json[] }),
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            dnsPolicy: 'ClusterFirst',
            securityContext: {},
            schedulerName: 'default-scheduler'
          }
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        ...(seed.paused && { paused: true })
      }
    }
    const { body } = decodeDeployment(raw)
    const invalidity = validateDeployment(body, undefined)
    if (invalidity) throw invalidity
    if (this.stored(namespace, seed.name)) {
      throw new StatusError(409, 'AlreadyExists', `${qualifiedResource} ${quote(seed.name)} already exists`, {
        name: seed.name,
        group,
        kind: resource
      })
    }
    const now = timestamp()
    const saved = this.save(
      {
        body,
        namespace,
        uid: randomUUID(),
        resourceVersion: '',
        generation: 1,
        creationTimestamp: now,
        managers: trackUpdate([], undefined, body, manager, now),
        status: settledStatus('deployments', seed.name, body.spec, 1)
      },
      'ADDED'
    )
    return render(saved)
  }
}
