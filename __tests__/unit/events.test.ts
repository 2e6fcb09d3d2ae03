import { describe, expect, it } from 'vitest'
import {
  eventName,
  reasonOf,
  restartEvents,
  secretEvents,
  truncateBytes,
  workloadRestartedEvent,
  type EventContext
} from '../../src/sync/events.js'
import type { WorkloadRestart } from '../../src/sync/restarts.js'
import type { SecretResult } from '../../src/sync/sync.js'

const at = '2025-03-04T05:06:07.123Z'
const context: EventContext = {
  namespace: 'dagster-prd',
  run: {
    repository: 'acme/dagster-infra',
    runUrl: 'https://github.com/acme/dagster-infra/actions/runs/4242/attempts/1',
    runId: '4242',
    runAttempt: '1',
    commit: '0123456789abcdef0123456789abcdef01234567',
    actor: 'octocat'
  }
}
const written = (extra: Partial<NonNullable<SecretResult['written']>> = {}): SecretResult['written'] => ({
  uid: 'u-1',
  resourceVersion: '7',
  at,
  valueChanged: true,
  ...extra
})
const drift = { manager: 'kubectl-edit', operation: 'Update', time: '2025-03-01T00:00:00Z' }
const result = (state: SecretResult['state'], extra: Partial<SecretResult> = {}): SecretResult => ({
  githubName: 'DAGSTER_SECRET_TOKEN',
  secretName: 'dagster-secret-token',
  state,
  ...extra
})

describe('reasonOf', () => {
  it.each([
    ['created', result('created', { written: written() }), 'SecretCreated'],
    ['a value update', result('updated', { written: written() }), 'SecretUpdated'],
    [
      'a metadata-only update',
      result('updated', { written: written({ valueChanged: false }) }),
      'SecretMetadataUpdated'
    ],
    ['a claim', result('updated', { written: written({ takeover: 'claimed' }) }), 'SecretClaimed'],
    ['an adoption', result('updated', { written: written({ takeover: 'adopted' }) }), 'SecretAdopted'],
    ['a restored drift', result('updated', { written: written(), drift }), 'DriftRestored'],
    [
      'a claim that restored drift',
      result('updated', { written: written({ takeover: 'claimed' }), drift }),
      'DriftRestored'
    ],
    ['a deletion', result('deleted', { githubName: undefined, written: written() }), 'SecretDeleted'],
    ['already gone', result('deleted', { detail: 'already gone' }), undefined],
    ['unchanged', result('unchanged'), undefined],
    ['skipped', result('skipped', { detail: 'x' }), undefined],
    ['drift left failed', result('failed', { drift }), undefined]
  ] as const)('%s', (_case, given, reason) => {
    expect(reasonOf(given)).toBe(reason)
  })
})

describe('secretEvents', () => {
  const all: SecretResult[] = [
    result('unchanged', { secretName: 'a-unchanged' }),
    result('updated', { secretName: 'b-drifted', written: written(), drift }),
    result('created', { secretName: 'c-created', written: written({ resourceVersion: '9' }) }),
    result('deleted', { githubName: undefined, secretName: 'd-deleted', written: written() }),
    result('failed', { secretName: 'e-failed', detail: 'no' })
  ]

  it('makes one Event per write, in name order, about the Secret as the write answered it', () => {
    const events = secretEvents(all, context)
    expect(events.map(e => [e.regarding.name, e.reason, e.action, e.type])).toEqual([
      ['b-drifted', 'DriftRestored', 'Restore', 'Warning'],
      ['c-created', 'SecretCreated', 'Create', 'Normal'],
      ['d-deleted', 'SecretDeleted', 'Delete', 'Normal']
    ])
    expect(events[1]).toEqual({
      name: expect.stringMatching(/^c-created\.[0-9a-f]+$/),
      namespace: 'dagster-prd',
      eventTime: new Date(at),
      reportingController: 'gke-secrets-sync',
      reportingInstance: 'github-run-4242-1',
      action: 'Create',
      reason: 'SecretCreated',
      type: 'Normal',
      regarding: {
        apiVersion: 'v1',
        kind: 'Secret',
        name: 'c-created',
        namespace: 'dagster-prd',
        uid: 'u-1',
        resourceVersion: '9'
      },
      note: 'Created from the GitHub secret DAGSTER_SECRET_TOKEN. By gke-secrets-sync in acme/dagster-infra, run https://github.com/acme/dagster-infra/actions/runs/4242/attempts/1, actor octocat, commit 0123456789abcdef0123456789abcdef01234567.'
    })
    expect(new Set(events.map(e => e.name)).size).toBe(events.length)
  })

  it('names who changed a drifted Secret, how and when', () => {
    const [restored] = secretEvents([all[1] as SecretResult], context)
    expect(restored?.note).toContain(
      'the value had been changed in the cluster by kubectl-edit (Update at 2025-03-01T00:00:00Z)'
    )
  })

  it('says it ran outside Actions when the run is unknown, and names the instance `local`', () => {
    const [event] = secretEvents([all[2] as SecretResult], { namespace: 'ns', run: {} })
    expect(event?.note).toBe(
      'Created from the GitHub secret DAGSTER_SECRET_TOKEN. By gke-secrets-sync, outside GitHub Actions.'
    )
    expect(event?.reportingInstance).toBe('local')
  })

  it('keeps every field within the API server’s limits, however long the run’s facts', () => {
    const long = { ...context.run, repository: `acme/${'r'.repeat(2000)}`, runId: '9'.repeat(200) }
    const [event] = secretEvents([all[1] as SecretResult], { ...context, run: long })
    expect(Buffer.byteLength(event?.note ?? '')).toBeLessThanOrEqual(1024)
    expect(event?.note.endsWith('...')).toBe(true)
    expect(event?.reportingInstance.length).toBeLessThanOrEqual(128)
    for (const field of [event?.reason, event?.action, event?.reportingController]) {
      expect(field?.length).toBeLessThanOrEqual(128)
    }
  })
})

