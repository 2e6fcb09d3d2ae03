// The audit trail of a sync, with the real client-node over HTTPS against the Kubernetes double: the provenance
// annotations of each write, what each result records of the write's answer (for the Events), drift told apart from
// a rotation by the managedFields the double keeps (restored, or left failed with on_drift: fail, also when the
// Secret changes again between the read and the write), and the Events client: all recorded, a 403 said once,
// other failures counted, never thrown.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { recordEvents, RunEvents } from '../../src/kube/events-client.js'
import { SharedConnections, type RequestPolicy } from '../../src/kube/requests.js'
import { SecretsClient } from '../../src/kube/secrets-client.js'
import { eventName, secretEvents } from '../../src/sync/events.js'
import type { WorkloadRestart } from '../../src/sync/restarts.js'
import { Ownership } from '../../src/sync/ownership.js'
import { toDesiredSecret, type DesiredSecret } from '../../src/sync/plan.js'
import { selectSecrets } from '../../src/sync/selection.js'
import { pruneSecrets, syncSecrets, type SyncOptions } from '../../src/sync/sync.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest } from '../doubles/raw-request.js'

const NS = 'dagster-prd'
const PREFIX = 'DAGSTER_SECRET'
const NAME = 'dagster-secret-token'
const KEY = 'DAGSTER_SECRET_TOKEN'
const ownership = new Ownership(PREFIX, 'acme/dagster-infra')
const run = {
  repository: 'acme/dagster-infra',
  runUrl: 'https://github.com/acme/dagster-infra/actions/runs/4242/attempts/1',
  runId: '4242',
  runAttempt: '1',
  commit: '0123456789abcdef0123456789abcdef01234567',
  actor: 'octocat'
}
const b64 = (text: string): string => Buffer.from(text).toString('base64')

let kube: KubeDouble
let client: SecretsClient
let policy: RequestPolicy
beforeEach(async () => {
  kube = await startKubeDouble()
  policy = {
    connections: new SharedConnections(),
    requestTimeoutMs: 10_000,
    deadline: AbortSignal.timeout(30_000),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 }
  }
  client = new SecretsClient(kubeConfigFor(kube), { ...policy, namespace: NS, dryRun: false })
})
afterEach(() => kube.close())

const desired = (value: string): DesiredSecret[] =>
  selectSecrets({ [KEY]: value }, PREFIX).selected.map(secret =>
    toDesiredSecret(secret, ownership, { labels: {}, annotations: {} })
  )
const options = (extra: Partial<SyncOptions> = {}): SyncOptions => ({
  ownership,
  onConflict: 'fail',
  concurrency: 4,
  findUnclaimed: false,
  provenance: run,
  ...extra
})

