// The Kubernetes client's errors carry the whole response body and headers (ApiException.message embeds
// both). Everything is reduced here to status, reason and the API server's message before it can reach a
// log, the summary or setFailed. https://kubernetes.io/docs/reference/using-api/api-concepts/#response-status-kind
import { ApiException } from '@kubernetes/client-node'

export class KubeApiError extends Error {
  override name = 'KubeApiError'
  constructor(
    message: string,
    /** HTTP status; undefined when no answer came (connection, TLS, timeout). */
    readonly status: number | undefined,
    /** The Status `reason` (NotFound, AlreadyExists, Conflict, ...), when the server sent one. */
    readonly reason: string | undefined,
    /** Whether the same request may succeed if sent again: 429, 5xx, resets and timeouts. */
    readonly transient: boolean,
    /** Seconds the server asked us to wait (Retry-After or details.retryAfterSeconds). */
    readonly retryAfterSeconds?: number
  ) {
    super(message)
  }

  /** Which attempt failed (set by SecretsClient); above 1, an earlier attempt's write may have landed. */
  attempt = 1
}

interface StatusBody {
  kind?: string
  message?: string
  reason?: string
  details?: { retryAfterSeconds?: number }
}

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

export function toKubeApiError(error: unknown): KubeApiError {
  if (error instanceof KubeApiError) return error
  if (error instanceof ApiException) return fromResponse(error as ApiException<unknown>)
  return fromConnectionFailure(error)
}

function fromResponse(error: ApiException<unknown>): KubeApiError {
  const status = error.code
  const text = typeof error.body === 'string' ? error.body : ''
  const body = parseStatus(text)
  const headers = (error.headers ?? {}) as Record<string, string | undefined>
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

function fromConnectionFailure(error: unknown): KubeApiError {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return new KubeApiError('the API server did not answer in time', undefined, undefined, true)
  }
  const code = errorCode(error)
  if (code && /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/.test(code)) {
    return new KubeApiError(
      `the API server's TLS certificate is not trusted (${code}): it is not signed by the cluster's CA certificate; check the cluster CA in the kubeconfig or the cluster lookup`,
      undefined,
      undefined,
      false
    )
  }
  // undici's ProxyAgent reports a refused CONNECT only in its message (proxy-agent.js, "HTTP Tunneling").
  const proxyStatus = /Proxy response \((\d+)\) !== 200 when HTTP Tunneling/.exec(messages(error))?.[1]
  if (proxyStatus) {
    return new KubeApiError(
      `the proxy refused to open a tunnel to the API server (HTTP ${proxyStatus})${proxyStatus === '407' ? ': it wants credentials; put them in the proxy URL (http://user:password@host:port)' : ''}; check HTTPS_PROXY, NO_PROXY or the kubeconfig proxy-url`,
      undefined,
      undefined,
      proxyStatus === '502' || proxyStatus === '503' || proxyStatus === '504'
    )
  }
  const detail = code ?? (error instanceof Error ? error.message : 'unknown error')
  return new KubeApiError(
    `could not reach the API server (${detail})`,
    undefined,
    undefined,
    code ? transientCodes.has(code) : false
  )
}

/** undici wraps the socket error: TypeError('fetch failed') with `cause.code`. */
function errorCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
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
