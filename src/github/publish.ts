// What a finished run tells the runner: a log line per Secret (failures as errors, skips as warnings), the
// reference check's line and warnings, the run's warnings, the step outputs and the job summary; and what a run
// that failed before its report tells it: the job summary of the failure, then the step's error.
import { context } from '@actions/github'
import { driftWarnings, eventsWarning } from './audit-report.js'
import { referencesLogLine, referenceWarnings } from './references-report.js'
import { failureMessage, renderSummary, sortedResults, toOutputs, type SyncReport } from './report.js'
import { renderFailureSummary, type RunProgress } from './run-failure.js'
import * as runner from './runner-output.js'
import { restartLogLines } from './restarts-report.js'
import { runWarnings } from './run-warnings.js'

export async function publish(report: SyncReport): Promise<void> {
  for (const result of sortedResults(report.results)) {
    // After a failed LIST the rows carry no reason of their own; the step's error gives the one they share.
    const detail =
      result.detail ??
      (report.runFailure && result.state === 'failed' ? 'not synced: listing Secrets failed' : '')
    const line = `${result.state}: ${result.secretName}${detail ? ` (${detail})` : ''}`
    if (result.state === 'failed') runner.error(line)
    else if (result.state === 'skipped') runner.warning(line)
    else runner.info(line)
  }
  for (const line of restartLogLines(report.restarts)) runner.info(line)
  if (report.references) runner.info(referencesLogLine(report.references))
  for (const { title, message } of referenceWarnings(report.references)) runner.warning(message, title)
  for (const warning of runWarnings(report)) runner.warning(warning)
  for (const { title, message } of driftWarnings(report.results, report.dryRun))
    runner.warning(message, title)
  const eventsFailure = eventsWarning(report.events)
  if (eventsFailure) runner.warning(eventsFailure)
  // runner.info keeps server text from starting a workflow command; one line reads better in the log.
  const forbidden = report.events?.forbidden?.replace(/\s+/g, ' ')
  if (forbidden) runner.info(`Kubernetes Events not recorded (see the job summary): ${forbidden}`)
  for (const [name, value] of Object.entries(toOutputs(report))) runner.setOutput(name, value)
  // Outside a runner there is no summary file; the log lines above already said everything.
  if (process.env.GITHUB_STEP_SUMMARY) await runner.writeSummary(renderSummary(report))
}

/** After the report is out: fails the step when a Secret, a restart or the namespace's LIST failed. */
export function failOnReport(report: SyncReport): void {
  const failure = failureMessage(report)
  if (failure) runner.fail(`gke-secrets-sync: ${failure}`)
}

/**
 * The outer catch of run(): a summary of the failure unless the report's summary is out already, then the one
 * setFailed line, prefixed with the action's name, last in the log.
 */
export async function publishFailure(error: unknown, progress: RunProgress): Promise<void> {
  if (!progress.summaryWritten && process.env.GITHUB_STEP_SUMMARY) {
    try {
      await runner.writeSummary(renderFailureSummary(error, progress, origin()))
    } catch (writeError) {
      runner.warning(`Could not write the job summary: ${(writeError as Error).message}`)
    }
  }
  runner.fail(`gke-secrets-sync: ${error instanceof Error ? error.message : String(error)}`)
}

/** A link to the workflow run, when running on GitHub (context.repo throws without GITHUB_REPOSITORY). */
export function origin(): string | undefined {
  if (!process.env.GITHUB_REPOSITORY || !context.runId) return undefined
  const { owner, repo } = context.repo
  return `[${owner}/${repo} run ${context.runId}](${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId})`
}
