// restartWorkloads and its rollout watch against the Kubernetes double over HTTPS with the real client-node: what
// reads a changed Secret is restarted once (GET, then a strategic-merge PATCH), each rollout is followed with a LIST
// and a WATCH of the one object as kubectl does, and it ends complete, failed (progress deadline, pods that cannot
// start), still rolling out (the budget ran out), or unverified (the watch is forbidden); a dropped watch and an
// expired resourceVersion are listed and watched again.
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SharedConnections } from '../../src/kube/requests.js'
import { restartWorkloads, type RestartSettings } from '../../src/kube/workload-restarts.js'
import { WorkloadsClient } from '../../src/kube/workloads-client.js'
import type { RestartsReport } from '../../src/sync/restarts.js'
import type { SecretResult } from '../../src/sync/sync.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'

const ns = 'dagster-prd'
const changed: SecretResult[] = [
  {
    githubName: 'DAGSTER_SECRET_A',
    secretName: 'dagster-secret-a',
    state: 'updated',
    changedKeys: ['DAGSTER_SECRET_A']
  }
]
const readsA = {
  containers: [{ name: 'app', image: 'x', envFrom: [{ secretRef: { name: 'dagster-secret-a' } }] }]
}

let kube: KubeDouble
let denied: Set<string>

async function start(rolloutStepMs = 25): Promise<void> {
  denied = new Set()
  kube = await startKubeDouble({
    workloads: true,
    rolloutStepMs,
    authorize: a => !denied.has(`${a.verb} ${a.resource}`)
  })
  kube.seedDeployment(ns, { name: 'user-code', podSpec: readsA })
  kube.seedWorkload(ns, 'statefulsets', {
    metadata: { name: 'cache' },
    spec: {
      serviceName: 'cache',
      selector: { matchLabels: { app: 'cache' } },
      template: { metadata: { labels: { app: 'cache' } }, spec: readsA }
    }
  })
  kube.seedWorkload(ns, 'daemonsets', {
    metadata: { name: 'shipper' },
    spec: {
      selector: { matchLabels: { app: 'shipper' } },
      template: { metadata: { labels: { app: 'shipper' } }, spec: readsA }
    }
  })
  kube.seedWorkload(ns, 'cronjobs', {
    metadata: { name: 'nightly' },
    spec: {
      schedule: '@daily',
      jobTemplate: { spec: { template: { spec: { ...readsA, restartPolicy: 'Never' } } } }
    }
  })
}
afterEach(() => kube.close())

async function restart(
  settings: Partial<RestartSettings> = {},
  { budgetMs = 20_000, results = changed }: { budgetMs?: number; results?: SecretResult[] } = {}
): Promise<RestartsReport | undefined> {
  const policy = {
    connections: new SharedConnections(),
    requestTimeoutMs: 10_000,
    deadline: AbortSignal.timeout(budgetMs),
    retry: { retries: 2, minDelayMs: 10, maxDelayMs: 50 }
  }
  const kubeConfig = kubeConfigFor(kube)
  const inventory = await new WorkloadsClient(kubeConfig, { ...policy, namespace: ns }).inventory()
  kube.resetRequests()
  return restartWorkloads(
    kubeConfig,
    {
      namespace: ns,
      dryRun: false,
      concurrency: 4,
      restartReferencing: true,
      waitForRollout: true,
      ...settings
    },
    { results, inventory },
    { ...policy, podCheckMs: 200 },
    new Date('2024-06-01T12:00:00Z')
  )
}

const outcomes = (report: RestartsReport | undefined): [string, string, string | undefined][] =>
  (report?.restarts ?? []).map(r => [`${r.kind}/${r.name}`, r.outcome, r.rollout?.state])

