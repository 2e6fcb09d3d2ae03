// `npm run bench [-- --latency 20 --sizes 10,100,1000 --concurrency 10 --baseline <ref> --runs 15]`
// How fast the action's engine syncs N secrets against the Kubernetes API double with a fixed latency per
// request, next to the round trips the API cannot avoid (the floor) and to a per-secret kubectl loop; then this
// checkout's dist/ side by side with the bundle of a baseline ref (default: the previous release, else
// origin/main, else main), built in a temporary worktree: size, start-up and peak memory, each process run
// alternating between the two bundles so that load on the machine falls on both alike. A script, not a test: it
// prints whether each target is met and asserts nothing.
import { CoreV1Api, KubeConfig, ApiException, type V1Secret } from '@kubernetes/client-node'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { startKubeDouble, type KubeDouble } from '../kube-double/server.js'
import { Ownership } from '../src/sync/ownership.js'
import { toDesiredSecret } from '../src/sync/plan.js'
import { SharedConnections } from '../src/kube/requests.js'
import { SecretsClient } from '../src/kube/secrets-client.js'
import { selectSecrets } from '../src/sync/selection.js'
import { syncSecrets } from '../src/sync/sync.js'
import {
  measureBareNodePeakMemory,
  measurePeakMemory,
  timeBareNode,
  timeExitWithoutInputs,
  timeKubeconfigRun
} from './action-process.js'
import { buildBaseline, defaultBaselineRef, type Build } from './baseline.js'
import { measureDist, type DistSize } from './dist-size.js'

const PREFIX = 'DAGSTER_SECRET'
const repo = fileURLToPath(new URL('..', import.meta.url))
const checkout: Build = {
  label: 'this checkout',
  distDir: fileURLToPath(new URL('../dist/', import.meta.url)),
  entry: fileURLToPath(new URL('../dist/index.js', import.meta.url))
}
const PEAK_MEMORY_SECRETS = 1000

interface BenchOptions {
  latencyMs: number
  sizes: number[]
  concurrency: number
  /** A git ref whose bundle is measured next to this checkout's. */
  baseline: string
  /** Process runs per bundle for the timings, and for peak memory. */
  runs: number
  memoryRuns: number
}

type Scenario = 'first sync' | 'unchanged' | '10% changed'
const scenarios: Scenario[] = ['first sync', 'unchanged', '10% changed']

/** What one sync cost: time, requests and writes as the double recorded them, connections as opened here. */
interface Measurement {
  ms: number
  requests: number
  writes: number
  /** TLS connections opened: one per request means no connection was reused. */
  connections: number
}

interface Row {
  n: number
  scenario: Scenario
  action: Measurement
  kubectlLoop: Measurement
  floorMs: number
}

function readOptions(): BenchOptions {
  const { values } = parseArgs({
    options: {
      latency: { type: 'string', default: '20' },
      sizes: { type: 'string', default: '10,100,1000' },
      concurrency: { type: 'string', default: '10' },
      baseline: { type: 'string' },
      runs: { type: 'string', default: '15' },
      'memory-runs': { type: 'string', default: '3' }
    }
  })
  const options = {
    latencyMs: Number(values.latency),
    sizes: values.sizes ? values.sizes.split(',').map(Number) : [],
    concurrency: Number(values.concurrency),
    baseline: values.baseline ?? defaultBaselineRef(repo),
    runs: Number(values.runs),
    memoryRuns: Number(values['memory-runs'])
  }
  const whole = (n: number, min: number): boolean => Number.isInteger(n) && n >= min
  if (
    !whole(options.latencyMs, 0) ||
    !whole(options.concurrency, 1) ||
    !whole(options.runs, 1) ||
    !whole(options.memoryRuns, 1) ||
    !options.sizes.every(n => whole(n, 1))
  ) {
    throw new Error(
      'usage: --latency <ms, >= 0> --sizes <n,n,...> --concurrency <n, >= 1> --baseline <git ref> --runs <n> --memory-runs <n>'
    )
  }
  return options
}

/** `n` GitHub secrets as `toJSON(secrets)` passes them; `changedEvery: 10` gives every 10th a new value. */
function githubSecrets(n: number, changedEvery?: number): Record<string, string> {
  const secrets: Record<string, string> = {}
  for (let i = 1; i <= n; i++) {
    const changed = changedEvery !== undefined && i % changedEvery === 0
    secrets[`${PREFIX}_BENCH_${String(i).padStart(4, '0')}`] = `value-${i}-${changed ? 'v2' : 'v1'}`
  }
  return secrets
}

