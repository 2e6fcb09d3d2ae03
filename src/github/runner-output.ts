// Everything the action tells the runner goes through here, and nothing else calls @actions/core's output
// functions (__tests__/unit/runner-output.test.ts holds that): log lines, annotations, the failure, the step
// outputs, the job summary, and the masks. Every text is passed through untrusted() on its way out, whatever it
// holds, so a server message that reaches any of them by any path is masked and cannot start a workflow command.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands
import * as core from '@actions/core'
import { knownSecrets } from './masking.js'
import { neutraliseCommands, untrusted } from './untrusted.js'

/** Masks the string in the log (the runner's `::add-mask::`) and in every text written through this module. */
export function maskSecret(value: string): void {
  if (value === '') return
  core.setSecret(value)
  knownSecrets.add(value)
}

export function info(text: string): void {
  core.info(untrusted(text))
}

/** A warning annotation: on the run's page and the pull request, not only in the log. */
export function warning(text: string, title?: string): void {
  core.warning(untrusted(text), title === undefined ? {} : { title: untrusted(title) })
}

export function error(text: string): void {
  core.error(untrusted(text))
}

/** Marks the step failed, with the message as an error annotation. */
export function fail(text: string): void {
  core.setFailed(untrusted(text))
}

/**
 * Outputs hold Secret, workload and key names (which the API server validates: no `:`, `#` or line break) in
 * JSON or YAML, never free text; they are not redacted, because a later step reads them as data and a short
 * secret value such as `true` would otherwise replace an output's own words. Neutralising changes nothing in a
 * valid name and keeps the rule that nothing leaves unchecked.
 */
export function setOutput(name: string, value: string): void {
  core.setOutput(name, neutraliseCommands(value))
}

/**
 * Appends to the job summary. The runner masks it too, line by line (FileCommandManager.cs,
 * CreateStepSummaryCommand), but only text that was not escaped since: markdown.ts masks each piece first.
 */
export async function writeSummary(markdown: string): Promise<void> {
  await core.summary.addRaw(untrusted(markdown)).write()
}
