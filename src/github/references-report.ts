// What `check_references` adds to the job summary, the outputs and the log: the Used-by column, the Secrets
// nothing references, references that point nowhere, and what to grant when a workload kind could not be listed.
// Pure, like report.ts, which calls these through its marked hooks.
import { cell, code, codeInCell } from './markdown.js'
import { grantCommands, qualifiedResource, refusal, roleName, rulesFor, splitResource } from './rbac.js'
import { agree, plural } from './words.js'
import type { SecretResult } from '../sync/sync.js'
import {
  shortList,
  type DanglingReference,
  type ListFailure,
  type ReferenceCheck
} from '../sync/workload-references.js'

/** Workloads shown in one Used-by cell before the rest is counted. */
const USED_BY_SHOWN = 3

/** The Used-by cell of one summary row. */
export function usedByCell(check: ReferenceCheck, result: SecretResult): string {
  const users = check.usedBy.get(result.secretName)
  if (users) return shortList(users.map(codeInCell), USED_BY_SHOWN)
  if (!check.unreferenced.includes(result.secretName)) return '—'
  // With a kind unlisted, "nothing references it" is only as far as the check could see.
  return check.failures.some(failure => failure.resource !== 'secrets') ? '_none found_' : '_not referenced_'
}

/**
 * The summary's section on references, after the table: first what could not be checked (a kind that could not
 * be listed), then what was found, so that no conclusion ("nothing points nowhere") stands above its caveat.
 */
export function referencesSection(check: ReferenceCheck, namespace: string): string[] {
  const out: string[] = []
  const kinds = 'Deployments, StatefulSets, DaemonSets, CronJobs, running Jobs and Pods'
  const complete = check.failures.length === 0
  out.push(...failureNote(check.failures, namespace))
  out.push(
    `Checked the Secret references of ${plural(check.workloadCount, 'workload')} (${kinds}) in \`${namespace}\`${complete ? '' : ', of the kinds that could be listed'}.`,
    ''
  )
  if (check.unreferenced.length > 0) {
    const n = check.unreferenced.length
    out.push(
      `${plural(n, 'Secret')} ${agree(n, 'is', 'are')} not referenced by any ${complete ? 'workload' : 'workload that could be listed'} (leftovers, or waiting for a Helm change): ${check.unreferenced.map(code).join(', ')}.`,
      ''
    )
  }
  if (complete && check.danglingChecked && check.dangling.length === 0) {
    out.push('No reference to a Secret of this prefix points nowhere.', '')
  }
  if (check.dangling.length > 0) {
    out.push(
      '### References that point nowhere',
      '',
      'Pods of these workloads cannot start (`CreateContainerConfigError`) until the Secret or key exists:',
      '',
      ...danglingTable(check.dangling)
    )
  }
  if (check.optionalDangling.length > 0) {
    out.push(
      'Optional references (`optional: true`) to what does not exist; the pods start without them:',
      '',
      ...danglingTable(check.optionalDangling)
    )
  }
  return out
}

function danglingTable(items: DanglingReference[]): string[] {
  return [
    '| Workload | Container | Missing | Closest existing |',
    '| --- | --- | --- | --- |',
    ...items.map(item => {
      const { reference } = item
      return `| ${codeInCell(reference.workload)} | ${codeInCell(reference.container)} (${reference.source}) | ${missing(item)} | ${item.closest ? codeInCell(item.closest) : '—'} |`
    }),
    ''
  ]
}

function missing(item: DanglingReference): string {
  const { secretName, key } = item.reference
  return item.missing === 'secret'
    ? `Secret ${codeInCell(secretName)}`
    : `key ${codeInCell(key ?? '')} in Secret ${codeInCell(secretName)}`
}

/**
 * Once, whatever failed: a 403 names the rule of docs/rbac.md (rbac.ts) for the kinds that were refused, with
 * the commands that grant it; any other failure says what was not checked.
 */
