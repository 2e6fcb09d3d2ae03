// restart_deployments end to end: exactly the named (or selected) Deployments restart, and only when a Secret
// changed, the way `kubectl rollout restart` does it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { runAction } from './run-action.js'

const NS = 'dagster-prd'
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble({ deployments: true })
  kubeconfig = kube.writeKubeconfig()
  kube.seedDeployment(NS, {
    name: 'user-code-etl',
    labels: { 'app.kubernetes.io/part-of': 'dagster' },
    templateAnnotations: { keep: 'me' }
  })
  kube.seedDeployment(NS, { name: 'user-code-ml', labels: { 'app.kubernetes.io/part-of': 'dagster' } })
  kube.seedDeployment(NS, { name: 'unrelated', labels: { app: 'other' } })
})
afterEach(() => kube.close())

const restartedAt = (name: string): string | undefined =>
  (
    kube.getDeployment(NS, name) as {
      spec: { template: { metadata: { annotations?: Record<string, string> } } }
    }
  ).spec.template.metadata.annotations?.[RESTARTED_AT]

const sync = (
  restart: string,
  secrets = { DAGSTER_SECRET_TOKEN: 'v1-restart-canary' },
  extra: Record<string, string> = {}
) =>
  runAction({
    secrets: JSON.stringify(secrets),
    kubeconfig,
    namespace: NS,
    restart_deployments: restart,
    ...extra
  })

describe('restart_deployments', () => {
  it('restarts exactly the named Deployments after a change, keeping their other annotations', async () => {
    const run = await sync('user-code-etl')
    expect(run.exitCode, run.stdout).toBe(0)
    expect(restartedAt('user-code-etl')).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    expect(restartedAt('user-code-ml')).toBeUndefined()
    expect(restartedAt('unrelated')).toBeUndefined()
    const etl = kube.getDeployment(NS, 'user-code-etl') as {
      spec: { template: { metadata: { annotations: object } } }
    }
    expect(etl.spec.template.metadata.annotations).toMatchObject({ keep: 'me' })
    const patches = kube.writes().filter(w => w.method === 'PATCH')
    expect(patches.map(p => [p.path, p.contentType])).toEqual([
      [`/apis/apps/v1/namespaces/${NS}/deployments/user-code-etl`, 'application/strategic-merge-patch+json']
    ])
    expect(run.outputs.restarted_deployments).toBe('["user-code-etl"]')
    expect(run.summary).toContain(
      '| `Deployment/user-code-etl` | named in `restart_deployments` | ✅ restarted, rolled out |'
    )
    expect(JSON.parse(run.outputs.restarted ?? '')).toEqual([
      {
        kind: 'Deployment',
        name: 'user-code-etl',
        namespace: NS,
        secrets: [],
        named: true,
        rollout: 'complete'
      }
    ])
  })

  it('restarts the Deployments a label selector matches', async () => {
    const run = await sync('app.kubernetes.io/part-of=dagster')
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.restarted_deployments).toBe('["user-code-etl","user-code-ml"]')
    expect(restartedAt('unrelated')).toBeUndefined()
  })

  it('restarts nothing when no Secret changed', async () => {
    await sync('user-code-etl')
    const before = restartedAt('user-code-etl')
    kube.resetRequests()
    const second = await sync('user-code-etl')
    expect(second.exitCode).toBe(0)
    expect(kube.requests).toHaveLength(1)
    expect(restartedAt('user-code-etl')).toBe(before)
    expect(second.outputs.restarted_deployments).toBe('[]')
    expect(second.summary).toContain(
      "No Secret's value changed, so nothing was restarted (`restart_deployments`: `user-code-etl`)."
    )
    expect(second.outputs.restarted).toBe('[]')
  })

  it('in a dry run sends the restart with dryRun=All and restarts nothing', async () => {
    const run = await sync('user-code-etl', undefined, { dry_run: 'true' })
    expect(run.exitCode).toBe(0)
    expect(
      kube
        .writes()
        .filter(w => w.method === 'PATCH')
        .every(w => w.dryRun)
    ).toBe(true)
    expect(restartedAt('user-code-etl')).toBeUndefined()
    expect(run.summary).toContain(
      '| `Deployment/user-code-etl` | named in `restart_deployments` | would restart |'
    )
    expect(kube.requests.some(r => r.query.get('watch'))).toBe(false)
  })

  it('fails the step, naming the Deployment, when a restart fails; the Secrets stay synced', async () => {
    const run = await sync('user-code-etl, missing-deployment')
    expect(run.exitCode).toBe(1)
    expect(run.outputs.created).toBe('["dagster-secret-token"]')
    expect(run.outputs.restarted_deployments).toBe('["user-code-etl"]')
    expect(run.summary).toContain('## ❌ gke-secrets-sync: 1 restart failed')
    expect(run.stdout).toContain('restarting what uses them did not succeed')
    expect(run.stdout).toContain(
      '- Deployment/missing-deployment: not restarted: 404 NotFound: deployments.apps "missing-deployment" not found'
    )
  })

  it('fails when a selector matches nothing, rather than silently restarting nothing', async () => {
    const run = await sync('app=nothing-here')
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('no Deployment in namespace dagster-prd matches this selector')
  })

  it('explains the RBAC a restart needs', async () => {
    const denied = await startKubeDouble({
      deployments: true,
      authorize: ({ resource }) => resource !== 'deployments'
    })
    denied.seedDeployment(NS, { name: 'user-code-etl' })
    const run = await runAction({
      secrets: JSON.stringify({ DAGSTER_SECRET_TOKEN: 'restart-rbac-leak-canary' }),
      kubeconfig: denied.writeKubeconfig(),
      namespace: NS,
      restart_deployments: 'user-code-etl'
    })
    await denied.close()
    expect(run.exitCode).toBe(1)
    // The rule of restart_deployments in the RBAC table (docs/rbac.md), for the PATCH that was refused.
    expect(run.stdout).toContain(
      'The identity may not get deployments (API group apps) in namespace dagster-prd, which `restart_deployments` needs.'
    )
    expect(run.stdout).toContain(
      'kubectl create role gke-secrets-sync-restart-deployments -n dagster-prd --verb=get,list,watch,patch --resource=deployments.apps'
    )
  })
})
