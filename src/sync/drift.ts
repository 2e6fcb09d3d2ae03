// Drift: a managed Secret whose value someone changed in the cluster (kubectl edit, kubectl apply, a patch) rather
// than through GitHub, which is the source of truth. Told apart from a rotation by `metadata.managedFields`: the API
// server records, for each field, the manager that last set it (https://kubernetes.io/docs/reference/using-api/
// server-side-apply/#field-management). When the entry that owns the Secret's data keys, the latest one, is not
// this action's, someone else set the value now in the cluster. `kubectl edit` writes as `kubectl-edit`,
// `kubectl patch` as `kubectl-patch`, client-side apply as `kubectl-client-side-apply`, server-side apply as
// `kubectl` (kubectl's --field-manager defaults, k8s.io/kubectl pkg/cmd/{edit,patch,apply}).
//
// Not drift: a live value equal to GitHub's (whoever set it), and a Secret without managedFields (nothing tells who
// changed it; servers before 1.18 and objects whose managedFields were cleared).
import type { V1ManagedFieldsEntry, V1Secret } from '@kubernetes/client-node'
import { MANAGER } from './ownership.js'
import { rfc3339 } from './rfc3339.js'
import { valueDiffers } from './secret-value.js'

export type OnDrift = 'restore' | 'fail'

/** Who last set a drifted Secret's value. Text from the cluster: printable, at most 128 characters. */
export interface Drift {
  /** The field manager, e.g. `kubectl-edit`. */
  manager: string
  /** `Update` (edit, patch, client-side apply, PUT) or `Apply` (server-side apply). */
  operation: string
  /** RFC 3339, as the server recorded it; absent when the entry has none. */
  time?: string
}

/** What the API server accepts as a field manager: up to 128 characters (apimachinery ValidateManagedFields). */
const MAX_MANAGER = 128

/**
 * The drift of `live` from the `wanted` data, or undefined when there is none: the value differs and the latest
 * managedFields entry that owns a data key belongs to another manager than this action.
 */
export function detectDrift(live: V1Secret, wanted: Record<string, string>): Drift | undefined {
  if (!valueDiffers(live.data, wanted)) return undefined
  // Stryker disable next-line ArrayDeclaration: an element of the fallback owns no data key and is filtered out
  const setters = (live.metadata?.managedFields ?? []).filter(ownsDataKey)
  // Latest first; at the same second, another manager's entry first: it still owns a data key after our write
  // of that second, so its write came after ours.
  const last = setters.sort(
    (a, b) => timeOf(b) - timeOf(a) || Number(a.manager === MANAGER) - Number(b.manager === MANAGER)
  )[0]
  if (!last || last.manager === MANAGER) return undefined
  const time = timeText(last.time)
  return {
    manager: printable(last.manager ?? '') || '(no manager name)',
    operation: printable(last.operation ?? '') || 'Update',
    ...(time && { time })
  }
}

/** Whether the entry owns at least one key of `data` (`f:data` with an `f:KEY` child, not only the map itself). */
function ownsDataKey(entry: V1ManagedFieldsEntry): boolean {
  if (entry.subresource) return false
  const data = (entry.fieldsV1 as Record<string, unknown> | undefined)?.['f:data']
  return typeof data === 'object' && data !== null && Object.keys(data).some(key => key.startsWith('f:'))
}

/** The entry's time in milliseconds; 0 (oldest) when it has none or it cannot be read. */
function timeOf(entry: V1ManagedFieldsEntry): number {
  const time = new Date(entry.time ?? NaN).getTime()
  return Number.isNaN(time) ? 0 : time
}

/** The entry's time as the server wrote it: client-node parses it into a Date; a plain object may hold the string. */
function timeText(time: Date | string | undefined): string {
  if (time === undefined) return ''
  if (typeof time === 'string') return printable(time)
  return Number.isNaN(time.getTime()) ? '' : rfc3339(time)
}

/** Cluster text on one line, safe for a log line, an annotation or a table cell (which escape it again). */
function printable(text: string): string {
  return text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '').slice(0, MAX_MANAGER)
}
