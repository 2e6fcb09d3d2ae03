// What the restart step adds to the job summary, the outputs, the log and the failure message: which workloads were
// restarted and why (the Secrets and keys), how each rollout ended, what was not restarted (paused, Jobs and
// CronJobs) and what that means for Dagster. Pure, like report.ts, which calls these.
import { cell, code } from './markdown.js'
import {
  failedRestarts,
  type RestartCause,
  type RestartsReport,
  type RolloutOutcome,
  type WaitingContainer,
  type WorkloadRestart
} from '../sync/restarts.js'
import { compareNames } from '../sync/selection.js'
import { shortList } from '../sync/workload-references.js'

/** Waiting containers named in one cell or line before the rest is counted. */
const WAITING_SHOWN = 3

const label = (restart: Pick<WorkloadRestart, 'kind' | 'name'>): string => `${restart.kind}/${restart.name}`

/** Text from the cluster on one line, so that no log line it is part of can start a workflow command. */
export function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, ' ')
}

/** `pod web-1 (app): CreateContainerConfigError: secret "x" not found`, for a few of them. */
function waitingText(waiting: WaitingContainer[]): string {
  return shortList(
    waiting.map(
      w => `pod ${w.pod} (${w.container}): ${w.reason}${w.message ? `: ${oneLine(w.message)}` : ''}`
    ),
    WAITING_SHOWN
  )
}

/** How the rollout ended, in words, without a symbol; undefined when it was not watched. */
export function rolloutText(rollout: RolloutOutcome | undefined): string | undefined {
  if (!rollout) return undefined
  const pods = 'waiting' in rollout && rollout.waiting.length > 0 ? `; ${waitingText(rollout.waiting)}` : ''
  switch (rollout.state) {
    case 'complete':
      return 'rolled out'
    case 'failed':
      return `rollout failed: ${oneLine(rollout.message)}${pods}`
    case 'still rolling out':
      return `still rolling out when the time budget (timeout_seconds) ran out: ${oneLine(rollout.message)}${pods}`
    case 'untracked':
      return `not watched: ${rollout.message}`
    case 'unverified':
      return `rollout not verified: ${oneLine(rollout.message)}`
  }
}

function causesText(restart: WorkloadRestart, format: (name: string) => string): string {
  const causes = restart.causes.map(
    (cause: RestartCause) =>
      `${format(cause.secretName)}${cause.keys.length > 0 ? ` (${cause.keys.map(format).join(', ')})` : ''}`
  )
  if (restart.named) causes.push(`named in ${format('restart_deployments')}`)
  return causes.join(', ')
}

/** The Result cell: what happened to the workload and its rollout. */
function resultCell(restart: WorkloadRestart): string {
  switch (restart.outcome) {
    case 'would restart':
      return 'would restart'
    case 'paused':
      return `⚠️ paused, not restarted: run ${code(`kubectl rollout resume ${restart.kind.toLowerCase()}/${restart.name} -n ${restart.namespace}`)} first`
    case 'failed':
      return `❌ not restarted: ${cell(restart.detail ?? '')}`
    case 'restarted': {
      const rollout = restart.rollout
      if (!rollout) return 'restarted'
      const symbol = {
        complete: '✅',
        failed: '❌',
        unverified: '❌',
        'still rolling out': '⏳',
        untracked: '⚠️'
      }[rollout.state]
      return `${symbol} restarted, ${cell(rolloutText(rollout) ?? '')}`
    }
  }
}

/** The summary's Restarts section. */
export function restartsSection(report: RestartsReport, dryRun: boolean): string[] {
  const out: string[] = ['### Restarts', '']
  const asked = [
    ...(report.target
      ? [
          `${code('restart_deployments')}: ${
            report.target.kind === 'names'
              ? report.target.names.map(code).join(', ')
              : `matching ${code(report.target.selector)}`
          }`
        ]
      : []),
    ...(report.referencing ? [`${code('restart_referencing')}: what reads a changed Secret`] : [])
  ].join('; ')
  if (!report.anyChange) {
    out.push(`No Secret's value changed, so nothing was restarted (${asked}).`, '')
    return out
  }
  for (const problem of report.problems) out.push(`❌ ${cell(problem)}`, '')
  if (report.restarts.length === 0) {
    out.push(
      report.referencing
        ? `No Deployment, StatefulSet or DaemonSet reads a Secret whose value changed, so nothing was restarted (${asked}).`
        : `Nothing was restarted (${asked}).`,
      ''
    )
  } else {
    const intro = dryRun
      ? `Dry run: would be restarted (${asked}); the API server accepted each restart and stored nothing:`
      : report.waited
        ? `Restarted so that their pods read the new values (${asked}), and watched until each rollout ended:`
        : `Restarted so that their pods read the new values (${asked}); \`wait_for_rollout\` is off, so their rollouts were not watched:`
    out.push(
      intro,
      '',
      '| Workload | Because of | Result |',
      '| --- | --- | --- |',
      ...report.restarts.map(
        restart => `| ${code(label(restart))} | ${causesText(restart, code)} | ${resultCell(restart)} |`
      ),
      ''
    )
  }
  if (report.referencing) out.push(...nextRunNote(report), '')
  return out
}

