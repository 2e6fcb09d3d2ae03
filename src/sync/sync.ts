// Makes the namespace hold the desired Secrets: one LIST of this owner's Secrets for the prefix, then a write
// only for what is new or different, with bounded concurrency. Every desired Secret ends in exactly one state.
import type { V1Secret } from '@kubernetes/client-node'
import pLimit from 'p-limit'
import { detectDrift, type Drift, type OnDrift } from './drift.js'
import { KubeApiError } from './kube-api-error.js'
import type { Ownership } from './ownership.js'
import { planSecret, type DesiredSecret, type OnConflict, type Takeover } from './plan.js'
import { provenanceAnnotations, type RunProvenance } from './provenance.js'
import type { SecretsStore } from './secrets-store.js'

/**
 * `updated`: the value changed. `metadata-updated`: only labels or annotations were written (a claim, an
 * adoption of the same value, a new `labels` input, kubectl's last-applied annotation dropped); no pod can see
 * that, so it is not a change for `changed` or for restarts.
 */
export type SecretState =
  'created' | 'updated' | 'metadata-updated' | 'unchanged' | 'skipped' | 'failed' | 'deleted'

/** The states of a write that changed what pods read: a new value, or a Secret gone. */
export const VALUE_CHANGES: readonly SecretState[] = ['created', 'updated', 'deleted']

/** The states in which the Secret holds its GitHub secret's current value after the run. */
export const IN_SYNC: readonly SecretState[] = ['created', 'updated', 'metadata-updated', 'unchanged']

export interface SecretResult {
  /** Absent for Secrets that have no GitHub secret any more (pruned ones). */
  githubName?: string
  secretName: string
  state: SecretState
  /** Why it was skipped or failed, or a note on a success (e.g. adopted). Never holds a value. */
  detail?: string
  /** Created or updated: the data keys whose value this run set, changed or removed (names only), sorted. */
  changedKeys?: string[]
  /** What this run wrote (or, in a dry run, would have): for the Events of the run (events.ts). */
  written?: WrittenSecret
  /** Someone other than this action had changed the value in the cluster (drift.ts); restored or left failed. */
  drift?: Drift
}

/** A write of this run, as the API server answered it. */
export interface WrittenSecret {
  /** From the write's answer (for a deletion, the version deleted); absent in a dry run's answer. */
  uid?: string
  resourceVersion?: string
  /** When it was written, as `Date.toISOString()`. */
  at: string
  /** The data changed: a create, a deletion, or an update of the value (false: labels or annotations only). */
  valueChanged: boolean
  takeover?: Takeover['kind']
}

export interface SyncOptions {
  ownership: Ownership
  onConflict: OnConflict
  concurrency: number
  /** Also list the ownerless Secrets of the prefix (see syncSecrets). */
  findUnclaimed: boolean
  /** A Secret whose value someone changed in the cluster: write GitHub's back (default), or leave it, failed. */
  onDrift?: OnDrift
  /** The run recorded on every change of value or owner (provenance.ts); none when absent. */
  provenance?: RunProvenance
  /** The clock of the writes (tests set it). */
  now?: () => Date
}

export interface SyncOutcome {
  results: SecretResult[]
  /** Secrets this action made for the prefix and owner that no selected GitHub secret maps to any more. */
  orphans: V1Secret[]
  /** Names of ownerless Secrets of the prefix that this run does not want: never pruned, left in place. */
  unclaimed: string[]
  /** How many Secrets of this owner and prefix the LIST found: what `max_deletions` takes a share of. */
  ownedCount: number
}

/** Someone else keeps changing the Secret between our read and our write; give up after this many tries. */
const MAX_ATTEMPTS = 4

export async function syncSecrets(
  client: SecretsStore,
  desired: DesiredSecret[],
  options: SyncOptions
): Promise<SyncOutcome> {
  const { ownership } = options
  // Secrets written before owners were recorded carry no owner label, so the owner's LIST misses them. A run
  // that wants one finds it anyway (its create answers AlreadyExists, and it is read and claimed). They are
  // listed only when pruning: then the summary must say which Secrets prune leaves because they have no owner
  // yet, and a run without prune keeps its steady state at one request.
  const [owned, unclaimed] = await Promise.all([
    client.list(ownership.selector),
    options.findUnclaimed ? client.list(ownership.unclaimedSelector) : []
  ])
  const liveByName = new Map(
    [...unclaimed, ...owned].map(secret => [secret.metadata?.name as string, secret])
  )
  const results = await runAll(
    desired,
    options.concurrency,
    secret => syncOne(client, secret, liveByName.get(secret.secretName), options),
    (secret, detail) => ({
      githubName: secret.githubName,
      secretName: secret.secretName,
      state: 'failed',
      detail
    })
  )
  const wanted = new Set(desired.map(secret => secret.secretName))
  const unwanted = (secrets: V1Secret[]): V1Secret[] =>
    secrets.filter(secret => !wanted.has(secret.metadata?.name as string))
  // The selector matched the owner label; isOurs also compares the owner annotation (name and id).
  const ours = owned.filter(secret => ownership.isOurs(secret))
  return {
    results,
    orphans: unwanted(ours),
    // A Secret without the owner label whose annotation names another owner is that owner's, not ownerless.
    unclaimed: unwanted(unclaimed)
      .filter(secret => ownership.relationTo(secret) === 'unclaimed')
      .map(secret => secret.metadata?.name as string),
    ownedCount: ours.length
  }
}

