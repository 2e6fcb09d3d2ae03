// Who a Secret belongs to. Several repositories may sync the same prefix into one namespace (the infrastructure
// repository and each code-location repository through the reusable workflow), so a Secret belongs to this
// action, for one prefix, for one owner (by default the repository the workflow runs for, with its numeric id).
// One value holds all of that, and planning, syncing and pruning ask it instead of comparing labels themselves.
import { createHash } from 'node:crypto'
import type { V1Secret } from '@kubernetes/client-node'
import { labelValueProblem } from './kube-validation.js'

export const MANAGER = 'gke-secrets-sync'
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by'
/** Records the prefix a Secret was made for, so pruning for one prefix never touches another's Secrets. */
export const PREFIX_LABEL = 'gke-secrets-sync/prefix'
/** The owner in label-safe form (see ownerLabelValue), for the LIST's selector. */
export const OWNER_LABEL = 'gke-secrets-sync/owner'
/**
 * The exact owner string, for people (and messages) to read, since a label value cannot hold `/`; followed by
 * ` (id N)` when the owner's repository id is known (ownerAnnotationValue).
 */
export const OWNER_ANNOTATION = 'gke-secrets-sync/owner'

/** Who a run writes for: the owner string and, for a repository, its numeric id (`github.repository_id`). */
export interface OwnerIdentity {
  name: string
  id?: string
}

const WITH_ID = /^(.*) \(id (\d+)\)$/s

/**
 * `acme/dagster-infra (id 123456)`. The id is what tells two repositories of the same name apart: a repository
 * that was deleted or renamed leaves its name free, and whoever registers it next gets a new id. An owner input
 * that itself ends like this is refused (inputs.ts), so the value reads back as written.
 */
export function ownerAnnotationValue(owner: OwnerIdentity): string {
  return owner.id === undefined ? owner.name : `${owner.name} (id ${owner.id})`
}

/** The owner an annotation names; written by this action, or by anyone who can edit the Secret. */
export function parseOwnerAnnotation(text: string): OwnerIdentity {
  const match = WITH_ID.exec(text)
  return match ? { name: match[1] as string, id: match[2] as string } : { name: text }
}

/**
 * How a live Secret relates to this run's owner and prefix:
 * - `ours`: made by this action for this prefix and this owner (label, and annotation with the same id);
 * - `unclaimed`: made by this action for this prefix by a version that recorded no owner (no owner label, and no
 *   annotation naming another owner); a run that wants it claims it;
 * - `other-owner`: made by this action for this prefix, for another owner: another owner label, or an annotation
 *   naming another owner or another repository id (a re-registered name) even when the label is gone;
 * - `other-prefix`: made by this action for another prefix;
 * - `foreign`: not made by this action (Terraform, kubectl, another controller).
 */
export type Relation = 'ours' | 'unclaimed' | 'other-owner' | 'other-prefix' | 'foreign'

/** Hex digits of sha256 in a hashed owner label: 48 bits, so unrelated owners never meet in practice. */
const HASH_DIGITS = 12
const HASHED = new RegExp(`--[0-9a-f]{${HASH_DIGITS}}$`)

/**
 * The owner as a label value (at most 63 characters of `[-A-Za-z0-9_.]`, starting and ending alphanumeric).
 * An owner that already is a valid label value, and does not look like a hashed one, is used as it is. Any
 * other (`acme/dagster-dags`, too long, unicode) becomes a readable part (`/` -> `.`, é -> e, others -> `-`,
 * cut to fit) followed by `--` and the first 12 hex digits of the sha256 of the exact owner string. So
 * `acme/a.b` and `acme.a/b` share the readable part `acme.a.b` but not the label value, and a plain value can
 * never equal a hashed one (plain values never end in `--` and 12 hex digits).
 */
export function ownerLabelValue(owner: string): string {
  if (labelValueProblem(owner) === undefined && owner !== '' && !HASHED.test(owner)) return owner
  const hash = createHash('sha256').update(owner).digest('hex').slice(0, HASH_DIGITS)
  const readable = owner
    // Accented letters keep their base letter (é -> e); other characters a label cannot hold become `-`.
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .replaceAll('/', '.')
    .replace(/[^-A-Za-z0-9_.]/g, '-')
    .slice(0, 63 - HASH_DIGITS - 2)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '')
  return `${readable || 'owner'}--${hash}`
}

