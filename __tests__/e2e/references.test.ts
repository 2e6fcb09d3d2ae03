// check_references end to end through dist/index.js against the Kubernetes double: the Used-by column,
// unreferenced Secrets, dangling references (a missing Secret with its near miss, a missing key) as warnings and a
// summary section, the permission note on a 403, prune held back by a reference, and the one-request run when
// the input is off. Every run is scanned for leaked values (run-action.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { runAction } from './run-action.js'

const NS = 'dagster-prd'
const SECRETS = {
  DAGSTER_SECRET_SLACK_BOT_TOKEN: 'xoxb-references-canary-1',
  DAGSTER_SECRET_DB_URL: 'postgres://references-canary-2',
  DAGSTER_SECRET_IDLE: 'idle-references-canary-3'
}
const container = (name: string, extra: object = {}): object => ({
  name,
  image: `registry.example/${name}:1`,
  ...extra
})

let kube: KubeDouble
let kubeconfig: string
let denied: Set<string>

beforeEach(async () => {
  denied = new Set()
  kube = await startKubeDouble({ workloads: true, authorize: a => !denied.has(`${a.verb} ${a.resource}`) })
  kubeconfig = kube.writeKubeconfig()
  // A code location whose Helm values name the Secret before the GitHub secret was renamed (a near miss), and
  // whose init container reads the database URL under a key the Secret does not have.
  kube.seedDeployment(NS, {
    name: 'user-code-etl',
    podSpec: {
      containers: [
        container('dagster', {
          envFrom: [
            { secretRef: { name: 'dagster-secret-slack-token' } },
            { secretRef: { name: 'dagster-secret-db-url' } }
          ]
        })
      ],
      initContainers: [
        container('migrate', {
          env: [
            {
              name: 'DB',
              valueFrom: { secretKeyRef: { name: 'dagster-secret-db-url', key: 'DATABASE_URL' } }
            }
          ]
        })
      ]
    }
  })
  kube.seedWorkload(NS, 'cronjobs', {
    metadata: { name: 'nightly-report' },
    spec: {
      schedule: '@daily',
      jobTemplate: {
        spec: {
          template: {
            spec: {
              restartPolicy: 'Never',
              containers: [
                container('report', {
                  env: [
                    {
                      name: 'SLACK',
                      valueFrom: {
                        secretKeyRef: {
                          name: 'dagster-secret-slack-bot-token',
                          key: 'DAGSTER_SECRET_SLACK_BOT_TOKEN'
                        }
                      }
                    },
                    {
                      name: 'MAYBE',
                      valueFrom: {
                        secretKeyRef: { name: 'dagster-secret-feature-flag', key: 'X', optional: true }
                      }
                    }
                  ]
                })
              ]
            }
          }
        }
      }
    }
  })
})
afterEach(() => kube.close())

const sync = (inputs: Record<string, string> = {}, secrets: Record<string, string> = SECRETS) =>
  runAction({
    secrets: JSON.stringify(secrets),
    kubeconfig,
    namespace: NS,
    check_references: 'true',
    ...inputs
  })

