import { describe, expect, it } from 'vitest'
import {
  referenceOutputs,
  referencesLogLine,
  referencesSection,
  referenceWarnings,
  usedByCell
} from '../../src/github/references-report.js'
import { renderSummary, toOutputs, type SyncReport } from '../../src/github/report.js'
import type { SecretResult } from '../../src/sync/sync.js'
import type { DanglingReference, ReferenceCheck } from '../../src/sync/workload-references.js'

const typo: DanglingReference = {
  reference: {
    workload: 'Deployment/user-code',
    container: 'app',
    source: 'envFrom',
    secretName: 'dagster-secret-slack-token',
    optional: false
  },
  missing: 'secret',
  closest: 'dagster-secret-slack-bot-token'
}
const wrongKey: DanglingReference = {
  reference: {
    workload: 'CronJob/nightly',
    container: 'job',
    source: 'env',
    secretName: 'dagster-secret-db',
    key: 'PASSWORD',
    optional: false
  },
  missing: 'key',
  closest: 'DAGSTER_SECRET_DB'
}

const check = (over: Partial<ReferenceCheck> = {}): ReferenceCheck => ({
  usedBy: new Map([
    ['dagster-secret-db', ['CronJob/nightly']],
    ['dagster-secret-many', ['Deployment/a', 'Deployment/b', 'Deployment/c', 'Job/d', 'Job/e']]
  ]),
  unreferenced: ['dagster-secret-idle'],
  dangling: [typo, wrongKey],
  optionalDangling: [],
  failures: [],
  danglingChecked: true,
  workloadCount: 7,
  ...over
})

const row = (secretName: string, state: SecretResult['state'] = 'unchanged'): SecretResult => ({
  githubName: secretName.toUpperCase().replaceAll('-', '_'),
  secretName,
  state
})

describe('usedByCell', () => {
  it.each<[string, SecretResult, Partial<ReferenceCheck>, string]>([
    ['one workload', row('dagster-secret-db'), {}, '`CronJob/nightly`'],
    [
      'many, shortened',
      row('dagster-secret-many'),
      {},
      '`Deployment/a`, `Deployment/b`, `Deployment/c` and 2 more'
    ],
    ['an unreferenced Secret', row('dagster-secret-idle'), {}, '_not referenced_'],
    [
      'an unreferenced Secret when a kind was not listed',
      row('dagster-secret-idle'),
      { failures: [{ resource: 'jobs.batch', status: 403, message: 'm' }] },
      '_none found_'
    ],
    ['a failed Secret nothing references', row('dagster-secret-x', 'failed'), {}, '—']
  ])('%s', (_, result, over, expected) => {
    expect(usedByCell(check(over), result)).toBe(expected)
  })
})

describe('referencesSection', () => {
  it('lists unreferenced Secrets and each dangling reference with workload, container, what is missing and the near miss', () => {
    const text = referencesSection(check(), 'dagster-prd').join('\n')
    expect(text).toContain('Checked the Secret references of 7 workloads')
    expect(text).toContain('1 Secrets are not referenced by any workload')
    expect(text).toContain('`dagster-secret-idle`')
    expect(text).toContain('### References that point nowhere')
    expect(text).toContain(
      '| `Deployment/user-code` | `app` (envFrom) | Secret `dagster-secret-slack-token` | `dagster-secret-slack-bot-token` |'
    )
    expect(text).toContain(
      '| `CronJob/nightly` | `job` (env) | key `PASSWORD` in Secret `dagster-secret-db` | `DAGSTER_SECRET_DB` |'
    )
    expect(text).not.toContain('[!WARNING]')
  })

  it('lists optional references apart, under their own heading', () => {
    const optional = { ...typo, reference: { ...typo.reference, optional: true } }
    const text = referencesSection(check({ dangling: [], optionalDangling: [optional] }), 'ns').join('\n')
    expect(text).not.toContain('### References that point nowhere')
    expect(text).toContain('Optional references (`optional: true`)')
    expect(text).toContain('Secret `dagster-secret-slack-token`')
  })

  it('names the permission to add once for every forbidden kind, with the identity from the 403', () => {
    const forbidden = (resource: string): ReferenceCheck['failures'][number] => ({
      resource,
      status: 403,
      message: `${resource} is forbidden: User "sync@p.iam.gserviceaccount.com" cannot list resource "x" in API group "y" in the namespace "ns"`
    })
    const text = referencesSection(
      check({ failures: [forbidden('cronjobs.batch'), forbidden('jobs.batch')] }),
      'ns'
    ).join('\n')
    expect(text.match(/\[!WARNING\]/g)).toHaveLength(1)
    expect(text.match(/kubectl create role /g)).toHaveLength(1)
    expect(text).toContain('may not list `cronjobs.batch`, `jobs.batch` in `ns`')
    expect(text).toContain(
      'kubectl create role gke-secrets-sync-references -n ns --verb=list --resource=deployments.apps,statefulsets.apps,daemonsets.apps,cronjobs.batch,jobs.batch,pods'
    )
    expect(text).toContain('--user=sync@p.iam.gserviceaccount.com')
  })

  it('says what was not checked when a LIST failed otherwise', () => {
    const text = referencesSection(
      check({
        failures: [{ resource: 'secrets', status: 500, message: '500 boom | bang' }],
        danglingChecked: false
      }),
      'ns'
    ).join('\n')
    expect(text).toContain('> Listing `secrets` failed (500 boom \\| bang)')
    expect(text).toContain('no reference was checked for pointing nowhere')
  })
})

