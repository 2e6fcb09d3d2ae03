// End to end: `max_deletions` through the bundled action against the Kubernetes double. The case it is for: a
// caller whose `environment:` is wrong still passes its repository-level secrets (here one of four), so the
// empty-input guard does not fire, and prune would delete everything only the environment kept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { runnerCommands } from '../doubles/runner-commands.js'
import { runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const ALL = {
  DAGSTER_SECRET_A: 'value-a-leak-canary',
  DAGSTER_SECRET_B: 'value-b-leak-canary',
  DAGSTER_SECRET_C: 'value-c-leak-canary',
  DAGSTER_SECRET_D: 'value-d-leak-canary'
}
const REST = ['dagster-secret-b', 'dagster-secret-c', 'dagster-secret-d']

let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble()
  kubeconfig = kube.writeKubeconfig()
  const first = await sync(ALL)
  expect(first.exitCode, first.stdout).toBe(0)
  kube.resetRequests()
})
afterEach(() => kube.close())

function sync(secrets: Record<string, string>, extra: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({ secrets: JSON.stringify(secrets), kubeconfig, namespace: NS, ...extra })
}
const names = (): string[] =>
  kube
    .listSecrets(NS)
    .map(secret => secret.metadata.name)
    .sort()
const deletes = (): string[] =>
  kube
    .writes()
    .filter(w => w.method === 'DELETE')
    .map(w => w.path.split('/').pop() ?? '')
    .sort()

/** What a refused prune must say: each Secret, the count, the input as given, and the advice once. */
function expectRefused(run: ActionRun, limit: string): void {
  expect(run.exitCode).toBe(1)
  expect(run.outputs.deleted).toBe('[]')
  expect(JSON.parse(run.outputs.failed ?? '')).toEqual(REST)
  const message =
    runnerCommands(run.stdout).find(c => c.name === 'error' && c.data.startsWith('gke-secrets-sync: '))
      ?.data ?? ''
  // The reason they share is said once, then each Secret.
  expect(message).toContain(
    `: not deleted: prune would delete 3 of the 4 Secrets of this owner and prefix, more than \`max_deletions: ${limit}\` allows, so it deleted none\n`
  )
  for (const name of REST) expect(message).toContain(`\n- ${name}\n`)
  expect(message).toContain('run once with a higher `max_deletions` (`100%` turns the guard off)')
  expect(message).toContain("check the job's `environment:`")
  // The summary's Detail cells escape Markdown: read them as a reader sees them.
  expect(run.summary.replace(/\\(.)/g, '$1')).toContain(`more than \`max_deletions: ${limit}\` allows`)
  // Not one DELETE was sent, dry run or not, and every Secret is still there.
  expect(deletes()).toEqual([])
  expect(names()).toEqual(['dagster-secret-a', ...REST])
}

describe('max_deletions', () => {
  it.each([
    ['the default, 50%', {}, '50%'],
    ['a share', { max_deletions: '74%' }, '74%'],
    ['a count', { max_deletions: '2' }, '2']
  ])('%s: a prune that would delete 3 of 4 deletes none, fails and names them', async (_, extra, limit) => {
    expectRefused(await sync({ DAGSTER_SECRET_A: ALL.DAGSTER_SECRET_A }, { prune: 'true', ...extra }), limit)
  })

  it('in a dry run says the same, and sends no delete at all', async () => {
    const run = await sync({ DAGSTER_SECRET_A: ALL.DAGSTER_SECRET_A }, { prune: 'true', dry_run: 'true' })
    expectRefused(run, '50%')
    expect(run.summary).toContain('## ❌ gke-secrets-sync: dry run, 3 Secrets failed')
  })

  it.each([
    [
      'exactly 50% (2 of 4) by default',
      { DAGSTER_SECRET_A: ALL.DAGSTER_SECRET_A, DAGSTER_SECRET_B: ALL.DAGSTER_SECRET_B },
      {},
      ['dagster-secret-c', 'dagster-secret-d']
    ],
    ['3 of 4 with 75%', { DAGSTER_SECRET_A: ALL.DAGSTER_SECRET_A }, { max_deletions: '75%' }, REST],
    ['3 with a count of 3', { DAGSTER_SECRET_A: ALL.DAGSTER_SECRET_A }, { max_deletions: '3' }, REST],
    ['3 of 4 with 100% (off)', { DAGSTER_SECRET_A: ALL.DAGSTER_SECRET_A }, { max_deletions: '100%' }, REST],
    [
      'one, whatever the limit',
      { DAGSTER_SECRET_A: 'a', DAGSTER_SECRET_B: 'b', DAGSTER_SECRET_C: 'c' },
      { max_deletions: '0' },
      ['dagster-secret-d']
    ]
  ])('deletes %s', async (_, secrets, extra, deleted) => {
    const run = await sync(secrets, { prune: 'true', ...extra })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(JSON.parse(run.outputs.deleted ?? '')).toEqual(deleted)
    expect(deletes()).toEqual(deleted)
  })

  it('refuses an invalid value before any request, naming the input', async () => {
    const run = await sync(ALL, { prune: 'true', max_deletions: 'half' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Input `max_deletions` is "half"')
    expect(kube.requests).toEqual([])
  })
})
