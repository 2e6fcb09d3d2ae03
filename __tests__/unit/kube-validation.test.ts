// The API server's rules for names, data keys, label keys and values, checked before any request. Each table pins
// the boundaries (253 and 63 characters, exactly at and one over) and both anchors of each pattern: a rule that
// only looked at the start or the end of a name would let these through.
import { describe, expect, it } from 'vitest'
import {
  dataKeyProblem,
  labelValueProblem,
  MAX_ANNOTATIONS_BYTES,
  MAX_SECRET_BYTES,
  qualifiedNameProblem,
  secretNameProblem
} from '../../src/sync/kube-validation.js'

const a = (n: number): string => 'a'.repeat(n)
/** A valid DNS subdomain of exactly n characters (labels of 9 joined by dots, so it is valid at any length). */
const subdomain = (n: number): string =>
  Array.from({ length: n }, (_, i) => (i % 10 === 9 ? '.' : 'a'))
    .join('')
    .replace(/\.$/, 'a')

const notAName = (name: string): string =>
  `"${name}" is not a valid Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit`

describe('the limits', () => {
  it('are the API server’s: 1 MiB of data, 256 KiB of annotations', () => {
    expect(MAX_SECRET_BYTES).toBe(1_048_576)
    expect(MAX_ANNOTATIONS_BYTES).toBe(262_144)
  })
})

describe('secretNameProblem', () => {
  it.each([
    ['a', undefined],
    ['0', undefined],
    ['dagster-secret-slack', undefined],
    ['a.b-c.d', undefined],
    [a(253), undefined],
    [subdomain(253), undefined],
    [a(254), `"${a(254)}" is longer than 253 characters`],
    [subdomain(254), `"${subdomain(254)}" is longer than 253 characters`],
    ['', notAName('')],
    ['Dagster', notAName('Dagster')],
    ['dagster_secret', notAName('dagster_secret')],
    ['-dagster', notAName('-dagster')],
    ['dagster-', notAName('dagster-')],
    ['.dagster', notAName('.dagster')],
    ['dagster.', notAName('dagster.')],
    ['a..b', notAName('a..b')],
    ['a.-b', notAName('a.-b')],
    // Anchors: a valid name with something after it, or before it.
    ['dagster!', notAName('dagster!')],
    ['!dagster', notAName('!dagster')],
    ['dagster\n', notAName('dagster\n')],
    ['\ndagster', notAName('\ndagster')]
  ])('%j -> %j', (name, problem) => {
    expect(secretNameProblem(name)).toBe(problem)
  })
})

describe('dataKeyProblem', () => {
  const chars = (key: string): string => `"${key}" may only contain letters, digits, '-', '_' and '.'`
  const dots = (key: string): string => `"${key}" may not be '.' or '..' or start with '..'`
  it.each([
    ['DAGSTER_SECRET_A', undefined],
    ['a-b.c_D9', undefined],
    ['.a', undefined],
    ['a..b', undefined],
    ['a.', undefined],
    [a(253), undefined],
    [a(254), `"${a(254)}" is longer than 253 characters`],
    ['', chars('')],
    ['a b', chars('a b')],
    ['a/b', chars('a/b')],
    ['key!', chars('key!')],
    ['!key', chars('!key')],
    ['key\n', chars('key\n')],
    ['.', dots('.')],
    ['..', dots('..')],
    ['..a', dots('..a')]
  ])('%j -> %j', (key, problem) => {
    expect(dataKeyProblem(key)).toBe(problem)
  })
})

describe('qualifiedNameProblem', () => {
  const name = (key: string): string =>
    `key "${key}" must be 1-63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit, with an optional DNS subdomain prefix and '/'`
  const prefix = (key: string): string =>
    `the prefix of key "${key}" must be a lower-case DNS subdomain (e.g. example.com)`
  it.each([
    ['app', undefined],
    ['A', undefined],
    ['a_b.c-D9', undefined],
    ['example.com/app', undefined],
    ['app.kubernetes.io/managed-by', undefined],
    [a(63), undefined],
    [`example.com/${a(63)}`, undefined],
    [`${subdomain(253)}/app`, undefined],
    [a(64), name(a(64))],
    [`example.com/${a(64)}`, name(`example.com/${a(64)}`)],
    [`${subdomain(254)}/app`, prefix(`${subdomain(254)}/app`)],
    ['', name('')],
    ['example.com/', name('example.com/')],
    ['/app', `key "/app" has an empty prefix before '/'`],
    ['Example.com/app', prefix('Example.com/app')],
    ['a/b/c', prefix('a/b/c')],
    ['-app', name('-app')],
    ['app-', name('app-')],
    ['_app', name('_app')],
    ['app!', name('app!')],
    ['!app', name('!app')],
    ['a b', name('a b')],
    ['example.com!/app', prefix('example.com!/app')],
    ['!example.com/app', prefix('!example.com/app')]
  ])('%j -> %j', (key, problem) => {
    expect(qualifiedNameProblem(key)).toBe(problem)
  })
})

describe('labelValueProblem', () => {
  const bad = (value: string): string =>
    `value "${value}" must be at most 63 characters of letters, digits, '-', '_' and '.', starting and ending with a letter or digit (or empty)`
  it.each([
    ['', undefined],
    ['a', undefined],
    ['A_b.c-1', undefined],
    ['DAGSTER_SECRET', undefined],
    [a(63), undefined],
    [a(64), bad(a(64))],
    ['-a', bad('-a')],
    ['a-', bad('a-')],
    ['.a', bad('.a')],
    ['a b', bad('a b')],
    ['a/b', bad('a/b')],
    ['value!', bad('value!')],
    ['!value', bad('!value')]
  ])('%j -> %j', (value, problem) => {
    expect(labelValueProblem(value)).toBe(problem)
  })
})