describe('referenceOutputs', () => {
  it('is empty when the check is off', () => {
    expect(referenceOutputs(undefined)).toEqual({ unreferenced: '', dangling_references: '' })
  })

  it('gives the unreferenced names and the warned references as JSON', () => {
    const outputs = referenceOutputs(check())
    expect(JSON.parse(outputs.unreferenced as string)).toEqual(['dagster-secret-idle'])
    expect(JSON.parse(outputs.dangling_references as string)).toEqual([
      {
        workload: 'Deployment/user-code',
        container: 'app',
        secret: 'dagster-secret-slack-token',
        missing: 'secret',
        closest: 'dagster-secret-slack-bot-token'
      },
      {
        workload: 'CronJob/nightly',
        container: 'job',
        secret: 'dagster-secret-db',
        key: 'PASSWORD',
        missing: 'key',
        closest: 'DAGSTER_SECRET_DB'
      }
    ])
  })
})

describe('referenceWarnings', () => {
  it('gives one warning per non-optional dangling reference', () => {
    expect(referenceWarnings(check()).map(w => w.message)).toEqual([
      'Deployment/user-code, container app (envFrom): Secret "dagster-secret-slack-token" does not exist (closest existing Secret: dagster-secret-slack-bot-token); pods of this workload cannot start until it exists.',
      'CronJob/nightly, container job (env): Secret "dagster-secret-db" has no key "PASSWORD" (closest existing key: DAGSTER_SECRET_DB); pods of this workload cannot start until it exists.'
    ])
    expect(referenceWarnings(undefined)).toEqual([])
  })
})

describe('report.ts hooks', () => {
  const report: SyncReport = {
    server: 'https://k',
    target: { kind: 'kubeconfig', context: 'kind-ci' },
    namespace: 'ns',
    prefix: 'DAGSTER_SECRET',
    dryRun: false,
    results: [row('dagster-secret-db'), row('dagster-secret-idle')],
    ignoredCount: 0
  }

  it('adds the Used-by column and the section only when the check ran', () => {
    expect(renderSummary(report)).not.toContain('Used by')
    const summary = renderSummary({ ...report, references: check() })
    expect(summary).toContain('| GitHub secret | Kubernetes Secret | Result | Used by |')
    expect(summary).toContain('| `DAGSTER_SECRET_DB` | `dagster-secret-db` | unchanged | `CronJob/nightly` |')
    expect(summary).toContain(
      '| `DAGSTER_SECRET_IDLE` | `dagster-secret-idle` | unchanged | _not referenced_ |'
    )
    expect(toOutputs({ ...report, references: check() }).unreferenced).toBe('["dagster-secret-idle"]')
  })
})

describe('unknown is not none', () => {
  it('leaves dangling_references empty, and says nothing about none pointing nowhere, when the names were not listed', () => {
    const unchecked = check({
      dangling: [],
      danglingChecked: false,
      failures: [{ resource: 'secrets', status: 406, message: 'm' }]
    })
    expect(referenceOutputs(unchecked).dangling_references).toBe('')
    expect(referencesSection(unchecked, 'ns').join('\n')).not.toContain('points nowhere.')
    expect(referencesSection(check({ dangling: [] }), 'ns').join('\n')).toContain(
      'No reference to a Secret of this prefix points nowhere.'
    )
  })

  it('logs one line with what was found and what could not be listed', () => {
    expect(
      referencesLogLine(check({ failures: [{ resource: 'jobs.batch', status: 403, message: 'm' }] }))
    ).toBe(
      'check_references: 7 workloads, 1 unreferenced Secrets, 2 references point nowhere; could not list jobs.batch (403), see the job summary'
    )
  })
})