describe('check_references', () => {
  it('shows which workloads use each Secret, the unreferenced ones, and references that point nowhere', async () => {
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)

    expect(run.summary).toContain('| GitHub secret | Kubernetes Secret | Result | Used by |')
    expect(run.summary).toContain(
      '| <code>DAGSTER\\_<wbr>SECRET\\_<wbr>SLACK\\_<wbr>BOT\\_<wbr>TOKEN</code> | `dagster-secret-slack-bot-token` | created | `CronJob/nightly-report` |'
    )
    expect(run.summary).toContain(
      '| `DAGSTER_SECRET_DB_URL` | `dagster-secret-db-url` | created | `Deployment/user-code-etl` |'
    )
    expect(run.summary).toContain(
      '| `DAGSTER_SECRET_IDLE` | `dagster-secret-idle` | created | _not referenced_ |'
    )
    expect(run.outputs.unreferenced).toBe('["dagster-secret-idle"]')

    // A dangling envFrom with its near miss, and a secretKeyRef key the Secret lacks (its only key named).
    expect(run.summary).toContain('### References that point nowhere')
    expect(run.summary).toContain(
      '| `Deployment/user-code-etl` | `dagster` (envFrom) | Secret `dagster-secret-slack-token` | `dagster-secret-slack-bot-token` |'
    )
    expect(run.summary).toContain(
      '| `Deployment/user-code-etl` | `migrate (init)` (env) | key `DATABASE_URL` in Secret `dagster-secret-db-url` | `DAGSTER_SECRET_DB_URL` |'
    )
    expect(JSON.parse(run.outputs.dangling_references ?? '')).toEqual([
      {
        workload: 'Deployment/user-code-etl',
        container: 'migrate (init)',
        secret: 'dagster-secret-db-url',
        key: 'DATABASE_URL',
        missing: 'key',
        closest: 'DAGSTER_SECRET_DB_URL'
      },
      {
        workload: 'Deployment/user-code-etl',
        container: 'dagster',
        secret: 'dagster-secret-slack-token',
        missing: 'secret',
        closest: 'dagster-secret-slack-bot-token'
      }
    ])
    // Warning annotations, one per dangling reference; the optional one is listed, not warned about.
    const warnings = run.stdout.split('\n').filter(line => line.startsWith('::warning'))
    expect(warnings).toHaveLength(2)
    expect(warnings.join('\n')).toContain(
      'Deployment/user-code-etl, container dagster (envFrom): Secret "dagster-secret-slack-token" does not exist (closest existing Secret: dagster-secret-slack-bot-token)'
    )
    expect(warnings.join('\n')).toContain('title=Secret reference points nowhere')
    expect(warnings.join('\n')).not.toContain('dagster-secret-feature-flag')
    expect(run.summary).toContain('Optional references (`optional: true`)')
    expect(run.summary).toContain('Secret `dagster-secret-feature-flag`')

    // One LIST per kind, one of Pods and one metadata-only LIST of Secret names on top of the sync's own requests.
    const reads = kube.requests.filter(r => r.method === 'GET').map(r => r.path)
    expect(reads.filter(p => p.startsWith('/apis/'))).toHaveLength(5)
    expect(reads.filter(p => p === `/api/v1/namespaces/${NS}/pods`)).toHaveLength(1)
    expect(kube.requests.filter(r => r.accept?.includes('as=PartialObjectMetadataList'))).toHaveLength(1)
  })

  it('counts Secrets of other owners (Terraform) as existing, and checks no key it cannot see', async () => {
    kube.seedSecret(NS, { metadata: { name: 'dagster-secret-slack-token' }, data: { TOKEN: 'eA==' } })
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.summary).not.toContain('Secret `dagster-secret-slack-token` |')
    expect(
      JSON.parse(run.outputs.dangling_references ?? '').map((d: { secret: string }) => d.secret)
    ).toEqual(['dagster-secret-db-url'])
  })

  it('says once which permission to add when listing workloads is forbidden, and does not fail the run', async () => {
    denied.add('list cronjobs')
    denied.add('list jobs')
    denied.add('list statefulsets')
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.summary.match(/\[!WARNING\]/g)).toHaveLength(1)
    expect(run.summary).toContain(
      'The identity may not list `cronjobs.batch`, `jobs.batch`, `statefulsets.apps` in `dagster-prd`'
    )
    expect(run.summary).toContain(
      'kubectl create role gke-secrets-sync-check-references -n dagster-prd --verb=list --resource=cronjobs.batch,jobs.batch,statefulsets.apps'
    )
    expect(run.summary).toContain('--user=system:serviceaccount:ci:gke-secrets-sync')
    // What could be listed is still reported; what nothing listed references is "none found", not "unused".
    expect(run.summary).toContain('| `dagster-secret-db-url` | created | `Deployment/user-code-etl` |')
    expect(run.summary).toContain('| `dagster-secret-slack-bot-token` | created | _none found_ |')
  })

  it('holds back from prune a Secret that a workload still references, naming the workload', async () => {
    await sync()
    // DAGSTER_SECRET_DB_URL and DAGSTER_SECRET_IDLE are gone from GitHub; the Deployment still reads the first.
    const run = await sync(
      { prune: 'true' },
      { DAGSTER_SECRET_SLACK_BOT_TOKEN: SECRETS.DAGSTER_SECRET_SLACK_BOT_TOKEN }
    )
    expect(run.exitCode, run.stdout).toBe(0)
    expect(kube.getSecret(NS, 'dagster-secret-db-url')).toBeDefined()
    expect(kube.getSecret(NS, 'dagster-secret-idle')).toBeUndefined()
    expect(run.outputs.deleted).toBe('["dagster-secret-idle"]')
    expect(run.outputs.skipped).toBe('["dagster-secret-db-url"]')
    expect(run.summary).toContain(
      '| — | `dagster-secret-db-url` | ⚠️ skipped | not deleted: still referenced by Deployment/user-code-etl; deleting it would stop their pods from starting | `Deployment/user-code-etl` |'
    )
    const deletes = kube.writes().filter(w => w.method === 'DELETE')
    expect(deletes.map(d => d.path)).toEqual([`/api/v1/namespaces/${NS}/secrets/dagster-secret-idle`])
  })

  describe('sees every pod source', () => {
    const LOGS = { DAGSTER_SECRET_LOGS_TOKEN: 'logs-references-canary-4' }
    const DEBUG = { DAGSTER_SECRET_DEBUG_KEY: 'debug-references-canary-5' }
    beforeEach(() => {
      kube.seedWorkload(NS, 'daemonsets', {
        metadata: { name: 'log-shipper' },
        spec: {
          selector: { matchLabels: { app: 'log-shipper' } },
          template: {
            metadata: { labels: { app: 'log-shipper' } },
            spec: {
              containers: [
                container('ship', { envFrom: [{ secretRef: { name: 'dagster-secret-logs-token' } }] })
              ]
            }
          }
        }
      })
      // A bare Pod (kubectl run), reading its Secret from a volume: no template describes it.
      kube.seedWorkload(NS, 'pods', {
        metadata: { name: 'debug-shell' },
        spec: {
          containers: [container('sh', { volumeMounts: [{ name: 'key', mountPath: '/key' }] })],
          volumes: [{ name: 'key', secret: { secretName: 'dagster-secret-debug-key' } }]
        },
        status: { phase: 'Running' }
      })
    })

    it('reports a Secret used only by a DaemonSet or a bare Pod as used, and prune keeps both', async () => {
      const first = await sync({}, { ...SECRETS, ...LOGS, ...DEBUG })
      expect(first.exitCode, first.stdout).toBe(0)
      expect(first.summary).toContain('| `dagster-secret-logs-token` | created | `DaemonSet/log-shipper` |')
      expect(first.summary).toContain('| `dagster-secret-debug-key` | created | `Pod/debug-shell` |')
      expect(JSON.parse(first.outputs.unreferenced ?? '')).toEqual(['dagster-secret-idle'])

      const run = await sync({ prune: 'true' }, SECRETS)
      expect(run.exitCode, run.stdout).toBe(0)
      expect(kube.getSecret(NS, 'dagster-secret-logs-token')).toBeDefined()
      expect(kube.getSecret(NS, 'dagster-secret-debug-key')).toBeDefined()
      expect(JSON.parse(run.outputs.skipped ?? '')).toEqual([
        'dagster-secret-debug-key',
        'dagster-secret-logs-token'
      ])
      expect(run.summary).toContain('not deleted: still referenced by DaemonSet/log-shipper')
      expect(run.summary).toContain('not deleted: still referenced by Pod/debug-shell')
      expect(kube.writes().filter(w => w.method === 'DELETE')).toEqual([])
    })

    it('deletes nothing in prune when the Pods could not be listed, and names the permission', async () => {
      await sync({}, { ...SECRETS, ...DEBUG })
      denied.add('list pods')
      const run = await sync({ prune: 'true' }, SECRETS)
      expect(run.exitCode, run.stdout).toBe(0)
      expect(kube.getSecret(NS, 'dagster-secret-debug-key')).toBeDefined()
      expect(kube.writes().filter(w => w.method === 'DELETE')).toEqual([])
      expect(run.summary).toContain('The identity may not list `pods` in `dagster-prd`')
      expect(run.summary).toContain('listing pods failed')
    })
  })

  it('deletes nothing in prune when a workload kind could not be listed', async () => {
    await sync()
    denied.add('list jobs')
    const run = await sync(
      { prune: 'true' },
      { DAGSTER_SECRET_SLACK_BOT_TOKEN: SECRETS.DAGSTER_SECRET_SLACK_BOT_TOKEN }
    )
    expect(run.exitCode, run.stdout).toBe(0)
    expect(kube.writes().filter(w => w.method === 'DELETE')).toEqual([])
    expect(run.summary).toContain(
      // The Detail cell escapes Markdown, so the parentheses arrive as \( and \).
      'not deleted: could not check which workloads reference it \\(listing jobs.batch failed\\)'
    )
  })

  it('stays one request on a no-change run when the input is off, with no references outputs', async () => {
    const first = await runAction({ secrets: JSON.stringify(SECRETS), kubeconfig, namespace: NS })
    expect(first.exitCode, first.stdout).toBe(0)
    kube.resetRequests()
    const run = await runAction({ secrets: JSON.stringify(SECRETS), kubeconfig, namespace: NS })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(kube.requests.map(r => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/namespaces/${NS}/secrets`])
    expect(run.summary).not.toContain('Used by')
    expect(run.outputs.unreferenced).toBe('')
    expect(run.outputs.dangling_references).toBe('')
    expect(run.stdout).not.toContain('::warning')
  })

  it('counts in a dry run the Secrets it would create as existing', async () => {
    const run = await sync({ dry_run: 'true' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(kube.listSecrets(NS)).toEqual([])
    const dangling = JSON.parse(run.outputs.dangling_references ?? '') as {
      secret: string
      missing: string
    }[]
    expect(dangling.map(d => [d.secret, d.missing])).toEqual([
      ['dagster-secret-db-url', 'key'],
      ['dagster-secret-slack-token', 'secret']
    ])
  })
})
