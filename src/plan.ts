// Decides, for each desired Secret and what the cluster holds under its name, the one write (or none) that
// makes them equal. Pure: the Kubernetes client only carries out these steps, so every decision is testable
// without a server. Compare, then write only what differs, as External Secrets Operator does.
import type { V1Secret } from '@kubernetes/client-node'
import type { SelectedSecret } from './selection.js'

export const MANAGER = 'gke-secrets-sync'
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
/** Records the prefix a Secret was made for, so pruning for one prefix never touches another's Secrets. */
export const PREFIX_LABEL = 'gke-secrets-sync/prefix'

export type OnConflict = 'fail' | 'skip' | 'adopt'

/** The Secret this action wants in the cluster for one GitHub secret. */
export interface DesiredSecret {
  githubName: string
  secretName: string
  /** The one data key (the GitHub name) with the value in base64, as the API stores it. */
  data: Record<string, string>
  labels: Record<string, string>
  annotations: Record<string, string>
}

export interface ExtraMetadata {
  labels: Record<string, string>
  annotations: Record<string, string>
}

export type SecretStep =
  | { action: 'create'; body: V1Secret }
  /** `body` carries the live resourceVersion, so the write fails rather than overwrite a concurrent change. */
  | { action: 'update'; body: V1Secret; adopted: boolean }
  | { action: 'unchanged' }
  | { action: 'skip'; reason: string }
  | { action: 'fail'; reason: string }

/** Both labels are constant for a prefix: nothing that changes from run to run goes into a Secret. */
export function ownershipLabels(prefix: string): Record<string, string> {
  return { [MANAGED_BY_LABEL]: MANAGER, [PREFIX_LABEL]: prefix.toUpperCase() }
}

/** The label selector for the Secrets this action made for `prefix`. */
export function ownedSelector(prefix: string): string {
  return Object.entries(ownershipLabels(prefix))
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}

export function toDesiredSecret(secret: SelectedSecret, prefix: string, extra: ExtraMetadata): DesiredSecret {
  return {
    githubName: secret.githubName,
    secretName: secret.secretName,
    // `data`, never `stringData`: the value arrives byte for byte, and server-side apply of stringData
    // cannot remove keys later (kubernetes#108008).
    data: { [secret.githubName]: Buffer.from(secret.value, 'utf8').toString('base64') },
    labels: { ...extra.labels, ...ownershipLabels(prefix) },
    annotations: { ...extra.annotations }
  }
}

export function isOwned(live: V1Secret, prefix: string): boolean {
  const labels = live.metadata?.labels ?? {}
  return Object.entries(ownershipLabels(prefix)).every(([key, value]) => labels[key] === value)
}

/** What to do about one desired Secret, given the live one of the same name (undefined: none exists). */
export function planSecret(
  desired: DesiredSecret,
  live: V1Secret | undefined,
  prefix: string,
  onConflict: OnConflict
): SecretStep {
  if (!live) return { action: 'create', body: newSecret(desired) }

  const owned = isOwned(live, prefix)
  if (!owned && onConflict !== 'adopt') {
    const reason = `a Secret "${desired.secretName}" already exists and ${ownerDescription(live)}`
    return onConflict === 'skip'
      ? { action: 'skip', reason: `${reason}; left as it is (on_conflict: skip)` }
      : {
          action: 'fail',
          reason: `${reason}; rename the GitHub secret, delete the Secret, or set on_conflict: adopt to take it over`
        }
  }
  const type = live.type ?? 'Opaque'
  if (type !== 'Opaque') {
    return {
      action: 'fail',
      reason: `the existing Secret has type ${type} and a Secret's type cannot change; delete it or rename the GitHub secret`
    }
  }
  if (owned && isUpToDate(desired, live)) return { action: 'unchanged' }
  if (live.immutable && !sameEntries(live.data ?? {}, desired.data)) {
    return {
      action: 'fail',
      reason:
        'the existing Secret is immutable and its value differs; Kubernetes cannot change it, so delete it by hand and run again'
    }
  }
  return { action: 'update', body: updatedSecret(desired, live), adopted: !owned }
}

function newSecret(desired: DesiredSecret): V1Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: desired.secretName,
      labels: desired.labels,
      ...(Object.keys(desired.annotations).length > 0 && { annotations: desired.annotations })
    },
    type: 'Opaque',
    data: desired.data
  }
}

/**
 * The live object with our data and metadata laid over it. Labels, annotations, finalizers and owner
 * references that others set are kept; managedFields is left out so the server keeps its own record.
 */
function updatedSecret(desired: DesiredSecret, live: V1Secret): V1Secret {
  const { managedFields: _managedFields, ...metadata } = live.metadata ?? {}
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, ...desired.labels },
      annotations: { ...metadata.annotations, ...desired.annotations }
    },
    type: 'Opaque',
    data: desired.data,
    ...(live.immutable !== undefined && { immutable: live.immutable })
  }
}

/** Exactly our one data key with our value, and every label and annotation we set. */
function isUpToDate(desired: DesiredSecret, live: V1Secret): boolean {
  return (
    sameEntries(live.data ?? {}, desired.data) &&
    includesEntries(live.metadata?.labels ?? {}, desired.labels) &&
    includesEntries(live.metadata?.annotations ?? {}, desired.annotations)
  )
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).length === Object.keys(b).length && includesEntries(a, b)
}

function includesEntries(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value)
}

function ownerDescription(live: V1Secret): string {
  const labels = live.metadata?.labels ?? {}
  if (labels[MANAGED_BY_LABEL] === MANAGER) {
    return `was made by gke-secrets-sync for the prefix ${labels[PREFIX_LABEL] ?? '(none)'}`
  }
  const managers = [
    ...new Set((live.metadata?.managedFields ?? []).map(entry => entry.manager).filter(Boolean))
  ]
  const managedBy = labels[MANAGED_BY_LABEL]
  if (managedBy) return `is managed by ${managedBy}`
  return managers.length > 0
    ? `was not made by this action (written by ${managers.join(', ')})`
    : 'was not made by this action'
}

/**
 * Whether pruning may run after the sync. It never runs after a failed write: a Secret whose GitHub secret
 * could not be read must not be mistaken for one whose GitHub secret is gone.
 */
export function pruneBlocker(failedCount: number): string | undefined {
  return failedCount > 0
    ? `not deleted: ${failedCount} secret(s) failed in this run, and pruning only follows a clean sync`
    : undefined
}

/**
 * Refuses to prune when the input holds no secret with the prefix: that is what a reusable workflow called
 * without `secrets: inherit`, a fork or Dependabot sees (only github_token), and pruning then would delete
 * every Secret this action ever made.
 */
export function pruneRefusal(prefix: string, selectedCount: number): string | undefined {
  if (selectedCount > 0) return undefined
  return `prune is on, but no input secret starts with ${prefix.toUpperCase()}_, so every Secret made for that prefix would be deleted; refusing, and nothing was touched. If this runs as a reusable workflow, the caller must pass \`secrets: inherit\` (forks and Dependabot get no secrets at all).`
}
