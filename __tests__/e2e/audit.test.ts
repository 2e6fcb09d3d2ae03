// End to end: the audit trail of the bundled action against the Kubernetes double. Provenance annotations on a create
// and a value change and never on a no-op; one Event per change of every kind and none for a no-op or a dry run; the
// Events refused by RBAC (the run still succeeds and says which rule to add); drift by `kubectl edit` (real kubectl)
// restored and reported with manager and time, or left with on_drift: fail; a value changed in GitHub and in the
// cluster at once; and no value, nor a hash of one, in any Event or annotation.
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble, type KubeDoubleOptions } from '../../kube-double/server.js'
import { kubectlClients, runKubectl } from '../integration/kubectl-clients.js'
import { rawRequest } from '../doubles/raw-request.js'
import { runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')
const nameOf = (githubName: string): string => githubName.toLowerCase().replaceAll('_', '-')
const RUN = (id: number): string => `https://github.com/acme/dagster-infra/actions/runs/${id}/attempts/1`
const SHA = '0123456789abcdef0123456789abcdef01234567'
/** Every value any test gives or writes by hand: the final scan looks for each in every Event and annotation. */
const seen = new Set<string>()

let kube: KubeDouble
let kubeconfig: string
const start = async (options: KubeDoubleOptions = {}): Promise<void> => {
  kube = await startKubeDouble(options)
  kubeconfig = kube.writeKubeconfig({ namespace: NS })
}
beforeEach(() => start())
afterEach(async () => {
  // Every test: no value it gave or wrote by hand is in an Event or an annotation the cluster keeps.
  expect(keptLeaks()).toEqual([])
  await kube.close()
})

/** Each value of `seen`, as is, in base64, JSON-escaped or as its SHA-256, found in the Events and annotations. */
function keptLeaks(): string[] {
  const kept = JSON.stringify({
    events: kube.listEvents(NS),
    annotations: kube.listSecrets(NS).map(s => s.metadata.annotations)
  })
  const forms = (text: string): string[] => [
    text,
    b64(text),
    JSON.stringify(text).slice(1, -1),
    createHash('sha256').update(text).digest('hex'),
    createHash('sha256').update(text).digest('base64')
  ]
  return [...seen]
    .filter(text => text.length >= 6)
    .flatMap(text => forms(text).filter(form => kept.includes(form)))
}

/** One run of the action as workflow run `runId`, started by octocat. */
function sync(
  secrets: Record<string, string>,
  runId: number,
  extra: Record<string, string> = {}
): Promise<ActionRun> {
  for (const value of Object.values(secrets)) seen.add(value)
  return runAction(
    { secrets: JSON.stringify(secrets), kubeconfig, namespace: NS, ...extra },
    { GITHUB_RUN_ID: String(runId), GITHUB_ACTOR: 'octocat' }
  )
}
const annotations = (githubName: string): Record<string, string> =>
  kube.getSecret(NS, nameOf(githubName))?.metadata.annotations ?? {}
const value = (githubName: string): string =>
  decode(kube.getSecret(NS, nameOf(githubName))?.data?.[githubName])
const eventPosts = (): number =>
  kube.requests.filter(r => r.method === 'POST' && r.path.endsWith('/events')).length

/** A change by hand as `kubectl edit` sends it (for tests that do not need kubectl itself). */
async function patchByHand(githubName: string, text: string, manager = 'kubectl-edit'): Promise<void> {
  seen.add(text)
  const r = await rawRequest(
    kube,
    `/api/v1/namespaces/${NS}/secrets/${nameOf(githubName)}?fieldManager=${manager}`,
    {
      method: 'PATCH',
      headers: { 'content-type': 'application/strategic-merge-patch+json' },
      body: JSON.stringify({ data: { [githubName]: b64(text) } })
    }
  )
  expect(r.status).toBe(200)
}

describe('provenance', () => {
  const secrets = {
    DAGSTER_SECRET_SLACK_TOKEN: 'xoxb-audit-leak-canary-1',
    DAGSTER_SECRET_DB_URL: 'postgres://audit-leak-canary'
  }

  it('is recorded on a create and on a value change, and a no-op run leaves it (one LIST, nothing written)', async () => {
    const first = await sync(secrets, 4242)
    expect(first.exitCode, first.stdout).toBe(0)
    for (const githubName of Object.keys(secrets)) {
      expect(annotations(githubName)).toEqual({
        'gke-secrets-sync/owner': 'acme/dagster-infra (id 700001)',
        'gke-secrets-sync/repository': 'acme/dagster-infra',
        'gke-secrets-sync/run-url': RUN(4242),
        'gke-secrets-sync/commit': SHA,
        'gke-secrets-sync/actor': 'octocat',
        'gke-secrets-sync/written-at': expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
      })
    }
    const versions = kube.listSecrets(NS).map(s => s.metadata.resourceVersion)

    kube.resetRequests()
    const noop = await sync(secrets, 4243)
    expect(noop.exitCode).toBe(0)
    expect(kube.requests.map(r => `${r.method} ${r.path}`)).toEqual([`GET /api/v1/namespaces/${NS}/secrets`])
    expect(kube.listSecrets(NS).map(s => s.metadata.resourceVersion)).toEqual(versions)
    expect(annotations('DAGSTER_SECRET_SLACK_TOKEN')['gke-secrets-sync/run-url']).toBe(RUN(4242))

    const rotated = await sync({ ...secrets, DAGSTER_SECRET_SLACK_TOKEN: 'xoxb-audit-leak-canary-2' }, 4244)
    expect(rotated.outputs.updated).toBe('["dagster-secret-slack-token"]')
    expect(annotations('DAGSTER_SECRET_SLACK_TOKEN')['gke-secrets-sync/run-url']).toBe(RUN(4244))
    expect(annotations('DAGSTER_SECRET_DB_URL')['gke-secrets-sync/run-url']).toBe(RUN(4242))
  })
})

describe('Events', () => {
  it('one per change of every kind, about the Secret as written; none for a no-op run or a dry run', async () => {
    // Setup: four Secrets of this action, one made before owners were recorded, one made by Terraform.
    const before = {
      DAGSTER_SECRET_ROTATED: 'rotated-old-leak-canary',
      DAGSTER_SECRET_RELABELED: 'relabeled-leak-canary',
      DAGSTER_SECRET_DRIFTED: 'drifted-github-leak-canary',
      DAGSTER_SECRET_GONE: 'gone-leak-canary'
    }
    expect((await sync(before, 100)).exitCode).toBe(0)
    kube.seedSecret(
      NS,
      {
        metadata: {
          name: 'dagster-secret-ownerless',
          labels: {
            'app.kubernetes.io/managed-by': 'gke-secrets-sync',
            'gke-secrets-sync/prefix': 'DAGSTER_SECRET'
          }
        },
        type: 'Opaque',
        data: { DAGSTER_SECRET_OWNERLESS: b64('ownerless-leak-canary') }
      },
      'gke-secrets-sync'
    )
    kube.seedSecret(NS, {
      metadata: { name: 'dagster-secret-terraform' },
      type: 'Opaque',
      data: { DAGSTER_SECRET_TERRAFORM: b64('terraform-leak-canary') }
    })
    await patchByHand('DAGSTER_SECRET_DRIFTED', 'drifted-by-hand-leak-canary')
    const gone = kube.getSecret(NS, 'dagster-secret-gone')
    expect(kube.listEvents(NS)).toHaveLength(4)

    const wanted = {
      DAGSTER_SECRET_NEW: 'new-leak-canary',
      DAGSTER_SECRET_ROTATED: 'rotated-new-leak-canary',
      DAGSTER_SECRET_RELABELED: 'relabeled-leak-canary',
      DAGSTER_SECRET_DRIFTED: 'drifted-github-leak-canary',
      DAGSTER_SECRET_OWNERLESS: 'ownerless-leak-canary',
      DAGSTER_SECRET_TERRAFORM: 'terraform-leak-canary'
    }
    // RELABELED differs only in the label the next run adds to every Secret.
    const run = await sync(wanted, 4242, { on_conflict: 'adopt', prune: 'true', labels: 'team=data' })
    expect(run.exitCode, run.stdout).toBe(0)

    const events = kube.listEvents(NS).filter(e => e.reportingInstance === 'github-run-4242-1')
    const byName = new Map(events.map(e => [e.regarding.name, e]))
    expect([...byName.keys()].sort()).toEqual([
      'dagster-secret-drifted',
      'dagster-secret-gone',
      'dagster-secret-new',
      'dagster-secret-ownerless',
      'dagster-secret-relabeled',
      'dagster-secret-rotated',
      'dagster-secret-terraform'
    ])
    expect(events).toHaveLength(7)
    expect(Object.fromEntries([...byName].map(([name, e]) => [name, [e.reason, e.action, e.type]]))).toEqual({
      'dagster-secret-new': ['SecretCreated', 'Create', 'Normal'],
      'dagster-secret-rotated': ['SecretUpdated', 'Update', 'Normal'],
      'dagster-secret-relabeled': ['SecretMetadataUpdated', 'Update', 'Normal'],
      'dagster-secret-ownerless': ['SecretClaimed', 'Claim', 'Normal'],
      'dagster-secret-terraform': ['SecretAdopted', 'Adopt', 'Normal'],
      'dagster-secret-drifted': ['DriftRestored', 'Restore', 'Warning'],
      'dagster-secret-gone': ['SecretDeleted', 'Delete', 'Normal']
    })
    for (const event of events) {
      expect(event).toMatchObject({
        reportingController: 'gke-secrets-sync',
        regarding: { apiVersion: 'v1', kind: 'Secret', namespace: NS }
      })
      expect(event.note).toMatch(
        new RegExp(
          `\\. By gke-secrets-sync in acme/dagster-infra, run ${RUN(4242)}, actor octocat, commit ${SHA}\\.$`
        )
      )
      expect(event.eventTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/)
      const secret =
        event.regarding.name === 'dagster-secret-gone' ? gone : kube.getSecret(NS, event.regarding.name ?? '')
      // The Secret as this run's write answered it (for the deleted one, the version deleted).
      expect(event.regarding).toMatchObject({
        uid: secret?.metadata.uid,
        resourceVersion: secret?.metadata.resourceVersion
      })
    }
    expect(byName.get('dagster-secret-drifted')?.note).toMatch(
      /^GitHub's value written back from the GitHub secret DAGSTER_SECRET_DRIFTED: the value had been changed in the cluster by kubectl-edit \(Update at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ\)\. By gke-secrets-sync in /
    )

    // Nothing changed: no write, no Event.
    kube.resetRequests()
    const noop = await sync(wanted, 4243, { on_conflict: 'adopt', prune: 'true', labels: 'team=data' })
    expect(noop.exitCode).toBe(0)
    expect(kube.writes()).toEqual([])
    expect(eventPosts()).toBe(0)

    // A dry run checks every write and records nothing.
    const dry = await sync({ ...wanted, DAGSTER_SECRET_NEW: 'new-again-leak-canary' }, 4244, {
      labels: 'team=data',
      dry_run: 'true'
    })
    expect(dry.exitCode).toBe(0)
    expect(kube.writes().map(w => [w.method, w.dryRun])).toEqual([['PUT', true]])
    expect(eventPosts()).toBe(0)
    expect(kube.listEvents(NS).filter(e => e.reportingInstance !== 'github-run-4242-1')).toHaveLength(4)
  })

  it('record_events: false sends none', async () => {
    const run = await sync({ DAGSTER_SECRET_QUIET: 'quiet-leak-canary' }, 1, { record_events: 'false' })
    expect(run.outputs.created).toBe('["dagster-secret-quiet"]')
    expect(eventPosts()).toBe(0)
  })

  it('refused by RBAC: the run succeeds, and the summary names the rule to add, once', async () => {
    await kube.close()
    await start({ authorize: a => !(a.resource === 'events' && a.verb === 'create') })
    const secrets = Object.fromEntries(
      ['A', 'B', 'C', 'D', 'E', 'F'].map(n => [`DAGSTER_SECRET_${n}`, `rbac-${n}-leak-canary`])
    )
    const run = await sync(secrets, 7, { concurrency: '2' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(JSON.parse(run.outputs.created ?? '')).toHaveLength(6)
    expect(run.summary).toContain(
      `Kubernetes Events were not recorded: the identity may not create Events in \`${NS}\``
    )
    expect(run.summary).toContain(
      '```yaml\n- apiGroups: [events.k8s.io]\n  resources: [events]\n  verbs: [create]\n```'
    )
    expect(run.summary.match(/Events were not recorded/g)).toHaveLength(1)
    expect(run.stdout).not.toMatch(/^::(warning|error)/m)
    expect(run.stdout).toContain(
      'Kubernetes Events not recorded (see the job summary): 403 Forbidden: events.events.k8s.io is forbidden'
    )
    // The first refusal stops the rest: at most the requests already in flight (concurrency 2).
    expect(kube.requests.filter(r => r.path.endsWith('/events')).length).toBeLessThanOrEqual(2)
    expect(kube.listEvents(NS)).toEqual([])
  })
})

const kubectl = kubectlClients.find(c => c.current)?.kubectl
describe.skipIf(!kubectl)(`drift (kubectl edit by ${kubectl?.version ?? 'no kubectl found'})`, () => {
  const KEY = 'DAGSTER_SECRET_SLACK_TOKEN'
  const secrets = { [KEY]: 'xoxbfromgithubaudit', DAGSTER_SECRET_OTHER: 'other-audit-leak-canary' }
  let home: string
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), 'kubectl-home-'))
  })
  afterEach(() => rmSync(home, { recursive: true, force: true }))

  /** `kubectl edit` as a person would, with KUBE_EDITOR replacing the value in the YAML it opens. */
  async function kubectlEdit(from: string, to: string): Promise<void> {
    seen.add(to)
    if (!kubectl) throw new Error('unreachable: skipped without kubectl')
    const r = await runKubectl(kubectl, ['--kubeconfig', kubeconfig, 'edit', 'secret', nameOf(KEY)], home, {
      KUBE_EDITOR: `sed -i s:${b64(from)}:${b64(to)}:`
    })
    expect(r, r.stderr).toMatchObject({ code: 0, stdout: `secret/${nameOf(KEY)} edited\n` })
    expect(value(KEY)).toBe(to)
  }
  const editTime = (): string | undefined =>
    kube.getSecret(NS, nameOf(KEY))?.metadata.managedFields?.find(e => e.manager === 'kubectl-edit')?.time

  it('is restored and reported with the manager and the time: warning, Drift section, output, Event', async () => {
    expect((await sync(secrets, 1)).exitCode).toBe(0)
    await kubectlEdit(secrets[KEY], 'xoxbeditedbyhand')
    const at = editTime()
    expect(at).toMatch(/Z$/)

    const run = await sync(secrets, 2)
    expect(run.exitCode, run.stdout).toBe(0)
    expect(value(KEY)).toBe(secrets[KEY])
    expect(run.outputs.drifted).toBe('["dagster-secret-slack-token"]')
    expect(run.outputs.updated).toBe('["dagster-secret-slack-token"]')
    expect(run.stdout).toContain(
      `::warning title=Drift%3A dagster-secret-slack-token::Secret dagster-secret-slack-token: its value had been changed in the cluster by kubectl-edit (Update at ${at}), not through GitHub; GitHub's value was written back (on_drift: restore).`
    )
    expect(run.summary).toContain(
      '**Drift**: this Secret was changed in the cluster rather than through GitHub'
    )
    expect(run.summary).toContain(
      `| \`dagster-secret-slack-token\` | kubectl-edit | Update | ${at} | wrote GitHub's value back (\`on_drift: restore\`) |`
    )
    const [event] = kube.listEvents(NS).filter(e => e.reason === 'DriftRestored')
    expect(event).toMatchObject({ type: 'Warning', regarding: { name: 'dagster-secret-slack-token' } })
    expect(event?.note).toContain(`by kubectl-edit (Update at ${at})`)

    // Restored: the next run finds nothing.
    const after = await sync(secrets, 3)
    expect(after.outputs.drifted).toBe('[]')
    expect(after.outputs.unchanged).toBe('["dagster-secret-other","dagster-secret-slack-token"]')
  })

  it('with on_drift: fail writes nothing to that Secret, fails the run and names the change', async () => {
    expect((await sync(secrets, 1)).exitCode).toBe(0)
    await kubectlEdit(secrets[KEY], 'xoxbeditedbyhand')
    const version = kube.getSecret(NS, nameOf(KEY))?.metadata.resourceVersion

    const run = await sync({ ...secrets, DAGSTER_SECRET_OTHER: 'other-rotated-leak-canary' }, 2, {
      on_drift: 'fail'
    })
    expect(run.exitCode).toBe(1)
    expect(value(KEY)).toBe('xoxbeditedbyhand')
    expect(kube.getSecret(NS, nameOf(KEY))?.metadata.resourceVersion).toBe(version)
    expect(run.outputs.failed).toBe('["dagster-secret-slack-token"]')
    expect(run.outputs.drifted).toBe('["dagster-secret-slack-token"]')
    expect(run.outputs.updated).toBe('["dagster-secret-other"]')
    expect(run.stdout).toMatch(
      /^::error::gke-secrets-sync: 1 of 2 Secrets could not be synced .*%0A- dagster-secret-slack-token \(DAGSTER_SECRET_SLACK_TOKEN\): drift: its value had been changed in the cluster by kubectl-edit \(Update at [^)]+\); left as it is \(on_drift: fail\)/m
    )
    expect(run.summary).toContain('| kubectl-edit | Update |')
    expect(run.summary).toContain('left as it is, the run fails (`on_drift: fail`)')
    // Only the other Secret's update was recorded.
    const recorded = kube.listEvents(NS).filter(e => e.reportingInstance === 'github-run-2-1')
    expect(recorded.map(e => [e.regarding.name, e.reason])).toEqual([
      ['dagster-secret-other', 'SecretUpdated']
    ])
  })

  it('a value changed in GitHub and in the cluster at once: drift, and the new GitHub value written', async () => {
    expect((await sync(secrets, 1)).exitCode).toBe(0)
    await kubectlEdit(secrets[KEY], 'xoxbeditedbyhand')
    const run = await sync({ ...secrets, [KEY]: 'xoxbrotatedingithub' }, 2)
    expect(run.exitCode, run.stdout).toBe(0)
    expect(value(KEY)).toBe('xoxbrotatedingithub')
    expect(run.outputs.drifted).toBe('["dagster-secret-slack-token"]')
    expect(annotations(KEY)['gke-secrets-sync/run-url']).toBe(RUN(2))
    expect(kube.listEvents(NS).filter(e => e.reportingInstance === 'github-run-2-1')).toEqual([
      expect.objectContaining({
        reason: 'DriftRestored',
        regarding: expect.objectContaining({ name: nameOf(KEY) })
      })
    ])
  })
})

