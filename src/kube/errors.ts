// The Kubernetes client's errors carry the whole response body and headers (ApiException.message embeds
// both). Everything is reduced here to status, reason and the API server's message before it can reach a
// log, the summary or setFailed. https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind
import { ApiException } from '@kubernetes/client-node'
import { KubeApiError } from '../sync/kube-api-error.js'

interface StatusBody {
  kind?: string
  message?: string
  reason?: string
  details?: { retryAfterSeconds?: number }
}

/** How a failure without any HTTP answer reads; NO_ANSWER_ADVICE keys on it. */
export const NO_ANSWER = 'did not answer'

/**
 * Why a GKE control plane never answers a runner, the usual two causes. Authorized networks drop packets from
 * addresses they do not list, so the connection times out rather than being refused.
 * https://cloud.google.com/kubernetes-engine/docs/how-to/authorized-networks
 */
export const NO_ANSWER_ADVICE =
  "An API server that never answers is usually closed to this runner: the cluster's authorized networks (master authorized networks) do not list the runner's address (GitHub-hosted runners' addresses change and are not listed; use `use_dns_based_endpoint` or `use_connect_gateway`, or a self-hosted runner inside an authorized network), or the cluster has only a private endpoint, which a runner outside its VPC cannot reach (set `use_internal_ip: true` on a self-hosted runner inside the VPC, or use the Connect gateway)."

const transientStatuses = new Set([429, 500, 502, 503, 504])
// Connection-level failures worth another attempt. TLS verification failures are not among them: a wrong
// CA stays wrong, and the action must never fall back to skipping verification.
const transientCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT'
])

const noAnswerCodes = new Set(['ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT'])

/** HTTP/2 error codes by number (RFC 9113 section 7), to name the code a server reset or closed with. */
const http2ErrorNames = [
  'NO_ERROR',
  'PROTOCOL_ERROR',
  'INTERNAL_ERROR',
  'FLOW_CONTROL_ERROR',
  'SETTINGS_TIMEOUT',
  'STREAM_CLOSED',
  'FRAME_SIZE_ERROR',
  'REFUSED_STREAM',
  'CANCEL',
  'COMPRESSION_ERROR',
  'CONNECT_ERROR',
  'ENHANCE_YOUR_CALM',
  'INADEQUATE_SECURITY',
  'HTTP_1_1_REQUIRED'
]
/** The two HTTP/2 refusals that the same request meets again on a new connection: not retried. */
const finalHttp2Errors = new Set(['INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'])

/**
 * What verifies the API server's certificate: the cluster's own CA (a kubeconfig's certificate-authority(-data),
 * the cluster CA GKE reports), which replaces every other root; or, without one (the DNS endpoint, the Connect
 * gateway, a kubeconfig without a CA), the system's roots plus NODE_EXTRA_CA_CERTS.
 */
export type ServerTrust = 'cluster-ca' | 'system-roots'

/** `trust`: how the connection verifies the server, which decides the advice for an untrusted certificate. */
export function toKubeApiError(error: unknown, trust: ServerTrust = 'cluster-ca'): KubeApiError {
  if (error instanceof KubeApiError) return error
  if (error instanceof ApiException) return fromResponse(error as ApiException<unknown>)
  return fromConnectionFailure(error, trust)
}

function fromResponse(error: ApiException<unknown>): KubeApiError {
  const status = error.code
  const text = typeof error.body === 'string' ? error.body : ''
  const headers = (error.headers ?? {}) as Record<string, string | undefined>
  const google = parseGoogleError(text)
  if (google) return fromGoogleError(status, google, headers)
  const body = parseStatus(text)
  const retryAfter = Number(headers['retry-after'] ?? body?.details?.retryAfterSeconds)
  const reason = body?.reason ?? defaultReason(status)
  // The plain-text 429 of API Priority and Fairness is a fixed sentence and safe to show; any other body that
  // is not a Status (a proxy's HTML page, say) is not shown at all, since we cannot know what it holds.
  const plainText = !body && status === 429 && text.length > 0 && text.length < 200
  const message = body?.message ?? (plainText ? text.trim() : undefined) ?? statusText(status)
  return new KubeApiError(
    `${status} ${reason}: ${message}`,
    status,
    reason,
    transientStatuses.has(status),
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined
  )
}

