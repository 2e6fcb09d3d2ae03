// HTTP/2 as the API server speaks it, through the action's own transport (src/kube/http.ts under SecretsClient,
// with one shared undici agent as a run has): which protocol undici negotiates, what a reset stream, a GOAWAY or a
// dropped connection make of a call (the real errors, read by src/kube/errors.ts), and that a retry gets through.
// Against the Kubernetes double over HTTPS on 127.0.0.1, which serves h2 with HTTP/1.1 fallback.
import { constants as http2 } from 'node:http2'
import pLimit from 'p-limit'
import { afterEach, describe, expect, it } from 'vitest'
import { KubeApiError } from '../../src/sync/kube-api-error.js'
import { SharedConnections } from '../../src/kube/requests.js'
import { SecretsClient } from '../../src/kube/secrets-client.js'
import {
  servedProtocols,
  startKubeDouble,
  type Fault,
  type HttpProtocol,
  type KubeDouble
} from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'

const NS = 'dagster-prd'
const doubles: KubeDouble[] = []
afterEach(async () => {
  await Promise.all(doubles.splice(0).map(d => d.close()))
})

async function kubeDouble(protocols: readonly HttpProtocol[] = servedProtocols): Promise<KubeDouble> {
  const kube = await startKubeDouble({ namespaces: [NS], protocols })
  doubles.push(kube)
  return kube
}

/** A run's client: one agent for every call (SharedConnections), `retries` retries 1 ms apart. */
function secretsClient(kube: KubeDouble, retries = 0): SecretsClient {
  return new SecretsClient(kubeConfigFor(kube), {
    connections: new SharedConnections(),
    namespace: NS,
    dryRun: false,
    requestTimeoutMs: 5_000,
    deadline: AbortSignal.timeout(20_000),
    retry: { retries, minDelayMs: 1, maxDelayMs: 1 }
  })
}

const secret = (name: string) => ({ metadata: { name }, type: 'Opaque', data: { K: 'dg==' } })
const isCreate = (r: { method: string }): boolean => r.method === 'POST'