/** Each scenario starts from the state the one before it left: empty, then all synced, then 10% stale. */
function inputsFor(scenario: Scenario, n: number): Record<string, string> {
  return scenario === '10% changed' ? githubSecrets(n, 10) : githubSecrets(n)
}

/** The round trips the API cannot avoid: one LIST, then the writes `concurrency` at a time. */
function apiFloorMs(writes: number, concurrency: number, latencyMs: number): number {
  return (1 + Math.ceil(writes / concurrency)) * latencyMs
}

/** Times `sync` and counts the requests and connections it made; the double's log is cleared first. */
async function measure(kube: KubeDouble, sync: () => Promise<void>): Promise<Measurement> {
  kube.resetRequests()
  const connectionsBefore = kube.connectionsOpened
  const start = performance.now()
  await sync()
  const ms = performance.now() - start
  return {
    ms,
    requests: kube.requests.length,
    writes: kube.writes().length,
    connections: kube.connectionsOpened - connectionsBefore
  }
}

/** The action's engine, as run() drives it: select, build the desired Secrets, one LIST, then the writes. */
async function syncWithEngine(
  kubeConfig: KubeConfig,
  namespace: string,
  secrets: Record<string, string>,
  concurrency: number
): Promise<void> {
  const selection = selectSecrets(secrets, PREFIX)
  const ownership = new Ownership(PREFIX, 'acme/dagster-infra')
  const desired = selection.selected.map(secret =>
    toDesiredSecret(secret, ownership, { labels: {}, annotations: {} })
  )
  // The same settings run() uses; the deadline only bounds the bench.
  const client = new SecretsClient(kubeConfig, {
    // As run() does: one agent for the whole sync, so connections are reused.
    connections: new SharedConnections(),
    namespace,
    dryRun: false,
    requestTimeoutMs: 30_000,
    deadline: AbortSignal.timeout(300_000),
    retry: { retries: 5, minDelayMs: 250, maxDelayMs: 10_000 }
  })
  const { results } = await syncSecrets(client, desired, {
    ownership,
    onConflict: 'fail',
    concurrency,
    findUnclaimed: false
  })
  const failed = results.filter(result => result.state === 'failed')
  // A sync that failed part-way measures nothing worth printing.
  if (failed.length > 0) throw new Error(`the engine failed ${failed.length} secret(s): ${failed[0]?.detail}`)
}

/**
 * What a shell loop of kubectl does, one secret after another: read the Secret, then create it or replace it.
 * It has no view of the whole namespace and does not compare values, so it writes every secret every time.
 */
async function syncWithKubectlLoop(
  api: CoreV1Api,
  namespace: string,
  secrets: Record<string, string>
): Promise<void> {
  for (const [githubName, value] of Object.entries(secrets)) {
    const name = githubName.toLowerCase().replaceAll('_', '-')
    const body: V1Secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name },
      type: 'Opaque',
      data: { [githubName]: Buffer.from(value).toString('base64') }
    }
    if (await secretExists(api, namespace, name)) await api.replaceNamespacedSecret({ name, namespace, body })
    else await api.createNamespacedSecret({ namespace, body })
  }
}

async function secretExists(api: CoreV1Api, namespace: string, name: string): Promise<boolean> {
  try {
    await api.readNamespacedSecret({ name, namespace })
    return true
  } catch (error) {
    if (error instanceof ApiException && error.code === 404) return false
    throw error
  }
}

/** The three scenarios for `n` secrets, engine and kubectl loop each in a namespace of their own. */
async function benchSize(
  kube: KubeDouble,
  kubeConfig: KubeConfig,
  n: number,
  options: BenchOptions
): Promise<Row[]> {
  const engineNamespace = `bench-engine-${n}`
  const loopNamespace = `bench-kubectl-${n}`
  kube.addNamespace(engineNamespace)
  kube.addNamespace(loopNamespace)
  const api = kubeConfig.makeApiClient(CoreV1Api)

  const rows: Row[] = []
  for (const scenario of scenarios) {
    const secrets = inputsFor(scenario, n)
    progress(`N=${n} ${scenario}: engine`)
    const action = await measure(kube, () =>
      syncWithEngine(kubeConfig, engineNamespace, secrets, options.concurrency)
    )
    progress(`N=${n} ${scenario}: kubectl loop (${2 * n} sequential requests)`)
    const kubectlLoop = await measure(kube, () => syncWithKubectlLoop(api, loopNamespace, secrets))
    rows.push({
      n,
      scenario,
      action,
      kubectlLoop,
      floorMs: apiFloorMs(action.writes, options.concurrency, options.latencyMs)
    })
  }
  return rows
}

