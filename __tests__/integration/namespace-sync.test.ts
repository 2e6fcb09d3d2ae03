// syncNamespace (src/sync/namespace-sync.ts), the namespace's sync and prune as run() calls it, with the real
// client-node over HTTPS against the Kubernetes double: rejected selections, a failed LIST and an unexpected error,
// each reported beside the results; the orphans listed when prune is off; prune's guards (a clean sync, workloads
// still referencing a Secret, max_deletions) and an unexpected error while pruning; and the settings it passes on
// to the sync. Each test checks what the double holds afterwards, and which requests reached it.
import type { V1Secret } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SharedConnections, type RequestPolicy } from '../../src/kube/requests.js'
import { SecretsClient, type SecretsClientOptions } from '../../src/kube/secrets-client.js'
import { WorkloadsClient } from '../../src/kube/workloads-client.js'
import { deletionLimitRefusal, type MaxDeletions } from '../../src/sync/deletion-limit.js'
import { KubeApiError } from '../../src/sync/kube-api-error.js'
import {
  syncNamespace,
  type NamespaceSyncSettings,
  type WorkloadInventorySource
} from '../../src/sync/namespace-sync.js'
import { MANAGED_BY_LABEL, MANAGER, OWNER_LABEL, Ownership, PREFIX_LABEL } from '../../src/sync/ownership.js'
import { pruneBlocker } from '../../src/sync/plan.js'
import type { SecretsStore } from '../../src/sync/secrets-store.js'
import { selectSecrets } from '../../src/sync/selection.js'
import { SyncStopped, type SecretResult, type SecretState } from '../../src/sync/sync.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest } from '../doubles/raw-request.js'

const NS = 'dagster-prd'
const PREFIX = 'DAGSTER_SECRET'
const ownership = new Ownership(PREFIX, 'acme/dagster-infra')
/** A Secret an earlier version of this action made for the prefix without recording an owner. */
const LEGACY = 'dagster-secret-legacy'
const NO_LIMIT: MaxDeletions = { kind: 'count', count: 100 }

let kube: KubeDouble
/** `verb resource` pairs the double's RBAC answers 403 to. */
let denied: Set<string>
beforeEach(async () => {
  denied = new Set()
  kube = await startKubeDouble({ workloads: true, authorize: a => !denied.has(`${a.verb} ${a.resource}`) })
})
afterEach(() => kube.close())

const policy = (): RequestPolicy => ({
  connections: new SharedConnections(),
  requestTimeoutMs: 10_000,
  deadline: AbortSignal.timeout(30_000),
  retry: { retries: 2, minDelayMs: 1, maxDelayMs: 5 }
})
const secretsOptions = (): SecretsClientOptions => ({ ...policy(), namespace: NS, dryRun: false })
const secretsClient = (): SecretsClient => new SecretsClient(kubeConfigFor(kube), secretsOptions())
const workloadsClient = (): WorkloadsClient =>
  new WorkloadsClient(kubeConfigFor(kube), { ...policy(), namespace: NS })

/** The action's client, except that creating or deleting `brokenName` throws a TypeError: a bug, as sync.ts sees one. */
class FaultyClient extends SecretsClient {
  constructor(private readonly brokenName: string) {
    super(kubeConfigFor(kube), secretsOptions())
  }
  override async create(body: V1Secret): Promise<V1Secret> {
    if (body.metadata?.name === this.brokenName) throw new TypeError('create broke')
    return super.create(body)
  }
  override async delete(name: string, resourceVersion: string): Promise<void> {
    if (name === this.brokenName) throw new TypeError('delete broke')
    return super.delete(name, resourceVersion)
  }
}

/** The action's client, except that its LIST throws a TypeError instead of answering or failing as the API does. */
class BrokenListClient extends SecretsClient {
  override async list(): Promise<V1Secret[]> {
    throw new TypeError('list broke')
  }
}

const settings = (extra: Partial<NamespaceSyncSettings> = {}): NamespaceSyncSettings => ({
  labels: {},
  annotations: {},
  onConflict: 'fail',
  concurrency: 4,
  prune: false,
  maxDeletions: NO_LIMIT,
  ...extra
})

/** The GitHub secrets DAGSTER_SECRET_<name> of these names, each with its own value. */
const githubSecrets = (...names: string[]): Record<string, string> =>
  Object.fromEntries(names.map(name => [`${PREFIX}_${name}`, `value-of-${name}`]))

