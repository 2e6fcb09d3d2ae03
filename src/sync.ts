// Makes the namespace hold the desired Secrets: one LIST of this action's Secrets, then a write only for
// what is new or different, with bounded concurrency. Every desired Secret ends in exactly one state.
import type { V1Secret } from '@kubernetes/client-node'
import pLimit from 'p-limit'
import { KubeApiError } from './kube-errors.js'
import { isOwned, ownedSelector, planSecret, type DesiredSecret, type OnConflict } from './plan.js'
import type { SecretsClient } from './secrets-client.js'

export type SecretState = 'created' | 'updated' | 'unchanged' | 'skipped' | 'failed' | 'deleted'

export interface SecretResult {
  /** Absent for Secrets that have no GitHub secret any more (pruned ones). */
  githubName?: string
  secretName: string
  state: SecretState
  /** Why it was skipped or failed, or a note on a success (e.g. adopted). Never holds a value. */
  detail?: string
}

export interface SyncOptions {
  prefix: string
  onConflict: OnConflict
  concurrency: number
}

export interface SyncOutcome {
  results: SecretResult[]
  /** Secrets this action made for the prefix that no selected GitHub secret maps to any more. */
  orphans: V1Secret[]
}

/** Someone else keeps changing the Secret between our read and our write; give up after this many tries. */
const MAX_ATTEMPTS = 4

export async function syncSecrets(
  client: SecretsClient,
  desired: DesiredSecret[],
  options: SyncOptions
): Promise<SyncOutcome> {
  const owned = await client.list(ownedSelector(options.prefix))
  const liveByName = new Map(owned.map(secret => [secret.metadata?.name as string, secret]))
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
  return { results, orphans: owned.filter(secret => !wanted.has(secret.metadata?.name as string)) }
}

/**
 * Plan, write, and when the cluster turns out to differ from what was planned on (the Secret exists
 * after all, or changed since it was read), read it again and plan again.
 */
async function syncOne(
  client: SecretsClient,
  desired: DesiredSecret,
  listed: V1Secret | undefined,
  options: SyncOptions
): Promise<SecretResult> {
  const result = (state: SecretState, detail?: string): SecretResult => ({
    githubName: desired.githubName,
    secretName: desired.secretName,
    state,
    ...(detail && { detail })
  })
  let live = listed
  // A write whose answer was lost (reset, timeout) may have landed before its retry was refused with
  // AlreadyExists or Conflict; if the Secret then matches, that write was ours and is reported as such.
  let landedUnseen: SecretState | undefined
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      const step = planSecret(desired, live, options.prefix, options.onConflict)
      switch (step.action) {
        case 'unchanged':
          return result(landedUnseen ?? 'unchanged')
        case 'skip':
          return result('skipped', step.reason)
        case 'fail':
          return result('failed', step.reason)
        case 'create':
          try {
            await client.create(step.body)
            return result('created')
          } catch (error) {
            if (!isReason(error, 409, 'AlreadyExists')) throw error
            if (isRetry(error)) landedUnseen = 'created'
            live = await client.get(desired.secretName)
          }
          break
        case 'update':
          try {
            await client.replace(step.body)
            return result(
              'updated',
              step.adopted ? 'adopted: it was not made by this action before' : undefined
            )
          } catch (error) {
            if (isReason(error, 404)) live = undefined
            else if (isReason(error, 409, 'Conflict')) {
              if (isRetry(error)) landedUnseen = 'updated'
              live = await client.get(desired.secretName)
            } else throw error
          }
          break
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

/**
 * Deletes Secrets this action made for the prefix whose GitHub secret is gone. Each delete is conditional on
 * the resourceVersion that was listed; a Secret changed since is read again and deleted only if it is still
 * this action's for this prefix.
 */
export async function pruneSecrets(
  client: SecretsClient,
  orphans: V1Secret[],
  options: Pick<SyncOptions, 'prefix' | 'concurrency'>
): Promise<SecretResult[]> {
  return runAll(
    orphans,
    options.concurrency,
    orphan => pruneOne(client, orphan, options.prefix),
    (orphan, detail) => ({
      secretName: orphan.metadata?.name as string,
      state: 'failed',
      detail: `not deleted: ${detail}`
    })
  )
}

async function pruneOne(client: SecretsClient, listed: V1Secret, prefix: string): Promise<SecretResult> {
  const secretName = listed.metadata?.name as string
  let live: V1Secret | undefined = listed
  try {
    for (let attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
      if (!live) return { secretName, state: 'deleted', detail: 'already gone' }
      if (!isOwned(live, prefix)) {
        return {
          secretName,
          state: 'skipped',
          detail: 'not deleted: it is no longer labelled as made by this action'
        }
      }
      try {
        await client.delete(secretName, live.metadata?.resourceVersion as string)
        return { secretName, state: 'deleted' }
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
