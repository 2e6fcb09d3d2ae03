import { describe, expect, it } from 'vitest'
import {
  advice,
  envSecretsYaml,
  failureMessage,
  renderSummary,
  toOutputs,
  type SyncReport
} from '../../src/report.js'
import type { SecretResult } from '../../src/sync.js'

const results: SecretResult[] = [
  { githubName: 'DAGSTER_SECRET_C', secretName: 'dagster-secret-c', state: 'unchanged' },
  { githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', state: 'created' },
  {
    githubName: 'DAGSTER_SECRET_B',
    secretName: 'dagster-secret-b',
    state: 'updated',
    detail: 'adopted: it was not made by this action before'
  },
  {
    githubName: 'DAGSTER_SECRET_F',
    secretName: 'dagster-secret-f',
    state: 'failed',
    detail: '403 Forbidden: secrets is forbidden | pipe\nnewline'
  },
  { githubName: 'DAGSTER_SECRET_S', secretName: 'dagster-secret-s', state: 'skipped', detail: 'exists' }
]
const report: SyncReport = {
  server: 'https://10.0.0.1',
  namespace: 'dagster-prd',
  prefix: 'DAGSTER_SECRET',
  dryRun: false,
  results,
  ignoredCount: 7
}

describe('toOutputs', () => {
  it('lists names per state, sorted, and env_secrets for the Secrets in sync', () => {
    expect(toOutputs(report)).toEqual({
      created: '["dagster-secret-a"]',
      updated: '["dagster-secret-b"]',
      unchanged: '["dagster-secret-c"]',
      deleted: '[]',
      skipped: '["dagster-secret-s"]',
      failed: '["dagster-secret-f"]',
      changed: 'true',
      secret_names:
        '["dagster-secret-a","dagster-secret-b","dagster-secret-c","dagster-secret-f","dagster-secret-s"]',
      env_secrets: '- name: dagster-secret-a\n- name: dagster-secret-b\n- name: dagster-secret-c\n',
      env_secrets_json:
        '[{"name":"dagster-secret-a"},{"name":"dagster-secret-b"},{"name":"dagster-secret-c"}]',
      restarted_deployments: '[]'
    })
  })

  it('says nothing changed when all is unchanged', () => {
    expect(toOutputs({ ...report, results: [results[0] as SecretResult] }).changed).toBe('false')
  })

  it('renders an empty envSecrets list as valid YAML', () => {
    expect(envSecretsYaml([])).toBe('[]\n')
  })
})

describe('renderSummary', () => {
  const summary = renderSummary(report)

  it('shows the cluster, namespace, counts, and a sorted table', () => {
    expect(summary).toContain('namespace `dagster-prd` on `https://10.0.0.1`')
    expect(summary).toContain(
      '**1** created · **1** updated · **1** unchanged · **0** deleted · **1** skipped · **1** failed'
    )
    const rows = summary.split('\n').filter(line => line.startsWith('| `'))
    expect(rows.map(row => row.split('|')[2]?.trim())).toEqual([
      '`dagster-secret-a`',
      '`dagster-secret-b`',
      '`dagster-secret-c`',
      '`dagster-secret-f`',
      '`dagster-secret-s`'
    ])
  })

  it('keeps a server message from breaking the table', () => {
    expect(summary).toContain('| failed | 403 Forbidden: secrets is forbidden \\| pipe newline |')
  })

  it('counts the ignored secrets without naming them', () => {
    expect(summary).toContain('7 input secrets without the prefix were ignored.')
  })

  it('gives the envSecrets snippet for the Secrets in sync only', () => {
    expect(summary).toContain(
      '```yaml\nenvSecrets:\n  - name: dagster-secret-a\n  - name: dagster-secret-b\n  - name: dagster-secret-c\n```'
    )
  })

  it('shows a dry-run banner only in a dry run', () => {
    expect(summary).not.toContain('Dry run')
    expect(renderSummary({ ...report, dryRun: true })).toContain(
      '**Dry run.** The API server checked every write'
    )
  })

  it('names the Secrets left behind when prune is off', () => {
    expect(renderSummary({ ...report, orphans: ['dagster-secret-old'] })).toContain(
      '1 Secrets made by this action for `DAGSTER_SECRET_` have no GitHub secret any more and were left in place (set `prune: true` to delete them): `dagster-secret-old`.'
    )
    expect(summary).not.toContain('prune: true')
  })

  it('explains an empty selection', () => {
    expect(renderSummary({ ...report, results: [] })).toContain('the caller must pass `secrets: inherit`')
  })
})

describe('failureMessage', () => {
  it('is undefined when nothing failed', () => {
    expect(failureMessage({ ...report, results: results.filter(r => r.state !== 'failed') })).toBeUndefined()
  })

  it('names each failed Secret, its GitHub secret and the reason, with advice', () => {
    const message = failureMessage(report) ?? ''
    expect(message).toContain('1 of 5 Secrets could not be synced to namespace dagster-prd')
    expect(message).toContain('- dagster-secret-f (DAGSTER_SECRET_F): 403 Forbidden')
    expect(message).toContain(
      'bind it a Role with verbs get, list, create, update, delete on resource secrets in namespace dagster-prd'
    )
  })

  it.each([
    ['401 Unauthorized: x', 'Check the credentials: the kubeconfig user'],
    ['404 NotFound: namespaces "dagster-prd" not found', 'Namespace dagster-prd does not exist']
  ])('advises on %s', (detail, words) => {
    expect(advice([detail, detail], 'dagster-prd')).toEqual([expect.stringContaining(words)])
  })
})

describe('renderSummary for several repositories', () => {
  it('names the owner, and lists the ownerless Secrets that prune left in place', () => {
    const text = renderSummary({
      ...report,
      owner: 'acme/dagster-dags',
      unclaimed: ['dagster-secret-old', 'dagster-secret-older']
    })
    expect(text).toContain('starting with `DAGSTER_SECRET_` for `acme/dagster-dags` to namespace')
    expect(text).toContain(
      '2 Secrets made for `DAGSTER_SECRET_` by an earlier version of this action record no owner, so prune left them in place: `dagster-secret-old`, `dagster-secret-older`.'
    )
  })

  it('says nothing of owners or ownerless Secrets when there are none', () => {
    const text = renderSummary(report)
    expect(text).not.toContain(' for `')
    expect(text).not.toContain('record no owner')
  })
})
