import type { V1Secret } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { Ownership } from '../../src/sync/ownership.js'
import {
  LAST_APPLIED_ANNOTATION,
  pruneBlocker,
  pruneRefusal,
  planSecret,
  toDesiredSecret,
  type DesiredSecret
} from '../../src/sync/plan.js'

const prefix = 'DAGSTER_SECRET'
const ours = new Ownership(prefix, 'acme/dagster-infra')
const desired: DesiredSecret = toDesiredSecret(
  { githubName: 'DAGSTER_SECRET_TOKEN', secretName: 'dagster-secret-token', value: 'v1' },
  ours,
  { labels: { team: 'data' }, annotations: { owner: 'platform' } }
)
const b64 = (text: string): string => Buffer.from(text).toString('base64')

function live(
  overrides: Partial<V1Secret> = {},
  labels: Record<string, string> = { ...ours.labels, team: 'data' }
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
      annotations: { owner: 'platform', ...ours.annotations },
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
        'gke-secrets-sync/prefix': prefix,
        'gke-secrets-sync/owner': expect.stringMatching(/^acme\.dagster-infra--[0-9a-f]{12}$/)
      },
      annotations: { owner: 'platform', 'gke-secrets-sync/owner': 'acme/dagster-infra' }
    })
  })
})

describe('planSecret', () => {
  it('creates a missing Secret as Opaque with data, never stringData', () => {
    const step = planSecret(desired, undefined, ours, 'fail')
    expect(step).toEqual({
      action: 'create',
      body: {
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'Opaque',
        metadata: {
          name: 'dagster-secret-token',
          labels: desired.labels,
          annotations: desired.annotations
        },
        data: { DAGSTER_SECRET_TOKEN: b64('v1') }
      }
    })
  })

  it('leaves an identical Secret alone, whatever else others added to it', () => {
    const withExtras = live({
      metadata: {
        labels: { ...desired.labels, extra: 'x' },
        annotations: { ...desired.annotations, note: 'n' }
      }
    })
    expect(planSecret(desired, withExtras, ours, 'fail')).toEqual({ action: 'unchanged' })
  })

  it.each([
    ['a changed value', live({ data: { DAGSTER_SECRET_TOKEN: b64('v0') } })],
    ['an extra data key', live({ data: { DAGSTER_SECRET_TOKEN: b64('v1'), OTHER: b64('x') } })],
    ['a missing extra label', live({}, ours.labels)],
    ['a changed annotation', live({ metadata: { annotations: { owner: 'someone' } } })]
  ])(
    'updates on %s, conditionally on the live resourceVersion, keeping others metadata',
    (_case, current) => {
      const step = planSecret(desired, current, ours, 'fail')
      expect(step.action).toBe('update')
      if (step.action !== 'update') return
      expect(step.takeover).toBeUndefined()
      expect(step.body.metadata?.resourceVersion).toBe('42')
      expect(step.body.metadata?.managedFields).toBeUndefined()
      expect(step.body.data).toEqual(desired.data)
      expect(step.body.metadata?.labels).toMatchObject(desired.labels)
      expect(step.body.metadata?.annotations).toMatchObject(desired.annotations)
    }
  )

  const foreign = live({}, { 'app.terraform.io/x': 'y' })
  it.each([
    ['fail', 'fail', 'set on_conflict: adopt'],
    ['skip', 'skip', 'left as it is (on_conflict: skip)']
  ] as const)('with on_conflict %s a foreign Secret is a %s', (onConflict, action, words) => {
    const step = planSecret(desired, foreign, ours, onConflict)
    expect(step.action).toBe(action)
    expect(step.action !== 'create' && 'reason' in step && step.reason).toContain(words)
  })

  it.each([
    [
      'a foreign Secret',
      foreign,
      'a Secret "dagster-secret-token" already exists and was not made by this action (written by gke-secrets-sync); rename the GitHub secret, delete the Secret, or set on_conflict: adopt to take it over'
    ],
    [
      "another owner's Secret",
      live({ metadata: { annotations: {} } }, new Ownership(prefix, 'acme/other').labels),
      `a Secret "dagster-secret-token" already exists and was made by gke-secrets-sync for ${new Ownership(prefix, 'acme/other').ownerLabel}; two owners cannot sync the same Secret: rename the GitHub secret in one of them, or set on_conflict: adopt in the one that should own it`
    ]
  ])('with on_conflict fail, %s fails with what to do', (_, current, reason) => {
    expect(planSecret(desired, current, ours, 'fail')).toEqual({ action: 'fail', reason })
  })

  it('sends the whole object on update: apiVersion, kind, type Opaque, our data, without managedFields', () => {
    const step = planSecret(desired, live({ data: { DAGSTER_SECRET_TOKEN: b64('v0') } }), ours, 'fail')
    expect(step).toMatchObject({ action: 'update' })
    const body = (step as { body: V1Secret }).body
    expect(Object.keys(body)).toEqual(['apiVersion', 'kind', 'metadata', 'type', 'data', 'immutable'])
    expect(body).toMatchObject({ apiVersion: 'v1', kind: 'Secret', type: 'Opaque', data: desired.data })
    expect(body.immutable).toBeUndefined()
    expect(JSON.parse(JSON.stringify(body))).not.toHaveProperty('immutable')
  })

  it('creates a Secret without an annotations field when none is wanted', () => {
    const bare: DesiredSecret = { ...desired, annotations: {} }
    const step = planSecret(bare, undefined, ours, 'fail') as { body: V1Secret }
    expect(step.body.metadata).toEqual({ name: 'dagster-secret-token', labels: desired.labels })
  })

  it('treats a live Secret without a type as Opaque (the API default)', () => {
    const { type: _type, ...untyped } = live()
    expect(planSecret(desired, untyped, ours, 'fail')).toEqual({ action: 'unchanged' })
  })

  it('names who wrote a foreign Secret', () => {
    const step = planSecret(
      desired,
      live({ metadata: { managedFields: [{ manager: 'terraform' }] } }, {}),
      ours,
      'fail'
    )
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('written by terraform') })
  })

  it('names the other prefix when the Secret belongs to this action under another prefix', () => {
    const step = planSecret(desired, live(), new Ownership('OTHER_PREFIX', 'acme/dagster-infra'), 'fail')
    expect(step).toMatchObject({
      reason: expect.stringContaining(
        'made by gke-secrets-sync for acme/dagster-infra with the prefix DAGSTER_SECRET'
      )
    })
  })

  const dags = new Ownership(prefix, 'acme/dagster-dags')
  it.each([
    ['fail', 'fail', 'two owners cannot sync the same Secret'],
    ['skip', 'skip', 'left as it is (on_conflict: skip)']
  ] as const)(
    'with on_conflict %s a Secret of another owner is a %s that names that owner',
    (onConflict, action, words) => {
      const theirs = live({ metadata: { annotations: dags.annotations } }, dags.labels)
      const planned = planSecret(desired, theirs, ours, onConflict)
      expect(planned).toMatchObject({
        action,
        reason: expect.stringContaining(
          'a Secret "dagster-secret-token" already exists and was made by gke-secrets-sync for acme/dagster-dags;'
        )
      })
      expect(planned.action !== 'create' && 'reason' in planned && planned.reason).toContain(words)
    }
  )

  it('adopts a Secret of another owner with on_conflict adopt, replacing its owner', () => {
    const theirs = live({ metadata: { annotations: dags.annotations } }, dags.labels)
    const step = planSecret(desired, theirs, ours, 'adopt')
    expect(step).toMatchObject({
      action: 'update',
      takeover: { kind: 'adopted', from: 'was made by gke-secrets-sync for acme/dagster-dags' }
    })
    if (step.action !== 'update') return
    expect(step.body.metadata?.labels).toEqual(desired.labels)
    expect(step.body.metadata?.annotations?.['gke-secrets-sync/owner']).toBe('acme/dagster-infra')
  })

  it.each(['fail', 'skip', 'adopt'] as const)(
    'claims an ownerless Secret of this prefix whatever on_conflict says (%s), even one holding the value',
    onConflict => {
      const { 'gke-secrets-sync/owner': _owner, ...ownerless } = ours.labels
      const step = planSecret(desired, live({ metadata: { annotations: {} } }, ownerless), ours, onConflict)
      expect(step).toMatchObject({ action: 'update', takeover: { kind: 'claimed' } })
      if (step.action !== 'update') return
      expect(step.body.metadata?.labels).toMatchObject(ours.labels)
      expect(step.body.metadata?.annotations).toMatchObject(ours.annotations)
      expect(step.body.metadata?.resourceVersion).toBe('42')
    }
  )

  it('treats a Secret whose owner label matches but whose owner annotation differs as another owner', () => {
    const step = planSecret(
      desired,
      live({ metadata: { annotations: { 'gke-secrets-sync/owner': 'acme/impostor' } } }),
      ours,
      'fail'
    )
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('for acme/impostor') })
  })

  it('drops the kubectl last-applied-configuration annotation (it holds the old value) on every write', () => {
    const applied = { [LAST_APPLIED_ANNOTATION]: '{"data":{"DAGSTER_SECRET_TOKEN":"b2xk"}}' }
    for (const [current, onConflict] of [
      [live({ data: { DAGSTER_SECRET_TOKEN: b64('old') }, metadata: { annotations: applied } }), 'fail'],
      [live({ metadata: { annotations: applied } }, {}), 'adopt']
    ] as const) {
      const step = planSecret(desired, current, ours, onConflict)
      expect(step.action).toBe('update')
      if (step.action !== 'update') return
      expect(step.body.metadata?.annotations).not.toHaveProperty(LAST_APPLIED_ANNOTATION)
    }
  })

  const { 'gke-secrets-sync/owner': _owner, ...ownerlessLabels } = ours.labels
  const applied = { [LAST_APPLIED_ANNOTATION]: '{"data":{"DAGSTER_SECRET_TOKEN":"djE="}}' }
  it.each<[string, V1Secret, 'fail' | 'adopt', string[]]>([
    [
      'a changed value',
      live({ data: { DAGSTER_SECRET_TOKEN: b64('v0') } }),
      'fail',
      ['DAGSTER_SECRET_TOKEN']
    ],
    [
      'an extra data key someone added',
      live({ data: { DAGSTER_SECRET_TOKEN: b64('v1'), OTHER: b64('x') } }),
      'fail',
      ['OTHER']
    ],
    [
      'our key missing',
      live({ data: { OLD_NAME: b64('v1') } }),
      'fail',
      ['DAGSTER_SECRET_TOKEN', 'OLD_NAME']
    ],
    ['a claim of the same value', live({ metadata: { annotations: {} } }, ownerlessLabels), 'fail', []],
    [
      'an adoption of the same value, dropping kubectl last-applied',
      live({ metadata: { annotations: applied } }, {}),
      'adopt',
      []
    ],
    ['a new labels input', live({}, ours.labels), 'fail', []],
    ['a changed annotation', live({ metadata: { annotations: { owner: 'someone' } } }), 'fail', []]
  ])('an update on %s changes the keys %j', (_case, current, onConflict, keys) => {
    const step = planSecret(desired, current, ours, onConflict)
    expect(step).toMatchObject({ action: 'update', changedKeys: keys })
  })

  it('refuses to change the type of a Secret', () => {
    const step = planSecret(desired, live({ type: 'kubernetes.io/tls' }), ours, 'adopt')
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('type kubernetes.io/tls') })
  })

  it('reports an immutable Secret whose value changed, and never plans to delete it', () => {
    const step = planSecret(
      desired,
      live({ immutable: true, data: { DAGSTER_SECRET_TOKEN: b64('old') } }),
      ours,
      'fail'
    )
    expect(step).toMatchObject({ action: 'fail', reason: expect.stringContaining('immutable') })
  })

  it('updates only the labels of an immutable Secret whose value is the same, keeping it immutable', () => {
    const step = planSecret(desired, live({ immutable: true }, ours.labels), ours, 'fail')
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
      'not deleted: pruning only follows a clean sync, and other Secrets failed in this run'
    )
    expect(pruneBlocker(0)).toBeUndefined()
  })
})

