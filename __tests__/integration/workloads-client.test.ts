// WorkloadsClient against the Kubernetes double over HTTPS with the real client-node: one LIST per workload kind
// and one metadata-only LIST of Secrets, failures reported per kind rather than thrown, and the inventory it reads
// feeding checkReferences as the action uses it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SharedConnections } from '../../src/kube/requests.js'
import { checkReferences } from '../../src/sync/workload-references.js'
import { METADATA_LIST_ACCEPT, WorkloadsClient } from '../../src/kube/workloads-client.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'

const ns = 'dagster-prd'
const container = (name: string, extra: object = {}): object => ({
  name,
  image: `registry.example/${name}:1`,
  ...extra
})

let kube: KubeDouble
let denied: Set<string>

function client(): WorkloadsClient {
  return new WorkloadsClient(kubeConfigFor(kube), {
    namespace: ns,
    connections: new SharedConnections(),
    requestTimeoutMs: 10_000,
    deadline: AbortSignal.timeout(60_000),
    retry: { retries: 2, minDelayMs: 10, maxDelayMs: 50 }
  })
}

beforeEach(async () => {
  denied = new Set()
  kube = await startKubeDouble({ workloads: true, authorize: a => !denied.has(`${a.verb} ${a.resource}`) })
  kube.seedSecret(ns, {
    metadata: { name: 'dagster-secret-slack-bot-token' },
    data: { DAGSTER_SECRET_SLACK_BOT_TOKEN: 'eA==' }
  })
  kube.seedSecret(ns, { metadata: { name: 'cloudsql-credentials' }, data: { json: 'eA==' } })
  kube.seedDeployment(ns, {
    name: 'user-code',
    podSpec: {
      containers: [
        container('user-code', { envFrom: [{ secretRef: { name: 'dagster-secret-slack-token' } }] })
      ],
      initContainers: [
        container('migrate', {
          env: [{ name: 'DB', valueFrom: { secretKeyRef: { name: 'cloudsql-credentials', key: 'json' } } }]
        })
      ]
    }
  })
  kube.seedWorkload(ns, 'statefulsets', {
    metadata: { name: 'cache' },
    spec: {
      serviceName: 'cache',
      selector: { matchLabels: { app: 'cache' } },
      template: {
        spec: {
          containers: [container('redis', { volumeMounts: [{ name: 'creds', mountPath: '/creds' }] })],
          volumes: [{ name: 'creds', secret: { secretName: 'dagster-secret-slack-bot-token' } }]
        }
      }
    }
  })
  const jobTemplate = {
    spec: {
      containers: [container('job', { envFrom: [{ secretRef: { name: 'dagster-secret-nightly' } }] })],
      restartPolicy: 'Never'
    }
  }
  kube.seedWorkload(ns, 'cronjobs', {
    metadata: { name: 'nightly' },
    spec: { schedule: '@daily', jobTemplate: { spec: { template: jobTemplate } } }
  })
  kube.seedWorkload(ns, 'jobs', {
    metadata: {
      name: 'nightly-29000000',
      ownerReferences: [{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: 'u' }]
    },
    spec: { template: jobTemplate }
  })
  kube.seedWorkload(ns, 'jobs', {
    metadata: { name: 'dagster-run-done' },
    spec: { template: jobTemplate },
    status: { conditions: [{ type: 'Complete', status: 'True' }] }
  })
  kube.seedWorkload(ns, 'jobs', {
    metadata: { name: 'dagster-run-live' },
    spec: { template: jobTemplate },
    status: { active: 1 }
  })
  kube.seedWorkload(ns, 'daemonsets', {
    metadata: { name: 'log-shipper' },
    spec: {
      selector: { matchLabels: { app: 'log-shipper' } },
      template: {
        spec: {
          containers: [container('ship', { envFrom: [{ secretRef: { name: 'dagster-secret-logs' } }] })]
        }
      }
    }
  })
  // A replica of the Deployment (shown as the Deployment), a bare Pod, and a finished one (left out).
  const pod = (name: string, extra: object, phase = 'Running'): void => {
    kube.seedWorkload(ns, 'pods', {
      metadata: { name, ...extra },
      spec: { containers: [container('c', { envFrom: [{ secretRef: { name: 'dagster-secret-debug' } }] })] },
      status: { phase }
    })
  }
  pod('user-code-7c9f8-x', {
    labels: { 'pod-template-hash': '7c9f8' },
    ownerReferences: [
      { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'user-code-7c9f8', uid: 'u', controller: true }
    ]
  })
  pod('debug', {})
  pod('finished', {}, 'Succeeded')
})
afterEach(() => kube.close())