const secretName = (name: string): string => `dagster-secret-${name.toLowerCase()}`

interface Run {
  secrets: Record<string, string>
  settings?: Partial<NamespaceSyncSettings>
  workloads?: WorkloadInventorySource
  client?: SecretsStore
}

/** One syncNamespace of these GitHub secrets, with the action's clients unless told otherwise. */
const syncRun = (run: Run) =>
  syncNamespace(
    run.client ?? secretsClient(),
    settings(run.settings),
    ownership,
    selectSecrets(run.secrets, PREFIX),
    run.workloads
  )

/** A first, clean run that makes the Secrets of these names: a later run without some of them leaves orphans. */
async function madeBefore(...names: string[]): Promise<void> {
  const { results } = await syncRun({ secrets: githubSecrets(...names) })
  expect(results.map(result => result.state)).toEqual(names.map(() => 'created'))
  kube.resetRequests()
}

function seedLegacySecret(): void {
  kube.seedSecret(NS, {
    metadata: { name: LEGACY, labels: { [MANAGED_BY_LABEL]: MANAGER, [PREFIX_LABEL]: PREFIX } },
    data: { DAGSTER_SECRET_LEGACY: 'eA==' }
  })
}

/** A Deployment whose pods read the Secret through envFrom. */
function seedDeploymentReading(deployment: string, secret: string): void {
  kube.seedDeployment(NS, {
    name: deployment,
    podSpec: {
      containers: [
        {
          name: deployment,
          image: `registry.example/${deployment}:1`,
          envFrom: [{ secretRef: { name: secret } }]
        }
      ]
    }
  })
}

/** A StatefulSet whose pods mount the Secret as a volume. */
function seedStatefulSetMounting(statefulSet: string, secret: string): void {
  kube.seedWorkload(NS, 'statefulsets', {
    metadata: { name: statefulSet },
    spec: {
      serviceName: statefulSet,
      selector: { matchLabels: { app: statefulSet } },
      template: {
        metadata: { labels: { app: statefulSet } },
        spec: {
          containers: [
            {
              name: statefulSet,
              image: `registry.example/${statefulSet}:1`,
              volumeMounts: [{ name: 'creds', mountPath: '/creds' }]
            }
          ],
          volumes: [{ name: 'creds', secret: { secretName: secret } }]
        }
      }
    }
  })
}

/** What the report shows of each result: the GitHub secret, the Secret, what happened and why. */
const rows = (results: SecretResult[]) =>
  results.map(({ githubName, secretName, state, detail }) => ({ githubName, secretName, state, detail }))
/** The row of the GitHub secret DAGSTER_SECRET_<name>. */
const ofGitHub = (name: string, state: SecretState, detail?: string) => ({
  githubName: `${PREFIX}_${name}`,
  secretName: secretName(name),
  state,
  detail
})
/** The row of a Secret whose GitHub secret is gone. */
const ofOrphan = (name: string, state: SecretState, detail?: string) => ({
  githubName: undefined,
  secretName: secretName(name),
  state,
  detail
})

const heldSecretNames = (): string[] => kube.listSecrets(NS).map(secret => secret.metadata.name)
const deleteRequests = () => kube.requests.filter(request => request.method === 'DELETE')

const STARTED_WHEN_STOPPED =
  'an unexpected error stopped the run while this one was being written; the step error says which'
const NOT_ATTEMPTED = 'not attempted: the run stopped after an unexpected error'

