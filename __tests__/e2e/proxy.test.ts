// End to end: on a runner that reaches the cluster only through a proxy, the bundled action sends every Kubernetes
// request through it as kubectl would (HTTPS_PROXY / NO_PROXY, a kubeconfig proxy-url first), still verifying the
// API server with the cluster CA inside the tunnel and reusing the tunnel across requests.
// The API server is named kube.proxied.test, a name only the proxy double resolves: Go (so kubectl) never proxies
// localhost or loopback IPs, and a name the runner cannot resolve is the situation a proxy-only runner is in.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stringify as toYaml } from 'yaml'
import { startProxyDouble, type ProxyDouble } from '../doubles/connect-proxy.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { startGitHubOidc } from '../doubles/github-oidc-server.js'
import { startGoogleApis, type GoogleApis } from '../doubles/google-apis-server.js'
import { proxiedTls, testCaPath, testTls } from '../../kube-double/tls.js'
import { runAction } from './run-action.js'

const NS = 'dagster-prd'
const SECRETS = Object.fromEntries(
  ['A', 'B', 'C', 'D', 'E', 'F'].map(n => [`DAGSTER_SECRET_${n}`, `proxy-leak-canary-value-${n}`])
)

let kube: KubeDouble
let proxy: ProxyDouble
let dir: string
let target: string
beforeEach(async () => {
  kube = await startKubeDouble({ tls: proxiedTls })
  proxy = await startProxyDouble()
  dir = mkdtempSync(join(tmpdir(), 'proxy-e2e-'))
  target = `kube.proxied.test:${kube.port}`
})
afterEach(async () => {
  await Promise.all([kube.close(), proxy.close()])
  rmSync(dir, { recursive: true, force: true })
})

function kubeconfig(cluster: Record<string, string> = {}): string {
  const path = join(dir, 'kubeconfig')
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'behind-proxy',
        cluster: {
          server: `https://${target}`,
          'certificate-authority-data': Buffer.from(proxiedTls.caPem).toString('base64'),
          ...cluster
        }
      }
    ],
    users: [{ name: 'ci', user: { token: 'test-token' } }],
    contexts: [{ name: 'behind-proxy', context: { cluster: 'behind-proxy', user: 'ci' } }],
    'current-context': 'behind-proxy'
  }
  writeFileSync(path, toYaml(config), { mode: 0o600 })
  return path
}

const sync = (
  env: Record<string, string>,
  extra: Record<string, string> = {},
  cluster?: Record<string, string>
) =>
  runAction(
    {
      secrets: JSON.stringify(SECRETS),
      namespace: NS,
      kubeconfig: kubeconfig(cluster),
      concurrency: '1',
      ...extra
    },
    { HOME: dir, ...env }
  )

const synced = (): number => kube.listSecrets(NS).length

describe('HTTPS_PROXY', () => {
  it.each(['HTTPS_PROXY', 'https_proxy'])(
    '%s carries every request through the proxy, reusing its tunnels',
    async name => {
      const run = await sync({ [name]: proxy.url })
      expect(run.exitCode, run.stdout).toBe(0)
      expect(synced()).toBe(6)
      // One LIST, six creates one at a time and their six Events. Without reuse each request would open its
      // own tunnel (13); with it, undici may open a second while the first is still being released after the LIST.
      expect(kube.requests).toHaveLength(13)
      expect(proxy.connects.length).toBeGreaterThan(0)
      expect(proxy.connects.length).toBeLessThanOrEqual(2)
      expect(kube.connectionsOpened).toBe(proxy.connects.length)
      expect(new Set(proxy.connects)).toEqual(new Set([target]))
      // HTTP/2 inside the tunnel, as without a proxy.
      expect(new Set(kube.requests.map(r => r.httpVersion))).toEqual(new Set(['2.0']))
      expect(run.stdout).toContain(`through proxy ${proxy.url} (HTTPS_PROXY/HTTP_PROXY)`)
    }
  )

  it('still verifies the API server with the cluster CA inside the tunnel', async () => {
    const run = await sync(
      { HTTPS_PROXY: proxy.url },
      {},
      { 'certificate-authority-data': Buffer.from(testTls.caPem).toString('base64') }
    )
    expect(run.exitCode).toBe(1)
    expect(proxy.connects).toContain(target)
    expect(kube.requests).toHaveLength(0)
    expect(synced()).toBe(0)
  })

  it('authenticates to the proxy with the URL credentials and never prints them', async () => {
    const guarded = await startProxyDouble({ credentials: 'ci-user:proxy-password-canary' })
    try {
      const url = guarded.url.replace('http://', 'http://ci-user:proxy-password-canary@')
      const run = await sync({ HTTPS_PROXY: url })
      expect(run.exitCode, run.stdout).toBe(0)
      expect(guarded.connects).toContain(target)
      expect(run.stdout).toContain(`through proxy ${guarded.url} `)
      expect(run.stdout + run.stderr).not.toContain('proxy-password-canary')

      const refused = await sync({ HTTPS_PROXY: guarded.url })
      expect(refused.exitCode).toBe(1)
      expect(refused.stdout).toContain(
        'the proxy refused to open a tunnel to the API server (HTTP 407): it wants credentials'
      )
    } finally {
      await guarded.close()
    }
  })

  it('is not used for a plain http proxy variable on an https server (HTTP_PROXY is for http:// only)', async () => {
    const run = await sync({ HTTP_PROXY: proxy.url })
    expect(proxy.connects).toEqual([])
    expect(run.exitCode).toBe(1)
  })
})

