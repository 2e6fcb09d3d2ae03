import type { V1Secret } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import {
  pruneBlocker,
  pruneRefusal,
  isOwned,
  ownedSelector,
  ownershipLabels,
  planSecret,
  toDesiredSecret,
  type DesiredSecret
} from '../../src/plan.js'

const prefix = 'DAGSTER_SECRET'
const desired: DesiredSecret = toDesiredSecret(
  { githubName: 'DAGSTER_SECRET_TOKEN', secretName: 'dagster-secret-token', value: 'v1' },
  prefix,
  { labels: { team: 'data' }, annotations: { owner: 'platform' } }
)
const b64 = (text: string): string => Buffer.from(text).toString('base64')

function live(
  overrides: Partial<V1Secret> = {},
  labels = { ...ownershipLabels(prefix), team: 'data' }
): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'Opaque',
    data: { DAGSTER_SECRET_TOKEN: b64('v1') },
    ...overrides,
    metadata: {
      name: 'dagster-secret-token',
      namespace: 'dagster-prd',
      resourceVersion: '42',
      uid: 'u-1',
      labels,
      annotations: { owner: 'platform' },
      managedFields: [{ manager: 'gke-secrets-sync', operation: 'Update' }],
      ...overrides.metadata
    }
  }
}

describe('desired Secret', () => {
  it('holds one data key, the GitHub name, with the value in base64, and the ownership labels', () => {
    expect(desired).toEqual({
      githubName: 'DAGSTER_SECRET_TOKEN',
      secretName: 'dagster-secret-token',
      data: { DAGSTER_SECRET_TOKEN: b64('v1') },
      labels: {
        team: 'data',
        'app.kubernetes.io/managed-by': 'gke-secrets-sync',
        'gke-secrets-sync/prefix': prefix
      },
      annotations: { owner: 'platform' }
    })
  })

  it('records the prefix in upper case, so a lower-case prefix input finds the same Secrets', () => {
    expect(ownedSelector('dagster_secret')).toBe(
      'app.kubernetes.io/managed-by=gke-secrets-sync,gke-secrets-sync/prefix=DAGSTER_SECRET'
    )
  })

  it('is owned only with both labels for this prefix', () => {
    expect(isOwned(live(), prefix)).toBe(true)
    expect(isOwned(live({}, { 'app.kubernetes.io/managed-by': 'gke-secrets-sync' } as never), prefix)).toBe(
      false
    )
    expect(isOwned(live(), 'OTHER')).toBe(false)
  })
})

describe('planSecret', () => {
  it('creates a missing Secret as Opaque with data, never stringData', () => {
    const step = planSecret(desired, undefined, prefix, 'fail')
    expect(step).toEqual({
      action: 'create',
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: 'dagster-secret-token',
          labels: desired.labels,
          annotations: { owner: 'platform' }
        },
        data: { DAGSTER_SECRET_TOKEN: b64('v1') }
      }
    })
  })

  it('leaves an identical Secret alone, whatever else others added to it', () => {
    const withExtras = live({
      metadata: { labels: { ...desired.labels, extra: 'x' }, annotations: { owner: 'platform', note: 'n' } }
    })
    expect(planSecret(desired, withExtras, prefix, 'fail')).toEqual({ action: 'unchanged' })
  })

  it.each([
    ['a changed value', live({ data: { DAGSTER_SECRET_TOKEN: b64('v0') } })],
    ['an extra data key', live({ data: { DAGSTER_SECRET_TOKEN: b64('v1'), OTHER: b64('x') } })],
    ['a missing extra label', live({}, ownershipLabels(prefix) as never)],
    ['a changed annotation', live({ metadata: { annotations: { owner: 'someone' } } })]
  ])(
    'updates on %s, conditionally on the live resourceVersion, keeping others metadata',
    (_case, current) => {
      const step = planSecret(desired, current, prefix, 'fail')
      expect(step.action).toBe('update')
      if (step.action !== 'update') return
      expect(step.adopted).toBe(false)
      expect(step.body.metadata?.resourceVersion).toBe('42')
      expect(step.body.metadata?.managedFields).toBeUndefined()
      expect(step.body.data).toEqual(desired.data)
      expect(step.body.metadata?.labels).toMatchObject(desired.labels)
      expect(step.body.metadata?.annotations).toMatchObject(desired.annotations)
    }
  )

  const foreign = live({}, { 'app.terraform.io/x': 'y' } as never)
  it.each([
    ['fail', 'fail', 'set on_conflict: adopt'],
    ['skip', 'skip', 'left as it is (on_conflict: skip)']
  ] as const)('with on_conflict %s a foreign Secret is a %s', (onConflict, action, words) => {
    const step = planSecret(desired, foreign, prefix, onConflict)
    expect(step.action).toBe(action)
    expect(step.action !== 'create' && 'reason' in step && step.reason).toContain(words)
  })

  it('names who wrote a foreign Secret', () => {
    const step = planSecret(
      desired,
      live({ metadata: { managedFields: [{ manager: 'terraform' }] } }, {} as never),
      prefix,
      'fail'
    )
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('written by terraform') })
  })

  it('names the other prefix when the Secret belongs to this action under another prefix', () => {
    const step = planSecret(desired, live(), 'OTHER_PREFIX', 'fail')
    expect(step).toMatchObject({ reason: expect.stringContaining('for the prefix DAGSTER_SECRET') })
  })

  it('adopts a foreign Secret, even one already holding the value, by adding the labels', () => {
    const step = planSecret(desired, live({}, { keep: 'me' } as never), prefix, 'adopt')
    expect(step.action).toBe('update')
    if (step.action !== 'update') return
    expect(step.adopted).toBe(true)
    expect(step.body.metadata?.labels).toEqual({ keep: 'me', ...desired.labels })
  })

  it('refuses to change the type of a Secret', () => {
    const step = planSecret(desired, live({ type: 'kubernetes.io/tls' }), prefix, 'adopt')
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('type kubernetes.io/tls') })
  })

  it('reports an immutable Secret whose value changed, and never plans to delete it', () => {
    const step = planSecret(
      desired,
      live({ immutable: true, data: { DAGSTER_SECRET_TOKEN: b64('old') } }),
      prefix,
      'fail'
    )
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('immutable') })
  })

  it('updates only the labels of an immutable Secret whose value is the same, keeping it immutable', () => {
    const step = planSecret(
      desired,
      live({ immutable: true }, ownershipLabels(prefix) as never),
      prefix,
      'fail'
    )
    expect(step).toMatchObject({ action: 'update', body: { immutable: true } })
  })
})

describe('prune guards', () => {
  it('refuses when no input secret has the prefix, explaining secrets: inherit', () => {
    expect(pruneRefusal('dagster_secret', 0)).toContain('no input secret starts with DAGSTER_SECRET_')
    expect(pruneRefusal('dagster_secret', 0)).toContain('`secrets: inherit`')
    expect(pruneRefusal('DAGSTER_SECRET', 1)).toBeUndefined()
  })

  it('holds back after any failure in the same run', () => {
    expect(pruneBlocker(2)).toBe(
      'not deleted: 2 secret(s) failed in this run, and pruning only follows a clean sync'
    )
    expect(pruneBlocker(0)).toBeUndefined()
  })
})
