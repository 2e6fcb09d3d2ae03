// The reusable workflow hands the secrets to the action as a file that a `run:` script writes with a quoted
// heredoc around `${{ toJSON(secrets) }}`. The runner puts the value of the expression into the script before
// bash reads it, so the claim to hold is: no secret value can end the heredoc early (and run the rest of its
// value as commands), and the file holds exactly the JSON. toJSON is rendered here by GitHub's own evaluator
// (@actions/expressions: `JSON.stringify(value, replacer, "  ")`); the runner's implementation (actions/runner,
// src/Sdk/DTExpressions2/Expressions2/Sdk/Functions/ToJson.cs) writes the same layout, one key per line indented
// by two spaces, each string through Newtonsoft's JSON escaping, which also escapes every line break.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { evaluateExpression, runBashStep } from './workflow-steps.js'

interface Step {
  id?: string
  run?: string
  shell?: string
  env?: Record<string, string>
}
const workflow = parse(
  readFileSync(join(import.meta.dirname, '../../.github/workflows/sync-secrets.yml'), 'utf8')
) as { jobs: Record<string, { steps: Step[] }> }
const step = Object.values(workflow.jobs)[0]?.steps.find(candidate => candidate.id === 'secrets-file') as Step
const script = String(step.run)
const EXPRESSION = '${{ toJSON(secrets) }}'
const delimiter = /<<'([A-Za-z_]+)'\n/.exec(script)?.[1] ?? ''

/** The script as the runner hands it to bash, with `toJSON(secrets)` evaluated as GitHub does. */
function rendered(secrets: Record<string, string>): { json: string; script: string } {
  const json = evaluateExpression(EXPRESSION, { secrets })
  // A function, so that `$&` or `$'` in a value is not a replacement pattern.
  return { json, script: script.replace(EXPRESSION, () => json) }
}

/** 48 KB, the most GitHub allows in one secret. */
const LARGEST = 48 * 1000
const CASES: [string, Record<string, string>][] = [
  ['a plain value', { DAGSTER_SECRET_A: 'value' }],
  ['lines', { DAGSTER_SECRET_PEM: '-----BEGIN KEY-----\nabc\ndef\n-----END KEY-----\n' }],
  ['the delimiter itself', { DAGSTER_SECRET_D: delimiter }],
  ['the delimiter on a line of its own', { DAGSTER_SECRET_D: `x\n${delimiter}\ntouch pwned\n` }],
  ['the delimiter after a carriage return', { DAGSTER_SECRET_D: `x\r\n${delimiter}\r\ntouch pwned` }],
  ['the delimiter after a tab (as `<<-` would strip)', { DAGSTER_SECRET_D: `\t${delimiter}` }],
  ['EOF-like lines', { DAGSTER_SECRET_E: 'EOF', DAGSTER_SECRET_F: 'a\nEOF\nb', DAGSTER_SECRET_G: 'JSON\n' }],
  ['quotes and shell syntax', { DAGSTER_SECRET_Q: `"'\`$(touch pwned)\` \${HOME} $HOME $& $' \\ \\n'"` }],
  ['JSON punctuation', { DAGSTER_SECRET_J: '}\n{\n  "x": 1\n}' }],
  ['an expression', { DAGSTER_SECRET_X: '${{ secrets.github_token }}' }],
  ['other line separators', { DAGSTER_SECRET_U: 'a\u2028b\u2029c\u0085d\u000be\u000cf' }],
  ['non-ASCII', { DAGSTER_SECRET_N: 'Grüße, €, 🧪' }],
  ['an empty value', { DAGSTER_SECRET_EMPTY: '' }],
  [
    'more than 128 KiB in all',
    Object.fromEntries([1, 2, 3, 4].map(n => [`DAGSTER_SECRET_BIG_${n}`, `${n}`.repeat(LARGEST)]))
  ]
]

let cwd: string
let runnerTemp: string
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'secrets-file-'))
  runnerTemp = mkdtempSync(join(tmpdir(), 'runner-temp-'))
})
afterEach(() => {
  rmSync(cwd, { recursive: true, force: true })
  rmSync(runnerTemp, { recursive: true, force: true })
})

function runStep(
  scriptText: string,
  syncSecrets = ''
): { status: number | null; path: string; file: string } {
  const output = join(runnerTemp, 'github_output')
  const result = runBashStep(
    scriptText,
    { RUNNER_TEMP: runnerTemp, GITHUB_OUTPUT: output, SYNC_SECRETS: syncSecrets },
    cwd
  )
  expect(result.stderr).toBe('')
  const path = /^path=(.*)$/m.exec(readFileSync(output, 'utf8'))?.[1] ?? ''
  return { status: result.status, path, file: readFileSync(path, 'utf8') }
}

describe('the step that writes the secrets file', () => {
  it('has one expression, inside a quoted heredoc whose delimiter closes it on a line of its own', () => {
    expect(step.shell).toBe('bash')
    expect(script.match(/\$\{\{/g)).toHaveLength(1)
    expect(delimiter).toMatch(/^[A-Z_]{8,}$/)
    expect(script).toContain(`<<'${delimiter}'\n${EXPRESSION}\n${delimiter}\n`)
    expect(script).not.toContain('<<-')
    expect(script).toMatch(/^umask 077$/m)
  })

  it.each(CASES)('renders %s as GitHub does: JSON.stringify(secrets, null, 2)', (_, secrets) => {
    expect(rendered(secrets).json).toBe(JSON.stringify(secrets, null, 2))
  })

  it.each(CASES)('gives no line that could end the heredoc for %s', (_, secrets) => {
    const lines = rendered(secrets).json.split('\n')
    expect(lines.filter(line => line === delimiter)).toEqual([])
    // Every line but the braces is a key, indented: no value starts a line.
    expect(lines.filter(line => line !== '{' && line !== '}' && !line.startsWith('  "'))).toEqual([])
  })

  it.each(CASES)('writes exactly the JSON for %s, readable by no one else', (_, secrets) => {
    const { json, script: text } = rendered(secrets)
    const { status, path, file } = runStep(text)
    expect(status).toBe(0)
    expect(file).toBe(`${json}\n`)
    expect(JSON.parse(file)).toEqual(secrets)
    expect(path.startsWith(`${runnerTemp}/`)).toBe(true)
    expect(statSync(path).mode & 0o777).toBe(0o600)
    expect(existsSync(join(cwd, 'pwned'))).toBe(false)
  })

  it("writes a caller's `sync_secrets` as given, from the environment, never from the script", () => {
    const own = JSON.stringify({ DAGSTER_SECRET_A: `a\n${delimiter}\n$(touch pwned)` })
    const { json, script: text } = rendered({ github_token: 't', sync_secrets: own })
    const { status, file } = runStep(text, own)
    expect(status).toBe(0)
    expect(file).toBe(`${own}\n`)
    expect(json).toContain(JSON.stringify(own))
    expect(existsSync(join(cwd, 'pwned'))).toBe(false)
  })

  // Why the file: the runner passes an input as an environment variable, and Linux refuses to start any
  // process with one over 128 KiB (MAX_ARG_STRLEN), the largest case above as an input included.
  it('is needed: the largest case as one environment variable stops a process from starting (E2BIG)', () => {
    const secrets = (CASES.at(-1) as [string, Record<string, string>])[1]
    const json = JSON.stringify(secrets, null, 2)
    expect(json.length).toBeGreaterThan(128 * 1024)
    const started = spawnSync('true', { env: { INPUT_SECRETS: json } })
    expect(started.error).toMatchObject({ code: 'E2BIG' })
  })
})
