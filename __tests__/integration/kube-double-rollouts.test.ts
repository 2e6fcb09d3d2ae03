// Restarts and rollouts in the Kubernetes API double, as the API server and the controllers behave: PATCH of
// StatefulSets and DaemonSets (strategic merge, generation), WATCH (events per line, resourceVersion, 410 Expired,
// watch-list bookmarks, selectors, RBAC), and rollouts that complete, pass their progress deadline or leave pods
// waiting. Driven by the real @kubernetes/client-node, raw HTTPS where a client would hide what the server sent, and
// real kubectl clients' `rollout restart` and `rollout status` (1.20 and >= 1.33).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { AppsV1Api, CoreV1Api, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble, type WorkloadResource } from '../../kube-double/server.js'
import { failure } from '../doubles/api-failure.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest } from '../doubles/raw-request.js'
import { kubectlClients, runKubectl } from './kubectl-clients.js'

const ns = 'dagster-prd'
const user = 'system:serviceaccount:ci:gke-secrets-sync'
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
const strategic = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)
const restartPatch = (time: string): object => ({
  spec: { template: { metadata: { annotations: { [RESTARTED_AT]: time } } } }
})
const template = (app: string): object => ({
  metadata: { labels: { app }, annotations: { keep: 'me' } },
  spec: { containers: [{ name: app, image: `registry.example/${app}:1` }] }
})

function seedApps(double: KubeDouble): void {
  double.seedDeployment(ns, { name: 'web' })
  double.seedWorkload(ns, 'statefulsets', {
    metadata: { name: 'db' },
    spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') }
  })
  double.seedWorkload(ns, 'daemonsets', {
    metadata: { name: 'shipper' },
    spec: { selector: { matchLabels: { app: 'shipper' } }, template: template('shipper') }
  })
}

interface Event {
  type: string
  object: {
    metadata: {
      name: string
      resourceVersion: string
      generation?: number
      annotations?: Record<string, string>
    }
    status?: Record<string, unknown>
    code?: number
    reason?: string
  }
}

/** Waits, without a clock of its own, until the controller's steps made `check` true (at most 5 s). */
async function until(check: () => boolean): Promise<void> {
  const deadline = Date.now() + 5000
  while (!check()) {
    if (Date.now() > deadline) throw new Error('the rollout did not get there in 5 s')
    await sleep(10)
  }
}

/** A WATCH read until the server ends it (`timeoutSeconds`), as its lines of events. */
async function watch(
  double: KubeDouble,
  path: string,
  query: string
): Promise<{ status: number; events: Event[]; contentType: string }> {
  const r = await rawRequest(double, `${path}?watch=true&${query}`)
  const events = r.body
    .split('\n')
    .filter(Boolean)
    .map(line => JSON.parse(line) as Event)
  return { status: r.status, events, contentType: r.contentType }
}