describe('restartWorkloads', () => {
  beforeEach(() => start())

  it('restarts each reader once, kubectl`s way, and waits until every rollout is complete', async () => {
    const report = await restart({ restart: { kind: 'names', names: ['user-code'] } })
    expect(outcomes(report)).toEqual([
      ['Deployment/user-code', 'restarted', 'complete'],
      ['StatefulSet/cache', 'restarted', 'complete'],
      ['DaemonSet/shipper', 'restarted', 'complete']
    ])
    expect(report?.restarts[0]).toMatchObject({
      namespace: ns,
      named: true,
      causes: [{ secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] }],
      restartedAt: '2024-06-01T12:00:00Z'
    })
    expect(report?.nextRun).toEqual([
      {
        workload: 'CronJob/nightly',
        causes: [{ secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] }]
      }
    ])
    const patches = kube.writes().filter(w => w.method === 'PATCH')
    expect(patches.map(p => [p.path, p.contentType, p.query.get('fieldManager')]).sort()).toEqual(
      [
        [
          `/apis/apps/v1/namespaces/${ns}/daemonsets/shipper`,
          'application/strategic-merge-patch+json',
          'gke-secrets-sync'
        ],
        [
          `/apis/apps/v1/namespaces/${ns}/deployments/user-code`,
          'application/strategic-merge-patch+json',
          'gke-secrets-sync'
        ],
        [
          `/apis/apps/v1/namespaces/${ns}/statefulsets/cache`,
          'application/strategic-merge-patch+json',
          'gke-secrets-sync'
        ]
      ].sort()
    )
    expect(kube.getDeployment(ns, 'user-code')?.spec.template.metadata.annotations).toEqual({
      'kubectl.kubernetes.io/restartedAt': '2024-06-01T12:00:00Z'
    })
    // As kubectl rollout status: LIST then WATCH, both by the workload's name.
    const byName = kube.requests.filter(r => r.query.get('fieldSelector') === 'metadata.name=user-code')
    expect(byName.map(r => r.query.get('watch') ?? 'list')[0]).toBe('list')
    expect(kube.writes().filter(w => w.path.includes('cronjobs'))).toEqual([])
  })

  it('fails a rollout past its progress deadline with the condition and the waiting pods', async () => {
    kube.setRollout(ns, 'deployments', 'user-code', {
      outcome: 'progress-deadline',
      waiting: {
        reason: 'CreateContainerConfigError',
        message: "couldn't find key TOKEN in Secret dagster-prd/dagster-secret-b"
      }
    })
    const report = await restart({
      restartReferencing: false,
      restart: { kind: 'names', names: ['user-code'] }
    })
    const [deployment] = report?.restarts ?? []
    expect(deployment?.rollout).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(
        /^deployment "user-code" exceeded its progress deadline \(ProgressDeadlineExceeded: ReplicaSet "user-code-\w+" has timed out progressing\.\)$/
      ) as unknown,
      waiting: [
        {
          container: 'app',
          reason: 'CreateContainerConfigError',
          message: "couldn't find key TOKEN in Secret dagster-prd/dagster-secret-b"
        }
      ]
    })
  })

  it('fails at once when the new pods crash, without waiting for a deadline', async () => {
    kube.setRollout(ns, 'statefulsets', 'cache', {
      outcome: 'pods-waiting',
      waiting: { reason: 'CrashLoopBackOff', message: 'back-off 10s restarting failed container' }
    })
    const started = Date.now()
    const report = await restart()
    const cache = report?.restarts.find(r => r.name === 'cache')
    expect(cache?.rollout).toMatchObject({
      state: 'failed',
      message: expect.stringMatching(
        /^its new pods cannot start \(CrashLoopBackOff\); waiting for /
      ) as unknown,
      waiting: [{ pod: 'cache-0', container: 'app', reason: 'CrashLoopBackOff' }]
    })
    expect(Date.now() - started).toBeLessThan(5000)
    // The others came back all the same.
    expect(
      outcomes(report)
        .filter(([w]) => w !== 'StatefulSet/cache')
        .map(([, , s]) => s)
    ).toEqual(['complete', 'complete'])
  })

  it('reports a rollout the budget did not see end as still rolling out, not as failed', async () => {
    kube.setRollout(ns, 'daemonsets', 'shipper', { outcome: 'stuck' })
    const report = await restart({}, { budgetMs: 1500 })
    const shipper = report?.restarts.find(r => r.name === 'shipper')
    expect(shipper?.rollout).toMatchObject({
      state: 'still rolling out',
      message: '0 of 2 updated pods are available',
      waiting: [
        expect.objectContaining({ reason: 'ContainerCreating' }),
        expect.objectContaining({ reason: 'ContainerCreating' })
      ]
    })
  })

  it('cannot say a rollout came back when watching is forbidden, and names the rule', async () => {
    denied.add('watch statefulsets')
    kube.setRollout(ns, 'statefulsets', 'cache', { outcome: 'stuck' })
    const report = await restart()
    expect(report?.restarts.find(r => r.name === 'cache')?.rollout).toMatchObject({
      state: 'unverified',
      message: expect.stringContaining('cannot watch resource "statefulsets"') as unknown
    })
    expect(report?.restarts.find(r => r.name === 'cache')?.rollout).toMatchObject({
      message: expect.stringContaining(
        'grant verbs list and watch on statefulsets (API group apps)'
      ) as unknown
    })
  })

  it('leaves a paused Deployment alone, and in a dry run patches with dryRun=All and waits for nothing', async () => {
    kube.seedDeployment(ns, { name: 'paused', paused: true, podSpec: readsA })
    const dry = await restart({ dryRun: true }, {})
    expect(outcomes(dry)).toEqual([
      ['Deployment/paused', 'paused', undefined],
      ['Deployment/user-code', 'would restart', undefined],
      ['StatefulSet/cache', 'would restart', undefined],
      ['DaemonSet/shipper', 'would restart', undefined]
    ])
    expect(dry?.waited).toBe(false)
    expect(kube.writes().every(w => w.dryRun)).toBe(true)
    expect(kube.writes().some(w => w.path.endsWith('/paused'))).toBe(false)
    expect(kube.requests.some(r => r.query.get('watch'))).toBe(false)
  })

  it('reports a refused PATCH as a failed restart with the API server`s message', async () => {
    denied.add('patch daemonsets')
    const report = await restart()
    expect(report?.restarts.find(r => r.name === 'shipper')).toMatchObject({
      outcome: 'failed',
      detail: expect.stringContaining('403 Forbidden: daemonsets.apps "shipper" is forbidden') as unknown
    })
  })

  it('restarts nothing, and asks nothing of the cluster, when no value changed', async () => {
    const report = await restart({}, { results: [{ ...changed[0]!, state: 'metadata-updated' }] })
    expect(report).toMatchObject({ anyChange: false, restarts: [] })
    expect(kube.requests).toEqual([])
  })
})

