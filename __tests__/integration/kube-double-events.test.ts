// Events in the Kubernetes API double, driven by the real @kubernetes/client-node over HTTPS (raw HTTPS where the
// client would hide what the server sent): events.k8s.io/v1 create with the API server's validation, list and get
// in events.k8s.io/v1 and core/v1 with their field selectors, RBAC, dry run and discovery.
import { CoreV1Api, EventsV1Api, V1MicroTime, type EventsV1Event } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { failure } from '../doubles/api-failure.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest } from '../doubles/raw-request.js'

const ns = 'dagster-prd'
const user = 'system:serviceaccount:ci:gke-secrets-sync'
const eventsPath = `/apis/events.k8s.io/v1/namespaces/${ns}/events`

/** A valid events.k8s.io/v1 Event about a Secret, as JSON on the wire. */
const wire = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  apiVersion: 'events.k8s.io/v1',
  kind: 'Event',
  metadata: { name: 'token.17f3a', namespace: ns },
  eventTime: '2025-03-04T05:06:07.123456Z',
  reportingController: 'gke-secrets-sync',
  reportingInstance: 'github-run-4242-1',
  action: 'Update',
  reason: 'SecretUpdated',
  type: 'Normal',
  regarding: {
    apiVersion: 'v1',
    kind: 'Secret',
    name: 'token',
    namespace: ns,
    uid: 'u-1',
    resourceVersion: '7'
  },
  note: 'Value updated by gke-secrets-sync',
  ...overrides
})

