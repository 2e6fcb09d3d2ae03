// What a run that ends green must still say where people look: warning annotations on the workflow run, which
// show on the run's page and the pull request, not only in a log nobody opens. Pure: the report goes in, text
// comes out; main.ts hands each line to core.warning.
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-commands#setting-a-warning-message
import { plural, type SyncReport } from './report.js'
import { restartWarnings } from './restarts-report.js'

const list = (names: string[]): string => names.map(name => `\`${name}\``).join(', ')

export function runWarnings(report: SyncReport): string[] {
  const warnings: string[] = []
  const selected = report.results.filter(result => result.githubName).length
  if (selected === 0) {
    warnings.push(
      [
        `No input secret starts with ${report.prefix}_, so nothing was synced.`,
        'Likely causes: the caller of the reusable workflow did not pass `secrets: inherit` (callers in another organisation pass them as `sync_secrets`);',
        'the secrets are environment secrets and the job has no (or another) `environment:`; the run comes from a fork or Dependabot, which get no secrets;',
        `or the \`prefix\` input does not match the names of the GitHub secrets.`
      ].join(' ')
    )
  }
  const orphans = report.orphans ?? []
  if (orphans.length > 0) {
    warnings.push(
      `${plural(orphans.length, 'Secret')} made by this action${report.owner ? ` for ${report.owner}` : ''} ${orphans.length === 1 ? 'has' : 'have'} no GitHub secret any more and ${orphans.length === 1 ? 'was' : 'were'} left in place because \`prune\` is off: ${list(orphans)}. Remove ${orphans.length === 1 ? 'it' : 'them'} from the Dagster Helm values (\`envSecrets\`) first, then run with \`prune: true\` to delete ${orphans.length === 1 ? 'it' : 'them'}.`
    )
  }
  const unclaimed = report.unclaimed ?? []
  if (unclaimed.length > 0) {
    warnings.push(
      `${plural(unclaimed.length, 'Secret')} of the prefix ${report.prefix} ${unclaimed.length === 1 ? 'was' : 'were'} made by an earlier version of this action and ${unclaimed.length === 1 ? 'records' : 'record'} no owner, so prune left ${unclaimed.length === 1 ? 'it' : 'them'} in place: ${list(unclaimed)}. The repository that still syncs one claims it on its next run; delete by hand any that no repository syncs.`
    )
  }
  warnings.push(...restartWarnings(report.restarts))
  return warnings
}
