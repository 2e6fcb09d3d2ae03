// The Secrets REST storage: what each verb does and in which order it fails, after
// k8s.io/apiserver/pkg/endpoints/handlers (create.go, update.go, patch.go, delete.go, get.go) and
// k8s.io/apiserver/pkg/registry/generic/registry/store.go. Order of checks on a write: decode (400), name and
// namespace of the body (400), namespace exists (404, NamespaceLifecycle admission), existence (404/409),
// resourceVersion precondition (409), apply conflicts (409), validation (422), validating admission webhooks
// (store.go calls createValidation/updateValidation after the strategy's validation, and before the create that
// may find the name taken). A dry run does all of it and stores nothing; a write that changes nothing stores
// nothing either (no new resourceVersion).
import { randomBytes, randomUUID } from 'node:crypto'
import { parse as parseYaml } from 'yaml'
import { decodeSecret, strictDecodingError, type DecodedSecret } from './decode.js'
import { applyConfig, trackUpdate, type AppliedConfig, type ManagerEntry } from './managed-fields.js'
import { listPage, type Listable } from './paging.js'
import { jsonPatch, mergePatch, type Json } from './patch.js'
import { parseFieldSelector, parseLabelSelector } from './selectors.js'
import {
  StatusError,
  admissionDenied,
  alreadyExists,
  badRequest,
  conflict,
  fieldForbidden,
  fieldRequired,
  notFound,
  type AdmissionDenial,
  type FieldError
} from './status.js'
import { KubeStore, renderSecret, timestamp, type StoredSecret, type V1SecretLike } from './store.js'
import { acceptedTableVersion, secretTable } from './table.js'
import { listRepresentation, partialObjectMetadataList } from './metadata.js'
import {
  validateDeletingUpdate,
  validateSecretCreate,
  validateSecretUpdate,
  sameRecord,
  type SecretObject
} from './validation.js'

export interface Reply {
  status: number
  body: object
}

export interface WriteOptions {
  dryRun: boolean
  /** `fieldManager` query, else the User-Agent up to its first `/` (apiserver handlers/rest.go). */
  manager: string
  /** Whether `fieldManager` was given: apply requires it. */
  fieldManagerGiven: boolean
  force: boolean
  /** `fieldValidation=Strict`: unknown fields fail the request instead of being dropped. */
  strictFields?: boolean
  /** A seeded Secret is stored as another client wrote it, before any webhook of the test existed. */
  skipAdmission?: boolean
}

/** What a validating admission webhook is sent (an AdmissionReview's request, in short). */
export interface AdmissionRequest {
  operation: 'CREATE' | 'UPDATE' | 'DELETE'
  namespace: string
  name: string
  /** The object as it would be stored (CREATE, UPDATE); `data` in base64, as the webhook receives it. */
  object?: V1SecretLike
  /** The stored object (UPDATE, DELETE). */
  oldObject?: V1SecretLike
  dryRun: boolean
}

/** A validating webhook: undefined admits the request. */
export type ValidatingWebhook = (request: AdmissionRequest) => AdmissionDenial | undefined

export const patchTypes = [
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/apply-patch+yaml'
] as const

/** 422 for request options (`CreateOptions.meta.k8s.io "" is invalid: ...`), as errors.NewInvalid words it. */
export function invalidOptions(kind: string, errors: FieldError[]): StatusError {
  const messages = errors.map(e => `${e.field}: ${e.body}`)
  const joined = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`
  return new StatusError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${joined}`, {
    group: 'meta.k8s.io',
    kind,
    causes: errors.map(e => ({ reason: e.type, message: e.body, field: e.field }))
  })
}

/** The body of a JSON, merge or strategic merge PATCH: `force` belongs to apply only (422), and the patch must be
 * JSON (400). */
export function parseNonApplyPatch(text: string, options: WriteOptions): Json {
  if (options.force) {
    throw invalidOptions('PatchOptions', [
      fieldForbidden('force', 'may not be specified for non-apply patch')
    ])
  }
  try {
    return JSON.parse(text) as Json
  } catch (error) {
    throw badRequest(`error decoding patch: ${(error as Error).message}`)
  }
}