function fromConnectionFailure(error: unknown, trust: ServerTrust): KubeApiError {
  // undici's ProxyAgent reports a refused CONNECT only in its message (proxy-agent.js, "HTTP Tunneling"), as a
  // RequestAbortedError, whose name is AbortError: read before the aborts of a request's own signal below.
  const proxyStatus = /Proxy response \((\d+)\) !== 200 when HTTP Tunneling/.exec(messages(error))?.[1]
  if (proxyStatus) {
    return new KubeApiError(
      `the proxy refused to open a tunnel to the API server (HTTP ${proxyStatus})${proxyStatus === '407' ? ': it wants credentials; put them in the proxy URL (http://user:password@host:port)' : ''}; check HTTPS_PROXY, NO_PROXY or the kubeconfig proxy-url`,
      undefined,
      undefined,
      proxyStatus === '502' || proxyStatus === '503' || proxyStatus === '504'
    )
  }
  // A request's signal aborts it with the signal's reason: a DOMException (AbortSignal.timeout, abort()).
  if (error instanceof DOMException && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new KubeApiError(`the API server ${NO_ANSWER} in time`, undefined, undefined, true)
  }
  const http2 = fromHttp2Failure(error)
  if (http2) return http2
  const code = errorCode(error)
  const tls = code ? tlsFailure(code, error, trust) : undefined
  if (tls) return new KubeApiError(tls, undefined, undefined, false)
  const detail = code ?? (error instanceof Error ? error.message : 'unknown error')
  // A connection that times out (no SYN-ACK, no TLS answer) is the silence of a firewall, not a refusal.
  if (code && noAnswerCodes.has(code)) {
    return new KubeApiError(`the API server ${NO_ANSWER} (${code})`, undefined, undefined, true)
  }
  return new KubeApiError(
    `could not reach the API server (${detail})`,
    undefined,
    undefined,
    code ? transientCodes.has(code) : false
  )
}

/**
 * Over HTTP/2 a request whose connection goes away fails with the stream or the session, not the socket; this is
 * the HTTP/2 form of a dropped connection, and is retried like one, as client-go retries a GET on
 * "http2: server sent GOAWAY and closed the connection" (k8s.io/apimachinery/pkg/util/net/http.go,
 * IsProbableEOF and IsHTTP2ConnectionLost). What undici 8 rejects with (lib/dispatcher/client-h2.js):
 * - a RST_STREAM from the server: node's own error, ERR_HTTP2_STREAM_ERROR, with the stream's code as
 *   `http2ErrorCode` (a REFUSED_STREAM reaches here only when undici's one resend of it was refused too);
 * - a GOAWAY with an error code, the connection then closed: node's ERR_HTTP2_SESSION_ERROR, with the code;
 * - a stream or session that ended without an answer in any other way (a GOAWAY with NO_ERROR whose request
 *   undici could not send again, a stream closed half-way, a frame error): undici's InformationalError,
 *   UND_ERR_INFO, whose message is undici's own fixed text.
 * A closed socket under HTTP/2 is UND_ERR_SOCKET, as under HTTP/1.1.
 */
function fromHttp2Failure(error: unknown): KubeApiError | undefined {
  const failure = codedError(error)
  if (!failure) return undefined
  if (failure.code === 'UND_ERR_INFO') {
    return new KubeApiError(
      `the connection to the API server ended before it answered (${failure.message})`,
      undefined,
      undefined,
      true
    )
  }
  const frame = { ERR_HTTP2_STREAM_ERROR: 'RST_STREAM', ERR_HTTP2_SESSION_ERROR: 'GOAWAY' }[failure.code]
  if (!frame) return undefined
  const name =
    (failure.http2ErrorCode !== undefined ? http2ErrorNames[failure.http2ErrorCode] : undefined) ??
    /error code (?:NGHTTP2_)?([A-Z0-9_]+)/.exec(failure.message)?.[1] ??
    'unknown code'
  const what = frame === 'RST_STREAM' ? 'reset the request' : 'closed the connection'
  return new KubeApiError(
    `the API server ${what} (HTTP/2 ${frame} ${name})`,
    undefined,
    undefined,
    !finalHttp2Errors.has(name)
  )
}

interface CodedError {
  code: string
  message: string
  http2ErrorCode?: number
}

/**
 * The first error with a code: the error itself (undici's Dispatcher.request, under kube-http.ts) or one of its
 * OpenSSL's verification codes for a certificate whose issuer is not among the trusted ones: a server whose
 * chain leads to no trusted CA, or a self-signed root in the chain (what a TLS-inspecting proxy presents).
 * https://nodejs.org/api/tls.html#x509-certificate-error-codes
 */
const UNKNOWN_ISSUER = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE'
])

/**
 * A TLS failure in words, by its code: what the certificate says and what to change. Never a reason to retry
 * or to skip verification. Undefined for a code that is not about TLS.
 */