describe('the sync', () => {
  it('reports rejected GitHub secrets as failed, with the selection’s reason, after the synced ones', async () => {
    const secrets = {
      ...githubSecrets('A', 'B'),
      DAGSTER_SECRET_BAD$: 'x',
      DAGSTER_SECRET_TWICE: 'y',
      dagster_secret_twice: 'z'
    }
    const { rejected } = selectSecrets(secrets, PREFIX)
    expect(rejected).toHaveLength(3)

    const outcome = await syncRun({ secrets })

    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'created'),
      ofGitHub('B', 'created'),
      ...rejected.map(({ githubName, secretName, reason }) => ({
        githubName,
        secretName,
        state: 'failed',
        detail: reason
      }))
    ])
    expect(outcome.results[2]).toEqual({
      githubName: 'DAGSTER_SECRET_BAD$',
      secretName: 'dagster-secret-bad$',
      state: 'failed',
      detail:
        "the Secret name \"dagster-secret-bad$\" is not a valid Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit; rename the GitHub secret"
    })
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [] })
    expect(outcome.listFailure).toBeUndefined()
    expect(outcome.stopped).toBeUndefined()
    expect(heldSecretNames()).toEqual([secretName('A'), secretName('B')])
  })

  it('after a 403 on the LIST, fails every secret for that one reason and writes nothing', async () => {
    await madeBefore('A', 'OLD')
    seedLegacySecret()
    denied.add('list secrets')
    const secrets = { ...githubSecrets('A', 'B'), DAGSTER_SECRET_BAD$: 'x' }

    const outcome = await syncRun({
      secrets,
      settings: { prune: true },
      workloads: workloadsClient()
    })

    expect(outcome.listFailure).toBeInstanceOf(KubeApiError)
    expect(outcome.listFailure?.status).toBe(403)
    expect(outcome.listFailure?.message).toContain('cannot list resource "secrets"')
    // No detail on each row: the report says the LIST's failure once, above them.
    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'failed'),
      ofGitHub('B', 'failed'),
      ofGitHub('BAD$', 'failed', selectSecrets(secrets, PREFIX).rejected[0]?.reason)
    ])
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [] })
    expect(outcome.inventory).toBeUndefined()
    expect(outcome.stopped).toBeUndefined()
    expect(kube.writes()).toEqual([])
    expect(kube.requests.filter(request => !request.path.endsWith(`/namespaces/${NS}/secrets`))).toEqual([])
    expect(heldSecretNames()).toEqual([secretName('A'), LEGACY, secretName('OLD')])
  })

  it('throws an error of the client that is neither an answer of the API nor a stopped run', async () => {
    const client = new BrokenListClient(kubeConfigFor(kube), secretsOptions())
    await expect(syncRun({ secrets: githubSecrets('A'), client })).rejects.toThrow(
      new TypeError('list broke')
    )
    expect(kube.requests).toEqual([])
  })

  it('after an unexpected error in a write, reports every secret and the error, and prunes nothing', async () => {
    await madeBefore('OLD')
    seedLegacySecret()
    seedDeploymentReading('user-code', secretName('A'))
    const secrets = { ...githubSecrets('A', 'B', 'C'), DAGSTER_SECRET_BAD$: 'x' }

    const outcome = await syncRun({
      secrets,
      settings: { prune: true, concurrency: 1 },
      workloads: workloadsClient(),
      client: new FaultyClient(secretName('B'))
    })

    expect(outcome.stopped).toBeInstanceOf(SyncStopped)
    expect(outcome.stopped?.cause).toEqual(new TypeError('create broke'))
    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'created'),
      ofGitHub('B', 'failed', STARTED_WHEN_STOPPED),
      ofGitHub('C', 'failed', NOT_ATTEMPTED),
      ofGitHub('BAD$', 'failed', selectSecrets(secrets, PREFIX).rejected[0]?.reason)
    ])
    expect(outcome.results.slice(0, 3)).toEqual(outcome.stopped?.results)
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [] })
    expect(outcome.inventory).toBeUndefined()
    expect(outcome.listFailure).toBeUndefined()
    expect(kube.writes().map(write => write.method)).toEqual(['POST'])
    expect(kube.requests.filter(request => request.path.includes('/apis/'))).toEqual([])
    expect(heldSecretNames()).toEqual([secretName('A'), LEGACY, secretName('OLD')])
  })
})

