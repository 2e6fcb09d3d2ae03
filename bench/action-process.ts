// Runs the bundled action (dist/index.js) as a runner does, a fresh `node` process with INPUT_* and GITHUB_*
// in its environment, to time how long it takes to reach the cluster and to read its peak memory.
// https://docs.github.com/en/actions/sharing-automations/creating-actions/metadata-syntax-for-github-actions#inputs
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { KubeDouble } from '../kube-double/server.js'

/** No run here takes more than a few seconds; anything longer is a hang, and the bench must still end. */
const RUN_TIMEOUT_MS = 120_000

interface ProcessRun {
  exitCode: number | null
  /** performance.now() just before spawn, and at exit. */
  startedAt: number
  exitedAt: number
}

/** Runs `node <args>` with `env` and waits (bounded) for it to exit; a run that hangs is killed. */
async function runNode(args: string[], env: NodeJS.ProcessEnv, cwd: string): Promise<ProcessRun> {
  const startedAt = performance.now()
  // process.execPath is Node 24 here: npm scripts put the node@24 devDependency first on PATH.
  const child = spawn(process.execPath, args, { env, cwd, stdio: 'ignore' })
  const exited = new Promise<number | null>(resolve => child.once('exit', code => resolve(code)))
  const timedOut = sleep(RUN_TIMEOUT_MS, 'timeout' as const, { ref: false })
  if ((await Promise.race([exited, timedOut])) === 'timeout') {
    child.kill('SIGKILL')
    await exited
    throw new Error(`node ${args.join(' ')} did not exit within ${RUN_TIMEOUT_MS} ms`)
  }
  return { exitCode: await exited, startedAt, exitedAt: performance.now() }
}

/** The environment a GitHub runner gives a JavaScript action, with files for outputs and the summary. */
function runnerEnv(dir: string, inputs: Record<string, string>): NodeJS.ProcessEnv {
  const files = {
    GITHUB_OUTPUT: join(dir, 'output'),
    GITHUB_STEP_SUMMARY: join(dir, 'summary'),
    GITHUB_ENV: join(dir, 'env'),
    GITHUB_STATE: join(dir, 'state')
  }
  for (const file of Object.values(files)) writeFileSync(file, '')
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_REPOSITORY: 'acme/dagster-infra',
    GITHUB_RUN_ID: '4242',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_WORKSPACE: dir,
    RUNNER_TEMP: dir,
    ...files,
    ...Object.fromEntries(
      Object.entries(inputs).map(([name, value]) => [`INPUT_${name.toUpperCase()}`, value])
    )
  }
}

/** `count` GitHub secrets with the action's default prefix, as `toJSON(secrets)` would pass them. */
export function secretsJson(count: number, version = 1): string {
  const secrets: Record<string, string> = { github_token: 'ghs_not-a-real-token' }
  for (let i = 1; i <= count; i++) {
    secrets[`DAGSTER_SECRET_BENCH_${String(i).padStart(4, '0')}`] = `value-${i}-v${version}`
  }
  return JSON.stringify(secrets)
}

/**
 * Notes when the first request from now on reaches the double. The double pushes each request onto
 * `requests` as it arrives, before its injected latency, so wrapping that push times arrival exactly, with
 * no polling.
 */
function watchFirstArrival(kube: KubeDouble): { arrivedAt: () => number | undefined; stop: () => void } {
  const requests = kube.requests
  const push = requests.push.bind(requests)
  let arrivedAt: number | undefined
  requests.push = (...items) => {
    arrivedAt ??= performance.now()
    return push(...items)
  }
  return {
    arrivedAt: () => arrivedAt,
    stop: () => {
      requests.push = push
    }
  }
}

/** A preload that has the process write the CPU time it used (user + system, ms) to a file as it exits. */
const reportCpuTime = encodeURIComponent(
  [
    `import { writeFileSync } from 'node:fs'`,
    `process.on('exit', () => { const { user, system } = process.cpuUsage(); writeFileSync(process.env.BENCH_CPU_FILE, String((user + system) / 1000)) })`
  ].join('\n')
)

export interface ExitWithoutInputs {
  /** Spawn to exit. */
  ms: number
  /** CPU time the process used: on a loaded machine this moves far less than the wall time. */
  cpuMs: number
}

/**
 * One run of `node <entry>` with no inputs: it fails at once on the missing `secrets` input, after loading the
 * whole bundle, so this is what loading costs.
 */