function tlsFailure(code: string, error: unknown, trust: ServerTrust): string | undefined {
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    // Node's checkServerIdentity: the certificate does not name the host or IP of the server URL.
    const names = certificateNames(error)
    return `the API server's TLS certificate is not for the address in the server URL (${code}${names ? `; it is for ${names}` : ''}): when the API server is reached through another address (a tunnel, a port-forward, a load balancer, another of its IPs), set \`tls-server-name\` in the kubeconfig cluster to a name the certificate holds, as kubectl needs too`
  }
  if (code === 'CERT_HAS_EXPIRED') {
    return `the API server's TLS certificate has expired (${code}): the cluster's certificates need renewing (on GKE, a credential rotation: gcloud container clusters update CLUSTER --start-credential-rotation), or the runner's clock is wrong`
  }
  if (code === 'CERT_NOT_YET_VALID') {
    return `the API server's TLS certificate is not valid yet (${code}): check the runner's clock`
  }
  if (UNKNOWN_ISSUER.has(code)) {
    return trust === 'system-roots'
      ? `the API server's TLS certificate is not signed by a CA this runner trusts (${code}): with no cluster CA to check it against, the system's roots decide. A TLS-inspecting proxy or firewall between the runner and the cluster presents a certificate of its own CA: give that CA to Node in NODE_EXTRA_CA_CERTS (the path of a PEM file, set in the step's env). A cluster with its own CA needs it in the kubeconfig (certificate-authority-data).`
      : `the API server's TLS certificate is not trusted (${code}): it is not signed by the cluster's CA certificate; check the cluster CA in the kubeconfig or the cluster lookup. A TLS-inspecting proxy between the runner and the cluster causes this too: only the cluster's CA is trusted here (NODE_EXTRA_CA_CERTS does not apply), so the proxy must let connections to the API server through untouched.`
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL/.test(code)) {
    return `the TLS handshake with the API server failed (${code})`
  }
  return undefined
}

/**
 * The names the server's certificate holds, from Node's ERR_TLS_CERT_ALTNAME_INVALID error (its `cert`): DNS
 * names and IP addresses only, and only in the characters they can have, since the certificate is the server's
 * text. Undefined when there are none to show.
 */
function certificateNames(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const altNames = (current as { cert?: { subjectaltname?: unknown } }).cert?.subjectaltname
    if (typeof altNames === 'string') {
      const names = altNames
        .split(', ')
        .map(entry => /^(?:DNS|IP Address):([A-Za-z0-9.:*-]{1,253})$/.exec(entry)?.[1])
        .filter((name): name is string => name !== undefined)
      return names.length > 0 ? names.slice(0, 8).join(', ') : undefined
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/**
 * The socket error's code: on the error itself (undici's Dispatcher.request, under kube-http.ts) or on one of its
 * causes (fetch wraps it: TypeError('fetch failed') with `cause.code`).
 */
function codedError(error: unknown): CodedError | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const { code, message, http2ErrorCode } = current as Partial<Record<keyof CodedError, unknown>>
    if (typeof code === 'string') {
      return {
        code,
        message: typeof message === 'string' ? message : '',
        ...(typeof http2ErrorCode === 'number' && { http2ErrorCode })
      }
    }
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

function errorCode(error: unknown): string | undefined {
  return codedError(error)?.code
}

/**
 * The Connect gateway and Google's front ends answer in Google's error shape, before any API server sees the
 * request: https://cloud.google.com/apis/design/errors#http_mapping. Their message is Google's own text
 * (a permission, a token problem), safe to show as the Kubernetes Status message is.
 */
interface GoogleErrorBody {
  code?: number
  message?: string
  status?: string
}

function parseGoogleError(text: string): GoogleErrorBody | undefined {
  try {
    const body = JSON.parse(text) as { error?: unknown }
    const error = body?.error
    return error && typeof error === 'object' && typeof (error as GoogleErrorBody).message === 'string'
      ? (error as GoogleErrorBody)
      : undefined
  } catch {
    return undefined
  }
}

/**
 * Worded so that it does not read as an RBAC denial by the API server ("403 Forbidden: ..."), whose advice
 * (a Role and RoleBinding) would not help: the gateway's refusals are fixed in IAM.
 */
function fromGoogleError(
  status: number,
  error: GoogleErrorBody,
  headers: Record<string, string | undefined>
): KubeApiError {
  const googleStatus = error.status ?? defaultReason(status)
  const message = (error.message ?? '').replace(/\.$/, '')
  const advice =
    status === 403 && message.includes('gkehub.gateway.')
      ? " The identity needs roles/gkehub.gatewayEditor (roles/gkehub.gatewayReader allows reads only) on the project that holds the fleet membership; the cluster's RBAC applies after that."
      : status === 401
        ? ' Google did not accept the access token; check the sign-in inputs.'
        : ''
  const retryAfter = Number(headers['retry-after'])
  return new KubeApiError(
    `Google's front end answered ${status} ${googleStatus} before the API server saw the request: ${message}.${advice}`,
    status,
    googleStatus,
    transientStatuses.has(status),
    Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined
  )
}

function parseStatus(text: string): StatusBody | undefined {
  try {
    const body = JSON.parse(text) as StatusBody
    return body && body.kind === 'Status' ? body : undefined
  } catch {
    return undefined
  }
}

function defaultReason(status: number): string {
  return (
    { 401: 'Unauthorized', 403: 'Forbidden', 404: 'NotFound', 409: 'Conflict', 429: 'TooManyRequests' }[
      status
    ] ?? 'Error'
  )
}

function statusText(status: number): string {
  if (status === 401) return 'the API server did not accept the credentials'
  return `HTTP ${status}`
}

/** The messages of an error and its causes, where undici and fetch put the real reason. */
function messages(error: unknown): string {
  const parts: string[] = []
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) parts.push(e.message)
  return parts.join('\n')
}
