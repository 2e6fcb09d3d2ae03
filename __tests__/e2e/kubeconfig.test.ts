// End to end: where the kubeconfig comes from (kubectl's loading rules) and what an `exec` credential plugin in
// it can see, through the bundled action against the Kubernetes double.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import {
  ELSEWHERE_SERVER_NAME,
  elsewhereTls,
  expiredTls,
  otherTls,
  type ServerTls
} from '../../kube-double/tls.js'
import { runAction } from './run-action.js'

const NS = 'dagster-prd'
const SECRETS = {
  DAGSTER_SECRET_API_KEY: 'kubeconfig-leak-canary-api-key',
  DAGSTER_SECRET_DB_URL: 'postgres://u:kubeconfig-leak-canary-pw@db/x',
  OTHER_SECRET: 'kubeconfig-leak-canary-other'
}
const plugin = fileURLToPath(new URL('../doubles/exec-credential-plugin.ts', import.meta.url))

let kube: KubeDouble
let dir: string
beforeEach(async () => {
  kube = await startKubeDouble()
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-e2e-'))
})
afterEach(async () => {
  await kube.close()
  rmSync(dir, { recursive: true, force: true })
})

type Kubeconfig = Record<string, unknown> & { clusters: { name: string; cluster: Record<string, unknown> }[] }
const readKubeconfig = (path: string): Kubeconfig => parseYaml(readFileSync(path, 'utf8')) as Kubeconfig

/** The double's kubeconfig under another context name, optionally changed. */
function write(path: string, change: (config: Kubeconfig) => void = () => undefined): string {
  const config = readKubeconfig(kube.writeKubeconfig())
  change(config)
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, toYaml(config), { mode: 0o600 })
  return path
}

/** A kubeconfig whose only cluster, of the same name as the double's, points at a port nothing listens on. */
const unreachable = (config: Kubeconfig): void => {
  config.clusters[0]!.cluster.server = 'https://127.0.0.1:1'
}

const sync = (inputs: Record<string, string>, env: Record<string, string | undefined>) =>
  runAction({ secrets: JSON.stringify(SECRETS), namespace: NS, ...inputs }, { KUBECONFIG: undefined, ...env })

const synced = (): string[] =>
  kube
    .listSecrets(NS)
    .map(secret => secret.metadata.name)
    .sort()

describe('which kubeconfig, as kubectl decides it', () => {
  it('merges every KUBECONFIG file in order, skipping missing ones; the first to name a cluster or context wins', async () => {
    const good = write(join(dir, 'good'))
    // Same cluster name, another server, its own current-context: all ignored because `good` came first.
    const later = write(join(dir, 'later'), config => {
      unreachable(config)
      config['current-context'] = 'elsewhere'
      ;(config.contexts as { name: string }[]).push({
        name: 'elsewhere',
        context: { cluster: 'kube-double' }
      } as never)
    })
    const run = await sync({}, { KUBECONFIG: `${join(dir, 'missing')}:${good}::${later}`, HOME: dir })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(synced()).toEqual(['dagster-secret-api-key', 'dagster-secret-db-url'])
    expect(run.stdout).toContain(`kubeconfig ${good}:${later} (context kube-double)`)
  })

  it('takes current-context from a later file when the first sets none', async () => {
    const clustersOnly = write(join(dir, 'clusters'), config => {
      delete config['current-context']
    })
    const contextOnly = join(dir, 'context')
    writeFileSync(contextOnly, toYaml({ apiVersion: 'v1', kind: 'Config', 'current-context': 'kube-double' }))
    const run = await sync({}, { KUBECONFIG: `${clustersOnly}:${contextOnly}`, HOME: dir })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(synced()).toHaveLength(2)
  })

  it('reads $HOME/.kube/config when neither the input nor KUBECONFIG is set (what kind and gcloud leave)', async () => {
    write(join(dir, '.kube', 'config'))
    const run = await sync({}, { HOME: dir })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(synced()).toHaveLength(2)
  })

  it('expands ~ in the kubeconfig input, which wins over KUBECONFIG', async () => {
    write(join(dir, 'ci', 'kubeconfig'))
    const other = write(join(dir, 'other'), unreachable)
    const run = await sync({ kubeconfig: '~/ci/kubeconfig' }, { HOME: dir, KUBECONFIG: other })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(synced()).toHaveLength(2)
  })

  it.each([
    [
      'no kubeconfig anywhere',
      {},
      (d: string) => ({ HOME: d }),
      (d: string) => [
        'No cluster to connect to',
        `KUBECONFIG is not set and ${join(d, '.kube', 'config')} (where kubectl looks next) does not exist`
      ]
    ],
    [
      'no KUBECONFIG file exists',
      {},
      (d: string) => ({ HOME: d, KUBECONFIG: `${d}/a:${d}/b` }),
      (d: string) => [`None of the files in KUBECONFIG exist: ${d}/a, ${d}/b.`]
    ],
    [
      'the input names a missing file',
      { kubeconfig: '~/nope' },
      (d: string) => ({ HOME: d }),
      (d: string) => [`Could not read the kubeconfig ${d}/nope: the file does not exist`]
    ]
  ])('%s: fails naming the files it tried', async (_case, inputs, env, messages) => {
    if (!existsSync(dir)) throw new Error('no temp dir')
    const run = await sync(inputs, env(dir))
    expect(run.exitCode).toBe(1)
    for (const message of messages(dir)) expect(run.stdout).toContain(message)
    expect(kube.requests).toHaveLength(0)
  })
})