describe('kube API double: restarts and rollouts', () => {
  let double: KubeDouble
  let apps: AppsV1Api
  let denied: Set<string>
  /** Time between a rollout's steps; the PATCH tests hold the API's own writes, with no controller step between. */
  let rolloutStepMs = 25

  beforeEach(async () => {
    denied = new Set()
    double = await startKubeDouble({
      workloads: true,
      rolloutStepMs,
      authorize: a => !denied.has(`${a.verb} ${a.resource}`)
    })
    apps = kubeConfigFor(double).makeApiClient(AppsV1Api)
    seedApps(double)
  })
  afterEach(() => double.close())

  describe('PATCH of StatefulSets and DaemonSets', () => {
    beforeAll(() => {
      rolloutStepMs = 60_000
    })
    afterAll(() => {
      rolloutStepMs = 25
    })

    it.each(['statefulsets', 'daemonsets'] as const)(
      'restarts %s with a strategic merge patch: restartedAt set, other annotations kept, generation bumped',
      async resource => {
        const name = resource === 'statefulsets' ? 'db' : 'shipper'
        const before = double.getWorkload(ns, resource, name)
        const patch = (body: object, dryRun?: 'All') =>
          resource === 'statefulsets'
            ? apps.patchNamespacedStatefulSet(
                { name, namespace: ns, body, fieldManager: 'sync', ...(dryRun && { dryRun }) },
                strategic
              )
            : apps.patchNamespacedDaemonSet(
                { name, namespace: ns, body, fieldManager: 'sync', ...(dryRun && { dryRun }) },
                strategic
              )

        const dry = await patch(restartPatch('2024-06-01T12:00:00Z'), 'All')
        expect(dry.metadata?.generation).toBe(2)
        expect(double.getWorkload(ns, resource, name)).toEqual(before)

        const answer = await patch(restartPatch('2024-06-01T12:00:00Z'))
        expect(answer.spec?.template.metadata?.annotations).toEqual({
          keep: 'me',
          [RESTARTED_AT]: '2024-06-01T12:00:00Z'
        })
        expect(answer.metadata?.generation).toBe(2)
        expect(Number(answer.metadata?.resourceVersion)).toBeGreaterThan(
          Number(before?.metadata.resourceVersion)
        )
        // The same patch again changes nothing: no write, no new generation.
        const again = await patch(restartPatch('2024-06-01T12:00:00Z'))
        expect(again.metadata?.resourceVersion).toBe(answer.metadata?.resourceVersion)
        expect(double.writes().map(w => [w.method, w.contentType, w.dryRun])).toEqual([
          ['PATCH', 'application/strategic-merge-patch+json', true],
          ['PATCH', 'application/strategic-merge-patch+json', false],
          ['PATCH', 'application/strategic-merge-patch+json', false]
        ])
      }
    )

    it('gives the API server defaults a rollout reads, and a settled status', () => {
      const db = double.getWorkload(ns, 'statefulsets', 'db')
      expect(db?.spec).toMatchObject({
        replicas: 1,
        updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 0 } }
      })
      expect(db?.status).toMatchObject({ observedGeneration: 1, readyReplicas: 1, updatedReplicas: 1 })
      expect(double.getWorkload(ns, 'daemonsets', 'shipper')?.status).toMatchObject({
        observedGeneration: 1,
        desiredNumberScheduled: 2,
        numberAvailable: 2
      })
    })

    it.each([
      [
        'a changed selector',
        { spec: { selector: { matchLabels: { app: 'other' } } } },
        422,
        'StatefulSet.apps "db" is invalid: spec.selector: Invalid value: field is immutable'
      ],
      [
        'another name',
        { metadata: { name: 'other' } },
        400,
        'the name of the object (other) does not match the name on the URL (db)'
      ]
    ])('refuses %s', async (_, body, code, message) => {
      const f = await failure(apps.patchNamespacedStatefulSet({ name: 'db', namespace: ns, body }, strategic))
      expect(f.code).toBe(code)
      expect(f.status.message).toBe(message)
    })

    it('answers 404 for a missing one and 403 with the qualified resource when patch is denied', async () => {
      const missing = await failure(
        apps.patchNamespacedDaemonSet({ name: 'gone', namespace: ns, body: restartPatch('t') }, strategic)
      )
      expect(missing.status).toMatchObject({ code: 404, message: 'daemonsets.apps "gone" not found' })
      denied.add('patch statefulsets')
      const forbidden = await failure(
        apps.patchNamespacedStatefulSet({ name: 'db', namespace: ns, body: restartPatch('t') }, strategic)
      )
      expect(forbidden.status).toMatchObject({
        code: 403,
        message: `statefulsets.apps "db" is forbidden: User "${user}" cannot patch resource "statefulsets" in API group "apps" in the namespace "${ns}"`,
        details: { name: 'db', group: 'apps', kind: 'statefulsets' }
      })
    })
  })

  describe('WATCH', () => {
    const path = `/apis/apps/v1/namespaces/${ns}/deployments`

    it('from resourceVersion 0: ADDED for what matches now, then every change, one JSON event per line', async () => {
      double.seedDeployment(ns, { name: 'other' })
      const watching = watch(double, path, 'fieldSelector=metadata.name%3Dweb&timeoutSeconds=2')
      await sleep(100)
      await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('2024-06-01T12:00:00Z') },
        strategic
      )
      const { status, events, contentType } = await watching
      expect(status).toBe(200)
      expect(contentType).toBe('application/json')
      expect(events.map(e => [e.type, e.object.metadata.name])).toEqual([
        ['ADDED', 'web'],
        ['MODIFIED', 'web'],
        ['MODIFIED', 'web'],
        ['MODIFIED', 'web']
      ])
      // The patch, then the controller: the generation observed, then the rollout done.
      const [, patched, observed, done] = events
      expect(patched?.object.metadata.generation).toBe(2)
      expect(observed?.object.status).toMatchObject({
        observedGeneration: 2,
        updatedReplicas: 1,
        replicas: 2
      })
      expect(done?.object.status).toMatchObject({ observedGeneration: 2, replicas: 1, availableReplicas: 1 })
      const versions = events.map(e => Number(e.object.metadata.resourceVersion))
      expect(versions).toEqual([...versions].sort((a, b) => a - b))
    })

    it('from a resourceVersion: only the changes after it; from one compacted away: 410 Expired', async () => {
      const listed = await apps.listNamespacedDeployment({ namespace: ns })
      const rv = listed.metadata?.resourceVersion ?? ''
      await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('t1') },
        strategic
      )
      await until(
        () =>
          double.getDeployment(ns, 'web')?.status.replicas === 1 &&
          double.getDeployment(ns, 'web')?.status.observedGeneration === 2
      )
      const resumed = await watch(double, path, `resourceVersion=${rv}&timeoutSeconds=1`)
      expect(resumed.events.map(e => e.type)).toEqual(['MODIFIED', 'MODIFIED', 'MODIFIED'])

      double.compactWatchHistory()
      const expired = await watch(double, path, `resourceVersion=${rv}&timeoutSeconds=1`)
      expect(expired.status).toBe(200)
      expect(expired.events).toEqual([
        {
          type: 'ERROR',
          object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) as unknown
        }
      ])
    })

    it('with sendInitialEvents (watch-list): ADDED, then the bookmark that ends the initial events', async () => {
      const r = await watch(
        double,
        path,
        'sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=1'
      )
      expect(r.events.map(e => e.type)).toEqual(['ADDED', 'BOOKMARK'])
      expect(r.events[1]?.object.metadata).toMatchObject({
        annotations: { 'k8s.io/initial-events-end': 'true' }
      })
      const bad = await rawRequest(double, `${path}?watch=true&sendInitialEvents=true`)
      expect(bad.status).toBe(400)
    })

    it('is a verb of its own in RBAC', async () => {
      denied.add('watch deployments')
      const r = await rawRequest(double, `${path}?watch=true&timeoutSeconds=1`)
      expect(r.status).toBe(403)
      expect(JSON.parse(r.body)).toMatchObject({
        message: `deployments.apps is forbidden: User "${user}" cannot watch resource "deployments" in API group "apps" in the namespace "${ns}"`
      })
      // Listing is still allowed.
      expect((await rawRequest(double, path)).status).toBe(200)
    })
  })

  describe('rollouts', () => {
    const podsOf = async (app: string) =>
      (
        await kubeConfigFor(double)
          .makeApiClient(CoreV1Api)
          .listNamespacedPod({ namespace: ns, labelSelector: `app=${app}` })
      ).items

    it.each<[WorkloadResource | 'deployments', string, Record<string, unknown>, number]>([
      [
        'deployments',
        'web',
        { observedGeneration: 2, updatedReplicas: 1, availableReplicas: 1, replicas: 1 },
        1
      ],
      ['statefulsets', 'db', { observedGeneration: 2, readyReplicas: 1, updatedReplicas: 1 }, 1],
      ['daemonsets', 'shipper', { observedGeneration: 2, updatedNumberScheduled: 2, numberAvailable: 2 }, 2]
    ])(
      '%s: the restart rolls new pods that carry restartedAt, and the status ends complete',
      async (resource, name, status, pods) => {
        const body = restartPatch('2024-06-01T12:00:00Z')
        if (resource === 'deployments')
          await apps.patchNamespacedDeployment({ name, namespace: ns, body }, strategic)
        else if (resource === 'statefulsets')
          await apps.patchNamespacedStatefulSet({ name, namespace: ns, body }, strategic)
        else await apps.patchNamespacedDaemonSet({ name, namespace: ns, body }, strategic)
        const object = () =>
          resource === 'deployments'
            ? double.getDeployment(ns, name)
            : double.getWorkload(ns, resource as WorkloadResource, name)
        await until(() => Object.entries(status).every(([key, value]) => object()?.status[key] === value))
        expect(object()?.status).toMatchObject(status)
        const running = await podsOf(name)
        expect(running).toHaveLength(pods)
        for (const pod of running) {
          expect(pod.metadata?.annotations?.[RESTARTED_AT]).toBe('2024-06-01T12:00:00Z')
          expect(pod.status?.containerStatuses?.[0]?.ready).toBe(true)
        }
      }
    )

    it('past its progress deadline: Progressing False ProgressDeadlineExceeded, the new pods waiting', async () => {
      double.setRollout(ns, 'deployments', 'web', {
        outcome: 'progress-deadline',
        waiting: { reason: 'CreateContainerConfigError', message: 'secret "dagster-secret-gone" not found' }
      })
      await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('t2') },
        strategic
      )
      const conditions = (): { type: string; reason?: string }[] =>
        (double.getDeployment(ns, 'web')?.status.conditions ?? []) as { type: string; reason?: string }[]
      await until(() => conditions().some(c => c.reason === 'ProgressDeadlineExceeded'))
      const progressing = (double.getDeployment(ns, 'web')?.status.conditions as { type: string }[]).find(
        c => c.type === 'Progressing'
      )
      expect(progressing).toMatchObject({
        status: 'False',
        reason: 'ProgressDeadlineExceeded',
        message: expect.stringMatching(
          /^ReplicaSet "web-[a-z0-9]{10}" has timed out progressing\.$/
        ) as unknown
      })
      const pods = await podsOf('web')
      expect(pods.map(p => p.status?.containerStatuses?.[0]?.state?.waiting)).toEqual([
        { reason: 'CreateContainerConfigError', message: 'secret "dagster-secret-gone" not found' }
      ])
      expect(pods[0]?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', controller: true })
      expect(pods[0]?.metadata?.labels?.['pod-template-hash']).toMatch(/^[a-z0-9]{10}$/)
    })

    it('with pods in CrashLoopBackOff: stays rolling, never complete', async () => {
      double.setRollout(ns, 'statefulsets', 'db', {
        outcome: 'pods-waiting',
        waiting: { reason: 'CrashLoopBackOff' }
      })
      await apps.patchNamespacedStatefulSet(
        { name: 'db', namespace: ns, body: restartPatch('t3') },
        strategic
      )
      await until(() => double.getWorkload(ns, 'statefulsets', 'db')?.status.observedGeneration === 2)
      // Nothing more comes: the controller's last step was the first.
      await sleep(100)
      expect(double.getWorkload(ns, 'statefulsets', 'db')?.status).toMatchObject({
        observedGeneration: 2,
        readyReplicas: 0
      })
      const [pod] = await podsOf('db')
      expect(pod?.status?.containerStatuses?.[0]).toMatchObject({
        restartCount: 3,
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1 } }
      })
    })
  })
})

