import type { V1Job, V1Pod, V1PodSpec } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import type { SecretResult } from '../../src/sync/sync.js'
import {
  checkReferences,
  collectReferences,
  countWorkloads,
  existingSecrets,
  findDangling,
  holdBackReferenced,
  isLiveStandaloneJob,
  isLivePod,
  nearMiss,
  podRunner,
  podWorkloads,
  secretNamePrefix,
  shortList,
  usedByIndex,
  type SecretReference,
  type Workload,
  type WorkloadInventory
} from '../../src/sync/workload-references.js'

const deployment = (name: string, podSpec: Partial<V1PodSpec>): Workload => ({
  kind: 'Deployment',
  name,
  podSpec: podSpec as V1PodSpec
})

describe('collectReferences', () => {
  it.each<[string, Partial<V1PodSpec>, Partial<SecretReference>[]]>([
    [
      'a volume with an empty items list reads the whole Secret, named by the one container that mounts it',
      {
        containers: [
          { name: 'app', volumeMounts: [{ name: 'creds', mountPath: '/c' }] },
          { name: 'sidecar', volumeMounts: [{ name: 'scratch', mountPath: '/s' }] }
        ],
        volumes: [
          { name: 'creds', secret: { secretName: 's', items: [] } },
          { name: 'scratch', emptyDir: {} }
        ]
      },
      [{ container: 'app', source: 'volume', secretName: 's', optional: false }]
    ],
    [
      'envFrom',
      { containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'dagster-secret-a' } }] }] },
      [{ container: 'app', source: 'envFrom', secretName: 'dagster-secret-a', optional: false }]
    ],
    [
      'an optional envFrom',
      { containers: [{ name: 'app', envFrom: [{ secretRef: { name: 's', optional: true } }] }] },
      [{ container: 'app', source: 'envFrom', secretName: 's', optional: true }]
    ],
    [
      'env secretKeyRef with its key',
      {
        containers: [
          { name: 'app', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's', key: 'K' } } }] }
        ]
      },
      [{ container: 'app', source: 'env', secretName: 's', key: 'K', optional: false }]
    ],
    [
      'env without a Secret (plain value, configMapKeyRef)',
      {
        containers: [
          {
            name: 'app',
            env: [
              { name: 'A', value: 'v' },
              { name: 'B', valueFrom: { configMapKeyRef: { name: 'cm', key: 'k' } } }
            ],
            envFrom: [{ configMapRef: { name: 'cm' } }]
          }
        ]
      },
      []
    ],
    [
      'an init container, marked as such',
      { containers: [], initContainers: [{ name: 'migrate', envFrom: [{ secretRef: { name: 's' } }] }] },
      [{ container: 'migrate (init)', source: 'envFrom', secretName: 's' }]
    ],
    [
      'a secret volume, by the containers that mount it',
      {
        containers: [
          { name: 'a', volumeMounts: [{ name: 'creds', mountPath: '/c' }] },
          { name: 'b', volumeMounts: [{ name: 'creds', mountPath: '/c' }] }
        ],
        volumes: [{ name: 'creds', secret: { secretName: 's' } }]
      },
      [{ container: 'a, b', source: 'volume', secretName: 's', optional: false }]
    ],
    [
      'a secret volume no container mounts',
      {
        containers: [{ name: 'a' }],
        volumes: [{ name: 'creds', secret: { secretName: 's', optional: true } }]
      },
      [{ container: 'volume creds', source: 'volume', secretName: 's', optional: true }]
    ],
    [
      'a secret volume with items: one reference per key',
      {
        containers: [{ name: 'a', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
        volumes: [
          {
            name: 'v',
            secret: {
              secretName: 's',
              items: [
                { key: 'K1', path: 'k1' },
                { key: 'K2', path: 'k2' }
              ]
            }
          }
        ]
      },
      [
        { secretName: 's', key: 'K1' },
        { secretName: 's', key: 'K2' }
      ]
    ],
    [
      'projected volume secret sources',
      {
        containers: [{ name: 'a', volumeMounts: [{ name: 'p', mountPath: '/p' }] }],
        volumes: [
          {
            name: 'p',
            projected: {
              sources: [
                { secret: { name: 's1' } },
                { configMap: { name: 'cm' } },
                { secret: { name: 's2', items: [{ key: 'K', path: 'k' }], optional: true } }
              ]
            }
          }
        ]
      },
      [
        { container: 'a', source: 'projected volume', secretName: 's1', optional: false },
        { container: 'a', source: 'projected volume', secretName: 's2', key: 'K', optional: true }
      ]
    ]
  ])('finds %s', (_, podSpec, expected) => {
    const refs = collectReferences([deployment('d', podSpec)])
    expect(refs).toHaveLength(expected.length)
    expected.forEach((want, i) => expect(refs[i]).toMatchObject({ workload: 'Deployment/d', ...want }))
  })

  it('reads a workload without a pod spec as referencing nothing', () => {
    expect(collectReferences([{ kind: 'CronJob', name: 'c' }])).toEqual([])
  })
})

