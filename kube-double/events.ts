// Events, the one REST storage the API server serves in two shapes: events.k8s.io/v1 (what controllers create)
// and core/v1 (what `kubectl events` lists: `GET /api/v1/namespaces/NS/events?fieldSelector=involvedObject.kind=
// Secret,involvedObject.apiVersion=v1,involvedObject.name=NAME&limit=500`, k8s.io/kubectl pkg/cmd/events/events.go).
// After kubernetes pkg/registry/core/event (strategy.go), pkg/apis/core/validation/events.go (ValidateEventCreate)
// and pkg/apis/events/v1/conversion.go (regarding <-> involvedObject, note <-> message, reportingController <->
// reportingComponent, deprecated* <-> the core fields):
// - create (events.k8s.io/v1 only): decode (400; `eventTime` is a MicroTime, parsed with exactly six fractional
//   digits, apimachinery meta/v1 micro_time.go), namespace of the body (400), namespace exists (404), exists (409),
//   validation (422 `Event.events.k8s.io "x" is invalid`, field paths in the internal (core) names: `message` for
//   the note, `involvedObject` for regarding); dry run; generateName; managedFields of the creating manager.
// - list and get in both versions; field selectors as EventToSelectableFields: `regarding.*` (events.k8s.io) or
//   `involvedObject.*` (core), `reason`, `reportingController`/`reportingComponent`, `source`, `type`, `metadata.*`;
//   server-side printing for `kubectl get events` (pkg/printers/internalversion/printers.go printEvent, all columns:
//   the API server prints wide and kubectl hides the priority-1 ones).
// Not modelled: update, patch, delete, watch, creates through core/v1, and the Events' TTL (an hour by default).
import { randomBytes, randomUUID } from 'node:crypto'
import { goJsonType } from './decode.js'
import { listPage, type Listable } from './paging.js'
import type { Reply, WriteOptions } from './secrets.js'
import { StatusError, badRequest, fieldInvalid, fieldRequired, notFound, type FieldError } from './status.js'
import { timestamp, type KubeStore } from './store.js'
import { acceptedTableVersion, column, humanDuration } from './table.js'
import { isDns1123Subdomain, isQualifiedName } from './validation.js'

export const eventsGroup = 'events.k8s.io'
const eventsVersion = { groupVersion: `${eventsGroup}/v1`, version: 'v1' }

// Discovery: `/apis` lists the group, `/apis/events.k8s.io[/v1]` describe it, and core/v1 lists `events` too.
export const eventsGroupEntry = {
  name: eventsGroup,
  versions: [eventsVersion],
  preferredVersion: eventsVersion
}
export const eventsApiGroup = { kind: 'APIGroup', apiVersion: 'v1', ...eventsGroupEntry }
const eventsDiscovery = {
  name: 'events',
  singularName: 'event',
  namespaced: true,
  kind: 'Event',
  verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
  shortNames: ['ev']
}
export const coreEventsDiscovery = eventsDiscovery
export const eventsV1Resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: eventsVersion.groupVersion,
  resources: [eventsDiscovery]
}

/** The version an Events request was made in: events.k8s.io/v1, or core/v1 (`/api/v1`). */
export type EventsVersion = 'events.k8s.io/v1' | 'v1'

interface ObjectReference {
  apiVersion?: string
  kind?: string
  name?: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  fieldPath?: string
}

/** An Event as stored: the events.k8s.io/v1 fields (the core fields are conversions of these). */
interface EventObject {
  name: string
  namespace: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  eventTime?: string
  series?: { count?: number; lastObservedTime?: string }
  reportingController?: string
  reportingInstance?: string
  action?: string
  reason?: string
  regarding: ObjectReference
  related?: ObjectReference
  note?: string
  type?: string
  deprecatedSource?: { component?: string; host?: string }
  deprecatedFirstTimestamp?: string
  deprecatedLastTimestamp?: string
  deprecatedCount?: number
}

interface StoredEvent {
  event: EventObject
  uid: string
  resourceVersion: string
  creationTimestamp: string
  manager: string
}

/** events.k8s.io/v1 Event as the API returns it. */
export interface EventsV1Like {
  kind?: 'Event'
  apiVersion?: string
  metadata: {
    name: string
    namespace: string
    uid: string
    resourceVersion: string
    creationTimestamp: string
  }
  eventTime: string | null
  reportingController?: string
  reportingInstance?: string
  action?: string
  reason?: string
  regarding: ObjectReference
  note?: string
  type?: string
  [field: string]: unknown
}

