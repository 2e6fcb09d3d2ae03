// Turning a request body into a Secret the way the API server's JSON decoder does: Go's encoding/json decodes
// `data` values ([]byte) with base64.StdEncoding, so a bad value fails the whole request with 400 and Go's
// `illegal base64 data at input byte N`; the v1 -> internal conversion then folds `stringData` into `data`
// (pkg/apis/core/v1/conversion.go Convert_v1_Secret_To_core_Secret: stringData wins).
// The decoder's error wording (cannotHandleAs, goJsonType, decodeStringMap) serves the Deployments double too.
import { badRequest, type StatusError } from './status.js'
import type { OwnerReference, SecretObject } from './validation.js'

/** What a client sent, decoded: the Secret plus the metadata that steers the write. */
export interface DecodedSecret {
  secret: SecretObject
  namespace?: string
  resourceVersion?: string
  /** On an update, a precondition: another uid is a 409 (rest.DefaultUpdatedObjectInfo.Preconditions). */
  uid?: string
}

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'

/**
 * A port of Go's base64.StdEncoding.Decode error positions (encoding/base64/base64.go decodeQuantum): padding is
 * required, CR and LF are skipped, anything else outside the alphabet is an error at its index.
 * Returns the decoded bytes or the index Go reports.
 */
export function decodeGoBase64(input: string): Buffer | number {
  const values: number[] = []
  let i = 0
  while (i < input.length) {
    const quantum: number[] = []
    while (quantum.length < 4) {
      if (i === input.length) {
        if (quantum.length === 0) return Buffer.from(values)
        return i - quantum.length
      }
      const c = input[i++] as string
      const v = base64Alphabet.indexOf(c)
      if (v >= 0) {
        quantum.push(v)
        continue
      }
      if (c === '\n' || c === '\r') continue
      if (c !== '=') return i - 1
      // Padding: only valid after two or three symbols.
      if (quantum.length < 2) return i - 1
      if (quantum.length === 2) {
        while (i < input.length && (input[i] === '\n' || input[i] === '\r')) i++
        if (i === input.length) return input.length
        if (input[i] !== '=') return i - 1
        i++
      }
      while (i < input.length && (input[i] === '\n' || input[i] === '\r')) i++
      if (i < input.length) return i
      break
    }
    const [a = 0, b = 0, c = 0, d = 0] = quantum
    const bits = (a << 18) | (b << 12) | (c << 6) | d
    const bytes = [(bits >> 16) & 0xff, (bits >> 8) & 0xff, bits & 0xff]
    values.push(...bytes.slice(0, quantum.length - 1))
  }
  return Buffer.from(values)
}

/** 400 when the JSON decoder cannot turn a body into a v1 object of `kind` (Secret, Deployment). */
export const cannotHandleAs = (kind: string, detail: string): StatusError =>
  badRequest(`${kind} in version "v1" cannot be handled as a ${kind}: ${detail}`)

const cannotHandle = (detail: string): StatusError => cannotHandleAs('Secret', detail)

/** The JSON type as Go's json.UnmarshalTypeError names it (a missing value counts as null). */
export const goJsonType = (value: unknown): string =>
  value === null || value === undefined
    ? 'null'
    : Array.isArray(value)
      ? 'array'
      : typeof value === 'object'
        ? 'object'
        : typeof value === 'boolean'
          ? 'bool'
          : typeof value

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** A JSON object for the Go struct field `goField` of type map[string]`goType` of a `kind`; null values become ''. */
export function decodeStringMap(
  kind: string,
  value: unknown,
  goField: string,
  goType: string
): Record<string, string> | StatusError {
  if (value === undefined || value === null) return {}
  if (!isRecord(value)) {
    return cannotHandleAs(
      kind,
      `json: cannot unmarshal ${goJsonType(value)} into Go struct field ${goField} of type map[string]${goType}`
    )
  }
  const out: Record<string, string> = {}
  for (const [key, v] of Object.entries(value)) {
    if (v === null) out[key] = ''
    else if (typeof v === 'string') out[key] = v
    else
      return cannotHandleAs(
        kind,
        `json: cannot unmarshal ${goJsonType(v)} into Go struct field ${goField} of type ${goType}`
      )
  }
  return out
}

