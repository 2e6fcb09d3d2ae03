// apps/v1 StatefulSets and DaemonSets, batch/v1 CronJobs and Jobs, core/v1 Pods, and metadata-only Secret lists in
// the Kubernetes API double, driven by the real @kubernetes/client-node over HTTPS (raw HTTPS where the client would
// hide what the server sent).
import { AppsV1Api, BatchV1Api, CoreV1Api } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { failure } from '../doubles/api-failure.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest, type RawResponse } from '../doubles/raw-request.js'

const ns = 'dagster-prd'
const user = 'system:serviceaccount:ci:gke-secrets-sync'
const podTemplate = { spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] } }

const raw = (double: KubeDouble, path: string, headers: Record<string, string> = {}): Promise<RawResponse> =>
  rawRequest(double, path, { headers })

describe('kube API double: StatefulSets, DaemonSets, CronJobs, Jobs and Pods', () => {
  let double: KubeDouble
  let apps: AppsV1Api
  let batch: BatchV1Api
  let core: CoreV1Api
  let denied: Set<string>

  beforeEach(async () => {
    denied = new Set()
    double = await startKubeDouble({
      workloads: true,
      authorize: a => !denied.has(`${a.verb} ${a.resource}`)
    })
    apps = kubeConfigFor(double).makeApiClient(AppsV1Api)
    batch = kubeConfigFor(double).makeApiClient(BatchV1Api)
    core = kubeConfigFor(double).makeApiClient(CoreV1Api)
  })
  afterEach(async () => {
    await double.close()
  })

  it('creates each kind over HTTP and lists it as <Kind>List with its apiVersion and the resourceVersion', async () => {
    const sts = await apps.createNamespacedStatefulSet({
      namespace: ns,
      body: {
        metadata: { name: 'db', labels: { tier: 'data' } },
        spec: { serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: podTemplate }
      }
    })
    expect(sts).toMatchObject({
      kind: 'StatefulSet',
      apiVersion: 'apps/v1',
      metadata: { name: 'db', namespace: ns, generation: 1 }
    })
    await batch.createNamespacedCronJob({
      namespace: ns,
      body: {
        metadata: { name: 'nightly' },
        spec: { schedule: '0 3 * * *', jobTemplate: { spec: { template: podTemplate } } }
      }
    })
    const job = await batch.createNamespacedJob({
      namespace: ns,
      body: { metadata: { name: 'once' }, spec: { template: podTemplate } }
    })
    await apps.createNamespacedDaemonSet({
      namespace: ns,
      body: {
        metadata: { name: 'log-shipper' },
        spec: { selector: { matchLabels: { app: 'log-shipper' } }, template: podTemplate }
      }
    })
    const pod = await core.createNamespacedPod({
      namespace: ns,
      body: { metadata: { name: 'debug' }, spec: podTemplate.spec }
    })
    expect(pod).toMatchObject({ kind: 'Pod', apiVersion: 'v1', metadata: { name: 'debug', namespace: ns } })
    // The Job strategy generates the selector and the pod labels.
    expect(job.spec?.selector?.matchLabels?.['batch.kubernetes.io/controller-uid']).toBe(job.metadata?.uid)
    expect(job.spec?.template.metadata?.labels?.['batch.kubernetes.io/job-name']).toBe('once')

    for (const [path, kind, apiVersion, name] of [
      [`/apis/apps/v1/namespaces/${ns}/statefulsets`, 'StatefulSetList', 'apps/v1', 'db'],
      [`/apis/batch/v1/namespaces/${ns}/cronjobs`, 'CronJobList', 'batch/v1', 'nightly'],
      [`/apis/batch/v1/namespaces/${ns}/jobs`, 'JobList', 'batch/v1', 'once'],
      [`/apis/apps/v1/namespaces/${ns}/daemonsets`, 'DaemonSetList', 'apps/v1', 'log-shipper'],
      [`/api/v1/namespaces/${ns}/pods`, 'PodList', 'v1', 'debug']
    ]) {
      const r = await raw(double, path as string)
      expect(r.status).toBe(200)
      expect(r.contentType).toBe('application/json')
      const list = JSON.parse(r.body) as {
        kind: string
        apiVersion: string
        metadata: { resourceVersion: string }
        items: { kind?: string; metadata: { name: string } }[]
      }
      expect(list).toMatchObject({ kind, apiVersion })
      expect(Number(list.metadata.resourceVersion)).toBeGreaterThan(0)
      expect(list.items.map(i => i.metadata.name)).toEqual([name])
      expect(list.items[0]?.kind).toBeUndefined()
    }

    const cronJobs = await batch.listNamespacedCronJob({ namespace: ns })
    expect(cronJobs.items[0]?.spec?.jobTemplate.spec?.template.spec?.containers[0]?.name).toBe('app')
    expect(
      (await apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: 'tier=data' })).items
    ).toHaveLength(1)
    expect(
      (await apps.listNamespacedStatefulSet({ namespace: ns, labelSelector: 'tier=web' })).items
    ).toHaveLength(0)
  })

  it('lists nothing in a namespace that does not exist, and refuses to create there (404 namespaces)', async () => {
    expect((await batch.listNamespacedJob({ namespace: 'nowhere' })).items).toEqual([])
    const { code, status } = await failure(
      batch.createNamespacedJob({
        namespace: 'nowhere',
        body: { metadata: { name: 'j' }, spec: { template: podTemplate } }
      })
    )
    expect(code).toBe(404)
    expect(status).toMatchObject({
      reason: 'NotFound',
      message: 'namespaces "nowhere" not found',
      details: { name: 'nowhere', kind: 'namespaces' }
    })
  })

  it('answers 409 AlreadyExists and 422 Invalid with the qualified resource', async () => {
    const body = {
      metadata: { name: 'nightly' },
      spec: { schedule: '@daily', jobTemplate: { spec: { template: podTemplate } } }
    }
    await batch.createNamespacedCronJob({ namespace: ns, body })
    const exists = await failure(batch.createNamespacedCronJob({ namespace: ns, body }))
    expect(exists.code).toBe(409)
    expect(exists.status).toMatchObject({
      reason: 'AlreadyExists',
      message: 'cronjobs.batch "nightly" already exists',
      details: { group: 'batch', kind: 'cronjobs' }
    })

    const bad = await failure(
      batch.createNamespacedCronJob({
        namespace: ns,
        body: {
          metadata: { name: 'x' },
          spec: { jobTemplate: { spec: { template: { spec: { containers: [] } } } } }
        } as never
      })
    )
    expect(bad.code).toBe(422)
    expect(bad.status.message).toBe(
      'CronJob.batch "x" is invalid: [spec.schedule: Required value, spec.jobTemplate.spec.template.spec.containers: Required value]'
    )
  })

  it('answers 422 for a Pod without containers, naming its kind without a group', async () => {
    const bad = await failure(
      core.createNamespacedPod({ namespace: ns, body: { metadata: { name: 'p' }, spec: { containers: [] } } })
    )
    expect(bad.code).toBe(422)
    expect(bad.status).toMatchObject({
      message: 'Pod "p" is invalid: spec.containers: Required value',
      details: { name: 'p', kind: 'Pod' }
    })
  })

  it('pages a LIST of Pods with limit and continue, and filters them by label', async () => {
    for (const name of ['a', 'b', 'c']) {
      double.seedWorkload(ns, 'pods', {
        metadata: { name: `run-${name}`, labels: { 'dagster/run': name === 'c' ? 'other' : 'x' } },
        spec: podTemplate.spec
      })
    }
    const first = await core.listNamespacedPod({ namespace: ns, limit: 2 })
    expect(first.items.map(p => p.metadata?.name)).toEqual(['run-a', 'run-b'])
    expect(first.metadata?.remainingItemCount).toBe(1)
    const rest = await core.listNamespacedPod({
      namespace: ns,
      limit: 2,
      _continue: first.metadata?._continue
    })
    expect(rest.items.map(p => p.metadata?.name)).toEqual(['run-c'])
    expect(rest.metadata?._continue).toBeUndefined()
    const labelled = await core.listNamespacedPod({ namespace: ns, labelSelector: 'dagster/run=x' })
    expect(labelled.items.map(p => p.metadata?.name)).toEqual(['run-a', 'run-b'])
  })

  it("keeps a seeded Pod's owner, phase and container states", async () => {
    double.seedWorkload(ns, 'pods', {
      metadata: {
        name: 'etl-7c9f8-x',
        labels: { 'pod-template-hash': '7c9f8' },
        ownerReferences: [
          { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'etl-7c9f8', uid: 'u', controller: true }
        ]
      },
      spec: podTemplate.spec,
      status: {
        phase: 'Pending',
        containerStatuses: [{ name: 'app', state: { waiting: { reason: 'CreateContainerConfigError' } } }]
      }
    })
    const [pod] = (await core.listNamespacedPod({ namespace: ns })).items
    expect(pod?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'ReplicaSet', controller: true })
    expect(pod?.status?.containerStatuses?.[0]?.state?.waiting?.reason).toBe('CreateContainerConfigError')
  })

  it("answers a LIST of pods without RBAC with the core group's 403 Status", async () => {
    denied.add('list pods')
    const { code, status } = await failure(core.listNamespacedPod({ namespace: ns }))
    expect(code).toBe(403)
    expect(status).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: `pods is forbidden: User "${user}" cannot list resource "pods" in API group "" in the namespace "${ns}"`,
      reason: 'Forbidden',
      details: { kind: 'pods' },
      code: 403
    })
  })

  it.each([
    ['statefulsets', 'apps', () => apps.listNamespacedStatefulSet({ namespace: ns })],
    ['daemonsets', 'apps', () => apps.listNamespacedDaemonSet({ namespace: ns })],
    ['cronjobs', 'batch', () => batch.listNamespacedCronJob({ namespace: ns })],
    ['jobs', 'batch', () => batch.listNamespacedJob({ namespace: ns })]
  ] as const)(
    "answers a LIST of %s without RBAC with the RBAC authorizer's 403 Status",
    async (resource, group, list) => {
      denied.add(`list ${resource}`)
      const { code, status } = await failure(list())
      expect(code).toBe(403)
      expect(status).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `${resource}.${group} is forbidden: User "${user}" cannot list resource "${resource}" in API group "${group}" in the namespace "${ns}"`,
        reason: 'Forbidden',
        details: { group, kind: resource },
        code: 403
      })
    }
  )

  it('lists apps and batch in discovery', async () => {
    const groups = JSON.parse((await raw(double, '/apis')).body) as { groups: { name: string }[] }
    expect(groups.groups.map(g => g.name)).toEqual(['apps', 'batch', 'authorization.k8s.io', 'events.k8s.io'])
    const appsV1 = JSON.parse((await raw(double, '/apis/apps/v1')).body) as { resources: { name: string }[] }
    expect(appsV1.resources.map(r => r.name)).toEqual(['deployments', 'statefulsets', 'daemonsets'])
    const coreV1 = JSON.parse((await raw(double, '/api/v1')).body) as { resources: { name: string }[] }
    expect(coreV1.resources.map(r => r.name)).toEqual(['namespaces', 'secrets', 'pods'])
    const batchV1 = JSON.parse((await raw(double, '/apis/batch/v1')).body) as {
      groupVersion: string
      resources: { name: string }[]
    }
    expect(batchV1).toMatchObject({ groupVersion: 'batch/v1' })
    expect(batchV1.resources.map(r => r.name)).toEqual(['cronjobs', 'jobs'])
  })

  it('serves none of it without `workloads: true`', async () => {
    const plain = await startKubeDouble({ deployments: true })
    try {
      expect((await raw(plain, `/apis/batch/v1/namespaces/${ns}/jobs`)).status).toBe(404)
      expect((await raw(plain, `/apis/apps/v1/namespaces/${ns}/statefulsets`)).status).toBe(404)
      expect((await raw(plain, `/apis/apps/v1/namespaces/${ns}/daemonsets`)).status).toBe(404)
      expect((await raw(plain, `/api/v1/namespaces/${ns}/pods`)).status).toBe(404)
    } finally {
      await plain.close()
    }
  })
})