function failureNote(failures: ListFailure[], namespace: string): string[] {
  if (failures.length === 0) return []
  const forbidden = failures.filter(failure => failure.status === 403)
  const other = failures.filter(failure => failure.status !== 403)
  const out: string[] = ['> [!WARNING]']
  if (forbidden.length > 0) {
    const user = forbidden.map(failure => refusal(failure.message)?.user).find(Boolean)
    // The call that failed is the reference check's LIST of that resource: its rule is check_references'.
    const calls = forbidden.map(failure => ({ verb: 'list', ...splitResource(failure.resource) }))
    const rules = calls.map(call => {
      const matching = rulesFor(call)
      return matching.find(rule => rule.feature === 'check_references') ?? matching[0]
    })
    const verbs = [...new Set(rules.flatMap(rule => rule?.verbs ?? ['list']))]
    const feature = rules.find(Boolean)?.feature ?? 'check_references'
    const resources = calls.map(call => qualifiedResource(call.resource, call.apiGroup))
    out.push(
      `> The identity may not list ${resources.map(code).join(', ')} in \`${namespace}\`, so references from them were not checked. To check them, grant the rule of \`${feature}\` (docs/rbac.md): verbs ${verbs.join(', ')} on these kinds:`,
      '>',
      '> ```sh',
      ...grantCommands(roleName(feature), namespace, verbs, resources, user).map(line => `> ${line}`),
      '> ```'
    )
  }
  for (const failure of other) {
    out.push(
      `> Listing ${code(failure.resource)} failed (${cell(failure.message)}), so references from them were not checked.`
    )
  }
  if (failures.some(failure => failure.resource === 'secrets')) {
    out.push("> Without the names of the namespace's Secrets, no reference was checked for pointing nowhere.")
  }
  out.push('')
  return out
}

/**
 * The outputs `unreferenced` and `dangling_references`; empty strings when the check is off, and
 * `dangling_references` empty too when the Secret names could not be listed (unknown is not `[]`).
 */
export function referenceOutputs(check: ReferenceCheck | undefined): Record<string, string> {
  if (!check) return { unreferenced: '', dangling_references: '' }
  return {
    unreferenced: JSON.stringify(check.unreferenced),
    dangling_references: !check.danglingChecked
      ? ''
      : JSON.stringify(
          check.dangling.map(({ reference, missing, closest }) => ({
            workload: reference.workload,
            container: reference.container,
            secret: reference.secretName,
            ...(reference.key !== undefined && { key: reference.key }),
            missing,
            ...(closest && { closest })
          }))
        )
  }
}

/** One log line on what the check found (counts of nothing left out), and what it could not list. */
export function referencesLogLine(check: ReferenceCheck): string {
  const dangling = check.dangling.length
  const found = [
    `${plural(check.workloadCount, 'workload')} checked`,
    ...(check.unreferenced.length > 0 ? [plural(check.unreferenced.length, 'unreferenced Secret')] : []),
    !check.danglingChecked
      ? 'dangling references not checked'
      : dangling > 0
        ? `${plural(dangling, 'reference')} ${agree(dangling, 'points', 'point')} nowhere`
        : check.failures.length === 0
          ? 'no reference points nowhere'
          : undefined
  ].filter(Boolean)
  const failed = check.failures.map(f => `${f.resource} (${f.status ?? 'no answer'})`).join(', ')
  return `check_references: ${found.join(', ')}${failed ? `; could not list ${failed}, see the job summary` : ''}`
}

/** One `warning` annotation per non-optional dangling reference. */
export function referenceWarnings(check: ReferenceCheck | undefined): { title: string; message: string }[] {
  return (check?.dangling ?? []).map(item => {
    const { reference, closest } = item
    const what =
      item.missing === 'secret'
        ? `Secret "${reference.secretName}" does not exist`
        : `Secret "${reference.secretName}" has no key "${reference.key ?? ''}"`
    const hint = closest
      ? ` (closest existing ${item.missing === 'secret' ? 'Secret' : 'key'}: ${closest})`
      : ''
    return {
      title: 'Secret reference points nowhere',
      message: `${reference.workload}, container ${reference.container} (${reference.source}): ${what}${hint}; pods of this workload cannot start until it exists.`
    }
  })
}
