// What `check_references` adds to the job summary, the outputs and the log: the Used-by column, the Secrets
// nothing references, references that point nowhere, and what to grant when a workload kind could not be listed.
// Pure, like report.ts, which calls these through its marked hooks.
import { cell, code } from './markdown.js'
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
  if (users) return shortList(users.map(code), USED_BY_SHOWN)
  if (!check.unreferenced.includes(result.secretName)) return '—'
  // With a kind unlisted, "nothing references it" is only as far as the check could see.
  return check.failures.some(failure => failure.resource !== 'secrets') ? '_none found_' : '_not referenced_'
}

/** The summary's section on references, after the table. */
export function referencesSection(check: ReferenceCheck, namespace: string): string[] {
  const out: string[] = []
  const kinds = 'Deployments, StatefulSets, DaemonSets, CronJobs, running Jobs and Pods'
  out.push(
    `Checked the Secret references of ${check.workloadCount} workloads (${kinds}) in \`${namespace}\`.`,
    ''
  )
  if (check.unreferenced.length > 0) {
    out.push(
      `${check.unreferenced.length} Secrets are not referenced by any workload (leftovers, or waiting for a Helm change): ${check.unreferenced.map(code).join(', ')}.`,
      ''
    )
  }
  if (check.danglingChecked && check.dangling.length === 0) {
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
  out.push(...failureNote(check.failures, namespace))
  return out
}

function danglingTable(items: DanglingReference[]): string[] {
  return [
    '| Workload | Container | Missing | Closest existing |',
    '| --- | --- | --- | --- |',
    ...items.map(item => {
      const { reference } = item
      return `| ${code(reference.workload)} | ${code(reference.container)} (${reference.source}) | ${missing(item)} | ${item.closest ? code(item.closest) : '—'} |`
    }),
    ''
  ]
}

function missing(item: DanglingReference): string {
  const { secretName, key } = item.reference
  return item.missing === 'secret'
    ? `Secret ${code(secretName)}`
    : `key ${code(key ?? '')} in Secret ${code(secretName)}`
}

/**
 * Once, whatever failed: a 403 names the permission to add (`list` on the workload kinds), any other failure
 * says what was not checked.
 */
function failureNote(failures: ListFailure[], namespace: string): string[] {
  if (failures.length === 0) return []
  const forbidden = failures.filter(failure => failure.status === 403)
  const other = failures.filter(failure => failure.status !== 403)
  const out: string[] = ['> [!WARNING]']
  if (forbidden.length > 0) {
    const user = /User "([^"]+)"/.exec(forbidden[0]?.message ?? '')?.[1] ?? '<the identity>'
    out.push(
      `> The identity may not list ${forbidden.map(f => code(f.resource)).join(', ')} in \`${namespace}\`, so references from them were not checked. To check them, grant \`list\` on the workload kinds:`,
      '>',
      '> ```sh',
      `> kubectl create role gke-secrets-sync-references -n ${namespace} --verb=list --resource=deployments.apps,statefulsets.apps,daemonsets.apps,cronjobs.batch,jobs.batch,pods`,
      `> kubectl create rolebinding gke-secrets-sync-references -n ${namespace} --role=gke-secrets-sync-references --user=${user}`,
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

/** One log line on what the check found, and what it could not list. */
export function referencesLogLine(check: ReferenceCheck): string {
  const found = check.danglingChecked
    ? `${check.dangling.length} references point nowhere`
    : 'dangling references not checked'
  const failed = check.failures.map(f => `${f.resource} (${f.status ?? 'no answer'})`).join(', ')
  return `check_references: ${check.workloadCount} workloads, ${check.unreferenced.length} unreferenced Secrets, ${found}${failed ? `; could not list ${failed}, see the job summary` : ''}`
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
