import type { V1PodSpec } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import {
  changedSecrets,
  failedRestarts,
  planRestarts,
  readersOfChanges,
  restartedAtValue,
  restartNeeded,
  restartPatch,
  restartRefusal,
  type ChangedSecret,
  type RestartsReport,
  type WorkloadRestart
} from '../../src/sync/restarts.js'
import type { SecretResult, SecretState } from '../../src/sync/sync.js'
import type { Workload, WorkloadKind } from '../../src/sync/workload-references.js'

const result = (state: SecretState, name: string, changedKeys?: string[]): SecretResult => ({
  githubName: name.toUpperCase().replaceAll('-', '_'),
  secretName: name,
  state,
  ...(changedKeys && { changedKeys })
})

const workload = (
  kind: WorkloadKind,
  name: string,
  podSpec: Partial<V1PodSpec>,
  runBy?: string
): Workload => ({
  kind,
  name,
  podSpec: podSpec as V1PodSpec,
  ...(runBy && { runBy })
})
const envFrom = (secret: string, optional = false): Partial<V1PodSpec> => ({
  containers: [{ name: 'app', envFrom: [{ secretRef: { name: secret, optional } }] }]
})
const keyRef = (secret: string, key: string): Partial<V1PodSpec> => ({
  containers: [{ name: 'app', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: secret, key } } }] }]
})

describe('restartNeeded and changedSecrets', () => {
  it.each<[SecretState, boolean, boolean]>([
    ['created', true, true],
    ['updated', true, true],
    ['deleted', true, false],
    ['metadata-updated', false, false],
    ['unchanged', false, false],
    ['skipped', false, false],
    ['failed', false, false]
  ])('a %s Secret: restart_deployments %s, a changed value to look for %s', (state, needed, changed) => {
    const results = [result(state, 'dagster-secret-a', ['DAGSTER_SECRET_A'])]
    expect(restartNeeded(results)).toBe(needed)
    expect(changedSecrets(results).length > 0).toBe(changed)
  })
})

describe('readersOfChanges', () => {
  const changed: ChangedSecret[] = [
    { secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] },
    { secretName: 'shared', keys: ['K1', 'K2'] }
  ]
  it.each<[string, Partial<V1PodSpec>, { secretName: string; keys: string[] }[]]>([
    ['envFrom reads every changed key', envFrom('shared'), [{ secretName: 'shared', keys: ['K1', 'K2'] }]],
    [
      'an optional envFrom still reads it',
      envFrom('shared', true),
      [{ secretName: 'shared', keys: ['K1', 'K2'] }]
    ],
    ['secretKeyRef to a changed key', keyRef('shared', 'K2'), [{ secretName: 'shared', keys: ['K2'] }]],
    ['secretKeyRef to an unchanged key', keyRef('shared', 'K3'), []],
    ['an unchanged Secret', envFrom('dagster-secret-other'), []],
    [
      'a volume without items reads every key',
      {
        containers: [{ name: 'app', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
        volumes: [{ name: 'v', secret: { secretName: 'shared' } }]
      },
      [{ secretName: 'shared', keys: ['K1', 'K2'] }]
    ],
    [
      "a projected volume's items read only theirs",
      {
        containers: [{ name: 'app', volumeMounts: [{ name: 'v', mountPath: '/v' }] }],
        volumes: [
          {
            name: 'v',
            projected: { sources: [{ secret: { name: 'shared', items: [{ key: 'K1', path: 'k1' }] } }] }
          }
        ]
      },
      [{ secretName: 'shared', keys: ['K1'] }]
    ],
    [
      'an init container, and two Secrets at once',
      {
        initContainers: [{ name: 'migrate', envFrom: [{ secretRef: { name: 'dagster-secret-a' } }] }],
        containers: [
          { name: 'app', env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 'shared', key: 'K1' } } }] }
        ]
      },
      [
        { secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] },
        { secretName: 'shared', keys: ['K1'] }
      ]
    ]
  ])('%s', (_, podSpec, causes) => {
    const readers = readersOfChanges([workload('Deployment', 'web', podSpec)], changed)
    expect(readers.map(reader => reader.causes)).toEqual(causes.length > 0 ? [causes] : [])
  })
})

