// What @kubernetes/client-node leaves out, for every call this action makes: a per-request timeout, an overall
// deadline, and retries of transient failures with exponential backoff (p-retry) that honour Retry-After.
import { Observable, type CoreV1Api, type RequestContext } from '@kubernetes/client-node'
import pRetry from 'p-retry'
import { setTimeout as sleep } from 'node:timers/promises'
import { KubeApiError } from '../sync/kube-api-error.js'
import type { ClusterConnection } from './cluster-connection.js'
import { NO_ANSWER, toKubeApiError, type ServerTrust } from './errors.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** Delay before the first retry; doubled (with jitter) for each further one. */
  minDelayMs: number
  maxDelayMs: number
}

/**
 * client-node 2 builds a new undici Agent for every request (config.js, createDispatcher), so no TLS connection
 * is ever reused and each request pays a handshake. All requests of a run go to one cluster with one CA, so the
 * first request's agent serves them all and keeps its connections open.
 */
export class SharedConnections {
  dispatcher?: ReturnType<RequestContext['getDispatcher']>
}

export interface RequestPolicy {
  /** Reuse connections across requests (see SharedConnections); without it each request connects anew. */
  connections?: SharedConnections
  requestTimeoutMs: number
  /** Aborts every request and retry when the run's time budget is spent. */
  deadline: AbortSignal
  retry: RetryPolicy
  /** Renews the bearer token the API server refused (see ClusterConnection.renewCredentials). */
  renewCredentials?: (rejectedToken: string) => Promise<void>
  /** How the server's certificate is verified, for the advice on a TLS failure. Default: the cluster's CA. */
  serverTrust?: ServerTrust
}

/**
 * The policy of a whole run: connections shared by every client, at most 30 s a request (less when the run's
 * budget is shorter), five retries with backoff from 250 ms to 10 s, all ending with the run's deadline.
 */
export function runRequestPolicy(
  timeoutSeconds: number,
  deadline: AbortSignal,
  connection: Pick<ClusterConnection, 'kubeConfig' | 'renewCredentials'>
): RequestPolicy {
  const { renewCredentials } = connection
  return {
    connections: new SharedConnections(),
    requestTimeoutMs: Math.min(30_000, timeoutSeconds * 1000),
    deadline,
    retry: { retries: 5, minDelayMs: 250, maxDelayMs: 10_000 },
    serverTrust: serverTrust(connection.kubeConfig),
    ...(renewCredentials && { renewCredentials })
  }
}

/** client-node passes a cluster CA to undici as `ca`, which replaces Node's roots (and NODE_EXTRA_CA_CERTS). */
export function serverTrust(kubeConfig: ClusterConnection['kubeConfig']): ServerTrust {
  const cluster = kubeConfig.getCurrentCluster()
  return cluster?.caData || cluster?.caFile ? 'cluster-ca' : 'system-roots'
}

/**
 * One API call with retries. Only what the API calls transient is retried (429, 5xx, resets, timeouts);
 * a 409 is the caller's to re-read and re-plan, never to repeat blindly. A 401 is sent once more with a renewed
 * token when the credentials can renew (a token that expired mid-run); client-go's exec authenticator likewise
 * drops a credential the server refused (plugin/pkg/client/auth/exec, maybeRefreshCreds on a 401).
 */
export function sendWithRetries<T>(
  policy: RequestPolicy,
  call: (options: RequestOptions) => Promise<T>
): Promise<T> {
  const { retry, deadline, requestTimeoutMs } = policy
  let renewed = false
  let answered = false
  return pRetry(
    async attempt => {
      for (;;) {
        let sentToken: string | undefined
        try {
          return await call(
            requestOptions(
              AbortSignal.any([deadline, AbortSignal.timeout(requestTimeoutMs)]),
              policy.connections,
              token => (sentToken = token)
            )
          )
        } catch (error) {
          const failure = toKubeApiError(error, policy.serverTrust)
          failure.attempt = attempt
          if (failure.status !== undefined) answered = true
          if (failure.status === 401 && policy.renewCredentials && sentToken && !renewed) {
            renewed = true
            try {
              await policy.renewCredentials(sentToken)
            } catch (renewal) {
              const reason = renewal instanceof Error ? renewal.message : String(renewal)
              const error = new KubeApiError(
                `${failure.message}; renewing the token failed: ${reason}`,
                401,
                failure.reason,
                false
              )
              error.attempt = attempt
              throw error
            }
            continue
          }
          throw failure
        }
      }
    },
    {
      retries: retry.retries,
      minTimeout: retry.minDelayMs,
      maxTimeout: retry.maxDelayMs,
      randomize: true,
      signal: deadline,
      shouldRetry: ({ error }) => error instanceof KubeApiError && error.transient,
      // Before a retry, wait at least as long as the server asked; p-retry's own backoff delay follows this.
      // p-retry calls this after the last attempt too, and for failures it will not retry: no wait then.
      onFailedAttempt: async ({ error, retryDelay, retriesLeft }) => {
        const failure = error as KubeApiError
        if (retriesLeft === 0 || !failure.transient) return
        const retryAfterMs = (failure.retryAfterSeconds ?? 0) * 1000
        if (retryAfterMs > retryDelay && !deadline.aborted) {
          await sleep(retryAfterMs - retryDelay, undefined, { signal: deadline }).catch(() => undefined)
        }
      }
    }
  ).catch(error => {
    if (deadline.aborted) throw deadlineError(deadline, answered)
    throw error
  })
}

/** The options argument of the object API's methods; its middleware is the observable kind. */

export type RequestOptions = NonNullable<Parameters<CoreV1Api['readNamespacedSecret']>[1]>
type Middleware = NonNullable<RequestOptions['middleware']>[number]

/**
 * client-node has no timeout of its own; a middleware hands undici the signal for this one request, and the
 * shared agent. Middleware runs after authentication has set the request's own agent (its CA and client cert)
 * and its Authorization header, which `onBearer` is told of, so that a 401 can name the token refused.
 */
function requestOptions(
  signal: AbortSignal,
  connections?: SharedConnections,
  onBearer?: (token: string) => void
): RequestOptions {
  const middleware: Middleware = {
    pre: context => {
      const bearer = /^Bearer (.+)$/.exec(context.getHeaders()['Authorization'] ?? '')?.[1]
      if (bearer) onBearer?.(bearer)
      context.setSignal(signal)
      if (connections?.dispatcher) context.setDispatcher(connections.dispatcher)
      else if (connections) connections.dispatcher = context.getDispatcher()
      return new Observable(Promise.resolve(context))
    },
    post: context => new Observable(Promise.resolve(context))
  }
  return { middleware: [middleware], middlewareMergeStrategy: 'append' }
}

/**
 * The options of one long request whose answer is a stream (a watch): the run's shared connections and the given
 * signal, without the per-request timeout a stream would outlive. Not retried: the watcher lists again instead.
 */
export function streamRequestOptions(policy: RequestPolicy, signal: AbortSignal): RequestOptions {
  return requestOptions(signal, policy.connections)
}

/** `answered`: whether any attempt of this call got an HTTP answer; if none did, the server never answered. */
function deadlineError(deadline: AbortSignal, answered: boolean): KubeApiError {
  const reason = deadline.reason as Error | undefined
  const message =
    reason instanceof KubeApiError
      ? reason.message
      : answered
        ? 'the sync did not finish within its time budget (`timeout_seconds`)'
        : `the API server ${NO_ANSWER} within the time budget (\`timeout_seconds\`)`
  return new KubeApiError(message, undefined, undefined, false)
}