describe('provenance stamp (desired.stamp)', () => {
  const stamp = { 'gke-secrets-sync/run-url': 'https://github.com/acme/x/actions/runs/9/attempts/1' }
  const stamped: DesiredSecret = { ...desired, stamp }
  const { 'gke-secrets-sync/owner': _owner, ...ownerless } = ours.labels
  const dags = new Ownership(prefix, 'acme/dagster-dags')

  it.each([
    ['a create', undefined, 'fail', true],
    ['a value update', live({ data: { DAGSTER_SECRET_TOKEN: b64('v0') } }), 'fail', true],
    [
      'an extra data key removed',
      live({ data: { DAGSTER_SECRET_TOKEN: b64('v1'), X: b64('x') } }),
      'fail',
      true
    ],
    ['a claim, value unchanged', live({ metadata: { annotations: {} } }, ownerless), 'fail', true],
    [
      'an adoption, value unchanged',
      live({ metadata: { annotations: dags.annotations } }, dags.labels),
      'adopt',
      true
    ],
    ['a labels-only update', live({}, ours.labels), 'fail', false],
    ['an annotations-only update', live({ metadata: { annotations: { owner: 'someone' } } }), 'fail', false]
  ] as const)('is written with %s: %s', (_case, current, onConflict, written) => {
    const step = planSecret(stamped, current, ours, onConflict)
    expect(step.action === 'create' || step.action === 'update').toBe(true)
    if (step.action !== 'create' && step.action !== 'update') return
    const annotations = step.body.metadata?.annotations ?? {}
    expect(annotations['gke-secrets-sync/run-url']).toBe(
      written ? stamp['gke-secrets-sync/run-url'] : undefined
    )
    expect(annotations).toMatchObject(desired.annotations)
  })

  it('does not count in "up to date": an unchanged Secret with another run recorded stays unwritten', () => {
    const recorded = live({
      metadata: {
        annotations: {
          ...desired.annotations,
          'gke-secrets-sync/run-url': 'https://github.com/acme/x/actions/runs/1'
        }
      }
    })
    expect(planSecret(stamped, recorded, ours, 'fail')).toEqual({ action: 'unchanged' })
    expect(planSecret(stamped, live(), ours, 'fail')).toEqual({ action: 'unchanged' })
  })

  it('keeps the record of the run that set the value on a metadata-only update', () => {
    const earlier = { 'gke-secrets-sync/run-url': 'https://github.com/acme/x/actions/runs/1' }
    const step = planSecret(
      stamped,
      live({ metadata: { annotations: { ...earlier, owner: 'someone' } } }),
      ours,
      'fail'
    )
    expect(step.action === 'update' && step.body.metadata?.annotations).toMatchObject(earlier)
  })
})
