// How every Kubernetes request goes over the wire. client-node builds the request (URL, query, headers, body,
// authentication) and chooses the undici dispatcher for it (the cluster's CA, the client certificate, the
// proxy: KubeConfig.applySecurityAuthentication, or the first of them for the whole run: SharedConnections in
// kube-requests.ts); this sends it with that dispatcher's `request()`, through client-node's own extension
// point for it, the configuration's `httpApi` (gen/configuration.js).
//
// Why not client-node's default, undici's `fetch` (gen/http/isomorphic-fetch.js): fetch registers every Response
// in a FinalizationRegistry holding a WeakRef to its body stream (undici lib/web/fetch/response.js), and V8's
// minor GC keeps the targets of both alive until a full GC. Each response, with its streams and buffers, thus
// outlived the young generation, V8 grew the young generation for them, and a first sync of 1,000 Secrets
// peaked at about 186 MiB against about 147 MiB with this (bench/RESULTS.md). `Dispatcher.request` is
// undici's plain HTTP API on the same connections, with the same abort signal; its errors come unwrapped
// (kube-errors.ts reads both).
//
// HTTP/2: undici 8 offers h2 by ALPN unless told not to (`allowH2` defaults to true; it offers
// ['http/1.1', 'h2'] and lets the server choose, lib/core/connect.js), on every agent client-node builds (direct,
// or through a CONNECT tunnel of its ProxyAgent) and on the global one. kube-apiserver offers ['h2', 'http/1.1']
// and Go's crypto/tls picks by the server's order (k8s.io/apiserver/pkg/server/secure_serving.go), so the action
// speaks HTTP/2 to a real API server as kubectl does (client-go offers h2 first), its concurrent requests
// multiplexed on one connection; the Connect gateway speaks h2 too. Nothing here sets it: client-node builds the
// agents and takes no undici options (config.js, createDispatcher), and kube-http.test.ts fails should undici's
// default change. A reset stream or a GOAWAY comes back as an error that errors.ts retries like a dropped
// connection.
//
// What fetch did and this does not: follow redirects (an API server answers, it does not redirect; a 3xx is
// reported as the status it is, and a write is never re-sent to another address) and ask for gzip (the
// API server then sends responses uncompressed, as it does to any client that does not ask).
import { Observable, ResponseContext, type RequestContext } from '@kubernetes/client-node'
import { getGlobalDispatcher } from 'undici'

/** client-node's HttpLibrary (gen/http/http.js), which its package index does not export as a type. */
interface HttpLibrary {
  send(request: RequestContext): Observable<ResponseContext>
}

export const dispatcherHttpLibrary: HttpLibrary = {
  send: request => new Observable(send(request))
}

async function send(request: RequestContext): Promise<ResponseContext> {
  const body = request.getBody()
  // client-node's generated factories send JSON as a string; FormData and URLSearchParams are for APIs
  // (file uploads, OAuth) this action does not call.
  if (body !== undefined && typeof body !== 'string') {
    throw new Error(`unsupported request body (${body.constructor.name}) for ${request.getUrl()}`)
  }
  const url = new URL(request.getUrl())
  // No dispatcher: the cluster needs no TLS options of its own (client-node's createDispatcher, 'none').
  const dispatcher = request.getDispatcher() ?? getGlobalDispatcher()
  const response = await dispatcher.request({
    origin: url.origin,
    path: url.pathname + url.search,
    method: request.getHttpMethod(),
    headers: request.getHeaders(),
    body,
    signal: request.getSignal()
  })
  // Read the whole body here, so that the connection goes back to the pool whatever the caller does with it.
  const bytes = Buffer.from(await response.body.arrayBuffer())
  return new ResponseContext(response.statusCode, headerRecord(response.headers), {
    text: () => Promise.resolve(bytes.toString('utf8')),
    binary: () => Promise.resolve(bytes),
    stream: () => null
  })
}

/**
 * The response headers as fetch's `Headers.forEach` gave them to client-node: lower-case names, and the values
 * of a repeated header joined with ", " (https://fetch.spec.whatwg.org/#concept-header-list-get).
 */
export function headerRecord(headers: Record<string, string | string[] | undefined>): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) record[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value
  }
  return record
}
