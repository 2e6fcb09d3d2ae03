// run(): read inputs -> connect -> sync -> prune -> restart -> report. One outer catch turns any error into one
// setFailed line prefixed with the action's name.
import * as core from '@actions/core'
import { context } from '@actions/github'
import { connectWithKubeconfig, withProxy, type ClusterConnection } from './cluster-connection.js'
import { connectToGke } from './gke-cluster.js'
import { signInToGoogle } from './google-credentials.js'
import { readInputs, type ClusterSource } from './inputs.js'
import { restartDeployments, restartNeeded } from './deployment-restarts.js'
import { SharedConnections, type RequestPolicy } from './kube-requests.js'
import { syncNamespace } from './namespace-sync.js'
import { Ownership } from './ownership.js'
import { pruneRefusal } from './plan.js'
import { referencesLogLine, referenceWarnings } from './references-report.js'
import { advice, failureMessage, renderSummary, sortedResults, toOutputs, type SyncReport } from './report.js'
import { runWarnings } from './run-warnings.js'
import { SecretsClient } from './secrets-client.js'
import { selectSecrets } from './selection.js'
import { checkReferences } from './workload-references.js'
import { WorkloadsClient } from './workloads-client.js'

export async function run(): Promise<void> {
  const started = performance.now()
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
    const connection = withProxy(await connect(settings.cluster, deadline), settings.proxies)
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
    const ownership = new Ownership(settings.prefix, settings.owner)
    const workloads = settings.checkReferences
      ? new WorkloadsClient(connection.kubeConfig, { ...requestPolicy, namespace: settings.namespace })
      : undefined
    const { results, orphans, unclaimed, listFailure, inventory, stopped } = await syncNamespace(
      client,
      settings,
      ownership,
      selection,
      workloads
    )
    const restarts =
      settings.restart && !listFailure && !stopped && restartNeeded(results)
        ? await restartDeployments(connection.kubeConfig, settings.restart, { ...requestPolicy, ...settings })
        : undefined

    const report: SyncReport = {
      server: connection.server,
      target: connection.target,
      namespace: settings.namespace,
      prefix: ownership.prefix,
      owner: ownership.owner,
      dryRun: settings.dryRun,
      results,
      orphans,
      unclaimed,
      restart: settings.restart && { target: settings.restart, results: restarts },
      ignoredCount: selection.ignoredCount,
      origin: origin(),
      durationMs: performance.now() - started,
      ...(inventory && { references: checkReferences(inventory, results, settings.prefix, settings.dryRun) })
    }
    await publish(report)

    if (stopped) throw new Error(`the sync stopped after an unexpected error: ${stopped.message}`)
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
  if (source.kind === 'kubeconfig') return connectWithKubeconfig(source.files)
  const credentials = await signInToGoogle(source.signIn, source.endpoints, deadline)
  return connectToGke(source.target, credentials, source.endpoints)
}

async function publish(report: SyncReport): Promise<void> {
  for (const result of sortedResults(report.results)) {
    const line = `${result.state}: ${result.secretName}${result.detail ? ` (${result.detail})` : ''}`
    if (result.state === 'failed') core.error(line)
    else if (result.state === 'skipped') core.warning(line)
    else core.info(line)
  }
  if (report.references) core.info(referencesLogLine(report.references))
  for (const { title, message } of referenceWarnings(report.references)) core.warning(message, { title })
  for (const warning of runWarnings(report)) core.warning(warning)
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
