// `npm run local`: runs the action from src/ on this machine through @github/local-action, and prints what a
// newcomer wants to see: the job summary, the outputs and, if it failed, why. It exits with the action's code.
// - With a `.env` (copy `.env.example`), it runs with those inputs: against any cluster your kubeconfig names
//   (kind, minikube), or a real one with INPUT_DRY_RUN=true to change nothing.
// - With `--double`, it takes the inputs of the env file all the same and replaces only the cluster (the
//   cluster inputs) with the Kubernetes test double: any input, a bad one included, tried without a cluster.
// - With no `.env`, it starts the test double and syncs the sample secrets of `.env.example` into it, so that
//   file is proven to work and a newcomer sees a whole run right after `npm ci`.
// Flags (after `npm run local --`): `--verbose` shows local-action's full output (its configuration and
// metadata tables, every log line); `--double` as above; `--env-file FILE` reads FILE instead of `.env`
// (it must exist).
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parse } from 'dotenv'
import { startKubeDouble, type KubeDouble } from '../kube-double/server.js'
import { SECRETS_WARNING_BYTES } from '../src/github/inputs.js'
import { readLocalActionLog, type LocalActionRun } from './local-action-log.js'

/** The action's folder: local-action runs from it, and .env.example is read there; `.env` is looked for in the
 * working directory (the same folder under `npm run local`). */
const root = fileURLToPath(new URL('..', import.meta.url))

const { values: flags, positionals } = parseArgs({
  options: {
    verbose: { type: 'boolean', default: false },
    double: { type: 'boolean', default: false },
    'env-file': { type: 'string' }
  },
  allowPositionals: true
})

/**
 * Typed without `--` (`npm run local --double --env-file FILE`), the flags never reach this script: npm takes
 * them as its own configuration and passes them on as `npm_config_<name>=true`, and FILE as an argument (npm
 * reads an unknown flag as a boolean). Read them from there too, so that both spellings work.
 * https://docs.npmjs.com/cli/v11/using-npm/config#command-line-flags
 */
const npmFlag = (name: string): boolean => process.env[`npm_config_${name}`] === 'true'
const useDoubleFlag = flags.double || npmFlag('double')
const envFileFlag = flags['env-file'] ?? (npmFlag('env_file') ? positionals[0] : undefined)

/**
 * The inputs that name the cluster and how to reach it (action.yml); with `--double` they are replaced, and
 * every other input of the env file is used as it is.
 */
const CLUSTER_INPUTS = [
  'INPUT_KUBECONFIG',
  'INPUT_CLUSTER_NAME',
  'INPUT_LOCATION',
  'INPUT_PROJECT_ID',
  'INPUT_WORKLOAD_IDENTITY_PROVIDER',
  'INPUT_SERVICE_ACCOUNT',
  'INPUT_AUDIENCE',
  'INPUT_USE_INTERNAL_IP',
  'INPUT_USE_DNS_BASED_ENDPOINT',
  'INPUT_USE_CONNECT_GATEWAY',
  'INPUT_FLEET_MEMBERSHIP_NAME'
]

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
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      // local-action stubs @actions/core at the path `npm ls` gives, which for a symlinked node_modules (a git
      // worktree sharing one) is the link; Node imports the real path unless told to keep links, and then the
      // real @actions/core runs: outputs, masks and the exit code as on a runner, not as local-action reports them.
      env: {
        ...process.env,
        FORCE_COLOR: '0',
        NODE_OPTIONS: [process.env.NODE_OPTIONS, '--preserve-symlinks'].filter(Boolean).join(' ')
      }
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

const envFileShown = envFileFlag ?? '.env'
const envFileName = resolve(envFileShown)
if (envFileFlag !== undefined && !existsSync(envFileName)) {
  console.error(`${envFileShown} does not exist (--env-file). Copy .env.example to make one.`)
  process.exit(2)
}
const haveEnvFile = existsSync(envFileName)
const useDouble = useDoubleFlag || !haveEnvFile
const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-local-'))
let double: KubeDouble | undefined
try {
  let values: Record<string, string>
  if (useDouble) {
    // Deployments, StatefulSets, CronJobs and Jobs too, for restart_deployments and check_references.
    double = await startKubeDouble({ workloads: true })
    const cluster = {
      ...Object.fromEntries(CLUSTER_INPUTS.map(name => [name, ''])),
      INPUT_KUBECONFIG: double.writeKubeconfig()
    }
    if (haveEnvFile) {
      values = { ...parse(readFileSync(envFileName, 'utf8')), ...cluster }
      console.log(
        `Running the action with the inputs in ${envFileShown}, against the Kubernetes test double at ${double.url} (namespaces default and dagster-prd) in place of the cluster they name.\n`
      )
    } else {
      // The values of .env.example, with the cluster replaced by the double. No dry run: the double is thrown
      // away, so the run may write.
      values = {
        ...parse(readFileSync(join(root, '.env.example'), 'utf8')),
        ...cluster,
        INPUT_DRY_RUN: 'false'
      }
      console.log(
        `No ${envFileShown} here, so this run uses the values of .env.example against the Kubernetes test double at ${double.url}.`
      )
      console.log('Copy .env.example to .env to run against your own cluster.\n')
    }
  } else {
    values = parse(readFileSync(envFileName, 'utf8'))
    console.log(`Running the action with the inputs in ${envFileShown}.\n`)
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
  const run = readLocalActionLog(output)
  // local-action 7 exits 0 whatever the action did (its setFailed stub only records the failure); should the real
  // @actions/core run after all (see above) or a later local-action pass the exit code on, it exits 1 after a
  // failed action: read that as the action's failure too, not local-action's.
  if (!output.includes('Running Action') || (code !== 0 && run.failure === undefined)) {
    // local-action itself failed (before or while running the action): everything it said is needed.
    if (!flags.verbose) console.log(output)
    console.log(`local-action exited with ${code}.`)
    process.exitCode = code || 1
  } else {
    printResult(run, readFileSync(summaryFile, 'utf8'))
    if (double) {
      const namespace = values.INPUT_NAMESPACE || 'dagster-prd'
      console.log(
        `\n===== Secrets now in namespace ${namespace} of the double (names and keys; values never shown) =====\n`
      )
      const secrets = double.listSecrets(namespace)
      for (const secret of secrets) {
        console.log(`${secret.metadata.name}: keys ${Object.keys(secret.data ?? {}).join(', ')}`)
      }
      if (secrets.length === 0) console.log('(none)')
    }
    if (!flags.verbose) console.log('\n(`npm run local -- --verbose` shows the whole local-action output.)')
    // The exit code a runner would give the step.
    process.exitCode = run.failure === undefined ? 0 : 1
  }
} finally {
  await double?.close()
  rmSync(dir, { recursive: true, force: true })
}
