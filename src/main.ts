// run(): read inputs -> connect -> sync -> prune -> restart -> report. One outer catch turns any error into a job
// summary of the failure (unless the report's is out) and one setFailed line prefixed with the action's name.
// The folders below it, in the order they may import each other:
// github/ (inputs, outputs, summary), google/ (sign-in, cluster lookup), kube/ (transport and clients), and the
// core in sync/ that decides what to write (CONTRIBUTING.md, "The layout"). Everything said to the runner goes
// through github/runner-output.ts, which masks and neutralises it.
import { readInputs, type ClusterSource } from './github/inputs.js'
import { failOnReport, origin, publish, publishFailure } from './github/publish.js'
import type { SyncReport } from './github/report.js'
import { refusePruneWithoutSecrets, startProgress } from './github/run-failure.js'
import * as runner from './github/runner-output.js'
import { signInToGoogle } from './google/credentials.js'
import { connectToGke } from './google/gke-cluster.js'
import { connectWithKubeconfig, withProxy, type ClusterConnection } from './kube/cluster-connection.js'
import { RunEvents } from './kube/events-client.js'
import { runRequestPolicy } from './kube/requests.js'
import { SecretsClient } from './kube/secrets-client.js'
import { restartWorkloads } from './kube/workload-restarts.js'
import { WorkloadsClient } from './kube/workloads-client.js'
import { syncNamespace } from './sync/namespace-sync.js'
import { Ownership } from './sync/ownership.js'
import { selectSecrets } from './sync/selection.js'
import { checkReferences } from './sync/workload-references.js'

export async function run(): Promise<void> {
  const progress = startProgress()
  let deadline: AbortSignal | undefined
  try {
    const settings = readInputs()
    Object.assign(progress, { namespace: settings.namespace, prefix: settings.prefix, stage: 'connecting' })
    const selection = selectSecrets(settings.secrets, settings.prefix)
    refusePruneWithoutSecrets(settings.prune, settings.prefix, selection)

    // The budget covers the whole run: sign-in, the cluster lookup and every Kubernetes request end with it.
    deadline = AbortSignal.timeout(settings.timeoutSeconds * 1000)
    const connection = withProxy(await connect(settings.cluster, deadline), settings.proxies)
    progress.stage = 'syncing'
    runner.info(`Syncing to namespace ${settings.namespace} through ${connection.description}`)
    if (settings.dryRun) runner.info('Dry run: the API server checks every write and stores nothing.')

    const requestPolicy = runRequestPolicy(settings.timeoutSeconds, deadline, connection)
    const client = new SecretsClient(connection.kubeConfig, { ...requestPolicy, ...settings })
    const ownership = new Ownership(settings.prefix, settings.owner, settings.ownerId)
    const workloads =
      settings.checkReferences || settings.restartReferencing
        ? new WorkloadsClient(connection.kubeConfig, { ...requestPolicy, namespace: settings.namespace })
        : undefined
    const outcome = await syncNamespace(client, settings, ownership, selection, workloads)
    const { results, orphans, unclaimed, listFailure, inventory, stopped } = outcome
    const events = new RunEvents(connection.kubeConfig, { ...requestPolicy, ...settings })
    await events.recordSecrets(results)
    const restarts =
      listFailure || stopped
        ? undefined
        : await restartWorkloads(connection.kubeConfig, settings, { results, inventory }, requestPolicy)
    await events.recordRestarts(restarts?.restarts ?? [])

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
      ...(restarts && { restarts }),
      ignoredCount: selection.ignoredCount,
      origin: origin(),
      durationMs: performance.now() - progress.started,
      ...(listFailure && { runFailure: listFailure.message }),
      events: events.outcome,
      ...(inventory &&
        settings.checkReferences && {
          references: checkReferences(inventory, results, settings.prefix, settings.dryRun)
        })
    }
    await publish(report)
    progress.summaryWritten = true

    if (stopped) throw new Error(`the sync stopped after an unexpected error: ${stopped.message}`)
    failOnReport(report)
  } catch (error) {
    await publishFailure(error, progress)
  }
  // Past the budget, a request nothing can cancel may still hold the process open (google-auth-library's STS
  // exchange has its own HTTP client, with neither timeout nor signal), and the step would run on after it
  // failed. Everything has been reported by now; exitCode is already set.
  if (deadline?.aborted) process.exit()
}

/** Each way of reaching a cluster ends in the same in-memory connection. */
async function connect(source: ClusterSource, deadline: AbortSignal): Promise<ClusterConnection> {
  if (source.kind === 'kubeconfig') return connectWithKubeconfig(source.files)
  const credentials = await signInToGoogle(source.signIn, source.endpoints, deadline, runner.maskSecret)
  return connectToGke(source.target, credentials, source.endpoints)
}
