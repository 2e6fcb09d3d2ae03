// Secret validation as the API server does it. Rules and wording come from:
// - k8s.io/apimachinery/pkg/util/validation/validation.go (IsDNS1123Subdomain, IsConfigMapKey, RegexError)
// - k8s.io/apimachinery/pkg/api/validate/content/kube.go (label keys and values; v1.30 calls a key "a qualified name")
// - k8s.io/apimachinery/pkg/api/validation/objectmeta.go (ValidateObjectMeta, ValidateAnnotations, 256 KiB)
// - kubernetes pkg/apis/core/validation/validation.go (ValidateSecret, ValidateSecretUpdate)
import {
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  fieldTooLong,
  invalid,
  type FieldError,
  type StatusError
} from './status.js'

/** metav1.OwnerReference. */
export interface OwnerReference {
  apiVersion: string
  kind: string
  name: string
  uid: string
  controller?: boolean
  blockOwnerDeletion?: boolean
}

/** A Secret as this double stores it: `data` values are canonical base64. The metadata a client may set and the
 * server keeps; the fields the server sets itself (uid, creationTimestamp, deletionTimestamp) live in StoredSecret. */
export interface SecretObject {
  metadata: {
    name: string
    /** Kept after the server generated the name from it, as the API server keeps it. */
    generateName?: string
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: OwnerReference[]
    finalizers?: string[]
  }
  data?: Record<string, string>
  type: string
  immutable?: boolean
}

/** pkg/apis/core/types.go MaxSecretSize. */
export const maxSecretBytes = 1024 * 1024
/** objectmeta.go TotalAnnotationSizeLimitB. */
const maxAnnotationBytes = 256 * 1024
const maxSubdomainLength = 253
const maxLabelLength = 63

function regexError(message: string, format: string, examples: string[]): string {
  const quoted = examples.map(e => `'${e}', `).join(' or ')
  return `${message} (e.g. ${quoted}regex used for validation is '${format}')`
}

const dns1123LabelFormat = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123SubdomainFormat = `${dns1123LabelFormat}(\\.${dns1123LabelFormat})*`
const dns1123Subdomain = new RegExp(`^${dns1123SubdomainFormat}$`)
const maxLengthError = (n: number): string => `must be no more than ${n} characters`

export function isDns1123Subdomain(value: string): string[] {
  const errors: string[] = []
  if (value.length > maxSubdomainLength) errors.push(maxLengthError(maxSubdomainLength))
  if (!dns1123Subdomain.test(value)) {
    errors.push(
      regexError(
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
        dns1123SubdomainFormat,
        ['example.com']
      )
    )
  }
  return errors
}

const configKeyFormat = '[-._a-zA-Z0-9]+'
const configKey = new RegExp(`^${configKeyFormat}$`)

export function isConfigMapKey(value: string): string[] {
  const errors: string[] = []
  if (value.length > maxSubdomainLength) errors.push(maxLengthError(maxSubdomainLength))
  if (!configKey.test(value)) {
    errors.push(
      regexError(
        "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
        configKeyFormat,
        ['key.name', 'KEY_NAME', 'key-name']
      )
    )
  }
  if (value === '.') errors.push("must not be '.'")
  else if (value === '..') errors.push("must not be '..'")
  else if (value.startsWith('..')) errors.push("must not start with '..'")
  return errors
}

const qualifiedNameFormat = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]'
const qualifiedName = new RegExp(`^${qualifiedNameFormat}$`)
const qualifiedNameMessage =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"

