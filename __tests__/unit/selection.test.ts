import { describe, expect, it } from 'vitest'
import { labelValueProblem } from '../../src/sync/kube-validation.js'
import { Ownership } from '../../src/sync/ownership.js'
import { compareNames, hasPrefix, selectSecrets, toSecretName } from '../../src/sync/selection.js'

describe('hasPrefix', () => {
  it.each([
    ['DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN', 'DAGSTER_SECRET', true],
    ['dagster_secret_slack', 'DAGSTER_SECRET', true],
    ['DAGSTER_SECRET_X', 'dagster_secret', true],
    ['DAGSTER_SECRET', 'DAGSTER_SECRET', false],
    ['DAGSTER_SECRET_', 'DAGSTER_SECRET', false],
    ['DAGSTER_SECRETX', 'DAGSTER_SECRET', false],
    ['XDAGSTER_SECRET_A', 'DAGSTER_SECRET', false],
    ['GITHUB_TOKEN', 'GITHUB', false],
    ['github_token', 'GITHUB', false],
    ['GITHUB_OTHER', 'GITHUB', true]
  ])('%s with prefix %s -> %s', (name, prefix, expected) => {
    expect(hasPrefix(name, prefix)).toBe(expected)
  })
})

describe('toSecretName', () => {
  it.each([
    ['DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN', 'dagster-secret-slack-bot-oauth-token'],
    ['DAGSTER_SECRET_A__B', 'dagster-secret-a--b'],
    ['Dagster_Secret_Mixed9', 'dagster-secret-mixed9'],
    ['DAGSTER_SECRET_TRAILING_', 'dagster-secret-trailing-']
  ])('%s -> %s', (githubName, secretName) => {
    expect(toSecretName(githubName)).toBe(secretName)
  })
})

describe('compareNames', () => {
  it.each([
    ['a', 'b', -1],
    ['b', 'a', 1],
    ['a', 'a', 0],
    ['B', 'a', -1],
    ['a-b', 'a_b', -1]
  ])('%s vs %s -> %i (code points, not locale)', (a, b, order) => {
    expect(compareNames(a, b)).toBe(order)
  })
})