/** pkg/apis/core/validation/events.go. */
const limits = { reportingInstance: 128, action: 128, reason: 128, note: 1024 }
/** metav1.RFC3339Micro. */
const microTimeLayout = '2006-01-02T15:04:05.000000Z07:00'

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)

const cannotHandle = (detail: string): StatusError =>
  badRequest(`Event in version "v1" cannot be handled as a Event: ${detail}`)

/**
 * A MicroTime as metav1.MicroTime.UnmarshalJSON reads it: `time.Parse(RFC3339Micro, s)`, whose `.000000` takes
 * exactly six digits. JavaScript's toISOString() (three) is refused; `null` is the zero time.
 */
function parseMicroTime(value: unknown, goField: string): string | undefined | StatusError {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(value)} into Go struct field ${goField} of type string`
    )
  }
  const match = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(.*)$/.exec(value)
  if (!match)
    return cannotHandle(
      `parsing time ${JSON.stringify(value)} as "${microTimeLayout}": cannot parse ${JSON.stringify(value)} as "2006"`
    )
  const rest = match[2] as string
  if (!/^\.\d{6}/.test(rest)) {
    return cannotHandle(
      `parsing time ${JSON.stringify(value)} as "${microTimeLayout}": cannot parse ${JSON.stringify(rest)} as ".000000"`
    )
  }
  const zone = rest.slice(7)
  if (!/^(Z|[+-]\d{2}:\d{2})$/.test(zone) || Number.isNaN(Date.parse(value))) {
    return cannotHandle(
      `parsing time ${JSON.stringify(value)} as "${microTimeLayout}": cannot parse ${JSON.stringify(zone)} as "Z07:00"`
    )
  }
  // Stored and returned in UTC, to the microsecond.
  const micros = rest.slice(1, 7)
  return `${new Date(Date.parse(value)).toISOString().slice(0, 19)}.${micros}Z`
}

/** A metav1.Time (RFC 3339, any fraction); `null` is the zero time. */
function parseTime(value: unknown, goField: string): string | undefined | StatusError {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(value)} into Go struct field ${goField} of type string`
    )
  }
  return timestamp(new Date(value))
}

