// What a run that ends green must still say where people look: warning annotations on the workflow run, which
// show on the run's page and the pull request, not only in a log nobody opens. Pure: the report goes in, text
// comes out; main.ts hands each line to core.warning.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-a-warning-message
import { emptySelectionCauses, orphansAdvice, selectedCount, type SyncReport } from './report.js'
import { agree, plural } from './words.js'
import { restartWarnings } from './restarts-report.js'

const list = (names: string[]): string => names.map(name => `\`${name}\``).join(', ')

export function runWarnings(report: SyncReport): string[] {
  const warnings: string[] = []
  const selected = selectedCount(report)
  if (selected === 0) {
    warnings.push(
      [
        `No input secret starts with ${report.prefix}_, so nothing was synced. The usual causes:`,
        ...emptySelectionCauses(report.prefix)
      ].join(' ')
    )
  }
  const orphans = report.orphans ?? []
  if (orphans.length > 0) {
    const n = orphans.length
    const state =
      selected === 0
        ? `${agree(n, 'was', 'were')} left in place`
        : `${agree(n, 'has', 'have')} no GitHub secret any more and ${agree(n, 'was', 'were')} left in place because \`prune\` is off`
    warnings.push(
      `${plural(n, 'Secret')} made by this action${report.owner ? ` for ${report.owner}` : ''} ${state}: ${list(orphans)}. ${orphansAdvice(n, selected)}`
    )
  }
  const unclaimed = report.unclaimed ?? []
  if (unclaimed.length > 0) {
    const n = unclaimed.length
    warnings.push(
      `${plural(n, 'Secret')} of the prefix ${report.prefix} ${agree(n, 'was', 'were')} made by an earlier version of this action and ${agree(n, 'records', 'record')} no owner, so prune left ${agree(n, 'it', 'them')} in place: ${list(unclaimed)}. The repository that still syncs one claims it on its next run; delete by hand any that no repository syncs.`
    )
  }
  warnings.push(...restartWarnings(report.restarts))
  return warnings
}