describe('isLiveStandaloneJob', () => {
  it.each<[string, V1Job, boolean]>([
    ['a running Job', { status: { active: 1 } }, true],
    [
      'a Job of a CronJob',
      { metadata: { ownerReferences: [{ kind: 'CronJob', name: 'c', apiVersion: 'batch/v1', uid: 'u' }] } },
      false
    ],
    ['a completed Job', { status: { conditions: [{ type: 'Complete', status: 'True' }] } }, false],
    ['a failed Job', { status: { conditions: [{ type: 'Failed', status: 'True' }] } }, false],
    ['a suspended Job', { status: { conditions: [{ type: 'Suspended', status: 'True' }] } }, true]
  ])('%s -> %s', (_, job, live) => {
    expect(isLiveStandaloneJob(job)).toBe(live)
  })
})

describe('nearMiss', () => {
  const family = secretNamePrefix('DAGSTER_SECRET').length
  it.each<[string, string[], string | undefined]>([
    [
      'dagster-secret-slack-token',
      ['dagster-secret-slack-bot-token', 'dagster-secret-db-url'],
      'dagster-secret-slack-bot-token'
    ],
    ['dagster-secret-db-url', ['dagster-secret-s3-key'], undefined],
    ['dagster-secret-db-uri', ['dagster-secret-db-url', 'dagster-secret-db-user'], 'dagster-secret-db-url'],
    ['dagster-secret-x', [], undefined],
    // Renamed with more words: every word of the reference, in order.
    [
      'dagster-secret-slack-token',
      ['dagster-secret-slack-bot-oauth-token', 'dagster-secret-warehouse-password'],
      'dagster-secret-slack-bot-oauth-token'
    ],
    ['dagster-secret-token-slack', ['dagster-secret-slack-bot-oauth-token'], undefined],
    // One shared word is not enough.
    ['dagster-secret-slack', ['dagster-secret-slack-bot-oauth-token'], undefined],
    ['dagster-secret-db-password', ['dagster-secret-warehouse-password'], undefined],
    [
      'dagster-secret-snowflake-password',
      ['dagster-secret-snowflake-pasword'],
      'dagster-secret-snowflake-pasword'
    ]
  ])('%s among %j -> %s', (name, candidates, expected) => {
    expect(nearMiss(name, candidates, family)).toBe(expected)
  })
})