function stringField(
  body: Record<string, unknown>,
  field: string,
  goField: string
): string | undefined | StatusError {
  const v = body[field]
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'string') {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(v)} into Go struct field ${goField} of type string`
    )
  }
  return v
}

function reference(value: unknown, goField: string): ObjectReference | StatusError {
  if (value === undefined || value === null) return {}
  if (!isRecord(value)) {
    return cannotHandle(
      `json: cannot unmarshal ${goJsonType(value)} into Go struct field ${goField} of type v1.ObjectReference`
    )
  }
  const out: ObjectReference = {}
  for (const key of [
    'apiVersion',
    'kind',
    'name',
    'namespace',
    'uid',
    'resourceVersion',
    'fieldPath'
  ] as const) {
    const v = stringField(value, key, `${goField}.${key}`)
    if (v instanceof StatusError) return v
    if (v) out[key] = v
  }
  return out
}

/** The events.k8s.io/v1 JSON decoder; unknown fields are dropped, as without fieldValidation=Strict. */
function decodeEvent(
  body: unknown
): { event: Omit<EventObject, 'namespace'> & { namespace?: string }; generateName?: string } | StatusError {
  if (!isRecord(body))
    return cannotHandle(`json: cannot unmarshal ${goJsonType(body)} into Go value of type v1.Event`)
  if (body.kind !== undefined && body.kind !== 'Event') {
    return badRequest(`the object provided is unrecognized (must be of type Event): ${String(body.kind)}`)
  }
  if (body.apiVersion !== undefined && body.apiVersion !== eventsVersion.groupVersion) {
    return badRequest(
      `the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${eventsVersion.groupVersion})`
    )
  }
  const meta = isRecord(body.metadata) ? body.metadata : {}
  const strings: Record<string, string | undefined> = {}
  for (const [field, goField] of [
    ['name', 'Event.metadata.name'],
    ['generateName', 'Event.metadata.generateName'],
    ['namespace', 'Event.metadata.namespace']
  ] as const) {
    const v = stringField(meta, field, goField)
    if (v instanceof StatusError) return v
    strings[field] = v
  }
  for (const field of [
    'reportingController',
    'reportingInstance',
    'action',
    'reason',
    'note',
    'type'
  ] as const) {
    const v = stringField(body, field, `Event.${field}`)
    if (v instanceof StatusError) return v
    strings[field] = v
  }
  const eventTime = parseMicroTime(body.eventTime, 'Event.eventTime')
  if (eventTime instanceof StatusError) return eventTime
  const regarding = reference(body.regarding, 'Event.regarding')
  if (regarding instanceof StatusError) return regarding
  const related =
    body.related === undefined || body.related === null ? undefined : reference(body.related, 'Event.related')
  if (related instanceof StatusError) return related
  const first = parseTime(body.deprecatedFirstTimestamp, 'Event.deprecatedFirstTimestamp')
  if (first instanceof StatusError) return first
  const last = parseTime(body.deprecatedLastTimestamp, 'Event.deprecatedLastTimestamp')
  if (last instanceof StatusError) return last
  const series = isRecord(body.series) ? body.series : undefined
  const lastObserved = series
    ? parseMicroTime(series.lastObservedTime, 'EventSeries.lastObservedTime')
    : undefined
  if (lastObserved instanceof StatusError) return lastObserved
  const source = isRecord(body.deprecatedSource) ? body.deprecatedSource : {}
  const event: Omit<EventObject, 'namespace'> & { namespace?: string } = {
    name: strings.name ?? '',
    regarding,
    ...(strings.namespace && { namespace: strings.namespace }),
    ...(isRecord(meta.labels) && { labels: meta.labels as Record<string, string> }),
    ...(isRecord(meta.annotations) && { annotations: meta.annotations as Record<string, string> }),
    ...(eventTime && { eventTime }),
    ...(series && {
      series: { count: Number(series.count ?? 0), ...(lastObserved && { lastObservedTime: lastObserved }) }
    }),
    ...(strings.reportingController && { reportingController: strings.reportingController }),
    ...(strings.reportingInstance && { reportingInstance: strings.reportingInstance }),
    ...(strings.action && { action: strings.action }),
    ...(strings.reason && { reason: strings.reason }),
    ...(related && { related }),
    ...(strings.note && { note: strings.note }),
    ...(strings.type && { type: strings.type }),
    ...((typeof source.component === 'string' || typeof source.host === 'string') && {
      deprecatedSource: {
        ...(typeof source.component === 'string' && source.component && { component: source.component }),
        ...(typeof source.host === 'string' && source.host && { host: source.host })
      }
    }),
    ...(first && { deprecatedFirstTimestamp: first }),
    ...(last && { deprecatedLastTimestamp: last }),
    ...(typeof body.deprecatedCount === 'number' &&
      body.deprecatedCount !== 0 && { deprecatedCount: body.deprecatedCount })
  }
  return { event, ...(strings.generateName && { generateName: strings.generateName }) }
}

const tooLong = (field: string, max: number): FieldError =>
  fieldInvalid(field, '', `can have at most ${max} characters`)

/** ValidateEventCreate for a request in events.k8s.io/v1: the legacy checks, then the strict ones. */
function validateEvent(e: EventObject): FieldError[] {
  const errors: FieldError[] = []
  const bytes = (text: string | undefined): number => Buffer.byteLength(text ?? '')
  // legacyValidateEvent
  if (!e.eventTime) {
    const involved = e.regarding.namespace ?? ''
    if (involved === '' ? e.namespace !== '' && e.namespace !== 'default' : e.namespace !== involved) {
      errors.push(fieldInvalid('involvedObject.namespace', involved, 'does not match event.namespace'))
    }
  } else {
    if (!e.regarding.namespace && e.namespace !== 'default' && e.namespace !== 'kube-system') {
      errors.push(fieldInvalid('involvedObject.namespace', '', 'does not match event.namespace'))
    }
    const controller = e.reportingController ?? ''
    if (!controller) errors.push(fieldRequired('reportingController', ''))
    for (const m of isQualifiedName(controller))
      errors.push(fieldInvalid('reportingController', controller, m))
    if (!e.reportingInstance) errors.push(fieldRequired('reportingInstance', ''))
    if (bytes(e.reportingInstance) > limits.reportingInstance)
      errors.push(tooLong('reportingInstance', limits.reportingInstance))
    if (!e.action) errors.push(fieldRequired('action', ''))
    if (bytes(e.action) > limits.action) errors.push(tooLong('action', limits.action))
    if (!e.reason) errors.push(fieldRequired('reason', ''))
    if (bytes(e.reason) > limits.reason) errors.push(tooLong('reason', limits.reason))
    if (bytes(e.note) > limits.note) errors.push(tooLong('message', limits.note))
  }
  for (const m of isDns1123Subdomain(e.namespace)) errors.push(fieldInvalid('namespace', e.namespace, m))
  // Strict validation of events.k8s.io/v1.
  if (!e.name) errors.push(fieldRequired('metadata.name', 'name or generateName is required'))
  else for (const m of isDns1123Subdomain(e.name)) errors.push(fieldInvalid('metadata.name', e.name, m))
  if (e.series) {
    if ((e.series.count ?? 0) < 2) errors.push(fieldInvalid('series.count', '', 'should be at least 2'))
    if (!e.series.lastObservedTime) errors.push(fieldRequired('series.lastObservedTime', ''))
  }
  if (!e.eventTime) errors.push(fieldRequired('eventTime', ''))
  if (e.type !== 'Normal' && e.type !== 'Warning') {
    errors.push(fieldInvalid('type', '', `has invalid value: ${e.type ?? ''}`))
  }
  if (e.deprecatedFirstTimestamp) errors.push(fieldInvalid('firstTimestamp', '', 'needs to be unset'))
  if (e.deprecatedLastTimestamp) errors.push(fieldInvalid('lastTimestamp', '', 'needs to be unset'))
  if (e.deprecatedCount) errors.push(fieldInvalid('count', '', 'needs to be unset'))
  if (e.deprecatedSource?.component || e.deprecatedSource?.host)
    errors.push(fieldInvalid('source', '', 'needs to be unset'))
  return errors
}

/** 422 for an Event: `Event.events.k8s.io "x" is invalid: ...`, details with the group (errors.NewInvalid). */
function invalidEvent(name: string, errors: FieldError[]): StatusError {
  const messages = [...new Set(errors.map(e => `${e.field}: ${e.body}`))]
  const joined = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`
  return new StatusError(
    422,
    'Invalid',
    `Event.${eventsGroup} ${JSON.stringify(name)} is invalid: ${joined}`,
    {
      name,
      group: eventsGroup,
      kind: 'Event',
      causes: errors.map(e => ({ reason: e.type, message: e.body, field: e.field }))
    }
  )
}

