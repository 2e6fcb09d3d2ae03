// apps/v1 Deployments in the Kubernetes API double, driven by the real @kubernetes/client-node AppsV1Api over HTTPS
// (raw HTTPS where the client would hide what the server sent), and by real kubectl clients' `rollout restart` (1.20 and >= 1.33).
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  AppsV1Api,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Deployment
} from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble, type KubeDoubleOptions } from '../../kube-double/server.js'
import { failure } from '../doubles/api-failure.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest, type RawRequest, type RawResponse } from '../doubles/raw-request.js'
import { kubectlClients, runKubectl } from './kubectl-clients.js'

const ns = 'dagster-prd'
const user = 'system:serviceaccount:ci:gke-secrets-sync'
const restartedAt = 'kubectl.kubernetes.io/restartedAt'
const strategicPatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)

const appsFor = (double: KubeDouble): AppsV1Api => kubeConfigFor(double).makeApiClient(AppsV1Api)

/** The patch `kubectl rollout restart` sends (kubectl polymorphichelpers/objectrestarter.go). */
const restartPatch = (time: string): object => ({
  spec: { template: { metadata: { annotations: { [restartedAt]: time } } } }
})

const raw = (double: KubeDouble, path: string, init?: RawRequest): Promise<RawResponse> =>
  rawRequest(double, path, init)

const templateAnnotations = (d: V1Deployment | undefined): Record<string, string> | undefined =>
  d?.spec?.template.metadata?.annotations