describe('with prune off', () => {
  beforeEach(async () => {
    await madeBefore('A', 'B', 'C')
    seedLegacySecret()
    seedDeploymentReading('user-code', secretName('A'))
  })

  it('lists the orphans by name and leaves them, and does not look for unclaimed Secrets', async () => {
    const outcome = await syncRun({ secrets: githubSecrets('A'), workloads: workloadsClient() })

    expect(rows(outcome.results)).toEqual([ofGitHub('A', 'unchanged')])
    expect(outcome.orphans).toEqual([secretName('B'), secretName('C')])
    expect(outcome.unclaimed).toEqual([])
    expect(deleteRequests()).toEqual([])
    expect(heldSecretNames()).toEqual([secretName('A'), secretName('B'), secretName('C'), LEGACY])
  })

  it('reads the inventory after the sync when given a source of it', async () => {
    const outcome = await syncRun({ secrets: githubSecrets('A', 'D'), workloads: workloadsClient() })

    expect(rows(outcome.results)).toEqual([ofGitHub('A', 'unchanged'), ofGitHub('D', 'created')])
    expect(outcome.inventory?.workloads.map(workload => `${workload.kind}/${workload.name}`)).toEqual([
      'Deployment/user-code'
    ])
    // The Secret this run created is in it: the namespace was read after the writes.
    expect(outcome.inventory?.secretNames).toContain(secretName('D'))
    expect(outcome.inventory?.failures).toEqual([])
  })

  it('reads no inventory without a source of it', async () => {
    const outcome = await syncRun({ secrets: githubSecrets('A') })

    expect(outcome.orphans).toEqual([secretName('B'), secretName('C')])
    expect(outcome.inventory).toBeUndefined()
    expect(kube.requests.filter(request => request.path.includes('/apis/'))).toEqual([])
  })
})

