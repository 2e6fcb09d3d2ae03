// sync.ts's decisions at source level: the real SecretsClient (client-node over HTTPS) against the Kubernetes double,
// with another client changing Secrets between our read and our write (the double's beforeWrite hook) and faults
// injected where the network would fail. The end-to-end tests run the same paths through dist/; these pin each
// decision (a 409 read again, the bound on attempts, prune's 404 and 409, which orphans are ours) to a test.
import { CoreV1Api, type V1Secret } from '@kubernetes/client-node'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { SharedConnections } from '../../src/kube/requests.js'
import { SecretsClient } from '../../src/kube/secrets-client.js'
import { OWNER_ANNOTATION, Ownership } from '../../src/sync/ownership.js'
import { toDesiredSecret, type DesiredSecret, type OnConflict } from '../../src/sync/plan.js'
import { selectSecrets, type SelectedSecret } from '../../src/sync/selection.js'
import { readInputs } from '../../src/github/inputs.js'
import { readRunProvenance } from '../../src/github/provenance.js'
import { provenanceAnnotations } from '../../src/sync/provenance.js'
import { MAX_ANNOTATIONS_BYTES } from '../../src/sync/kube-validation.js'
import { pruneSecrets, syncSecrets, type SecretResult } from '../../src/sync/sync.js'
import { kubeConfigFor } from '../doubles/kube-config.js'

const NS = 'dagster-prd'
const PREFIX = 'DAGSTER_SECRET'
const ownership = new Ownership(PREFIX, 'acme/dagster-infra')
const other = new Ownership(PREFIX, 'acme/code-location')
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const NAME = 'dagster-secret-alpha'
const PATH = `/api/v1/namespaces/${NS}/secrets`

let kube: KubeDouble
let client: SecretsClient
/** Another client of the same API server: a person with kubectl, Terraform, a controller. */
let someoneElse: CoreV1Api

beforeEach(async () => {
  kube = await startKubeDouble({ users: { 'test-token': 'gke-secrets-sync', 'racer-token': 'someone-else' } })
  client = new SecretsClient(kubeConfigFor(kube), {
    connections: new SharedConnections(),
    namespace: NS,
    dryRun: false,
    requestTimeoutMs: 10_000,
    deadline: AbortSignal.timeout(30_000),
    retry: { retries: 2, minDelayMs: 1, maxDelayMs: 1 }
  })
  someoneElse = kubeConfigFor(kube, { token: 'racer-token' }).makeApiClient(CoreV1Api)
})
afterEach(() => kube.close())

const desired = (values: Record<string, string>): DesiredSecret[] =>
  selectSecrets(values, PREFIX).selected.map(secret =>
    toDesiredSecret(secret, ownership, { labels: {}, annotations: {} })
  )

const sync = (
  values: Record<string, string>,
  {
    onConflict = 'fail',
    findUnclaimed = false,
    concurrency = 4
  }: Partial<{
    onConflict: OnConflict
    findUnclaimed: boolean
    concurrency: number
  }> = {}
) => syncSecrets(client, desired(values), { ownership, onConflict, findUnclaimed, concurrency })

/** A Secret this action made for `owner` (default: this run's), holding `value` under the key ALPHA's. */
function seedMade(name: string, value: string, by: Ownership = ownership): V1Secret {
  const key = name.toUpperCase().replaceAll('-', '_')
  return kube.seedSecret(
    NS,
    { metadata: { name, labels: by.labels, annotations: by.annotations }, data: { [key]: b64(value) } },
    'gke-secrets-sync'
  ) as unknown as V1Secret
}

/** Someone else reads the Secret and writes it back changed. */
async function change(name: string, edit: (secret: V1Secret) => void): Promise<void> {
  const current = await someoneElse.readNamespacedSecret({ name, namespace: NS })
  edit(current)
  await someoneElse.replaceNamespacedSecret({
    name,
    namespace: NS,
    body: current,
    fieldManager: 'kubectl-edit'
  })
}
const rotate = (value: string) => (secret: V1Secret) => {
  secret.data = { DAGSTER_SECRET_ALPHA: b64(value) }
}