describe('kube API double: metadata-only Secret lists', () => {
  let double: KubeDouble

  beforeEach(async () => {
    double = await startKubeDouble()
    double.seedSecret(ns, {
      metadata: { name: 'tf-made', labels: { team: 'data' } },
      data: { KEY: Buffer.from('s3cr3t-value').toString('base64') }
    })
  })
  afterEach(async () => {
    await double.close()
  })

  it('answers PartialObjectMetadataList with items holding only metadata, no data', async () => {
    const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
      accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'
    })
    expect(r.status).toBe(200)
    expect(r.contentType).toBe('application/json')
    const list = JSON.parse(r.body) as {
      kind: string
      apiVersion: string
      metadata: { resourceVersion: string }
      items: Record<string, unknown>[]
    }
    expect(list).toMatchObject({ kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1' })
    expect(list.metadata.resourceVersion).toMatch(/^\d+$/)
    expect(list.items).toHaveLength(1)
    expect(Object.keys(list.items[0] ?? {}).sort()).toEqual(['apiVersion', 'kind', 'metadata'])
    expect(list.items[0]).toMatchObject({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: { name: 'tf-made', labels: { team: 'data' } }
    })
    expect(r.body).not.toContain(Buffer.from('s3cr3t-value').toString('base64'))
  })

  it('answers 406 for a LIST that asks only for the single-object kind PartialObjectMetadata', async () => {
    const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
      accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1'
    })
    expect(r.status).toBe(406)
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'Status', reason: 'NotAcceptable', code: 406 })
  })

  it('falls back to the full list when the Accept header offers plain JSON after an unservable type', async () => {
    const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
      accept: 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json'
    })
    expect(JSON.parse(r.body)).toMatchObject({ kind: 'SecretList' })
  })
})
