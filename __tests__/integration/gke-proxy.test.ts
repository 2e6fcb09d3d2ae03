// The GKE path behind a proxy: sign in with Workload Identity Federation, find the cluster, then reach its API
// server only through HTTPS_PROXY, verified with the cluster CA GKE reported. Real google-auth-library,
// @actions/core and client-node over HTTPS against the GitHub OIDC, Google API, Kubernetes and proxy doubles.
// The cluster's endpoint is a name only the proxy resolves (Go, so kubectl, never proxies loopback addresses).
import tls from 'node:tls'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { withProxy } from '../../src/kube/cluster-connection.js'
import { connectToGke } from '../../src/google/gke-cluster.js'
import { signInToGoogle } from '../../src/google/credentials.js'
import { SharedConnections } from '../../src/kube/requests.js'
import { SecretsClient } from '../../src/kube/secrets-client.js'
import { startProxyDouble, type ProxyDouble } from '../doubles/connect-proxy.js'
import { startGitHubOidc, type GitHubOidc } from '../doubles/github-oidc-server.js'
import { startGoogleApis, type GoogleApis } from '../doubles/google-apis-server.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { proxiedTls, testTls } from '../../kube-double/tls.js'

const NS = 'dagster-prd'
const PROVIDER = 'projects/123456789012/locations/global/workloadIdentityPools/github/providers/github'
const SERVICE_ACCOUNT = 'secrets-sync@my-project.iam.gserviceaccount.com'
const cluster = { project: 'my-project', location: 'europe-west4', name: 'dagster' }

let github: GitHubOidc
let google: GoogleApis
let kube: KubeDouble
let proxy: ProxyDouble
let defaultCaCertificates: string[]
const savedEnv = { ...process.env }

beforeAll(async () => {
  // The Google and GitHub doubles stand in for publicly trusted services; the cluster CA is only GKE's to give.
  defaultCaCertificates = tls.getCACertificates('default')
  tls.setDefaultCACertificates([...defaultCaCertificates, testTls.caPem])
  // GKE asks Google about the bearer and names the account as Google's answer allows (by email with the
  // userinfo.email scope); only the service account's token is accepted.
  kube = await startKubeDouble({
    tls: proxiedTls,
    users: {},
    googleTokens: token => (token === google.tokens.serviceAccount ? google.grantOf(token) : undefined)
  })
  proxy = await startProxyDouble()
  github = await startGitHubOidc({ repository: 'acme/dagster-infra' })
  google = await startGoogleApis({
    clusters: [{ ...cluster, endpoint: `kube.proxied.test:${kube.port}`, caPem: proxiedTls.caPem }]
  })
  // What the runner gives a job with `permissions: id-token: write`; @actions/core reads it.
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = github.url
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = github.requestToken
})

afterAll(async () => {
  process.env = savedEnv
  tls.setDefaultCACertificates(defaultCaCertificates)
  await Promise.all([github.close(), google.close(), kube.close(), proxy.close()])
})

async function gkeConnection() {
  const signIn = {
    kind: 'federation' as const,
    provider: PROVIDER,
    serviceAccount: SERVICE_ACCOUNT,
    audience: `https://iam.googleapis.com/${PROVIDER}`
  }
  const endpoints = { ...google.endpoints, connectgateway: 'https://127.0.0.1:1/unused' }
  const credentials = await signInToGoogle(signIn, endpoints, AbortSignal.timeout(20_000), () => undefined)
  return connectToGke({ cluster, endpoint: 'public' }, credentials, endpoints)
}

function secretsClient(connection: Awaited<ReturnType<typeof gkeConnection>>): SecretsClient {
  return new SecretsClient(connection.kubeConfig, {
    connections: new SharedConnections(),
    namespace: NS,
    dryRun: false,
    requestTimeoutMs: 10_000,
    deadline: AbortSignal.timeout(30_000),
    retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 }
  })
}

describe('a GKE cluster behind HTTPS_PROXY', () => {
  it('is reached through the proxy, verified with the cluster CA GKE reported', async () => {
    const connection = withProxy(await gkeConnection(), { httpsProxy: proxy.url, noProxy: 'googleapis.com' })
    const client = secretsClient(connection)
    await client.create({ metadata: { name: 'through-proxy', namespace: NS }, data: {} })
    expect((await client.list('')).map(secret => secret.metadata?.name)).toEqual(['through-proxy'])

    const target = `kube.proxied.test:${kube.port}`
    expect(new Set(proxy.connects)).toEqual(new Set([target]))
    // HTTP/2 inside the CONNECT tunnel, as without a proxy: undici's ProxyAgent offers h2 to the API server.
    expect(kube.requests.map(r => [r.method, r.user, r.httpVersion])).toEqual([
      ['POST', SERVICE_ACCOUNT, '2.0'],
      ['GET', SERVICE_ACCOUNT, '2.0']
    ])
    expect(connection.description).toContain(`through proxy ${proxy.url} (HTTPS_PROXY/HTTP_PROXY)`)
  })

  it('cannot be reached without the proxy: the runner cannot resolve the endpoint (what main did)', async () => {
    const connects = proxy.connects.length
    const client = secretsClient(
      withProxy(await gkeConnection(), { httpsProxy: proxy.url, noProxy: '.proxied.test' })
    )
    await expect(client.list('')).rejects.toThrow('could not reach the API server (ENOTFOUND)')
    expect(proxy.connects).toHaveLength(connects)
  })
})