describe('with prune on', () => {
  beforeEach(() => {
    seedLegacySecret()
  })

  it('deletes every orphan without an inventory, and leaves the unclaimed Secrets, listing them', async () => {
    await madeBefore('A', 'B', 'C')
    // Not read without an inventory source: nothing holds its Secret back.
    seedDeploymentReading('user-code', secretName('C'))

    const outcome = await syncRun({ secrets: githubSecrets('A'), settings: { prune: true } })

    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'unchanged'),
      ofOrphan('B', 'deleted'),
      ofOrphan('C', 'deleted')
    ])
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [LEGACY] })
    expect(outcome.inventory).toBeUndefined()
    expect(outcome.stopped).toBeUndefined()
    expect(deleteRequests()).toHaveLength(2)
    expect(heldSecretNames()).toEqual([secretName('A'), LEGACY])
  })

  it('holds back an orphan a workload still references, and deletes the other', async () => {
    await madeBefore('A', 'B', 'C')
    seedDeploymentReading('user-code', secretName('C'))
    seedStatefulSetMounting('cache', secretName('C'))

    const outcome = await syncRun({
      secrets: githubSecrets('A'),
      settings: { prune: true },
      workloads: workloadsClient()
    })

    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'unchanged'),
      ofOrphan(
        'C',
        'skipped',
        'not deleted: still referenced by Deployment/user-code, StatefulSet/cache; deleting it would stop their pods from starting'
      ),
      ofOrphan('B', 'deleted')
    ])
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [LEGACY] })
    expect(outcome.inventory?.workloads).toHaveLength(2)
    expect(outcome.stopped).toBeUndefined()
    expect(deleteRequests().map(request => request.path)).toEqual([
      `/api/v1/namespaces/${NS}/secrets/${secretName('B')}`
    ])
    expect(heldSecretNames()).toEqual([secretName('A'), secretName('C'), LEGACY])
  })

  it('holds back every orphan when a workload kind cannot be listed', async () => {
    await madeBefore('A', 'B', 'C')
    denied.add('list statefulsets')

    const outcome = await syncRun({
      secrets: githubSecrets('A'),
      settings: { prune: true },
      workloads: workloadsClient()
    })

    const unchecked =
      'not deleted: could not check which workloads reference it (listing statefulsets.apps failed)'
    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'unchanged'),
      ofOrphan('B', 'skipped', unchecked),
      ofOrphan('C', 'skipped', unchecked)
    ])
    expect(deleteRequests()).toEqual([])
    expect(heldSecretNames()).toEqual([secretName('A'), secretName('B'), secretName('C'), LEGACY])
  })

  it.each([
    {
      failure: 'a rejected GitHub secret',
      secrets: { ...githubSecrets('A'), DAGSTER_SECRET_BAD$: 'x' },
      failed: ofGitHub(
        'BAD$',
        'failed',
        "the Secret name \"dagster-secret-bad$\" is not a valid Kubernetes name: lower-case letters, digits, '-' and '.', starting and ending with a letter or digit; rename the GitHub secret"
      )
    },
    {
      failure: 'a write refused by on_conflict: fail',
      secrets: githubSecrets('A', 'TAKEN'),
      failed: ofGitHub(
        'TAKEN',
        'failed',
        'a Secret "dagster-secret-taken" already exists and was not made by this action (written by terraform); rename the GitHub secret, delete the Secret, or set on_conflict: adopt to take it over'
      )
    }
  ])('after $failure, deletes no orphan and says why', async ({ secrets, failed }) => {
    await madeBefore('A', 'B', 'C')
    kube.seedSecret(NS, { metadata: { name: secretName('TAKEN') }, data: { DAGSTER_SECRET_TAKEN: 'eA==' } })

    const outcome = await syncRun({ secrets, settings: { prune: true }, workloads: workloadsClient() })

    const blocker = pruneBlocker(1)
    expect(blocker).toBeDefined()
    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'unchanged'),
      failed,
      ofOrphan('B', 'skipped', blocker),
      ofOrphan('C', 'skipped', blocker)
    ])
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [LEGACY] })
    expect(outcome.inventory?.failures).toEqual([])
    expect(deleteRequests()).toEqual([])
    expect(heldSecretNames()).toContain(secretName('B'))
    expect(heldSecretNames()).toContain(secretName('C'))
  })

  it.each<MaxDeletions>([
    { kind: 'count', count: 2 },
    { kind: 'share', percent: 50 }
  ])('past max_deletions ($kind), deletes none and still reports the held-back one', async maxDeletions => {
    await madeBefore('A', 'B', 'C', 'D', 'E')
    seedDeploymentReading('user-code', secretName('E'))

    const outcome = await syncRun({
      secrets: githubSecrets('A'),
      settings: { prune: true, maxDeletions },
      workloads: workloadsClient()
    })

    // B, C and D of the 5 Secrets of this owner; E stays for its Deployment.
    const refusal = deletionLimitRefusal(3, 5, maxDeletions)
    expect(refusal).toBeDefined()
    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'unchanged'),
      ofOrphan(
        'E',
        'skipped',
        'not deleted: still referenced by Deployment/user-code; deleting it would stop their pods from starting'
      ),
      ofOrphan('B', 'failed', refusal),
      ofOrphan('C', 'failed', refusal),
      ofOrphan('D', 'failed', refusal)
    ])
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [LEGACY] })
    expect(outcome.inventory?.workloads).toHaveLength(1)
    expect(deleteRequests()).toEqual([])
    expect(heldSecretNames()).toEqual([
      secretName('A'),
      secretName('B'),
      secretName('C'),
      secretName('D'),
      secretName('E'),
      LEGACY
    ])
  })

  it('counts only the Secrets it would delete against max_deletions, not the held-back ones', async () => {
    await madeBefore('A', 'B', 'C', 'D', 'E')
    seedDeploymentReading('user-code', secretName('E'))

    const outcome = await syncRun({
      secrets: githubSecrets('A'),
      settings: { prune: true, maxDeletions: { kind: 'count', count: 3 } },
      workloads: workloadsClient()
    })

    expect(outcome.results.map(result => [result.secretName, result.state])).toEqual([
      [secretName('A'), 'unchanged'],
      [secretName('E'), 'skipped'],
      [secretName('B'), 'deleted'],
      [secretName('C'), 'deleted'],
      [secretName('D'), 'deleted']
    ])
    expect(heldSecretNames()).toEqual([secretName('A'), secretName('E'), LEGACY])
  })

  it('after an unexpected error in a delete, reports the held-back, the deleted and the undeleted Secrets', async () => {
    await madeBefore('A', 'B', 'C', 'D')
    seedDeploymentReading('user-code', secretName('D'))

    const outcome = await syncRun({
      secrets: githubSecrets('A'),
      settings: { prune: true, concurrency: 1 },
      workloads: workloadsClient(),
      client: new FaultyClient(secretName('C'))
    })

    expect(outcome.stopped).toBeInstanceOf(SyncStopped)
    expect(outcome.stopped?.cause).toEqual(new TypeError('delete broke'))
    expect(rows(outcome.results)).toEqual([
      ofGitHub('A', 'unchanged'),
      ofOrphan(
        'D',
        'skipped',
        'not deleted: still referenced by Deployment/user-code; deleting it would stop their pods from starting'
      ),
      ofOrphan('B', 'deleted'),
      ofOrphan('C', 'failed', `not deleted: ${STARTED_WHEN_STOPPED}`)
    ])
    expect(outcome.results.slice(2)).toEqual(outcome.stopped?.results)
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [LEGACY] })
    expect(outcome.inventory?.workloads).toHaveLength(1)
    expect(outcome.listFailure).toBeUndefined()
    expect(deleteRequests().map(request => request.path)).toEqual([
      `/api/v1/namespaces/${NS}/secrets/${secretName('B')}`
    ])
    expect(heldSecretNames()).toEqual([secretName('A'), secretName('C'), secretName('D'), LEGACY])
  })
})