export class Ownership {
  /** The prefix as recorded in the label: upper case, so `dagster_secret` finds the same Secrets. */
  readonly prefix: string
  readonly ownerLabel: string
  /** Constant for a prefix and owner: nothing that changes from run to run goes into a Secret. */
  readonly labels: Record<string, string>
  readonly annotations: Record<string, string>
  /** The LIST of this run: this action's Secrets for this prefix and this owner, and nothing else. */
  readonly selector: string
  /** Secrets of this prefix written before owners were recorded (they carry no owner label). */
  readonly unclaimedSelector: string

  constructor(
    prefix: string,
    readonly owner: string,
    /** The owner's repository id, when known; compared with the one a Secret records. */
    readonly ownerId?: string
  ) {
    this.prefix = prefix.toUpperCase()
    // The label stays the owner name's alone: it is what the LIST selects by, and Secrets written before ids
    // were recorded carry it.
    this.ownerLabel = ownerLabelValue(owner)
    const prefixLabels = { [MANAGED_BY_LABEL]: MANAGER, [PREFIX_LABEL]: this.prefix }
    this.labels = { ...prefixLabels, [OWNER_LABEL]: this.ownerLabel }
    this.annotations = {
      [OWNER_ANNOTATION]: ownerAnnotationValue({ name: owner, ...(ownerId !== undefined && { id: ownerId }) })
    }
    this.selector = selectorOf(this.labels)
    this.unclaimedSelector = `${selectorOf(prefixLabels)},!${OWNER_LABEL}`
  }

  relationTo(secret: V1Secret): Relation {
    const labels = secret.metadata?.labels ?? {}
    if (labels[MANAGED_BY_LABEL] !== MANAGER) return 'foreign'
    if (labels[PREFIX_LABEL] !== this.prefix) return 'other-prefix'
    // The annotation settles what the label cannot: two owners whose hashed labels collide, a name registered
    // again by another repository (another id), and a Secret whose owner label was removed but whose annotation
    // still names its owner (claiming that one silently would take another repository's Secret).
    const annotation = secret.metadata?.annotations?.[OWNER_ANNOTATION]
    const namesUs = annotation === undefined || this.isNamedBy(parseOwnerAnnotation(annotation))
    const label = labels[OWNER_LABEL]
    if (label === undefined) return namesUs ? 'unclaimed' : 'other-owner'
    return label === this.ownerLabel && namesUs ? 'ours' : 'other-owner'
  }

  /**
   * The same owner string, and the same id where both are known. A Secret written before ids were recorded (or
   * by a run that knew none, such as one outside Actions with only `owner`) matches on the name alone.
   */
  private isNamedBy(recorded: OwnerIdentity): boolean {
    if (recorded.name !== this.owner) return false
    return recorded.id === undefined || this.ownerId === undefined || recorded.id === this.ownerId
  }

  isOurs(secret: V1Secret): boolean {
    return this.relationTo(secret) === 'ours'
  }

  /** Who made a Secret that is not ours, completing "a Secret "x" already exists and ...". */
  describe(secret: V1Secret): string {
    const labels = secret.metadata?.labels ?? {}
    if (labels[MANAGED_BY_LABEL] === MANAGER) {
      const annotation = secret.metadata?.annotations?.[OWNER_ANNOTATION]
      const owner = annotation ?? labels[OWNER_LABEL]
      const prefix = labels[PREFIX_LABEL] ?? '(none)'
      if (owner === undefined) return `was made by gke-secrets-sync for the prefix ${prefix}`
      const recorded = annotation === undefined ? undefined : parseOwnerAnnotation(annotation)
      const reRegistered =
        recorded?.name === this.owner &&
        recorded.id !== undefined &&
        this.ownerId !== undefined &&
        recorded.id !== this.ownerId
          ? `, a repository of the same name but another id than this one's (${this.ownerId}): the first was deleted or renamed, and another took its name`
          : ''
      return prefix === this.prefix
        ? `was made by gke-secrets-sync for ${owner}${reRegistered}`
        : `was made by gke-secrets-sync for ${owner} with the prefix ${prefix}`
    }
    const managedBy = labels[MANAGED_BY_LABEL]
    if (managedBy) return `is managed by ${managedBy}`
    const managers = [
      // Stryker disable next-line ArrayDeclaration: an element of the fallback has no manager and is filtered out
      ...new Set((secret.metadata?.managedFields ?? []).map(entry => entry.manager).filter(Boolean))
    ]
    return managers.length > 0
      ? `was not made by this action (written by ${managers.join(', ')})`
      : 'was not made by this action'
  }
}

function selectorOf(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([key, value]) => `${key}=${value}`)
    .join(',')
}
