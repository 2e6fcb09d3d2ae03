// Which workloads use which Secrets, and which of their references point nowhere. Pure: the workloads and the
// names of the namespace's Secrets go in, references, dangling references, near misses and the Secrets prune
// must keep come out. The LISTs that feed it are in workloads-client.ts.
//
// A pod reads a Secret through `envFrom[].secretRef`, `env[].valueFrom.secretKeyRef`, a `secret` volume or a
// `projected` volume's `secret` source, in containers and init containers
// (https://kubernetes.io/docs/concepts/configuration/secret/#using-a-secret). The kubelet refuses to start a
// container whose non-optional Secret or key is missing (`CreateContainerConfigError: secret "x" not found`,
// `couldn't find key X in Secret ns/x`), and a pod whose non-optional secret volume is missing never starts.
import type { V1Container, V1Job, V1Pod, V1PodSpec } from '@kubernetes/client-node'
import { distance } from 'fastest-levenshtein'
import { compareNames, toSecretName } from './selection.js'
import { IN_SYNC, type SecretResult } from './sync.js'

export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'CronJob' | 'Job' | 'Pod'

/**
 * A workload and the pod template it runs (a CronJob's `spec.jobTemplate.spec.template`), or a running Pod and
 * its spec. Templates catch what is scaled to zero; Pods catch what no listed template describes (a standalone
 * ReplicaSet or ReplicationController, a bare Pod, a Pod of an older revision still running).
 */
export interface Workload {
  kind: WorkloadKind
  name: string
  podSpec?: V1PodSpec
  /** For a Pod: what runs it, as `Kind/name` (see podRunner); its references are shown as that workload's. */
  runBy?: string
}

export type ReferenceSource = 'envFrom' | 'env' | 'volume' | 'projected volume'

export interface SecretReference {
  /** `Kind/name`, e.g. `Deployment/user-code`. */
  workload: string
  /** The container that reads it; `name (init)` for an init container; for a volume the containers mounting it. */
  container: string
  source: ReferenceSource
  secretName: string
  /** The data key a `secretKeyRef` or a volume's `items[].key` names; absent when the whole Secret is read. */
  key?: string
  /** `optional: true`: the pod starts without it. */
  optional: boolean
}

export interface DanglingReference {
  reference: SecretReference
  /** `secret`: no Secret of that name exists; `key`: the Secret exists but has no such data key. */
  missing: 'secret' | 'key'
  /** The closest existing name (a Secret, or for `key` the Secret's key) when it is a near miss. */
  closest?: string
}

/** What the run found out about the namespace's workloads; input of the job summary's references parts. */
export interface ReferenceCheck {
  /** Secret name -> the workloads (`Kind/name`) that reference it, sorted. */
  usedBy: Map<string, string[]>
  /** Secrets this run holds in sync that no listed workload references, sorted. */
  unreferenced: string[]
  /** Non-optional references that point nowhere: each one a warning. */
  dangling: DanglingReference[]
  /** Optional references that point nowhere: listed, not warned about. */
  optionalDangling: DanglingReference[]
  /** Kinds that could not be listed; the check is incomplete for them. */
  failures: ListFailure[]
  /** False when the namespace's Secret names could not be listed: no dangling reference was looked for. */
  danglingChecked: boolean
  workloadCount: number
}

export interface ListFailure {
  /** The resource as RBAC names it: `deployments.apps`, `cronjobs.batch`, `secrets`. */
  resource: string
  status?: number
  message: string
}

/** What one reading of the namespace holds: workloads of every kind that could be listed, and Secret names. */
export interface WorkloadInventory {
  workloads: Workload[]
  /** Every Secret's name in the namespace (metadata only); undefined when that LIST failed. */
  secretNames?: string[]
  failures: ListFailure[]
}

export function workloadLabel(workload: Pick<Workload, 'kind' | 'name' | 'runBy'>): string {
  return workload.runBy ?? `${workload.kind}/${workload.name}`
}

/**
 * A Pod whose containers may still start: not Succeeded or Failed (https://kubernetes.io/docs/concepts/workloads/
 * pods/pod-lifecycle/#pod-phase). The kubelet reads a Secret again each time a container (re)starts, so every
 * such Pod needs its Secrets, whoever made it.
 */
export function isLivePod(pod: V1Pod): boolean {
  const phase = pod.status?.phase
  return phase !== 'Succeeded' && phase !== 'Failed'
}