describe('an exec credential plugin', () => {
  /** What the runner gives a job with `permissions: id-token: write`, and every job (the runtime token). */
  const RUNNER_CREDENTIALS = {
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: 'runner-oidc-request-token-leak-canary',
    ACTIONS_ID_TOKEN_REQUEST_URL: 'https://pipelines.actions.example/idtoken?api-version=2.0',
    ACTIONS_RUNTIME_TOKEN: 'runner-runtime-token-leak-canary',
    ACTIONS_RUNTIME_URL: 'https://pipelines.actions.example/runtime/',
    ACTIONS_RESULTS_URL: 'https://results.actions.example/',
    ACTIONS_CACHE_URL: 'https://artifactcache.actions.example/'
  }

  it("gets a token to the API server but never sees INPUT_SECRETS, any secret value or the runner's tokens", async () => {
    const record = join(dir, 'plugin-env.jsonl')
    const kubeconfig = write(join(dir, 'kubeconfig'), config => {
      config.users = [
        {
          name: 'kube-double-user',
          user: {
            exec: {
              apiVersion: 'client.authentication.k8s.io/v1',
              command: process.execPath,
              args: [plugin],
              env: [
                { name: 'EXEC_PLUGIN_RECORD', value: record },
                { name: 'EXEC_PLUGIN_TOKEN', value: 'test-token' }
              ],
              interactiveMode: 'Never'
            }
          }
        }
      ]
    })
    const run = await sync({ kubeconfig }, { HOME: dir, ...RUNNER_CREDENTIALS })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(synced()).toHaveLength(2)
    expect(kube.requests.every(request => request.user === 'system:serviceaccount:ci:gke-secrets-sync')).toBe(
      true
    )

    const environments = readFileSync(record, 'utf8')
      .trim()
      .split('\n')
      .map(line => JSON.parse(line) as Record<string, string>)
    expect(environments.length).toBeGreaterThan(0)
    for (const env of environments) {
      // The plugin did inherit the action's environment (as client-go's exec does), just not the secrets.
      expect(env.INPUT_NAMESPACE).toBe(NS)
      expect(env).not.toHaveProperty('INPUT_SECRETS')
      // Nor the runner's own credentials: the OIDC request pair would mint this job's identity for any audience.
      for (const name of Object.keys(RUNNER_CREDENTIALS)) expect(env).not.toHaveProperty(name)
      expect(env.GITHUB_REPOSITORY).toBe('acme/dagster-infra')
      const text = JSON.stringify(env)
      for (const token of Object.values(RUNNER_CREDENTIALS)) expect(text).not.toContain(token)
      for (const value of Object.values(SECRETS)) {
        expect(text).not.toContain(value)
        expect(text).not.toContain(Buffer.from(value).toString('base64'))
      }
    }
  })
})

