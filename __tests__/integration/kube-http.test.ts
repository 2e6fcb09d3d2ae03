// src/kube/http.ts, the transport under every Kubernetes call: client-node builds the request and reads the
// response, this sends it with undici's Dispatcher.request. Against the Kubernetes double over HTTPS for what
// client-node sees, and against a bare HTTP server on 127.0.0.1 for what only raw HTTP can show (a redirect,
// repeated headers).
import { ApiException, KubeConfig, RequestContext } from '@kubernetes/client-node'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { coreV1Api } from '../../src/kube/api.js'
import { dispatcherHttpLibrary, headerRecord } from '../../src/kube/http.js'
import {
  servedProtocols,
  startKubeDouble,
  type HttpProtocol,
  type KubeDouble
} from '../../kube-double/server.js'
import { KubeApiError } from '../../src/sync/kube-api-error.js'
import { kubeConfigFor } from '../doubles/kube-config.js'

const NS = 'dagster-prd'
const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup()
})

async function kubeDouble(protocols?: readonly HttpProtocol[]): Promise<KubeDouble> {
  const kube = await startKubeDouble({
    users: { 'test-token': 'ci' },
    namespaces: [NS],
    ...(protocols && { protocols })
  })
  cleanups.push(() => kube.close())
  return kube
}

/** The API server as it is (HTTP/2, HTTP/1.1 for clients without it), and one with HTTP/2 turned off. */
const protocolCases = [
  { server: 'h2 and http/1.1, as kube-apiserver', protocols: servedProtocols, httpVersion: '2.0' },
  { server: 'http/1.1 only', protocols: ['http/1.1'] as const, httpVersion: '1.1' }
]

/** A plain-HTTP server's KubeConfig: client-node refuses http:// unless TLS verification is off
 * (config.js, createDispatcherOptions). */
function plainHttpKubeConfig(server: string): KubeConfig {
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromClusterAndUser(
    { name: 'bare', server, skipTLSVerify: true },
    { name: 'ci', token: 'test-token' }
  )
  return kubeConfig
}