export function isQualifiedName(value: string): string[] {
  const errors: string[] = []
  const parts = value.split('/')
  let name: string
  if (parts.length === 1) {
    name = value
  } else if (parts.length === 2) {
    const [prefix = '', rest = ''] = parts
    name = rest
    if (prefix.length === 0) errors.push('prefix part must be non-empty')
    else errors.push(...isDns1123Subdomain(prefix).map(m => `prefix part ${m}`))
  } else {
    return [
      `a qualified name ${regexError(qualifiedNameMessage, qualifiedNameFormat, ['MyName', 'my.name', '123-abc'])} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`
    ]
  }
  if (name.length === 0) errors.push('name part must be non-empty')
  else if (name.length > maxLabelLength) errors.push(`name part ${maxLengthError(maxLabelLength)}`)
  if (!qualifiedName.test(name)) {
    errors.push(
      `name part ${regexError(qualifiedNameMessage, qualifiedNameFormat, ['MyName', 'my.name', '123-abc'])}`
    )
  }
  return errors
}

/**
 * Annotation keys are qualified names compared case-insensitively (apimachinery objectmeta.go,
 * ValidateAnnotations), lower-cased by Go's strings.ToLower: the simple case mapping, in which U+0130 (İ) becomes
 * "i" (JavaScript's toLowerCase makes it "i̇", two characters).
 */
export function isAnnotationKey(key: string): string[] {
  return isQualifiedName(key.replaceAll('\u0130', 'i').toLowerCase())
}

const labelValueFormat = `(${qualifiedNameFormat})?`
const labelValue = new RegExp(`^${labelValueFormat}$`)

export function isLabelValue(value: string): string[] {
  const errors: string[] = []
  if (value.length > maxLabelLength) errors.push(maxLengthError(maxLabelLength))
  if (!labelValue.test(value)) {
    errors.push(
      regexError(
        "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character",
        labelValueFormat,
        ['MyValue', 'my_value', '12345']
      )
    )
  }
  return errors
}

const sorted = (record: Record<string, string> | undefined): [string, string][] =>
  Object.entries(record ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))

/** ValidateObjectMeta for a namespaced object named as a DNS subdomain. Go iterates maps randomly; we sort. */
function validateObjectMeta(meta: SecretObject['metadata']): FieldError[] {
  const errors: FieldError[] = []
  if (!meta.name) {
    errors.push(fieldRequired('metadata.name', 'name or generateName is required'))
  } else {
    for (const m of isDns1123Subdomain(meta.name)) errors.push(fieldInvalid('metadata.name', meta.name, m))
  }
  for (const [key, value] of sorted(meta.labels)) {
    for (const m of isQualifiedName(key)) errors.push(fieldInvalid('metadata.labels', key, m))
    for (const m of isLabelValue(value)) errors.push(fieldInvalid('metadata.labels', value, m))
  }
  let annotationBytes = 0
  for (const [key, value] of sorted(meta.annotations)) {
    for (const m of isAnnotationKey(key)) errors.push(fieldInvalid('metadata.annotations', key, m))
    annotationBytes += Buffer.byteLength(key) + Buffer.byteLength(value)
  }
  if (annotationBytes > maxAnnotationBytes)
    errors.push(fieldTooLong('metadata.annotations', maxAnnotationBytes))
  errors.push(...validateOwnerReferences(meta.ownerReferences ?? []))
  for (const finalizer of meta.finalizers ?? []) errors.push(...validateFinalizerName(finalizer))
  return errors
}

/** objectmeta.go validateOwnerReference and ValidateOwnerReferences: the field path has no index. */
function validateOwnerReferences(references: OwnerReference[]): FieldError[] {
  const errors: FieldError[] = []
  const path = 'metadata.ownerReferences'
  for (const ref of references) {
    const version = ref.apiVersion.includes('/')
      ? ref.apiVersion.slice(ref.apiVersion.indexOf('/') + 1)
      : ref.apiVersion
    if (!version) errors.push(fieldInvalid(`${path}.apiVersion`, ref.apiVersion, 'version must not be empty'))
    if (!ref.kind) errors.push(fieldInvalid(`${path}.kind`, ref.kind, 'kind must not be empty'))
    if (!ref.name) errors.push(fieldInvalid(`${path}.name`, ref.name, 'name must not be empty'))
    if (!ref.uid) errors.push(fieldInvalid(`${path}.uid`, ref.uid, 'uid must not be empty'))
  }
  // Go prints the whole list (%#v of the structs) as the invalid value; this double prints the two names only.
  const controllers = references.filter(ref => ref.controller).map(ref => `${ref.kind}/${ref.name}`)
  for (const extra of controllers.slice(1)) {
    errors.push(
      fieldInvalid(
        path,
        controllers.join(', '),
        `Only one reference can have Controller set to true. Found "true" in references for ${controllers[0]} and ${extra}`
      )
    )
  }
  return errors
}

