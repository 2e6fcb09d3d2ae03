// Decides, for each desired Secret and what the cluster holds under its name, the one write (or none) that
// makes them equal. Pure: the Kubernetes client only carries out these steps, so every decision is testable
// without a server. Compare, then write only what differs, as External Secrets Operator does.
import type { V1Secret } from '@kubernetes/client-node'
import type { Ownership } from './ownership.js'
import { valueDiffers } from './secret-value.js'
import type { SelectedSecret } from './selection.js'

// The field manager and ownership labels live with the ownership rules; re-exported for the modules that
// name them from here.
export { MANAGED_BY_LABEL, MANAGER, PREFIX_LABEL } from './ownership.js'

/**
 * `kubectl apply` keeps the whole applied manifest, data included, in this annotation. Left on a Secret this
 * action took over, it would hold the old value after every rotation, so every write of this action drops it.
 */
export const LAST_APPLIED_ANNOTATION = 'kubectl.kubernetes.io/last-applied-configuration'

export type OnConflict = 'fail' | 'skip' | 'adopt'

/** The Secret this action wants in the cluster for one GitHub secret. */
export interface DesiredSecret {
  githubName: string
  secretName: string
  /** The one data key (the GitHub name) with the value in base64, as the API stores it. */
  data: Record<string, string>
  labels: Record<string, string>
  annotations: Record<string, string>
  /**
   * Annotations written only with a change of value or owner (create, value update, claim, adoption): the
   * provenance of the write (provenance.ts). Not part of "up to date", so an unchanged Secret stays unwritten.
   */
  stamp?: Record<string, string>
}

export interface ExtraMetadata {
  labels: Record<string, string>
  annotations: Record<string, string>
}

/**
 * An update that makes a Secret ours: `claimed` when an earlier version of this action made it for this prefix
 * without recording an owner; `adopted` when someone else made it (on_conflict: adopt). `from` says who.
 */
export interface Takeover {
  kind: 'claimed' | 'adopted'
  from: string
}

export type SecretStep =
  | { action: 'create'; body: V1Secret }
  /**
   * `body` carries the live resourceVersion, so the write fails rather than overwrite a concurrent change.
   * `changedKeys`: the data keys whose value the write sets, changes or removes; empty when only labels or
   * annotations change (a claim, an adoption of the same value, a new `labels` input, dropping kubectl's
   * last-applied annotation), which no running pod can see.
   */
  | { action: 'update'; body: V1Secret; changedKeys: string[]; takeover?: Takeover }
  | { action: 'unchanged' }
  | { action: 'skip'; reason: string }
  | { action: 'fail'; reason: string }

export function toDesiredSecret(
  secret: SelectedSecret,
  ownership: Ownership,
  extra: ExtraMetadata
): DesiredSecret {
  return {
    githubName: secret.githubName,
    secretName: secret.secretName,
    // `data`, never `stringData`: the value arrives byte for byte, and server-side apply of stringData
    // cannot remove keys later (kubernetes#108008).
    data: { [secret.githubName]: Buffer.from(secret.value).toString('base64') },
    labels: { ...extra.labels, ...ownership.labels },
    annotations: { ...extra.annotations, ...ownership.annotations }
  }
}

/** What to do about one desired Secret, given the live one of the same name (undefined: none exists). */
export function planSecret(
  desired: DesiredSecret,
  live: V1Secret | undefined,
  ownership: Ownership,
  onConflict: OnConflict
): SecretStep {
  if (!live) return { action: 'create', body: newSecret(desired) }

  const relation = ownership.relationTo(live)
  // An ownerless Secret of this prefix was written by an earlier version of this action for whichever
  // repository synced it; the first run that wants it claims it, whatever on_conflict says.
  const takeover: Takeover | undefined =
    relation === 'ours'
      ? undefined
      : { kind: relation === 'unclaimed' ? 'claimed' : 'adopted', from: ownership.describe(live) }
  if (takeover?.kind === 'adopted' && onConflict !== 'adopt') {
    const reason = `a Secret "${desired.secretName}" already exists and ${takeover.from}`
    if (onConflict === 'skip')
      return { action: 'skip', reason: `${reason}; left as it is (on_conflict: skip)` }
    const fix =
      relation === 'other-owner'
        ? 'two owners cannot sync the same Secret: rename the GitHub secret in one of them, or set on_conflict: adopt in the one that should own it'
        : 'rename the GitHub secret, delete the Secret, or set on_conflict: adopt to take it over'
    return { action: 'fail', reason: `${reason}; ${fix}` }
  }
  const type = live.type ?? 'Opaque'
  if (type !== 'Opaque') {
    return {
      action: 'fail',
      reason: `the existing Secret has type ${type} and a Secret's type cannot change; delete it or rename the GitHub secret`
    }
  }
  if (!takeover && isUpToDate(desired, live)) return { action: 'unchanged' }
  if (live.immutable && !sameEntries(live.data ?? {}, desired.data)) {
    return {
      action: 'fail',
      reason:
        'the existing Secret is immutable and its value differs; Kubernetes cannot change it, so delete it by hand and run again'
    }
  }
  const stamped = takeover !== undefined || valueDiffers(live.data, desired.data)
  return {
    action: 'update',
    body: updatedSecret(desired, live, stamped),
    changedKeys: changedKeys(live.data ?? {}, desired.data),
    ...(takeover && { takeover })
  }
}