describe('the rollout watch', () => {
  beforeEach(() => start(400))

  it('lists and watches again when the watch is dropped, and still sees the rollout end', async () => {
    const pending = restart({ restartReferencing: false, restart: { kind: 'names', names: ['user-code'] } })
    await sleep(250)
    kube.endWatches()
    const report = await pending
    expect(outcomes(report)).toEqual([['Deployment/user-code', 'restarted', 'complete']])
    const watches = kube.requests.filter(r => r.query.get('watch') === 'true')
    expect(watches.length).toBeGreaterThanOrEqual(2)
  })

  it('lists again on 410 Expired and still sees the rollout end', async () => {
    // The watch is held back long enough for the history it would resume from to be compacted away.
    kube.inject({ match: r => r.query.get('watch') === 'true', kind: 'latency', ms: 200 })
    const pending = restart({ restartReferencing: false, restart: { kind: 'names', names: ['user-code'] } })
    // Compacted while the first watch waits, after the LIST it resumes from.
    while (!kube.requests.some(r => r.query.get('watch') === 'true')) await sleep(5)
    kube.seedDeployment(ns, { name: 'another-write' })
    kube.compactWatchHistory()
    const report = await pending
    expect(outcomes(report)).toEqual([['Deployment/user-code', 'restarted', 'complete']])
    const lists = kube.requests.filter(
      r => r.query.get('fieldSelector') === 'metadata.name=user-code' && !r.query.get('watch')
    )
    expect(lists.length).toBeGreaterThanOrEqual(2)
  })
})
