// Turns the results of a run into the step's outputs, its job summary and its failure message. Pure: names
// and reasons go in, text comes out; values never reach this module.
import { stringify } from 'yaml'
import type { ClusterTarget } from '../kube/cluster-connection.js'
import { NO_ANSWER, NO_ANSWER_ADVICE } from '../kube/errors.js'
import { cell, code, codeInCell, messageBlocks, wrappingCode } from './markdown.js'
import { missingRuleAdvice, refusal } from './rbac.js'
import { referenceOutputs, referencesSection, usedByCell } from './references-report.js'
import { agree, nonZero, plural } from './words.js'
import { driftedNames, driftSection, eventsSection } from './audit-report.js'
import type { EventsOutcome } from '../kube/events-client.js'
import { restartFailures, restartOutputs, restartsSection } from './restarts-report.js'
import { compareNames } from '../sync/selection.js'
import { failedRestarts, type RestartsReport } from '../sync/restarts.js'
import { IN_SYNC, VALUE_CHANGES, type SecretResult, type SecretState } from '../sync/sync.js'
import type { ReferenceCheck } from '../sync/workload-references.js'

export interface SyncReport {
  /** The API server URL: a detail, for whoever debugs the connection. */
  server: string
  /** The cluster as people know it. */
  target: ClusterTarget
  namespace: string
  prefix: string
  /** Who the Secrets of this run belong to (the `owner` input). */
  owner?: string
  dryRun: boolean
  /** One per selected GitHub secret (and per pruned Secret), in any order. */
  results: SecretResult[]
  /** Secrets of this action whose GitHub secret is gone, left in place because prune is off. */
  orphans?: string[]
  /** Ownerless Secrets of the prefix (written before owners were recorded) that prune left in place. */
  unclaimed?: string[]
  /** With `restart_deployments` or `restart_referencing`: what was restarted, why, and how each rollout ended. */
  restarts?: RestartsReport
  /** Input secrets without the prefix; shown as a count only. */
  ignoredCount: number
  /** A Markdown link to the workflow run this came from; absent outside Actions. */
  origin?: string
  /** From the start of the run to the report. */
  durationMs?: number
  /** With `check_references`: which workloads use each Secret, and references that point nowhere. */
  references?: ReferenceCheck
  /**
   * Why nothing was written: the LIST of the namespace's Secrets failed (the API server's message). Said once,
   * above the table, whose rows are then failed without a detail of their own.
   */
  runFailure?: string
  /** The Kubernetes Events of the run (absent with `record_events: false` and in a dry run). */
  events?: EventsOutcome
}

/**
 * The one reason the run failed, said once above the table instead of in every row: the LIST of the namespace's
 * Secrets failed (nothing was written), or every failed write got the same answer (a namespace that does not
 * exist, whose LIST still answers with an empty list; a 403 on create; an API server that stopped answering).
 */
export interface RunCause {
  message: string
  listFailed: boolean
  /** The failed rows, whose detail is this message. */
  failed: SecretResult[]
}

export function runCause(
  report: Pick<SyncReport, 'results' | 'runFailure' | 'namespace'>
): RunCause | undefined {
  const failed = sortedResults(report.results).filter(result => result.state === 'failed')
  if (report.runFailure) return { message: report.runFailure, listFailed: true, failed }
  const details = new Set(failed.map(result => result.detail ?? ''))
  const [detail] = details
  if (details.size !== 1 || !detail) return undefined
  const namespaceMissing = detail.includes(`namespaces "${report.namespace}" not found`)
  return failed.length >= 2 || namespaceMissing ? { message: detail, listFailed: false, failed } : undefined
}

const STATES: SecretState[] = [
  'created',
  'updated',
  'metadata-updated',
  'unchanged',
  'deleted',
  'skipped',
  'failed'
]

export function sortedResults(results: SecretResult[]): SecretResult[] {
  return [...results].sort((a, b) => compareNames(a.secretName, b.secretName))
}

