import { describe, expect, it } from 'vitest'
import {
  parseBoolean,
  parseMetadata,
  parseNamespace,
  parseOnConflict,
  parseOnDrift,
  parseOwner,
  parsePrefix,
  parseRestartTarget,
  parseSecretsJson,
  parseWholeNumber
} from '../../src/github/inputs.js'
import { labelValueProblem } from '../../src/sync/kube-validation.js'

describe('parseSecretsJson', () => {
  it('accepts a JSON object of strings', () => {
    expect(parseSecretsJson('{"A":"1","github_token":"t"}')).toEqual({ A: '1', github_token: 't' })
    expect(parseSecretsJson('{}')).toEqual({})
  })

  const secretish = 'hunter2-do-not-print'
  it.each([
    [`{"A": "${secretish}"`, 'is not valid JSON'],
    [`not json ${secretish}`, 'is not valid JSON'],
    [`["${secretish}"]`, 'is an array, not a JSON object'],
    [`"${secretish}"`, 'is a string, not a JSON object'],
    ['null', 'is null, not a JSON object'],
    ['42', 'is a number, not a JSON object'],
    [`{"B": 1, "A": {"x": "${secretish}"}, "C": "ok"}`, 'these are not strings: A, B']
  ])('refuses %s with an error that never echoes the input', (text, message) => {
    let thrown: Error | undefined
    try {
      parseSecretsJson(text)
    } catch (error) {
      thrown = error as Error
    }
    expect(thrown?.message).toContain(message)
    expect(thrown?.message).toContain('secrets')
    expect(thrown?.message).not.toContain(secretish)
    expect(thrown?.message).not.toContain(Buffer.from(secretish).toString('base64'))
  })
})

describe('simple inputs', () => {
  it.each(['DAGSTER_SECRET', 'dagster_secret', 'A', 'APP2_KEYS'])('prefix %s is accepted', prefix => {
    expect(parsePrefix(prefix)).toBe(prefix)
  })
  it.each(['DAGSTER_SECRET_', '_X', '9LIVES', 'DAG-STER', '', 'A'.repeat(64)])(
    'prefix "%s" is refused',
    prefix => {
      expect(() => parsePrefix(prefix)).toThrow(/Input `prefix`/)
    }
  )
  it.each(['dagster-prd', 'a', 'x'.repeat(63)])('namespace %s is accepted', ns =>
    expect(parseNamespace(ns)).toBe(ns)
  )
  it.each(['Dagster', 'dagster_prd', '-x', 'x'.repeat(64), 'a.b'])('namespace %s is refused', ns => {
    expect(() => parseNamespace(ns)).toThrow(/Input `namespace`/)
  })
  it('on_conflict takes fail, skip, adopt only', () => {
    expect(['fail', 'skip', 'adopt'].map(parseOnConflict)).toEqual(['fail', 'skip', 'adopt'])
    expect(() => parseOnConflict('overwrite')).toThrow(
      'Input `on_conflict` is "overwrite"; use fail, skip or adopt.'
    )
  })
  it('on_drift takes restore and fail only', () => {
    expect(['restore', 'fail'].map(parseOnDrift)).toEqual(['restore', 'fail'])
    expect(() => parseOnDrift('ignore')).toThrow('Input `on_drift` is "ignore"; use restore or fail.')
  })
  it.each([
    ['', false],
    ['true', true],
    ['TRUE', true],
    ['False', false]
  ])('boolean "%s" -> %s', (text, value) => expect(parseBoolean('dry_run', text, false)).toBe(value))
  it('boolean refuses yes', () =>
    expect(() => parseBoolean('dry_run', 'yes', false)).toThrow('Input `dry_run` is "yes"'))
  it.each(['0', '101', '1.5', 'ten', '-3'])('concurrency "%s" is refused', text => {
    expect(() => parseWholeNumber('concurrency', text, 1, 100)).toThrow('use a whole number from 1 to 100')
  })
  it('concurrency 100 is accepted', () => expect(parseWholeNumber('concurrency', '100', 1, 100)).toBe(100))
})

describe('parseOwner', () => {
  it.each([
    ['', { GITHUB_REPOSITORY: 'acme/dagster-dags' }, 'acme/dagster-dags'],
    ['acme/platform', { GITHUB_REPOSITORY: 'acme/dagster-dags' }, 'acme/platform'],
    ['  team data  ', {}, 'team data'],
    ['acme/données', {}, 'acme/données']
  ])('owner "%s" with %j is %s', (text, env, owner) => {
    expect(parseOwner(text, env)).toBe(owner)
  })

  it('is required outside GitHub Actions, naming the input', () => {
    expect(() => parseOwner('', {})).toThrow(
      'Input `owner` is required outside GitHub Actions (GITHUB_REPOSITORY is not set)'
    )
  })

  it.each(['a\nb', 'x'.repeat(254)])('refuses %j', text => {
    expect(() => parseOwner(text, {})).toThrow(/Input `owner` must be one line of at most 253 characters/)
  })
})

describe('parseMetadata', () => {
  it('reads key=value lines, skipping blanks and comments, keeping = in values', () => {
    const text = '\n# a comment\nteam=data\n  example.com/owner = platform \nformula=a=b\n'
    expect(parseMetadata('annotations', text)).toEqual({
      team: 'data',
      'example.com/owner': 'platform',
      formula: 'a=b'
    })
  })

  it.each([
    ['novalue', 'line 1: write it as key=value.'],
    ['Bad Key=x', 'key "Bad Key" must be 1-63 characters'],
    ['UPPER.com/x=y', 'the prefix of key "UPPER.com/x" must be a lower-case DNS subdomain'],
    [`${'k'.repeat(64)}=x`, 'must be 1-63 characters'],
    ['team=has space', 'value "has space" must be at most 63 characters'],
    [`team=${'v'.repeat(64)}`, 'must be at most 63 characters'],
    ['app.kubernetes.io/managed-by=me', 'is set by the action itself'],
    ['gke-secrets-sync/prefix=X', 'is set by the action itself'],
    ['gke-secrets-sync/owner=X', 'is set by the action itself'],
    ['gke-secrets-sync/run-url=X', 'is set by the action itself'],
    ['gke-secrets-sync/written-at=X', 'is set by the action itself'],
    ['a=1\na=2', 'line 2: a is given twice.']
  ])('labels %j are refused: %s', (text, message) => {
    expect(() => parseMetadata('labels', text, labelValueProblem)).toThrow(message)
  })

  it('annotations allow values labels would not', () => {
    expect(parseMetadata('annotations', 'note=any text, even: colons')).toEqual({
      note: 'any text, even: colons'
    })
  })
})

describe('parseRestartTarget', () => {
  it.each([
    ['', undefined],
    ['dagster-user-code', { kind: 'names', names: ['dagster-user-code'] }],
    ['a, b\nc  a', { kind: 'names', names: ['a', 'b', 'c'] }],
    [
      'app.kubernetes.io/part-of=dagster',
      { kind: 'selector', selector: 'app.kubernetes.io/part-of=dagster' }
    ],
    [
      'component in (user-code, webserver)',
      { kind: 'selector', selector: 'component in (user-code, webserver)' }
    ],
    ['!legacy', { kind: 'selector', selector: '!legacy' }]
  ])('%j -> %j', (text, target) => {
    expect(parseRestartTarget(text)).toEqual(target)
  })

  it.each([
    ['User_Code', 'the Deployment name "user_code"'.replace('user_code', 'User_Code')],
    ['a=b\nc=d', 'give it on one line']
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseRestartTarget(text)).toThrow(message)
  })
})
