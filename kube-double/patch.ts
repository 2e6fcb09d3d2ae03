// The PATCH formats the API server accepts for a built-in type, applied to the object as JSON
// (k8s.io/apiserver/pkg/endpoints/handlers/patch.go). A Secret has no lists with a merge key, so a strategic merge
// patch behaves as a JSON merge patch (RFC 7386) here. JSON Patch (RFC 6902) errors are 422 like evanphx/json-patch's.
import { StatusError, badRequest } from './status.js'

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

const isObject = (value: Json | undefined): value is { [key: string]: Json } =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

/** RFC 7386: objects merge recursively, null deletes, anything else replaces. */
export function mergePatch(target: Json, patch: Json): Json {
  if (!isObject(patch)) return patch
  const result: { [key: string]: Json } = isObject(target) ? { ...target } : {}
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key]
    else result[key] = mergePatch(result[key] ?? null, value)
  }
  return result
}

interface JsonPatchOperation {
  op: string
  path: string
  from?: string
  value?: Json
}

const unprocessable = (message: string): StatusError => new StatusError(422, 'Invalid', message)

/** RFC 6901 pointer to its unescaped segments. */
function pointer(path: string): string[] {
  if (path === '') return []
  if (!path.startsWith('/'))
    throw unprocessable(`add operation does not apply: doc is missing path: "${path}"`)
  return path
    .slice(1)
    .split('/')
    .map(s => s.replaceAll('~1', '/').replaceAll('~0', '~'))
}

function parentOf(doc: Json, segments: string[], op: string, path: string): { parent: Json; key: string } {
  let node: Json = doc
  for (const s of segments.slice(0, -1)) {
    const next: Json | undefined = Array.isArray(node)
      ? node[Number(s)]
      : isObject(node)
        ? node[s]
        : undefined
    if (next === undefined)
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}"`)
    node = next
  }
  return { parent: node, key: segments[segments.length - 1] as string }
}

function read(doc: Json, path: string, op: string): Json {
  const segments = pointer(path)
  if (segments.length === 0) return doc
  const { parent, key } = parentOf(doc, segments, op, path)
  const value = Array.isArray(parent) ? parent[Number(key)] : isObject(parent) ? parent[key] : undefined
  if (value === undefined)
    throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}"`)
  return value
}

function remove(doc: Json, path: string, op: string): Json {
  const segments = pointer(path)
  const { parent, key } = parentOf(doc, segments, op, path)
  if (Array.isArray(parent)) {
    const index = Number(key)
    if (!(index >= 0 && index < parent.length))
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}"`)
    return parent.splice(index, 1)[0] as Json
  }
  if (!isObject(parent) || !(key in parent)) {
    throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}"`)
  }
  const value = parent[key] as Json
  delete parent[key]
  return value
}

function add(doc: Json, path: string, value: Json, op: string): Json {
  const segments = pointer(path)
  if (segments.length === 0) return value
  const { parent, key } = parentOf(doc, segments, op, path)
  if (Array.isArray(parent)) {
    const index = key === '-' ? parent.length : Number(key)
    if (!(index >= 0 && index <= parent.length))
      throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}"`)
    parent.splice(index, 0, value)
  } else if (isObject(parent)) {
    parent[key] = value
  } else {
    throw unprocessable(`${op} operation does not apply: doc is missing path: "${path}"`)
  }
  return doc
}

export function jsonPatch(target: Json, patch: Json): Json {
  if (!Array.isArray(patch)) {
    throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch')
  }
  let doc = structuredClone(target)
  for (const raw of patch) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw unprocessable('Unexpected kind: unknown')
    }
    const op = raw as unknown as JsonPatchOperation
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, structuredClone(op.value ?? null), 'add')
        break
      case 'remove':
        remove(doc, op.path, 'remove')
        break
      case 'replace':
        read(doc, op.path, 'replace')
        if (op.path === '') doc = structuredClone(op.value ?? null)
        else {
          remove(doc, op.path, 'replace')
          doc = add(doc, op.path, structuredClone(op.value ?? null), 'replace')
        }
        break
      case 'test': {
        const actual = read(doc, op.path, 'test')
        if (JSON.stringify(actual) !== JSON.stringify(op.value ?? null)) {
          throw unprocessable(`testing value ${op.path} failed: test failed`)
        }
        break
      }
      case 'move': {
        const value = remove(doc, op.from ?? '', 'move')
        doc = add(doc, op.path, value, 'move')
        break
      }
      case 'copy':
        doc = add(doc, op.path, structuredClone(read(doc, op.from ?? '', 'copy')), 'copy')
        break
      default:
        throw unprocessable(`Unexpected kind: ${op.op}`)
    }
  }
  return doc
}
