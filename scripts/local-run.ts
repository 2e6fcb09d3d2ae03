// `npm run local`: runs the action from src/ on this machine through @github/local-action, and prints what a
// newcomer wants to see: the job summary, the outputs and, if it failed, why. It exits with the action's code.
// - With a `.env` (copy `.env.example`), it runs with those inputs: against any cluster your kubeconfig names
//   (kind, minikube), or a real one with INPUT_DRY_RUN=true to change nothing.
// - With no `.env`, it starts the Kubernetes test double, syncs the sample secrets of `.env.example` into it,
//   so that file is proven to work and a newcomer sees a whole run right after `npm ci`.
// Flags (after `npm run local --`): `--verbose` shows local-action's full output (its configuration and
// metadata tables, every log line); `--double` uses the test double even where a `.env` exists;
// `--env-file FILE` reads FILE instead of `.env`.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { parse } from 'dotenv'
import { startKubeDouble, type KubeDouble } from '../kube-double/server.js'
import { SECRETS_WARNING_BYTES } from '../src/github/inputs.js'
import { readLocalActionLog, type LocalActionRun } from './local-action-log.js'

const { values: flags } = parseArgs({
  options: {
    verbose: { type: 'boolean', default: false },
    double: { type: 'boolean', default: false },
    'env-file': { type: 'string', default: '.env' }
  }
})

/**
 * A dotenv file is not read by a shell, so `~` in a path would stay literal; expand a leading `~` or `~/` the
 * way a shell does, so that `.env.example`'s `INPUT_KUBECONFIG=~/.kube/config` works.
 */
export function expandHome(path: string): string {
  return path === '~' || path.startsWith('~/') ? join(homedir(), path.slice(1)) : path
}

/** A line dotenv reads back as exactly `value`: single or backtick quotes keep the text as it is. */
function dotenvLine(name: string, value: string): string {
  const quote = ["'", '`'].find(mark => !value.includes(mark))
  if (!quote) throw new Error(`${name} holds both ' and \`; dotenv cannot quote it. Change that value.`)
  return `${name}=${quote}${value}${quote}`
}

/** Runs local-action; its own output is shown as it comes only with --verbose, and always kept to read. */
function localAction(envFile: string): Promise<{ code: number; output: string }> {
  return new Promise(resolve => {
    const child = spawn('npx', ['local-action', 'run', '.', 'src/main.ts', envFile], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' }
    })
    let output = ''
    const keep = (chunk: Buffer): void => {
      output += chunk.toString()
      if (flags.verbose) process.stdout.write(chunk)
    }
    child.stdout.on('data', keep)
    child.stderr.on('data', keep)
    child.on('close', code => resolve({ code: code ?? 1, output }))
  })
}

/**
 * local-action runs the action with the env file's values in its environment and starts child processes (npm),
 * and Linux refuses to start one with an environment variable over 128 KiB (E2BIG), as a runner does. A large
 * INPUT_SECRETS therefore goes to the action the way a workflow passes it: written to a file readable by you
 * only (removed at the end with the rest of `dir`), named by INPUT_SECRETS_FILE.
 */
function secretsAsFile(values: Record<string, string>, path: string): Record<string, string> {
  const secrets = values.INPUT_SECRETS ?? ''
  if (Buffer.byteLength(secrets) <= SECRETS_WARNING_BYTES || values.INPUT_SECRETS_FILE) return {}
  writeFileSync(path, secrets, { mode: 0o600 })
  console.log(
    `INPUT_SECRETS holds ${(Buffer.byteLength(secrets) / 1024).toFixed(0)} KiB, more than one environment variable should: it goes to the action as secrets_file (a file only you can read, removed afterwards), as a workflow must pass it past 128 KiB.\n`
  )
  return { INPUT_SECRETS: '', INPUT_SECRETS_FILE: path }
}

function printResult(run: LocalActionRun, summary: string): void {
  console.log('===== Job summary =====\n')
  console.log(summary.trim() || '(empty)')
  console.log('\n===== Outputs =====\n')
  for (const [name, value] of Object.entries(run.outputs)) {
    const lines = value.split('\n')
    console.log(
      lines.length > 1 ? `${name}:\n${lines.map(line => `  ${line}`).join('\n')}` : `${name}: ${value}`
    )
  }
  if (Object.keys(run.outputs).length === 0) console.log('(none)')
  if (run.failure) console.log(`\n===== The action failed =====\n\n${run.failure}`)
}

const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-local-'))
const useDouble = flags.double || !existsSync(flags['env-file'])
let double: KubeDouble | undefined
try {
  let values: Record<string, string>
  if (useDouble) {
    double = await startKubeDouble()
    // The values of .env.example, with the cluster replaced by the double. No dry run: the double is thrown
    // away, so the run may write.
    values = {
      ...parse(readFileSync('.env.example', 'utf8')),
      INPUT_KUBECONFIG: double.writeKubeconfig(),
      INPUT_CLUSTER_NAME: '',
      INPUT_DRY_RUN: 'false'
    }
    console.log(
      `No ${flags['env-file']} here, so this run uses the values of .env.example against the Kubernetes test double at ${double.url}.`
    )
    console.log('Copy .env.example to .env to run against your own cluster.\n')
  } else {
    values = parse(readFileSync(flags['env-file'], 'utf8'))
    console.log(`Running the action with the inputs in ${flags['env-file']}.\n`)
  }
  // A runner gives each step an empty summary file; so does this, unless the env file names one.
  const summaryFile = values.GITHUB_STEP_SUMMARY || join(dir, 'summary.md')
  writeFileSync(summaryFile, '')
  const envFile = join(dir, '.env')
  const runValues = {
    ...values,
    ...(values.INPUT_KUBECONFIG && { INPUT_KUBECONFIG: expandHome(values.INPUT_KUBECONFIG) }),
    ...secretsAsFile(values, join(dir, 'secrets.json')),
    GITHUB_STEP_SUMMARY: summaryFile
  }
  // It holds the secret values: readable by you only, and removed at the end.
  writeFileSync(
    envFile,
    Object.entries(runValues)
      .map(([name, value]) => dotenvLine(name, value))
      .join('\n'),
    { mode: 0o600 }
  )

  const { code, output } = await localAction(envFile)
  if (code !== 0 || !output.includes('Running Action')) {
    // local-action itself failed (before or while running the action): everything it said is needed.
    if (!flags.verbose) console.log(output)
    console.log(`local-action exited with ${code}.`)
    process.exitCode = code || 1
  } else {
    const run = readLocalActionLog(output)
    printResult(run, readFileSync(summaryFile, 'utf8'))
    if (double) {
      const namespace = values.INPUT_NAMESPACE || 'dagster-prd'
      console.log(
        `\n===== Secrets now in namespace ${namespace} of the double (names and keys; values never shown) =====\n`
      )
      for (const secret of double.listSecrets(namespace)) {
        console.log(`${secret.metadata.name}: keys ${Object.keys(secret.data ?? {}).join(', ')}`)
      }
    }
    if (!flags.verbose) console.log('\n(`npm run local -- --verbose` shows the whole local-action output.)')
    // The exit code a runner would give the step.
    process.exitCode = run.failure === undefined ? 0 : 1
  }
} finally {
  await double?.close()
  rmSync(dir, { recursive: true, force: true })
}