// Real kubectl clients restarting and waiting as a user would: `kubectl rollout restart`, then `kubectl rollout
// status`, which LISTs with fieldSelector=metadata.name and WATCHes (kubectl >= 1.35 with watch-list).
describe.each(kubectlClients.map(c => [c.title, c] as const))(
  'rollout status against the double with %s',
  (_, { kubectl }) => {
    let double: KubeDouble
    let home: string
    let kubeconfig: string
    beforeEach(async () => {
      double = await startKubeDouble({ workloads: true })
      seedApps(double)
      kubeconfig = double.writeKubeconfig({ namespace: ns })
      home = mkdtempSync(join(tmpdir(), 'kubectl-home-'))
    })
    afterEach(async () => {
      await double.close()
      rmSync(home, { recursive: true, force: true })
    })

    it.skipIf(!kubectl).each([
      ['deployment/web', 'deployment "web" successfully rolled out'],
      ['statefulset/db', 'partitioned roll out complete: 1 new pods have been updated...'],
      ['daemonset/shipper', 'daemon set "shipper" successfully rolled out']
    ])('waits for %s to roll out after its restart', async (target, done) => {
      if (!kubectl) return
      const restart = await runKubectl(
        kubectl,
        ['--kubeconfig', kubeconfig, 'rollout', 'restart', target],
        home
      )
      expect(restart.code, restart.stderr).toBe(0)
      const status = await runKubectl(
        kubectl,
        ['--kubeconfig', kubeconfig, 'rollout', 'status', target, '--timeout=20s'],
        home
      )
      expect(status.code, status.stderr).toBe(0)
      expect(status.stdout.trim().split('\n').at(-1)).toBe(done)
      expect(
        double.requests.some(
          r =>
            r.query.get('watch') === 'true' &&
            r.query.get('fieldSelector') === `metadata.name=${target.split('/')[1]}`
        )
      ).toBe(true)
    })

    it.skipIf(!kubectl)('fails on a Deployment past its progress deadline', async () => {
      if (!kubectl) return
      double.setRollout(ns, 'deployments', 'web', { outcome: 'progress-deadline' })
      await runKubectl(kubectl, ['--kubeconfig', kubeconfig, 'rollout', 'restart', 'deployment/web'], home)
      const status = await runKubectl(
        kubectl,
        ['--kubeconfig', kubeconfig, 'rollout', 'status', 'deployment/web', '--timeout=20s'],
        home
      )
      expect(status.code).toBe(1)
      expect(status.stderr).toContain('error: deployment "web" exceeded its progress deadline')
    })
  }
)
