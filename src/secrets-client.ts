// Carries out reads and writes of Secrets in one namespace. Decides nothing (that is plan.ts); it adds what
// @kubernetes/client-node leaves out: a per-request timeout, an overall deadline, and retries of transient
// failures with exponential backoff that honour Retry-After.
import { CoreV1Api, Observable, type KubeConfig, type V1Secret } from '@kubernetes/client-node'
import pRetry from 'p-retry'
import { setTimeout as sleep } from 'node:timers/promises'
import { KubeApiError, toKubeApiError } from './kube-errors.js'
import { MANAGER } from './plan.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  retries: number
  /** Delay before the first retry; doubled (with jitter) for each further one. */
  minDelayMs: number
  maxDelayMs: number
}

export interface SecretsClientOptions {
  namespace: string
  dryRun: boolean
  requestTimeoutMs: number
  /** Aborts every request and retry when the run's time budget is spent. */
  deadline: AbortSignal
  retry: RetryPolicy
}

/** client-node pages nothing by itself; 500 is what kubectl asks for per page. */
const PAGE_SIZE = 500

export class SecretsClient {
  private readonly api: CoreV1Api

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: SecretsClientOptions
  ) {
    this.api = kubeConfig.makeApiClient(CoreV1Api)
  }

  get namespace(): string {
    return this.options.namespace
  }

  /** Every Secret in the namespace that matches the label selector, following `continue` tokens. */
  async list(labelSelector: string): Promise<V1Secret[]> {
    const secrets: V1Secret[] = []
    let token: string | undefined
    do {
      const page = await this.send(options =>
        this.api.listNamespacedSecret(
          { namespace: this.namespace, labelSelector, limit: PAGE_SIZE, _continue: token },
          options
        )
      )
      secrets.push(...page.items)
      token = page.metadata?._continue || undefined
    } while (token)
    return secrets
  }

  /** The Secret, or undefined when there is none. */
  async get(name: string): Promise<V1Secret | undefined> {
    try {
      return await this.send(options =>
        this.api.readNamespacedSecret({ name, namespace: this.namespace }, options)
      )
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 404) return undefined
      throw error
    }
  }

  create(body: V1Secret): Promise<V1Secret> {
    return this.send(options =>
      this.api.createNamespacedSecret({ namespace: this.namespace, body, ...this.writeParams() }, options)
    )
  }

  /** A conditional write when `body.metadata.resourceVersion` is set: 409 Conflict if the Secret changed. */
  replace(body: V1Secret): Promise<V1Secret> {
    const name = body.metadata?.name as string
    return this.send(options =>
      this.api.replaceNamespacedSecret(
        { name, namespace: this.namespace, body, ...this.writeParams() },
        options
      )
    )
  }

  /** Deletes only the version that was planned on (precondition), so a Secret changed since is kept. */
  async delete(name: string, resourceVersion: string): Promise<void> {
    await this.send(options =>
      this.api.deleteNamespacedSecret(
        {
          name,
          namespace: this.namespace,
          dryRun: this.options.dryRun ? 'All' : undefined,
          body: { preconditions: { resourceVersion } }
        },
        options
      )
    )
  }

  private writeParams(): { dryRun?: string; fieldManager: string } {
    return { fieldManager: MANAGER, ...(this.options.dryRun && { dryRun: 'All' }) }
  }

  /**
   * One API call with retries. Only what the API calls transient is retried (429, 5xx, resets, timeouts);
   * a 409 is the caller's to re-read and re-plan, never to repeat blindly.
   */
  private send<T>(call: (options: RequestOptions) => Promise<T>): Promise<T> {
    const { retry, deadline, requestTimeoutMs } = this.options
    return pRetry(
      async attempt => {
        try {
          return await call(
            requestOptions(AbortSignal.any([deadline, AbortSignal.timeout(requestTimeoutMs)]))
          )
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
}

/** The options argument of the object API's methods; its middleware is the observable kind. */
type RequestOptions = NonNullable<Parameters<CoreV1Api['readNamespacedSecret']>[1]>
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