describe('TLS failures name their cause and the kubeconfig setting that fixes it', () => {
  /** A double serving `tls`, and its kubeconfig changed by `change`. */
  async function served(tls: ServerTls, change: (config: Kubeconfig) => void): Promise<[KubeDouble, string]> {
    const served = await startKubeDouble({ tls })
    doubles.push(served)
    const config = readKubeconfig(served.writeKubeconfig())
    change(config)
    const path = join(dir, `kubeconfig-${doubles.length}`)
    writeFileSync(path, toYaml(config), { mode: 0o600 })
    return [served, path]
  }
  const doubles: KubeDouble[] = []
  afterEach(async () => {
    await Promise.all(doubles.splice(0).map(double => double.close()))
  })
  const failure = (stdout: string): string =>
    (stdout.split('\n').find(line => line.startsWith('::error::gke-secrets-sync: ')) ?? '').replaceAll(
      '%0A',
      '\n'
    )

  it('a certificate for other addresses: set tls-server-name, and the same kubeconfig then works', async () => {
    const [elsewhere, path] = await served(elsewhereTls, () => undefined)
    const refused = await sync({ kubeconfig: path }, { HOME: dir })
    expect(refused.exitCode).toBe(1)
    expect(failure(refused.stdout)).toContain(
      "could not list Secrets in namespace dagster-prd: the API server's TLS certificate is not for the address in the server URL (ERR_TLS_CERT_ALTNAME_INVALID; it is for 34.90.1.2, 10.0.0.1, kubernetes, kubernetes.default, kubernetes.default.svc): when the API server is reached through another address"
    )
    expect(failure(refused.stdout)).toContain('set `tls-server-name` in the kubeconfig cluster')

    const config = readKubeconfig(path)
    config.clusters[0]!.cluster['tls-server-name'] = ELSEWHERE_SERVER_NAME
    writeFileSync(path, toYaml(config))
    const run = await sync({ kubeconfig: path }, { HOME: dir })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(elsewhere.listSecrets(NS)).toHaveLength(2)
  })

  it('an expired certificate says so', async () => {
    const [, path] = await served(expiredTls, () => undefined)
    const run = await sync({ kubeconfig: path }, { HOME: dir })
    expect(run.exitCode).toBe(1)
    expect(failure(run.stdout)).toContain("the API server's TLS certificate has expired (CERT_HAS_EXPIRED)")
  })

  it("no cluster CA and a TLS-inspecting proxy's certificate: NODE_EXTRA_CA_CERTS, which then works", async () => {
    // The chain a TLS-inspecting proxy presents: a certificate for the host, and the proxy's own root.
    const proxied = { ...otherTls, cert: otherTls.cert + otherTls.caPem }
    const [behindProxy, path] = await served(proxied, config => {
      delete config.clusters[0]!.cluster['certificate-authority-data']
    })
    const refused = await sync({ kubeconfig: path }, { HOME: dir })
    expect(refused.exitCode).toBe(1)
    expect(failure(refused.stdout)).toContain(
      "the API server's TLS certificate is not signed by a CA this runner trusts (SELF_SIGNED_CERT_IN_CHAIN)"
    )
    expect(failure(refused.stdout)).toContain('give that CA to Node in NODE_EXTRA_CA_CERTS')

    const proxyCa = join(dir, 'proxy-ca.pem')
    writeFileSync(proxyCa, otherTls.caPem)
    const run = await sync({ kubeconfig: path }, { HOME: dir, NODE_EXTRA_CA_CERTS: proxyCa })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(behindProxy.listSecrets(NS)).toHaveLength(2)
  })
})
