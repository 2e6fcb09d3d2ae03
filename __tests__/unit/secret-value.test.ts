import { describe, expect, it } from 'vitest'
import { valueDiffers } from '../../src/sync/secret-value.js'

describe('valueDiffers', () => {
  const wanted = { A: 'YQ==', B: 'Yg==' }
  it.each<[string, Record<string, string> | undefined, boolean]>([
    ['the same keys and values, in another order', { B: 'Yg==', A: 'YQ==' }, false],
    ['one value differs', { A: 'YQ==', B: 'eA==' }, true],
    ['a key is missing', { A: 'YQ==' }, true],
    ['a key too many', { A: 'YQ==', B: 'Yg==', C: 'Yw==' }, true],
    ['the same count under another key', { A: 'YQ==', C: 'Yg==' }, true],
    ['no data at all', undefined, true]
  ])('%s: %s', (_case, live, differs) => {
    expect(valueDiffers(live, wanted)).toBe(differs)
  })

  it('an empty Secret is what an empty wanted value asks for', () => {
    expect(valueDiffers(undefined, {})).toBe(false)
    expect(valueDiffers({}, {})).toBe(false)
  })
})