describe('the settings it passes to the sync', () => {
  it('writes the labels, annotations and provenance of the settings on a created Secret', async () => {
    const provenance = {
      repository: 'acme/dagster-infra',
      runUrl: 'https://github.com/acme/dagster-infra/actions/runs/7'
    }
    await syncRun({
      secrets: githubSecrets('A'),
      settings: { labels: { team: 'data' }, annotations: { 'example.com/contact': 'data-team' }, provenance }
    })

    const created = kube.getSecret(NS, secretName('A'))
    expect(created?.metadata.labels).toEqual({ team: 'data', ...ownership.labels })
    expect(created?.metadata.annotations).toMatchObject({
      'example.com/contact': 'data-team',
      ...ownership.annotations,
      'gke-secrets-sync/repository': provenance.repository,
      'gke-secrets-sync/run-url': provenance.runUrl
    })
  })

  it.each([
    {
      onConflict: 'fail' as const,
      expected: ofGitHub(
        'A',
        'failed',
        'a Secret "dagster-secret-a" already exists and was not made by this action (written by terraform); rename the GitHub secret, delete the Secret, or set on_conflict: adopt to take it over'
      ),
      ours: false
    },
    {
      onConflict: 'skip' as const,
      expected: ofGitHub(
        'A',
        'skipped',
        'a Secret "dagster-secret-a" already exists and was not made by this action (written by terraform); left as it is (on_conflict: skip)'
      ),
      ours: false
    },
    {
      onConflict: 'adopt' as const,
      expected: ofGitHub('A', 'updated', 'adopted: it was not made by this action (written by terraform)'),
      ours: true
    }
  ])(
    'with on_conflict: $onConflict, treats a Secret made by someone else so',
    async ({ onConflict, expected, ours }) => {
      kube.seedSecret(NS, { metadata: { name: secretName('A') }, data: { DAGSTER_SECRET_A: 'eA==' } })

      const outcome = await syncRun({ secrets: githubSecrets('A'), settings: { onConflict } })

      expect(rows(outcome.results)).toEqual([expected])
      const held = kube.getSecret(NS, secretName('A'))
      expect(held?.metadata.labels?.[OWNER_LABEL]).toBe(ours ? ownership.ownerLabel : undefined)
      expect(held?.data?.DAGSTER_SECRET_A).toBe(ours ? Buffer.from('value-of-A').toString('base64') : 'eA==')
    }
  )

  it('with on_drift: fail, leaves a value changed by hand as it is', async () => {
    await madeBefore('A')
    const edited = Buffer.from('edited-by-hand').toString('base64')
    const edit = await rawRequest(
      kube,
      `/api/v1/namespaces/${NS}/secrets/${secretName('A')}?fieldManager=kubectl-edit`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify({ data: { DAGSTER_SECRET_A: edited } })
      }
    )
    expect(edit.status).toBe(200)

    const outcome = await syncRun({ secrets: githubSecrets('A'), settings: { onDrift: 'fail' } })

    expect(outcome.results[0]).toMatchObject({
      state: 'failed',
      detail: expect.stringContaining('left as it is (on_drift: fail)'),
      drift: { manager: 'kubectl-edit' }
    })
    expect(kube.getSecret(NS, secretName('A'))?.data?.DAGSTER_SECRET_A).toBe(edited)
  })

  it.each([1, 3])(
    'with concurrency %i, has that many writes on the wire at once, no more',
    async concurrency => {
      kube.inject({ match: request => request.method === 'POST', times: 100, kind: 'latency', ms: 100 })

      const outcome = await syncRun({ secrets: githubSecrets('A', 'B', 'C'), settings: { concurrency } })

      expect(outcome.results.map(result => result.state)).toEqual(['created', 'created', 'created'])
      // One LIST before the writes (prune is off, so no second one beside it).
      expect(kube.maxInFlight).toBe(concurrency)
    }
  )
})
