// The namespace made to hold the selected secrets: the sync, then (when asked) the workload inventory and the
// prune with its guards (a clean sync, no workload still using it, max_deletions). Every selected secret, and
// every Secret pruned or held back, ends in one result; a failed LIST or an unexpected error is returned beside
// the results, for run() to report before it fails.
import { deletionLimitRefusal, type MaxDeletions } from './deletion-limit.js'
import { KubeApiError } from './kube-api-error.js'
import type { Ownership } from './ownership.js'
import { pruneBlocker, toDesiredSecret, type ExtraMetadata } from './plan.js'
import type { SecretsStore } from './secrets-store.js'
import type { Selection } from './selection.js'
import { pruneSecrets, syncSecrets, SyncStopped, type SecretResult, type SyncOptions } from './sync.js'
import { holdBackReferenced, type WorkloadInventory } from './workload-references.js'

/** What the namespace's sync needs of the run's settings. */
export interface NamespaceSyncSettings
  extends ExtraMetadata, Pick<SyncOptions, 'onConflict' | 'concurrency' | 'onDrift' | 'provenance'> {
  prune: boolean
  maxDeletions: MaxDeletions
}

/** Reads the namespace's workloads, for check_references and prune's hold-back (kube/workloads-client.ts). */
export interface WorkloadInventorySource {
  inventory(): Promise<WorkloadInventory>
}

export interface NamespaceOutcome {
  /** One per selected GitHub secret, plus one per pruned (or prunable but held back) Secret. */
  results: SecretResult[]
  /** Secrets of this action with no GitHub secret any more, left in place because prune is off. */
  orphans: string[]
  /** Ownerless Secrets of the prefix that this run does not want (listed only when pruning). */
  unclaimed: string[]
  /** The LIST failed: nothing was written, and every secret is reported as failed, for this one reason. */
  listFailure?: KubeApiError
  /** With check_references: the workloads and Secret names, read after the sync and before pruning. */
  inventory?: WorkloadInventory
  /** An unexpected error stopped the run; every result is in, and no write is still running. */
  stopped?: SyncStopped
}

export async function syncNamespace(
  client: SecretsStore,
  settings: NamespaceSyncSettings,
  ownership: Ownership,
  selection: Selection,
  workloads?: WorkloadInventorySource
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
    // The cause is the run's, not each Secret's: the report says it once, above the rows.
    const notSynced = desired.map(({ githubName, secretName }): SecretResult => ({
      githubName,
      secretName,
      state: 'failed'
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
  // Checked before the first delete, and in a dry run too, which then says what a real run would refuse.
  const refusal = deletionLimitRefusal(toPrune.length, synced.ownedCount, settings.maxDeletions)
  if (refusal) {
    const refused = toPrune.map((secret): SecretResult => ({
      secretName: secret.metadata?.name as string,
      state: 'failed',
      detail: refusal
    }))
    return { results: [...results, ...heldBack, ...refused], orphans: [], unclaimed, inventory }
  }
  try {
    const pruned = await pruneSecrets(client, toPrune, { ...settings, ownership })
    return { results: [...results, ...heldBack, ...pruned], orphans: [], unclaimed, inventory }
  } catch (error) {
    // pruneSecrets throws only SyncStopped (runAll turns each task's error into one): this narrows the type, and its
    // `false` mutant survives as an equivalent one. Not marked: a mark would hide the `true` one, which tests kill.
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
