// restart_referencing and wait_for_rollout end to end through dist/index.js against the Kubernetes double (its
// rollout controller, watches and pods): exactly what reads a changed value restarts, once, the kubectl way; each
// rollout is followed until it is complete, fails (with the condition and the pods' reasons) or the budget ends;
// Jobs, CronJobs and paused Deployments are not restarted; a dry run restarts nothing; a 403 names the rule. Every
// run is scanned for leaked values (run-action.ts).
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const RESTARTED_AT = 'kubectl.kubernetes.io/restartedAt'
const SECRETS = {
  DAGSTER_SECRET_DB_URL: 'postgres://restart-canary-1',
  DAGSTER_SECRET_SLACK_TOKEN: 'xoxb-restart-canary-2',
  DAGSTER_SECRET_UNUSED: 'unused-restart-canary-3'
}
const container = (name: string, extra: object = {}): object => ({
  name,
  image: `registry.example/${name}:1`,
  ...extra
})
const envFrom = (...secrets: string[]): object => ({
  envFrom: secrets.map(name => ({ secretRef: { name } }))
})
const template = (app: string, spec: object): object => ({ metadata: { labels: { app } }, spec })

let kube: KubeDouble
let kubeconfig: string
let denied: Set<string>

beforeEach(async () => {
  denied = new Set()
  kube = await startKubeDouble({ workloads: true, authorize: a => !denied.has(`${a.verb} ${a.resource}`) })
  kubeconfig = kube.writeKubeconfig()
  // A code location reading both Secrets, one through envFrom and one through a key.
  kube.seedDeployment(NS, {
    name: 'user-code-etl',
    podSpec: {
      containers: [
        container('dagster', {
          ...envFrom('dagster-secret-db-url'),
          env: [
            {
              name: 'SLACK',
              valueFrom: {
                secretKeyRef: { name: 'dagster-secret-slack-token', key: 'DAGSTER_SECRET_SLACK_TOKEN' }
              }
            }
          ]
        })
      ]
    }
  })
  // Reads a key of the Slack Secret that no run writes: a change of the Secret's one key is not its business.
  kube.seedDeployment(NS, {
    name: 'user-code-other-key',
    podSpec: {
      containers: [
        container('dagster', {
          env: [
            {
              name: 'X',
              valueFrom: { secretKeyRef: { name: 'dagster-secret-slack-token', key: 'OTHER_KEY' } }
            }
          ]
        })
      ]
    }
  })
  kube.seedWorkload(NS, 'statefulsets', {
    metadata: { name: 'cache' },
    spec: {
      serviceName: 'cache',
      selector: { matchLabels: { app: 'cache' } },
      template: template('cache', {
        containers: [container('redis', { volumeMounts: [{ name: 'db', mountPath: '/db' }] })],
        volumes: [{ name: 'db', secret: { secretName: 'dagster-secret-db-url' } }]
      })
    }
  })
  kube.seedWorkload(NS, 'daemonsets', {
    metadata: { name: 'log-shipper' },
    spec: {
      selector: { matchLabels: { app: 'log-shipper' } },
      template: template('log-shipper', {
        containers: [container('ship', envFrom('dagster-secret-slack-token'))]
      })
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
              containers: [container('report', envFrom('dagster-secret-db-url'))]
            }
          }
        }
      }
    }
  })
})
afterEach(() => kube.close())

const run = (
  inputs: Record<string, string> = {},
  secrets: Record<string, string> = SECRETS
): Promise<ActionRun> =>
  runAction({
    secrets: JSON.stringify(secrets),
    kubeconfig,
    namespace: NS,
    restart_referencing: 'true',
    ...inputs
  })

const restartedAt = (resource: 'deployments' | 'statefulsets' | 'daemonsets' | 'cronjobs', name: string) =>
  (resource === 'deployments'
    ? kube.getDeployment(NS, name)?.spec.template.metadata.annotations
    : ((
        kube.getWorkload(NS, resource, name)?.spec as {
          template?: { metadata?: { annotations?: Record<string, string> } }
        }
      ).template?.metadata?.annotations ?? undefined))?.[RESTARTED_AT]
const patched = (): string[] =>
  kube
    .writes()
    .filter(w => w.method === 'PATCH')
    .map(w => w.path.split('/').slice(-2).join('/'))
    .sort()
