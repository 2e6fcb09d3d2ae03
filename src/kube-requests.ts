// What @kubernetes/client-node leaves out, for every call this action makes: a per-request timeout, an overall
// deadline, and retries of transient failures with exponential backoff (p-retry) that honour Retry-After.
import { Observable, type CoreV1Api } from '@kubernetes/client-node'
import pRetry from 'p-retry'
import { setTimeout as sleep } from 'node:timers/promises'
import { KubeApiError, toKubeApiError } from './kube-errors.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** Delay before the first retry; doubled (with jitter) for each further one. */
  minDelayMs: number
  maxDelayMs: number
}

export interface RequestPolicy {
  requestTimeoutMs: number
  /** Aborts every request and retry when the run's time budget is spent. */
  deadline: AbortSignal
  retry: RetryPolicy
}

/**
 * One API call with retries. Only what the API calls transient is retried (429, 5xx, resets, timeouts);
 * a 409 is the caller's to re-read and re-plan, never to repeat blindly.
 */
export function sendWithRetries<T>(
  policy: RequestPolicy,
  call: (options: RequestOptions) => Promise<T>
): Promise<T> {
  const { retry, deadline, requestTimeoutMs } = policy
  return pRetry(
    async attempt => {
      try {
        return await call(requestOptions(AbortSignal.any([deadline, AbortSignal.timeout(requestTimeoutMs)])))
      } catch (error) {
        const failure = toKubeApiError(error)
        failure.attempt = attempt
        throw failure
      }
    },
    {
      retries: retry.retries,
      minTimeout: retry.minDelayMs,
      maxTimeout: retry.maxDelayMs,
      randomize: true,
      signal: deadline,
      shouldRetry: ({ error }) => error instanceof KubeApiError && error.transient,
      // Wait at least as long as the server asked; p-retry's own backoff delay follows this.
      onFailedAttempt: async ({ error, retryDelay }) => {
        const retryAfterMs = ((error as KubeApiError).retryAfterSeconds ?? 0) * 1000
        if (retryAfterMs > retryDelay && !deadline.aborted) {
          await sleep(retryAfterMs - retryDelay, undefined, { signal: deadline }).catch(() => undefined)
        }
      }
    }
  ).catch(error => {
    if (deadline.aborted) throw deadlineError(deadline)
    throw error
  })
}

/** The options argument of the object API's methods; its middleware is the observable kind. */

export type RequestOptions = NonNullable<Parameters<CoreV1Api['readNamespacedSecret']>[1]>
type Middleware = NonNullable<RequestOptions['middleware']>[number]

/** client-node has no timeout of its own; a middleware hands undici the signal for this one request. */
function requestOptions(signal: AbortSignal): RequestOptions {
  const middleware: Middleware = {
    pre: context => {
      context.setSignal(signal)
      return new Observable(Promise.resolve(context))
    },
    post: context => new Observable(Promise.resolve(context))
  }
  return { middleware: [middleware], middlewareMergeStrategy: 'append' }
}

function deadlineError(deadline: AbortSignal): KubeApiError {
  const reason = deadline.reason as Error | undefined
  const message =
    reason instanceof KubeApiError
      ? reason.message
      : 'the sync did not finish within its time budget (`timeout_seconds`)'
  return new KubeApiError(message, undefined, undefined, false)
}