/** Decode a Secret body (POST, PUT, or the result of a patch). */
export function decodeSecret(body: unknown): DecodedSecret | StatusError {
  if (!isRecord(body)) {
    return cannotHandle(`json: cannot unmarshal ${goJsonType(body)} into Go value of type v1.Secret`)
  }
  if (body.kind !== undefined && body.kind !== 'Secret') {
    return badRequest(`the object provided is unrecognized (must be of type Secret): ${String(body.kind)}`)
  }
  // An empty apiVersion takes the endpoint's (v1). Any other than v1 names a group version in which the scheme has
  // no Secret, and the decoder fails (apiserver handlers/rest.go transformDecodeError; the scheme's file:line is the
  // API server's, kubernetes pkg/api/legacyscheme).
  if (
    body.apiVersion !== undefined &&
    body.apiVersion !== null &&
    body.apiVersion !== '' &&
    body.apiVersion !== 'v1'
  ) {
    const apiVersion = String(body.apiVersion)
    const version = apiVersion.slice(apiVersion.indexOf('/') + 1)
    return badRequest(
      `Secret in version "${version}" cannot be handled as a Secret: no kind "Secret" is registered for version "${apiVersion}" in scheme "pkg/api/legacyscheme/scheme.go:30"`
    )
  }
  const meta = body.metadata === undefined || body.metadata === null ? {} : body.metadata
  if (!isRecord(meta)) {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(meta)} into Go struct field Secret.metadata of type v1.ObjectMeta`
    )
  }
  for (const field of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid'] as const) {
    const v = meta[field]
    if (v !== undefined && v !== null && typeof v !== 'string') {
      return cannotHandle(
        `json: cannot unmarshal ${goJsonType(v)} into Go struct field ObjectMeta.metadata.${field} of type string`
      )
    }
  }
  const labels = decodeStringMap('Secret', meta.labels, 'ObjectMeta.metadata.labels', 'string')
  if (labels instanceof Error) return labels
  const annotations = decodeStringMap('Secret', meta.annotations, 'ObjectMeta.metadata.annotations', 'string')
  if (annotations instanceof Error) return annotations
  const finalizers = decodeFinalizers(meta.finalizers)
  if (finalizers instanceof Error) return finalizers
  const ownerReferences = decodeOwnerReferences(meta.ownerReferences)
  if (ownerReferences instanceof Error) return ownerReferences
  const encoded = decodeStringMap('Secret', body.data, 'Secret.data', '[]uint8')
  if (encoded instanceof Error) return encoded
  const stringData = decodeStringMap('Secret', body.stringData, 'Secret.stringData', 'string')
  if (stringData instanceof Error) return stringData

  const data: Record<string, string> = {}
  for (const [key, value] of Object.entries(encoded)) {
    const decoded = decodeGoBase64(value)
    if (typeof decoded === 'number') return cannotHandle(`illegal base64 data at input byte ${decoded}`)
    data[key] = decoded.toString('base64')
  }
  for (const [key, value] of Object.entries(stringData))
    data[key] = Buffer.from(value, 'utf8').toString('base64')

  if (body.type !== undefined && body.type !== null && typeof body.type !== 'string') {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(body.type)} into Go struct field Secret.type of type v1.SecretType`
    )
  }
  if (body.immutable !== undefined && body.immutable !== null && typeof body.immutable !== 'boolean') {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(body.immutable)} into Go struct field Secret.immutable of type bool`
    )
  }

  const secret: SecretObject = {
    metadata: { name: typeof meta.name === 'string' ? meta.name : '' },
    // SetDefaults_Secret: an empty type is Opaque.
    type: typeof body.type === 'string' && body.type !== '' ? body.type : 'Opaque'
  }
  if (typeof meta.generateName === 'string' && meta.generateName)
    secret.metadata.generateName = meta.generateName
  if (Object.keys(labels).length) secret.metadata.labels = labels
  if (Object.keys(annotations).length) secret.metadata.annotations = annotations
  if (ownerReferences.length) secret.metadata.ownerReferences = ownerReferences
  if (finalizers.length) secret.metadata.finalizers = finalizers
  if (Object.keys(data).length) secret.data = data
  if (typeof body.immutable === 'boolean') secret.immutable = body.immutable
  const decoded: DecodedSecret = { secret }
  if (typeof meta.namespace === 'string' && meta.namespace) decoded.namespace = meta.namespace
  if (typeof meta.resourceVersion === 'string' && meta.resourceVersion)
    decoded.resourceVersion = meta.resourceVersion
  if (typeof meta.uid === 'string' && meta.uid) decoded.uid = meta.uid
  return decoded
}

/** `metadata.finalizers`, a []string. */
function decodeFinalizers(value: unknown): string[] | StatusError {
  if (value === undefined || value === null) return []
  if (!Array.isArray(value)) {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(value)} into Go struct field ObjectMeta.metadata.finalizers of type []string`
    )
  }
  const wrong = value.find(v => typeof v !== 'string')
  if (wrong !== undefined) {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(wrong)} into Go struct field ObjectMeta.metadata.finalizers of type string`
    )
  }
  return value as string[]
}

const ownerReferenceStrings = ['apiVersion', 'kind', 'name', 'uid'] as const
const ownerReferenceBooleans = ['controller', 'blockOwnerDeletion'] as const

/** `metadata.ownerReferences`, a []metav1.OwnerReference; fields in the struct's order. */
function decodeOwnerReferences(value: unknown): OwnerReference[] | StatusError {
  if (value === undefined || value === null) return []
  const field = 'ObjectMeta.metadata.ownerReferences'
  if (!Array.isArray(value)) {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(value)} into Go struct field ${field} of type []v1.OwnerReference`
    )
  }
  const references: OwnerReference[] = []
  for (const item of value) {
    if (!isRecord(item)) {
      return cannotHandle(
        `json: cannot unmarshal ${goJsonType(item)} into Go struct field ${field} of type v1.OwnerReference`
      )
    }
    const reference: OwnerReference = { apiVersion: '', kind: '', name: '', uid: '' }
    for (const key of ownerReferenceStrings) {
      const v = item[key]
      if (v !== undefined && v !== null && typeof v !== 'string') {
        return cannotHandle(
          `json: cannot unmarshal ${goJsonType(v)} into Go struct field OwnerReference.${field}.${key} of type string`
        )
      }
      if (typeof v === 'string') reference[key] = v
    }
    for (const key of ownerReferenceBooleans) {
      const v = item[key]
      if (v !== undefined && v !== null && typeof v !== 'boolean') {
        return cannotHandle(
          `json: cannot unmarshal ${goJsonType(v)} into Go struct field OwnerReference.${field}.${key} of type bool`
        )
      }
      if (typeof v === 'boolean') reference[key] = v
    }
    references.push(reference)
  }
  return references
}