/**
 * Runs `race` before each of our writes of `method` (the first `times` of them). The racer's own writes pass
 * through the same hook; they are not raced.
 */
function raceOurWrites(method: string, times: number, race: (name: string) => Promise<void>): void {
  let raced = 0
  let racing = false
  kube.beforeWrite = async r => {
    if (racing || r.method !== method || raced >= times) return
    raced += 1
    racing = true
    try {
      await race(r.name ?? NAME)
    } finally {
      racing = false
    }
  }
}

/** Our own requests (not the racer's) for one Secret, as [method, status]. */
const ours = (name = NAME): [string, number][] =>
  kube.requests
    .filter(r => r.user === 'gke-secrets-sync' && r.path === `${PATH}/${name}`)
    .map(r => [r.method, r.status])
const value = (name = NAME): string =>
  Buffer.from(kube.getSecret(NS, name)?.data?.DAGSTER_SECRET_ALPHA ?? '', 'base64').toString('utf8')
const states = (results: SecretResult[]) => results.map(r => [r.secretName, r.state, r.detail])

describe('syncSecrets', () => {
  it('creates what is missing, updates what differs and leaves what matches, with one LIST', async () => {
    seedMade('dagster-secret-bravo', 'same')
    seedMade('dagster-secret-charlie', 'old')
    const outcome = await sync({
      DAGSTER_SECRET_ALPHA: 'new',
      DAGSTER_SECRET_BRAVO: 'same',
      DAGSTER_SECRET_CHARLIE: 'changed'
    })
    expect(states(outcome.results)).toEqual([
      ['dagster-secret-alpha', 'created', undefined],
      ['dagster-secret-bravo', 'unchanged', undefined],
      ['dagster-secret-charlie', 'updated', undefined]
    ])
    expect(outcome.results.map(r => r.githubName)).toEqual([
      'DAGSTER_SECRET_ALPHA',
      'DAGSTER_SECRET_BRAVO',
      'DAGSTER_SECRET_CHARLIE'
    ])
    expect(kube.requests.filter(r => r.method === 'GET')).toHaveLength(1)
    expect(
      kube
        .writes()
        .map(w => w.method)
        .sort()
    ).toEqual(['POST', 'PUT'])
    expect(outcome).toMatchObject({ orphans: [], unclaimed: [] })
  })

  describe('a Secret changed between our LIST and our write (409 Conflict)', () => {
    it('reads it again and plans again: PUT 409, GET, PUT, keeping what the other writer added', async () => {
      seedMade(NAME, 'old')
      raceOurWrites('PUT', 1, name =>
        change(name, secret => {
          rotate('theirs')(secret)
          secret.metadata = { ...secret.metadata, labels: { ...secret.metadata?.labels, rotated: 'by-hand' } }
        })
      )
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      // The other writer changed the value as kubectl-edit: drift, which on_drift's default writes back.
      expect(states(results)).toEqual([
        [
          NAME,
          'updated',
          expect.stringMatching(/^drift: its value had been changed in the cluster by kubectl-edit /)
        ]
      ])
      expect(ours()).toEqual([
        ['PUT', 409],
        ['GET', 200],
        ['PUT', 200]
      ])
      expect(value()).toBe('ours')
      expect(kube.getSecret(NS, NAME)?.metadata.labels?.rotated).toBe('by-hand')
    })

    it('ends unchanged when the other writer wrote our value', async () => {
      seedMade(NAME, 'old')
      raceOurWrites('PUT', 1, name => change(name, rotate('ours')))
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(states(results)).toEqual([[NAME, 'unchanged', undefined]])
      expect(ours()).toEqual([
        ['PUT', 409],
        ['GET', 200]
      ])
    })

    it('fails without writing when the other writer took it over', async () => {
      seedMade(NAME, 'old')
      raceOurWrites('PUT', 1, name =>
        change(name, secret => {
          secret.metadata = { ...secret.metadata, labels: { 'app.kubernetes.io/managed-by': 'terraform' } }
        })
      )
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(results[0]?.state).toBe('failed')
      expect(results[0]?.detail).toContain(`a Secret "${NAME}" already exists and is managed by terraform`)
      expect(value()).toBe('old')
    })

    // MAX_ATTEMPTS is 4: four writes, each refused because the Secret changed since it was read.
    it('gives up after exactly 4 writes when it changes before every one', async () => {
      seedMade(NAME, 'old')
      let n = 0
      raceOurWrites('PUT', 100, name => change(name, rotate(`theirs-${++n}`)))
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(states(results)).toEqual([
        [NAME, 'failed', 'it kept changing while this action wrote it (4 attempts); run again']
      ])
      expect(ours().filter(([method]) => method === 'PUT')).toEqual([
        ['PUT', 409],
        ['PUT', 409],
        ['PUT', 409],
        ['PUT', 409]
      ])
      expect(value()).toBe('theirs-4')
    })

    it('succeeds on the 4th write when it changed before the first 3', async () => {
      seedMade(NAME, 'old')
      let n = 0
      raceOurWrites('PUT', 3, name => change(name, rotate(`theirs-${++n}`)))
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      // The other writer changed the value as kubectl-edit: drift, which on_drift's default writes back.
      expect(states(results)).toEqual([
        [
          NAME,
          'updated',
          expect.stringMatching(/^drift: its value had been changed in the cluster by kubectl-edit /)
        ]
      ])
      expect(ours().filter(([method]) => method === 'PUT')).toEqual([
        ['PUT', 409],
        ['PUT', 409],
        ['PUT', 409],
        ['PUT', 200]
      ])
      expect(value()).toBe('ours')
    })
  })

  describe('a Secret that appeared or vanished between our LIST and our write', () => {
    it('created meanwhile by an earlier run of ours with our value: AlreadyExists, GET, unchanged', async () => {
      raceOurWrites('POST', 1, async () => {
        seedMade(NAME, 'ours')
      })
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(states(results)).toEqual([[NAME, 'unchanged', undefined]])
      expect(kube.requests.filter(r => r.user === 'gke-secrets-sync').map(r => [r.method, r.status])).toEqual(
        [
          ['GET', 200],
          ['POST', 409],
          ['GET', 200]
        ]
      )
    })

    it('created meanwhile by someone else: AlreadyExists, GET, and their Secret is left as it is', async () => {
      raceOurWrites('POST', 1, async () => {
        kube.seedSecret(NS, { metadata: { name: NAME }, data: { X: b64('theirs') } })
      })
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(results[0]?.state).toBe('failed')
      expect(results[0]?.detail).toContain('was not made by this action (written by terraform)')
      expect(kube.getSecret(NS, NAME)?.data).toEqual({ X: b64('theirs') })
    })

    it('deleted meanwhile: PUT 404, then created', async () => {
      seedMade(NAME, 'old')
      raceOurWrites('PUT', 1, name =>
        someoneElse.deleteNamespacedSecret({ name, namespace: NS }).then(() => undefined)
      )
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(states(results)).toEqual([[NAME, 'created', undefined]])
      expect(ours()).toEqual([['PUT', 404]])
      expect(
        kube
          .writes()
          .filter(w => w.user === 'gke-secrets-sync')
          .map(w => [w.method, w.status])
      ).toEqual([
        ['PUT', 404],
        ['POST', 201]
      ])
      expect(value()).toBe('ours')
    })
  })

  describe('a write that landed but whose answer was lost', () => {
    it('a create retried into AlreadyExists is reported created, not unchanged', async () => {
      kube.inject({ kind: 'dropAnswer', match: r => r.method === 'POST' })
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(states(results)).toEqual([[NAME, 'created', undefined]])
      expect(kube.writes().map(w => [w.method, w.status])).toEqual([
        ['POST', 0],
        ['POST', 409]
      ])
    })

    it('an update retried into Conflict is reported updated, not unchanged', async () => {
      seedMade(NAME, 'old')
      kube.inject({ kind: 'dropAnswer', match: r => r.method === 'PUT' })
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
      expect(states(results)).toEqual([[NAME, 'updated', undefined]])
      expect(ours()).toEqual([
        ['PUT', 0],
        ['PUT', 409],
        ['GET', 200]
      ])
    })
  })

  it('fails the one Secret the API refuses, naming the answer, and syncs the others', async () => {
    kube.inject({ kind: 'status', code: 403, match: r => r.method === 'POST' && r.path === PATH, times: 1 })
    const { results } = await sync(
      { DAGSTER_SECRET_ALPHA: 'a', DAGSTER_SECRET_BRAVO: 'b' },
      { concurrency: 1 }
    )
    expect(results.map(r => r.state)).toEqual(['failed', 'created'])
    expect(results[0]?.detail).toMatch(/^403 Forbidden/)
  })

  it.each([
    ['POST', 409, 'a create answered Conflict (not AlreadyExists)'],
    ['PUT', 403, 'a refused update'],
    ['PUT', 422, 'an update the API finds invalid']
  ])('%s %i, %s: fails that Secret with the answer, without reading it again', async (method, code) => {
    if (method === 'PUT') seedMade(NAME, 'old')
    kube.inject({ kind: 'status', code, match: r => r.method === method })
    const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
    expect(results[0]?.state).toBe('failed')
    expect(results[0]?.detail).toMatch(new RegExp(`^${code} `))
    expect(kube.requests.filter(r => r.method === 'GET')).toHaveLength(1)
  })

  it('fails the Secret whose re-read the API refuses', async () => {
    seedMade(NAME, 'old')
    raceOurWrites('PUT', 1, async name => {
      await change(name, rotate('theirs'))
      kube.inject({
        kind: 'status',
        code: 403,
        match: r => r.method === 'GET' && r.path === `${PATH}/${NAME}`
      })
    })
    const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' })
    expect(results[0]?.state).toBe('failed')
    expect(results[0]?.detail).toMatch(/^403 Forbidden/)
  })

  describe('takeovers', () => {
    it('adopts a Secret someone else made (on_conflict: adopt) and says from whom', async () => {
      kube.seedSecret(NS, { metadata: { name: NAME }, data: { X: b64('theirs') } })
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' }, { onConflict: 'adopt' })
      expect(states(results)).toEqual([
        [NAME, 'updated', 'adopted: it was not made by this action (written by terraform)']
      ])
    })

    it('skips it with on_conflict: skip', async () => {
      kube.seedSecret(NS, { metadata: { name: NAME }, data: { X: b64('theirs') } })
      const { results } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' }, { onConflict: 'skip' })
      expect(results[0]?.state).toBe('skipped')
      expect(results[0]?.detail).toContain('left as it is (on_conflict: skip)')
      // Not ours, so not listed: the create finds it, and nothing is written over it.
      expect(kube.writes().map(w => [w.method, w.status])).toEqual([['POST', 409]])
      expect(kube.getSecret(NS, NAME)?.data).toEqual({ X: b64('theirs') })
    })

    it('claims an ownerless Secret of the prefix, found by the unclaimed LIST without a failed create', async () => {
      const { labels } = ownership
      kube.seedSecret(
        NS,
        {
          metadata: {
            name: NAME,
            labels: {
              'app.kubernetes.io/managed-by': labels['app.kubernetes.io/managed-by'],
              'gke-secrets-sync/prefix': PREFIX
            }
          },
          data: { DAGSTER_SECRET_ALPHA: b64('old') }
        },
        'gke-secrets-sync'
      )
      const { results, unclaimed } = await sync({ DAGSTER_SECRET_ALPHA: 'ours' }, { findUnclaimed: true })
      expect(states(results)).toEqual([
        [
          NAME,
          'updated',
          'claimed for acme/dagster-infra: an earlier version of gke-secrets-sync made it for the prefix DAGSTER_SECRET without recording an owner'
        ]
      ])
      expect(unclaimed).toEqual([])
      expect(kube.writes().map(w => w.method)).toEqual(['PUT'])
    })
  })

  describe('orphans and unclaimed Secrets', () => {
    it('names as orphans only the unwanted Secrets that are ours: not another owner, even under our label', async () => {
      seedMade('dagster-secret-gone', 'x')
      seedMade('dagster-secret-theirs', 'x', other)
      // Our owner label, another owner's annotation: what two owners whose hashed labels collide would look like.
      kube.seedSecret(
        NS,
        {
          metadata: {
            name: 'dagster-secret-collided',
            labels: ownership.labels,
            annotations: { [OWNER_ANNOTATION]: 'acme/someone-else' }
          },
          data: {}
        },
        'gke-secrets-sync'
      )
      kube.seedSecret(
        NS,
        {
          metadata: {
            name: 'dagster-secret-ownerless',
            labels: { 'app.kubernetes.io/managed-by': 'gke-secrets-sync', 'gke-secrets-sync/prefix': PREFIX }
          },
          data: {}
        },
        'gke-secrets-sync'
      )
      const outcome = await sync({ DAGSTER_SECRET_ALPHA: 'a' }, { findUnclaimed: true })
      expect(outcome.orphans.map(s => s.metadata?.name)).toEqual(['dagster-secret-gone'])
      expect(outcome.unclaimed).toEqual(['dagster-secret-ownerless'])

      const pruned = await pruneSecrets(client, outcome.orphans, { ownership, concurrency: 2 })
      expect(states(pruned)).toEqual([['dagster-secret-gone', 'deleted', undefined]])
      expect(kube.getSecret(NS, 'dagster-secret-collided')).toBeDefined()
      expect(kube.getSecret(NS, 'dagster-secret-theirs')).toBeDefined()
    })

    it('does not list ownerless Secrets unless asked to', async () => {
      kube.seedSecret(NS, {
        metadata: {
          name: 'dagster-secret-ownerless',
          labels: { 'app.kubernetes.io/managed-by': 'gke-secrets-sync', 'gke-secrets-sync/prefix': PREFIX }
        },
        data: {}
      })
      const outcome = await sync({ DAGSTER_SECRET_ALPHA: 'a' })
      expect(outcome.unclaimed).toEqual([])
      expect(kube.requests.filter(r => r.method === 'GET').map(r => r.query.get('labelSelector'))).toEqual([
        ownership.selector
      ])
    })
  })

  // The annotations input is held to what the owner and provenance annotations leave of the API server's 256 KiB
  // (inputs.ts): exactly that much is written, one byte more is what the API server would refuse.
  it.each([
    [0, 'created', undefined],
    [1, 'failed', 'metadata.annotations: Too long: may not be more than 262144 bytes']
  ])('annotations at the budget plus %i byte(s): %s', async (extra, state, detail) => {
    const env = { GITHUB_REPOSITORY: 'acme/dagster-infra' }
    const provenance = readRunProvenance(env)
    const stamp = provenanceAnnotations(provenance, new Date())
    const budget =
      MAX_ANNOTATIONS_BYTES -
      Buffer.byteLength(OWNER_ANNOTATION + ownership.owner) -
      Object.entries(stamp).reduce((sum, [k, v]) => sum + Buffer.byteLength(k + v), 0)
    const settings = readInputs(
      env,
      name =>
        ({ secrets: '{}', owner: ownership.owner, annotations: `k=${'v'.repeat(budget - 1)}` })[name] ?? ''
    )
    const annotations = { k: `${settings.annotations.k ?? ''}${'v'.repeat(extra)}` }
    const [secret] = selectSecrets({ DAGSTER_SECRET_ALPHA: 'a' }, PREFIX).selected
    const wanted = toDesiredSecret(secret as SelectedSecret, ownership, { labels: {}, annotations })
    const { results } = await syncSecrets(client, [wanted], {
      ownership,
      onConflict: 'fail',
      findUnclaimed: false,
      concurrency: 1,
      provenance
    })
    expect(results[0]?.state).toBe(state)
    if (detail) expect(results[0]?.detail).toContain(detail)
    else expect(kube.getSecret(NS, NAME)?.metadata.annotations?.k).toHaveLength(budget - 1)
  })

  it.each([1, 2])(
    'never has more than concurrency=%i writes on the wire, and reaches it',
    async concurrency => {
      kube.inject({ kind: 'latency', ms: 150, times: 100, match: r => r.method === 'POST' })
      let most = 0
      const watch = setInterval(() => {
        most = Math.max(most, kube.requests.filter(r => r.method === 'POST' && r.status === 0).length)
      }, 5)
      try {
        await sync(
          { DAGSTER_SECRET_A: 'a', DAGSTER_SECRET_B: 'b', DAGSTER_SECRET_C: 'c', DAGSTER_SECRET_D: 'd' },
          { concurrency }
        )
      } finally {
        clearInterval(watch)
      }
      await sleep(1)
      expect(most).toBe(concurrency)
      expect(kube.writes()).toHaveLength(4)
    }
  )
})