describe('kube API double: Events', () => {
  let double: KubeDouble
  let denied: Set<string>
  let events: EventsV1Api
  let core: CoreV1Api

  const post = (body: unknown, query = ''): ReturnType<typeof rawRequest> =>
    rawRequest(double, `${eventsPath}${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })

  beforeEach(async () => {
    denied = new Set()
    double = await startKubeDouble({ authorize: a => !denied.has(`${a.verb} ${a.apiGroup}/${a.resource}`) })
    events = kubeConfigFor(double).makeApiClient(EventsV1Api)
    core = kubeConfigFor(double).makeApiClient(CoreV1Api)
  })
  afterEach(() => double.close())

  it("creates an Event through client-node's EventsV1Api with a MicroTime and answers it with its metadata", async () => {
    const body: EventsV1Event = {
      metadata: { name: 'token.1' },
      eventTime: new V1MicroTime('2025-03-04T05:06:07.123Z'),
      reportingController: 'gke-secrets-sync',
      reportingInstance: 'github-run-4242-1',
      action: 'Create',
      reason: 'SecretCreated',
      type: 'Normal',
      regarding: { apiVersion: 'v1', kind: 'Secret', name: 'token', namespace: ns },
      note: 'Created'
    }
    const created = await events.createNamespacedEvent({
      namespace: ns,
      body,
      fieldManager: 'gke-secrets-sync'
    })
    expect(created).toMatchObject({
      kind: 'Event',
      apiVersion: 'events.k8s.io/v1',
      metadata: { name: 'token.1', namespace: ns },
      reason: 'SecretCreated',
      regarding: { kind: 'Secret', name: 'token' }
    })
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.metadata?.managedFields?.[0]).toMatchObject({
      manager: 'gke-secrets-sync',
      operation: 'Update',
      apiVersion: 'events.k8s.io/v1'
    })
    const [stored] = double.listEvents(ns)
    // Stored to the microsecond, in UTC.
    expect(stored?.eventTime).toBe('2025-03-04T05:06:07.123000Z')
    expect(double.writes().at(-1)).toMatchObject({ method: 'POST', path: eventsPath, status: 201 })
  })

  it.each([
    ['milliseconds, as Date.toISOString() writes them', '2025-03-04T05:06:07.123Z', '".123Z" as ".000000"'],
    ['whole seconds', '2025-03-04T05:06:07Z', '"Z" as ".000000"'],
    ['nanoseconds', '2025-03-04T05:06:07.123456789Z', '"789Z" as "Z07:00"']
  ])(
    'refuses an eventTime in %s with 400, before validation, as MicroTime parses it',
    async (_, time, detail) => {
      const r = await post(wire({ eventTime: time }))
      expect(r.status).toBe(400)
      expect(JSON.parse(r.body)).toMatchObject({
        reason: 'BadRequest',
        message: `Event in version "v1" cannot be handled as a Event: parsing time "${time}" as "2006-01-02T15:04:05.000000Z07:00": cannot parse ${detail}`
      })
      expect(double.listEvents(ns)).toEqual([])
    }
  )

  const long = (n: number): string => 'x'.repeat(n)
  it.each([
    ['no eventTime', { eventTime: undefined }, 'eventTime: Required value'],
    [
      'a type other than Normal or Warning',
      { type: 'Info' },
      'type: Invalid value: "": has invalid value: Info'
    ],
    ['no reportingController', { reportingController: undefined }, 'reportingController: Required value'],
    [
      'a reportingController that is not a qualified name',
      { reportingController: 'gke secrets sync' },
      'reportingController: Invalid value: "gke secrets sync": name part must consist of alphanumeric characters'
    ],
    ['no reportingInstance', { reportingInstance: '' }, 'reportingInstance: Required value'],
    [
      'a reportingInstance of 129',
      { reportingInstance: long(129) },
      'reportingInstance: Invalid value: "": can have at most 128 characters'
    ],
    ['no action', { action: undefined }, 'action: Required value'],
    ['an action of 129', { action: long(129) }, 'action: Invalid value: "": can have at most 128 characters'],
    ['no reason', { reason: undefined }, 'reason: Required value'],
    ['a reason of 129', { reason: long(129) }, 'reason: Invalid value: "": can have at most 128 characters'],
    // Go's len() counts bytes: 513 two-byte characters are 1,026 bytes.
    [
      'a note of 1,026 bytes',
      { note: 'é'.repeat(513) },
      'message: Invalid value: "": can have at most 1024 characters'
    ],
    [
      'regarding without a namespace',
      { regarding: { apiVersion: 'v1', kind: 'Secret', name: 'token' } },
      'involvedObject.namespace: Invalid value: "": does not match event.namespace'
    ],
    [
      'no name',
      { metadata: { namespace: ns } },
      'metadata.name: Required value: name or generateName is required'
    ],
    ['a deprecatedCount', { deprecatedCount: 3 }, 'count: Invalid value: "": needs to be unset'],
    [
      'a deprecatedSource',
      { deprecatedSource: { component: 'x' } },
      'source: Invalid value: "": needs to be unset'
    ]
  ])('refuses an Event with %s: 422 in the words of ValidateEventCreate', async (_, overrides, message) => {
    const r = await post(wire(overrides))
    expect(r.status).toBe(422)
    const status = JSON.parse(r.body) as { message: string; reason: string; details: object }
    expect(status.reason).toBe('Invalid')
    expect(status.message).toMatch(/^Event\.events\.k8s\.io "[^"]*" is invalid: /)
    expect(status.message).toContain(message)
    expect(status.details).toMatchObject({ group: 'events.k8s.io', kind: 'Event' })
    expect(double.listEvents(ns)).toEqual([])
  })

  it('accepts a note of exactly 1 KiB and reason, action and reportingInstance of 128', async () => {
    const r = await post(
      wire({ note: 'n'.repeat(1024), reason: long(128), action: long(128), reportingInstance: long(128) })
    )
    expect(r.status).toBe(201)
  })

  it('answers AlreadyExists for a second Event of the same name, and 404 for a namespace that does not exist', async () => {
    expect((await post(wire())).status).toBe(201)
    const again = await post(wire())
    expect(again.status).toBe(409)
    expect(JSON.parse(again.body)).toMatchObject({
      reason: 'AlreadyExists',
      message: 'events.events.k8s.io "token.17f3a" already exists',
      details: { name: 'token.17f3a', group: 'events.k8s.io', kind: 'events' }
    })
    const missing = await rawRequest(double, '/apis/events.k8s.io/v1/namespaces/nowhere/events', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        wire({ metadata: { name: 'x.1' }, regarding: { kind: 'Secret', name: 'x', namespace: 'nowhere' } })
      )
    })
    expect(missing.status).toBe(404)
    expect(JSON.parse(missing.body)).toMatchObject({ message: 'namespaces "nowhere" not found' })
  })

  it('checks but stores nothing in a dry run, and names an Event from generateName', async () => {
    const dry = await post(wire(), '?dryRun=All')
    expect(dry.status).toBe(201)
    expect(double.listEvents(ns)).toEqual([])
    const generated = await post(wire({ metadata: { generateName: 'token.' } }))
    expect(generated.status).toBe(201)
    expect((JSON.parse(generated.body) as { metadata: { name: string } }).metadata.name).toMatch(
      /^token\.[a-z0-9]{5}$/
    )
  })

  it('refuses a create without RBAC with the 403 of the events.k8s.io group', async () => {
    denied.add('create events.k8s.io/events')
    const refused = await failure(
      events.createNamespacedEvent({ namespace: ns, body: wire() as unknown as EventsV1Event })
    )
    expect(refused.code).toBe(403)
    expect(refused.status).toMatchObject({
      reason: 'Forbidden',
      message: `events.events.k8s.io is forbidden: User "${user}" cannot create resource "events" in API group "events.k8s.io" in the namespace "${ns}"`,
      details: { group: 'events.k8s.io', kind: 'events' }
    })
    expect(double.listEvents(ns)).toEqual([])
  })

  describe('listed', () => {
    beforeEach(async () => {
      const about = (name: string, kind = 'Secret', apiVersion = 'v1') => ({
        metadata: { name: `${name}.${kind.toLowerCase()}` },
        regarding: { apiVersion, kind, name, namespace: ns }
      })
      for (const body of [
        wire(about('token')),
        wire({ ...about('other'), type: 'Warning', reason: 'DriftRestored' }),
        wire(about('token', 'Deployment', 'apps/v1'))
      ])
        expect((await post(body)).status).toBe(201)
    })

    it('through core/v1 as kubectl events --for secret/token asks, in the core shape', async () => {
      const list = await rawRequest(
        double,
        `/api/v1/namespaces/${ns}/events?fieldSelector=${encodeURIComponent('involvedObject.kind=Secret,involvedObject.apiVersion=v1,involvedObject.name=token')}&limit=500`
      )
      expect(list.status).toBe(200)
      const body = JSON.parse(list.body) as {
        kind: string
        apiVersion: string
        items: Record<string, unknown>[]
      }
      expect(body).toMatchObject({ kind: 'EventList', apiVersion: 'v1' })
      expect(body.items).toHaveLength(1)
      expect(body.items[0]).toMatchObject({
        metadata: { name: 'token.secret', namespace: ns },
        involvedObject: { kind: 'Secret', name: 'token', namespace: ns },
        reason: 'SecretUpdated',
        message: 'Value updated by gke-secrets-sync',
        source: {},
        firstTimestamp: null,
        lastTimestamp: null,
        type: 'Normal',
        eventTime: '2025-03-04T05:06:07.123456Z',
        action: 'Update',
        reportingComponent: 'gke-secrets-sync',
        reportingInstance: 'github-run-4242-1'
      })
      // client-node reads the same list into CoreV1Event objects.
      const typed = await core.listNamespacedEvent({ namespace: ns, fieldSelector: 'type=Warning' })
      expect(typed.items.map(e => e.involvedObject.name)).toEqual(['other'])
    })

    it.each([
      ['regarding.name=token', ['token.deployment', 'token.secret']],
      ['regarding.kind=Secret', ['other.secret', 'token.secret']],
      ['reason=DriftRestored', ['other.secret']],
      ['reportingController=gke-secrets-sync,type!=Warning', ['token.deployment', 'token.secret']],
      ['source=gke-secrets-sync,regarding.apiVersion=apps/v1', ['token.deployment']]
    ])('through events.k8s.io/v1 with fieldSelector %s', async (selector, names) => {
      const list = await events.listNamespacedEvent({ namespace: ns, fieldSelector: selector })
      expect(list.items.map(e => e.metadata?.name)).toEqual(names)
    })

    it.each([
      [eventsPath, 'involvedObject.name=token', 'involvedObject.name'],
      [`/api/v1/namespaces/${ns}/events`, 'regarding.name=token', 'regarding.name'],
      [`/api/v1/namespaces/${ns}/events`, 'reportingController=x', 'reportingController']
    ])('answers 400 on %s for the other version’s field label %s', async (path, selector, label) => {
      const r = await rawRequest(double, `${path}?fieldSelector=${encodeURIComponent(selector)}`)
      expect(r.status).toBe(400)
      expect(JSON.parse(r.body)).toMatchObject({ message: `field label not supported: ${label}` })
    })

    it('gets one Event in either version, and 404 in the words of each', async () => {
      const one = await core.readNamespacedEvent({ name: 'token.secret', namespace: ns })
      expect(one.message).toBe('Value updated by gke-secrets-sync')
      const gone = await rawRequest(double, `${eventsPath}/nothing`)
      expect(JSON.parse(gone.body)).toMatchObject({
        code: 404,
        message: 'events.events.k8s.io "nothing" not found'
      })
      const goneCore = await failure(core.readNamespacedEvent({ name: 'nothing', namespace: ns }))
      expect(goneCore.status.message).toBe('events "nothing" not found')
    })

    it('refuses a list without RBAC in the core group', async () => {
      denied.add('list /events')
      const refused = await failure(core.listNamespacedEvent({ namespace: ns }))
      expect(refused.code).toBe(403)
      expect(refused.status.message).toBe(
        `events is forbidden: User "${user}" cannot list resource "events" in API group "" in the namespace "${ns}"`
      )
    })
  })

  it('lists events.k8s.io in /apis and events in both versions’ discovery', async () => {
    const groups = JSON.parse((await rawRequest(double, '/apis')).body) as { groups: { name: string }[] }
    expect(groups.groups.map(g => g.name)).toContain('events.k8s.io')
    const v1 = JSON.parse((await rawRequest(double, '/apis/events.k8s.io/v1')).body) as {
      resources: { name: string; kind: string; verbs: string[] }[]
    }
    expect(v1.resources).toEqual([
      expect.objectContaining({ name: 'events', kind: 'Event', namespaced: true })
    ])
    const coreList = JSON.parse((await rawRequest(double, '/api/v1')).body) as {
      resources: { name: string }[]
    }
    expect(coreList.resources.map(r => r.name)).toEqual(['namespaces', 'secrets', 'events'])
  })
})
