// The Kubernetes API server's own rules for names, data keys, labels and annotations, checked before any
// request so that a bad name is reported for its one secret instead of failing a write.
// Source: kubernetes/apimachinery pkg/util/validation/validation.go and
// pkg/api/validation/objectmeta.go; kubernetes pkg/apis/core/validation/validation.go (ValidateSecret).

const dns1123Label = '[a-z0-9]([-a-z0-9]*[a-z0-9])?'
const dns1123Subdomain = new RegExp(`^${dns1123Label}(\\.${dns1123Label})*$`)
const configKey = /^[-._a-zA-Z0-9]+$/
const qualifiedNamePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/

/** Decoded bytes a Secret may hold in `data`, all keys together (core/v1 MaxSecretSize). */
export const MAX_SECRET_BYTES = 1024 * 1024
/** Total size of all annotation keys and values (TotalAnnotationSizeLimitB). */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024

/** Why `name` cannot be a Secret name, or undefined when it can. */
export function secretNameProblem(name: string): string | undefined {
  if (name.length > 253) return `"${name}" is longer than 253 characters`
  if (!dns1123Subdomain.test(name)) {
    return `"${name}" is not a valid Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`
  }
  return undefined
}

/** Why `key` cannot be a key in a Secret's `data`, or undefined when it can. */
export function dataKeyProblem(key: string): string | undefined {
  if (key.length > 253) return `"${key}" is longer than 253 characters`
  if (!configKey.test(key)) return `"${key}" may only contain letters, digits, '-', '_' and '.'`
  if (key === '.' || key.startsWith('..')) return `"${key}" may not be '.' or '..' or start with '..'`
  return undefined
}

/** Why `key` cannot be a label key (a qualified name, optionally `dns-prefix/name`). */
export function qualifiedNameProblem(key: string): string | undefined {
  return qualifiedNameCheck(key, key, 'a lower-case DNS subdomain')
}

/**
 * Why `key` cannot be an annotation key. The API server checks an annotation key as a qualified name after
 * lower-casing it (apimachinery pkg/api/validation/objectmeta.go, ValidateAnnotations: "The rule is
 * QualifiedName except that case doesn't matter, so convert to lowercase before checking"), so an upper-case
 * prefix such as `Example.COM/team` is a valid annotation key, though not a valid label key.
 */
export function annotationKeyProblem(key: string): string | undefined {
  return qualifiedNameCheck(goToLower(key), key, 'a DNS subdomain')
}

/**
 * Go's strings.ToLower: Unicode's simple lower-case mapping, one character for one. JavaScript's toLowerCase
 * applies the full mapping, which differs from it where it matters here only for U+0130 (İ): "i" in Go, "i̇"
 * (two characters) in JavaScript. https://www.unicode.org/Public/UCD/latest/ucd/SpecialCasing.txt
 */
const goToLower = (text: string): string => text.replaceAll('\u0130', 'i').toLowerCase()

/** IsQualifiedName of `checked`; the message names `key`, as the user wrote it, and what its prefix must be. */
function qualifiedNameCheck(checked: string, key: string, prefixRule: string): string | undefined {
  const slash = checked.lastIndexOf('/')
  const [prefix, name] =
    slash === -1 ? [undefined, checked] : [checked.slice(0, slash), checked.slice(slash + 1)]
  if (prefix !== undefined) {
    if (prefix.length === 0) return `key "${key}" has an empty prefix before '/'`
    if (prefix.length > 253 || !dns1123Subdomain.test(prefix)) {
      return `the prefix of key "${key}" must be ${prefixRule} (e.g. example.com)`
    }
  }
  // The pattern needs one character at least, so it refuses an empty name too.
  if (name.length > 63 || !qualifiedNamePart.test(name)) {
    return `key "${key}" must be 1-63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional DNS subdomain prefix and '/'`
  }
  return undefined
}

/** Why `value` cannot be a label value, or undefined when it can. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length > 63 || !labelValue.test(value)) {
    return `value "${value}" must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or empty)`
  }
  return undefined
}
