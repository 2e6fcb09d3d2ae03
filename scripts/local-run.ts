// `npm run local`: runs the action from src/ on this machine through @github/local-action.
// - With a `.env` (copy `.env.example`), it runs with those inputs: against any cluster your kubeconfig names
//   (kind, minikube), or a real one with INPUT_DRY_RUN=true to change nothing.
// - With no `.env`, it starts the Kubernetes test double, syncs a few sample secrets into it, and prints the job
//   summary and outputs, so a newcomer sees a whole run right after `npm ci`. It uses the sample values of
//   `.env.example`, so that file is proven to work.
import { spawn } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'dotenv'
import { startKubeDouble } from '../__tests__/doubles/kube-api-server.js'

/** Asynchronous on purpose: the test double is served from this process and must keep answering meanwhile. */
const localAction = (envFile: string): Promise<number> =>
  new Promise(resolve => {
    spawn('npx', ['local-action', 'run', '.', 'src/main.ts', envFile], { stdio: 'inherit' }).on(
      'close',
      code => resolve(code ?? 1)
    )
  })

// `--double` forces the test double even where a `.env` exists (the test of this script uses it).
if (existsSync('.env') && !process.argv.includes('--double')) {
  process.exit(await localAction('.env'))
}

/**
 * The values of `.env.example`, with what points at a cluster replaced by the double: its kubeconfig, a
 * summary file to print afterwards, and no dry run (the double is thrown away, so the run may write).
 */
function exampleValuesFor(kubeconfig: string, summaryFile: string): Record<string, string> {
  const example = parse(readFileSync('.env.example', 'utf8'))
  return {
    ...example,
    INPUT_KUBECONFIG: kubeconfig,
    INPUT_CLUSTER_NAME: '',
    INPUT_DRY_RUN: 'false',
    GITHUB_STEP_SUMMARY: summaryFile
  }
}

const double = await startKubeDouble()
try {
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-local-'))
  const summaryFile = join(dir, 'summary.md')
  writeFileSync(summaryFile, '')
  const envFile = join(dir, '.env')
  const values = exampleValuesFor(double.writeKubeconfig(), summaryFile)
  writeFileSync(
    envFile,
    Object.entries(values)
      .map(([name, value]) => `${name}='${value}'`)
      .join('\n')
  )
  console.log(
    `No .env here, so this run uses the values of .env.example against the Kubernetes test double at ${double.url}.`
  )
  console.log('Copy .env.example to .env to run against your own cluster.\n')
  const status = await localAction(envFile)
  console.log('\n===== Job summary (GITHUB_STEP_SUMMARY) =====\n')
  console.log(readFileSync(summaryFile, 'utf8'))
  console.log(
    '===== Secrets now in namespace dagster-prd of the double (names and keys; values never shown) =====\n'
  )
  for (const secret of double.listSecrets(values.INPUT_NAMESPACE || 'dagster-prd')) {
    console.log(`${secret.metadata.name}: keys ${Object.keys(secret.data ?? {}).join(', ')}`)
  }
  process.exitCode = status
} finally {
  await double.close()
}
