// Runs the bundled action (dist/index.js) as a child process with the environment a GitHub runner gives a
// JavaScript action, then reads back what a runner would: exit code, log, outputs file and job summary.
// https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions#inputs
import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const actionEntry = fileURLToPath(new URL('../../dist/index.js', import.meta.url))

/** The numeric ids the runner gives the test repositories (GITHUB_REPOSITORY_ID, github.repository_id). */
export const REPOSITORY_IDS: Record<string, string> = {
  'acme/dagster-infra': '700001',
  'acme/dagster-dags': '700002'
}

export interface ActionRun {
  exitCode: number
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** Every file the run left in its temp folder (outputs, summary, env files), for leak scans. */
  files: Record<string, string>
}

/** `inputs` by their action.yml names; `env` adds to (or, with undefined, removes from) the runner env. */
export async function runAction(
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {}
): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-run-'))
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STATE: join(dir, 'state'),
    GITHUB_PATH: join(dir, 'path')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')

  const inputEnv = Object.fromEntries(
    Object.entries(inputs).map(([name, value]) => [`INPUT_${name.replace(/ /g, '_').toUpperCase()}`, value])
  )
  const childEnv: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/dagster-infra',
    GITHUB_REPOSITORY_ID: REPOSITORY_IDS['acme/dagster-infra'],
    GITHUB_REPOSITORY_OWNER: 'acme',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_WORKFLOW: 'Sync secrets',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
    GITHUB_REF: 'refs/heads/main',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    RUNNER_OS: 'Linux',
    ...files,
    ...inputEnv,
    ...env
  }
  for (const [key, value] of Object.entries(childEnv)) if (value === undefined) delete childEnv[key]

  const { exitCode, stdout, stderr } = await new Promise<{
    exitCode: number
    stdout: string
    stderr: string
  }>(resolve => {
    // process.execPath is Node 24 here: npm scripts put the node@24 devDependency first on PATH.
    execFile(
      process.execPath,
      [actionEntry],
      { env: childEnv as NodeJS.ProcessEnv, cwd: dir, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 },
      (error, out, err) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
        resolve({ exitCode: code, stdout: out, stderr: err })
      }
    )
  })
  const read = (file: string): string => readFileSync(file, 'utf8')
  const run: ActionRun = {
    exitCode,
    stdout,
    stderr,
    outputs: parseOutputFile(read(files.GITHUB_OUTPUT)),
    summary: read(files.GITHUB_STEP_SUMMARY),
    files: Object.fromEntries(Object.entries(files).map(([name, file]) => [name, read(file)]))
  }
  // Every end-to-end run, whatever it tests, is scanned for the values it was given, in either input.
  const leaks = findLeaks(run, [
    ...scannableValues(inputs.secrets),
    ...scannableValues(readIfFile(inputs.secrets_file))
  ])
  if (leaks.length > 0) throw new Error(`the action leaked secret values: ${leaks.join('; ')}`)
  return run
}

/** The text of the file `secrets_file` names, if there is one to read. */
function readIfFile(path: string | undefined): string | undefined {
  try {
    return path ? readFileSync(path, 'utf8') : undefined
  } catch {
    return undefined
  }
}

/**
 * The values of a `secrets` input that a scan can look for without false alarms: values shorter than 6
 * characters ("v", "true") occur in ordinary text. Tests use long, distinctive values for what they scan.
 */
function scannableValues(secretsInput: string | undefined): string[] {
  try {
    const parsed: unknown = JSON.parse(secretsInput ?? '')
    if (typeof parsed !== 'object' || parsed === null) return []
    return Object.values(parsed).filter(
      (value): value is string => typeof value === 'string' && value.length >= 6
    )
  } catch {
    return []
  }
}

/** The `name<<delimiter` heredoc format @actions/core writes to GITHUB_OUTPUT. */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? '')
    if (!match) continue
    const [, name, delimiter] = match as unknown as [string, string, string]
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string)
    outputs[name] = value.join('\n')
  }
  return outputs
}

/**
 * Every place a value, its base64 or its JSON-escaped form shows up in what the run left behind. The
 * `::add-mask::` commands are the one place a value must appear: they are how the runner learns to hide it,
 * and the runner consumes them rather than printing them.
 */
export function findLeaks(run: ActionRun, values: string[]): string[] {
  const places: Record<string, string> = {
    stdout: run.stdout
      .split('\n')
      .filter(line => !line.startsWith('::add-mask::'))
      .join('\n'),
    stderr: run.stderr,
    ...run.files
  }
  const leaks: string[] = []
  for (const value of values) {
    const forms = {
      value,
      base64: Buffer.from(value).toString('base64'),
      json: JSON.stringify(value).slice(1, -1)
    }
    for (const [where, text] of Object.entries(places)) {
      for (const [form, needle] of Object.entries(forms)) {
        if (text.includes(needle)) leaks.push(`${form} of a value in ${where}`)
      }
    }
  }
  return leaks
}