describe('WorkloadsClient.inventory', () => {
  it('reads every kind with one LIST each and the Secret names with one metadata-only LIST', async () => {
    const inventory = await client().inventory()
    expect(kube.requests.map(r => `${r.method} ${r.path}`).sort()).toEqual(
      [
        `GET /apis/apps/v1/namespaces/${ns}/deployments`,
        `GET /apis/apps/v1/namespaces/${ns}/statefulsets`,
        `GET /apis/apps/v1/namespaces/${ns}/daemonsets`,
        `GET /api/v1/namespaces/${ns}/pods`,
        `GET /apis/batch/v1/namespaces/${ns}/cronjobs`,
        `GET /apis/batch/v1/namespaces/${ns}/jobs`,
        `GET /api/v1/namespaces/${ns}/secrets`
      ].sort()
    )
    expect(inventory.failures).toEqual([])
    expect(inventory.workloads.map(w => `${w.kind}/${w.name}`)).toEqual([
      'Deployment/user-code',
      'StatefulSet/cache',
      'DaemonSet/log-shipper',
      'CronJob/nightly',
      // The CronJob's own Job and the finished run are left out.
      'Job/dagster-run-live',
      // The running Pods, each shown as what runs it; the Succeeded one is left out.
      'Pod/debug',
      'Pod/user-code-7c9f8-x'
    ])
    expect(inventory.workloads.filter(w => w.kind === 'Pod').map(w => w.runBy)).toEqual([
      'Pod/debug',
      'Deployment/user-code'
    ])
    // Pods are asked for in pages, as kubectl does.
    expect(kube.requests.find(r => r.path.endsWith('/pods'))?.query.get('limit')).toBe('500')
    expect(inventory.secretNames?.sort()).toEqual(['cloudsql-credentials', 'dagster-secret-slack-bot-token'])
  })

  it('asks for the Secrets as PartialObjectMetadataList, with no plain-JSON fallback', async () => {
    await client().inventory()
    const secretList = kube.requests.find(r => r.path.endsWith('/secrets'))
    expect(secretList?.accept).toBe('application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1')
    expect(secretList?.accept).toBe(METADATA_LIST_ACCEPT)
  })

  it('reports, rather than throws, a server that cannot list metadata only (406)', async () => {
    kube.inject({ match: r => r.path.endsWith('/secrets'), kind: 'status', code: 406 })
    const inventory = await client().inventory()
    expect(inventory.secretNames).toBeUndefined()
    expect(inventory.failures.map(f => [f.resource, f.status])).toEqual([['secrets', 406]])
    expect(inventory.workloads).toHaveLength(7)
  })

  it('reports a forbidden kind and still reads the others', async () => {
    denied.add('list cronjobs')
    denied.add('list jobs')
    const inventory = await client().inventory()
    expect(inventory.failures.map(f => [f.resource, f.status])).toEqual([
      ['cronjobs.batch', 403],
      ['jobs.batch', 403]
    ])
    expect(inventory.failures[0]?.message).toContain('cannot list resource "cronjobs" in API group "batch"')
    expect(inventory.workloads.map(w => w.kind)).toEqual([
      'Deployment',
      'StatefulSet',
      'DaemonSet',
      'Pod',
      'Pod'
    ])
    // A 403 is not retried.
    expect(kube.requests.filter(r => r.path.endsWith('/cronjobs'))).toHaveLength(1)
  })

  it('feeds checkReferences: Used by, a dangling envFrom with its near miss, Secrets of others counted as existing', async () => {
    const inventory = await client().inventory()
    const check = checkReferences(
      inventory,
      [
        {
          githubName: 'DAGSTER_SECRET_SLACK_BOT_TOKEN',
          secretName: 'dagster-secret-slack-bot-token',
          state: 'unchanged'
        }
      ],
      'DAGSTER_SECRET',
      false
    )
    expect(check.usedBy.get('dagster-secret-slack-bot-token')).toEqual(['StatefulSet/cache'])
    expect(check.usedBy.get('cloudsql-credentials')).toEqual(['Deployment/user-code'])
    expect(check.usedBy.get('dagster-secret-debug')).toEqual(['Deployment/user-code', 'Pod/debug'])
    expect(check.usedBy.get('dagster-secret-logs')).toEqual(['DaemonSet/log-shipper'])
    expect(check.unreferenced).toEqual([])
    expect(
      check.dangling.map(d => [
        d.reference.workload,
        d.reference.container,
        d.reference.secretName,
        d.closest
      ])
    ).toEqual([
      ['Deployment/user-code', 'user-code', 'dagster-secret-slack-token', 'dagster-secret-slack-bot-token'],
      ['DaemonSet/log-shipper', 'ship', 'dagster-secret-logs', undefined],
      ['CronJob/nightly', 'job', 'dagster-secret-nightly', undefined],
      ['Job/dagster-run-live', 'job', 'dagster-secret-nightly', undefined],
      ['Pod/debug', 'c', 'dagster-secret-debug', undefined],
      ['Deployment/user-code', 'c', 'dagster-secret-debug', undefined]
    ])
  })
})