/**
 * Who runs a Pod, as `Kind/name`, so that the replicas of one workload read as that workload: its controller
 * (the owner reference with `controller: true`), lifted to the listed workload above it where the controllers'
 * naming rules say which: a ReplicaSet a Deployment made is `<deployment>-<pod-template-hash>` and its Pods carry
 * that hash (pkg/controller/deployment/sync.go); a Job a CronJob made is `<cronjob>-<scheduled time in minutes>`
 * (pkg/controller/cronjob/utils.go, getJobName). A Pod without an owner is itself: `Pod/name`.
 */
export function podRunner(pod: V1Pod, templates: Workload[]): string {
  const name = pod.metadata?.name ?? ''
  const owners = pod.metadata?.ownerReferences ?? []
  const owner = owners.find(reference => reference.controller) ?? owners[0]
  if (!owner) return `Pod/${name}`
  const listed = (kind: WorkloadKind, ownerName: string): boolean =>
    templates.some(workload => workload.kind === kind && workload.name === ownerName)
  if (owner.kind === 'ReplicaSet') {
    const hash = pod.metadata?.labels?.['pod-template-hash']
    const deployment = hash && owner.name.endsWith(`-${hash}`) ? owner.name.slice(0, -hash.length - 1) : ''
    if (deployment && listed('Deployment', deployment)) return `Deployment/${deployment}`
  }
  if (owner.kind === 'Job' && !listed('Job', owner.name)) {
    const cronJob = /^(.+)-\d+$/.exec(owner.name)?.[1]
    if (cronJob && listed('CronJob', cronJob)) return `CronJob/${cronJob}`
  }
  return `${owner.kind}/${owner.name}`
}

/** The live Pods as workloads, each shown as what runs it. */
export function podWorkloads(pods: V1Pod[], templates: Workload[]): Workload[] {
  return pods.filter(isLivePod).map(pod => ({
    kind: 'Pod',
    name: pod.metadata?.name ?? '',
    ...(pod.spec && { podSpec: pod.spec }),
    runBy: podRunner(pod, templates)
  }))
}

/**
 * Jobs that a CronJob made repeat the CronJob's own template (it is listed once, as the CronJob), and a Job that
 * has finished starts no more pods; neither needs its Secrets any more. Dagster's run launcher makes one Job per
 * run, so skipping finished ones keeps the list to what is running.
 */
export function isLiveStandaloneJob(job: V1Job): boolean {
  // Stryker disable next-line ArrayDeclaration: an element of the fallback has no kind
  const ownedByCronJob = (job.metadata?.ownerReferences ?? []).some(owner => owner.kind === 'CronJob')
  // Stryker disable next-line ArrayDeclaration: an element of the fallback has no type
  const finished = (job.status?.conditions ?? []).some(
    condition => (condition.type === 'Complete' || condition.type === 'Failed') && condition.status === 'True'
  )
  return !ownedByCronJob && !finished
}

/**
 * Every Secret reference of every workload, in workload order, each once: the Pods of a workload repeat its
 * template's references, and are shown as that workload (workloadLabel).
 */
export function collectReferences(workloads: Workload[]): SecretReference[] {
  const seen = new Set<string>()
  return workloads
    .flatMap(workload => podReferences(workloadLabel(workload), workload.podSpec ?? {}))
    .filter(reference => {
      const key = JSON.stringify([
        reference.workload,
        reference.container,
        reference.source,
        reference.secretName,
        reference.key ?? null,
        reference.optional
      ])
      if (seen.has(key)) return false
      seen.add(key)
      return true
    })
}

/** How many distinct workloads the check looked at: a Deployment and its Pods count once. */
export function countWorkloads(workloads: Workload[]): number {
  return new Set(workloads.map(workloadLabel)).size
}