const secretFields = new Set(['apiVersion', 'kind', 'metadata', 'data', 'stringData', 'type', 'immutable'])
const objectMetaFields = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields'
])

/**
 * `fieldValidation=Strict` (kubectl >= 1.27 sends it by default): the fields of a body that a v1 Secret does not
 * have, named as the apiserver's strict JSON decoder (sigs.k8s.io/json) names them: `unknown field "spec"`,
 * `unknown field "metadata.x"`. Only the Secret and its ObjectMeta are checked. Undefined when there are none.
 */
export function strictDecodingError(body: unknown): string | undefined {
  if (!isRecord(body)) return undefined
  const unknown = Object.keys(body).filter(k => !secretFields.has(k))
  if (isRecord(body.metadata)) {
    unknown.push(
      ...Object.keys(body.metadata)
        .filter(k => !objectMetaFields.has(k))
        .map(k => `metadata.${k}`)
    )
  }
  if (unknown.length === 0) return undefined
  return `strict decoding error: ${unknown.map(f => `unknown field "${f}"`).join(', ')}`
}

/** A create or update body with unknown fields under Strict: 400 `Secret in version "v1" cannot be handled as a
 * Secret: strict decoding error: …` (apiserver handlers/create.go, update.go: transformDecodeError). */
export function strictSecretFields(body: unknown): StatusError | undefined {
  const error = strictDecodingError(body)
  return error === undefined ? undefined : cannotHandle(error)
}
