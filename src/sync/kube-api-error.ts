// A failed Kubernetes API call as the core sees it: status, reason and the API server's message, nothing of the
// raw response (kube/errors.ts builds it from client-node's ApiException and undici's errors). It lives in the
// core because the core decides on it: a 409 Conflict is read again, a 404 on delete is already gone.
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
