// The leak scan every end-to-end run goes through must itself be able to find a leak.
import { describe, expect, it } from 'vitest'
import { findLeaks, parseOutputFile, type ActionRun } from '../e2e/run-action.js'

const value = 'p"ss\nword-canary'
const run = (overrides: Partial<ActionRun>): ActionRun => ({
  exitCode: 0,
  stdout: '',
  stderr: '',
  outputs: {},
  summary: '',
  files: {},
  ...overrides
})

describe('findLeaks', () => {
  it('allows a value only in the ::add-mask:: commands the runner consumes', () => {
    expect(findLeaks(run({ stdout: `::add-mask::${value}\nok\n` }), [value])).toEqual([])
  })

  it.each([
    ['value', { stderr: `boom ${value}` }, 'value of a value in stderr'],
    ['base64', { stdout: `x ${Buffer.from(value).toString('base64')}` }, 'base64 of a value in stdout'],
    [
      'JSON-escaped',
      { files: { GITHUB_STEP_SUMMARY: JSON.stringify({ v: value }) } },
      'json of a value in GITHUB_STEP_SUMMARY'
    ]
  ])('finds the %s form', (_form, overrides, leak) => {
    expect(findLeaks(run(overrides), [value])).toContain(leak)
  })
})

describe('parseOutputFile', () => {
  it('reads the heredoc format @actions/core writes, multi-line values included', () => {
    const text =
      'created<<ghadelimiter_1\n["a"]\nghadelimiter_1\nenv_secrets<<ghadelimiter_2\n- name: a\n- name: b\n\nghadelimiter_2\n'
    expect(parseOutputFile(text)).toEqual({ created: '["a"]', env_secrets: '- name: a\n- name: b\n' })
  })
})
