// The reads and writes of Secrets the core needs from one namespace. kube/secrets-client.ts carries them out
// against the API server (timeouts, retries, dry run); the core only decides which to make and in what order.
import type { V1Secret } from '@kubernetes/client-node'

export interface SecretsStore {
  /** Every Secret of the namespace that matches the label selector. */
  list(labelSelector: string): Promise<V1Secret[]>
  /** The Secret, or undefined when there is none. */
  get(name: string): Promise<V1Secret | undefined>
  create(body: V1Secret): Promise<V1Secret>
  /** A conditional write when `body.metadata.resourceVersion` is set: 409 Conflict if the Secret changed. */
  replace(body: V1Secret): Promise<V1Secret>
  /** Deletes only that version of the Secret (a precondition), so a Secret changed since is kept. */
  delete(name: string, resourceVersion: string): Promise<void>
}
