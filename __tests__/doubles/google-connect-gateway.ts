// Connect gateway double: Google's front end to a fleet member's API server, at
// `https://connectgateway.googleapis.com/v1/projects/<number>/locations/<location>/gkeMemberships/<name>/...`.
// Like the real gateway it first checks the Google access token and the caller's gateway permission on the
// membership (`gkehub.gateway.get` for reads, `.post`, `.put`, `.patch`, `.delete` for writes:
// roles/gkehub.gatewayReader grants get, roles/gkehub.gatewayEditor all five) and answers a refusal in Google's
// `{"error":{code,message,status}}` shape, not as a Kubernetes Status. A permitted request goes on to the
// cluster's API server with the same bearer, where RBAC decides (the Connect agent impersonates the caller).
// https://cloud.google.com/kubernetes-engine/enterprise/multicluster-management/gateway/setup#grant_iam_roles_to_users
// The denial's wording follows IAM's usual one; it was not captured from the live gateway.
// Like Google's front ends it speaks HTTP/2 (h2 by ALPN) and HTTP/1.1, and forwards to the cluster over HTTP/1.1,
// dropping the headers that belong to one hop's connection (RFC 9113 section 8.2.2; RFC 9110 section 7.6.1).
import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders } from 'node:http'
import { createSecureServer, Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import type { AddressInfo, Socket } from 'node:net'
import {
  bearerToken,
  iamPermissionDeniedDetail,
  INVALID_CREDENTIAL_MESSAGE,
  sendGoogleError,
  type AnyServerResponse
} from './google-http.js'
import type { KubeDouble } from '../../kube-double/server.js'
import { testTls, type ServerTls } from '../../kube-double/tls.js'

export type GatewayPermission = `gkehub.gateway.${'get' | 'post' | 'put' | 'patch' | 'delete'}`

export interface ConnectGatewayOptions {
  /** `/v1/projects/<number>/locations/<location>/gkeMemberships/<name>`: the one membership it serves. */
  membershipPath: string
  /** The member cluster's API server. */
  upstream: KubeDouble
  /** Whether Google issued this access token (unknown tokens get 401 UNAUTHENTICATED). */
  isGoogleToken: (token: string) => boolean
  /** The caller's gateway permissions on the membership. Default: all (roles/gkehub.gatewayEditor). */
  allowed?: (token: string, permission: GatewayPermission) => boolean
  tls?: ServerTls
}

export interface ConnectGateway {
  /** Base URL as GHA_ENDPOINT_OVERRIDE_connectgateway takes it: https://127.0.0.1:PORT/v1 */
  endpoint: string
  /** The server URL a client builds: endpoint + the membership path. */
  server: string
  /** Every request as [method, permission checked, status]. */
  requests: Array<[string, GatewayPermission, number]>
  /** The protocol of every request, as node reports it: '2.0' (h2) or '1.1'. */
  httpVersions: string[]
  close(): Promise<void>
}

/** Headers of one connection, not of the message: never forwarded by a proxy, and forbidden in HTTP/2. */
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te'
])

/** What the gateway passes on: no HTTP/2 pseudo-header (`:path`, `:authority`...), no hop-by-hop header. */
function forwardable(headers: IncomingHttpHeaders): OutgoingHttpHeaders {
  return Object.fromEntries(
    Object.entries(headers).filter(([name]) => !name.startsWith(':') && !hopByHop.has(name))
  )
}

export async function startConnectGateway(options: ConnectGatewayOptions): Promise<ConnectGateway> {
  const requests: ConnectGateway['requests'] = []
  const membershipPath = options.membershipPath
  const membershipName = membershipPath
    .replace(/^\/v1\//, '')
    .replace(/\/projects\/(\d+)\//, 'projects/$1/')
    .replace('/gkeMemberships/', '/memberships/')

  const httpVersions: string[] = []
  const answer = (req: IncomingMessage | Http2ServerRequest, res: AnyServerResponse): void => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const method = req.method ?? 'GET'
    const permission =
      `gkehub.gateway.${method === 'HEAD' ? 'get' : method.toLowerCase()}` as GatewayPermission
    httpVersions.push(req.httpVersion)
    res.on('finish', () => requests.push([method, permission, res.statusCode]))
    if (url.pathname !== membershipPath && !url.pathname.startsWith(membershipPath + '/')) {
      return sendGoogleError(res, 404, 'NOT_FOUND', `Resource '${url.pathname}' was not found`)
    }
    const token = bearerToken(req)
    if (!token || !options.isGoogleToken(token)) {
      return sendGoogleError(res, 401, 'UNAUTHENTICATED', INVALID_CREDENTIAL_MESSAGE)
    }
    if (options.allowed && !options.allowed(token, permission)) {
      return sendGoogleError(
        res,
        403,
        'PERMISSION_DENIED',
        `Permission '${permission}' denied on resource '//gkehub.googleapis.com/${membershipName}' (or it may not exist).`,
        [iamPermissionDeniedDetail('gkehub.googleapis.com', permission)]
      )
    }
    const upstream = httpsRequest(
      {
        host: '127.0.0.1',
        port: options.upstream.port,
        ca: options.upstream.caPem,
        method,
        path: url.pathname.slice(membershipPath.length) + url.search,
        headers: { ...forwardable(req.headers), host: `127.0.0.1:${options.upstream.port}` }
      },
      upstreamRes => {
        const headers = forwardable(upstreamRes.headers)
        if (res instanceof Http2ServerResponse) res.writeHead(upstreamRes.statusCode ?? 502, headers)
        else res.writeHead(upstreamRes.statusCode ?? 502, headers)
        upstreamRes.pipe(res)
      }
    )
    upstream.on('error', error =>
      sendGoogleError(res, 502, 'UNAVAILABLE', `The member cluster did not answer: ${error.message}`)
    )
    req.pipe(upstream)
  }

  const tls = options.tls ?? testTls
  const server = createSecureServer({ cert: tls.cert, key: tls.key, allowHTTP1: true }, answer)
  const sockets = new Set<Socket>()
  server.on('secureConnection', (socket: Socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/v1`
  return {
    endpoint,
    server: endpoint + membershipPath.slice('/v1'.length),
    requests,
    httpVersions,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close(error => (error ? reject(error) : resolve()))
        for (const socket of sockets) socket.destroy()
      })
  }
}