function namesIn(results: SecretResult[], states: readonly SecretState[]): string[] {
  return sortedResults(results)
    .filter(result => states.includes(result.state))
    .map(result => result.secretName)
}

export function countByState(results: SecretResult[]): Record<SecretState, number> {
  const counts = Object.fromEntries(STATES.map(state => [state, 0])) as Record<SecretState, number>
  for (const result of results) counts[result.state]++
  return counts
}

/** A YAML list `- name: <secret>` for the Dagster chart's `envSecrets`, of the Secrets that are in sync. */
export function envSecretsYaml(results: SecretResult[]): string {
  const names = namesIn(results, IN_SYNC)
  return names.length === 0 ? '[]\n' : stringify(names.map(name => ({ name })))
}

export function toOutputs(report: SyncReport): Record<string, string> {
  const list = (states: SecretState[]): string => JSON.stringify(namesIn(report.results, states))
  const counts = countByState(report.results)
  return {
    created: list(['created']),
    // Value changes only; a write of labels or annotations alone is in metadata_updated.
    updated: list(['updated']),
    metadata_updated: list(['metadata-updated']),
    unchanged: list(['unchanged']),
    deleted: list(['deleted']),
    skipped: list(['skipped']),
    failed: list(['failed']),
    // A value created, changed or deleted; in a dry run, whether one would be, like the lists above it.
    changed: String(changesIn(counts) > 0),
    secret_names: JSON.stringify(
      namesIn(
        report.results.filter(result => result.githubName),
        STATES
      )
    ),
    env_secrets: envSecretsYaml(report.results),
    ...restartOutputs(report.restarts),
    // For `helm --set-json 'deployments[0].envSecrets=...'`.
    env_secrets_json: JSON.stringify(namesIn(report.results, IN_SYNC).map(name => ({ name }))),
    drifted: JSON.stringify(driftedNames(report.results)),
    ...referenceOutputs(report.references)
  }
}

/** The message for core.setFailed, or undefined when every secret made it. */
export function failureMessage(report: SyncReport): string | undefined {
  if (report.runFailure) {
    return [
      `Kubernetes API: could not list Secrets in namespace ${report.namespace}: ${report.runFailure}`,
      ...advice([report.runFailure], report.namespace)
    ].join('\n')
  }
  const failed = sortedResults(report.results).filter(result => result.state === 'failed')
  const restarts = restartFailures(report.restarts)
  if (failed.length === 0 && restarts.lines.length === 0) return undefined
  const lines: string[] = []
  // Said once when every failed Secret failed the same way, as in the summary.
  const shared = runCause(report)?.message
  if (failed.length > 0) {
    const total = report.results.length
    const end = shared ? `: ${shared}` : ':'
    lines.push(
      failed.length === total
        ? `${plural(failed.length, 'Secret')} could not be synced to namespace ${report.namespace}${end}`
        : `${failed.length} of ${plural(total, 'Secret')} could not be synced to namespace ${report.namespace} (the job summary lists all ${total})${end}`,
      ...failed.map(
        result => `- ${result.secretName}${from(result)}${shared ? '' : `: ${result.detail ?? 'failed'}`}`
      )
    )
  }
  lines.push(...restarts.lines)
  const details = [...failed.map(item => item.detail ?? ''), ...restarts.details]
  return [...lines, ...advice(details, report.namespace)].join('\n')
}

/** How many restarts fail the run: a refused restart, a failed or unverifiable rollout, a target not found. */
function restartFailureCount(report: SyncReport): number {
  return failedRestarts(report.restarts).length + (report.restarts?.problems.length ?? 0)
}

/**
 * What to do about the failures the API server reports most, once each. A 403 names the rule of
 * docs/rbac.md that the refused call needs (rbac.ts); the detail may carry a prefix of ours
 * (`not deleted: `, `listing Deployments failed: `) before the status.
 */