describe('selectSecrets', () => {
  it('sorts the rejected by Secret name too, whatever the input order', () => {
    const selection = selectSecrets({ DAGSTER_SECRET_Z_: 'z', DAGSTER_SECRET_A_: 'a' }, 'DAGSTER_SECRET')
    expect(selection.rejected.map(r => r.githubName)).toEqual(['DAGSTER_SECRET_A_', 'DAGSTER_SECRET_Z_'])
  })

  it('orders the GitHub names of one Secret name by code point, whatever the input order', () => {
    const selection = selectSecrets(
      { dagster_secret_key: '1', Dagster_Secret_Key: '2', DAGSTER_SECRET_KEY: '3' },
      'DAGSTER_SECRET'
    )
    expect(selection.rejected.map(r => [r.githubName, r.reason])).toEqual([
      [
        'DAGSTER_SECRET_KEY',
        'its Secret name "dagster-secret-key" is also the name for dagster_secret_key, Dagster_Secret_Key; rename one of them'
      ],
      [
        'Dagster_Secret_Key',
        'its Secret name "dagster-secret-key" is also the name for dagster_secret_key, DAGSTER_SECRET_KEY; rename one of them'
      ],
      [
        'dagster_secret_key',
        'its Secret name "dagster-secret-key" is also the name for Dagster_Secret_Key, DAGSTER_SECRET_KEY; rename one of them'
      ]
    ])
  })

  it('selects prefixed names, sorts them by Secret name and only counts the rest', () => {
    const selection = selectSecrets(
      { DAGSTER_SECRET_B: 'b', github_token: 't', OTHER: 'o', DAGSTER_SECRET_A: 'a', DAGSTER_SECRET: 'bare' },
      'DAGSTER_SECRET'
    )
    expect(selection.selected).toEqual([
      { githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', value: 'a' },
      { githubName: 'DAGSTER_SECRET_B', secretName: 'dagster-secret-b', value: 'b' }
    ])
    expect(selection.rejected).toEqual([])
    expect(selection.ignoredCount).toBe(3)
  })

  it('rejects both names that map to the same Secret, naming the other', () => {
    const selection = selectSecrets({ DAGSTER_SECRET_KEY: '1', dagster_secret_key: '2' }, 'DAGSTER_SECRET')
    expect(selection.selected).toEqual([])
    // Code-point order: upper case first.
    expect(selection.rejected.map(r => [r.githubName, r.reason])).toEqual([
      ['DAGSTER_SECRET_KEY', expect.stringContaining('also the name for dagster_secret_key')],
      ['dagster_secret_key', expect.stringContaining('also the name for DAGSTER_SECRET_KEY')]
    ])
  })

  it.each([
    ['DAGSTER_SECRET_TRAILING_', 'not a valid Kubernetes name'],
    ['DAGSTER_SECRET_DOT.', 'not a valid Kubernetes name'],
    ['DAGSTER_SECRET_SP ACE', 'not a valid Kubernetes name'],
    [`DAGSTER_SECRET_${'X'.repeat(250)}`, 'longer than 253']
  ])('rejects %s because %s', (githubName, reason) => {
    const selection = selectSecrets({ [githubName]: 'v' }, 'DAGSTER_SECRET')
    expect(selection.selected).toEqual([])
    expect(selection.rejected[0]?.reason).toContain(reason)
  })

  it('takes a Secret name of exactly 253 characters and rejects one of 254', () => {
    const fits = `DAGSTER_SECRET_${'X'.repeat(238)}`
    const over = `DAGSTER_SECRET_${'Y'.repeat(239)}`
    const selection = selectSecrets({ [fits]: 'v', [over]: 'v' }, 'DAGSTER_SECRET')
    expect(selection.selected.map(s => s.secretName.length)).toEqual([253])
    expect(selection.rejected).toEqual([
      {
        githubName: over,
        secretName: over.toLowerCase().replaceAll('_', '-'),
        reason: `the Secret name "${over.toLowerCase().replaceAll('_', '-')}" is longer than 253 characters; rename the GitHub secret`
      }
    ])
  })

  it('selects with a prefix of 63 characters (the longest the input takes), whose label is valid', () => {
    const prefix = `P${'Q'.repeat(62)}`
    const selection = selectSecrets({ [`${prefix}_A`]: 'v' }, prefix)
    expect(selection.selected.map(s => s.githubName)).toEqual([`${prefix}_A`])
    const labels = new Ownership(prefix, 'acme/dagster-infra').labels
    expect(Object.values(labels).map(labelValueProblem)).toEqual([undefined, undefined, undefined])
  })

  it('rejects a data key the API would refuse, with the reason', () => {
    const selection = selectSecrets({ 'DAGSTER_SECRET_A..B': 'v' }, 'DAGSTER_SECRET')
    expect(selection.rejected[0]?.reason).toBe(
      `the Secret name "dagster-secret-a..b" is not a valid Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit; rename the GitHub secret`
    )
  })

  it('rejects a value over 1 MiB and accepts one of exactly 1 MiB', () => {
    const selection = selectSecrets(
      { DAGSTER_SECRET_BIG: 'x'.repeat(1024 * 1024 + 1), DAGSTER_SECRET_FITS: 'x'.repeat(1024 * 1024) },
      'DAGSTER_SECRET'
    )
    expect(selection.selected.map(s => s.githubName)).toEqual(['DAGSTER_SECRET_FITS'])
    expect(selection.rejected[0]?.reason).toBe(
      'its value is 1048577 bytes; a Kubernetes Secret holds at most 1048576 bytes'
    )
  })

  it('counts bytes, not characters, against the limit', () => {
    const selection = selectSecrets({ DAGSTER_SECRET_EMOJI: '€'.repeat(400_000) }, 'DAGSTER_SECRET')
    expect(selection.rejected[0]?.reason).toContain('1200000 bytes')
  })

  it('keeps values byte for byte', () => {
    const pem = '-----BEGIN KEY-----\nabc\n-----END KEY-----\n'
    const value = `${pem}"quoted" $HOME \\back ünïcödé 🔑`
    expect(selectSecrets({ DAGSTER_SECRET_PEM: value }, 'DAGSTER_SECRET').selected[0]?.value).toBe(value)
  })
})
