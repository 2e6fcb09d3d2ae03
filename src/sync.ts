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
  const limit = pLimit(options.concurrency)
  const results = await Promise.all(
    desired.map(secret => limit(() => syncOne(client, secret, liveByName.get(secret.secretName), options)))
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
  const limit = pLimit(options.concurrency)
  return Promise.all(orphans.map(orphan => limit(() => pruneOne(client, orphan, options.prefix))))
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

function isRetry(error: unknown): boolean {
  return error instanceof KubeApiError && error.attempt > 1
}

function isReason(error: unknown, status: number, reason?: string): boolean {
  return error instanceof KubeApiError && error.status === status && (!reason || error.reason === reason)
}