describe('over HTTP/2 (the double as kube-apiserver: h2 preferred, HTTP/1.1 for clients without it)', () => {
  it('concurrent calls share one connection and one session, each its own stream', async () => {
    const kube = await kubeDouble()
    kube.latencyMs = 50
    const client = secretsClient(kube)
    await client.list('')
    const limit = pLimit(5)
    await Promise.all(Array.from({ length: 20 }, (_, i) => limit(() => client.create(secret(`s-${i}`)))))

    expect(kube.listSecrets(NS)).toHaveLength(20)
    expect(new Set(kube.requests.map(r => r.httpVersion))).toEqual(new Set(['2.0']))
    expect(kube.connectionsOpened).toBe(1)
    expect(kube.sessionsOpened).toBe(1)
    expect(new Set(kube.requests.map(r => r.clientPort)).size).toBe(1)
    expect(kube.maxInFlight).toBe(5)
  })

  // With no retries, the error the call ends with: the HTTP/2 failure undici 8 really raises, as errors.ts words it.
  it.each<[string, Fault, string, boolean]>([
    [
      'a RST_STREAM INTERNAL_ERROR',
      { kind: 'reset', code: http2.NGHTTP2_INTERNAL_ERROR, match: isCreate },
      'the API server reset the request (HTTP/2 RST_STREAM INTERNAL_ERROR)',
      true
    ],
    [
      // undici sends a refused stream once more by itself (RFC 9113 section 8.7); the second refusal is ours.
      'a RST_STREAM REFUSED_STREAM, twice',
      { kind: 'reset', code: http2.NGHTTP2_REFUSED_STREAM, times: 2, match: isCreate },
      'the API server reset the request (HTTP/2 RST_STREAM REFUSED_STREAM)',
      true
    ],
    [
      'a RST_STREAM HTTP_1_1_REQUIRED, which a new connection meets again',
      { kind: 'reset', code: http2.NGHTTP2_HTTP_1_1_REQUIRED, match: isCreate },
      'the API server reset the request (HTTP/2 RST_STREAM HTTP_1_1_REQUIRED)',
      false
    ],
    [
      'a GOAWAY INTERNAL_ERROR and the connection closed',
      { kind: 'goaway', code: http2.NGHTTP2_INTERNAL_ERROR, match: isCreate },
      'the API server closed the connection (HTTP/2 GOAWAY INTERNAL_ERROR)',
      true
    ],
    [
      'a GOAWAY ENHANCE_YOUR_CALM and the connection closed',
      { kind: 'goaway', code: http2.NGHTTP2_ENHANCE_YOUR_CALM, match: isCreate },
      'the API server closed the connection (HTTP/2 GOAWAY ENHANCE_YOUR_CALM)',
      true
    ],
    [
      'a dropped TCP connection',
      { kind: 'drop', match: isCreate },
      'could not reach the API server (UND_ERR_SOCKET)',
      true
    ]
  ])(
    '%s fails the call with that error (transient or not); the next call gets through',
    async (_, fault, message, transient) => {
      const kube = await kubeDouble()
      const client = secretsClient(kube)
      await client.list('')
      kube.inject(fault)

      const error = await client.create(secret('a')).catch((failure: unknown) => failure)

      expect(error).toBeInstanceOf(KubeApiError)
      expect((error as KubeApiError).message).toBe(message)
      expect((error as KubeApiError).transient).toBe(transient)
      expect(kube.writes()).toEqual([])
      const refused = kube.requests.filter(isCreate)
      expect(refused).toHaveLength(fault.times ?? 1)
      expect(refused.every(r => r.status === 0 && r.httpVersion === '2.0')).toBe(true)
      await expect(client.create(secret('a'))).resolves.toMatchObject({ metadata: { name: 'a' } })
    }
  )

  it.each<[string, Fault, number]>([
    [
      'a RST_STREAM REFUSED_STREAM once: undici sends it again on the same connection',
      { kind: 'reset', code: http2.NGHTTP2_REFUSED_STREAM, match: isCreate },
      1
    ],
    [
      'a graceful GOAWAY (NO_ERROR): the request is answered, the next one goes on a new connection',
      { kind: 'goaway', match: isCreate },
      2
    ]
  ])('%s', async (_, fault, connections) => {
    const kube = await kubeDouble()
    const client = secretsClient(kube)
    await client.list('')
    kube.inject(fault)

    await client.create(secret('a'))
    await client.create(secret('b'))

    expect(kube.listSecrets(NS).map(s => s.metadata.name)).toEqual(['a', 'b'])
    expect(kube.connectionsOpened).toBe(connections)
    expect(kube.sessionsOpened).toBe(connections)
    expect(new Set(kube.requests.map(r => r.clientPort)).size).toBe(connections)
  })

  it('a GOAWAY in the middle of concurrent writes: retried, every Secret created once', async () => {
    const kube = await kubeDouble()
    kube.latencyMs = 20
    const client = secretsClient(kube, 3)
    await client.list('')
    kube.inject({
      kind: 'goaway',
      code: http2.NGHTTP2_INTERNAL_ERROR,
      match: r => isCreate(r) && kube.requests.filter(isCreate).length === 10
    })
    const limit = pLimit(5)
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) => limit(() => client.create(secret(`s-${i}`))))
    )

    // A create whose answer the closed connection lost may have landed: its retry is then refused with
    // AlreadyExists (sync.ts reads it and reports it created). No other failure, and no Secret written twice.
    const failures = results.flatMap(r => (r.status === 'rejected' ? [r.reason as KubeApiError] : []))
    expect(failures.map(f => f.reason)).toEqual(failures.map(() => 'AlreadyExists'))
    expect(kube.listSecrets(NS)).toHaveLength(30)
    expect(kube.writes().filter(w => w.status === 201)).toHaveLength(30)
    expect(kube.writes().filter(w => w.status === 409)).toHaveLength(failures.length)
    expect(kube.connectionsOpened).toBeGreaterThanOrEqual(2)
  })
})

describe('over HTTP/1.1 (an API server without HTTP/2)', () => {
  it('concurrent calls each take a connection of their own', async () => {
    const kube = await kubeDouble(['http/1.1'])
    kube.latencyMs = 50
    const client = secretsClient(kube)
    await client.list('')
    const limit = pLimit(5)
    await Promise.all(Array.from({ length: 20 }, (_, i) => limit(() => client.create(secret(`s-${i}`)))))

    expect(new Set(kube.requests.map(r => r.httpVersion))).toEqual(new Set(['1.1']))
    expect(kube.sessionsOpened).toBe(0)
    expect(kube.maxInFlight).toBe(5)
    expect(kube.connectionsOpened).toBeGreaterThanOrEqual(5)
    expect(new Set(kube.requests.map(r => r.clientPort)).size).toBe(kube.connectionsOpened)
  })

  it.each<[string, Fault]>([
    ['a reset (no streams: the connection is closed)', { kind: 'reset', match: isCreate }],
    ['an abrupt GOAWAY (the connection is closed)', { kind: 'goaway', code: 2, match: isCreate }]
  ])('%s is a dropped connection', async (_, fault) => {
    const kube = await kubeDouble(['http/1.1'])
    const client = secretsClient(kube)
    await client.list('')
    kube.inject(fault)

    const error = await client.create(secret('a')).catch((failure: unknown) => failure)
    expect((error as KubeApiError).message).toBe('could not reach the API server (UND_ERR_SOCKET)')
    expect((error as KubeApiError).transient).toBe(true)
  })

  it('a graceful GOAWAY is `Connection: close` on the answer: the next request opens a new connection', async () => {
    const kube = await kubeDouble(['http/1.1'])
    const client = secretsClient(kube)
    await client.list('')
    kube.inject({ kind: 'goaway', match: isCreate })

    await client.create(secret('a'))
    await client.create(secret('b'))

    expect(kube.listSecrets(NS)).toHaveLength(2)
    expect(kube.connectionsOpened).toBe(2)
  })
})