/** A change by hand, as `kubectl edit` sends it: a merge patch under its field manager. */
async function editByHand(value: string, manager = 'kubectl-edit'): Promise<void> {
  const r = await rawRequest(kube, `/api/v1/namespaces/${NS}/secrets/${NAME}?fieldManager=${manager}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/strategic-merge-patch+json' },
    body: JSON.stringify({ data: { [KEY]: b64(value) } })
  })
  expect(r.status).toBe(200)
}

describe('provenance and the write’s answer', () => {
  it('records the run on a create and a value change, not on an unchanged run, and the answer’s uid and version', async () => {
    const first = await syncSecrets(
      client,
      desired('v1-leak-canary'),
      options({ now: () => new Date('2025-03-04T05:06:07Z') })
    )
    const created = kube.getSecret(NS, NAME)
    expect(created?.metadata.annotations).toMatchObject({
      'gke-secrets-sync/repository': 'acme/dagster-infra',
      'gke-secrets-sync/run-url': run.runUrl,
      'gke-secrets-sync/commit': run.commit,
      'gke-secrets-sync/actor': 'octocat',
      'gke-secrets-sync/written-at': '2025-03-04T05:06:07Z'
    })
    expect(first.results[0]).toMatchObject({
      state: 'created',
      written: {
        uid: created?.metadata.uid,
        resourceVersion: created?.metadata.resourceVersion,
        at: '2025-03-04T05:06:07.000Z',
        valueChanged: true
      }
    })

    kube.resetRequests()
    const later = { ...run, runUrl: 'https://github.com/acme/dagster-infra/actions/runs/4343/attempts/1' }
    const second = await syncSecrets(client, desired('v1-leak-canary'), options({ provenance: later }))
    expect(second.results[0]).toEqual({ githubName: KEY, secretName: NAME, state: 'unchanged' })
    expect(kube.writes()).toEqual([])

    const third = await syncSecrets(client, desired('v2-leak-canary'), options({ provenance: later }))
    const updated = kube.getSecret(NS, NAME)
    expect(updated?.metadata.annotations?.['gke-secrets-sync/run-url']).toBe(later.runUrl)
    expect(third.results[0]).toMatchObject({
      state: 'updated',
      written: {
        uid: created?.metadata.uid,
        resourceVersion: updated?.metadata.resourceVersion,
        valueChanged: true
      }
    })
    expect(third.results[0]?.drift).toBeUndefined()
  })

  it('records the deleted version of a pruned Secret', async () => {
    await syncSecrets(client, desired('v1-leak-canary'), options())
    const listed = await client.list(ownership.selector)
    const [deleted] = await pruneSecrets(client, listed, { ownership, concurrency: 1 })
    expect(deleted).toMatchObject({
      state: 'deleted',
      written: { uid: listed[0]?.metadata?.uid, resourceVersion: listed[0]?.metadata?.resourceVersion }
    })
  })
})

describe('drift', () => {
  beforeEach(async () => {
    await syncSecrets(client, desired('from-github-leak-canary'), options())
  })

  it('is found after a change by hand, restored by default, with the manager, operation and time', async () => {
    await editByHand('edited-by-hand-leak-canary')
    const { results } = await syncSecrets(client, desired('from-github-leak-canary'), options())
    const stored = kube.getSecret(NS, NAME)
    expect(results[0]).toMatchObject({
      state: 'updated',
      detail: expect.stringContaining('changed in the cluster by kubectl-edit (Update at '),
      drift: {
        manager: 'kubectl-edit',
        operation: 'Update',
        time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      },
      written: { valueChanged: true, resourceVersion: stored?.metadata.resourceVersion }
    })
    expect(stored?.data?.[KEY]).toBe(b64('from-github-leak-canary'))
    // The restore made this action the last manager of the data again: the next run finds no drift.
    const again = await syncSecrets(client, desired('from-github-leak-canary'), options())
    expect(again.results[0]?.state).toBe('unchanged')
  })

  it('with on_drift: fail leaves the Secret as it is and fails it', async () => {
    await editByHand('edited-by-hand-leak-canary')
    kube.resetRequests()
    const { results } = await syncSecrets(
      client,
      desired('from-github-leak-canary'),
      options({ onDrift: 'fail' })
    )
    expect(results[0]).toMatchObject({
      state: 'failed',
      detail: expect.stringContaining('left as it is (on_drift: fail)'),
      drift: { manager: 'kubectl-edit' }
    })
    expect(results[0]?.written).toBeUndefined()
    expect(kube.writes()).toEqual([])
    expect(kube.getSecret(NS, NAME)?.data?.[KEY]).toBe(b64('edited-by-hand-leak-canary'))
  })

  it('is no drift when the hand edit already holds GitHub’s value, nor when only GitHub changed', async () => {
    await editByHand('new-github-value-leak-canary')
    expect(
      (await syncSecrets(client, desired('new-github-value-leak-canary'), options())).results[0]?.state
    ).toBe('unchanged')
    const rotated = await syncSecrets(
      client,
      desired('from-github-leak-canary'),
      options({ onDrift: 'fail' })
    )
    // kubectl-edit still owns the data key: its value was GitHub's, but the record cannot tell (docs/audit.md).
    expect(rotated.results[0]).toMatchObject({ state: 'failed', drift: { manager: 'kubectl-edit' } })
  })

  it('is seen again when the Secret changes between the read and the write', async () => {
    let edits = 0
    kube.beforeWrite = async ({ method }) => {
      if (method === 'PUT' && edits++ === 0) {
        kube.beforeWrite = undefined
        await editByHand('second-edit-leak-canary', 'kubectl-patch')
      }
    }
    const { results } = await syncSecrets(client, desired('rotated-leak-canary'), options())
    // The first write was planned as a rotation; its 409 made the sync read again and find the patch.
    expect(results[0]).toMatchObject({ state: 'updated', drift: { manager: 'kubectl-patch' } })
    expect(kube.getSecret(NS, NAME)?.data?.[KEY]).toBe(b64('rotated-leak-canary'))
  })
})

describe('recordEvents', () => {
  const eventsOf = async () => {
    const { results } = await syncSecrets(
      client,
      ['A', 'B', 'C', 'D', 'E'].flatMap(n =>
        desired('x').map(d => ({ ...d, secretName: `${NAME}-${n.toLowerCase()}` }))
      ),
      options()
    )
    return secretEvents(results, { namespace: NS, run })
  }
  const eventsPolicy = () => ({ ...policy, namespace: NS, concurrency: 2 })

  it('records every Event of a run, about the Secrets as written', async () => {
    const events = await eventsOf()
    const outcome = await recordEvents(kubeConfigFor(kube), events, eventsPolicy())
    expect(outcome).toEqual({ planned: 5, recorded: 5 })
    const stored = kube.listEvents(NS)
    expect(stored.map(e => e.regarding.name).sort()).toEqual(events.map(e => e.regarding.name).sort())
    for (const event of stored) {
      const secret = kube.getSecret(NS, event.regarding.name ?? '')
      expect(event.regarding).toMatchObject({
        uid: secret?.metadata.uid,
        resourceVersion: secret?.metadata.resourceVersion
      })
      expect(event.eventTime).toMatch(/\.\d{6}Z$/)
    }
  })

  it('stops at a 403 and says it once, sending no more than the requests already on their way', async () => {
    await kube.close()
    kube = await startKubeDouble({ authorize: a => a.resource !== 'events' })
    client = new SecretsClient(kubeConfigFor(kube), { ...policy, namespace: NS, dryRun: false })
    const events = await eventsOf()
    const outcome = await recordEvents(kubeConfigFor(kube), events, eventsPolicy())
    expect(outcome).toEqual({
      planned: 5,
      recorded: 0,
      forbidden: expect.stringContaining(
        '403 Forbidden: events.events.k8s.io is forbidden: User "system:serviceaccount:ci:gke-secrets-sync" cannot create resource "events" in API group "events.k8s.io"'
      )
    })
    expect(kube.requests.filter(r => r.path.includes('/events')).length).toBeLessThanOrEqual(2)
  })

  it('counts other failures after one retry, and never throws', async () => {
    const events = await eventsOf()
    kube.inject({ match: r => r.path.includes('/events'), times: 100, kind: 'status', code: 500 })
    const outcome = await recordEvents(kubeConfigFor(kube), events, eventsPolicy())
    expect(outcome).toMatchObject({
      planned: 5,
      recorded: 0,
      failed: { count: 5, message: expect.stringMatching(/^500 /) }
    })
    expect(kube.requests.filter(r => r.path.includes('/events'))).toHaveLength(10)
  })
})

describe('RunEvents: the Secrets first, then the restarts', () => {
  const restarted = (name: string): WorkloadRestart => ({
    kind: 'Deployment',
    name,
    namespace: NS,
    causes: [{ secretName: `${NAME}-a`, keys: [KEY] }],
    named: false,
    outcome: 'restarted',
    restartedAt: '2025-03-04T05:06:07Z',
    uid: `uid-${name}`
  })
  const sync = async () =>
    (
      await syncSecrets(
        client,
        ['a', 'b'].flatMap(n => desired('x').map(d => ({ ...d, secretName: `${NAME}-${n}` }))),
        options()
      )
    ).results
  const settings = (extra: object = {}) => ({
    ...policy,
    namespace: NS,
    concurrency: 2,
    recordEvents: true,
    dryRun: false,
    provenance: run,
    ...extra
  })

  it('sends each batch when asked, and adds them up', async () => {
    const results = await sync()
    const events = new RunEvents(kubeConfigFor(kube), settings())
    await events.recordSecrets(results)
    expect(kube.listEvents(NS).map(e => e.reason)).toEqual(['SecretCreated', 'SecretCreated'])
    expect(events.outcome).toEqual({ planned: 2, recorded: 2 })
    await events.recordRestarts([restarted('web'), { ...restarted('paused'), outcome: 'paused' }])
    expect(events.outcome).toEqual({ planned: 3, recorded: 3 })
    const [restart] = kube.listEvents(NS).filter(e => e.reason === 'WorkloadRestarted')
    expect(restart?.regarding).toMatchObject({ kind: 'Deployment', name: 'web', uid: 'uid-web' })
    // Numbered after the two Secrets' Events.
    expect(restart?.metadata.name).toBe(eventName('web', new Date('2025-03-04T05:06:07Z'), 2))
  })

  it('keeps the first failure and adds the counts of both batches', async () => {
    const results = await sync()
    kube.inject({ match: r => r.path.includes('/events'), times: 100, kind: 'status', code: 500 })
    const events = new RunEvents(kubeConfigFor(kube), settings())
    await events.recordSecrets(results)
    await events.recordRestarts([restarted('web')])
    expect(events.outcome).toMatchObject({
      planned: 3,
      recorded: 0,
      failed: { count: 3, message: expect.stringMatching(/^500 /) }
    })
  })

  it('after a 403 on the Secrets’ Events, sends no restart Event', async () => {
    await kube.close()
    kube = await startKubeDouble({ authorize: a => a.resource !== 'events' })
    client = new SecretsClient(kubeConfigFor(kube), { ...policy, namespace: NS, dryRun: false })
    const results = await sync()
    const events = new RunEvents(kubeConfigFor(kube), settings())
    await events.recordSecrets(results)
    const asked = kube.requests.filter(r => r.path.includes('/events')).length
    await events.recordRestarts([restarted('web')])
    expect(kube.requests.filter(r => r.path.includes('/events'))).toHaveLength(asked)
    expect(events.outcome).toMatchObject({
      planned: 2,
      recorded: 0,
      forbidden: expect.stringMatching(/^403 /)
    })
  })

  it.each([
    ['record_events off', { recordEvents: false }],
    ['a dry run', { dryRun: true }]
  ])('with %s, sends nothing and reports nothing', async (_case, extra) => {
    const results = await sync()
    kube.resetRequests()
    const events = new RunEvents(kubeConfigFor(kube), settings(extra))
    await events.recordSecrets(results)
    await events.recordRestarts([restarted('web')])
    expect(events.outcome).toBeUndefined()
    expect(kube.requests).toEqual([])
  })
})
