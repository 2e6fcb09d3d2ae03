import { describe, expect, it } from 'vitest'
import { oneLine, restartLogLines, restartWarnings } from '../../src/github/restarts-report.js'
import type { RestartsReport, WorkloadRestart } from '../../src/sync/restarts.js'

const restart = (change: Partial<WorkloadRestart>): WorkloadRestart => ({
  kind: 'Deployment',
  name: 'etl',
  namespace: 'dagster-prd',
  causes: [{ secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] }],
  named: false,
  outcome: 'restarted',
  ...change
})
const reportOf = (...restarts: WorkloadRestart[]): RestartsReport => ({
  referencing: true,
  anyChange: true,
  restarts,
  nextRun: [],
  problems: [],
  waited: true
})

describe('restart log lines and warnings', () => {
  it.each<[string, WorkloadRestart, string]>([
    [
      'a restart that rolled out',
      restart({ rollout: { state: 'complete', message: '' } }),
      'restarted: Deployment/etl (dagster-secret-a (DAGSTER_SECRET_A)); rolled out'
    ],
    [
      'a refused restart, its server text on one line',
      restart({ outcome: 'failed', detail: '403 Forbidden: no\n::error::injected' }),
      'failed: Deployment/etl (dagster-secret-a (DAGSTER_SECRET_A)): 403 Forbidden: no ::error::injected'
    ],
    [
      'a pod message with line breaks',
      restart({
        rollout: {
          state: 'failed',
          message: 'its new pods cannot start',
          waiting: [{ pod: 'p', container: 'c', reason: 'CrashLoopBackOff', message: 'a\r\n::warning::b' }]
        }
      }),
      'restarted: Deployment/etl (dagster-secret-a (DAGSTER_SECRET_A)); rollout failed: its new pods cannot start; pod p (c): CrashLoopBackOff: a ::warning::b'
    ]
  ])('logs %s on one line', (_, entry, line) => {
    const lines = restartLogLines(reportOf(entry))
    expect(lines).toEqual([line])
    expect(lines.join('\n')).not.toMatch(/^::/m)
  })

  it('warns about a paused workload and a rollout still running, and about nothing that went well', () => {
    const warnings = restartWarnings(
      reportOf(
        restart({ name: 'ok', rollout: { state: 'complete', message: '' } }),
        restart({
          name: 'paused',
          outcome: 'paused',
          detail: 'it is paused; run `kubectl rollout resume deployment/paused -n dagster-prd`'
        }),
        restart({
          kind: 'DaemonSet',
          name: 'slow',
          rollout: { state: 'still rolling out', message: '1 of 2 updated pods are available', waiting: [] }
        })
      )
    )
    expect(warnings).toEqual([
      'Deployment/paused was not restarted: it is paused; run `kubectl rollout resume deployment/paused -n dagster-prd`.',
      'DaemonSet/slow was restarted and is still rolling out when the time budget (timeout_seconds) ran out: 1 of 2 updated pods are available.'
    ])
  })

  it('says once that nothing was restarted when no value changed', () => {
    expect(restartLogLines({ ...reportOf(), anyChange: false })).toEqual([
      "restarts: no Secret's value changed, nothing restarted"
    ])
  })

  it.each([
    ['a\nb', 'a b'],
    ['a \r\n  b\n\nc', 'a b c'],
    ['plain', 'plain']
  ])('oneLine(%j) is %j', (text, line) => {
    expect(oneLine(text)).toBe(line)
  })
})
