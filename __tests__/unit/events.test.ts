import { describe, expect, it } from 'vitest'
import {
  eventName,
  reasonOf,
  restartEvents,
  secretEvents,
  truncateBytes,
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
  const restart = (
    name: string,
    outcome: WorkloadRestart['outcome'],
    extra: Partial<WorkloadRestart> = {}
  ): WorkloadRestart => ({
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
    restartedAt: '2025-03-04T05:06:07Z',
    ...extra
  })

  it.each<[WorkloadRestart['outcome'], number]>([
    ['restarted', 1],
    ['would restart', 0],
    ['paused', 0],
    ['failed', 0]
  ])('records a restart whose outcome is %s: %i Event', (outcome, count) => {
    expect(restartEvents([restart('cache', outcome)], context, 3)).toHaveLength(count)
  })

  it('is about the workload as the PATCH answered it, names each changed Secret once, at the restart time', () => {
    const events = restartEvents(
      [
        restart('cache', 'restarted', { uid: 'w-1', resourceVersion: '12' }),
        restart('paused-one', 'paused'),
        restart('web', 'restarted', { kind: 'Deployment', restartedAt: '2025-03-04T05:06:08Z' })
      ],
      context,
      3
    )
    expect(events[0]).toEqual({
      name: eventName('cache', new Date('2025-03-04T05:06:07Z'), 3),
      namespace: 'dagster-prd',
      eventTime: new Date('2025-03-04T05:06:07Z'),
      reportingController: 'gke-secrets-sync',
      reportingInstance: 'github-run-4242-1',
      action: 'Restart',
      reason: 'WorkloadRestarted',
      type: 'Normal',
      regarding: {
        apiVersion: 'apps/v1',
        kind: 'StatefulSet',
        name: 'cache',
        namespace: 'dagster-prd',
        uid: 'w-1',
        resourceVersion: '12'
      },
      note: `Restarted so its pods read the changed Secrets dagster-secret-b, dagster-secret-a. By gke-secrets-sync in acme/dagster-infra, run ${context.run.runUrl}, actor octocat, commit ${context.run.commit}.`
    })
    // The next restarted one is numbered after it; without an answer's uid the reference has none.
    expect(events[1]?.name).toBe(eventName('web', new Date('2025-03-04T05:06:08Z'), 4))
    expect(events[1]?.eventTime).toEqual(new Date('2025-03-04T05:06:08Z'))
    expect(events[1]?.regarding).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: 'web',
      namespace: 'dagster-prd'
    })
  })

  it.each<[string, WorkloadRestart['causes'], string]>([
    [
      'one Secret',
      [{ secretName: 'dagster-secret-a', keys: ['A'] }],
      'Restarted so its pods read the changed Secret dagster-secret-a.'
    ],
    ['only restart_deployments asked', [], 'Restarted.']
  ])('words a restart for %s', (_case, causes, note) => {
    const [event] = restartEvents([restart('cache', 'restarted', { causes })], { ...context, run: {} }, 0)
    expect(event?.note).toBe(`${note} By gke-secrets-sync, outside GitHub Actions.`)
  })

  it('a restart without its time is dated now', () => {
    const before = Date.now()
    const [event] = restartEvents([restart('cache', 'restarted', { restartedAt: undefined })], context, 0)
    expect(event?.eventTime.getTime()).toBeGreaterThanOrEqual(before)
    expect(event?.eventTime.getTime()).toBeLessThanOrEqual(Date.now())
  })
})