describe('the leak scan over Events and annotations', () => {
  it('finds nothing of values in every shape (multi-line, quotes, unicode), created, edited by hand and rotated', async () => {
    const values = {
      DAGSTER_SECRET_PEM: '-----BEGIN KEY-----\nscan-leak-canary-pem\n-----END KEY-----\n',
      DAGSTER_SECRET_QUOTES: `p"a$$w\\ord scan-leak-canary ünïcödé 🔑`
    }
    await sync(values, 1, { annotations: 'team=data' })
    await patchByHand('DAGSTER_SECRET_QUOTES', 'hand-edited-scan-leak-canary')
    const rotated = '-----BEGIN KEY-----\nrotated-scan-leak-canary\n-----END KEY-----\n'
    const run = await sync({ ...values, DAGSTER_SECRET_PEM: rotated }, 2)
    expect(run.outputs.drifted).toBe('["dagster-secret-quotes"]')
    expect(
      kube
        .listEvents(NS)
        .map(e => e.reason)
        .sort()
    ).toEqual(['DriftRestored', 'SecretCreated', 'SecretCreated', 'SecretUpdated'])
    // The scan finds a string that is there (the owner annotation); afterEach runs it on every test.
    seen.add('acme/dagster-infra')
    expect(keptLeaks()).toContain('acme/dagster-infra')
    seen.delete('acme/dagster-infra')
  })
})