describe('existingSecrets', () => {
  const results: SecretResult[] = [
    { githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', state: 'created' },
    {
      githubName: 'DAGSTER_SECRET_B',
      secretName: 'dagster-secret-b',
      state: 'skipped',
      detail: 'other owner'
    },
    { secretName: 'dagster-secret-old', state: 'deleted' }
  ]

  it('takes the listed names, without pruned ones, and keys only of Secrets this run holds', () => {
    const existing = existingSecrets(
      ['dagster-secret-a', 'dagster-secret-b', 'dagster-secret-old', 'tf'],
      results,
      false
    )
    expect([...existing.names].sort()).toEqual(['dagster-secret-a', 'dagster-secret-b', 'tf'])
    expect([...existing.keys]).toEqual([['dagster-secret-a', new Set(['DAGSTER_SECRET_A'])]])
  })

  it('counts, outside a dry run, only what the LIST saw', () => {
    expect([...existingSecrets([], results, false).names]).toEqual([])
  })

  it('counts in a dry run the Secrets that a real run would create', () => {
    const existing = existingSecrets(['dagster-secret-old'], results, true)
    expect([...existing.names].sort()).toEqual(['dagster-secret-a'])
  })
})

describe('findDangling', () => {
  const ref = (secretName: string, key?: string, optional = false): SecretReference => ({
    workload: 'Deployment/d',
    container: 'c',
    source: key ? 'env' : 'envFrom',
    secretName,
    ...(key && { key }),
    optional
  })
  const existing = {
    names: new Set(['dagster-secret-slack-bot-token', 'dagster-secret-db', 'dagster-secret-tf', 'other']),
    keys: new Map([
      ['dagster-secret-slack-bot-token', new Set(['DAGSTER_SECRET_SLACK_BOT_TOKEN'])],
      ['dagster-secret-db', new Set(['DAGSTER_SECRET_DB'])]
    ])
  }

  it.each<[string, SecretReference, object | undefined]>([
    ['an existing Secret', ref('dagster-secret-db'), undefined],
    ['a Secret outside the prefix family', ref('cloudsql-credentials'), undefined],
    [
      'a missing Secret, with its near miss',
      ref('dagster-secret-slack-token'),
      { missing: 'secret', closest: 'dagster-secret-slack-bot-token' }
    ],
    ['a missing Secret with nothing close', ref('dagster-secret-zzzzzzzzzz'), { missing: 'secret' }],
    ['the right key', ref('dagster-secret-db', 'DAGSTER_SECRET_DB'), undefined],
    [
      "a missing key, naming the Secret's only key",
      ref('dagster-secret-db', 'PASSWORD'),
      { missing: 'key', closest: 'DAGSTER_SECRET_DB' }
    ],
    ["a key of a Secret whose keys are unknown (Terraform's)", ref('dagster-secret-tf', 'ANY'), undefined],
    [
      'an optional missing Secret (kept, marked optional)',
      ref('dagster-secret-gone', undefined, true),
      { missing: 'secret' }
    ]
  ])('%s', (_, reference, expected) => {
    const found = findDangling([reference], existing, 'DAGSTER_SECRET')
    if (!expected) expect(found).toEqual([])
    else expect(found).toEqual([{ reference, ...expected }])
  })

  it('reads the family from the prefix as the action names Secrets (lower case, _ to -)', () => {
    expect(secretNamePrefix('Team_A_SECRET')).toBe('team-a-secret-')
    expect(
      findDangling([ref('team-a-secret-x')], { names: new Set(), keys: new Map() }, 'TEAM_A_SECRET')
    ).toHaveLength(1)
  })
})

const inventory = (over: Partial<WorkloadInventory> = {}): WorkloadInventory => ({
  workloads: [
    deployment('user-code', {
      containers: [{ name: 'app', envFrom: [{ secretRef: { name: 'dagster-secret-a' } }] }]
    }),
    {
      kind: 'CronJob',
      name: 'nightly',
      podSpec: {
        containers: [
          {
            name: 'job',
            envFrom: [
              { secretRef: { name: 'dagster-secret-a' } },
              { secretRef: { name: 'dagster-secret-old' } }
            ]
          }
        ]
      }
    }
  ],
  secretNames: ['dagster-secret-a', 'dagster-secret-b', 'dagster-secret-old'],
  failures: [],
  ...over
})

describe('Pods', () => {
  const templates: Workload[] = [
    { kind: 'Deployment', name: 'user-code' },
    { kind: 'DaemonSet', name: 'log-shipper' },
    { kind: 'StatefulSet', name: 'cache' },
    { kind: 'CronJob', name: 'nightly' },
    { kind: 'Job', name: 'dagster-run-1' }
  ]
  const pod = (
    name: string,
    owner?: { kind: string; name: string; controller?: boolean },
    labels: Record<string, string> = {},
    phase = 'Running'
  ): V1Pod => ({
    metadata: {
      name,
      labels,
      ...(owner && {
        ownerReferences: [{ apiVersion: 'v1', uid: 'u', controller: true, ...owner }]
      })
    },
    spec: { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'dagster-secret-a' } }] }] },
    status: { phase }
  })

  it.each<[string, V1Pod, string]>([
    ['a bare Pod is itself', pod('debug'), 'Pod/debug'],
    [
      "a Deployment's ReplicaSet's Pod is the Deployment's",
      pod(
        'user-code-7c9f8-abcde',
        { kind: 'ReplicaSet', name: 'user-code-7c9f8' },
        { 'pod-template-hash': '7c9f8' }
      ),
      'Deployment/user-code'
    ],
    [
      'a standalone ReplicaSet is named as such',
      pod('legacy-x1', { kind: 'ReplicaSet', name: 'legacy' }),
      'ReplicaSet/legacy'
    ],
    [
      "a ReplicaSet of a Deployment that was not listed (its hash, but no such Deployment) is the ReplicaSet's",
      pod('gone-5d4-q', { kind: 'ReplicaSet', name: 'gone-5d4' }, { 'pod-template-hash': '5d4' }),
      'ReplicaSet/gone-5d4'
    ],
    [
      'a ReplicationController is named as such',
      pod('rc-abc', { kind: 'ReplicationController', name: 'rc' }),
      'ReplicationController/rc'
    ],
    [
      "a DaemonSet's Pod",
      pod('log-shipper-x', { kind: 'DaemonSet', name: 'log-shipper' }),
      'DaemonSet/log-shipper'
    ],
    ["a StatefulSet's Pod", pod('cache-0', { kind: 'StatefulSet', name: 'cache' }), 'StatefulSet/cache'],
    [
      "a listed Job's Pod",
      pod('dagster-run-1-x', { kind: 'Job', name: 'dagster-run-1' }),
      'Job/dagster-run-1'
    ],
    [
      "a CronJob's Job's Pod is the CronJob's",
      pod('nightly-29000000-x', { kind: 'Job', name: 'nightly-29000000' }),
      'CronJob/nightly'
    ],
    [
      'the controller among several owners',
      {
        ...pod('p'),
        metadata: {
          name: 'p',
          ownerReferences: [
            { apiVersion: 'v1', kind: 'Node', name: 'n', uid: '1' },
            { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'web', uid: '2', controller: true }
          ]
        }
      },
      'Rollout/web'
    ]
  ])('%s: %s', (_, runningPod, runner) => {
    expect(podRunner(runningPod, templates)).toBe(runner)
  })

  it.each([
    ['Running', true],
    ['Pending', true],
    ['Unknown', true],
    ['Succeeded', false],
    ['Failed', false]
  ])('a Pod in phase %s may start containers again: %s', (phase, live) => {
    expect(isLivePod(pod('p', undefined, {}, phase))).toBe(live)
  })

  it('reads the live Pods as workloads shown as what runs them, and counts a Deployment and its Pods once', () => {
    const workloads = [
      deployment('user-code', {
        containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'dagster-secret-a' } }] }]
      }),
      ...podWorkloads(
        [
          pod(
            'user-code-7c9f8-a',
            { kind: 'ReplicaSet', name: 'user-code-7c9f8' },
            { 'pod-template-hash': '7c9f8' }
          ),
          pod(
            'user-code-7c9f8-b',
            { kind: 'ReplicaSet', name: 'user-code-7c9f8' },
            { 'pod-template-hash': '7c9f8' }
          ),
          pod('debug'),
          pod('done', undefined, {}, 'Succeeded')
        ],
        templates
      )
    ]
    expect(workloads.map(w => [w.kind, w.name, w.runBy])).toEqual([
      ['Deployment', 'user-code', undefined],
      ['Pod', 'user-code-7c9f8-a', 'Deployment/user-code'],
      ['Pod', 'user-code-7c9f8-b', 'Deployment/user-code'],
      ['Pod', 'debug', 'Pod/debug']
    ])
    expect(countWorkloads(workloads)).toBe(2)
    // The replicas repeat the template's reference: it is collected once.
    expect(collectReferences(workloads).map(r => r.workload)).toEqual(['Deployment/user-code', 'Pod/debug'])
  })
})

