// run(): read inputs -> connect -> sync -> prune -> restart -> report. One outer catch turns any error into one
// setFailed line prefixed with the action's name.
import * as core from '@actions/core'
import { context } from '@actions/github'
import { connectWithKubeconfig, type ClusterConnection } from './cluster-connection.js'
import { connectToGke } from './gke-cluster.js'
import { signInToGoogle } from './google-credentials.js'
import { readInputs, type ClusterSource, type Settings } from './inputs.js'
import { restartDeployments, restartNeeded } from './deployment-restarts.js'
import { KubeApiError } from './kube-errors.js'
import { SharedConnections, type RequestPolicy } from './kube-requests.js'
import { pruneBlocker, pruneRefusal, toDesiredSecret } from './plan.js'
import { advice, failureMessage, renderSummary, sortedResults, toOutputs, type SyncReport } from './report.js'
import { SecretsClient } from './secrets-client.js'
import { selectSecrets, type Selection } from './selection.js'
import { pruneSecrets, syncSecrets, type SecretResult } from './sync.js'

export async function run(): Promise<void> {
  let deadline: AbortSignal | undefined
  try {
    const settings = readInputs()
    const selection = selectSecrets(settings.secrets, settings.prefix)
    const refusal = settings.prune
      ? pruneRefusal(settings.prefix, selection.selected.length + selection.rejected.length)
      : undefined
    if (refusal) throw new Error(refusal)

    // The budget covers the whole run: sign-in, the cluster lookup and every Kubernetes request end with it.
    deadline = AbortSignal.timeout(settings.timeoutSeconds * 1000)
    const connection = await connect(settings.cluster, deadline)
    core.info(`Syncing to namespace ${settings.namespace} through ${connection.description}`)
    if (settings.dryRun) core.info('Dry run: the API server checks every write and stores nothing.')

    const requestPolicy: RequestPolicy = {
      connections: new SharedConnections(),
      requestTimeoutMs: Math.min(30_000, settings.timeoutSeconds * 1000),
      deadline,
      retry: { retries: 5, minDelayMs: 250, maxDelayMs: 10_000 },
      ...(connection.renewCredentials && { renewCredentials: connection.renewCredentials })
    }
    const client = new SecretsClient(connection.kubeConfig, { ...requestPolicy, ...settings })
    const { results, orphans, listFailure } = await syncNamespace(client, settings, selection)
    const restarts =
      settings.restart && !listFailure && restartNeeded(results)
        ? await restartDeployments(connection.kubeConfig, settings.restart, { ...requestPolicy, ...settings })
        : undefined

    const report: SyncReport = {
      server: connection.server,
      namespace: settings.namespace,
      prefix: settings.prefix.toUpperCase(),
      dryRun: settings.dryRun,
      results,
      orphans,
      restart: settings.restart && { target: settings.restart, results: restarts },
      ignoredCount: selection.ignoredCount,
      origin: origin()
    }
    await publish(report)

    if (listFailure) {
      throw new Error(
        [
          `Kubernetes API: could not list Secrets in namespace ${settings.namespace}: ${listFailure.message}`,
          ...advice([listFailure.message], settings.namespace)
        ].join('\n')
      )
    }
    const failure = failureMessage(report)
    if (failure) core.setFailed(`gke-secrets-sync: ${failure}`)
  } catch (error) {
    core.setFailed(`gke-secrets-sync: ${error instanceof Error ? error.message : String(error)}`)
  }
  // Past the budget, a request nothing can cancel may still hold the process open (google-auth-library's STS
  // exchange has its own HTTP client, with neither timeout nor signal), and the step would run on after it
  // failed. Everything has been reported by now; exitCode is already set.
  if (deadline?.aborted) process.exit()
}

/** Each way of reaching a cluster ends in the same in-memory connection. */
async function connect(source: ClusterSource, deadline: AbortSignal): Promise<ClusterConnection> {
  if (source.kind === 'kubeconfig') return connectWithKubeconfig(source.path)
  const credentials = await signInToGoogle(source.signIn, source.endpoints, deadline)
  return connectToGke(source.target, credentials, source.endpoints)
}

interface NamespaceOutcome {
  /** One per selected GitHub secret, plus one per pruned (or prunable but held back) Secret. */
  results: SecretResult[]
  /** Secrets of this action with no GitHub secret any more, left in place because prune is off. */
  orphans: string[]
  /** The LIST failed: nothing was written, and every secret is reported as failed with this reason. */
  listFailure?: KubeApiError
}

async function syncNamespace(
  client: SecretsClient,
  settings: Settings,
  selection: Selection
): Promise<NamespaceOutcome> {
  const desired = selection.selected.map(secret => toDesiredSecret(secret, settings.prefix, settings))
  const rejected: SecretResult[] = selection.rejected.map(({ githubName, secretName, reason }) => ({
    githubName,
    secretName,
    state: 'failed',
    detail: reason
  }))
  let synced
  try {
    synced = await syncSecrets(client, desired, settings)
  } catch (error) {
    if (!(error instanceof KubeApiError)) throw error
    const notSynced = desired.map(({ githubName, secretName }): SecretResult => ({
      githubName,
      secretName,
      state: 'failed',
      detail: `not synced: listing Secrets failed (${error.message})`
    }))
    return { results: [...notSynced, ...rejected], orphans: [], listFailure: error }
  }

  const results = [...synced.results, ...rejected]
  const orphanNames = synced.orphans.map(secret => secret.metadata?.name as string)
  if (!settings.prune) return { results, orphans: orphanNames }
  const blocker = pruneBlocker(results.filter(result => result.state === 'failed').length)
  const pruned = blocker
    ? orphanNames.map((secretName): SecretResult => ({ secretName, state: 'skipped', detail: blocker }))
    : await pruneSecrets(client, synced.orphans, settings)
  return { results: [...results, ...pruned], orphans: [] }
}

async function publish(report: SyncReport): Promise<void> {
  for (const result of sortedResults(report.results)) {
    const line = `${result.state}: ${result.secretName}${result.detail ? ` (${result.detail})` : ''}`
    if (result.state === 'failed') core.error(line)
    else if (result.state === 'skipped') core.warning(line)
    else core.info(line)
  }
  for (const [name, value] of Object.entries(toOutputs(report))) core.setOutput(name, value)
  // Outside a runner there is no summary file; the log lines above already said everything.
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(renderSummary(report)).write()
}

/** A link to the workflow run, when running on GitHub (context.repo throws without GITHUB_REPOSITORY). */
function origin(): string | undefined {
  if (!process.env.GITHUB_REPOSITORY || !context.runId) return undefined
  const { owner, repo } = context.repo
  return `[${owner}/${repo} run ${context.runId}](${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId})`
}