/** Finalizers standard to Kubernetes (pkg/apis/core/helper IsStandardFinalizerName); any other needs a `/`. */
const standardFinalizers = new Set(['kubernetes', 'orphan', 'foregroundDeletion'])

/** objectmeta.go ValidateFinalizerName, then core validation validateKubeFinalizerName. */
function validateFinalizerName(name: string): FieldError[] {
  const errors = isQualifiedName(name).map(m => fieldInvalid('metadata.finalizers', name, m))
  if (errors.length === 0 && !name.includes('/') && !standardFinalizers.has(name)) {
    errors.push(
      fieldInvalid(
        'metadata.finalizers',
        name,
        'name is neither a standard finalizer name nor is it fully qualified'
      )
    )
  }
  return errors
}

/** ValidateSecret. Only the Opaque rules apply to the types a sync writes; others are accepted as is. */
function validateSecretFields(secret: SecretObject): FieldError[] {
  const errors = validateObjectMeta(secret.metadata)
  let totalBytes = 0
  for (const [key, value] of sorted(secret.data)) {
    for (const m of isConfigMapKey(key)) errors.push(fieldInvalid(`data[${key}]`, key, m))
    totalBytes += Buffer.from(value, 'base64').length
  }
  if (totalBytes > maxSecretBytes) errors.push(fieldTooLong('data', maxSecretBytes))
  if (secret.type === 'kubernetes.io/tls') {
    if (secret.data?.['tls.crt'] === undefined) errors.push(fieldRequired('data[tls.crt]', ''))
    if (secret.data?.['tls.key'] === undefined) errors.push(fieldRequired('data[tls.key]', ''))
  }
  return errors
}

export function validateSecretCreate(secret: SecretObject): StatusError | undefined {
  const errors = validateSecretFields(secret)
  return errors.length ? invalid('Secret', secret.metadata.name, errors) : undefined
}

/** ValidateSecretUpdate: type is immutable; an immutable Secret keeps its data and stays immutable. */
export function validateSecretUpdate(next: SecretObject, old: SecretObject): StatusError | undefined {
  const errors: FieldError[] = []
  if (next.type !== old.type) errors.push(fieldInvalid('type', next.type, 'field is immutable'))
  if (old.immutable) {
    if (!next.immutable)
      errors.push(fieldForbidden('immutable', 'field is immutable when `immutable` is set'))
    if (!sameRecord(next.data, old.data)) {
      errors.push(fieldForbidden('data', 'field is immutable when `immutable` is set'))
    }
  }
  errors.push(...validateSecretFields(next))
  return errors.length ? invalid('Secret', next.metadata.name, errors) : undefined
}

/** ValidateObjectMetaUpdate: a Secret that is being deleted takes no new finalizers. */
export function validateDeletingUpdate(next: SecretObject, old: SecretObject): StatusError | undefined {
  const added = (next.metadata.finalizers ?? []).filter(f => !(old.metadata.finalizers ?? []).includes(f))
  if (added.length === 0) return undefined
  return invalid('Secret', next.metadata.name, [
    fieldForbidden(
      'metadata.finalizers',
      `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map(f => JSON.stringify(f)).join(', ')}}`
    )
  ])
}

export function sameRecord(
  a: Record<string, string> | undefined,
  b: Record<string, string> | undefined
): boolean {
  const left = sorted(a)
  const right = sorted(b)
  return left.length === right.length && left.every(([k, v], i) => right[i]?.[0] === k && right[i]?.[1] === v)
}
