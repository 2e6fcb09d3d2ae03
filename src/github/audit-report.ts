// What drift detection and the Events add to the job summary, the annotations and the outputs: the Drift section
// (who changed which Secret in the cluster, when, and what the run did about it), one warning per drifted Secret,
// and a word on Events that could not be recorded. Pure, like report.ts, which calls these.
import { cell, code } from './markdown.js'
import type { EventsOutcome } from '../kube/events-client.js'
import type { Drift } from '../sync/drift.js'
import { compareNames } from '../sync/selection.js'
import type { SecretResult } from '../sync/sync.js'
import { agree } from './words.js'

type Drifted = SecretResult & { drift: Drift }

function drifted(results: SecretResult[]): Drifted[] {
  return results
    .filter((result): result is Drifted => result.drift !== undefined)
    .sort((a, b) => compareNames(a.secretName, b.secretName))
}

/** The `drifted` output: the names of the Secrets found changed in the cluster, restored or not. */
export function driftedNames(results: SecretResult[]): string[] {
  return drifted(results).map(result => result.secretName)
}

function whatTheRunDid(result: SecretResult, dryRun: boolean): string {
  if (result.state === 'failed') return 'left as it is, the run fails (`on_drift: fail`)'
  return dryRun
    ? "would write GitHub's value back (`on_drift: restore`)"
    : "wrote GitHub's value back (`on_drift: restore`)"
}

/** The **Drift** section of the summary, or nothing when no Secret drifted. */
export function driftSection(results: SecretResult[], dryRun: boolean): string[] {
  const rows = drifted(results)
  if (rows.length === 0) return []
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [
    `**Drift**: ${agree(rows.length, 'this Secret was', 'these Secrets were')} changed in the cluster rather than through GitHub, the source of truth. Change the GitHub secret instead; \`kubectl events --for secret/NAME\` shows what this action wrote and when.`,
    '',
    line(['Kubernetes Secret', 'Changed by (field manager)', 'Operation', 'At', 'This run']),
    line(['---', '---', '---', '---', '---']),
    ...rows.map(result =>
      line([
        code(result.secretName),
        cell(result.drift.manager),
        cell(result.drift.operation),
        cell(result.drift.time ?? 'unknown'),
        whatTheRunDid(result, dryRun)
      ])
    ),
    ''
  ]
}

/** One warning annotation per drifted Secret, so the run's page shows it whatever else happened. */
export function driftWarnings(
  results: SecretResult[],
  dryRun: boolean
): { title: string; message: string }[] {
  return drifted(results).map(result => {
    const { manager, operation, time } = result.drift
    const did =
      result.state === 'failed'
        ? 'it was left as it is and the run fails (on_drift: fail)'
        : dryRun
          ? "a real run would write GitHub's value back (on_drift: restore)"
          : "GitHub's value was written back (on_drift: restore)"
    return {
      title: `Drift: ${result.secretName}`,
      message: `Secret ${result.secretName}: its value had been changed in the cluster by ${manager} (${operation}${time ? ` at ${time}` : ''}), not through GitHub; ${did}. GitHub is the source of truth: change the GitHub secret instead.`
    }
  })
}

/** The RBAC rule that lets the identity record Events, in the words of a Role. */
export const EVENTS_RULE = 'apiGroups: [events.k8s.io], resources: [events], verbs: [create]'

/** The summary's word on Events: only when some could not be recorded. */
export function eventsSection(events: EventsOutcome | undefined, namespace: string): string[] {
  if (!events) return []
  if (events.forbidden) {
    return [
      `Kubernetes Events were not recorded: the identity may not create Events in \`${namespace}\` (${cell(events.forbidden)}). Add this rule to its Role, or set \`record_events: false\`:`,
      '',
      '```yaml',
      '- apiGroups: [events.k8s.io]',
      '  resources: [events]',
      '  verbs: [create]',
      '```',
      ''
    ]
  }
  if (events.failed) {
    return [
      `${events.failed.count} of ${events.planned} Kubernetes Events could not be recorded (${cell(events.failed.message)}); the Secrets themselves were written.`,
      ''
    ]
  }
  return []
}

/** The run's warning when Events failed for another reason than RBAC (a 403 is the summary's note only). */
export function eventsWarning(events: EventsOutcome | undefined): string | undefined {
  if (!events?.failed) return undefined
  return `${events.failed.count} of ${events.planned} Kubernetes Events could not be recorded: ${events.failed.message}. The Secrets were synced; only their record in \`kubectl events\` is missing.`
}