/** names.SimpleNameGenerator. */
function generateName(prefix: string): string {
  const alphabet = 'bcdfghjklmnpqrstvwxz2456789'
  return prefix.slice(0, 63 - 5) + [...randomBytes(5)].map(b => alphabet[b % alphabet.length]).join('')
}

/** fieldsV1 of the fields an object sets (an Update owns every field it wrote). */
function fieldsOf(value: Record<string, unknown>): Record<string, unknown> {
  const fields: Record<string, unknown> = {}
  for (const [key, v] of Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (v === undefined) continue
    fields[`f:${key}`] = isRecord(v) ? fieldsOf(v) : {}
  }
  return fields
}

export class EventsApi {
  private readonly stored = new Map<string, Map<string, StoredEvent>>()

  constructor(private readonly store: KubeStore) {}

  private byName(namespace: string): Map<string, StoredEvent> {
    let map = this.stored.get(namespace)
    if (!map) this.stored.set(namespace, (map = new Map()))
    return map
  }

  private items(namespace: string): StoredEvent[] {
    return [...(this.stored.get(namespace)?.values() ?? [])].sort((a, b) =>
      a.event.name < b.event.name ? -1 : 1
    )
  }

  private qualified(version: EventsVersion): string {
    return version === 'v1' ? 'events' : `events.${eventsGroup}`
  }

