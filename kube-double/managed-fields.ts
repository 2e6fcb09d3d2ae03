// Field ownership (`metadata.managedFields`) for Secrets, after structured-merge-diff as the API server uses it
// (k8s.io/apiserver/pkg/endpoints/handlers/fieldmanager, sigs.k8s.io/structured-merge-diff/v4/merge/update.go):
// - an Update (POST, PUT, non-apply PATCH) gives its manager every field it added or changed and takes those fields
//   from every other manager; removed fields leave every manager;
// - an Apply owns exactly the fields of the applied configuration; changing a field another manager owns is a
//   conflict unless forced (force moves ownership); fields the applier owned before and now omits are removed
//   from the object unless another manager still owns them.
// A Secret only has a handful of fields, so a field is a path of names and this module tracks them directly.
import { StatusError } from './status.js'
import type { SecretObject } from './validation.js'

export type Operation = 'Apply' | 'Update'

/** One manager's fields, as kept by the store. Paths are `pathKey()` strings. */
export interface ManagerEntry {
  manager: string
  operation: Operation
  time: string
  fields: Set<string>
}

/** managedFields as serialized in an object. */
export interface ManagedFieldsEntry {
  manager: string
  operation: Operation
  apiVersion: 'v1'
  time: string
  fieldsType: 'FieldsV1'
  fieldsV1: FieldsV1
}

export interface FieldsV1 {
  [key: string]: FieldsV1
}

const pathKey = (...segments: string[]): string => JSON.stringify(segments)
const pathSegments = (key: string): string[] => JSON.parse(key) as string[]

/** The server's wording of a path in conflict messages: `.data.password` (fieldpath.Path.String()). */
export const pathText = (key: string): string =>
  pathSegments(key)
    .map(s => `.${s}`)
    .join('')

/** Every field of a stored Secret with a comparable value; map nodes (`data`, `labels`) are fields too. */
export function fieldValues(secret: SecretObject | undefined): Map<string, string> {
  const values = new Map<string, string>()
  if (!secret) return values
  const addMap = (record: Record<string, string> | undefined, ...prefix: string[]): void => {
    if (!record) return
    values.set(pathKey(...prefix), '{}')
    for (const [k, v] of Object.entries(record)) values.set(pathKey(...prefix, k), JSON.stringify(v))
  }
  addMap(secret.metadata.labels, 'metadata', 'labels')
  addMap(secret.metadata.annotations, 'metadata', 'annotations')
  addMap(secret.data, 'data')
  // Lists are keyed as structured-merge-diff keys them: finalizers (a set) by value, `v:"name"`; owner references
  // (a map list) by uid, `k:{"uid":"..."}`.
  const { finalizers, ownerReferences } = secret.metadata
  if (finalizers?.length) {
    values.set(pathKey('metadata', 'finalizers'), '{}')
    for (const f of finalizers)
      values.set(pathKey('metadata', 'finalizers', `v:${JSON.stringify(f)}`), 'true')
  }
  if (ownerReferences?.length) {
    values.set(pathKey('metadata', 'ownerReferences'), '{}')
    for (const ref of ownerReferences) {
      values.set(
        pathKey('metadata', 'ownerReferences', `k:${JSON.stringify({ uid: ref.uid })}`),
        JSON.stringify(ref)
      )
    }
  }
  values.set(pathKey('type'), JSON.stringify(secret.type))
  if (secret.immutable !== undefined) values.set(pathKey('immutable'), JSON.stringify(secret.immutable))
  return values
}

/** The configuration an applier sends, with `data` already canonical base64. */
export interface AppliedConfig {
  labels?: Record<string, string>
  annotations?: Record<string, string>
  data?: Record<string, string>
  stringData?: Record<string, string>
  type?: string
  immutable?: boolean
}

/** The leaf fields an Apply owns (managed fields of an Apply carry no `.` map nodes). */
function appliedFields(config: AppliedConfig): Map<string, string | undefined> {
  const fields = new Map<string, string | undefined>()
  for (const [k, v] of Object.entries(config.labels ?? {}))
    fields.set(pathKey('metadata', 'labels', k), JSON.stringify(v))
  for (const [k, v] of Object.entries(config.annotations ?? {})) {
    fields.set(pathKey('metadata', 'annotations', k), JSON.stringify(v))
  }
  for (const [k, v] of Object.entries(config.data ?? {})) fields.set(pathKey('data', k), JSON.stringify(v))
  // stringData never exists in the live object, so owning it neither conflicts nor removes anything
  // (kubernetes#108008); its value still lands in `data` through the conversion.
  for (const k of Object.keys(config.stringData ?? {})) fields.set(pathKey('stringData', k), undefined)
  if (config.type !== undefined) fields.set(pathKey('type'), JSON.stringify(config.type))
  if (config.immutable !== undefined) fields.set(pathKey('immutable'), JSON.stringify(config.immutable))
  return fields
}

