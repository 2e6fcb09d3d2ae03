// The runner hides a value only once it has been told to (core.setSecret writes `::add-mask::`), so every form of
// every secret value must be registered before anything else is read or written. @actions/core is mocked (a unit
// test of readInputs() and run()); every call to it is recorded in order. The end-to-end counterpart, on the
// bundle's stdout, is __tests__/e2e/masking.test.ts.
import { beforeEach, describe, expect, it, vi } from 'vitest'

const calls: string[] = []
const inputs: Record<string, string> = {}
const record =
  (name: string) =>
  (...args: unknown[]): void => {
    calls.push(`${name} ${String(args[0])}`)
  }

vi.mock('@actions/core', () => ({
  getInput: (name: string) => {
    calls.push(`getInput ${name}`)
    return inputs[name] ?? ''
  },
  setSecret: record('setSecret'),
  info: record('info'),
  debug: record('debug'),
  notice: record('notice'),
  warning: record('warning'),
  error: record('error'),
  startGroup: record('startGroup'),
  endGroup: record('endGroup'),
  setOutput: record('setOutput'),
  setFailed: record('setFailed'),
  summary: { addRaw: () => ({ write: async () => calls.push('summary') }) }
}))

const { readInputs } = await import('../../src/github/inputs.js')
const { run } = await import('../../src/main.js')

const PEM = '-----BEGIN PRIVATE KEY-----\r\nMIIEvQIBADANBgkqhkiG9w0B\nab\n-----END PRIVATE KEY-----\n'
const VALUES: Record<string, string> = {
  DAGSTER_SECRET_PEM: PEM,
  DAGSTER_SECRET_QUOTED: 'p"a$$w\\ord ünïcödé\t🔑',
  DAGSTER_SECRET_EMPTY: '',
  OTHER_SECRET: 'not-selected-but-masked',
  github_token: 'ghs_token-value'
}

/** What must be registered for one value: as is, base64, JSON-escaped, and each line of 4 or more characters. */
function expectedMasks(value: string): string[] {
  if (value === '') return []
  const lines = value.split(/\r?\n/).filter(line => line.trim().length >= 4)
  return [value, Buffer.from(value).toString('base64'), JSON.stringify(value).slice(1, -1), ...lines]
}

beforeEach(() => {
  calls.length = 0
  for (const key of Object.keys(inputs)) delete inputs[key]
  Object.assign(inputs, {
    secrets: JSON.stringify(VALUES),
    kubeconfig: '/nonexistent/kubeconfig',
    owner: 'acme/dagster-infra'
  })
})

const masked = (): string[] =>
  calls.filter(c => c.startsWith('setSecret ')).map(c => c.slice('setSecret '.length))
const firstOther = (): number =>
  calls.findIndex(
    c => !c.startsWith('setSecret ') && c !== 'getInput secrets' && c !== 'getInput secrets_file'
  )

describe('readInputs masks every secret value first', () => {
  it('registers every form of every value, and reads nothing before it but the secrets inputs', () => {
    readInputs({ GITHUB_REPOSITORY: 'acme/dagster-infra' })
    expect(calls[0]).toBe('getInput secrets')
    for (const value of Object.values(VALUES)) {
      for (const form of expectedMasks(value)) expect(masked()).toContain(form)
    }
    // The PEM line by line (the runner masks each line), but not its two-character line.
    expect(masked()).toEqual(
      expect.arrayContaining(['MIIEvQIBADANBgkqhkiG9w0B', '-----END PRIVATE KEY-----'])
    )
    expect(masked()).not.toContain('ab')
    expect(masked()).not.toContain('')
    const lastMask = calls.findLastIndex(c => c.startsWith('setSecret '))
    expect(lastMask).toBeLessThan(firstOther())
  })

  it.each([
    ['a bad on_conflict', { on_conflict: 'overwrite' }, 'Input `on_conflict`'],
    ['a bad namespace', { namespace: 'Not_A_Namespace' }, 'Input `namespace`'],
    ['an unreadable kubeconfig', {}, 'Could not read the kubeconfig /nonexistent/kubeconfig']
  ])('run() with %s fails only after every value is masked', async (_, extra, message) => {
    Object.assign(inputs, extra)
    await run()
    const failed = calls.findIndex(c => c.startsWith('setFailed '))
    expect(calls[failed]).toContain(message)
    const all = Object.values(VALUES).flatMap(expectedMasks)
    expect(new Set(masked())).toEqual(new Set(all))
    // Nothing but masks (and the reads of the secrets inputs) comes before the first other call.
    expect(
      calls
        .slice(0, firstOther())
        .every(c => c.startsWith('setSecret ') || c === 'getInput secrets' || c === 'getInput secrets_file')
    ).toBe(true)
    expect(calls.findLastIndex(c => c.startsWith('setSecret '))).toBeLessThan(failed)
  })

  it('masks nothing when the secrets input is not JSON, and the error never holds it', async () => {
    inputs.secrets = '{"DAGSTER_SECRET_A": "half-a-value'
    await run()
    expect(masked()).toEqual([])
    expect(calls.filter(c => c.startsWith('setFailed '))).toEqual([
      expect.stringContaining('Input `secrets` is not valid JSON')
    ])
    expect(calls.join('\n')).not.toContain('half-a-value')
  })
})