describe('NO_PROXY and proxy-url', () => {
  it.each(['.proxied.test', 'kube.proxied.test', 'proxied.test', '*', `kube.proxied.test:${'PORT'}`])(
    'NO_PROXY=%s sends the requests directly (and here the runner cannot resolve the name)',
    async entry => {
      const noProxy = `example.com,${entry.replace('PORT', String(kube?.port))}`
      const run = await sync({ HTTPS_PROXY: proxy.url, NO_PROXY: noProxy })
      expect(proxy.connects).toEqual([])
      expect(run.exitCode).toBe(1)
      expect(run.stdout).toContain('could not reach the API server (ENOTFOUND)')
      expect(synced()).toBe(0)
    }
  )

  it('NO_PROXY with another port still proxies', async () => {
    const run = await sync({ HTTPS_PROXY: proxy.url, NO_PROXY: 'kube.proxied.test:1' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(proxy.connects).toContain(target)
  })

  it("a kubeconfig cluster's proxy-url wins over HTTPS_PROXY and NO_PROXY", async () => {
    const chosen = await startProxyDouble()
    try {
      const run = await sync({ HTTPS_PROXY: proxy.url, NO_PROXY: '*' }, {}, { 'proxy-url': chosen.url })
      expect(run.exitCode, run.stdout).toBe(0)
      expect(synced()).toBe(6)
      expect(proxy.connects).toEqual([])
      expect(new Set(chosen.connects)).toEqual(new Set([target]))
      expect(run.stdout).toContain(`through proxy ${chosen.url} (the kubeconfig proxy-url)`)
    } finally {
      await chosen.close()
    }
  })
})

describe('GKE mode', () => {
  it('signs in, finds the cluster, and reaches its API server through HTTPS_PROXY with the cluster CA', async () => {
    const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/github'
    const SERVICE_ACCOUNT = 'secrets-sync@my-project.iam.gserviceaccount.com'
    // GKE names the account by the scopes of its token, as Google reports them (kube-double/google-identity.ts).
    const started: { google?: GoogleApis } = {}
    const gkeKube = await startKubeDouble({
      tls: proxiedTls,
      users: {},
      googleTokens: token =>
        token === started.google?.tokens.serviceAccount ? started.google.grantOf(token) : undefined
    })
    const github = await startGitHubOidc({ repository: 'acme/dagster-infra', ref: 'refs/heads/main' })
    const cluster = { project: 'my-project', location: 'europe-west4', name: 'dagster' }
    const google = await startGoogleApis({
      clusters: [{ ...cluster, endpoint: `kube.proxied.test:${gkeKube.port}`, caPem: proxiedTls.caPem }]
    })
    started.google = google
    try {
      const run = await runAction(
        {
          secrets: JSON.stringify(SECRETS),
          namespace: NS,
          cluster_name: cluster.name,
          location: cluster.location,
          project_id: cluster.project,
          workload_identity_provider: PROVIDER,
          service_account: SERVICE_ACCOUNT
        },
        {
          HOME: dir,
          HTTPS_PROXY: proxy.url,
          ACTIONS_ID_TOKEN_REQUEST_URL: github.url,
          ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
          NODE_EXTRA_CA_CERTS: testCaPath,
          GHA_ENDPOINT_OVERRIDE_sts: google.endpoints.sts,
          GHA_ENDPOINT_OVERRIDE_iamcredentials: google.endpoints.iamcredentials,
          GHA_ENDPOINT_OVERRIDE_container: google.endpoints.container
        }
      )
      expect(run.exitCode, run.stdout).toBe(0)
      expect(gkeKube.listSecrets(NS)).toHaveLength(6)
      expect(gkeKube.requests.every(r => r.user === SERVICE_ACCOUNT)).toBe(true)
      // The Kubernetes requests went through the proxy (Google's and GitHub's clients may use it as well).
      expect(proxy.connects).toContain(`kube.proxied.test:${gkeKube.port}`)
    } finally {
      await Promise.all([gkeKube.close(), github.close(), google.close()])
    }
  })
})