function setField(secret: SecretObject, key: string, value: string | undefined): void {
  const [first, second, third] = pathSegments(key)
  const parse = (): string => JSON.parse(value as string) as string
  if (first === 'type') {
    if (value !== undefined) secret.type = parse()
  } else if (first === 'immutable') {
    if (value === undefined) delete secret.immutable
    else secret.immutable = JSON.parse(value) as boolean
  } else if (first === 'data' && second !== undefined) {
    if (value === undefined) {
      if (secret.data) delete secret.data[second]
    } else {
      secret.data = { ...secret.data, [second]: parse() }
    }
  } else if (
    first === 'metadata' &&
    (second === 'labels' || second === 'annotations') &&
    third !== undefined
  ) {
    if (value === undefined) {
      const record = secret.metadata[second]
      if (record) delete record[third]
    } else {
      secret.metadata[second] = { ...secret.metadata[second], [third]: parse() }
    }
  }
}

const sameEntry = (e: ManagerEntry, manager: string, operation: Operation): boolean =>
  e.manager === manager && e.operation === operation

function prune(entries: ManagerEntry[]): ManagerEntry[] {
  return entries.filter(e => e.fields.size > 0)
}

/** Managed fields after an Update by `manager` that turned `before` (undefined on create) into `after`. */
export function trackUpdate(
  entries: ManagerEntry[],
  before: SecretObject | undefined,
  after: SecretObject,
  manager: string,
  now: string
): ManagerEntry[] {
  return trackFieldUpdate(entries, fieldValues(before), fieldValues(after), manager, now)
}

/**
 * The Update rule on fields of any kind: `old` and `next` map each field's `pathKey()` to a comparable value, before
 * and after the write. The Deployments double tracks its own fields with it.
 */
export function trackFieldUpdate(
  entries: ManagerEntry[],
  old: Map<string, string>,
  next: Map<string, string>,
  manager: string,
  now: string
): ManagerEntry[] {
  const changed = new Set<string>()
  for (const [k, v] of next) if (old.get(k) !== v) changed.add(k)
  const removed = [...old.keys()].filter(k => !next.has(k))
  const result = entries.map(e => ({ ...e, fields: new Set(e.fields) }))
  for (const e of result) {
    for (const k of removed) e.fields.delete(k)
    if (!sameEntry(e, manager, 'Update')) for (const k of changed) e.fields.delete(k)
  }
  if (changed.size > 0) {
    let own = result.find(e => sameEntry(e, manager, 'Update'))
    if (!own) {
      own = { manager, operation: 'Update', time: now, fields: new Set() }
      result.push(own)
    }
    for (const k of changed) own.fields.add(k)
    own.time = now
  }
  return prune(result)
}

/** A manager as the server names it in a conflict: Update managers carry their API version (conflict.go). */
const managerText = (e: ManagerEntry): string =>
  e.operation === 'Update' ? `${JSON.stringify(e.manager)} using v1` : JSON.stringify(e.manager)

/** 409 of a conflicting apply (k8s.io/apiserver .../fieldmanager/internal/conflict.go NewConflictError). */
function applyConflict(conflicts: { entry: ManagerEntry; key: string }[]): StatusError {
  const causes = conflicts.map(c => ({
    reason: 'FieldManagerConflict',
    message: `conflict with ${managerText(c.entry)}`,
    field: pathText(c.key)
  }))
  let message: string
  if (conflicts.length === 1) {
    const [only] = conflicts as [{ entry: ManagerEntry; key: string }]
    message = `Apply failed with 1 conflict: conflict with ${managerText(only.entry)}: ${pathText(only.key)}`
  } else {
    const byManager = new Map<string, string[]>()
    for (const c of conflicts) {
      const name = managerText(c.entry)
      byManager.set(name, [...(byManager.get(name) ?? []), pathText(c.key)])
    }
    const lines: string[] = []
    for (const name of [...byManager.keys()].sort()) {
      lines.push(`conflicts with ${name}:`, ...(byManager.get(name) ?? []).map(p => `- ${p}`))
    }
    message = `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`
  }
  return new StatusError(409, 'Conflict', message, { causes })
}

