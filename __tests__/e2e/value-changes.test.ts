// Only a value change is a change, end to end through dist/index.js against the Kubernetes double: a claim or an
// adoption of the same value, a new `labels` input and dropping kubectl's last-applied annotation are written and
// reported as metadata-only updates, leave `changed` false and restart nothing; a paused Deployment is said to be
// paused, not restarted. Every run is scanned for leaked values (run-action.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
/** The summary as a reader sees it: Markdown's backslash escapes removed. */
const plainText = (markdown: string): string => markdown.replace(/\\(.)/g, '$1')

let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble({ deployments: true })
  kubeconfig = kube.writeKubeconfig()
  kube.seedDeployment(NS, { name: 'user-code-etl' })
})
afterEach(() => kube.close())

const run = (secrets: Record<string, string>, extra: Record<string, string> = {}): Promise<ActionRun> =>
  runAction({
    secrets: JSON.stringify(secrets),
    kubeconfig,
    namespace: NS,
    restart_deployments: 'user-code-etl',
    ...extra
  })

const restartedAt = (name: string): string | undefined =>
  kube.getDeployment(NS, name)?.spec.template.metadata.annotations?.[RESTARTED_AT]
const patches = (): string[] =>
  kube
    .writes()
    .filter(w => w.method === 'PATCH')
    .map(w => w.path)

/** As the version before owners were recorded wrote it: both labels, no owner. */
function seedOwnerless(githubName: string, value: string): void {
  kube.seedSecret(
    NS,
    {
      metadata: {
        name: githubName.toLowerCase().replaceAll('_', '-'),
        labels: {
          'app.kubernetes.io/managed-by': 'gke-secrets-sync',
          'gke-secrets-sync/prefix': 'DAGSTER_SECRET'
        }
      },
      type: 'Opaque',
      data: { [githubName]: b64(value) }
    },
    'gke-secrets-sync'
  )
}

describe('only a value change is a change', () => {
  it('a claim of the same value is a metadata-only update: changed is false and nothing restarts', async () => {
    seedOwnerless('DAGSTER_SECRET_SAME', 'same-value-canary-1')
    const claimed = await run({ DAGSTER_SECRET_SAME: 'same-value-canary-1' })
    expect(claimed.exitCode, claimed.stdout).toBe(0)
    expect(kube.getSecret(NS, 'dagster-secret-same')?.metadata.annotations?.['gke-secrets-sync/owner']).toBe(
      'acme/dagster-infra (id 700001)'
    )
    expect(claimed.outputs).toMatchObject({
      changed: 'false',
      updated: '[]',
      metadata_updated: '["dagster-secret-same"]',
      env_secrets: '- name: dagster-secret-same\n',
      restarted_deployments: '[]'
    })
    expect(patches()).toEqual([])
    expect(restartedAt('user-code-etl')).toBeUndefined()
    const summary = plainText(claimed.summary)
    expect(summary).toContain('## ✅ gke-secrets-sync: no value changed, metadata of 1 Secret updated')
    expect(summary).toContain('| `dagster-secret-same` | metadata updated | claimed for acme/dagster-infra')
    expect(summary).toContain('1 Secret had only its labels or annotations written')
    expect(summary).toContain("No Secret's value changed, so nothing was restarted")
  })

  it('a claim that changes the value is an update, and restarts once beside a same-value claim', async () => {
    seedOwnerless('DAGSTER_SECRET_SAME', 'same-value-canary-2')
    seedOwnerless('DAGSTER_SECRET_ROTATED', 'old-value-canary-2')
    const claimed = await run({
      DAGSTER_SECRET_SAME: 'same-value-canary-2',
      DAGSTER_SECRET_ROTATED: 'new-value-canary-2'
    })
    expect(claimed.exitCode, claimed.stdout).toBe(0)
    expect(claimed.outputs).toMatchObject({
      changed: 'true',
      updated: '["dagster-secret-rotated"]',
      metadata_updated: '["dagster-secret-same"]',
      restarted_deployments: '["user-code-etl"]'
    })
    expect(patches()).toEqual([`/apis/apps/v1/namespaces/${NS}/deployments/user-code-etl`])
  })

  it('a new labels input is written to every Secret as a metadata-only update', async () => {
    const secrets = { DAGSTER_SECRET_TOKEN: 'labels-value-canary-3' }
    const first = await run(secrets)
    expect(first.outputs.changed).toBe('true')
    const before = restartedAt('user-code-etl')
    kube.resetRequests()

    const relabelled = await run(secrets, { labels: 'team=data' })
    expect(relabelled.exitCode, relabelled.stdout).toBe(0)
    expect(kube.getSecret(NS, 'dagster-secret-token')?.metadata.labels?.team).toBe('data')
    // The labels, and the Event that records a metadata-only update.
    expect(kube.writes().map(w => [w.method, w.path.split('/').at(-1)])).toEqual([
      ['PUT', 'dagster-secret-token'],
      ['POST', 'events']
    ])
    expect(relabelled.outputs).toMatchObject({
      changed: 'false',
      updated: '[]',
      metadata_updated: '["dagster-secret-token"]',
      restarted_deployments: '[]'
    })
    expect(restartedAt('user-code-etl')).toBe(before)
  })

  it('adopting a kubectl-applied Secret of the same value drops last-applied and changes nothing else', async () => {
    kube.seedSecret(
      NS,
      {
        metadata: {
          name: 'dagster-secret-applied',
          annotations: { [LAST_APPLIED]: JSON.stringify({ data: { X: 'old' } }) }
        },
        type: 'Opaque',
        data: { DAGSTER_SECRET_APPLIED: b64('applied-value-canary-4') }
      },
      'kubectl-client-side-apply'
    )
    const adopted = await run({ DAGSTER_SECRET_APPLIED: 'applied-value-canary-4' }, { on_conflict: 'adopt' })
    expect(adopted.exitCode, adopted.stdout).toBe(0)
    expect(kube.getSecret(NS, 'dagster-secret-applied')?.metadata.annotations).not.toHaveProperty(
      LAST_APPLIED
    )
    expect(adopted.outputs).toMatchObject({
      changed: 'false',
      metadata_updated: '["dagster-secret-applied"]',
      restarted_deployments: '[]'
    })
    expect(plainText(adopted.summary)).toContain(
      '| metadata updated | adopted: it was not made by this action'
    )
    expect(patches()).toEqual([])
  })
})

describe('a paused Deployment', () => {
  it('is not restarted nor counted, and a warning names kubectl rollout resume', async () => {
    kube.seedDeployment(NS, { name: 'user-code-paused', paused: true })
    const synced = await run(
      { DAGSTER_SECRET_TOKEN: 'paused-value-canary-5' },
      { restart_deployments: 'user-code-etl, user-code-paused' }
    )
    expect(synced.exitCode, synced.stdout).toBe(0)
    expect(synced.outputs.restarted_deployments).toBe('["user-code-etl"]')
    expect(patches()).toEqual([`/apis/apps/v1/namespaces/${NS}/deployments/user-code-etl`])
    expect(restartedAt('user-code-paused')).toBeUndefined()
    expect(synced.stdout).toMatch(
      /::warning::Deployment\/user-code-paused was not restarted: it is paused.*can't restart paused deployment \(run rollout resume first\).*kubectl rollout resume deployment\/user-code-paused -n dagster-prd/
    )
    expect(synced.summary).toContain(
      '| `Deployment/user-code-paused` | named in `restart_deployments` | ⚠️ paused, not restarted: run `kubectl rollout resume deployment/user-code-paused -n dagster-prd` first |'
    )
  })
})