/** Jobs and CronJobs, and what a restart means for Dagster's runs and code servers. */
function nextRunNote(report: RestartsReport): string[] {
  const readers = report.nextRun.map(
    reader => `${code(reader.workload)} (${reader.causes.map(cause => code(cause.secretName)).join(', ')})`
  )
  return [
    `Jobs and CronJobs are never restarted: each new Job's pods read the Secrets as they are when they start${
      readers.length > 0 ? `. These read a changed Secret: ${readers.join(', ')}` : ''
    }. For Dagster this means: runs launched after this sync get the new values; runs already in flight keep the old ones until they end; and the code servers (user-code Deployments, which evaluate sensors and schedules) keep the old values until they restart.`
  ]
}

/** The outputs `restarted` and `restarted_deployments`. */
export function restartOutputs(report: RestartsReport | undefined): Record<string, string> {
  const done = (report?.restarts ?? []).filter(
    restart => restart.outcome === 'restarted' || restart.outcome === 'would restart'
  )
  return {
    restarted: JSON.stringify(
      done.map(restart => ({
        kind: restart.kind,
        name: restart.name,
        namespace: restart.namespace,
        secrets: restart.causes.map(cause => cause.secretName),
        ...(restart.named && { named: true }),
        rollout: restart.rollout?.state ?? 'not watched'
      }))
    ),
    restarted_deployments: JSON.stringify(
      done
        .filter(restart => restart.kind === 'Deployment')
        .map(restart => restart.name)
        .sort(compareNames)
    )
  }
}

/** The lines the step's failure message gives the restarts, and the details advice() reads. */
export function restartFailures(report: RestartsReport | undefined): { lines: string[]; details: string[] } {
  const failed = failedRestarts(report)
  const problems = report?.problems ?? []
  if (failed.length === 0 && problems.length === 0) return { lines: [], details: [] }
  const lines = [
    'The Secrets were synced, but restarting what uses them did not succeed, so some pods may still run with the old values or not at all:',
    ...problems.map(problem => `- ${oneLine(problem)}`),
    ...failed.map(restart =>
      restart.outcome === 'failed'
        ? `- ${label(restart)}: not restarted: ${oneLine(restart.detail ?? 'failed')}`
        : `- ${label(restart)}: ${rolloutText(restart.rollout) ?? ''}`
    )
  ]
  const details = [
    ...problems,
    ...failed.map(restart =>
      restart.outcome === 'failed' ? (restart.detail ?? '') : (restart.rollout as { message: string }).message
    )
  ]
  return { lines, details }
}

/** Warning annotations: a paused workload, a rollout still running at the end, one nobody can watch. */
export function restartWarnings(report: RestartsReport | undefined): string[] {
  const warnings: string[] = []
  for (const restart of report?.restarts ?? []) {
    if (restart.outcome === 'paused') {
      warnings.push(`${label(restart)} was not restarted: ${restart.detail ?? 'it is paused'}.`)
    } else if (restart.rollout?.state === 'still rolling out' || restart.rollout?.state === 'untracked') {
      warnings.push(`${label(restart)} was restarted and is ${rolloutText(restart.rollout) ?? ''}.`)
    }
  }
  return warnings
}

/** One log line per restart; text from the cluster is kept on its line. */
export function restartLogLines(report: RestartsReport | undefined): string[] {
  if (!report) return []
  if (!report.anyChange) return ["restarts: no Secret's value changed, nothing restarted"]
  return report.restarts.map(restart => {
    const why = causesText(restart, name => name)
    const rollout = rolloutText(restart.rollout)
    return `${restart.outcome}: ${label(restart)}${why ? ` (${why})` : ''}${restart.detail && restart.outcome === 'failed' ? `: ${oneLine(restart.detail)}` : ''}${rollout ? `; ${rollout}` : ''}`
  })
}