/**
 * Plan, write, and when the cluster turns out to differ from what was planned on (the Secret exists
 * after all, or changed since it was read), read it again and plan again.
 */
async function syncOne(
  client: SecretsStore,
  desired: DesiredSecret,
  listed: V1Secret | undefined,
  options: SyncOptions
): Promise<SecretResult> {
  const result = (state: SecretState, detail?: string, changedKeys?: string[]): SecretResult => ({
    githubName: desired.githubName,
    secretName: desired.secretName,
    state,
    ...(detail && { detail }),
    ...(changedKeys && { changedKeys })
  })
  const now = options.now ?? (() => new Date())
  let live = listed
  // A write whose answer was lost (reset, timeout) may have landed before its retry was refused with
  // AlreadyExists or Conflict; if the Secret then matches, that write was ours and is reported as such.
  let landedUnseen: SecretResult | undefined
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const at = now()
      const stamp = options.provenance && provenanceAnnotations(options.provenance, at)
      const step = planSecret(
        { ...desired, ...(stamp && { stamp }) },
        live,
        options.ownership,
        options.onConflict
      )
      switch (step.action) {
        case 'unchanged':
          return landedUnseen ? withAnswer(landedUnseen, live) : result('unchanged')
        case 'skip':
          return result('skipped', step.reason)
        case 'fail':
          return result('failed', step.reason)
        case 'create': {
          const created: SecretResult = {
            ...result('created', undefined, Object.keys(desired.data).sort()),
            written: { at: at.toISOString(), valueChanged: true }
          }
          try {
            return withAnswer(created, await client.create(step.body))
          } catch (error) {
            if (!isReason(error, 409, 'AlreadyExists')) throw error
            if (isRetry(error)) landedUnseen = created
            live = await client.get(desired.secretName)
          }
          break
        }
        case 'update': {
          // An adopted Secret was someone else's until now: its value is theirs to have set, not drift.
          const drift =
            step.takeover?.kind === 'adopted' ? undefined : detectDrift(live as V1Secret, desired.data)
          if (drift && options.onDrift === 'fail') {
            return { ...result('failed', driftLeftDetail(drift)), drift }
          }
          const detail = [
            step.takeover && takeoverDetail(step.takeover, options.ownership),
            drift && driftRestoredDetail(drift)
          ].filter(Boolean)
          const valueChanged = step.changedKeys.length > 0
          const updated: SecretResult = {
            ...(valueChanged
              ? result('updated', detail.join('; '), step.changedKeys)
              : result('metadata-updated', detail.join('; '))),
            written: {
              at: at.toISOString(),
              valueChanged,
              ...(step.takeover && { takeover: step.takeover.kind })
            },
            ...(drift && { drift })
          }
          try {
            return withAnswer(updated, await client.replace(step.body))
          } catch (error) {
            if (isReason(error, 404)) live = undefined
            // A PUT's 409 is always Conflict: the resourceVersion or uid it was conditional on is gone.
            else if (isReason(error, 409)) {
              if (isRetry(error)) landedUnseen = updated
              live = await client.get(desired.secretName)
            } else throw error
          }
          break
        }
      }
    }
    return result(
      'failed',
      `it kept changing while this action wrote it (${MAX_ATTEMPTS} attempts); run again`
    )
  } catch (error) {
    if (error instanceof KubeApiError) return result('failed', error.message)
    throw error
  }
}

/** The result with the uid and resourceVersion the write answered (or the Secret read after it landed unseen). */
function withAnswer(result: SecretResult, answer: V1Secret | undefined): SecretResult {
  if (!result.written) return result
  const { uid, resourceVersion } = answer?.metadata ?? {}
  return {
    ...result,
    written: { ...result.written, ...(uid && { uid }), ...(resourceVersion && { resourceVersion }) }
  }
}

function driftWords(drift: Drift): string {
  return `its value had been changed in the cluster by ${drift.manager} (${drift.operation}${drift.time ? ` at ${drift.time}` : ''})`
}

function driftRestoredDetail(drift: Drift): string {
  return `drift: ${driftWords(drift)}; GitHub's value was written back (on_drift: restore)`
}

function driftLeftDetail(drift: Drift): string {
  return `drift: ${driftWords(drift)}; left as it is (on_drift: fail): check the change, then update the GitHub secret or set on_drift: restore`
}

