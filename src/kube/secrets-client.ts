// Carries out reads and writes of Secrets in one namespace. Decides nothing (that is sync/plan.ts); every call
// goes through requests.ts for its timeout, deadline and retries.
import type { KubeConfig, V1Secret } from '@kubernetes/client-node'
import { coreV1Api, type CoreV1Calls } from './api.js'
import { KubeApiError } from '../sync/kube-api-error.js'
import { sendWithRetries, type RequestOptions, type RequestPolicy } from './requests.js'
import { MANAGER } from '../sync/plan.js'
import type { SecretsStore } from '../sync/secrets-store.js'

export interface SecretsClientOptions extends RequestPolicy {
  namespace: string
  dryRun: boolean
}

export class SecretsClient implements SecretsStore {
  private readonly api: CoreV1Calls

  constructor(
    kubeConfig: KubeConfig,
    private readonly options: SecretsClientOptions
  ) {
    this.api = coreV1Api(kubeConfig)
  }

  get namespace(): string {
    return this.options.namespace
  }

  /**
   * Every Secret in the namespace that matches the label selector. One request without `limit`: this action's
   * Secrets are few and small, and a page size (kubectl asks for 500) would turn the one request of a no-change
   * run into several at large N. `continue` is still followed, should the server page anyway.
   */
  async list(labelSelector: string): Promise<V1Secret[]> {
    const secrets: V1Secret[] = []
    let token: string | undefined
    do {
      const page = await this.send(options =>
        this.api.listNamespacedSecret({ namespace: this.namespace, labelSelector, _continue: token }, options)
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

  private send<T>(call: (options: RequestOptions) => Promise<T>): Promise<T> {
    return sendWithRetries(this.options, call)
  }
}