function progress(message: string): void {
  process.stderr.write(`  ${message}\n`)
}

const ms = (value: number): string => `${Math.round(value)} ms`
const ratio = (value: number): string => `${value.toFixed(1)}x`
const mib = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(2)} MiB`

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

function printSyncTable(rows: Row[]): void {
  console.log(
    '| N | scenario | engine | engine requests | engine TLS connections | floor | engine / floor | kubectl loop | loop requests | loop / engine |'
  )
  console.log('|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|')
  for (const { n, scenario, action, kubectlLoop, floorMs } of rows) {
    const cells = [
      n,
      scenario,
      ms(action.ms),
      `${action.requests} (${action.writes} writes)`,
      action.connections,
      ms(floorMs),
      ratio(action.ms / floorMs),
      ms(kubectlLoop.ms),
      kubectlLoop.requests,
      ratio(kubectlLoop.ms / action.ms)
    ]
    console.log(`| ${cells.join(' | ')} |`)
  }
}

function printDistSize(label: string, dist: DistSize): void {
  console.log(
    `dist/ of ${label}: ${mib(dist.totalBytes)} in ${dist.fileCount} files; index.js ${mib(dist.indexBytes)}`
  )
  // A minified bundle keeps no module path markers; `npx tsx scripts/bundle.ts --no-minify --out <dir>` makes one
  // that does, for bench/dist-size.ts to read.
  const attributed = dist.shares.filter(share => !share.name.startsWith('#') && share.name !== 'unattributed')
  if (attributed.every(share => share.name === 'webpack runtime' || share.name === 'this action (src/)'))
    return
  console.log('  largest packages in index.js (by the module path markers ncc leaves):')
  for (const share of dist.shares.slice(0, 5)) {
    const percent = ((100 * share.bytes) / dist.indexBytes).toFixed(1)
    console.log(`    ${share.name}${share.inferred ? ' *' : ''}: ${mib(share.bytes)} (${percent}%)`)
  }
  console.log('    * includes path-less CommonJS modules charged to the package that requires them')
}

/** What each bundle's processes measured, one value per run. */
interface ProcessFigures {
  exitWithoutInputsMs: number[]
  exitWithoutInputsCpuMs: number[]
  firstRequestMs: number[]
  kubeconfigExitMs: number[]
  peakMiB3: number[]
  peakMiB1000: number[]
  writes1000: number
}

/**
 * Runs both bundles `runs` times, alternating which goes first, so that a burst of load from other work on the
 * machine falls on both alike; then their peak memory the same way.
 */
async function measureProcesses(
  kube: KubeDouble,
  builds: Build[],
  options: BenchOptions
): Promise<{ figures: ProcessFigures[]; bareNodeMs: number[]; bareNodeMiB: number }> {
  const figures = builds.map((): ProcessFigures => ({
    exitWithoutInputsMs: [],
    exitWithoutInputsCpuMs: [],
    firstRequestMs: [],
    kubeconfigExitMs: [],
    peakMiB3: [],
    peakMiB1000: [],
    writes1000: 0
  }))
  const inTurn = (run: number): number[] =>
    run % 2 ? builds.map((_, i) => i).reverse() : builds.map((_, i) => i)
  const bareNodeMs: number[] = []
  for (let run = 0; run < options.runs; run++) {
    progress(`start-up run ${run + 1} of ${options.runs}`)
    for (const index of inTurn(run)) {
      const build = builds[index] as Build
      const figure = figures[index] as ProcessFigures
      const exit = await timeExitWithoutInputs(build.entry)
      figure.exitWithoutInputsMs.push(exit.ms)
      figure.exitWithoutInputsCpuMs.push(exit.cpuMs)
      const kubeconfigRun = await timeKubeconfigRun(kube, build.entry, `bench-start-${index}`)
      figure.firstRequestMs.push(kubeconfigRun.firstRequestMs)
      figure.kubeconfigExitMs.push(kubeconfigRun.totalMs)
    }
    bareNodeMs.push(await timeBareNode())
  }
  for (let run = 0; run < options.memoryRuns; run++) {
    progress(
      `peak memory run ${run + 1} of ${options.memoryRuns}: first sync of 3 and of ${PEAK_MEMORY_SECRETS}`
    )
    for (const index of inTurn(run)) {
      const build = builds[index] as Build
      const figure = figures[index] as ProcessFigures
      for (const count of [3, PEAK_MEMORY_SECRETS]) {
        const namespace = `bench-peak-${count}-${index}-${run}`
        kube.addNamespace(namespace)
        const peak = await measurePeakMemory(kube, build.entry, namespace, count)
        if (count === 3) figure.peakMiB3.push(peak.mib)
        else {
          figure.peakMiB1000.push(peak.mib)
          figure.writes1000 = peak.writes
        }
      }
    }
  }
  return { figures, bareNodeMs, bareNodeMiB: await measureBareNodePeakMemory() }
}

interface Comparison {
  name: string
  baseline: number
  current: number
  unit: 'ms' | 'MiB'
  /** The most `current / baseline` may be, or the most `current` may be (`limit`). */
  target?: { ratio: number } | { limit: number }
}

function compare(dists: DistSize[], figures: ProcessFigures[], options: BenchOptions): Comparison[] {
  const [base, current] = figures as [ProcessFigures, ProcessFigures]
  const [baseDist, currentDist] = dists as [DistSize, DistSize]
  const runs = `median of ${options.runs}`
  const memoryRuns = `median of ${options.memoryRuns}`
  return [
    {
      name: 'dist/ in total',
      baseline: baseDist.totalBytes / 2 ** 20,
      current: currentDist.totalBytes / 2 ** 20,
      unit: 'MiB',
      target: { limit: 5 }
    },
    {
      name: `start to exit, no inputs (${runs})`,
      baseline: median(base.exitWithoutInputsMs),
      current: median(current.exitWithoutInputsMs),
      unit: 'ms',
      target: { ratio: 0.55 }
    },
    {
      name: `CPU time (user + system), no inputs (${runs})`,
      baseline: median(base.exitWithoutInputsCpuMs),
      current: median(current.exitWithoutInputsCpuMs),
      unit: 'ms'
    },
    {
      name: `spawn to first request, kubeconfig (${runs})`,
      baseline: median(base.firstRequestMs),
      current: median(current.firstRequestMs),
      unit: 'ms',
      target: { ratio: 0.55 }
    },
    {
      name: `spawn to exit, kubeconfig, 3 secrets (${runs})`,
      baseline: median(base.kubeconfigExitMs),
      current: median(current.kubeconfigExitMs),
      unit: 'ms'
    },
    {
      name: `peak RSS, first sync of 3 (${memoryRuns})`,
      baseline: median(base.peakMiB3),
      current: median(current.peakMiB3),
      unit: 'MiB',
      target: { ratio: 0.7 }
    },
    {
      name: `peak RSS, first sync of ${PEAK_MEMORY_SECRETS} (${memoryRuns})`,
      baseline: median(base.peakMiB1000),
      current: median(current.peakMiB1000),
      unit: 'MiB',
      target: { limit: 150 }
    }
  ]
}

function printComparison(baselineLabel: string, comparisons: Comparison[]): void {
  const value = (n: number, unit: Comparison['unit']): string =>
    unit === 'ms' ? ms(n) : `${n.toFixed(1)} MiB`
  console.log(`| measure | baseline ${baselineLabel} | this checkout | this / baseline | target |`)
  console.log('|---|--:|--:|--:|---|')
  for (const { name, baseline, current, unit, target } of comparisons) {
    const verdict = !target
      ? ''
      : 'ratio' in target
        ? `<= ${target.ratio}x: ${current <= target.ratio * baseline ? 'met' : 'NOT MET'}`
        : `<= ${target.limit} ${unit}: ${current <= target.limit ? 'met' : 'NOT MET'}`
    console.log(
      `| ${name} | ${value(baseline, unit)} | ${value(current, unit)} | ${(current / baseline).toFixed(2)}x | ${verdict} |`
    )
  }
}

interface Target {
  name: string
  met: boolean | undefined
  detail: string
}

function evaluateTargets(rows: Row[], firstRequestMs: number): Target[] {
  const unchanged = rows.filter(row => row.scenario === 'unchanged')
  const firstAt1000 = rows.find(row => row.n === 1000 && row.scenario === 'first sync')
  const at100 = rows.filter(row => row.n === 100)
  const slowestAt100 = at100.toSorted(
    (a, b) => a.kubectlLoop.ms / a.action.ms - b.kubectlLoop.ms / b.action.ms
  )[0]
  return [
    {
      name: 'a no-change sync sends exactly 1 request, whatever N',
      met: unchanged.length > 0 ? unchanged.every(row => row.action.requests === 1) : undefined,
      detail: unchanged.map(row => `N=${row.n}: ${row.action.requests}`).join(', ') || 'no sizes run'
    },
    {
      name: 'first sync within 1.5x of the floor at N=1,000',
      met: firstAt1000 && firstAt1000.action.ms <= 1.5 * firstAt1000.floorMs,
      detail: firstAt1000 ? ratio(firstAt1000.action.ms / firstAt1000.floorMs) : 'N=1000 not run'
    },
    {
      name: '>= 10x faster than the kubectl loop at N=100 (every scenario)',
      met: slowestAt100 && slowestAt100.kubectlLoop.ms / slowestAt100.action.ms >= 10,
      detail: slowestAt100
        ? `lowest: ${slowestAt100.scenario}, ${ratio(slowestAt100.kubectlLoop.ms / slowestAt100.action.ms)}`
        : 'N=100 not run'
    },
    {
      name: 'cold start < 300 ms to the first request',
      met: firstRequestMs < 300,
      detail: `median ${ms(firstRequestMs)}`
    }
  ]
}

function printTargets(targets: Target[]): void {
  for (const { name, met, detail } of targets) {
    const verdict = met === undefined ? 'not measured' : met ? 'met' : 'NOT MET'
    console.log(`- ${name}: ${verdict} (${detail})`)
  }
}

async function main(): Promise<void> {
  const options = readOptions()
  if (!existsSync(checkout.entry)) throw new Error('dist/index.js is missing; run `npm run bundle` first')

  progress(`baseline: ${options.baseline}`)
  const baseline = buildBaseline(repo, options.baseline, progress)
  const builds = [baseline, checkout]
  const kube = await startKubeDouble()
  try {
    kube.latencyMs = options.latencyMs
    const kubeConfig = new KubeConfig()
    kubeConfig.loadFromFile(kube.writeKubeconfig())

    progress(`latency ${options.latencyMs} ms per request, concurrency ${options.concurrency}`)
    const rows: Row[] = []
    for (const n of options.sizes) rows.push(...(await benchSize(kube, kubeConfig, n, options)))

    const dists = builds.map(build => measureDist(build.distDir))
    builds.forEach((_, index) => kube.addNamespace(`bench-start-${index}`))
    const { figures, bareNodeMs, bareNodeMiB } = await measureProcesses(kube, builds, options)

    console.log(
      `\nKubernetes API double: ${options.latencyMs} ms per request; engine concurrency ${options.concurrency}; Node ${process.version}\n`
    )
    if (rows.length > 0) {
      printSyncTable(rows)
      console.log(
        '\nfloor = (1 LIST + ceil(writes / concurrency)) x latency; kubectl loop = GET, then POST or PUT, per secret, in sequence\n'
      )
    }
    builds.forEach((build, index) => printDistSize(build.label, dists[index] as DistSize))
    console.log()
    printComparison(baseline.label, compare(dists, figures, options))
    console.log(
      `\nNode alone (node -e 0): spawn to exit median ${ms(median(bareNodeMs))}, peak RSS ${bareNodeMiB.toFixed(1)} MiB. The first sync of ${PEAK_MEMORY_SECRETS} made ${(figures[1] as ProcessFigures).writes1000} writes.\n`
    )
    // A median near a limit says little without the spread: V8 sizes its heap by how each run's allocations fell.
    const spread = (label: string, mib: number[]): string =>
      `${label}: ${mib
        .toSorted((a, b) => a - b)
        .map(value => value.toFixed(1))
        .join(', ')} MiB`
    figures.forEach((figure, index) =>
      console.log(
        `Peak RSS of each run, ${index === 0 ? `baseline ${baseline.label}` : 'this checkout'}: ${spread('3 secrets', figure.peakMiB3)}; ${spread(`${PEAK_MEMORY_SECRETS} secrets`, figure.peakMiB1000)}`
      )
    )
    console.log()
    console.log('Targets of the sync engine (this checkout):')
    printTargets(evaluateTargets(rows, median((figures[1] as ProcessFigures).firstRequestMs)))
  } finally {
    await kube.close()
    baseline.remove()
  }
}

await main()