describe('planRestarts', () => {
  const results = [
    result('updated', 'dagster-secret-a', ['DAGSTER_SECRET_A']),
    result('created', 'dagster-secret-b', ['DAGSTER_SECRET_B']),
    result('unchanged', 'dagster-secret-c')
  ]
  const workloads: Workload[] = [
    workload('Deployment', 'user-code', {
      containers: [
        {
          name: 'app',
          envFrom: [{ secretRef: { name: 'dagster-secret-a' } }, { secretRef: { name: 'dagster-secret-b' } }]
        }
      ]
    }),
    workload('StatefulSet', 'cache', envFrom('dagster-secret-a')),
    workload('DaemonSet', 'shipper', envFrom('dagster-secret-b')),
    workload('Deployment', 'untouched', envFrom('dagster-secret-c')),
    workload('CronJob', 'nightly', envFrom('dagster-secret-a')),
    workload('Job', 'dagster-run-1', envFrom('dagster-secret-b')),
    // A Pod of the Deployment: its template is what a restart changes, not the Pod.
    workload('Pod', 'user-code-7c9-x', envFrom('dagster-secret-a'), 'Deployment/user-code')
  ]

  it('restarts each reader once, with the Secrets and keys that changed, and lists Jobs and CronJobs apart', () => {
    const plan = planRestarts({ results, workloads, namedDeployments: [], referencing: true })
    expect(plan.restarts).toEqual([
      {
        kind: 'Deployment',
        name: 'user-code',
        named: false,
        causes: [
          { secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] },
          { secretName: 'dagster-secret-b', keys: ['DAGSTER_SECRET_B'] }
        ]
      },
      {
        kind: 'StatefulSet',
        name: 'cache',
        named: false,
        causes: [{ secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] }]
      },
      {
        kind: 'DaemonSet',
        name: 'shipper',
        named: false,
        causes: [{ secretName: 'dagster-secret-b', keys: ['DAGSTER_SECRET_B'] }]
      }
    ])
    expect(plan.nextRun).toEqual([
      {
        workload: 'CronJob/nightly',
        causes: [{ secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] }]
      },
      {
        workload: 'Job/dagster-run-1',
        causes: [{ secretName: 'dagster-secret-b', keys: ['DAGSTER_SECRET_B'] }]
      }
    ])
  })

  it('restarts a Deployment named in restart_deployments and found by reference once, with both reasons', () => {
    const plan = planRestarts({
      results,
      workloads,
      namedDeployments: ['user-code', 'webserver'],
      referencing: true
    })
    expect(
      plan.restarts.filter(r => r.kind === 'Deployment').map(r => [r.name, r.named, r.causes.length])
    ).toEqual([
      ['user-code', true, 2],
      ['webserver', true, 0]
    ])
  })

  it.each<[string, SecretResult[], string[], boolean, string[]]>([
    ['restart_deployments alone after a change', results, ['webserver'], false, ['Deployment/webserver']],
    [
      'restart_deployments after a deletion only',
      [result('deleted', 'dagster-secret-x')],
      ['webserver'],
      true,
      ['Deployment/webserver']
    ],
    [
      'nothing after a metadata-only update',
      [result('metadata-updated', 'dagster-secret-a')],
      ['webserver'],
      true,
      []
    ],
    ['nothing by reference after a deletion', [result('deleted', 'dagster-secret-a')], [], true, []],
    ['nothing by reference without restart_referencing', results, [], false, []]
  ])('%s', (_, runResults, named, referencing, restarted) => {
    const plan = planRestarts({ results: runResults, workloads, namedDeployments: named, referencing })
    expect(plan.restarts.map(r => `${r.kind}/${r.name}`)).toEqual(restarted)
  })
})

describe('the restart itself', () => {
  it.each<[string, 'Deployment' | 'StatefulSet', { paused?: boolean } | undefined, boolean]>([
    ['a paused Deployment', 'Deployment', { paused: true }, true],
    ['a running Deployment', 'Deployment', { paused: false }, false],
    ['a StatefulSet (which cannot be paused)', 'StatefulSet', { paused: true }, false]
  ])('%s is refused: %s', (_, kind, spec, refused) => {
    const refusal = restartRefusal(kind, 'web', 'dagster-prd', spec)
    expect(refusal !== undefined).toBe(refused)
    if (refused) {
      expect(refusal).toContain("can't restart paused deployment (run rollout resume first)")
      expect(refusal).toContain('kubectl rollout resume deployment/web -n dagster-prd')
    }
  })

  it("writes kubectl's annotation in RFC 3339 seconds, as a strategic merge patch of the pod template", () => {
    const at = restartedAtValue(new Date('2024-06-01T12:00:00.123Z'))
    expect(at).toBe('2024-06-01T12:00:00Z')
    expect(restartPatch(at)).toEqual({
      spec: { template: { metadata: { annotations: { 'kubectl.kubernetes.io/restartedAt': at } } } }
    })
  })
})