  create(namespace: string, text: string, options: WriteOptions): Reply {
    let raw: unknown
    try {
      raw = JSON.parse(text)
    } catch (error) {
      throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`)
    }
    const decoded = decodeEvent(raw)
    if (decoded instanceof StatusError) throw decoded
    if (decoded.event.namespace && decoded.event.namespace !== namespace) {
      throw badRequest(
        'the namespace of the provided object does not match the namespace sent on the request'
      )
    }
    const event: EventObject = {
      ...decoded.event,
      namespace,
      name: decoded.event.name || (decoded.generateName ? generateName(decoded.generateName) : '')
    }
    if (!this.store.namespaces.has(namespace)) throw notFound('namespaces', namespace)
    const errors = validateEvent(event)
    if (errors.length > 0) throw invalidEvent(event.name, errors)
    if (this.byName(namespace).has(event.name)) {
      throw new StatusError(
        409,
        'AlreadyExists',
        `events.${eventsGroup} ${JSON.stringify(event.name)} already exists`,
        {
          name: event.name,
          group: eventsGroup,
          kind: 'events'
        }
      )
    }
    const stored: StoredEvent = {
      event,
      uid: randomUUID(),
      resourceVersion: options.dryRun ? '' : this.store.claimResourceVersion(),
      creationTimestamp: timestamp(),
      manager: options.manager
    }
    if (!options.dryRun) this.byName(namespace).set(event.name, stored)
    return { status: 201, body: this.render(stored, 'events.k8s.io/v1') }
  }

  list(namespace: string, query: URLSearchParams, version: EventsVersion, accept?: string): Reply {
    const regarding = version === 'v1' ? 'involvedObject' : 'regarding'
    const ref = (read: (r: ObjectReference) => string | undefined) => (s: StoredEvent) =>
      read(s.event.regarding) ?? ''
    const listable: Listable<StoredEvent> = {
      name: s => s.event.name,
      labels: s => s.event.labels,
      fields: {
        'metadata.name': s => s.event.name,
        'metadata.namespace': () => namespace,
        [`${regarding}.kind`]: ref(r => r.kind),
        [`${regarding}.namespace`]: ref(r => r.namespace),
        [`${regarding}.name`]: ref(r => r.name),
        [`${regarding}.uid`]: ref(r => r.uid),
        [`${regarding}.apiVersion`]: ref(r => r.apiVersion),
        [`${regarding}.resourceVersion`]: ref(r => r.resourceVersion),
        [`${regarding}.fieldPath`]: ref(r => r.fieldPath),
        reason: s => s.event.reason ?? '',
        [version === 'v1' ? 'reportingComponent' : 'reportingController']: s =>
          s.event.reportingController ?? '',
        source: s => s.event.deprecatedSource?.component || s.event.reportingController || '',
        type: s => s.event.type ?? ''
      }
    }
    const { page, metadata } = listPage(this.items(namespace), query, this.store.resourceVersion, listable)
    const table = acceptedTableVersion(accept)
    if (table) return { status: 200, body: eventTable(page, table, metadata) }
    return {
      status: 200,
      body: {
        kind: 'EventList',
        apiVersion: version,
        metadata,
        items: page.map(s => this.render(s, version, false))
      }
    }
  }

  get(namespace: string, name: string, version: EventsVersion, accept?: string): Reply {
    const stored = this.stored.get(namespace)?.get(name)
    if (!stored) {
      throw new StatusError(404, 'NotFound', `${this.qualified(version)} ${JSON.stringify(name)} not found`, {
        name,
        ...(version !== 'v1' && { group: eventsGroup }),
        kind: 'events'
      })
    }
    const table = acceptedTableVersion(accept)
    if (table) return { status: 200, body: eventTable([stored], table, { resourceVersion: '' }) }
    return { status: 200, body: this.render(stored, version) }
  }

  /** Every Event of a namespace as events.k8s.io/v1 returns it, for tests. */
  all(namespace: string): EventsV1Like[] {
    return this.items(namespace).map(s => this.render(s, 'events.k8s.io/v1') as EventsV1Like)
  }

  private render(s: StoredEvent, version: EventsVersion, withKind = true): object {
    const e = s.event
    const written: Record<string, unknown> = {
      eventTime: e.eventTime,
      series: e.series,
      reportingController: e.reportingController,
      reportingInstance: e.reportingInstance,
      action: e.action,
      reason: e.reason,
      regarding: e.regarding,
      related: e.related,
      note: e.note,
      type: e.type
    }
    const metadata = {
      name: e.name,
      namespace: e.namespace,
      uid: s.uid,
      ...(s.resourceVersion && { resourceVersion: s.resourceVersion }),
      creationTimestamp: s.creationTimestamp,
      ...(e.labels && { labels: e.labels }),
      ...(e.annotations && { annotations: e.annotations }),
      managedFields: [
        {
          manager: s.manager,
          operation: 'Update',
          apiVersion: eventsVersion.groupVersion,
          time: s.creationTimestamp,
          fieldsType: 'FieldsV1',
          fieldsV1: fieldsOf(written)
        }
      ]
    }
    const kind = withKind ? { kind: 'Event', apiVersion: version } : {}
    // Field order and empty values as the API server's JSON has them (omitempty keeps empty structs and null times).
    if (version === 'v1') {
      return {
        ...kind,
        metadata,
        involvedObject: e.regarding,
        ...(e.reason && { reason: e.reason }),
        ...(e.note && { message: e.note }),
        source: e.deprecatedSource ?? {},
        firstTimestamp: e.deprecatedFirstTimestamp ?? null,
        lastTimestamp: e.deprecatedLastTimestamp ?? null,
        ...(e.deprecatedCount && { count: e.deprecatedCount }),
        ...(e.type && { type: e.type }),
        eventTime: e.eventTime ?? null,
        ...(e.series && { series: e.series }),
        ...(e.action && { action: e.action }),
        ...(e.related && { related: e.related }),
        ...(e.reportingController && { reportingComponent: e.reportingController }),
        ...(e.reportingInstance && { reportingInstance: e.reportingInstance })
      }
    }
    return {
      ...kind,
      metadata,
      eventTime: e.eventTime ?? null,
      ...(e.series && { series: e.series }),
      ...(e.reportingController && { reportingController: e.reportingController }),
      ...(e.reportingInstance && { reportingInstance: e.reportingInstance }),
      ...(e.action && { action: e.action }),
      ...(e.reason && { reason: e.reason }),
      regarding: e.regarding,
      ...(e.related && { related: e.related }),
      ...(e.note && { note: e.note }),
      ...(e.type && { type: e.type }),
      deprecatedSource: e.deprecatedSource ?? {},
      deprecatedFirstTimestamp: e.deprecatedFirstTimestamp ?? null,
      deprecatedLastTimestamp: e.deprecatedLastTimestamp ?? null,
      ...(e.deprecatedCount && { deprecatedCount: e.deprecatedCount })
    }
  }
}

/** The age of a time, as printers.go translates it (`<unknown>` for none). */
function since(time: string | undefined, now: number): string {
  return time ? humanDuration(Math.floor((now - Date.parse(time)) / 1000)) : '<unknown>'
}

/** `kubectl get events`: the Table of printEvent, every column (the server prints wide). */
function eventTable(events: StoredEvent[], version: 'v1' | 'v1beta1', listMeta: object): object {
  const now = Date.now()
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: [
      column('Last Seen', 'The time at which the most recent occurrence of this event was recorded.'),
      column('Type', 'Type of this event (Normal, Warning), new types could be added in the future'),
      column(
        'Reason',
        "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."
      ),
      column('Object', 'The object that this event is about.'),
      column(
        'Subobject',
        'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
        '',
        1
      ),
      column(
        'Source',
        'The component reporting this event. Should be a short machine understandable string.',
        '',
        1
      ),
      column('Message', 'A human-readable description of the status of this operation.'),
      column(
        'First Seen',
        'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
        '',
        1
      ),
      column('Count', 'The number of times this event has occurred.', '', 1),
      column('Name', 'Name must be unique within a namespace.', 'name', 1)
    ],
    rows: events.map(({ event: e, ...s }) => {
      const first = since(e.deprecatedFirstTimestamp ?? e.eventTime, now)
      const last = e.series
        ? since(e.series.lastObservedTime, now)
        : e.deprecatedLastTimestamp
          ? since(e.deprecatedLastTimestamp, now)
          : first
      const count = e.series?.count ?? (e.deprecatedCount || 1)
      const kind = (e.regarding.kind ?? '').toLowerCase()
      const component = e.deprecatedSource?.component || e.reportingController || ''
      const instance = e.deprecatedSource?.host || e.reportingInstance || ''
      return {
        cells: [
          last,
          e.type ?? '',
          e.reason ?? '',
          e.regarding.name ? `${kind}/${e.regarding.name}` : kind,
          e.regarding.fieldPath ?? '',
          instance ? `${component}, ${instance}` : component,
          (e.note ?? '').trim(),
          first,
          count,
          e.name
        ],
        object: {
          kind: 'PartialObjectMetadata',
          apiVersion: `meta.k8s.io/${version}`,
          metadata: {
            name: e.name,
            namespace: e.namespace,
            uid: s.uid,
            resourceVersion: s.resourceVersion,
            creationTimestamp: s.creationTimestamp
          }
        }
      }
    })
  }
}
