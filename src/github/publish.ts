// What a finished run tells the runner: a log line per Secret (failures as errors, skips as warnings), the
// reference check's line and warnings, the run's warnings, the step outputs and the job summary. All of it goes
// through runner-output.ts, which masks and neutralises every text (details quote the API server).
import { context } from '@actions/github'
import { referencesLogLine, referenceWarnings } from './references-report.js'
import { renderSummary, sortedResults, toOutputs, type SyncReport } from './report.js'
import * as runner from './runner-output.js'
import { runWarnings } from './run-warnings.js'

export async function publish(report: SyncReport): Promise<void> {
  for (const result of sortedResults(report.results)) {
    const line = `${result.state}: ${result.secretName}${result.detail ? ` (${result.detail})` : ''}`
    if (result.state === 'failed') runner.error(line)
    else if (result.state === 'skipped') runner.warning(line)
    else runner.info(line)
  }
  if (report.references) runner.info(referencesLogLine(report.references))
  for (const { title, message } of referenceWarnings(report.references)) runner.warning(message, title)
  for (const warning of runWarnings(report)) runner.warning(warning)
  for (const [name, value] of Object.entries(toOutputs(report))) runner.setOutput(name, value)
  // Outside a runner there is no summary file; the log lines above already said everything.
  if (process.env.GITHUB_STEP_SUMMARY) await runner.writeSummary(renderSummary(report))
}

/** A link to the workflow run, when running on GitHub (context.repo throws without GITHUB_REPOSITORY). */
export function origin(): string | undefined {
  if (!process.env.GITHUB_REPOSITORY || !context.runId) return undefined
  const { owner, repo } = context.repo
  return `[${owner}/${repo} run ${context.runId}](${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId})`
}
