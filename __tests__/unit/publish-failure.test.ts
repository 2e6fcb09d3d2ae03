// run()'s outer catch: a run that fails before its report writes the summary of the failure, then fails the step
// (setFailed last, as its message is what the job page shows); never a second summary after the report's.
// @actions/core is mocked (a unit test of run(); the real thing runs in __tests__/e2e/).
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest'

const calls: string[] = []
const inputs: Record<string, string> = {}
let writeFails = false

vi.mock('@actions/core', () => {
  const summary = {
    emptyBuffer: () => summary,
    addRaw: (text: string) => {
      calls.push(`summary ${text.split('\n')[0]}`)
      return summary
    },
    write: async () => {
      if (writeFails) throw new Error('EACCES: permission denied')
    }
  }
  return {
    getInput: (name: string) => inputs[name] ?? '',
    setSecret: () => undefined,
    info: () => undefined,
    warning: (line: string) => calls.push(`warning ${line}`),
    error: () => undefined,
    setOutput: () => undefined,
    setFailed: (message: string) => calls.push(`failed ${message.split('\n')[0]}`),
    summary
  }
})

const { run } = await import('../../src/main.js')
const { publishFailure } = await import('../../src/github/publish.js')

const summaryFile = process.env.GITHUB_STEP_SUMMARY
process.env.GITHUB_STEP_SUMMARY = '/dev/null'
afterAll(() => {
  if (summaryFile === undefined) delete process.env.GITHUB_STEP_SUMMARY
  else process.env.GITHUB_STEP_SUMMARY = summaryFile
})

beforeEach(() => {
  calls.length = 0
  writeFails = false
  for (const name of Object.keys(inputs)) delete inputs[name]
  Object.assign(inputs, { kubeconfig: '/unused', owner: 'acme/dagster-infra' })
})

describe('a run that fails before its report', () => {
  it.each([
    [
      'bad JSON in secrets',
      { secrets: '{"DAGSTER_SECRET_A": ' },
      'an input is invalid',
      'Input `secrets` is not valid JSON'
    ],
    [
      'a bad input',
      { secrets: '{}', on_conflict: 'overwrite' },
      'an input is invalid',
      'Input `on_conflict`'
    ],
    ['prune with nothing selected', { secrets: '{}', prune: 'true' }, 'prune refused', 'prune is on, but']
  ])('%s: the summary of the failure, then setFailed', async (_, given, heading, message) => {
    Object.assign(inputs, given)
    await run()
    expect(calls).toEqual([
      expect.stringMatching(new RegExp(`^summary ## ❌ gke-secrets-sync: ${heading}`)),
      expect.stringMatching(new RegExp(`^failed gke-secrets-sync: ${message.replace(/[`]/g, '.')}`))
    ])
  })

  it('still fails the step, with the message, when the summary cannot be written', async () => {
    writeFails = true
    Object.assign(inputs, { secrets: '' })
    await run()
    expect(calls.slice(1)).toEqual([
      'warning Could not write the job summary: EACCES: permission denied',
      'failed gke-secrets-sync: Input `secrets` is required (or `secrets_file`). Pass `secrets: ${{ toJSON(secrets) }}`, or, for secret sets over 128 KiB, write that JSON to a file and pass its path as `secrets_file`.'
    ])
  })

  it('writes no second summary once the report has written its own', async () => {
    await publishFailure(new Error('the sync stopped after an unexpected error: boom'), {
      started: 0,
      stage: 'syncing',
      summaryWritten: true
    })
    expect(calls).toEqual(['failed gke-secrets-sync: the sync stopped after an unexpected error: boom'])
  })
})