describe('usedByIndex', () => {
  it('lists each workload once per Secret, sorted', () => {
    const refs = collectReferences(inventory().workloads)
    expect(Object.fromEntries(usedByIndex([...refs, ...refs]))).toEqual({
      'dagster-secret-a': ['CronJob/nightly', 'Deployment/user-code'],
      'dagster-secret-old': ['CronJob/nightly']
    })
  })
})

describe('holdBackReferenced', () => {
  it('keeps a referenced orphan and says which workload holds it', () => {
    const { prunable, heldBack } = holdBackReferenced(
      ['dagster-secret-old', 'dagster-secret-gone'],
      inventory()
    )
    expect([...prunable]).toEqual(['dagster-secret-gone'])
    expect(heldBack).toEqual([
      {
        secretName: 'dagster-secret-old',
        state: 'skipped',
        detail:
          'not deleted: still referenced by CronJob/nightly; deleting it would stop their pods from starting'
      }
    ])
  })

  it('deletes nothing when a workload kind could not be listed', () => {
    const { prunable, heldBack } = holdBackReferenced(
      ['dagster-secret-gone'],
      inventory({ failures: [{ resource: 'cronjobs.batch', status: 403, message: 'forbidden' }] })
    )
    expect(prunable.size).toBe(0)
    expect(heldBack[0]?.detail).toBe(
      'not deleted: could not check which workloads reference it (listing cronjobs.batch failed)'
    )
  })

  it.each([
    ['a DaemonSet', { kind: 'DaemonSet', name: 'log-shipper' }, 'DaemonSet/log-shipper'],
    ['a bare Pod', { kind: 'Pod', name: 'debug', runBy: 'Pod/debug' }, 'Pod/debug'],
    [
      'a Pod of a standalone ReplicaSet',
      { kind: 'Pod', name: 'legacy-x', runBy: 'ReplicaSet/legacy' },
      'ReplicaSet/legacy'
    ]
  ] as const)('keeps an orphan only %s uses', (_, user, label) => {
    const inv = inventory()
    inv.workloads.push({
      ...user,
      podSpec: { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'dagster-secret-gone' } }] }] }
    })
    const { prunable, heldBack } = holdBackReferenced(['dagster-secret-gone'], inv)
    expect(prunable.size).toBe(0)
    expect(heldBack[0]?.detail).toBe(
      `not deleted: still referenced by ${label}; deleting it would stop their pods from starting`
    )
  })

  it.each(['daemonsets.apps', 'pods'])('deletes nothing when %s could not be listed', resource => {
    const { prunable } = holdBackReferenced(
      ['dagster-secret-gone'],
      inventory({ failures: [{ resource, status: 403, message: 'forbidden' }] })
    )
    expect(prunable.size).toBe(0)
  })

  it('still prunes when only the Secret names could not be listed', () => {
    const { prunable } = holdBackReferenced(
      ['dagster-secret-gone'],
      inventory({ failures: [{ resource: 'secrets', status: 500, message: 'x' }] })
    )
    expect([...prunable]).toEqual(['dagster-secret-gone'])
  })
})

