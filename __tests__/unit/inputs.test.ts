import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import {
  parseAnnotations,
  parseBoolean,
  parseMetadata,
  parseNamespace,
  parseOnConflict,
  parseMaxDeletions,
  parseOnDrift,
  parseOwner,
  parseOwnerId,
  parsePrefix,
  parseRestartTarget,
  parseSecretsJson,
  parseWholeNumber,
  readSecrets,
  SECRETS_WARNING_BYTES,
  secretsSizeWarning
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

describe('readSecrets: exactly one of `secrets` and `secrets_file`', () => {
  const secretish = 'hunter2-do-not-print'
  const dir = mkdtempSync(join(tmpdir(), 'secrets-file-test-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = (name: string, content: string): string => {
    const path = join(dir, name)
    writeFileSync(path, content, { mode: 0o600 })
    return path
  }
  const inputs =
    (values: Record<string, string>) =>
    (name: string): string =>
      values[name] ?? ''
  /** The error readSecrets throws, checked never to echo a value. */
  const refusal = (values: Record<string, string>, readFile?: (path: string) => string): string => {
    try {
      readSecrets(inputs(values), { HOME: dir }, readFile)
    } catch (error) {
      const message = (error as Error).message
      expect(message).not.toContain(secretish)
      return message
    }
    throw new Error('expected readSecrets to refuse')
  }

  it('reads `secrets` itself', () => {
    expect(readSecrets(inputs({ secrets: '{"A":"1"}' }), {})).toEqual({ secrets: { A: '1' } })
  })

  it('reads the file `secrets_file` names, once, with the same JSON (a byte order mark ignored)', () => {
    const path = file('secrets.json', `\uFEFF${JSON.stringify({ A: secretish, B: 'two' })}\n`)
    const read: string[] = []
    const readFile = (p: string): string => {
      read.push(p)
      return readFileSync(p, 'utf8')
    }
    expect(readSecrets(inputs({ secrets_file: path }), {}, readFile)).toEqual({
      secrets: { A: secretish, B: 'two' }
    })
    expect(read).toEqual([path])
  })

  it('expands ~ in `secrets_file` to the home folder, as in `kubeconfig`', () => {
    file('home-secrets.json', '{"A":"1"}')
    expect(readSecrets(inputs({ secrets_file: '~/home-secrets.json' }), { HOME: dir }).secrets).toEqual({
      A: '1'
    })
  })

  it.each<[string, Record<string, string>, string]>([
    [
      'both',
      { secrets: `{"A":"${secretish}"}`, secrets_file: '/tmp/secrets.json' },
      'Set either `secrets` or `secrets_file`, not both'
    ],
    [
      'neither',
      {},
      'Input `secrets` is required (or `secrets_file`). Pass `secrets: ${{ toJSON(secrets) }}`, or, for secret sets over 128 KiB, write that JSON to a file and pass its path as `secrets_file`.'
    ],
    ['only whitespace in both', { secrets: ' \n', secrets_file: '  ' }, 'Input `secrets` is required']
  ])('refuses %s, naming both inputs', (_, values, message) => {
    expect(refusal(values)).toContain(message)
  })

  it.each<[string, () => string, string]>([
    ['a missing file', () => join(dir, 'missing.json'), 'there is no such file'],
    ['a folder', () => dir, 'it is a folder, not a file'],
    ['an empty file', () => file('empty.json', ''), 'is empty. Write `${{ toJSON(secrets) }}` into it.'],
    [
      'a file that is not JSON',
      () => file('bad.json', `{"A": "${secretish}"`),
      'is not valid JSON. Write `${{ toJSON(secrets) }}` into it (a JSON object of name to value).'
    ],
    ['a JSON array', () => file('array.json', `["${secretish}"]`), 'is an array, not a JSON object'],
    [
      'values that are not strings',
      () => file('numbers.json', `{"B": 1, "A": {"x": "${secretish}"}}`),
      'must map names to strings; these are not strings: A, B.'
    ]
  ])('refuses %s with an error naming `secrets_file` and the path', (_, path, message) => {
    const given = path()
    const error = refusal({ secrets_file: given })
    expect(error).toContain('`secrets_file`')
    expect(error).toContain(given)
    expect(error).toContain(message)
  })

  it('says "permission denied" for a file it may not read', () => {
    const denied = (): string => {
      throw Object.assign(new Error(`EACCES: permission denied, open '/x' ${secretish}`), { code: 'EACCES' })
    }
    expect(refusal({ secrets_file: '/run/secrets.json' }, denied)).toBe(
      'Could not read `secrets_file` /run/secrets.json: permission denied.'
    )
  })

  it.each([
    [SECRETS_WARNING_BYTES, false],
    [SECRETS_WARNING_BYTES + 1, true],
    [128 * 1024, true]
  ])('warns about a `secrets` input of %i bytes: %s', (bytes, warns) => {
    const warning = secretsSizeWarning(bytes)
    expect(warning !== undefined).toBe(warns)
    if (warns) {
      expect(warning).toContain('Linux refuses to start a process with one over 128 KiB')
      expect(warning).toContain('"Argument list too long"')
      expect(warning).toContain('pass its path as `secrets_file` instead')
    }
  })

  it('warns for a large `secrets` input, and never for `secrets_file`', () => {
    const big = JSON.stringify({ A: 'x'.repeat(SECRETS_WARNING_BYTES) })
    expect(readSecrets(inputs({ secrets: big }), {}).warning).toContain('Input `secrets` holds 96 KiB.')
    expect(readSecrets(inputs({ secrets_file: file('big.json', big) }), {}).warning).toBeUndefined()
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

  it('refuses an owner that ends the way the annotation records an id', () => {
    expect(() => parseOwner('acme/x (id 5)', {})).toThrow('give the id as `owner_id`')
    expect(parseOwner('acme/x (id five)', {})).toBe('acme/x (id five)')
  })
})

describe('parseOwnerId', () => {
  const runner = { GITHUB_REPOSITORY: 'acme/dagster-dags', GITHUB_REPOSITORY_ID: '4242' }
  it.each<[string, string, NodeJS.ProcessEnv, string | undefined]>([
    // owner_id, owner, env, id
    ['', '', runner, '4242'],
    ['', 'acme/dagster-dags', runner, '4242'],
    ['', 'acme/dagster-infra', runner, undefined],
    ['77', 'acme/dagster-infra', runner, '77'],
    [' 77 ', '', runner, '77'],
    ['', '', { GITHUB_REPOSITORY: 'acme/dagster-dags' }, undefined],
    ['', 'team data', {}, undefined]
  ])('owner_id %j with owner %j is %s', (text, owner, env, id) => {
    expect(parseOwnerId(text, owner, env)).toBe(id)
  })

  it.each(['R_kgDOabc', '-1', '1.5', '1'.repeat(21)])('refuses owner_id %j, naming the input', text => {
    expect(() => parseOwnerId(text, '', runner)).toThrow('Input `owner_id`')
  })

  it('refuses a GITHUB_REPOSITORY_ID that is not a number, naming what to set', () => {
    expect(() => parseOwnerId('', '', { ...runner, GITHUB_REPOSITORY_ID: 'x' })).toThrow(
      'GITHUB_REPOSITORY_ID is "x", not a number; set `owner_id`'
    )
  })
})

describe('parseMaxDeletions', () => {
  it.each([
    ['', { kind: 'share', percent: 50 }],
    ['50%', { kind: 'share', percent: 50 }],
    ['0%', { kind: 'share', percent: 0 }],
    ['100%', { kind: 'share', percent: 100 }],
    [' 5 ', { kind: 'count', count: 5 }],
    ['0', { kind: 'count', count: 0 }]
  ])('%j is %j', (text, max) => {
    expect(parseMaxDeletions(text)).toEqual(max)
  })

  it.each(['101%', '-1', '5.5', '50 %', 'half', '%', '1000000'])(
    'refuses %j, naming the input and both forms',
    text => {
      expect(() => parseMaxDeletions(text)).toThrow(
        /^Input `max_deletions` is ".*"; use a number of Secrets \(5\) or a share/
      )
    }
  )
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

  it('annotation keys are checked as the API server checks them: lower-cased first', () => {
    expect(parseAnnotations('Example.COM/Team=data\nteam=x')).toEqual({
      'Example.COM/Team': 'data',
      team: 'x'
    })
    expect(() => parseAnnotations('Under_Score.com/x=y')).toThrow(
      'Input `annotations`, line 1: the prefix of key "Under_Score.com/x" must be a DNS subdomain (e.g. example.com).'
    )
    // Labels are not lower-cased.
    expect(() => parseMetadata('labels', 'Example.COM/Team=data')).toThrow(
      'must be a lower-case DNS subdomain'
    )
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
