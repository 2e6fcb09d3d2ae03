import { ApiException } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { errors } from 'undici'
import { toKubeApiError } from '../../src/kube/errors.js'

const status = (code: number, reason: string, message: string, details?: object): string =>
  JSON.stringify({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    details,
    code
  })

describe('toKubeApiError', () => {
  it.each([
    [404, status(404, 'NotFound', 'secrets "x" not found'), {}, '404 NotFound: secrets "x" not found', false],
    [
      409,
      status(409, 'AlreadyExists', 'secrets "x" already exists'),
      {},
      '409 AlreadyExists: secrets "x" already exists',
      false
    ],
    [401, undefined, {}, '401 Unauthorized: the API server did not accept the credentials', false],
    [503, status(503, 'ServiceUnavailable', 'try later'), {}, '503 ServiceUnavailable: try later', true],
    [
      429,
      'Too many requests, please try again later.\n',
      { 'retry-after': '3' },
      '429 TooManyRequests: Too many requests, please try again later.',
      true
    ],
    [500, '<html>proxy error with secret-ish body</html>', {}, '500 Error: HTTP 500', true],
    // The Connect gateway's refusal, in Google's error shape: not an RBAC denial, so no "403 Forbidden".
    [
      403,
      JSON.stringify({
        error: {
          code: 403,
          message:
            "Permission 'gkehub.gateway.post' denied on resource '//gkehub.googleapis.com/projects/1/locations/global/memberships/m' (or it may not exist).",
          status: 'PERMISSION_DENIED'
        }
      }),
      {},
      "Google's front end answered 403 PERMISSION_DENIED before the API server saw the request: Permission 'gkehub.gateway.post' denied on resource '//gkehub.googleapis.com/projects/1/locations/global/memberships/m' (or it may not exist). The identity needs roles/gkehub.gatewayEditor (roles/gkehub.gatewayReader allows reads only) on the project that holds the fleet membership; the cluster's RBAC applies after that.",
      false
    ],
    [
      503,
      JSON.stringify({
        error: { code: 503, message: 'The service is currently unavailable.', status: 'UNAVAILABLE' }
      }),
      {},
      "Google's front end answered 503 UNAVAILABLE before the API server saw the request: The service is currently unavailable.",
      true
    ]
  ])('%i is reduced to status, reason and message', (code, body, headers, message, transient) => {
    const error = toKubeApiError(new ApiException(code, 'ignored', body, headers))
    expect(error.message).toBe(message)
    expect(error.status).toBe(code)
    expect(error.transient).toBe(transient)
  })

  it('never carries the response headers or body that ApiException.message embeds', () => {
    const headers = { authorization: 'Bearer leaked-token', 'retry-after': '1' }
    const error = toKubeApiError(new ApiException(403, 'x', status(403, 'Forbidden', 'denied'), headers))
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain('leaked-token')
  })

  it('takes Retry-After from the header or from details.retryAfterSeconds', () => {
    expect(
      toKubeApiError(new ApiException(429, '', 'Too many', { 'retry-after': '7' })).retryAfterSeconds
    ).toBe(7)
    const body = status(429, 'TooManyRequests', 'slow down', { retryAfterSeconds: 4 })
    expect(toKubeApiError(new ApiException(429, '', body, {})).retryAfterSeconds).toBe(4)
  })

  it.each([
    ['ECONNRESET', true, 'could not reach the API server (ECONNRESET)'],
    ['ECONNREFUSED', true, 'could not reach the API server (ECONNREFUSED)'],
    ['SELF_SIGNED_CERT_IN_CHAIN', false, "the API server's TLS certificate is not trusted"],
    ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', false, 'not signed by the cluster']
  ])('a fetch failure with cause %s is transient=%s', (code, transient, message) => {
    const cause = Object.assign(new Error('socket'), { code })
    const error = toKubeApiError(new TypeError('fetch failed', { cause }))
    expect(error.transient).toBe(transient)
    expect(error.message).toContain(message)
    expect(error.status).toBeUndefined()
  })

  // What undici's Dispatcher.request (src/kube/http.ts) rejects with: its own errors, not wrapped by fetch.
  it.each([
    [new errors.SocketError('other side closed'), true, 'could not reach the API server (UND_ERR_SOCKET)'],
    [new errors.ConnectTimeoutError(), true, 'the API server did not answer (UND_ERR_CONNECT_TIMEOUT)'],
    [Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), true, '(ECONNREFUSED)'],
    [
      new errors.RequestAbortedError('Proxy response (407) !== 200 when HTTP Tunneling'),
      false,
      'the proxy refused to open a tunnel to the API server (HTTP 407): it wants credentials'
    ],
    [new errors.RequestAbortedError('Proxy response (503) !== 200 when HTTP Tunneling'), true, '(HTTP 503)'],
    [new errors.RequestAbortedError(), false, 'could not reach the API server (UND_ERR_ABORTED)']
  ])('undici error %s is transient=%s', (failure, transient, message) => {
    const error = toKubeApiError(failure)
    expect(error.transient).toBe(transient)
    expect(error.message).toContain(message)
    expect(error.status).toBeUndefined()
  })

  /** Node's error for an HTTP/2 stream or session that closed with a code, as undici 8 passes it on (with the
   * code as `http2ErrorCode`); kube-http2.test.ts makes the double send each for real. */
  const http2Error = (code: string, message: string, http2ErrorCode: number): Error =>
    Object.assign(new Error(message), { code, http2ErrorCode })

  // A stream reset or a GOAWAY is the HTTP/2 form of a dropped connection: retried, except the two refusals
  // that a new connection meets again.
  it.each([
    [
      http2Error('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_INTERNAL_ERROR', 2),
      true,
      'the API server reset the request (HTTP/2 RST_STREAM INTERNAL_ERROR)'
    ],
    [
      http2Error('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_REFUSED_STREAM', 7),
      true,
      'the API server reset the request (HTTP/2 RST_STREAM REFUSED_STREAM)'
    ],
    [
      http2Error('ERR_HTTP2_STREAM_ERROR', 'Stream closed with error code NGHTTP2_HTTP_1_1_REQUIRED', 13),
      false,
      'the API server reset the request (HTTP/2 RST_STREAM HTTP_1_1_REQUIRED)'
    ],
    [
      http2Error('ERR_HTTP2_SESSION_ERROR', 'Session closed with error code 11', 11),
      true,
      'the API server closed the connection (HTTP/2 GOAWAY ENHANCE_YOUR_CALM)'
    ],
    [
      new TypeError('fetch failed', {
        cause: http2Error('ERR_HTTP2_SESSION_ERROR', 'Session closed with error code 2', 2)
      }),
      true,
      'the API server closed the connection (HTTP/2 GOAWAY INTERNAL_ERROR)'
    ],
    [
      Object.assign(new Error('Stream closed with error code NGHTTP2_CANCEL'), {
        code: 'ERR_HTTP2_STREAM_ERROR'
      }),
      true,
      'the API server reset the request (HTTP/2 RST_STREAM CANCEL)'
    ],
    [
      new errors.InformationalError('HTTP/2: "GOAWAY" frame received with code 0'),
      true,
      'the connection to the API server ended before it answered (HTTP/2: "GOAWAY" frame received with code 0)'
    ],
    [
      new errors.InformationalError('HTTP/2: stream half-closed (remote)'),
      true,
      'the connection to the API server ended before it answered (HTTP/2: stream half-closed (remote))'
    ],
    [
      new errors.SocketError('HTTP/2: "GOAWAY" frame received with code 2'),
      true,
      'could not reach the API server (UND_ERR_SOCKET)'
    ]
  ])('HTTP/2 failure %s is transient=%s', (failure, transient, message) => {
    const error = toKubeApiError(failure)
    expect(error.message).toBe(message)
    expect(error.transient).toBe(transient)
    expect(error.status).toBeUndefined()
  })

  it.each<[string, string, 'cluster-ca' | 'system-roots', string]>([
    [
      'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
      'the cluster CA',
      'cluster-ca',
      "not signed by the cluster's CA certificate"
    ],
    ['UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'the system roots', 'system-roots', 'NODE_EXTRA_CA_CERTS'],
    ['SELF_SIGNED_CERT_IN_CHAIN', 'the system roots', 'system-roots', 'A TLS-inspecting proxy or firewall'],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 'the cluster CA', 'cluster-ca', 'NODE_EXTRA_CA_CERTS does not apply'],
    ['CERT_HAS_EXPIRED', 'either', 'system-roots', "the API server's TLS certificate has expired"],
    [
      'CERT_NOT_YET_VALID',
      'either',
      'cluster-ca',
      "is not valid yet (CERT_NOT_YET_VALID): check the runner's clock"
    ],
    [
      'ERR_TLS_CERT_ALTNAME_INVALID',
      'either',
      'cluster-ca',
      'set `tls-server-name` in the kubeconfig cluster'
    ],
    [
      'ERR_SSL_WRONG_VERSION_NUMBER',
      'either',
      'cluster-ca',
      'the TLS handshake with the API server failed (ERR_SSL_WRONG_VERSION_NUMBER)'
    ]
  ])('TLS code %s, trusting %s: never retried, and explained', (code, _, trust, message) => {
    const error = toKubeApiError(Object.assign(new Error('handshake'), { code }), trust)
    expect(error).toMatchObject({ transient: false, status: undefined })
    expect(error.message).toContain(message)
  })

  it("names only the DNS names and IPs of the certificate, in their characters: it is the server's text", () => {
    const failure = Object.assign(new Error("Hostname/IP does not match certificate's altnames"), {
      code: 'ERR_TLS_CERT_ALTNAME_INVALID',
      cert: {
        subjectaltname:
          'DNS:kubernetes.default, DNS:evil\n::error::injected, URI:https://x.example, IP Address:10.0.0.1, email:a@b'
      }
    })
    expect(toKubeApiError(failure).message).toContain(
      '(ERR_TLS_CERT_ALTNAME_INVALID; it is for kubernetes.default, 10.0.0.1)'
    )
    expect(toKubeApiError(failure).message).not.toContain('::error::')
  })

  it('a timeout is transient and says so', () => {
    const error = toKubeApiError(new DOMException('The operation was aborted due to timeout', 'TimeoutError'))
    expect(error).toMatchObject({ transient: true, message: 'the API server did not answer in time' })
  })
})
