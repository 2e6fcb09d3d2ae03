// Counts in words: one helper decides singular or plural for everything src/github/ writes, and the sources are
// held to using it, so that no sentence of the summary, the failure message or a warning says "1 workloads".
import { readdirSync, readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { agree, nonZero, plural } from '../../src/github/words.js'

describe('plural and agree', () => {
  it.each<[number, string, string | undefined, string]>([
    [0, 'Secret', undefined, '0 Secrets'],
    [1, 'Secret', undefined, '1 Secret'],
    [2, 'Secret', undefined, '2 Secrets'],
    [1, 'Deployment restart', undefined, '1 Deployment restart'],
    [3, 'reference', undefined, '3 references'],
    [2, 'is', 'are', '2 are']
  ])('plural(%i, %s)', (count, singular, pluralForm, text) => {
    expect(plural(count, singular, pluralForm)).toBe(text)
  })

  it.each([
    [1, 'has'],
    [0, 'have'],
    [2, 'have']
  ])('agree(%i) is %s', (count, word) => {
    expect(agree(count, 'has', 'have')).toBe(word)
  })

  it('leaves out the counts of nothing', () => {
    expect(
      nonZero([
        [0, 'failed'],
        [2, 'created'],
        [1, 'unchanged']
      ])
    ).toBe('2 created · 1 unchanged')
  })
})

describe('src/github/ counts through words.ts', () => {
  const dir = new URL('../../src/github/', import.meta.url)
  const sources = readdirSync(dir)
    .filter(name => name.endsWith('.ts') && name !== 'words.ts')
    .map(name => ({ name, text: readFileSync(new URL(name, dir), 'utf8') }))

  it('finds the sources it holds', () => {
    expect(sources.map(source => source.name)).toEqual(
      expect.arrayContaining(['report.ts', 'references-report.ts', 'run-warnings.ts', 'run-failure.ts'])
    )
  })

  it.each([
    ['a singular or plural chosen by hand', /[=!]== 1 \?/],
    ['a count put before a plural noun by hand', /\$\{[^}]*(length|Count|count)[^}]*\} [A-Za-z ]*s\b/]
  ])('has no %s', (_, pattern) => {
    const found = sources.flatMap(({ name, text }) =>
      text
        .split('\n')
        .map((line, index) => ({ where: `${name}:${index + 1}`, line }))
        .filter(({ line }) => pattern.test(line) && !line.includes(' of ${plural('))
    )
    expect(found).toEqual([])
  })

  it('the patterns catch what they are meant to', () => {
    expect(/[=!]== 1 \?/.test("n === 1 ? 'has' : 'have'")).toBe(true)
    expect(
      /\$\{[^}]*(length|Count|count)[^}]*\} [A-Za-z ]*s\b/.test('`${check.workloadCount} workloads`')
    ).toBe(true)
  })
})