function podReferences(workload: string, pod: Partial<V1PodSpec>): SecretReference[] {
  // Stryker disable next-line ArrayDeclaration: an element of the fallback has none of the fields read
  const initContainers = pod.initContainers ?? []
  // Stryker disable next-line ArrayDeclaration: as above
  const mainContainers = pod.containers ?? []
  const containers: [V1Container, string][] = [
    ...initContainers.map((c): [V1Container, string] => [c, `${c.name} (init)`]),
    ...mainContainers.map((c): [V1Container, string] => [c, c.name])
  ]
  const refs: SecretReference[] = []
  for (const [container, label] of containers) {
    const at = { workload, container: label }
    // Stryker disable next-line ArrayDeclaration: as above
    for (const source of container.envFrom ?? []) {
      const ref = source.secretRef
      if (ref?.name) refs.push({ ...at, source: 'envFrom', secretName: ref.name, optional: !!ref.optional })
    }
    // Stryker disable next-line ArrayDeclaration: as above
    for (const variable of container.env ?? []) {
      const ref = variable.valueFrom?.secretKeyRef
      if (ref?.name) {
        refs.push({ ...at, source: 'env', secretName: ref.name, key: ref.key, optional: !!ref.optional })
      }
    }
  }
  // Stryker disable next-line ArrayDeclaration: as above
  for (const volume of pod.volumes ?? []) {
    const mountedBy = containers
      .filter(([container]) =>
        // Stryker disable next-line ArrayDeclaration: as above
        (container.volumeMounts ?? []).some(mount => mount.name === volume.name)
      )
      .map(([, label]) => label)
    const at = { workload, container: mountedBy.length > 0 ? mountedBy.join(', ') : `volume ${volume.name}` }
    const secret = volume.secret
    if (secret?.secretName) {
      refs.push(
        ...withKeys(
          { ...at, source: 'volume', secretName: secret.secretName, optional: !!secret.optional },
          secret.items
        )
      )
    }
    // Stryker disable next-line ArrayDeclaration: as above
    for (const projection of volume.projected?.sources ?? []) {
      const source = projection.secret
      if (source?.name) {
        refs.push(
          ...withKeys(
            { ...at, source: 'projected volume', secretName: source.name, optional: !!source.optional },
            source.items
          )
        )
      }
    }
  }
  return refs
}

/** A volume that lists `items` needs each of those keys; one without reads the whole Secret. */
function withKeys(ref: SecretReference, items: { key: string }[] | undefined): SecretReference[] {
  return items && items.length > 0 ? items.map(item => ({ ...ref, key: item.key })) : [ref]
}

/** Secret name -> the workloads that reference it (optional references included), each sorted and unique. */
export function usedByIndex(references: SecretReference[]): Map<string, string[]> {
  const index = new Map<string, Set<string>>()
  for (const ref of references) {
    let workloads = index.get(ref.secretName)
    if (!workloads) index.set(ref.secretName, (workloads = new Set()))
    workloads.add(ref.workload)
  }
  return new Map([...index].map(([name, workloads]) => [name, [...workloads].sort(compareNames)]))
}

/** The start every Secret name of this prefix shares: `DAGSTER_SECRET` -> `dagster-secret-`. */
export function secretNamePrefix(prefix: string): string {
  return `${toSecretName(prefix)}-`
}

/** The Secrets that exist, and the data keys of those whose keys are known (the ones this run wrote). */
export interface ExistingSecrets {
  names: Set<string>
  keys: Map<string, Set<string>>
}

/**
 * The Secrets that exist after this run: the namespace's listed names (any owner: Terraform's too), without the
 * ones pruned. A dry run stored nothing, so the Secrets it would create count as existing, as a real run would
 * leave them. Keys are known only for Secrets this run holds in sync (one key, the GitHub name); the names
 * LIST carries no data, so references to keys of other Secrets are not checked.
 */
export function existingSecrets(
  secretNames: string[],
  results: SecretResult[],
  dryRun: boolean
): ExistingSecrets {
  const names = new Set(secretNames)
  const keys = new Map<string, Set<string>>()
  for (const result of results) {
    if (result.state === 'deleted') names.delete(result.secretName)
    if (IN_SYNC.includes(result.state) && result.githubName) {
      if (dryRun) names.add(result.secretName)
      keys.set(result.secretName, new Set([result.githubName]))
    }
  }
  return { names, keys }
}

/**
 * References in this prefix's family of names that name no existing Secret, or a key the Secret lacks. Names
 * outside the family (Helm's, cloud-sql credentials, ...) are not this action's to judge.
 */
export function findDangling(
  references: SecretReference[],
  existing: ExistingSecrets,
  prefix: string
): DanglingReference[] {
  const family = secretNamePrefix(prefix)
  const candidates = [...existing.names].filter(name => name.startsWith(family)).sort(compareNames)
  const dangling: DanglingReference[] = []
  for (const reference of references) {
    if (!reference.secretName.startsWith(family)) continue
    if (!existing.names.has(reference.secretName)) {
      const closest = nearMiss(reference.secretName, candidates, family.length)
      dangling.push({ reference, missing: 'secret', ...(closest && { closest }) })
      continue
    }
    const keys = existing.keys.get(reference.secretName)
    if (reference.key === undefined || !keys || keys.has(reference.key)) continue
    // The known keys are all of the Secret's keys, so a lone one is worth naming however different it is.
    const sorted = [...keys].sort(compareNames)
    const closest = nearMiss(reference.key, sorted, 0) ?? (sorted.length === 1 ? sorted[0] : undefined)
    dangling.push({ reference, missing: 'key', ...(closest && { closest }) })
  }
  return dangling
}