describe('pruneSecrets', () => {
  const orphans = (): Promise<V1Secret[]> => client.list(ownership.selector)
  const prune = async (): Promise<SecretResult[]> =>
    pruneSecrets(client, await orphans(), { ownership, concurrency: 2 })

  it('deletes the version it listed (a resourceVersion precondition)', async () => {
    const seeded = seedMade(NAME, 'x')
    expect(states(await prune())).toEqual([[NAME, 'deleted', undefined]])
    expect(kube.getSecret(NS, NAME)).toBeUndefined()
    const body = kube.requests.find(r => r.method === 'DELETE')
    expect(body?.status).toBe(200)
    expect(seeded.metadata?.resourceVersion).toBeDefined()
  })

  it('404, already gone: reported deleted', async () => {
    seedMade(NAME, 'x')
    raceOurWrites('DELETE', 1, name =>
      someoneElse.deleteNamespacedSecret({ name, namespace: NS }).then(() => undefined)
    )
    expect(states(await prune())).toEqual([[NAME, 'deleted', 'already gone']])
    expect(ours()).toEqual([['DELETE', 404]])
  })

  it('409, changed but still ours: read again and deleted', async () => {
    seedMade(NAME, 'x')
    raceOurWrites('DELETE', 1, name => change(name, rotate('rotated')))
    expect(states(await prune())).toEqual([[NAME, 'deleted', undefined]])
    expect(ours()).toEqual([
      ['DELETE', 409],
      ['GET', 200],
      ['DELETE', 200]
    ])
  })

  it('409, no longer ours: read again and left in place', async () => {
    seedMade(NAME, 'x')
    raceOurWrites('DELETE', 1, name =>
      change(name, secret => {
        secret.metadata = { ...secret.metadata, labels: { keep: 'me' } }
      })
    )
    expect(states(await prune())).toEqual([
      [NAME, 'skipped', 'not deleted: it is no longer labelled as made by this action for acme/dagster-infra']
    ])
    expect(kube.getSecret(NS, NAME)?.metadata.labels).toEqual({ keep: 'me' })
  })

  it('409, then gone when read again: reported deleted, already gone', async () => {
    seedMade(NAME, 'x')
    raceOurWrites('DELETE', 1, async name => {
      await change(name, rotate('rotated'))
      kube.beforeWrite = undefined
      kube.inject({
        kind: 'status',
        code: 404,
        match: r => r.method === 'GET' && r.path === `${PATH}/${name}`
      })
    })
    expect(states(await prune())).toEqual([[NAME, 'deleted', 'already gone']])
  })

  it('gives up after exactly 4 deletes when it changes before every one', async () => {
    seedMade(NAME, 'x')
    let n = 0
    raceOurWrites('DELETE', 100, name => change(name, rotate(`rotated-${++n}`)))
    expect(states(await prune())).toEqual([
      [NAME, 'failed', 'not deleted: it kept changing (4 attempts); run again']
    ])
    expect(ours().filter(([method]) => method === 'DELETE')).toHaveLength(4)
    expect(kube.getSecret(NS, NAME)).toBeDefined()
  })

  it('a refused delete fails that Secret, naming the answer', async () => {
    seedMade(NAME, 'x')
    kube.inject({ kind: 'status', code: 403, match: r => r.method === 'DELETE' })
    const [result] = await prune()
    expect(result?.state).toBe('failed')
    expect(result?.detail).toMatch(/^not deleted: 403 Forbidden/)
  })
})
