// TLS failures as the action meets them: real handshakes with @kubernetes/client-node (through undici) against
// the Kubernetes double serving certificates made for each case (kube-double/certs/make-certs.sh), and the
// message src/kube/errors.ts makes of each: by its code, and by how the connection verifies the server (the
// cluster's CA, or the system's roots when the kubeconfig has none).
import tls from 'node:tls'
import { KubeConfig } from '@kubernetes/client-node'
import { afterEach, describe, expect, it } from 'vitest'
import { coreV1Api } from '../../src/kube/api.js'
import { sendWithRetries, serverTrust } from '../../src/kube/requests.js'
import { KubeApiError } from '../../src/sync/kube-api-error.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import {
  ELSEWHERE_SERVER_NAME,
  elsewhereTls,
  expiredTls,
  otherTls,
  testTls,
  type ServerTls
} from '../../kube-double/tls.js'

const NS = 'dagster-prd'
const started: KubeDouble[] = []
const defaultCaCertificates = tls.getCACertificates('default')
afterEach(async () => {
  tls.setDefaultCACertificates(defaultCaCertificates)
  await Promise.all(started.splice(0).map(kube => kube.close()))
})

interface Client {
  /** The cluster CA in the kubeconfig (certificate-authority-data); none: the system's roots decide. */
  caPem?: string
  tlsServerName?: string
}

/** Lists Secrets as the action does (sendWithRetries, the run's trust) and returns the error, if any. */
async function list(serverTls: ServerTls, client: Client): Promise<KubeApiError | undefined> {
  const kube = await startKubeDouble({ tls: serverTls, users: { 'test-token': 'ci' }, namespaces: [NS] })
  started.push(kube)
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromClusterAndUser(
    {
      name: 'cluster',
      server: kube.url,
      skipTLSVerify: false,
      ...(client.caPem && { caData: Buffer.from(client.caPem).toString('base64') }),
      ...(client.tlsServerName && { tlsServerName: client.tlsServerName })
    },
    { name: 'user', token: 'test-token' }
  )
  const api = coreV1Api(kubeConfig)
  const policy = {
    requestTimeoutMs: 10_000,
    deadline: AbortSignal.timeout(60_000),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 },
    serverTrust: serverTrust(kubeConfig)
  }
  return sendWithRetries(policy, options => api.listNamespacedSecret({ namespace: NS }, options)).then(
    () => undefined,
    (error: unknown) => error as KubeApiError
  )
}

const ALTNAME =
  "the API server's TLS certificate is not for the address in the server URL (ERR_TLS_CERT_ALTNAME_INVALID; it is for 34.90.1.2, 10.0.0.1, kubernetes, kubernetes.default, kubernetes.default.svc): when the API server is reached through another address (a tunnel, a port-forward, a load balancer, another of its IPs), set `tls-server-name` in the kubeconfig cluster to a name the certificate holds, as kubectl needs too"
const EXPIRED =
  "the API server's TLS certificate has expired (CERT_HAS_EXPIRED): the cluster's certificates need renewing (on GKE, a credential rotation: gcloud container clusters update CLUSTER --start-credential-rotation), or the runner's clock is wrong"
const untrustedBySystem = (code: string): string =>
  `the API server's TLS certificate is not signed by a CA this runner trusts (${code}): with no cluster CA to check it against, the system's roots decide. A TLS-inspecting proxy or firewall between the runner and the cluster presents a certificate of its own CA: give that CA to Node in NODE_EXTRA_CA_CERTS (the path of a PEM file, set in the step's env). A cluster with its own CA needs it in the kubeconfig (certificate-authority-data).`
const notClusterCa = (code: string): string =>
  `the API server's TLS certificate is not trusted (${code}): it is not signed by the cluster's CA certificate; check the cluster CA in the kubeconfig or the cluster lookup. A TLS-inspecting proxy between the runner and the cluster causes this too: only the cluster's CA is trusted here (NODE_EXTRA_CA_CERTS does not apply), so the proxy must let connections to the API server through untouched.`

/** What a TLS-inspecting proxy presents: a leaf for the host and its own root, which the runner does not know. */
const inspectingProxyTls: ServerTls = { ...otherTls, cert: otherTls.cert + otherTls.caPem }

describe('TLS failures are explained by their code', () => {
  it.each<[string, ServerTls, Client, string]>([
    [
      'a certificate for other addresses (ERR_TLS_CERT_ALTNAME_INVALID)',
      elsewhereTls,
      { caPem: elsewhereTls.caPem },
      ALTNAME
    ],
    ['an expired certificate (CERT_HAS_EXPIRED)', expiredTls, { caPem: expiredTls.caPem }, EXPIRED],
    [
      'no cluster CA, a certificate of an unknown CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
      otherTls,
      {},
      untrustedBySystem('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    ],
    [
      "no cluster CA, a TLS-inspecting proxy's chain with its own root (SELF_SIGNED_CERT_IN_CHAIN)",
      inspectingProxyTls,
      {},
      untrustedBySystem('SELF_SIGNED_CERT_IN_CHAIN')
    ],
    [
      "the cluster's CA, a certificate another CA signed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
      testTls,
      { caPem: otherTls.caPem },
      notClusterCa('UNABLE_TO_VERIFY_LEAF_SIGNATURE')
    ],
    [
      "the cluster's CA, a TLS-inspecting proxy's chain (SELF_SIGNED_CERT_IN_CHAIN)",
      inspectingProxyTls,
      { caPem: testTls.caPem },
      notClusterCa('SELF_SIGNED_CERT_IN_CHAIN')
    ]
  ])('%s', async (_, serverTls, client, message) => {
    const error = await list(serverTls, client)
    expect(error).toBeInstanceOf(KubeApiError)
    expect(error?.message).toBe(message)
    expect(error).toMatchObject({ status: undefined, transient: false })
  })

  it("tls-server-name set to a name the certificate holds: kubectl's fix works here too", async () => {
    expect(
      await list(elsewhereTls, { caPem: elsewhereTls.caPem, tlsServerName: ELSEWHERE_SERVER_NAME })
    ).toBe(undefined)
  })

  it("NODE_EXTRA_CA_CERTS's fix: with the proxy's CA among the system's roots, the same chain is trusted", async () => {
    // What NODE_EXTRA_CA_CERTS does at start-up, done in-process.
    tls.setDefaultCACertificates([...defaultCaCertificates, otherTls.caPem])
    expect(await list(inspectingProxyTls, {})).toBe(undefined)
  })
})