describe('checkReferences', () => {
  const results: SecretResult[] = [
    { githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', state: 'unchanged' },
    { githubName: 'DAGSTER_SECRET_B', secretName: 'dagster-secret-b', state: 'created' },
    { githubName: 'DAGSTER_SECRET_C', secretName: 'dagster-secret-c', state: 'failed', detail: 'x' }
  ]

  it('finds unreferenced Secrets among those in sync, and splits optional dangling references off', () => {
    const inv = inventory()
    inv.workloads.push(
      deployment('web', {
        containers: [
          {
            name: 'web',
            envFrom: [
              { secretRef: { name: 'dagster-secret-missing' } },
              { secretRef: { name: 'dagster-secret-maybe', optional: true } }
            ]
          }
        ]
      })
    )
    const check = checkReferences(inv, results, 'DAGSTER_SECRET', false)
    expect(check.unreferenced).toEqual(['dagster-secret-b'])
    expect(check.dangling.map(d => d.reference.secretName)).toEqual(['dagster-secret-missing'])
    expect(check.optionalDangling.map(d => d.reference.secretName)).toEqual(['dagster-secret-maybe'])
    expect(check.danglingChecked).toBe(true)
    expect(check.workloadCount).toBe(3)
  })

  it('looks for no dangling reference without the Secret names', () => {
    const check = checkReferences(
      inventory({ secretNames: undefined, failures: [{ resource: 'secrets', message: 'x' }] }),
      results,
      'DAGSTER_SECRET',
      false
    )
    expect(check.danglingChecked).toBe(false)
    expect(check.dangling).toEqual([])
  })
})

describe('shortList', () => {
  it.each<[string[], number, string]>([
    [['a'], 3, 'a'],
    [['a', 'b', 'c'], 3, 'a, b, c'],
    [['a', 'b', 'c', 'd', 'e'], 3, 'a, b, c and 2 more']
  ])('%j (max %d) -> %s', (names, max, expected) => {
    expect(shortList(names, max)).toBe(expected)
  })
})

describe('podRunner at the edges of the controllers’ naming rules', () => {
  const templates: Workload[] = [
    { kind: 'Deployment', name: 'user-code' },
    { kind: 'StatefulSet', name: 'cache' },
    { kind: 'CronJob', name: 'nightly' },
    { kind: 'Job', name: 'nightly-29000001' }
  ]
  const owned = (kind: string, name: string, labels?: Record<string, string>): V1Pod => ({
    metadata: {
      name: 'p',
      ...(labels && { labels }),
      ownerReferences: [{ apiVersion: 'v1', uid: 'u', controller: true, kind, name }]
    }
  })
  it.each<[string, V1Pod, string]>([
    ['a Pod without metadata is a nameless Pod', {}, 'Pod/'],
    [
      'a ReplicaSet named after a workload of another kind',
      owned('ReplicaSet', 'cache-abc12', { 'pod-template-hash': 'abc12' }),
      'ReplicaSet/cache-abc12'
    ],
    [
      'a pod-template-hash on a Pod of another kind than a ReplicaSet',
      owned('DaemonSet', 'user-code-h1', { 'pod-template-hash': 'h1' }),
      'DaemonSet/user-code-h1'
    ],
    [
      'a ReplicaSet whose name does not end in its Pods’ hash is not a Deployment’s',
      owned('ReplicaSet', 'user-code-wxyz', { 'pod-template-hash': 'abcd' }),
      'ReplicaSet/user-code-wxyz'
    ],
    [
      'a ReplicaSet’s Pod without labels',
      owned('ReplicaSet', 'user-code-abcde'),
      'ReplicaSet/user-code-abcde'
    ],
    [
      'a name like a CronJob’s Job, on another kind, is that kind’s',
      owned('ReplicaSet', 'nightly-29000000'),
      'ReplicaSet/nightly-29000000'
    ],
    [
      'a listed Job named like a CronJob’s is the Job',
      owned('Job', 'nightly-29000001'),
      'Job/nightly-29000001'
    ],
    [
      'a Job whose name only starts like a CronJob’s',
      owned('Job', 'nightly-29000000-retry'),
      'Job/nightly-29000000-retry'
    ],
    ['a Job of a CronJob that was not listed', owned('Job', 'weekly-29000000'), 'Job/weekly-29000000'],
    ['a Job with no number in its name', owned('Job', 'adhoc'), 'Job/adhoc']
  ])('%s: %s', (_, pod, runner) => {
    expect(podRunner(pod, templates)).toBe(runner)
  })

  it('reads a Pod without a status as live, and one without a name as a nameless Pod', () => {
    expect(isLivePod({})).toBe(true)
    expect(podWorkloads([{ spec: { containers: [] } }], templates)).toEqual([
      { kind: 'Pod', name: '', podSpec: { containers: [] }, runBy: 'Pod/' }
    ])
  })
})

describe('isLiveStandaloneJob at the edges', () => {
  it.each<[string, V1Job, boolean]>([
    [
      'a Job owned by something else than a CronJob',
      {
        metadata: {
          ownerReferences: [{ kind: 'Workflow', name: 'w', apiVersion: 'argoproj.io/v1alpha1', uid: 'u' }]
        }
      },
      true
    ],
    [
      'a Complete condition that is not true yet',
      { status: { conditions: [{ type: 'Complete', status: 'False' }] } },
      true
    ]
  ])('%s -> %s', (_, job, live) => {
    expect(isLiveStandaloneJob(job)).toBe(live)
  })
})

describe('holdBackReferenced: the held-back result', () => {
  it('is a skipped result naming every kind that could not be listed', () => {
    const { heldBack } = holdBackReferenced(
      ['dagster-secret-gone'],
      inventory({
        failures: [
          { resource: 'cronjobs.batch', status: 403, message: 'forbidden' },
          { resource: 'pods', status: 403, message: 'forbidden' }
        ]
      })
    )
    expect(heldBack).toEqual([
      {
        secretName: 'dagster-secret-gone',
        state: 'skipped',
        detail:
          'not deleted: could not check which workloads reference it (listing cronjobs.batch, pods failed)'
      }
    ])
  })
})