const nameOf = (s: StoredSecret): string => s.secret.metadata.name

/** How a LIST reads Secrets; the field selector takes `metadata.name`, `metadata.namespace` and `type`
 * (pkg/apis/core/v1/conversion.go, field label conversion for Secret). */
const listableSecrets = (namespace: string): Listable<StoredSecret> => ({
  name: nameOf,
  labels: s => s.secret.metadata.labels,
  fields: {
    'metadata.name': nameOf,
    'metadata.namespace': () => namespace,
    type: s => s.secret.type
  }
})

function sameManagers(a: ManagerEntry[], b: ManagerEntry[]): boolean {
  const key = (entries: ManagerEntry[]): string =>
    JSON.stringify(
      entries
        .map(e => [e.manager, e.operation, [...e.fields].sort()])
        .sort((x, y) => (JSON.stringify(x) < JSON.stringify(y) ? -1 : 1))
    )
  return key(a) === key(b)
}

function sameSecret(a: SecretObject, b: SecretObject): boolean {
  return (
    a.type === b.type &&
    a.immutable === b.immutable &&
    sameRecord(a.data, b.data) &&
    sameRecord(a.metadata.labels, b.metadata.labels) &&
    sameRecord(a.metadata.annotations, b.metadata.annotations) &&
    JSON.stringify(a.metadata.ownerReferences ?? []) === JSON.stringify(b.metadata.ownerReferences ?? []) &&
    JSON.stringify(a.metadata.finalizers ?? []) === JSON.stringify(b.metadata.finalizers ?? [])
  )
}

/** names.SimpleNameGenerator: generateName plus five random characters from a pronounceable-safe alphabet. */
function generateName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  const suffix = [...randomBytes(5)].map(b => alphabet[b % alphabet.length]).join('')
  return prefix.slice(0, 63 - 5) + suffix
}

export class SecretsApi {
  constructor(
    private readonly store: KubeStore,
    /** The validating webhook registered for Secrets, read on every write (server.ts: validatingWebhook). */
    private readonly webhook: () => ValidatingWebhook | undefined = () => undefined
  ) {}

  list(namespace: string, query: URLSearchParams, accept: string | undefined): Reply {
    const { page, metadata } = listPage(
      this.store.listSecrets(namespace),
      query,
      this.store.resourceVersion,
      listableSecrets(namespace)
    )
    const items = page.map(s => renderSecret(s, false))
    const representation = listRepresentation(accept)
    if (representation.kind === 'metadataList') {
      return { status: 200, body: partialObjectMetadataList(items, representation.version, metadata) }
    }
    const table = acceptedTableVersion(accept)
    if (table) return { status: 200, body: secretTable(items, table, metadata) }
    return { status: 200, body: { kind: 'SecretList', apiVersion: 'v1', metadata, items } }
  }

  get(namespace: string, name: string, accept: string | undefined): Reply {
    const stored = this.store.getSecret(namespace, name)
    if (!stored) throw notFound('secrets', name)
    const table = acceptedTableVersion(accept)
    if (table)
      return { status: 200, body: secretTable([renderSecret(stored)], table, { resourceVersion: '' }) }
    return { status: 200, body: renderSecret(stored) }
  }

