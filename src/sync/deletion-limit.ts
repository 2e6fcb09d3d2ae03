// How many Secrets one run may prune (`max_deletions`). A caller whose `environment:` is wrong still passes its
// repository-level secrets, so the empty-input guard (plan.ts pruneRefusal) does not fire, and prune would delete
// every Secret that only the environment's secrets kept. Past the limit, the run deletes nothing and says why.

/** `max_deletions`: a count (`5`) or a share of this owner's Secrets for the prefix (`50%`). */
export type MaxDeletions = { kind: 'count'; count: number } | { kind: 'share'; percent: number }

export const DEFAULT_MAX_DELETIONS: MaxDeletions = { kind: 'share', percent: 50 }

/** As the input is written, for messages. */
export function describeMaxDeletions(max: MaxDeletions): string {
  return max.kind === 'count' ? String(max.count) : `${max.percent}%`
}

/**
 * Why deleting `deleting` of the owner's `owned` Secrets for the prefix goes past `max`, or undefined when it
 * may go ahead. One deletion is always allowed (removing one GitHub secret must not need a setting, and with
 * few Secrets any share would forbid it); with `100%`, any number is.
 *
 * A share is compared exactly, in whole numbers: `deleting × 100 ≤ owned × percent`, which is the share's limit
 * rounded down (50% of 3 allows 1, not 2). Rounding up would let the run delete more than the share it was
 * given (2 of 3 is 67%); rounding down costs nothing at the small end, where the one-deletion allowance applies.
 */
export function deletionLimitRefusal(deleting: number, owned: number, max: MaxDeletions): string | undefined {
  if (deleting <= 1) return undefined
  const within =
    max.kind === 'count' ? deleting <= max.count : max.percent >= 100 || deleting * 100 <= owned * max.percent
  if (within) return undefined
  return `not deleted: prune would delete ${deleting} of the ${owned} Secrets of this owner and prefix, more than \`max_deletions: ${describeMaxDeletions(max)}\` allows, so it deleted none`
}
