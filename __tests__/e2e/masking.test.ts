// End to end: the runner hides only what it was told to hide, and only from the line it was told on. So the bundled
// action's stdout must open with an `::add-mask::` line for every form of every secret value (as is, each line of a
// multi-line value, base64, JSON-escaped) before any other line. The leak scans in run-action.ts show that values
// are never printed; this shows that the runner would hide them if they were.
// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#masking-a-value-in-a-log
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-mask-canary-pem\r\nx9y8z7\nab\n-----END PRIVATE KEY-----\n'
const VALUES = {
  DAGSTER_SECRET_SERVICE_KEY_PEM: PEM,
  DAGSTER_SECRET_WAREHOUSE_PASSWORD: `p"a$$w\\ord mask-canary ünïcödé 🔑 100%`,
  DAGSTER_SECRET_SLACK_TOKEN: 'xoxb-mask-canary-1111-slack'
}
const SECRETS = { ...VALUES, github_token: 'ghs_mask-canary-token', OTHER_SECRET: 'not-synced-mask-canary' }

/** @actions/core's escapeData: how a value is written after `::add-mask::`. */
const commandData = (text: string): string =>
  text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A')

/** Every form the runner must be told about, as the line that tells it. */
function maskLines(value: string): string[] {
  const lines = value.split(/\r?\n/).filter(line => line.trim().length >= 4)
  const forms = [value, Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1), ...lines]
  return forms.map(form => `::add-mask::${commandData(form)}`)
}

let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble()
  kubeconfig = kube.writeKubeconfig()
})
afterEach(() => kube.close())

/** The lines before the first line that is not an `::add-mask::` command, and that first other line. */
function opening(run: ActionRun): { masks: string[]; firstOther: string | undefined } {
  const lines = run.stdout.split('\n')
  const end = lines.findIndex(line => !line.startsWith('::add-mask::'))
  return { masks: lines.slice(0, end), firstOther: lines[end] }
}

describe('masks registered before any other output', () => {
  it.each([
    ['a sync', {}, 0, 'Syncing to namespace dagster-prd'],
    ['a dry run', { dry_run: 'true' }, 0, 'Syncing to namespace dagster-prd'],
    ['an input error', { on_conflict: 'overwrite' }, 1, '::error::gke-secrets-sync: Input `on_conflict`'],
    [
      'an unreachable cluster',
      { kubeconfig: '/nonexistent/kubeconfig' },
      1,
      '::error::gke-secrets-sync: Could not read'
    ]
  ])('%s: every form of every value, then the first other line', async (_, extra, exitCode, first) => {
    const run = await runAction({ secrets: JSON.stringify(SECRETS), kubeconfig, namespace: NS, ...extra })
    expect(run.exitCode, run.stdout).toBe(exitCode)
    const { masks, firstOther } = opening(run)
    for (const value of Object.values(SECRETS)) {
      for (const line of maskLines(value)) expect(masks).toContain(line)
    }
    // Each line of the PEM on its own (the runner masks line by line), the two-character line not.
    expect(masks).toContain('::add-mask::MIIEvQIBADANBgkqhkiG9w0BAQEFAASC-mask-canary-pem')
    expect(masks).not.toContain('::add-mask::ab')
    // Nothing after the opening registers a secret value: whatever came later could have been printed unmasked.
    const later = run.stdout.split('\n').slice(masks.length)
    const allForms = new Set(Object.values(SECRETS).flatMap(maskLines))
    expect(later.filter(line => allForms.has(line))).toEqual([])
    expect(firstOther).toContain(first)
  })
})
