import { describe, expect, it } from 'vitest'
import { deletionLimitRefusal, type MaxDeletions } from '../../src/sync/deletion-limit.js'

const count = (n: number): MaxDeletions => ({ kind: 'count', count: n })
const share = (percent: number): MaxDeletions => ({ kind: 'share', percent })

describe('deletionLimitRefusal', () => {
  it.each<[string, number, number, MaxDeletions, boolean]>([
    // what, deleting, owned, max_deletions, allowed
    ['nothing to delete', 0, 10, count(0), true],
    ['one deletion, even with a count of 0', 1, 10, count(0), true],
    ['one deletion, even with 0%', 1, 1, share(0), true],
    ['one deletion of one Secret (100% of them)', 1, 1, share(50), true],
    ['two with a count of 0', 2, 10, count(0), false],
    ['exactly the count', 5, 20, count(5), true],
    ['one more than the count', 6, 20, count(6 - 1), false],
    ['a count above what the owner has', 4, 4, count(100), true],
    ['exactly 50% (2 of 4)', 2, 4, share(50), true],
    ['above 50% (3 of 4)', 3, 4, share(50), false],
    ['50% of 3 rounds down to 1: 2 is refused', 2, 3, share(50), false],
    ['50% of 5 rounds down to 2: 2 is allowed', 2, 5, share(50), true],
    ['50% of 5 rounds down to 2: 3 is refused', 3, 5, share(50), false],
    ['1% of 200 is exactly 2', 2, 200, share(1), true],
    ['1% of 199 rounds down to 1', 2, 199, share(1), false],
    ['every Secret at 99%', 10, 10, share(99), false],
    ['every Secret at 100% (the limit is off)', 10, 10, share(100), true],
    ['0% refuses any two', 2, 1000, share(0), false]
  ])('%s: deleting %i of %i with %j is allowed: %s', (_, deleting, owned, max, allowed) => {
    const refusal = deletionLimitRefusal(deleting, owned, max)
    expect(refusal === undefined).toBe(allowed)
  })

  it('says how many of how many, names the input as written, and that nothing was deleted', () => {
    expect(deletionLimitRefusal(3, 4, share(50))).toBe(
      'not deleted: prune would delete 3 of the 4 Secrets of this owner and prefix, more than `max_deletions: 50%` allows, so it deleted none'
    )
    expect(deletionLimitRefusal(3, 9, count(2))).toContain('`max_deletions: 2`')
  })
})