export async function timeExitWithoutInputs(entry: string): Promise<ExitWithoutInputs> {
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-bench-'))
  try {
    const cpuFile = join(dir, 'cpu-ms')
    const preload = ['--import', `data:text/javascript,${reportCpuTime}`]
    const run = await runNode([...preload, entry], { ...runnerEnv(dir, {}), BENCH_CPU_FILE: cpuFile }, dir)
    if (run.exitCode !== 1) throw new Error(`${entry} exited with ${run.exitCode} without inputs, not 1`)
    return { ms: run.exitedAt - run.startedAt, cpuMs: Number(readFileSync(cpuFile, 'utf8')) }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

export interface KubeconfigRun {
  /** Spawn to the first request the double receives. */
  firstRequestMs: number
  /** Spawn to exit, a sync of 3 secrets included. */
  totalMs: number
}

/** One run of `node <entry>` in kubeconfig mode syncing 3 secrets into `namespace`. */
export async function timeKubeconfigRun(
  kube: KubeDouble,
  entry: string,
  namespace: string
): Promise<KubeconfigRun> {
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-bench-'))
  try {
    const env = runnerEnv(dir, { secrets: secretsJson(3), kubeconfig: kube.writeKubeconfig(), namespace })
    const firstArrival = watchFirstArrival(kube)
    const run = await runNode([entry], env, dir).finally(firstArrival.stop)
    if (run.exitCode !== 0) throw new Error(`${entry} exited with ${run.exitCode} (kubeconfig run)`)
    const arrivedAt = firstArrival.arrivedAt()
    if (arrivedAt === undefined) throw new Error(`${entry} exited without sending a request`)
    return { firstRequestMs: arrivedAt - run.startedAt, totalMs: run.exitedAt - run.startedAt }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** `node -e 0`, spawn to exit: what Node itself costs before any of the action loads. */
export async function timeBareNode(): Promise<number> {
  const bare = await runNode(['-e', '0'], { PATH: process.env.PATH }, tmpdir())
  return bare.exitedAt - bare.startedAt
}

/**
 * Node offers no way to read a child's rusage, so a preloaded one-line module has the process report its own
 * peak resident memory as it exits: VmHWM from /proc/self/status, not `process.resourceUsage().maxRSS`,
 * because Linux carries maxRSS across exec, and a child forked from this (large) bench process would report
 * the bench's size.
 */
const reportPeakRss = encodeURIComponent(
  [
    `import { existsSync, readFileSync, writeFileSync } from 'node:fs'`,
    `const peakKiB = () => existsSync('/proc/self/status') ? Number(/VmHWM:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) : process.resourceUsage().maxRSS`,
    `process.on('exit', () => writeFileSync(process.env.BENCH_PEAK_RSS_FILE, String(peakKiB())))`
  ].join('\n')
)

/** Peak resident memory (MiB) of `node <args>`, which must exit with 0. */
async function peakMemoryOf(args: string[], env: NodeJS.ProcessEnv, dir: string): Promise<number> {
  const rssFile = join(dir, 'peak-rss-kib')
  const preload = ['--import', `data:text/javascript,${reportPeakRss}`]
  const run = await runNode([...preload, ...args], { ...env, BENCH_PEAK_RSS_FILE: rssFile }, dir)
  if (run.exitCode !== 0)
    throw new Error(`node ${args.join(' ')} exited with ${run.exitCode} (peak memory run)`)
  return Number(readFileSync(rssFile, 'utf8')) / 1024
}

/** Peak memory (MiB) of `node dist/index.js` doing a first sync of `count` secrets into `namespace`. */
export async function measurePeakMemory(
  kube: KubeDouble,
  actionEntry: string,
  namespace: string,
  count: number
): Promise<{ mib: number; writes: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-bench-'))
  try {
    const inputs = { secrets: secretsJson(count), kubeconfig: kube.writeKubeconfig(), namespace }
    kube.resetRequests()
    const mib = await peakMemoryOf([actionEntry], runnerEnv(dir, inputs), dir)
    return { mib, writes: kube.writes().length }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Peak memory (MiB) of `node -e 0`: what Node itself takes before the action loads anything. */
export async function measureBareNodePeakMemory(): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-bench-'))
  try {
    return await peakMemoryOf(['-e', '0'], { PATH: process.env.PATH }, dir)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