describe('the order of a plan, whatever the order of its input', () => {
  it('lists changed Secrets by name, a result without changed keys with none', () => {
    expect(
      changedSecrets([result('updated', 'dagster-secret-b', ['B']), result('created', 'dagster-secret-a')])
    ).toEqual([
      { secretName: 'dagster-secret-a', keys: [] },
      { secretName: 'dagster-secret-b', keys: ['B'] }
    ])
  })

  it('lists the causes of a reader by Secret name, and their keys sorted', () => {
    const reader = workload('Deployment', 'web', {
      containers: [
        {
          name: 'app',
          envFrom: [{ secretRef: { name: 'zeta' } }, { secretRef: { name: 'alpha' } }]
        }
      ]
    })
    const [found] = readersOfChanges(
      [reader],
      [
        { secretName: 'zeta', keys: ['Z2', 'Z1'] },
        { secretName: 'alpha', keys: ['A'] }
      ]
    )
    expect(found?.causes).toEqual([
      { secretName: 'alpha', keys: ['A'] },
      { secretName: 'zeta', keys: ['Z1', 'Z2'] }
    ])
  })

  it('restarts Deployments, then StatefulSets, then DaemonSets, each by name; Jobs and CronJobs by label', () => {
    const plan = planRestarts({
      results: [result('updated', 'dagster-secret-a', ['DAGSTER_SECRET_A'])],
      workloads: [
        workload('Job', 'z-job', envFrom('dagster-secret-a')),
        workload('DaemonSet', 'a-shipper', envFrom('dagster-secret-a')),
        workload('StatefulSet', 'b-cache', envFrom('dagster-secret-a')),
        workload('StatefulSet', 'a-cache', envFrom('dagster-secret-a')),
        workload('Deployment', 'z-web', envFrom('dagster-secret-a')),
        workload('CronJob', 'a-nightly', envFrom('dagster-secret-a'))
      ],
      namedDeployments: ['c-named'],
      referencing: true
    })
    expect(plan.restarts.map(r => `${r.kind}/${r.name}`)).toEqual([
      'Deployment/c-named',
      'Deployment/z-web',
      'StatefulSet/a-cache',
      'StatefulSet/b-cache',
      'DaemonSet/a-shipper'
    ])
    expect(plan.nextRun.map(n => n.workload)).toEqual(['CronJob/a-nightly', 'Job/z-job'])
  })
})

describe('restartRefusal without a spec', () => {
  it('restarts a Deployment read without a spec', () => {
    expect(restartRefusal('Deployment', 'web', 'dagster-prd', undefined)).toBeUndefined()
  })
})

describe('failedRestarts', () => {
  const restart = (name: string, extra: Partial<WorkloadRestart>): WorkloadRestart => ({
    kind: 'Deployment',
    name,
    namespace: 'dagster-prd',
    causes: [],
    named: true,
    outcome: 'restarted',
    ...extra
  })
  const report = (restarts: WorkloadRestart[]): RestartsReport => ({
    referencing: false,
    anyChange: true,
    restarts,
    nextRun: [],
    problems: [],
    waited: true
  })

  it('fails a failed restart, a failed rollout and one that could not be watched; nothing else', () => {
    const restarts = [
      restart('patched', {}),
      restart('refused', { outcome: 'failed', detail: 'forbidden' }),
      restart('paused', { outcome: 'paused' }),
      restart('dry', { outcome: 'would restart' }),
      restart('complete', { rollout: { state: 'complete', message: 'ok' } }),
      restart('deadline', { rollout: { state: 'failed', message: 'x', waiting: [] } }),
      restart('slow', { rollout: { state: 'still rolling out', message: 'x', waiting: [] } }),
      restart('on-delete', { rollout: { state: 'untracked', message: 'x' } }),
      restart('unseen', { rollout: { state: 'unverified', message: '403' } })
    ]
    expect(failedRestarts(report(restarts)).map(r => r.name)).toEqual(['refused', 'deadline', 'unseen'])
  })

  it('fails nothing when the step did not run', () => {
    expect(failedRestarts(undefined)).toEqual([])
  })
})