type Restarted = { kind: string; name: string; secrets: string[]; rollout: string; named?: boolean }

describe('restart_referencing', () => {
  it('restarts once each workload that reads a changed value, waits for each rollout, and leaves the CronJob', async () => {
    const first = await run()
    expect(first.exitCode, first.stdout).toBe(0)
    // Two Secrets the Deployment reads changed; one PATCH. The StatefulSet and the DaemonSet too.
    expect(patched()).toEqual(['daemonsets/log-shipper', 'deployments/user-code-etl', 'statefulsets/cache'])
    for (const [resource, name] of [
      ['deployments', 'user-code-etl'],
      ['statefulsets', 'cache'],
      ['daemonsets', 'log-shipper']
    ] as const) {
      expect(restartedAt(resource, name), name).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    }
    expect(restartedAt('deployments', 'user-code-other-key')).toBeUndefined()
    expect(kube.writes().some(w => w.path.includes('cronjobs'))).toBe(false)

    const restarted = JSON.parse(first.outputs.restarted ?? '') as Restarted[]
    expect(restarted).toEqual([
      {
        kind: 'Deployment',
        name: 'user-code-etl',
        namespace: NS,
        secrets: ['dagster-secret-db-url', 'dagster-secret-slack-token'],
        rollout: 'complete'
      },
      {
        kind: 'StatefulSet',
        name: 'cache',
        namespace: NS,
        secrets: ['dagster-secret-db-url'],
        rollout: 'complete'
      },
      {
        kind: 'DaemonSet',
        name: 'log-shipper',
        namespace: NS,
        secrets: ['dagster-secret-slack-token'],
        rollout: 'complete'
      }
    ])
    expect(first.outputs.restarted_deployments).toBe('["user-code-etl"]')
    expect(first.summary).toContain('### Restarts')
    expect(first.summary).toContain(
      '| `Deployment/user-code-etl` | `dagster-secret-db-url` (`DAGSTER_SECRET_DB_URL`), `dagster-secret-slack-token` (`DAGSTER_SECRET_SLACK_TOKEN`) | ✅ restarted, rolled out |'
    )
    expect(first.summary).toContain(
      'These read a changed Secret: `CronJob/nightly-report` (`dagster-secret-db-url`)'
    )
    expect(first.summary).toContain('runs launched after this sync get the new values')
    // Watched the way kubectl rollout status does.
    expect(
      kube.requests.some(
        r => r.query.get('watch') === 'true' && r.query.get('fieldSelector') === 'metadata.name=cache'
      )
    ).toBe(true)
    // Each restart is recorded as an Event about the workload (issue 20), naming the Secrets it was restarted for.
    const restartEvents = kube
      .listEvents(NS)
      .filter(event => event.reason === 'WorkloadRestarted')
      .map(event => [event.regarding?.kind, event.regarding?.name, event.note])
      .sort()
    expect(restartEvents).toEqual([
      [
        'DaemonSet',
        'log-shipper',
        expect.stringContaining('Restarted so its pods read the changed Secret dagster-secret-slack-token.')
      ],
      [
        'Deployment',
        'user-code-etl',
        expect.stringContaining('the changed Secrets dagster-secret-db-url, dagster-secret-slack-token.')
      ],
      ['StatefulSet', 'cache', expect.stringContaining('the changed Secret dagster-secret-db-url.')]
    ])
    // About the object the PATCH answered, uid included: `kubectl describe` lists the Events whose involvedObject has
    // the object's uid (kubectl pkg/describe searchEvents), so without it describe would show none of them.
    const uids = kube
      .listEvents(NS)
      .filter(event => event.reason === 'WorkloadRestarted')
      .map(event => [event.regarding?.name, event.regarding?.uid])
      .sort()
    expect(uids).toEqual([
      ['cache', kube.getWorkload(NS, 'statefulsets', 'cache')?.metadata.uid],
      ['log-shipper', kube.getWorkload(NS, 'daemonsets', 'log-shipper')?.metadata.uid],
      ['user-code-etl', kube.getDeployment(NS, 'user-code-etl')?.metadata.uid]
    ])
    expect(uids.every(([, uid]) => typeof uid === 'string' && uid.length > 0)).toBe(true)
  })

  it('restarts nothing on an unchanged run', async () => {
    await run()
    kube.resetRequests()
    const second = await run()
    expect(second.exitCode, second.stdout).toBe(0)
    expect(kube.writes()).toEqual([])
    expect(second.outputs.restarted).toBe('[]')
    expect(second.summary).toContain("No Secret's value changed, so nothing was restarted")
  })

  it('restarts only what reads the changed key: a secretKeyRef to an unchanged key restarts nothing', async () => {
    await run()
    kube.resetRequests()
    const rotated = await run({}, { ...SECRETS, DAGSTER_SECRET_SLACK_TOKEN: 'xoxb-rotated-canary-4' })
    expect(rotated.exitCode, rotated.stdout).toBe(0)
    expect(rotated.outputs.updated).toBe('["dagster-secret-slack-token"]')
    expect(patched()).toEqual(['daemonsets/log-shipper', 'deployments/user-code-etl'])
    expect(restartedAt('deployments', 'user-code-other-key')).toBeUndefined()
    const restarted = JSON.parse(rotated.outputs.restarted ?? '') as Restarted[]
    expect(restarted.map(r => [r.kind, r.name, r.secrets])).toEqual([
      ['Deployment', 'user-code-etl', ['dagster-secret-slack-token']],
      ['DaemonSet', 'log-shipper', ['dagster-secret-slack-token']]
    ])
  })

  it('restarts a Deployment named in restart_deployments and found by reference once', async () => {
    const both = await run({ restart_deployments: 'user-code-etl' })
    expect(both.exitCode, both.stdout).toBe(0)
    expect(patched().filter(path => path === 'deployments/user-code-etl')).toHaveLength(1)
    const etl = (JSON.parse(both.outputs.restarted ?? '') as Restarted[]).find(
      r => r.name === 'user-code-etl'
    )
    expect(etl).toMatchObject({
      named: true,
      secrets: ['dagster-secret-db-url', 'dagster-secret-slack-token']
    })
    expect(both.summary).toContain('(`DAGSTER_SECRET_SLACK_TOKEN`), named in `restart_deployments` |')
  })

  it('fails the run when a rollout fails, naming the workload, the condition and the pods` reasons', async () => {
    kube.setRollout(NS, 'deployments', 'user-code-etl', {
      outcome: 'progress-deadline',
      waiting: { reason: 'CreateContainerConfigError', message: 'secret "dagster-secret-renamed" not found' }
    })
    kube.setRollout(NS, 'statefulsets', 'cache', {
      outcome: 'pods-waiting',
      waiting: { reason: 'CrashLoopBackOff' }
    })
    const failed = await run()
    expect(failed.exitCode).toBe(1)
    // The Secrets are synced all the same.
    expect(JSON.parse(failed.outputs.created ?? '')).toHaveLength(3)
    expect(failed.summary).toContain('## ❌ gke-secrets-sync: 2 restarts failed')
    expect(failed.stdout).toMatch(
      /::error::gke-secrets-sync: The Secrets were synced, but restarting what uses them did not succeed.*- Deployment\/user-code-etl: rollout failed: deployment "user-code-etl" exceeded its progress deadline \(ProgressDeadlineExceeded: ReplicaSet "user-code-etl-\w+" has timed out progressing\.\); pod user-code-etl-\w+-\w+ \(dagster\): CreateContainerConfigError: secret "dagster-secret-renamed" not found/
    )
    expect(failed.stdout).toMatch(
      /- StatefulSet\/cache: rollout failed: its new pods cannot start \(CrashLoopBackOff\)/
    )
    expect(failed.summary).toMatch(
      /\| `StatefulSet\/cache` \| `dagster-secret-db-url` \(`DAGSTER_SECRET_DB_URL`\) \| ❌ restarted, rollout failed: its new pods cannot start \\\(CrashLoopBackOff\\\).*pod cache-0 \\\(redis\\\): CrashLoopBackOff \|/
    )
    const restarted = JSON.parse(failed.outputs.restarted ?? '') as Restarted[]
    expect(restarted.map(r => [r.name, r.rollout])).toEqual([
      ['user-code-etl', 'failed'],
      ['cache', 'failed'],
      ['log-shipper', 'complete']
    ])
  })

  it('reports a rollout the time budget did not see end as still rolling out, with a warning, not as a failure', async () => {
    kube.setRollout(NS, 'daemonsets', 'log-shipper', { outcome: 'stuck' })
    const slow = await run({ timeout_seconds: '4' })
    expect(slow.exitCode, slow.stdout).toBe(0)
    expect(
      (JSON.parse(slow.outputs.restarted ?? '') as Restarted[]).find(r => r.name === 'log-shipper')?.rollout
    ).toBe('still rolling out')
    expect(slow.stdout).toContain(
      '::warning::DaemonSet/log-shipper was restarted and is still rolling out when the time budget (timeout_seconds) ran out: 0 of 2 updated pods are available'
    )
    expect(slow.summary).toContain('⏳ restarted, still rolling out')
    // The Secrets' Events were sent before the wait used up the budget; the restarts' after it had none left.
    expect(
      kube
        .listEvents(NS)
        .filter(event => event.reason === 'SecretCreated')
        .map(event => event.regarding?.name)
        .sort()
    ).toEqual(['dagster-secret-db-url', 'dagster-secret-slack-token', 'dagster-secret-unused'])
  })

  it('does not restart a paused Deployment: a warning names kubectl rollout resume', async () => {
    kube.seedDeployment(NS, {
      name: 'user-code-paused',
      paused: true,
      podSpec: { containers: [container('dagster', envFrom('dagster-secret-db-url'))] }
    })
    const paused = await run()
    expect(paused.exitCode, paused.stdout).toBe(0)
    expect(patched()).not.toContain('deployments/user-code-paused')
    expect(restartedAt('deployments', 'user-code-paused')).toBeUndefined()
    expect(paused.stdout).toContain(
      '::warning::Deployment/user-code-paused was not restarted: it is paused, so a restart would roll out nothing'
    )
    expect(paused.stdout).toContain('kubectl rollout resume deployment/user-code-paused -n dagster-prd')
    expect((JSON.parse(paused.outputs.restarted ?? '') as Restarted[]).map(r => r.name)).not.toContain(
      'user-code-paused'
    )
  })

  it('in a dry run lists what would restart and why, and restarts nothing', async () => {
    const dry = await run({ dry_run: 'true' })
    expect(dry.exitCode, dry.stdout).toBe(0)
    expect(kube.writes().every(w => w.dryRun)).toBe(true)
    expect(restartedAt('deployments', 'user-code-etl')).toBeUndefined()
    expect(kube.requests.some(r => r.query.get('watch'))).toBe(false)
    expect(dry.summary).toContain(
      'Dry run: would be restarted (`restart_referencing`: what reads a changed Secret); the API server accepted each restart and stored nothing:'
    )
    expect(dry.summary).toContain(
      '| `StatefulSet/cache` | `dagster-secret-db-url` (`DAGSTER_SECRET_DB_URL`) | would restart |'
    )
    expect((JSON.parse(dry.outputs.restarted ?? '') as Restarted[]).map(r => r.rollout)).toEqual([
      'not watched',
      'not watched',
      'not watched'
    ])
  })

  it('fails clearly on a 403, naming the missing rule', async () => {
    denied.add('patch statefulsets')
    const forbidden = await run()
    expect(forbidden.exitCode).toBe(1)
    expect(forbidden.stdout).toContain(
      '- StatefulSet/cache: not restarted: 403 Forbidden: statefulsets.apps \\"cache\\" is forbidden'.replaceAll(
        '\\',
        ''
      )
    )
    expect(forbidden.stdout).toContain(
      'kubectl create role gke-secrets-sync-restart-referencing -n dagster-prd --verb=get,list,watch,patch --resource=deployments.apps,statefulsets.apps,daemonsets.apps'
    )
    expect(forbidden.stdout).toContain('--user=system:serviceaccount:ci:gke-secrets-sync')
    // The others were restarted and rolled out all the same.
    expect(patched()).toEqual(['daemonsets/log-shipper', 'deployments/user-code-etl'])
  })

  it('fails when a restartable kind cannot be listed: what reads a changed Secret there is unknown', async () => {
    denied.add('list daemonsets')
    const unseen = await run()
    expect(unseen.exitCode).toBe(1)
    expect(unseen.stdout).toContain(
      '`restart_referencing` could not see which daemonsets.apps use the changed Secrets'
    )
    expect(unseen.stdout).toContain('--verb=get,list,watch,patch')
  })
})
