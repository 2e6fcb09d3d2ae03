import { describe, expect, it } from 'vitest'
import type { SyncReport } from '../../src/github/report.js'
import { runWarnings } from '../../src/github/run-warnings.js'

const base: SyncReport = {
  server: 'https://10.0.0.1',
  target: { kind: 'kubeconfig', context: 'kind-ci' },
  namespace: 'dagster-prd',
  prefix: 'DAGSTER_SECRET',
  owner: 'acme/dagster-dags',
  dryRun: false,
  results: [{ githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', state: 'unchanged' }],
  ignoredCount: 1
}

describe('runWarnings', () => {
  it.each<[string, Partial<SyncReport>, string[]]>([
    ['a clean run', {}, []],
    [
      'a run that selected nothing',
      { results: [] },
      [
        'No input secret starts with DAGSTER_SECRET_',
        '`secrets: inherit`',
        'another organisation',
        '`environment:`',
        'fork or Dependabot',
        '`prefix`'
      ]
    ],
    [
      'a run whose only prefixed secret was rejected is not one that selected nothing',
      { results: [{ githubName: 'DAGSTER_SECRET_', secretName: 'x', state: 'failed' }] },
      []
    ],
    [
      'a pruned Secret alone does not count as a selected one',
      { results: [{ secretName: 'dagster-secret-gone', state: 'deleted' }] },
      ['No input secret starts with DAGSTER_SECRET_']
    ],
    [
      'Secrets left in place because prune is off',
      { orphans: ['dagster-secret-gone'] },
      [
        '1 Secret made by this action for acme/dagster-dags has no GitHub secret any more',
        '`dagster-secret-gone`',
        'To delete it: first remove it from the Dagster Helm values (`envSecrets`) of every code location, then run with `prune: true`.'
      ]
    ],
    [
      'ownerless Secrets that prune left',
      { unclaimed: ['dagster-secret-old'] },
      ['records no owner, so prune left it in place: `dagster-secret-old`', 'claims it on its next run']
    ],
    [
      'a paused Deployment that restart_deployments names',
      {
        restarts: {
          target: { kind: 'names', names: ['etl'] },
          referencing: false,
          anyChange: true,
          restarts: [
            {
              kind: 'Deployment',
              name: 'etl',
              namespace: 'dagster-prd',
              causes: [],
              named: true,
              outcome: 'paused',
              detail: 'it is paused; run kubectl rollout resume'
            }
          ],
          nextRun: [],
          problems: [],
          waited: false
        }
      },
      ['Deployment/etl was not restarted: it is paused; run kubectl rollout resume']
    ]
  ])('%s', (_, change, expected) => {
    const warnings = runWarnings({ ...base, ...change })
    expect(warnings).toHaveLength(expected.length === 0 ? 0 : 1)
    for (const words of expected) expect(warnings[0]).toContain(words)
  })

  it('does not suggest prune for Secrets left in place by a run that was given no secret of the prefix', () => {
    const warnings = runWarnings({ ...base, results: [], orphans: ['dagster-secret-a', 'dagster-secret-b'] })
    expect(warnings).toHaveLength(2)
    expect(warnings[0]).toContain('`secrets: inherit`')
    expect(warnings[1]).toBe(
      '2 Secrets made by this action for acme/dagster-dags were left in place: `dagster-secret-a`, `dagster-secret-b`. Their GitHub secrets most likely still exist and did not reach this run (see the causes above); fix that and run again.'
    )
    expect(warnings.join('\n')).not.toContain('prune')
  })
})