describe('secretEvents: what each Event says', () => {
  const by = ` By gke-secrets-sync in acme/dagster-infra, run ${context.run.runUrl}, actor octocat, commit ${context.run.commit}.`
  const from = 'from the GitHub secret DAGSTER_SECRET_TOKEN'
  it.each<[string, SecretResult, string, string, string]>([
    ['a creation', result('created', { written: written() }), 'SecretCreated', 'Create', `Created ${from}.`],
    [
      'a value update',
      result('updated', { written: written() }),
      'SecretUpdated',
      'Update',
      `Value updated ${from}.`
    ],
    [
      'a metadata update',
      result('metadata-updated', { written: written({ valueChanged: false }) }),
      'SecretMetadataUpdated',
      'Update',
      'Labels or annotations updated; the value is unchanged.'
    ],
    [
      'a claim with a new value',
      result('updated', { written: written({ takeover: 'claimed' }) }),
      'SecretClaimed',
      'Claim',
      `Claimed (an earlier version made it without recording an owner), with the value ${from}.`
    ],
    [
      'a claim of the same value',
      result('metadata-updated', { written: written({ takeover: 'claimed', valueChanged: false }) }),
      'SecretClaimed',
      'Claim',
      'Claimed (an earlier version made it without recording an owner).'
    ],
    [
      'an adoption',
      result('updated', { written: written({ takeover: 'adopted' }) }),
      'SecretAdopted',
      'Adopt',
      `Adopted (on_conflict: adopt), with the value ${from}.`
    ],
    [
      'a restored drift',
      result('updated', { written: written(), drift }),
      'DriftRestored',
      'Restore',
      `GitHub's value written back ${from}: the value had been changed in the cluster by kubectl-edit (Update at 2025-03-01T00:00:00Z).`
    ],
    [
      'a restored drift of unknown time',
      result('updated', { written: written(), drift: { manager: 'kubectl', operation: 'Apply' } }),
      'DriftRestored',
      'Restore',
      `GitHub's value written back ${from}: the value had been changed in the cluster by kubectl (Apply).`
    ],
    [
      'a deletion',
      result('deleted', { githubName: undefined, written: written() }),
      'SecretDeleted',
      'Delete',
      'Deleted by prune: its GitHub secret is gone.'
    ],
    [
      'a write of a result without its GitHub name',
      result('updated', { githubName: undefined, written: written() }),
      'SecretUpdated',
      'Update',
      'Value updated.'
    ]
  ])('%s', (_case, given, reason, action, note) => {
    const [event] = secretEvents([given], context)
    expect(event).toMatchObject({ reason, action, type: reason === 'DriftRestored' ? 'Warning' : 'Normal' })
    expect(event?.note).toBe(`${note}${by}`)
  })

  it('gives none for a state that writes nothing, even with a write recorded', () => {
    const wrote = [result('unchanged', { written: written() }), result('failed', { written: written() })]
    expect(wrote.map(reasonOf)).toEqual([undefined, undefined])
    expect(secretEvents(wrote, context)).toEqual([])
  })

  it('sorts by Secret name whatever the order of the results, numbering the Events in that order', () => {
    const events = secretEvents(
      [
        result('created', { secretName: 'c', written: written() }),
        result('created', { secretName: 'a', written: written() }),
        result('unchanged', { secretName: 'b' }),
        result('created', { secretName: 'B', written: written() })
      ],
      context
    )
    expect(events.map(e => e.name)).toEqual([
      eventName('B', new Date(at), 0),
      eventName('a', new Date(at), 1),
      eventName('c', new Date(at), 3)
    ])
  })

  it('names the instance by run id and attempt, attempt 1 when the runner did not say', () => {
    const [first] = secretEvents([result('created', { written: written() })], {
      ...context,
      run: { ...context.run, runAttempt: '3' }
    })
    const [unsaid] = secretEvents([result('created', { written: written() })], {
      ...context,
      run: { ...context.run, runAttempt: undefined }
    })
    expect([first?.reportingInstance, unsaid?.reportingInstance]).toEqual([
      'github-run-4242-3',
      'github-run-4242-1'
    ])
  })
})

describe('eventName and truncateBytes at their limits', () => {
  const time = new Date('2025-03-04T05:06:07.123Z')
  const suffix = (index: bigint): string => (BigInt(time.getTime()) * 1_000_000n + index).toString(16)

  it('is the name, a dot and the time in nanoseconds plus the index, in hex', () => {
    expect(eventName('token', time, 5)).toBe(`token.${suffix(5n)}`)
  })

  it('cuts a long name to 253 characters in all, and drops every dash and dot the cut leaves at its end', () => {
    const room = 253 - suffix(0n).length - 1
    const name = `${'a'.repeat(room - 3)}-.-${'b'.repeat(40)}`
    expect(eventName(name, time, 0)).toBe(`${'a'.repeat(room - 3)}.${suffix(0n)}`)
    const full = `${'a'.repeat(room)}${'b'.repeat(40)}`
    expect(eventName(full, time, 0)).toHaveLength(253)
  })

  it.each<[string, string, number, string]>([
    ['exactly the limit: kept whole', 'x'.repeat(1024), 1024, 'x'.repeat(1024)],
    ['one byte over: cut to the limit, with the mark', 'x'.repeat(1025), 1024, `${'x'.repeat(1021)}...`],
    [
      'a two-byte character across the cut',
      `${'x'.repeat(1020)}é${'y'.repeat(10)}`,
      1024,
      `${'x'.repeat(1020)}...`
    ],
    [
      'an emoji whose half would end the cut',
      `${'x'.repeat(6)}🔑${'y'.repeat(10)}`,
      12,
      `${'x'.repeat(6)}...`
    ]
  ])('truncateBytes: %s', (_case, text, max, cut) => {
    expect(truncateBytes(text, max)).toBe(cut)
    expect(Buffer.byteLength(truncateBytes(text, max))).toBeLessThanOrEqual(max)
  })
})
