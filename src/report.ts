// Turns the results of a run into the step's outputs, its job summary and its failure message. Pure: names
// and reasons go in, text comes out; values never reach this module.
import { stringify } from 'yaml'
import type { RestartResult, RestartTarget } from './deployment-restarts.js'
import { NO_ANSWER, NO_ANSWER_ADVICE } from './kube-errors.js'
import { compareNames } from './selection.js'
import type { SecretResult, SecretState } from './sync.js'

export interface SyncReport {
  server: string
  namespace: string
  prefix: string
  dryRun: boolean
  /** One per selected GitHub secret (and per pruned Secret), in any order. */
  results: SecretResult[]
  /** Secrets of this action whose GitHub secret is gone, left in place because prune is off. */
  orphans?: string[]
  /** Asked for with `restart_deployments`; `results` is undefined when no Secret changed (nothing restarted). */
  restart?: { target: RestartTarget; results?: RestartResult[] }
  /** Input secrets without the prefix; shown as a count only. */
  ignoredCount: number
  /** A Markdown link to the workflow run this came from; absent outside Actions. */
  origin?: string
}

const STATES: SecretState[] = ['created', 'updated', 'unchanged', 'deleted', 'skipped', 'failed']
/** The states in which the Secret holds the GitHub secret's current value after the run. */
const IN_SYNC: SecretState[] = ['created', 'updated', 'unchanged']

export function sortedResults(results: SecretResult[]): SecretResult[] {
  return [...results].sort((a, b) => compareNames(a.secretName, b.secretName))
}

function namesIn(results: SecretResult[], states: SecretState[]): string[] {
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
    updated: list(['updated']),
    unchanged: list(['unchanged']),
    deleted: list(['deleted']),
    skipped: list(['skipped']),
    failed: list(['failed']),
    // In a dry run this says whether anything would change, like the lists above it.
    changed: String(counts.created + counts.updated + counts.deleted > 0),
    secret_names: JSON.stringify(
      namesIn(
        report.results.filter(result => result.githubName),
        STATES
      )
    ),
    env_secrets: envSecretsYaml(report.results),
    restarted_deployments: JSON.stringify(
      (report.restart?.results ?? [])
        .filter(restart => restart.restarted)
        .map(restart => restart.name)
        .sort(compareNames)
    ),
    // For `helm --set-json 'deployments[0].envSecrets=...'`.
    env_secrets_json: JSON.stringify(namesIn(report.results, IN_SYNC).map(name => ({ name })))
  }
}

/** The message for core.setFailed, or undefined when every secret made it. */
export function failureMessage(report: SyncReport): string | undefined {
  const failed = sortedResults(report.results).filter(result => result.state === 'failed')
  const failedRestarts = (report.restart?.results ?? []).filter(restart => !restart.restarted)
  if (failed.length === 0 && failedRestarts.length === 0) return undefined
  const lines: string[] = []
  if (failed.length > 0) {
    lines.push(
      `${failed.length} of ${report.results.length} Secrets could not be synced to namespace ${report.namespace}; the others are listed in the job summary.`,
      ...failed.map(result => `- ${result.secretName}${from(result)}: ${result.detail ?? 'failed'}`)
    )
  }
  if (failedRestarts.length > 0) {
    lines.push(
      `The Secrets were synced, but ${failedRestarts.length} Deployment restart(s) failed, so those pods still run with the old values:`,
      ...failedRestarts.map(restart => `- ${restart.name}: ${restart.detail ?? 'failed'}`)
    )
  }
  const details = [...failed, ...failedRestarts].map(item => item.detail ?? '')
  return [...lines, ...advice(details, report.namespace)].join('\n')
}