/** Keys present on one side only, or with different values, sorted. */
export function changedKeys(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)])
  return [...keys].filter(key => before[key] !== after[key]).sort()
}

function newSecret(desired: DesiredSecret): V1Secret {
  const annotations = { ...desired.annotations, ...desired.stamp }
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: desired.secretName,
      labels: desired.labels,
      ...(Object.keys(annotations).length > 0 && { annotations })
    },
    type: 'Opaque',
    data: desired.data
  }
}

/**
 * The live object with our data and metadata laid over it. Labels, annotations, finalizers and owner
 * references that others set are kept; managedFields is left out so the server keeps its own record.
 * `stamped`: the value or the owner changes, so the write records its provenance (`desired.stamp`).
 */
function updatedSecret(desired: DesiredSecret, live: V1Secret, stamped: boolean): V1Secret {
  const { managedFields: _managedFields, ...metadata } = live.metadata ?? {}
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...metadata,
      labels: { ...metadata.labels, ...desired.labels },
      annotations: withoutLastApplied({
        ...metadata.annotations,
        ...desired.annotations,
        ...(stamped && desired.stamp)
      })
    },
    type: 'Opaque',
    data: desired.data,
    // Undefined when the live Secret has none, and then left out of the request body.
    immutable: live.immutable
  }
}

function withoutLastApplied(annotations: Record<string, string>): Record<string, string> {
  const { [LAST_APPLIED_ANNOTATION]: _lastApplied, ...others } = annotations
  return others
}

/** Exactly our one data key with our value, and every label and annotation we set. */
function isUpToDate(desired: DesiredSecret, live: V1Secret): boolean {
  return (
    sameEntries(live.data ?? {}, desired.data) &&
    // Stryker disable next-line OptionalChaining: only a Secret that is ours gets here, and its labels say so
    includesEntries(live.metadata?.labels ?? {}, desired.labels) &&
    // Stryker disable next-line OptionalChaining: as above, a Secret that is ours has metadata
    includesEntries(live.metadata?.annotations ?? {}, desired.annotations)
  )
}

function sameEntries(a: Record<string, string>, b: Record<string, string>): boolean {
  return Object.keys(a).length === Object.keys(b).length && includesEntries(a, b)
}

function includesEntries(actual: Record<string, string>, wanted: Record<string, string>): boolean {
  return Object.entries(wanted).every(([key, value]) => actual[key] === value)
}

/**
 * Whether pruning may run after the sync. It never runs after a failed write: a Secret whose GitHub secret
 * could not be read must not be mistaken for one whose GitHub secret is gone.
 */
export function pruneBlocker(failedCount: number): string | undefined {
  return failedCount > 0
    ? 'not deleted: pruning only follows a clean sync, and other Secrets failed in this run'
    : undefined
}

/**
 * Refuses to prune when the input holds no secret with the prefix: that is what a reusable workflow called
 * without `secrets: inherit`, a fork or Dependabot sees (only github_token), and pruning then would delete
 * every Secret this action ever made.
 */
export function pruneRefusal(prefix: string, selectedCount: number): string | undefined {
  if (selectedCount > 0) return undefined
  return `prune is on, but no input secret starts with ${prefix.toUpperCase()}_, so every Secret made for that prefix and this owner would be deleted; refusing, and nothing was touched. If this runs as a reusable workflow, the caller must pass \`secrets: inherit\` (forks and Dependabot get no secrets at all).`
}