function takeoverDetail(takeover: Takeover, ownership: Ownership): string {
  return takeover.kind === 'claimed'
    ? `claimed for ${ownership.owner}: an earlier version of gke-secrets-sync made it for the prefix ${ownership.prefix} without recording an owner`
    : `adopted: it ${takeover.from}`
}

/**
 * Deletes Secrets this action made for the prefix and owner whose GitHub secret is gone. Each delete is conditional on
 * the resourceVersion that was listed; a Secret changed since is read again and deleted only if it is still
 * this action's for this prefix and owner.
 */
export async function pruneSecrets(
  client: SecretsStore,
  orphans: V1Secret[],
  options: Pick<SyncOptions, 'ownership' | 'concurrency' | 'now'>
): Promise<SecretResult[]> {
  return runAll(
    orphans,
    options.concurrency,
    orphan => pruneOne(client, orphan, options.ownership, options.now ?? (() => new Date())),
    (orphan, detail) => ({
      secretName: orphan.metadata?.name as string,
      state: 'failed',
      detail: `not deleted: ${detail}`
    })
  )
}

async function pruneOne(
  client: SecretsStore,
  listed: V1Secret,
  ownership: Ownership,
  now: () => Date
): Promise<SecretResult> {
  const secretName = listed.metadata?.name as string
  let live: V1Secret | undefined = listed
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (!live) return { secretName, state: 'deleted', detail: 'already gone' }
      if (!ownership.isOurs(live)) {
        return {
          secretName,
          state: 'skipped',
          detail: `not deleted: it is no longer labelled as made by this action for ${ownership.owner}`
        }
      }
      const { uid, resourceVersion } = live.metadata ?? {}
      try {
        const at = now().toISOString()
        await client.delete(secretName, resourceVersion as string)
        // The precondition deleted exactly the version read: the Event is about that one.
        return {
          secretName,
          state: 'deleted',
          written: {
            at,
            valueChanged: true,
            ...(uid && { uid }),
            ...(resourceVersion && { resourceVersion })
          }
        }
      } catch (error) {
        if (isReason(error, 404)) live = undefined
        else if (isReason(error, 409)) live = await client.get(secretName)
        else throw error
      }
    }
    return {
      secretName,
      state: 'failed',
      detail: `not deleted: it kept changing (${MAX_ATTEMPTS} attempts); run again`
    }
  } catch (error) {
    if (error instanceof KubeApiError)
      return { secretName, state: 'failed', detail: `not deleted: ${error.message}` }
    throw error
  }
}

/**
 * The run stopped on an error that is not an answer of the API (those end as `failed` results inside the task):
 * a bug, or a library failing in a way nobody planned for. By then no write is running any more, and `results`
 * holds one result for every item, in order.
 */
export class SyncStopped extends Error {
  override name = 'SyncStopped'
  constructor(
    readonly results: SecretResult[],
    override readonly cause: unknown
  ) {
    super(cause instanceof Error ? cause.message : String(cause))
  }
}

/**
 * `task` for every item, at most `concurrency` at a time. The first unexpected error stops the scheduling of
 * new tasks (p-limit's clearQueue) and waits for the running ones to settle (Promise.all would reject at once
 * and leave them writing after the step has been marked failed), then throws SyncStopped.
 */
async function runAll<T>(
  items: T[],
  concurrency: number,
  task: (item: T) => Promise<SecretResult>,
  failed: (item: T, detail: string) => SecretResult
): Promise<SecretResult[]> {
  const limit = pLimit({ concurrency, rejectOnClear: true })
  const started = new Set<number>()
  const settled = await Promise.allSettled(
    items.map((item, index) =>
      limit(async () => {
        started.add(index)
        try {
          return await task(item)
        } catch (error) {
          limit.clearQueue()
          throw error
        }
      })
    )
  )
  // The tasks cleared from the queue reject too (AbortError); the error to report is one a started task threw.
  const firstError = settled.find(
    (outcome, index): outcome is PromiseRejectedResult => outcome.status === 'rejected' && started.has(index)
  )
  if (!firstError) return settled.map(outcome => (outcome as PromiseFulfilledResult<SecretResult>).value)
  // The error's own message goes to the step's error only; a result's detail reaches the job summary too.
  const results = settled.map((outcome, index) =>
    outcome.status === 'fulfilled'
      ? outcome.value
      : failed(
          items[index] as T,
          started.has(index)
            ? 'an unexpected error stopped the run while this one was being written; the step error says which'
            : 'not attempted: the run stopped after an unexpected error'
        )
  )
  throw new SyncStopped(results, firstError.reason)
}

function isRetry(error: unknown): boolean {
  return error instanceof KubeApiError && error.attempt > 1
}

function isReason(error: unknown, status: number, reason?: string): boolean {
  return error instanceof KubeApiError && error.status === status && (!reason || error.reason === reason)
}