/**
 * The candidate closest to `name` by edit distance, when it is close enough to be a typo or a rename: at most a
 * third of the part after the shared start (at least 2), so `slack-token` finds `slack-bot-token` but `db-url`
 * does not find `s3-key`; or when one name's words (split on `-` and `_`) appear in order in the other's, so
 * `slack-token` finds `slack-bot-oauth-token` (a GitHub secret renamed with more words). Ties go to the first in
 * sorted order.
 */
export function nearMiss(name: string, candidates: string[], sharedStart: number): string | undefined {
  let best: { candidate: string; distance: number } | undefined
  for (const candidate of candidates) {
    const d = distance(name, candidate)
    const longer = Math.max(name.length, candidate.length) - sharedStart
    const close = d <= Math.max(2, Math.floor(longer / 3))
    const sameWords = wordsInOrder(name.slice(sharedStart), candidate.slice(sharedStart))
    if ((close || sameWords) && (!best || d < best.distance)) best = { candidate, distance: d }
  }
  return best?.candidate
}

/** Whether the words of the shorter name all appear, in order, among the longer one's. */
function wordsInOrder(a: string, b: string): boolean {
  const [short, long] = [a, b].map(text => text.toLowerCase().split(/[-_]+/).filter(Boolean)) as [
    string[],
    string[]
  ]
  const [fewer, more] = short.length <= long.length ? [short, long] : [long, short]
  if (fewer.length < 2) return false
  let at = 0
  for (const word of more) if (word === fewer[at]) at++
  return at === fewer.length
}

/** Everything the summary and outputs say about references, from one reading of the namespace. */
export function checkReferences(
  inventory: WorkloadInventory,
  results: SecretResult[],
  prefix: string,
  dryRun: boolean
): ReferenceCheck {
  const references = collectReferences(inventory.workloads)
  const usedBy = usedByIndex(references)
  const inSync = results.filter(result => IN_SYNC.includes(result.state)).map(result => result.secretName)
  const all = inventory.secretNames
    ? findDangling(references, existingSecrets(inventory.secretNames, results, dryRun), prefix)
    : []
  return {
    usedBy,
    unreferenced: [...new Set(inSync)].filter(name => !usedBy.has(name)).sort(compareNames),
    dangling: all.filter(item => !item.reference.optional),
    optionalDangling: all.filter(item => item.reference.optional),
    failures: inventory.failures,
    danglingChecked: inventory.secretNames !== undefined,
    workloadCount: countWorkloads(inventory.workloads)
  }
}

/**
 * Splits prune's candidates into those it may delete and those a workload still references (deleting one would
 * stop that workload's pods from starting). When a workload kind could not be listed, no candidate is known to
 * be unused, so none is deleted.
 */
export function holdBackReferenced(
  orphanNames: string[],
  inventory: WorkloadInventory
): { prunable: Set<string>; heldBack: SecretResult[] } {
  const usedBy = usedByIndex(collectReferences(inventory.workloads))
  const unlisted = inventory.failures.filter(failure => failure.resource !== 'secrets')
  const prunable = new Set<string>()
  const heldBack: SecretResult[] = []
  for (const secretName of orphanNames) {
    const users = usedBy.get(secretName)
    if (users) {
      heldBack.push({
        secretName,
        state: 'skipped',
        detail: `not deleted: still referenced by ${shortList(users, 5)}; deleting it would stop their pods from starting`
      })
    } else if (unlisted.length > 0) {
      heldBack.push({
        secretName,
        state: 'skipped',
        detail: `not deleted: could not check which workloads reference it (listing ${unlisted.map(f => f.resource).join(', ')} failed)`
      })
    } else prunable.add(secretName)
  }
  return { prunable, heldBack }
}

/** `a, b, c and 4 more`: a long list cut to its first `max` names. */
export function shortList(names: string[], max: number): string {
  if (names.length <= max) return names.join(', ')
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`
}