describe('workloadRestartedEvent', () => {
  it('is about the workload and names the Secrets it was restarted for', () => {
    const event = workloadRestartedEvent(
      {
        kind: 'Deployment',
        name: 'dagster-user-code',
        namespace: 'dagster-prd',
        uid: 'd-1',
        secrets: ['a', 'b']
      },
      context,
      new Date(at)
    )
    expect(event).toMatchObject({
      reason: 'WorkloadRestarted',
      action: 'Restart',
      type: 'Normal',
      regarding: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'dagster-user-code', uid: 'd-1' },
      note: expect.stringMatching(
        /^Restarted so its pods read the changed Secrets a, b\. By gke-secrets-sync in acme\/dagster-infra, run /
      )
    })
  })
})

describe('limits', () => {
  it.each([
    ['a short name', 'token', 'token.'],
    [
      'a name of 253 characters, cut to fit and ending in a letter or digit',
      `${'a'.repeat(235)}-${'b'.repeat(17)}`,
      'a'.repeat(235) + '.'
    ]
  ])('eventName: %s', (_case, name, start) => {
    const event = eventName(name, new Date(at), 3)
    expect(event.startsWith(start)).toBe(true)
    expect(event.length).toBeLessThanOrEqual(253)
    expect(event).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/)
    expect(event).not.toBe(eventName(name, new Date(at), 4))
  })

  it.each([
    ['ascii', 'x'.repeat(2000)],
    ['two-byte characters', 'é'.repeat(600)],
    ['emoji, never cut in half', '🔑'.repeat(300)]
  ])('truncateBytes keeps %s within 1 KiB of valid UTF-8', (_case, text) => {
    const cut = truncateBytes(text, 1024)
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(1024)
    expect(Buffer.from(cut).toString('utf8')).toBe(cut)
    expect(cut).not.toContain('\uFFFD')
    expect(cut.endsWith('...')).toBe(true)
  })
})

describe('restartEvents', () => {
  const restart = (name: string, outcome: WorkloadRestart['outcome']): WorkloadRestart => ({
    kind: 'StatefulSet',
    name,
    namespace: 'dagster-prd',
    causes: [
      { secretName: 'dagster-secret-b', keys: ['DAGSTER_SECRET_B'] },
      { secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] },
      { secretName: 'dagster-secret-b', keys: ['OTHER'] }
    ],
    named: false,
    outcome,
    restartedAt: '2025-03-04T05:06:07Z'
  })

  it.each<[WorkloadRestart['outcome'], number]>([
    ['restarted', 1],
    ['would restart', 0],
    ['paused', 0],
    ['failed', 0]
  ])('records a restart whose outcome is %s: %i Event', (outcome, count) => {
    expect(restartEvents([restart('cache', outcome)], context, 3)).toHaveLength(count)
  })

  it('is about the workload, names each changed Secret once, at the restart time, numbered after the Secrets', () => {
    const [event] = restartEvents([restart('cache', 'restarted')], context, 3)
    const alone = workloadRestartedEvent(
      {
        kind: 'StatefulSet',
        name: 'cache',
        namespace: 'dagster-prd',
        secrets: ['dagster-secret-b', 'dagster-secret-a']
      },
      context,
      new Date('2025-03-04T05:06:07Z'),
      3
    )
    expect(event).toEqual(alone)
    expect(event).toMatchObject({
      reason: 'WorkloadRestarted',
      regarding: { kind: 'StatefulSet', name: 'cache' }
    })
  })
})