/**
 * Server-side apply of `config` by `manager` onto `live` (undefined when apply creates the object).
 * Returns the merged object and the managed fields, or the 409 conflict.
 */
export function applyConfig(
  entries: ManagerEntry[],
  live: SecretObject,
  liveExists: boolean,
  config: AppliedConfig,
  manager: string,
  force: boolean,
  now: string
): { merged: SecretObject; entries: ManagerEntry[] } | StatusError {
  const merged = structuredClone(live)
  const before = fieldValues(liveExists ? live : undefined)
  const wanted = appliedFields(config)
  const result = entries.map(e => ({ ...e, fields: new Set(e.fields) }))
  const own = result.find(e => sameEntry(e, manager, 'Apply'))
  const others = result.filter(e => e !== own)

  const conflicts: { entry: ManagerEntry; key: string }[] = []
  for (const [key, value] of wanted) {
    if (value === undefined) {
      const [, k] = pathSegments(key)
      const stringValue = config.stringData?.[k as string] ?? ''
      setField(
        merged,
        pathKey('data', k as string),
        JSON.stringify(Buffer.from(stringValue).toString('base64'))
      )
      continue
    }
    if (before.get(key) !== value) {
      for (const e of others) if (e.fields.has(key)) conflicts.push({ entry: e, key })
    }
    setField(merged, key, value)
  }
  if (conflicts.length > 0 && !force) {
    conflicts.sort((a, b) =>
      a.entry.manager === b.entry.manager
        ? a.key < b.key
          ? -1
          : 1
        : a.entry.manager < b.entry.manager
          ? -1
          : 1
    )
    return applyConflict(conflicts)
  }
  for (const { entry, key } of conflicts) entry.fields.delete(key)

  for (const key of own?.fields ?? []) {
    if (wanted.has(key)) continue
    if (others.some(e => e.fields.has(key))) continue
    setField(merged, key, undefined)
  }
  for (const record of [merged.data, merged.metadata.labels, merged.metadata.annotations]) {
    if (record && Object.keys(record).length === 0) {
      if (record === merged.data) delete merged.data
      else if (record === merged.metadata.labels) delete merged.metadata.labels
      else delete merged.metadata.annotations
    }
  }

  const applied: ManagerEntry = { manager, operation: 'Apply', time: now, fields: new Set(wanted.keys()) }
  const kept = others
  // Fields the apply removed leave every manager.
  const after = fieldValues(merged)
  for (const e of kept)
    for (const k of [...e.fields]) if (!after.has(k) && !k.startsWith('["stringData"')) e.fields.delete(k)
  return { merged, entries: prune([...kept, applied]) }
}

/** A path segment as FieldsV1 names it: `f:name` for a field, `v:`/`k:` list elements as they are. */
const fieldName = (segment: string): string => (/^[vk]:/.test(segment) ? segment : `f:${segment}`)

function encodeFields(fields: Set<string>): FieldsV1 {
  const root: FieldsV1 = {}
  const keys = [...fields].map(pathSegments)
  for (const segments of keys) {
    let node = root
    for (const s of segments) node = node[fieldName(s)] ??= {}
  }
  // A field that is owned and also has owned children is marked with `.` inside its node.
  for (const segments of keys) {
    let node = root
    for (const s of segments) node = node[fieldName(s)] as FieldsV1
    if (Object.keys(node).length > 0) node['.'] = {}
  }
  return sortFields(root)
}

function sortFields(node: FieldsV1): FieldsV1 {
  const sortedNode: FieldsV1 = {}
  const keys = Object.keys(node).sort((a, b) => (a === '.' ? -1 : b === '.' ? 1 : a < b ? -1 : a > b ? 1 : 0))
  for (const k of keys) sortedNode[k] = sortFields(node[k] as FieldsV1)
  return sortedNode
}

/** Serialized managedFields in the server's order (managedfields.go sortEncodedManagedFields). */
export function encodeManagedFields(entries: ManagerEntry[]): ManagedFieldsEntry[] {
  return [...entries]
    .sort((a, b) =>
      a.operation !== b.operation
        ? a.operation < b.operation
          ? -1
          : 1
        : a.time !== b.time
          ? a.time < b.time
            ? -1
            : 1
          : a.manager < b.manager
            ? -1
            : a.manager > b.manager
              ? 1
              : 0
    )
    .map(e => ({
      manager: e.manager,
      operation: e.operation,
      apiVersion: 'v1',
      time: e.time,
      fieldsType: 'FieldsV1',
      fieldsV1: encodeFields(e.fields)
    }))
}
