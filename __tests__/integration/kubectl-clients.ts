// The real kubectl clients the conformance tests hold the Kubernetes double against: 1.20 (the oldest the action
// supports) and every current one (1.33 or newer) found by scripts/kubectl-binaries.ts. A client that cannot be had on
// this machine makes its tests skip with a name that says how to get one; `.ci/run` fetches both and fails on any
// skipped test.
import { execFile } from 'node:child_process'
import { currentMinor, fetchCommand, kubectlMatrix, type Kubectl } from '../../scripts/kubectl-binaries.js'

export interface KubectlClient {
  /** `kubectl 1.20`, `kubectl 1.35` or, when none was found, `kubectl >= 1.33`. */
  label: string
  kubectl?: Kubectl
  /** Whether this is the current client (protobuf bodies, OpenAPI v3). */
  current: boolean
  /** The describe() title: the binary used, or why the tests skip. */
  title: string
}

const matrix = kubectlMatrix()

const client = (label: string, current: boolean, kubectl: Kubectl | undefined): KubectlClient => ({
  label,
  current,
  ...(kubectl && { kubectl }),
  title: kubectl
    ? `${label} (${kubectl.version} from ${kubectl.source})`
    : `${label}: skipped, none found: run \`${fetchCommand}\` (linux/amd64), or put one on PATH or in KUBECTL`
})

export const kubectlClients: KubectlClient[] = [
  client('kubectl 1.20', false, matrix.legacy),
  ...(matrix.current.length
    ? matrix.current.map(k => client(`kubectl 1.${k.minor}`, true, k))
    : [client(`kubectl >= 1.${currentMinor}`, true, undefined)])
]

// The default reporter shows only a count of skipped tests; say why, once per test file, where it is seen.
for (const c of kubectlClients) if (!c.kubectl) console.warn(`Tests of ${c.title}`)

export interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs kubectl with a private HOME, which keeps its discovery and OpenAPI cache (~/.kube/cache) out of the user's;
 * `env` adds variables (KUBE_EDITOR for a `kubectl edit` that edits by itself). */
export function runKubectl(
  kubectl: Kubectl,
  args: string[],
  home: string,
  env: Record<string, string> = {}
): Promise<Run> {
  return new Promise(resolve => {
    execFile(
      kubectl.path,
      args,
      { env: { PATH: process.env.PATH, HOME: home, ...env } },
      (error, stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
      }
    )
  })
}