/** What to do about the failures the API server reports most, once each. */
export function advice(details: string[], namespace: string): string[] {
  const tips = new Set<string>()
  for (const detail of details) {
    if (detail.startsWith('401 ')) {
      tips.add(
        'Check the credentials: the kubeconfig user, or for GKE the Google identity (it needs roles/container.clusterViewer on the project to reach the cluster).'
      )
    }
    if (detail.startsWith('403 ') && detail.includes('deployments.apps')) {
      tips.add(
        `The identity may not restart Deployments: grant it verbs get, list, patch on resource deployments (API group apps) in namespace ${namespace}, or leave \`restart_deployments\` empty.`
      )
    } else if (detail.startsWith('403 ')) {
      // The API server names the identity: `User "secrets-sync@p.iam.gserviceaccount.com" cannot ...`.
      const user = /User "([^"]+)"/.exec(detail)?.[1] ?? '<the identity>'
      tips.add(
        [
          `The identity lacks RBAC on Secrets: bind it a Role with verbs get, list, create, update, delete on resource secrets in namespace ${namespace} (README: "Least-privilege RBAC"), e.g.`,
          `  kubectl create role gke-secrets-sync -n ${namespace} --verb=get,list,create,update,delete --resource=secrets`,
          `  kubectl create rolebinding gke-secrets-sync -n ${namespace} --role=gke-secrets-sync --user=${user}`
        ].join('\n')
      )
    }
    if (detail.includes(`the API server ${NO_ANSWER}`)) tips.add(NO_ANSWER_ADVICE)
    if (detail.includes(`namespaces "${namespace}" not found`)) {
      tips.add(`Namespace ${namespace} does not exist: create it, or fix the \`namespace\` input.`)
    }
  }
  return [...tips]
}

export function renderSummary(report: SyncReport): string {
  const results = sortedResults(report.results)
  const counts = countByState(results)
  const out: string[] = [`## gke-secrets-sync`, '']
  if (report.dryRun) {
    out.push(
      '> [!NOTE]',
      '> **Dry run.** The API server checked every write (`dryRun=All`) and stored nothing. The results below say what a real run would do.',
      ''
    )
  }
  out.push(
    `Sync of the GitHub secrets starting with \`${report.prefix}_\` to namespace \`${report.namespace}\` on \`${report.server}\`${report.origin ? ` (${report.origin})` : ''}.`,
    '',
    STATES.map(state => `**${counts[state]}** ${state}`).join(' · '),
    ''
  )
  if (results.length > 0) {
    out.push('| GitHub secret | Kubernetes Secret | Result | Detail |', '| --- | --- | --- | --- |')
    for (const result of results) {
      const github = result.githubName ? `\`${result.githubName}\`` : '—'
      out.push(`| ${github} | \`${result.secretName}\` | ${result.state} | ${cell(result.detail ?? '')} |`)
    }
    out.push('')
  } else {
    out.push(
      `No input secret starts with \`${report.prefix}_\`. In a reusable workflow the caller must pass \`secrets: inherit\`; environment secrets need the job's \`environment\`.`,
      ''
    )
  }
  out.push(`${report.ignoredCount} input secrets without the prefix were ignored.`, '')
  const orphans = report.orphans ?? []
  if (orphans.length > 0) {
    out.push(
      `${orphans.length} Secrets made by this action for \`${report.prefix}_\` have no GitHub secret any more and were left in place (set \`prune: true\` to delete them): ${orphans.map(name => `\`${name}\``).join(', ')}.`,
      ''
    )
  }
  out.push(...restartSection(report))
  const inSync = namesIn(results, IN_SYNC)
  if (inSync.length > 0) {
    out.push(
      'Reference the Secrets from the Dagster Helm values (`deployments[].envSecrets`):',
      '',
      '```yaml',
      stringify({ envSecrets: inSync.map(name => ({ name })) }).trimEnd(),
      '```',
      ''
    )
  }
  return out.join('\n')
}

function restartSection(report: SyncReport): string[] {
  if (!report.restart) return []
  const { target, results } = report.restart
  const asked =
    target.kind === 'names'
      ? target.names.map(name => `\`${name}\``).join(', ')
      : `matching \`${target.selector}\``
  if (!results) return [`No Secret changed, so no Deployment was restarted (${asked}).`, '']
  const verb = report.dryRun ? 'would be restarted' : 'restarted'
  return [
    `Deployments ${asked}, so that running pods read the new values:`,
    '',
    ...results.map(
      restart =>
        `- \`${restart.name}\`: ${restart.restarted ? verb : `not restarted: ${cell(restart.detail ?? '')}`}`
    ),
    ''
  ]
}

function from(result: SecretResult): string {
  return result.githubName ? ` (${result.githubName})` : ''
}

/** A table cell: no pipes or line breaks from a server message may break the table. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replace(/\s*\n\s*/g, ' ')
}
