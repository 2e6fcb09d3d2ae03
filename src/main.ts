// run(): read inputs -> connect -> sync -> prune -> restart -> report. One outer catch turns any error into one
// setFailed line prefixed with the action's name.
import * as core from '@actions/core'
import { context } from '@actions/github'
import { connectWithKubeconfig, withProxy, type ClusterConnection } from './cluster-connection.js'
import { connectToGke } from './gke-cluster.js'
import { signInToGoogle } from './google-credentials.js'
import { readInputs, type ClusterSource, type Settings } from './inputs.js'
import { restartDeployments, restartNeeded } from './deployment-restarts.js'
import { KubeApiError } from './kube-errors.js'
import { SharedConnections, type RequestPolicy } from './kube-requests.js'
import { Ownership } from './ownership.js'
import { pruneBlocker, pruneRefusal, toDesiredSecret } from './plan.js'
import { referencesLogLine, referenceWarnings } from './references-report.js'
import { advice, failureMessage, renderSummary, sortedResults, toOutputs, type SyncReport } from './report.js'
import { runWarnings } from './run-warnings.js'
import { SecretsClient } from './secrets-client.js'
import { selectSecrets, type Selection } from './selection.js'
import { pruneSecrets, syncSecrets, SyncStopped, type SecretResult } from './sync.js'
import { checkReferences, holdBackReferenced, type WorkloadInventory } from './workload-references.js'
import { WorkloadsClient } from './workloads-client.js'

export async function run(): Promise<void> {
  const started = performance.now()
  try {
    const settings = readInputs()
    const selection = selectSecrets(settings.secrets, settings.prefix)
    const refusal = settings.prune
      ? pruneRefusal(settings.prefix, selection.selected.length + selection.rejected.length)
      : undefined
    if (refusal) throw new Error(refusal)

    // The budget starts before sign-in, so a slow sign-in leaves less time for the sync (Google requests also
    // time out on their own).
    const deadline = AbortSignal.timeout(settings.timeoutSeconds * 1000)
    const connection = withProxy(await connect(settings.cluster), settings.proxies)
    core.info(`Syncing to namespace ${settings.namespace} through ${connection.description}`)
    if (settings.dryRun) core.info('Dry run: the API server checks every write and stores nothing.')

    const requestPolicy: RequestPolicy = {
      connections: new SharedConnections(),
      requestTimeoutMs: Math.min(30_000, settings.timeoutSeconds * 1000),
      deadline,
      retry: { retries: 5, minDelayMs: 250, maxDelayMs: 10_000 }
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
}

/** Each way of reaching a cluster ends in the same in-memory connection. */
async function connect(source: ClusterSource): Promise<ClusterConnection> {
  if (source.kind === 'kubeconfig') return connectWithKubeconfig(source.files)
  const credentials = await signInToGoogle(source.signIn, source.endpoints)
  return connectToGke(source.target, credentials, source.endpoints)
}

interface NamespaceOutcome {
  /** One per selected GitHub secret, plus one per pruned (or prunable but held back) Secret. */
  results: SecretResult[]
  /** Secrets of this action with no GitHub secret any more, left in place because prune is off. */
  orphans: string[]
  /** Ownerless Secrets of the prefix that this run does not want (listed only when pruning). */
  unclaimed: string[]
  /** The LIST failed: nothing was written, and every secret is reported as failed with this reason. */
  listFailure?: KubeApiError
  /** With check_references: the workloads and Secret names, read after the sync and before pruning. */
  inventory?: WorkloadInventory
  /** An unexpected error stopped the run; every result is in, and no write is still running. */
  stopped?: SyncStopped
}

async function syncNamespace(
  client: SecretsClient,
  settings: Settings,
  ownership: Ownership,
  selection: Selection,
  workloads?: WorkloadsClient
): Promise<NamespaceOutcome> {
  const desired = selection.selected.map(secret => toDesiredSecret(secret, ownership, settings))
  const rejected: SecretResult[] = selection.rejected.map(({ githubName, secretName, reason }) => ({
    githubName,
    secretName,
    state: 'failed',
    detail: reason
  }))
  let synced
  try {
    synced = await syncSecrets(client, desired, { ...settings, ownership, findUnclaimed: settings.prune })
  } catch (error) {
    if (error instanceof SyncStopped)
      return { results: [...error.results, ...rejected], orphans: [], unclaimed: [], stopped: error }
    if (!(error instanceof KubeApiError)) throw error
    const notSynced = desired.map(({ githubName, secretName }): SecretResult => ({
      githubName,
      secretName,
      state: 'failed',
      detail: `not synced: listing Secrets failed (${error.message})`
    }))
    return { results: [...notSynced, ...rejected], orphans: [], unclaimed: [], listFailure: error }
  }

  const results = [...synced.results, ...rejected]
  const orphanNames = synced.orphans.map(secret => secret.metadata?.name as string)
  const { unclaimed } = synced
  const inventory = await workloads?.inventory()
  if (!settings.prune) return { results, orphans: orphanNames, unclaimed, inventory }
  const blocker = pruneBlocker(results.filter(result => result.state === 'failed').length)
  if (blocker) {
    const held = orphanNames.map((secretName): SecretResult => ({
      secretName,
      state: 'skipped',
      detail: blocker
    }))
    return { results: [...results, ...held], orphans: [], unclaimed, inventory }
  }
  // A Secret a workload still references stays: deleting it would stop that workload's pods from starting.
  const { prunable, heldBack } = inventory
    ? holdBackReferenced(orphanNames, inventory)
    : { prunable: new Set(orphanNames), heldBack: [] }
  const toPrune = synced.orphans.filter(secret => prunable.has(secret.metadata?.name as string))
  try {
    const pruned = await pruneSecrets(client, toPrune, { ...settings, ownership })
    return { results: [...results, ...heldBack, ...pruned], orphans: [], unclaimed, inventory }
  } catch (error) {
    if (!(error instanceof SyncStopped)) throw error
    return {
      results: [...results, ...heldBack, ...error.results],
      orphans: [],
      unclaimed,
      inventory,
      stopped: error
    }
  }
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