export function advice(details: string[], namespace: string): string[] {
  const tips = new Set<string>()
  for (const detail of details) {
    if (/(^|: )401 /.test(detail)) {
      tips.add(
        'Check the credentials: the kubeconfig user, or for GKE the Google identity (it needs roles/container.clusterViewer on the project to reach the cluster).'
      )
    }
    if (/(^|: |\()403 Forbidden: /.test(detail)) {
      const denied = refusal(detail)
      tips.add(
        denied
          ? missingRuleAdvice(denied, namespace)
          : `The identity was refused (403): docs/rbac.md lists the Role each feature needs in namespace ${namespace}.`
      )
    }
    if (detail.includes('`max_deletions: ')) {
      tips.add(
        "Prune deleted nothing. If those GitHub secrets were removed on purpose, run once with a higher `max_deletions` (`100%` turns the guard off). If not, this run did not receive them: check the job's `environment:` (environment secrets need it) and that the caller passes `secrets: inherit`."
      )
    }
    if (detail.includes(`the API server ${NO_ANSWER}`)) tips.add(NO_ANSWER_ADVICE)
    if (detail.includes(`namespaces "${namespace}" not found`)) {
      tips.add(`Namespace ${namespace} does not exist: create it, or fix the \`namespace\` input.`)
    }
  }
  return [...tips]
}

/** What the run came to, said first in the summary's heading. */
export type Outcome = 'failed' | 'dry run' | 'synced' | 'nothing to do'

export function outcomeOf(report: SyncReport): Outcome {
  const counts = countByState(report.results)
  if (report.runFailure || counts.failed > 0 || restartFailureCount(report) > 0) return 'failed'
  if (report.dryRun) return 'dry run'
  return changesIn(counts) + counts['metadata-updated'] > 0 ? 'synced' : 'nothing to do'
}

/** Value changes: what `changed` and restarts follow. */
function changesIn(counts: Record<SecretState, number>): number {
  return VALUE_CHANGES.reduce((sum, state) => sum + counts[state], 0)
}

/** `, metadata of 2 Secrets updated`: writes no pod can see, said apart from the changes. */
function metadataOnly(counts: Record<SecretState, number>, dryRun: boolean): string {
  const count = counts['metadata-updated']
  if (count === 0) return ''
  return `, metadata of ${plural(count, 'Secret')} ${dryRun ? 'would be updated' : 'updated'}`
}

/** `850 ms`, `2.3 s`, `1 min 5 s`: as precise as a reader of a run needs. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`
}

/** The heading: a symbol and the outcome in words, so the job page says at a glance how the run went. */
export function summaryHeading(report: SyncReport): string {
  const counts = countByState(report.results)
  const changes = plural(changesIn(counts), 'change')
  const skipped = counts.skipped > 0 ? `, ${plural(counts.skipped, 'Secret')} skipped` : ''
  const caution = skipped ? '⚠️' : undefined
  // Metadata-only writes are said after the changes, never counted among them.
  const rest = `${metadataOnly(counts, report.dryRun)}${skipped}`
  const [symbol, text] = ((): [string, string] => {
    switch (outcomeOf(report)) {
      case 'failed': {
        const cause = runCause(report)
        const words = cause && causeWords(cause, report.namespace)
        if (cause && words && (cause.listFailed || cause.failed.length === report.results.length)) {
          return ['❌', `${report.dryRun ? 'dry run, ' : ''}nothing synced, ${words}`]
        }
        const failedRestarts = restartFailureCount(report)
        const what = [
          ...(counts.failed > 0 ? [`${plural(counts.failed, 'Secret')} failed`] : []),
          ...(failedRestarts > 0 ? [`${plural(failedRestarts, 'restart')} failed`] : [])
        ].join(', ')
        return ['❌', report.dryRun ? `dry run, ${what}` : what]
      }
      case 'dry run':
        return [
          '🧪',
          changesIn(counts) > 0
            ? `dry run, ${changes} would be made${rest}`
            : counts['metadata-updated'] > 0
              ? `dry run, no value would change${rest}`
              : `dry run, nothing would change${skipped}`
        ]
      case 'synced':
        return [
          caution ?? '✅',
          changesIn(counts) > 0 ? `synced ${changes}${rest}` : `no value changed${rest}`
        ]
      case 'nothing to do':
        return report.results.length === 0
          ? ['⚠️', 'nothing to sync']
          : [caution ?? '☑️', `nothing to do${skipped}`]
    }
  })()
  return `## ${symbol} gke-secrets-sync: ${text}`
}

/** The run's cause in a few words, for the heading; the message and the fix follow under it. */
function causeWords({ message, listFailed }: RunCause, namespace: string): string | undefined {
  if (message.includes(`namespaces "${namespace}" not found`))
    return `namespace ${code(namespace)} does not exist`
  const denied = refusal(message)
  if (denied) return `the identity may not ${denied.call.verb} ${denied.call.resource}`
  if (/(^|: )403 /.test(message)) return 'the identity was refused'
  if (/(^|: )401 /.test(message)) return 'the API server did not accept the credentials'
  if (message.includes(`the API server ${NO_ANSWER}`)) return 'the API server did not answer'
  if (message.includes('could not reach the API server')) return 'could not reach the API server'
  return listFailed ? 'listing Secrets failed' : undefined
}

/** Where the Secrets went, in the names people use for it: the GKE cluster or the kubeconfig context. */
export function targetLine(target: ClusterTarget, namespace: string, owner?: string): string {
  const cluster =
    target.kind === 'gke'
      ? `GKE cluster ${code(target.name)} (project ${code(target.project)}, location ${code(target.location)})`
      : `Kubeconfig context ${code(target.context)}`
  return `${cluster} · namespace ${code(namespace)}${owner ? ` · owner ${code(owner)}` : ''}`
}

/** Attention first (failed, skipped), then what changed, then what was already right. */
const DISPLAY_ORDER: SecretState[] = [
  'failed',
  'skipped',
  'created',
  'updated',
  'deleted',
  'metadata-updated',
  'unchanged'
]
const SYMBOLS: Partial<Record<SecretState, string>> = { failed: '❌', skipped: '⚠️' }
/** How a state reads where it is not one word; `updated` alone means the value changed. */
const WORDS: Partial<Record<SecretState, string>> = { 'metadata-updated': 'metadata updated' }
/** A dry run stored nothing, so it must not say "created". */
const DRY_RUN_WORDS: Partial<Record<SecretState, string>> = {
  created: 'would create',
  updated: 'would update',
  'metadata-updated': 'would update metadata',
  deleted: 'would delete'
}

export function stateLabel(state: SecretState, dryRun: boolean): string {
  return (dryRun && DRY_RUN_WORDS[state]) || WORDS[state] || state
}

export function displayOrder(results: SecretResult[]): SecretResult[] {
  return sortedResults(results).sort(
    (a, b) => DISPLAY_ORDER.indexOf(a.state) - DISPLAY_ORDER.indexOf(b.state)
  )
}

/** `5 Secrets: 1 failed · 2 created · 2 unchanged`, naming only the states that occurred. */
export function countsLine(results: SecretResult[], dryRun: boolean): string {
  const counts = countByState(results)
  const parts = nonZero(DISPLAY_ORDER.map(state => [counts[state], stateLabel(state, dryRun)]))
  return `${plural(results.length, 'Secret')}: ${parts}`
}

/** A column of the summary table; `shown` leaves out a column that would say nothing in this run. */
interface Column {
  heading: string
  cell: (result: SecretResult) => string
  shown?: (results: SecretResult[]) => boolean
}

function summaryColumns(dryRun: boolean, references?: ReferenceCheck, saidAbove?: string): Column[] {
  const detail = (result: SecretResult): string => (result.detail === saidAbove ? '' : (result.detail ?? ''))
  return [
    { heading: 'GitHub secret', cell: result => (result.githubName ? wrappingCode(result.githubName) : '—') },
    { heading: 'Kubernetes Secret', cell: result => codeInCell(result.secretName) },
    {
      heading: 'Result',
      cell: result => {
        const symbol = SYMBOLS[result.state]
        return `${symbol ? `${symbol} ` : ''}${stateLabel(result.state, dryRun)}`
      }
    },
    {
      heading: 'Detail',
      cell: result => cell(detail(result)),
      shown: results => results.some(result => detail(result))
    },
    // With check_references (references-report.ts): the workloads that use each Secret.
    {
      heading: 'Used by',
      cell: result => (references ? usedByCell(references, result) : ''),
      shown: () => references !== undefined
    }
  ]
}

/** `saidAbove`: the run's cause, said above the table, which the rows do not repeat. */
export function summaryTable(
  results: SecretResult[],
  dryRun: boolean,
  references?: ReferenceCheck,
  saidAbove?: string
): string[] {
  const rows = displayOrder(results)
  const columns = summaryColumns(dryRun, references, saidAbove).filter(column => column.shown?.(rows) ?? true)
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [
    line(columns.map(column => column.heading)),
    line(columns.map(() => '---')),
    ...rows.map(result => line(columns.map(column => column.cell(result))))
  ]
}

export function renderSummary(report: SyncReport): string {
  const results = report.results
  const out: string[] = [
    summaryHeading(report),
    '',
    targetLine(report.target, report.namespace, report.owner),
    ''
  ]
  if (report.dryRun) {
    out.push(
      'Dry run: the API server checked every write (`dryRun=All`) and stored nothing. The table says what a real run would do.',
      ''
    )
  }
  const cause = runCause(report)
  out.push(...runCauseSection(report, cause))
  const { references } = report
  if (selectedCount(report) === 0) out.push(...emptySelectionSection(report.prefix))
  if (results.length > 0) {
    const table = summaryTable(results, report.dryRun, references, cause?.message)
    out.push(countsLine(results, report.dryRun), '', ...table, '')
  }
  out.push(...metadataOnlySection(results, report.dryRun))
  out.push(...driftSection(results, report.dryRun))
  out.push(...orphansSection(report))
  out.push(...unclaimedSection(report))
  if (report.restarts) out.push(...restartsSection(report.restarts, report.dryRun))
  // Hook for check_references (references-report.ts): unreferenced Secrets, dangling references, list failures.
  if (references) out.push(...referencesSection(references, report.namespace))
  const inSync = namesIn(results, IN_SYNC)
  if (inSync.length > 0) {
    out.push(
      report.dryRun
        ? "After a real run these Secrets would hold their GitHub secret's value; reference them from the Dagster Helm values (`deployments[].envSecrets`):"
        : 'Reference the Secrets from the Dagster Helm values (`deployments[].envSecrets`):',
      '',
      '```yaml',
      stringify({ envSecrets: inSync.map(name => ({ name })) }).trimEnd(),
      '```',
      ''
    )
  }
  out.push(...eventsSection(report.events, report.namespace))
  out.push(footer(report), '')
  return out.join('\n')
}

/** The GitHub secrets of the prefix this run was given (pruned Secrets have none). */
export function selectedCount(report: Pick<SyncReport, 'results'>): number {
  return report.results.filter(result => result.githubName).length
}

/**
 * Why a run sees no secret of the prefix, most likely first: the GitHub secrets exist, but did not reach the
 * step. Shared by the summary, the warning annotation and prune's refusal.
 */
export function emptySelectionCauses(prefix: string): string[] {
  return [
    'the caller of the reusable workflow does not pass `secrets: inherit` (a caller in another organisation passes them as `sync_secrets`);',
    'the secrets are environment secrets, and the job has no `environment:` (or another one);',
    'the run comes from a fork or Dependabot, which get no secrets;',
    `the \`prefix\` input (\`${prefix}\`) does not match the names of the GitHub secrets.`
  ]
}

function emptySelectionSection(prefix: string): string[] {
  return [
    `No input secret starts with \`${prefix}_\`, so nothing was synced. The usual causes:`,
    '',
    ...emptySelectionCauses(prefix).map(cause => `- ${cause}`),
    ''
  ]
}

/** The run's cause and its fix, once, before the table (runCause). */
function runCauseSection(report: SyncReport, cause: RunCause | undefined): string[] {
  if (!cause) return []
  const n = cause.failed.length
  const what = cause.listFailed
    ? `Listing the Secrets of namespace ${code(report.namespace)} failed, so nothing was written:`
    : n === report.results.length
      ? `Nothing was written${agree(n, ':', `: the API server answered all ${n} writes the same way:`)}`
      : `${plural(n, 'Secret')} failed, all with the same answer:`
  return [
    `**${what}** ${cell(cause.message)}`,
    '',
    ...advice([cause.message], report.namespace).flatMap(tip => messageBlocks(tip))
  ]
}

/**
 * Secrets of this action whose GitHub secret this run did not see. Deleting one that a code location still
 * lists in its Helm `envSecrets` stops that code location's pods from starting, so pruning is suggested only
 * after that, and not at all when the run saw no secret of the prefix: then the GitHub secrets most likely
 * exist and did not reach the step.
 */
export function orphansAdvice(count: number, selected: number): string {
  const them = agree(count, 'it', 'them')
  return selected === 0
    ? `Their GitHub secrets most likely still exist and did not reach this run (see the causes above); fix that and run again.`
    : `To delete ${them}: first remove ${them} from the Dagster Helm values (\`envSecrets\`) of every code location, then run with \`prune: true\`.`
}

function orphansSection(report: SyncReport): string[] {
  const orphans = report.orphans ?? []
  if (orphans.length === 0) return []
  const n = orphans.length
  const selected = selectedCount(report)
  const state =
    selected === 0
      ? `${agree(n, 'was', 'were')} left in place`
      : `${agree(n, 'has', 'have')} no GitHub secret any more and ${agree(n, 'was', 'were')} left in place`
  return [
    `${plural(n, 'Secret')} made by this action for \`${report.prefix}_\` ${state}: ${orphans.map(code).join(', ')}. ${orphansAdvice(n, selected)}`,
    ''
  ]
}

/** The small print: what was ignored (when anything was), the raw endpoint, how long it took, and the run. */
function footer(report: SyncReport): string {
  const n = report.ignoredCount
  const ignored =
    n > 0 ? `${plural(n, 'input secret')} without the prefix ${agree(n, 'was', 'were')} ignored. ` : ''
  const facts = [
    `API server ${code(report.server)}`,
    ...(report.durationMs === undefined ? [] : [`took ${formatDuration(report.durationMs)}`]),
    ...(report.origin ? [report.origin] : [])
  ]
  return `${ignored}${facts.join(' · ')}`
}

/** Writes of labels or annotations alone, said in their own words: no pod sees them, nothing restarts. */
function metadataOnlySection(results: SecretResult[], dryRun: boolean): string[] {
  const count = countByState(results)['metadata-updated']
  if (count === 0) return []
  const one = count === 1
  return [
    `${plural(count, 'Secret')} ${dryRun ? 'would have' : 'had'} only ${one ? 'its' : 'their'} labels or annotations written (claimed or adopted with the same value, a new \`labels\` or \`annotations\` input, or kubectl's last-applied annotation dropped). ${one ? 'Its value is' : 'Their values are'} unchanged, so ${one ? 'it does' : 'they do'} not count as a change for \`changed\` and restart nothing.`,
    ''
  ]
}

/** Ownerless Secrets (written before owners were recorded) that this run left alone. */
function unclaimedSection(report: SyncReport): string[] {
  const unclaimed = report.unclaimed ?? []
  if (unclaimed.length === 0) return []
  return [
    `${plural(unclaimed.length, 'Secret')} made for \`${report.prefix}_\` by an earlier version of this action ${agree(unclaimed.length, 'records', 'record')} no owner, so prune left ${agree(unclaimed.length, 'it', 'them')} in place: ${unclaimed.map(code).join(', ')}. The repository that syncs one claims it on its next run; delete by hand any that no repository syncs.`,
    ''
  ]
}

function from(result: SecretResult): string {
  return result.githubName ? ` (${result.githubName})` : ''
}