describe('kube API double: apps/v1 Deployments', () => {
  let double: KubeDouble
  let apps: AppsV1Api
  const extra: KubeDouble[] = []

  const startExtra = async (opts: KubeDoubleOptions): Promise<KubeDouble> => {
    const d = await startKubeDouble({ deployments: true, ...opts })
    extra.push(d)
    return d
  }

  beforeEach(async () => {
    // No rollout step within a test: these hold the API's own writes (rollouts have their own tests).
    double = await startKubeDouble({ deployments: true, rolloutStepMs: 60_000 })
    apps = appsFor(double)
  })
  afterEach(async () => {
    await double.close()
    await Promise.all(extra.splice(0).map(d => d.close()))
  })

  describe('discovery', () => {
    it('lists the apps group with v1 in /apis and deployments in /apis/apps/v1', async () => {
      const groups = JSON.parse((await raw(double, '/apis')).body) as {
        kind: string
        groups: {
          name: string
          versions: { groupVersion: string }[]
          preferredVersion: { version: string }
        }[]
      }
      expect(groups.kind).toBe('APIGroupList')
      expect(groups.groups.map(g => g.name)).toEqual(['apps', 'authorization.k8s.io', 'events.k8s.io'])
      expect(groups.groups[0]?.versions.map(v => v.groupVersion)).toEqual(['apps/v1'])
      expect(groups.groups[0]?.preferredVersion.version).toBe('v1')

      const r = await raw(double, '/apis/apps/v1')
      expect(r.status).toBe(200)
      expect(r.contentType).toBe('application/json')
      const resources = JSON.parse(r.body) as {
        kind: string
        groupVersion: string
        resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[]
      }
      expect(resources).toMatchObject({ kind: 'APIResourceList', groupVersion: 'apps/v1' })
      expect(resources.resources.find(x => x.name === 'deployments')).toMatchObject({
        namespaced: true,
        kind: 'Deployment',
        verbs: expect.arrayContaining(['get', 'list', 'patch']) as unknown
      })
    })

    it('serves nothing of apps/v1 unless started with deployments: true', async () => {
      const plain = await startKubeDouble()
      extra.push(plain)
      expect(JSON.parse((await raw(plain, '/apis')).body)).toMatchObject({
        groups: [{ name: 'authorization.k8s.io' }, { name: 'events.k8s.io' }]
      })
      for (const path of ['/apis/apps/v1', `/apis/apps/v1/namespaces/${ns}/deployments`]) {
        expect((await raw(plain, path)).status).toBe(404)
      }
      expect(() => plain.seedDeployment(ns, { name: 'web' })).toThrow(/deployments: true/)
    })
  })

  describe('GET and LIST', () => {
    it('reads a seeded Deployment with the API server shape', async () => {
      const seeded = double.seedDeployment(ns, { name: 'web', templateAnnotations: { team: 'data' } })
      const d = await apps.readNamespacedDeployment({ name: 'web', namespace: ns })
      expect(d.apiVersion).toBe('apps/v1')
      expect(d.kind).toBe('Deployment')
      expect(d.metadata).toMatchObject({
        name: 'web',
        namespace: ns,
        uid: seeded.metadata.uid,
        resourceVersion: seeded.metadata.resourceVersion,
        generation: 1,
        labels: { app: 'web' }
      })
      expect(d.metadata?.resourceVersion).toMatch(/^\d+$/)
      expect(d.metadata?.managedFields?.[0]).toMatchObject({
        manager: 'terraform',
        operation: 'Update',
        apiVersion: 'apps/v1'
      })
      expect(d.spec?.selector.matchLabels).toEqual({ app: 'web' })
      expect(d.spec?.template.metadata?.labels).toEqual({ app: 'web' })
      expect(templateAnnotations(d)).toEqual({ team: 'data' })
      expect(d.spec?.template.spec?.containers.map(c => c.name)).toEqual(['web'])
      expect(double.requests.map(r => `${r.method} ${r.path} ${r.status}`)).toEqual([
        `GET /apis/apps/v1/namespaces/${ns}/deployments/web 200`
      ])
    })

    it('answers 404 deployments.apps "x" not found with group and kind', async () => {
      const f = await failure(apps.readNamespacedDeployment({ name: 'x', namespace: ns }))
      expect(f.code).toBe(404)
      expect(f.status).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'deployments.apps "x" not found',
        reason: 'NotFound',
        details: { name: 'x', group: 'apps', kind: 'deployments' },
        code: 404
      })
    })

    it('lists by label selector, in name order, with the store resourceVersion', async () => {
      const part = 'app.kubernetes.io/part-of'
      double.seedDeployment(ns, { name: 'loc-b', labels: { [part]: 'dagster', component: 'code-location' } })
      double.seedDeployment(ns, { name: 'loc-a', labels: { [part]: 'dagster', component: 'code-location' } })
      double.seedDeployment(ns, { name: 'webserver', labels: { [part]: 'dagster', component: 'webserver' } })
      double.seedDeployment('default', {
        name: 'other',
        labels: { [part]: 'dagster', component: 'code-location' }
      })
      const list = await apps.listNamespacedDeployment({
        namespace: ns,
        labelSelector: `${part}=dagster,component in (code-location)`
      })
      expect(list.kind).toBe('DeploymentList')
      expect(list.apiVersion).toBe('apps/v1')
      expect(list.items.map(d => d.metadata?.name)).toEqual(['loc-a', 'loc-b'])
      expect(list.items.every(d => d.metadata?.namespace === ns)).toBe(true)
      const newest = double.getDeployment('default', 'other')?.metadata.resourceVersion
      expect(list.metadata?.resourceVersion).toBe(newest)

      const notWebserver = await apps.listNamespacedDeployment({
        namespace: ns,
        labelSelector: 'component!=webserver'
      })
      expect(notWebserver.items.map(d => d.metadata?.name)).toEqual(['loc-a', 'loc-b'])
      const byName = await apps.listNamespacedDeployment({
        namespace: ns,
        fieldSelector: 'metadata.name=webserver'
      })
      expect(byName.items.map(d => d.metadata?.name)).toEqual(['webserver'])
      const none = await apps.listNamespacedDeployment({ namespace: ns, labelSelector: 'component=nope' })
      expect(none.items).toEqual([])
    })

    it('rejects a bad selector with 400', async () => {
      const f = await failure(apps.listNamespacedDeployment({ namespace: ns, labelSelector: 'a in b' }))
      expect(f.code).toBe(400)
      expect(f.status.reason).toBe('BadRequest')
      const g = await failure(
        apps.listNamespacedDeployment({ namespace: ns, fieldSelector: 'status.replicas=1' })
      )
      expect(g.status.message).toBe('field label not supported: status.replicas')
    })
  })

  describe('RBAC', () => {
    it.each([
      {
        verb: 'get',
        call: (a: AppsV1Api) => a.readNamespacedDeployment({ name: 'web', namespace: ns }),
        message: `deployments.apps "web" is forbidden: User "${user}" cannot get resource "deployments" in API group "apps" in the namespace "${ns}"`,
        details: { name: 'web', group: 'apps', kind: 'deployments' }
      },
      {
        verb: 'list',
        call: (a: AppsV1Api) => a.listNamespacedDeployment({ namespace: ns, labelSelector: 'app=web' }),
        message: `deployments.apps is forbidden: User "${user}" cannot list resource "deployments" in API group "apps" in the namespace "${ns}"`,
        details: { group: 'apps', kind: 'deployments' }
      },
      {
        verb: 'patch',
        call: (a: AppsV1Api) =>
          a.patchNamespacedDeployment(
            { name: 'web', namespace: ns, body: restartPatch('2024-01-01T00:00:00Z') },
            strategicPatch
          ),
        message: `deployments.apps "web" is forbidden: User "${user}" cannot patch resource "deployments" in API group "apps" in the namespace "${ns}"`,
        details: { name: 'web', group: 'apps', kind: 'deployments' }
      }
    ])(
      'answers 403 with the exact message when $verb is denied',
      async ({ verb, call, message, details }) => {
        const seen: string[] = []
        const d = await startExtra({
          authorize: a => {
            seen.push(`${a.verb} ${a.apiGroup}/${a.resource} ${a.namespace ?? ''} ${a.name ?? ''}`.trim())
            return !(a.resource === 'deployments' && a.verb === verb)
          }
        })
        d.seedDeployment(ns, { name: 'web' })
        const f = await failure(call(appsFor(d)))
        expect(f.code).toBe(403)
        expect(f.status).toMatchObject({
          kind: 'Status',
          status: 'Failure',
          reason: 'Forbidden',
          message,
          code: 403
        })
        expect(f.status.details).toEqual(details)
        expect(seen[0]?.startsWith(`${verb} apps/deployments ${ns}`)).toBe(true)
        expect(d.writes()).toHaveLength(0)
        expect(d.getDeployment(ns, 'web')?.metadata.generation).toBe(1)
      }
    )

    it('still names the core group for Secrets', async () => {
      const groups: string[] = []
      const d = await startExtra({ authorize: a => (groups.push(`${a.apiGroup}/${a.resource}`), true) })
      await kubeConfigFor(d).makeApiClient(CoreV1Api).listNamespacedSecret({ namespace: ns })
      expect(groups).toEqual(['/secrets'])
    })
  })

  describe('PATCH', () => {
    it('restarts with a strategic merge patch: sets restartedAt, keeps other annotations, bumps generation', async () => {
      const seeded = double.seedDeployment(ns, {
        name: 'web',
        templateAnnotations: { 'prometheus.io/scrape': 'true', [restartedAt]: '2023-05-05T00:00:00Z' }
      })
      const time = '2024-06-01T12:00:00Z'
      const answer = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch(time), fieldManager: 'gke-secrets-sync' },
        strategicPatch
      )
      expect(templateAnnotations(answer)).toEqual({ 'prometheus.io/scrape': 'true', [restartedAt]: time })
      expect(answer.metadata?.generation).toBe(2)
      expect(Number(answer.metadata?.resourceVersion)).toBeGreaterThan(
        Number(seeded.metadata.resourceVersion)
      )
      expect(answer.spec?.template.spec?.containers).toEqual(seeded.spec.template.spec.containers)

      const stored = double.getDeployment(ns, 'web')
      expect(stored?.spec.template.metadata.annotations).toEqual({
        'prometheus.io/scrape': 'true',
        [restartedAt]: time
      })
      expect(stored?.metadata.resourceVersion).toBe(answer.metadata?.resourceVersion)
      expect(stored?.metadata.uid).toBe(seeded.metadata.uid)

      const own = answer.metadata?.managedFields?.find(m => m.manager === 'gke-secrets-sync')
      expect(own).toMatchObject({ operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' })
      expect(own?.fieldsV1).toEqual({
        'f:spec': { 'f:template': { 'f:metadata': { 'f:annotations': { [`f:${restartedAt}`]: {} } } } }
      })
      // The seeding manager no longer owns the annotation it set before.
      const seeder = answer.metadata?.managedFields?.find(m => m.manager === 'terraform') as {
        fieldsV1: { 'f:spec': { 'f:template': { 'f:metadata': { 'f:annotations': object } } } }
      }
      expect(
        Object.keys(seeder.fieldsV1['f:spec']['f:template']['f:metadata']['f:annotations']).sort()
      ).toEqual(['.', 'f:prometheus.io/scrape'])

      const writes = double.writes()
      expect(writes).toHaveLength(1)
      expect(writes[0]).toMatchObject({
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/${ns}/deployments/web`,
        contentType: 'application/strategic-merge-patch+json',
        status: 200,
        dryRun: false,
        user
      })
      expect(writes[0]?.query.get('fieldManager')).toBe('gke-secrets-sync')
    })

    it('adds the template annotations map when the Deployment had none, with the `.` node of a new map', async () => {
      double.seedDeployment(ns, { name: 'web' })
      const answer = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('2024-06-01T12:00:00Z'), fieldManager: 'sync' },
        strategicPatch
      )
      expect(templateAnnotations(answer)).toEqual({ [restartedAt]: '2024-06-01T12:00:00Z' })
      expect(answer.metadata?.managedFields?.find(m => m.manager === 'sync')?.fieldsV1).toEqual({
        'f:spec': {
          'f:template': { 'f:metadata': { 'f:annotations': { '.': {}, [`f:${restartedAt}`]: {} } } }
        }
      })
    })

    it('names the manager after the User-Agent when fieldManager is not given', async () => {
      double.seedDeployment(ns, { name: 'web' })
      const answer = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('2024-06-01T12:00:00Z') },
        strategicPatch
      )
      const userAgent = double.writes()[0]?.userAgent ?? ''
      const managers = answer.metadata?.managedFields?.map(m => m.manager).sort()
      expect(userAgent).not.toBe('')
      expect(managers).toEqual([userAgent.split('/')[0], 'terraform'].sort())
    })

    it('merges the template annotations with a JSON merge patch too', async () => {
      double.seedDeployment(ns, { name: 'web', templateAnnotations: { keep: 'me' } })
      const answer = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('2024-06-01T12:00:00Z') },
        mergePatch
      )
      expect(templateAnnotations(answer)).toEqual({ keep: 'me', [restartedAt]: '2024-06-01T12:00:00Z' })
      expect(double.writes()[0]?.contentType).toBe('application/merge-patch+json')
    })

    it('merges containers by name in a strategic merge patch but replaces the list in a merge patch', async () => {
      double.seedDeployment(ns, { name: 'web' })
      const image = {
        spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example/web:2' }] } } }
      }
      const strategic = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: image },
        strategicPatch
      )
      expect(strategic.spec?.template.spec?.containers[0]).toMatchObject({
        name: 'web',
        image: 'registry.example/web:2',
        terminationMessagePath: '/dev/termination-log'
      })
      const image3 = {
        spec: { template: { spec: { containers: [{ name: 'web', image: 'registry.example/web:3' }] } } }
      }
      const merged = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: image3 },
        mergePatch
      )
      expect(merged.spec?.template.spec?.containers).toEqual([
        { name: 'web', image: 'registry.example/web:3' }
      ])
      expect(merged.metadata?.generation).toBe(3)
    })

    it('dry run validates and answers the result but persists nothing', async () => {
      const seeded = double.seedDeployment(ns, { name: 'web' })
      const answer = await apps.patchNamespacedDeployment(
        {
          name: 'web',
          namespace: ns,
          body: restartPatch('2024-06-01T12:00:00Z'),
          dryRun: 'All',
          fieldManager: 'm'
        },
        strategicPatch
      )
      expect(templateAnnotations(answer)).toEqual({ [restartedAt]: '2024-06-01T12:00:00Z' })
      expect(answer.metadata?.generation).toBe(2)
      expect(answer.metadata?.resourceVersion).toBe(seeded.metadata.resourceVersion)
      expect(double.getDeployment(ns, 'web')).toEqual(seeded)
      const list = await apps.listNamespacedDeployment({ namespace: ns })
      expect(list.metadata?.resourceVersion).toBe(seeded.metadata.resourceVersion)
      expect(double.writes().map(w => [w.method, w.dryRun])).toEqual([['PATCH', true]])

      const bad = await failure(
        apps.patchNamespacedDeployment(
          { name: 'web', namespace: ns, body: { spec: { replicas: -1 } }, dryRun: 'All' },
          strategicPatch
        )
      )
      expect(bad.code).toBe(422)
      expect(bad.status.message).toBe(
        'Deployment.apps "web" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0'
      )
      expect(double.getDeployment(ns, 'web')).toEqual(seeded)
    })

    it('bumps resourceVersion only on change, and generation only on spec or annotation changes', async () => {
      const seeded = double.seedDeployment(ns, { name: 'web' })
      const patch = (body: object): Promise<V1Deployment> =>
        apps.patchNamespacedDeployment(
          { name: 'web', namespace: ns, body, fieldManager: 'sync' },
          strategicPatch
        )
      const state = (d: V1Deployment): [number | undefined, string | undefined] => [
        d.metadata?.generation,
        d.metadata?.resourceVersion
      ]

      const first = await patch(restartPatch('2024-06-01T12:00:00Z'))
      const rv1 = first.metadata?.resourceVersion
      expect(Number(rv1)).toBeGreaterThan(Number(seeded.metadata.resourceVersion))
      expect(first.metadata?.generation).toBe(2)

      const same = await patch(restartPatch('2024-06-01T12:00:00Z'))
      expect(state(same)).toEqual([2, rv1])
      expect(same.metadata?.managedFields).toEqual(first.metadata?.managedFields)

      const labelled = await patch({ metadata: { labels: { app: 'web', tier: 'backend' } } })
      expect(labelled.metadata?.generation).toBe(2)
      expect(Number(labelled.metadata?.resourceVersion)).toBeGreaterThan(Number(rv1))

      const annotated = await patch({ metadata: { annotations: { note: 'x' } } })
      expect(annotated.metadata?.generation).toBe(3)

      const statusOnly = await patch({ status: { replicas: 5 } })
      expect(state(statusOnly)).toEqual(state(annotated))
      // The seeded status, which the controller has not rewritten yet, not the patch's.
      expect([statusOnly.status?.replicas, statusOnly.status?.observedGeneration]).toEqual([
        seeded.status.replicas,
        seeded.status.observedGeneration
      ])
      expect(seeded.status.replicas).toBe(1)
    })

    it('shares one resourceVersion counter with Secrets', async () => {
      const core = kubeConfigFor(double).makeApiClient(CoreV1Api)
      const deployment = double.seedDeployment(ns, { name: 'web' })
      const secret = await core.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: 's' }, stringData: { K: 'v' } }
      })
      expect(Number(secret.metadata?.resourceVersion)).toBe(Number(deployment.metadata.resourceVersion) + 1)
      const patched = await apps.patchNamespacedDeployment(
        { name: 'web', namespace: ns, body: restartPatch('2024-06-01T12:00:00Z') },
        strategicPatch
      )
      expect(Number(patched.metadata?.resourceVersion)).toBe(Number(secret.metadata?.resourceVersion) + 1)
      const secrets = await core.listNamespacedSecret({ namespace: ns })
      expect(secrets.metadata?.resourceVersion).toBe(patched.metadata?.resourceVersion)
    })

    it.each([
      {
        case: 'a changed selector',
        body: { spec: { selector: { matchLabels: { app: 'other' } } } },
        code: 422,
        message:
          'Deployment.apps "web" is invalid: [spec.selector: Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"other"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable, spec.template.metadata.labels: Invalid value: map[string]string{"app":"web"}: `selector` does not match template `labels`]'
      },
      {
        case: 'a bad annotation key',
        body: { spec: { template: { metadata: { annotations: { 'bad key': 'x' } } } } },
        code: 422,
        message: expect.stringMatching(
          /^Deployment\.apps "web" is invalid: spec\.template\.metadata\.annotations: Invalid value: "bad key": name part must consist of/
        ) as unknown
      },
      {
        case: 'a non-string annotation value',
        body: { spec: { template: { metadata: { annotations: { a: 1 } } } } },
        code: 400,
        message: expect.stringContaining(
          'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number'
        ) as unknown
      },
      {
        case: 'a stale resourceVersion',
        body: { metadata: { resourceVersion: '1' }, spec: { replicas: 2 } },
        code: 409,
        message:
          'Operation cannot be fulfilled on deployments.apps "web": the object has been modified; please apply your changes to the latest version and try again'
      },
      {
        case: 'another name',
        body: { metadata: { name: 'other' } },
        code: 400,
        message: 'the name of the object (other) does not match the name on the URL (web)'
      }
    ])('refuses $case with $code and stores nothing', async ({ body, code, message }) => {
      const seeded = double.seedDeployment(ns, { name: 'web' })
      const f = await failure(
        apps.patchNamespacedDeployment({ name: 'web', namespace: ns, body }, strategicPatch)
      )
      expect(f.code).toBe(code)
      expect(f.status.message).toEqual(message)
      expect(double.getDeployment(ns, 'web')).toEqual(seeded)
    })

    it('gives 422 details the group and qualified kind', async () => {
      double.seedDeployment(ns, { name: 'web' })
      const f = await failure(
        apps.patchNamespacedDeployment(
          { name: 'web', namespace: ns, body: { spec: { replicas: -2 } } },
          strategicPatch
        )
      )
      expect(f.status.details).toEqual({
        name: 'web',
        group: 'apps',
        kind: 'Deployment',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: -2: must be greater than or equal to 0',
            field: 'spec.replicas'
          }
        ]
      })
    })

    it('answers 404 for a missing Deployment, 415 for other media types and 405 for other writes', async () => {
      const missing = await failure(
        apps.patchNamespacedDeployment(
          { name: 'gone', namespace: ns, body: restartPatch('t') },
          strategicPatch
        )
      )
      expect(missing.code).toBe(404)
      expect(missing.status.message).toBe('deployments.apps "gone" not found')

      double.seedDeployment(ns, { name: 'web' })
      const path = `/apis/apps/v1/namespaces/${ns}/deployments/web`
      const r = await raw(double, path, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(restartPatch('t'))
      })
      expect(r.status).toBe(415)
      expect(JSON.parse(r.body)).toMatchObject({
        reason: 'UnsupportedMediaType',
        message: expect.stringContaining('application/strategic-merge-patch+json') as unknown
      })
      expect((await raw(double, path, { method: 'DELETE' })).status).toBe(405)
      expect(double.getDeployment(ns, 'web')?.metadata.generation).toBe(1)
    })

    it('applies a JSON Patch', async () => {
      double.seedDeployment(ns, { name: 'web' })
      const answer = await apps.patchNamespacedDeployment({
        name: 'web',
        namespace: ns,
        body: [{ op: 'replace', path: '/spec/replicas', value: 3 }]
      })
      expect(answer.spec?.replicas).toBe(3)
      expect(double.writes()[0]?.contentType).toBe('application/json-patch+json')
    })
  })
})

// Real kubectl clients (1.20 and >= 1.33, see kubectl-clients.ts) restarting a Deployment: each discovers apps/v1,
// reads the Deployment and sends its own strategic merge patch (kubectl polymorphichelpers/objectrestarter.go).
describe.each(kubectlClients.map(c => [c.title, c] as const))(
  'rollout restart against the double with %s',
  (_, { kubectl }) => {
    let double: KubeDouble
    let home: string

    beforeEach(async () => {
      double = await startKubeDouble({ deployments: true })
      home = mkdtempSync(join(tmpdir(), 'kubectl-home-'))
    })
    afterEach(async () => {
      await double.close()
      rmSync(home, { recursive: true, force: true })
    })

    it.skipIf(!kubectl)('restarts a Deployment the way the action will', async () => {
      if (!kubectl) return
      double.seedDeployment(ns, { name: 'web', templateAnnotations: { keep: 'me' } })
      const kubeconfig = double.writeKubeconfig({ namespace: ns })
      const r = await runKubectl(
        kubectl,
        ['--kubeconfig', kubeconfig, 'rollout', 'restart', 'deployment/web'],
        home
      )
      expect(r).toMatchObject({ code: 0, stdout: 'deployment.apps/web restarted\n' })
      const stored = double.getDeployment(ns, 'web')
      expect(stored?.spec.template.metadata.annotations?.keep).toBe('me')
      expect(stored?.spec.template.metadata.annotations?.[restartedAt]).toMatch(
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-Z]/
      )
      expect(stored?.metadata.generation).toBe(2)
      const patch = double.writes()[0]
      expect(patch).toMatchObject({
        method: 'PATCH',
        path: `/apis/apps/v1/namespaces/${ns}/deployments/web`,
        contentType: 'application/strategic-merge-patch+json'
      })
      expect(double.requests.some(q => q.path === '/apis/apps/v1' && q.status === 200)).toBe(true)
    })
  }
)