/** A bare HTTP server that answers every request with `answer` and records what it was asked. */
async function bareServer(
  answer: (url: string, response: ServerResponse) => void
): Promise<{ url: string; hits: string[] }> {
  const hits: string[] = []
  const server: Server = createServer((request, response) => {
    hits.push(`${request.method} ${request.url}`)
    request.resume()
    request.on('end', () => answer(request.url ?? '', response))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  cleanups.push(() => new Promise(resolve => server.close(() => resolve())))
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits }
}

describe.each(protocolCases)(
  'a call through client-node with this transport, server $server',
  ({ protocols, httpVersion }) => {
    it('sends what client-node built (auth, headers, JSON body) and hands client-node the typed answer', async () => {
      const kube = await kubeDouble(protocols)
      const api = coreV1Api(kubeConfigFor(kube))

      const created = await api.createNamespacedSecret({
        namespace: NS,
        body: {
          metadata: { name: 'dagster-secret-a' },
          type: 'Opaque',
          data: { DAGSTER_SECRET_A: Buffer.from('not-a-secret').toString('base64') }
        }
      })
      const read = await api.readNamespacedSecret({ name: 'dagster-secret-a', namespace: NS })

      expect(created.metadata?.resourceVersion).toMatch(/^\d+$/)
      // client-node's ObjectSerializer turned the JSON timestamp into a Date: the answer went through it.
      expect(read.metadata?.creationTimestamp).toBeInstanceOf(Date)
      expect(Buffer.from(read.data?.DAGSTER_SECRET_A ?? '', 'base64').toString()).toBe('not-a-secret')
      expect(
        kube.requests.map(({ method, status, user, contentType, accept }) => ({
          method,
          status,
          user,
          contentType,
          accept
        }))
      ).toEqual([
        {
          method: 'POST',
          status: 201,
          user: 'ci',
          contentType: 'application/json',
          accept: 'application/json, */*;q=0.8'
        },
        {
          method: 'GET',
          status: 200,
          user: 'ci',
          contentType: undefined,
          accept: 'application/json, */*;q=0.8'
        }
      ])
      expect(kube.requests[0]?.userAgent).toMatch(/^kubernetes-client-javascript\//)
      // undici 8 offers h2 by ALPN and the server picks it: the protocol the action speaks to a real API server.
      expect(kube.requests.map(r => r.httpVersion)).toEqual([httpVersion, httpVersion])
      // Without SharedConnections (requests.ts) client-node gives each request an agent of its own, so a
      // connection of its own, which negotiates the same.
      expect(kube.connectionsOpened).toBe(2)
    })

    it("turns an error answer into client-node's ApiException with the Status body", async () => {
      const kube = await kubeDouble(protocols)
      const api = coreV1Api(kubeConfigFor(kube))

      const error = await api
        .readNamespacedSecret({ name: 'dagster-secret-missing', namespace: NS })
        .catch((failure: unknown) => failure)

      expect(error).toBeInstanceOf(ApiException)
      expect((error as ApiException<string>).code).toBe(404)
      expect(JSON.parse((error as ApiException<string>).body)).toMatchObject({
        kind: 'Status',
        reason: 'NotFound'
      })
      expect(kube.requests.map(r => r.httpVersion)).toEqual([httpVersion])
    })
  }
)

describe('a 2xx answer that is not JSON', () => {
  const canary = 'portal-page-canary'
  const advice =
    'not the JSON an API server sends: something between the runner and the cluster answered in its place (a proxy, a captive portal, a sign-in page), or the server URL does not point at a Kubernetes API server'

  it.each<[string, Record<string, string>, string, string]>([
    [
      'an HTML page',
      { 'Content-Type': 'text/html; charset=utf-8' },
      `<html><body>Sign in ${canary}</body></html>`,
      'Content-Type text/html'
    ],
    ['plain text', { 'Content-Type': 'text/plain' }, `ok ${canary}`, 'Content-Type text/plain'],
    ['no Content-Type', {}, `{"kind":"SecretList","items":[],"x":"${canary}"}`, 'no Content-Type'],
    [
      'a Content-Type of odd characters',
      { 'Content-Type': 'text/<b>weird</b>' },
      canary,
      'Content-Type (unreadable)'
    ],
    [
      'JSON by its type that does not parse',
      { 'Content-Type': 'application/json' },
      `{"kind":"SecretList","items":[{"x":"${canary}"`,
      'Content-Type application/json but a body that does not parse'
    ]
  ])('%s: says so, naming the call and the content type, never the body', async (_, headers, body, what) => {
    const server = await bareServer((_url, response) => response.writeHead(200, headers).end(body))
    const api = coreV1Api(plainHttpKubeConfig(server.url))

    const error = await api.listNamespacedSecret({ namespace: NS }).catch((failure: unknown) => failure)

    expect(error).toBeInstanceOf(KubeApiError)
    expect((error as KubeApiError).message).toBe(
      `the API server answered GET /api/v1/namespaces/${NS}/secrets with 200 and ${what}, ${advice}`
    )
    expect((error as KubeApiError).transient).toBe(false)
    expect((error as KubeApiError).message).not.toContain(canary)
  })

  it('reads JSON by any JSON content type, parameters and all', async () => {
    const server = await bareServer((_url, response) =>
      response
        .writeHead(200, { 'Content-Type': 'application/json; charset=utf-8' })
        .end('{"kind":"SecretList","apiVersion":"v1","metadata":{},"items":[]}')
    )
    const list = await coreV1Api(plainHttpKubeConfig(server.url)).listNamespacedSecret({ namespace: NS })
    expect(list.items).toEqual([])
  })
})

describe('dispatcherHttpLibrary', () => {
  it('does not follow a redirect: the 3xx is the answer, and the target is never asked', async () => {
    const target = await bareServer((_, response) => response.end('{}'))
    const origin = await bareServer((_, response) => {
      response.writeHead(307, { location: `${target.url}/api/v1/namespaces/${NS}/secrets` }).end()
    })
    const api = coreV1Api(plainHttpKubeConfig(origin.url))

    const error = await api
      .createNamespacedSecret({ namespace: NS, body: { metadata: { name: 'dagster-secret-a' } } })
      .catch((failure: unknown) => failure)

    expect((error as ApiException<string>).code).toBe(307)
    expect(origin.hits).toEqual([`POST /api/v1/namespaces/${NS}/secrets`])
    expect(target.hits).toEqual([])
  })

  it('gives client-node the body as text and as bytes, and the headers with repeated ones joined', async () => {
    const server = await bareServer((_, response) => {
      response.setHeader('Warning', ['299 - "first"', '299 - "second"'])
      response.setHeader('Content-Type', 'application/json')
      response.end('{"kind":"Status","message":"ä"}')
    })

    const answer = await dispatcherHttpLibrary
      .send(new RequestContext(`${server.url}/version?x=1`, 'GET'))
      .toPromise()

    expect(server.hits).toEqual(['GET /version?x=1'])
    expect(answer.httpStatusCode).toBe(200)
    expect(answer.headers.warning).toBe('299 - "first", 299 - "second"')
    expect(await answer.body.text()).toBe('{"kind":"Status","message":"ä"}')
    expect((await answer.body.binary()).equals(Buffer.from('{"kind":"Status","message":"ä"}'))).toBe(true)
  })

  it('ends with the reason of the abort signal, as fetch did (kube-errors.ts reads its name)', async () => {
    const server = await bareServer(() => undefined) // never answers
    const request = new RequestContext(`${server.url}/api/v1/namespaces`, 'GET')
    request.setSignal(AbortSignal.timeout(50))

    const error = await dispatcherHttpLibrary
      .send(request)
      .toPromise()
      .catch((failure: unknown) => failure)

    expect((error as Error).name).toBe('TimeoutError')
  })

  it('refuses a body that is not a string instead of sending something else', async () => {
    const request = new RequestContext('http://127.0.0.1:9/upload', 'POST')
    request.setBody(new URLSearchParams({ a: '1' }))

    await expect(dispatcherHttpLibrary.send(request).toPromise()).rejects.toThrow(
      /unsupported request body \(URLSearchParams\)/
    )
  })
})

describe('headerRecord', () => {
  it('lower-cases names, joins repeated values with ", " and drops absent ones', () => {
    expect(headerRecord({ 'Retry-After': '3', warning: ['a', 'b'], absent: undefined })).toEqual({
      'retry-after': '3',
      warning: 'a, b'
    })
  })
})