  create(namespace: string, body: unknown, options: WriteOptions): Reply {
    const decoded = this.decode(body)
    if (decoded.namespace && decoded.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request'
      )
    }
    const secret = decoded.secret
    // The server makes the name from generateName on POST when there is none, and keeps generateName.
    if (!secret.metadata.name && secret.metadata.generateName) {
      secret.metadata.name = generateName(secret.metadata.generateName)
    }
    if (decoded.resourceVersion)
      throw badRequest('resourceVersion should not be set on objects to be created')
    return this.insert(
      namespace,
      secret,
      trackUpdate([], undefined, secret, options.manager, timestamp()),
      options
    )
  }

  replace(namespace: string, name: string, body: unknown, options: WriteOptions): Reply {
    const decoded = this.decode(body)
    if (decoded.secret.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${decoded.secret.metadata.name}) does not match the name on the URL (${name})`
      )
    }
    if (decoded.namespace && decoded.namespace !== namespace) {
      throw badRequest(
        `the namespace of the object (${decoded.namespace}) does not match the namespace on the request (${namespace})`
      )
    }
    const current = this.store.getSecret(namespace, name)
    if (!current) throw notFound('secrets', name)
    return this.modify(current, decoded, options)
  }

  patch(namespace: string, name: string, contentType: string, text: string, options: WriteOptions): Reply {
    if (contentType === 'application/apply-patch+yaml') return this.apply(namespace, name, text, options)
    const patch = parseNonApplyPatch(text, options)
    const current = this.store.getSecret(namespace, name)
    if (!current) throw notFound('secrets', name)
    const before = renderSecret(current) as unknown as Json
    const patched =
      contentType === 'application/json-patch+json' ? jsonPatch(before, patch) : mergePatch(before, patch)
    // handlers/patch.go: the patched object is decoded strictly, and the error is a plain 400 with the decoder's words.
    const strictError = options.strictFields ? strictDecodingError(patched) : undefined
    if (strictError) throw badRequest(strictError)
    const decoded = this.decode(patched)
    if (decoded.secret.metadata.name !== name) {
      throw badRequest(
        `the name of the object (${decoded.secret.metadata.name}) does not match the name on the URL (${name})`
      )
    }
    return this.modify(current, decoded, options)
  }

  delete(namespace: string, name: string, bodyText: string, options: WriteOptions): Reply {
    const current = this.store.getSecret(namespace, name)
    if (!current) throw notFound('secrets', name)
    const preconditions = parseDeletePreconditions(bodyText)
    if (preconditions.uid !== undefined && preconditions.uid !== current.uid) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on secrets "${name}": Precondition failed: UID in precondition: ${preconditions.uid}, UID in object meta: ${current.uid}`,
        { name, kind: 'secrets' }
      )
    }
    if (
      preconditions.resourceVersion !== undefined &&
      preconditions.resourceVersion !== current.resourceVersion
    ) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on secrets "${name}": the ResourceVersion in the precondition (${preconditions.resourceVersion}) does not match the ResourceVersion in record (${current.resourceVersion}). The object might have been modified`,
        { name, kind: 'secrets' }
      )
    }
    this.admit(options, { operation: 'DELETE', namespace, name, oldObject: renderSecret(current) })
    // A Secret with finalizers is only marked: deletionTimestamp set, kept until its finalizers are removed; the
    // answer is the object, not a Status (registry/generic/registry/store.go Delete, handlers/delete.go).
    if (current.secret.metadata.finalizers?.length) {
      if (current.deletionTimestamp) return { status: 200, body: renderSecret(current) }
      const marked = { ...current, deletionTimestamp: timestamp() }
      if (options.dryRun) return { status: 200, body: renderSecret(marked) }
      return { status: 200, body: renderSecret(this.store.putSecret(marked)) }
    }
    if (!options.dryRun) this.store.deleteSecret(namespace, name)
    return {
      status: 200,
      body: {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name, kind: 'secrets', uid: current.uid }
      }
    }
  }

  /** DELETE on the collection: deletes what the selectors match and answers the deleted items. */
  deleteCollection(namespace: string, query: URLSearchParams, options: WriteOptions): Reply {
    const matchesLabels = parseLabelSelector(query.get('labelSelector') ?? '')
    const matchesFields = parseFieldSelector(
      query.get('fieldSelector') ?? '',
      listableSecrets(namespace).fields
    )
    const doomed = this.store
      .listSecrets(namespace)
      .filter(s => matchesLabels(s.secret.metadata.labels ?? {}))
      .filter(matchesFields)
    const items = doomed.map(s => renderSecret(s, false))
    if (!options.dryRun) for (const s of doomed) this.store.deleteSecret(namespace, nameOf(s))
    return {
      status: 200,
      body: {
        kind: 'SecretList',
        apiVersion: 'v1',
        metadata: { resourceVersion: this.store.resourceVersion },
        items
      }
    }
  }

  /** Store a Secret as if another client had created it; throws the Status a real create would answer. */
  seed(namespace: string, body: unknown, manager: string): V1SecretLike {
    const reply = this.create(namespace, body, {
      dryRun: false,
      manager,
      fieldManagerGiven: true,
      force: false,
      skipAdmission: true
    })
    return reply.body as V1SecretLike
  }

  /** Sends the request to the validating webhook, and answers its denial as the API server does. */
  private admit(options: WriteOptions, request: Omit<AdmissionRequest, 'dryRun'>): void {
    const webhook = this.webhook()
    if (!webhook || options.skipAdmission) return
    const denial = webhook({ ...request, dryRun: options.dryRun })
    if (denial) throw admissionDenied('secrets', request.name, denial)
  }

  private decode(body: unknown): DecodedSecret {
    const decoded = decodeSecret(body)
    if (decoded instanceof StatusError) throw decoded
    return decoded
  }

  private insert(
    namespace: string,
    secret: SecretObject,
    managers: ManagerEntry[],
    options: WriteOptions
  ): Reply {
    if (!this.store.namespaces.has(namespace)) throw notFound('namespaces', namespace)
    const invalidity = validateSecretCreate(secret)
    if (invalidity) throw invalidity
    const candidate = { secret, namespace, uid: randomUUID(), creationTimestamp: timestamp(), managers }
    const name = secret.metadata.name
    this.admit(options, {
      operation: 'CREATE',
      namespace,
      name,
      object: renderSecret({ ...candidate, resourceVersion: '' })
    })
    if (this.store.getSecret(namespace, name)) throw alreadyExists('secrets', name)
    // A dry-run create has no resourceVersion: nothing was written to etcd.
    const stored = options.dryRun ? { ...candidate, resourceVersion: '' } : this.store.putSecret(candidate)
    const body = renderSecret(stored)
    if (!body.metadata.resourceVersion) delete (body.metadata as { resourceVersion?: string }).resourceVersion
    return { status: 201, body }
  }

  private modify(current: StoredSecret, decoded: DecodedSecret, options: WriteOptions): Reply {
    const name = current.secret.metadata.name
    // A uid in the body is a precondition, checked before the resourceVersion (rest.DefaultUpdatedObjectInfo
    // Preconditions; storage Preconditions.Check): a Secret deleted and made again under the same name is another.
    if (decoded.uid && decoded.uid !== current.uid) {
      throw new StatusError(
        409,
        'Conflict',
        `Operation cannot be fulfilled on secrets "${name}": Precondition failed: UID in precondition: ${decoded.uid}, UID in object meta: ${current.uid}`,
        { name, kind: 'secrets' }
      )
    }
    if (decoded.resourceVersion && decoded.resourceVersion !== current.resourceVersion) {
      throw conflict('secrets', name)
    }
    const invalidity =
      validateSecretUpdate(decoded.secret, current.secret) ??
      (current.deletionTimestamp ? validateDeletingUpdate(decoded.secret, current.secret) : undefined)
    if (invalidity) throw invalidity
    const managers = trackUpdate(
      current.managers,
      current.secret,
      decoded.secret,
      options.manager,
      timestamp()
    )
    return this.save(current, decoded.secret, managers, options)
  }

  private save(
    current: StoredSecret,
    secret: SecretObject,
    managers: ManagerEntry[],
    options: WriteOptions
  ): Reply {
    // Webhooks see every update, one that changes nothing included.
    this.admit(options, {
      operation: 'UPDATE',
      namespace: current.namespace,
      name: current.secret.metadata.name,
      object: renderSecret({ ...current, secret, managers }),
      oldObject: renderSecret(current)
    })
    const unchanged = sameSecret(current.secret, secret) && sameManagers(current.managers, managers)
    if (unchanged || options.dryRun) {
      const shown = unchanged ? current : { ...current, secret, managers }
      return { status: 200, body: renderSecret(shown) }
    }
    // The update that removes the last finalizer of a Secret being deleted deletes it (store.go Update,
    // shouldDeleteDuringUpdate); the answer is the object as it was last written.
    if (current.deletionTimestamp && !secret.metadata.finalizers?.length) {
      this.store.deleteSecret(current.namespace, current.secret.metadata.name)
      return { status: 200, body: renderSecret({ ...current, secret, managers }) }
    }
    const stored = this.store.putSecret({ ...current, secret, managers })
    return { status: 200, body: renderSecret(stored) }
  }

  private apply(namespace: string, name: string, text: string, options: WriteOptions): Reply {
    if (!options.fieldManagerGiven) {
      throw invalidOptions('PatchOptions', [fieldRequired('fieldManager', 'is required for apply patch')])
    }
    let raw: unknown
    try {
      raw = parseYaml(text)
    } catch (error) {
      throw badRequest(`error decoding YAML: ${(error as Error).message}`)
    }
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw badRequest(`error decoding YAML: the apply configuration is not an object`)
    }
    const body = raw as Record<string, unknown>
    if (!body.kind) throw badRequest(`Object 'Kind' is missing in '${text}'`)
    const decoded = this.decode(body)
    const configName = decoded.secret.metadata.name
    if (configName && configName !== name) {
      throw badRequest(`the name of the object (${configName}) does not match the name on the URL (${name})`)
    }
    if (decoded.namespace && decoded.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request'
      )
    }
    const config = appliedConfig(body, decoded.secret)
    const current = this.store.getSecret(namespace, name)
    if (current && decoded.resourceVersion && decoded.resourceVersion !== current.resourceVersion) {
      throw conflict('secrets', name)
    }
    if (!current && !this.store.namespaces.has(namespace)) throw notFound('namespaces', namespace)
    const live: SecretObject = current ? current.secret : { metadata: { name }, type: 'Opaque' }
    const result = applyConfig(
      current?.managers ?? [],
      live,
      !!current,
      config,
      options.manager,
      options.force,
      timestamp()
    )
    if (result instanceof StatusError) throw result
    if (!current) return this.insert(namespace, result.merged, result.entries, options)
    const invalidity = validateSecretUpdate(result.merged, current.secret)
    if (invalidity) throw invalidity
    return this.save(current, result.merged, result.entries, options)
  }
}

/** The fields an apply configuration sets; presence matters, so read them from the raw body. */
function appliedConfig(body: Record<string, unknown>, decoded: SecretObject): AppliedConfig {
  const meta = (body.metadata ?? {}) as Record<string, unknown>
  const config: AppliedConfig = {}
  if (meta.labels) config.labels = decoded.metadata.labels ?? {}
  if (meta.annotations) config.annotations = decoded.metadata.annotations ?? {}
  if (body.data) {
    // decodeSecret folded stringData into data; keep only the keys the config lists under data.
    const dataKeys = Object.keys(body.data as object)
    config.data = Object.fromEntries(dataKeys.map(k => [k, decoded.data?.[k] ?? '']))
  }
  if (body.stringData) config.stringData = body.stringData as Record<string, string>
  if (typeof body.type === 'string' && body.type) config.type = body.type
  if (typeof body.immutable === 'boolean') config.immutable = body.immutable
  return config
}

function parseDeletePreconditions(bodyText: string): { uid?: string; resourceVersion?: string } {
  if (!bodyText.trim()) return {}
  try {
    const body = JSON.parse(bodyText) as { preconditions?: { uid?: string; resourceVersion?: string } }
    return body.preconditions ?? {}
  } catch {
    throw badRequest('the body of the request could not be decoded as DeleteOptions')
  }
}
