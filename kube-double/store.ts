// What the double's etcd holds: namespaces and Secrets, and one resourceVersion counter for all of them (etcd's
// revision: every write bumps it, a LIST reports it).
import { randomUUID } from 'node:crypto'
import { encodeManagedFields, type ManagedFieldsEntry, type ManagerEntry } from './managed-fields.js'
import type { OwnerReference, SecretObject } from './validation.js'
import { WatchHub } from './watch.js'

/** A Secret as the API returns it. */
export interface V1SecretLike {
  apiVersion?: 'v1'
  kind?: 'Secret'
  metadata: {
    name: string
    generateName?: string
    namespace: string
    uid: string
    resourceVersion: string
    creationTimestamp: string
    deletionTimestamp?: string
    deletionGracePeriodSeconds?: number
    labels?: Record<string, string>
    annotations?: Record<string, string>
    ownerReferences?: OwnerReference[]
    finalizers?: string[]
    managedFields?: ManagedFieldsEntry[]
  }
  immutable?: boolean
  data?: Record<string, string>
  type: string
}

export interface StoredSecret {
  secret: SecretObject
  namespace: string
  uid: string
  resourceVersion: string
  creationTimestamp: string
  /** Set by a DELETE of a Secret that still has finalizers; it is removed once they are all gone. */
  deletionTimestamp?: string
  managers: ManagerEntry[]
}

export interface StoredNamespace {
  name: string
  uid: string
  resourceVersion: string
  creationTimestamp: string
}

/** RFC 3339 in seconds, as metav1.Time serializes. */
export const timestamp = (date = new Date()): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z')

export class KubeStore {
  private revision = 1
  /** Every change of a watchable object (Deployments, the workloads), for WATCH requests. */
  readonly changes = new WatchHub()
  readonly namespaces = new Map<string, StoredNamespace>()
  private readonly secrets = new Map<string, Map<string, StoredSecret>>()

  get resourceVersion(): string {
    return String(this.revision)
  }

  /** The resourceVersion the next write will get (what a dry run reports without taking it). */
  peekNextResourceVersion(): string {
    return String(this.revision + 1)
  }

  private nextResourceVersion(): string {
    this.revision += 1
    return String(this.revision)
  }

  /** Take a fresh resourceVersion for a write of another kind of object (Deployments): one etcd revision counts
   * the writes of every kind, as on a real server. */
  claimResourceVersion(): string {
    return this.nextResourceVersion()
  }

  addNamespace(name: string): void {
    if (this.namespaces.has(name)) return
    this.namespaces.set(name, {
      name,
      uid: randomUUID(),
      resourceVersion: this.nextResourceVersion(),
      creationTimestamp: timestamp()
    })
    this.secrets.set(name, new Map())
  }

  getSecret(namespace: string, name: string): StoredSecret | undefined {
    return this.secrets.get(namespace)?.get(name)
  }

  /** Secrets of a namespace in etcd key order (by name). */
  listSecrets(namespace: string): StoredSecret[] {
    return [...(this.secrets.get(namespace)?.values() ?? [])].sort((a, b) =>
      a.secret.metadata.name < b.secret.metadata.name ? -1 : 1
    )
  }

  /** Store a new or changed Secret under a fresh resourceVersion. */
  putSecret(stored: Omit<StoredSecret, 'resourceVersion'>): StoredSecret {
    const saved = { ...structuredClone(stored), resourceVersion: this.nextResourceVersion() }
    this.secrets.get(stored.namespace)?.set(stored.secret.metadata.name, saved)
    return saved
  }

  deleteSecret(namespace: string, name: string): void {
    this.secrets.get(namespace)?.delete(name)
    this.nextResourceVersion()
  }
}

/** The JSON of a stored Secret, fields in the server's order. `withKind` is false for items of a list. */
export function renderSecret(
  s: Omit<StoredSecret, 'resourceVersion'> & { resourceVersion: string },
  withKind = true
): V1SecretLike {
  // ObjectMeta's fields in the order of the Go struct, which is the order the server writes them. No `generation`:
  // the Secret strategy never sets it (only kinds with a spec count generations).
  const { generateName, labels, annotations, ownerReferences, finalizers } = s.secret.metadata
  const metadata: V1SecretLike['metadata'] = {
    name: s.secret.metadata.name,
    ...(generateName && { generateName }),
    namespace: s.namespace,
    uid: s.uid,
    resourceVersion: s.resourceVersion,
    creationTimestamp: s.creationTimestamp,
    // Graceful deletion of an object without a grace period of its own sets 0 (registry/rest/delete.go).
    ...(s.deletionTimestamp && { deletionTimestamp: s.deletionTimestamp, deletionGracePeriodSeconds: 0 })
  }
  if (labels) metadata.labels = { ...labels }
  if (annotations) metadata.annotations = { ...annotations }
  if (ownerReferences) metadata.ownerReferences = ownerReferences.map(ref => ({ ...ref }))
  if (finalizers) metadata.finalizers = [...finalizers]
  if (s.managers.length) metadata.managedFields = encodeManagedFields(s.managers)
  return {
    ...(withKind && { kind: 'Secret', apiVersion: 'v1' }),
    metadata,
    ...(s.secret.immutable !== undefined && { immutable: s.secret.immutable }),
    ...(s.secret.data && { data: { ...s.secret.data } }),
    type: s.secret.type
  }
}

export function renderNamespace(ns: StoredNamespace, withKind = true): object {
  const body = {
    metadata: {
      name: ns.name,
      uid: ns.uid,
      resourceVersion: ns.resourceVersion,
      creationTimestamp: ns.creationTimestamp,
      labels: { 'kubernetes.io/metadata.name': ns.name }
    },
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' }
  }
  return withKind ? { kind: 'Namespace', apiVersion: 'v1', ...body } : body
}
