// End to end under faults, races, hostile conditions and pruning: the run either succeeds with every Secret
// correct, or fails naming exactly the Secrets that did not make it, with the others intact.
import { writeFileSync } from 'node:fs'
import { constants as http2 } from 'node:http2'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { stringify } from 'yaml'
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest'
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node'
import { ownerLabelValue } from '../../src/sync/ownership.js'
import {
  servedProtocols,
  startKubeDouble,
  type Fault,
  type HttpProtocol,
  type KubeDouble
} from '../../kube-double/server.js'
import { otherTls } from '../../kube-double/tls.js'
import { findLeaks, runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const VALUES = {
  DAGSTER_SECRET_ALPHA: 'alpha-leak-canary-Zq1',
  DAGSTER_SECRET_BRAVO: 'bravo "leak" canary\nline two $HOME \\x',
  DAGSTER_SECRET_CHARLIE: 'charlie-leak-canary-ünï'
}
const NAMES = ['dagster-secret-alpha', 'dagster-secret-bravo', 'dagster-secret-charlie']
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')
/** What this action writes for the runner's repository (run-action.ts sets GITHUB_REPOSITORY). */
const OWNED = {
  'app.kubernetes.io/managed-by': 'gke-secrets-sync',
  'gke-secrets-sync/prefix': 'DAGSTER_SECRET',
  'gke-secrets-sync/owner': ownerLabelValue('acme/dagster-infra')
}

let kube: KubeDouble
let kubeconfig: string
const runs: ActionRun[] = []
const RACER = 'racer-token'
beforeEach(async () => {
  kube = await startKubeDouble({
    users: { 'test-token': 'system:serviceaccount:ci:gke-secrets-sync', [RACER]: 'someone-else' }
  })
  kubeconfig = kube.writeKubeconfig({ token: 'test-token' })
})

/** Another client of the same API server, changing a Secret through the API as a person with kubectl would. */
async function changeAsSomeoneElse(
  name: string,
  change: (labels: Record<string, string>) => Record<string, string>,
  data?: Record<string, string>
): Promise<void> {
  const config = new KubeConfig()
  config.loadFromFile(kube.writeKubeconfig({ token: RACER }))
  const api = config.makeApiClient(CoreV1Api)
  const current = await api.readNamespacedSecret({ name, namespace: NS })
  current.metadata = { ...current.metadata, labels: change(current.metadata?.labels ?? {}) }
  if (data) current.data = data
  await api.replaceNamespacedSecret({ name, namespace: NS, body: current, fieldManager: 'kubectl-edit' })
}
const ours = (r: { user?: string }): boolean => r.user !== 'someone-else'
afterEach(() => kube.close())

async function sync(
  extra: Record<string, string> = {},
  secrets: Record<string, string> = VALUES
): Promise<ActionRun> {
  const run = await runAction({ secrets: JSON.stringify(secrets), kubeconfig, namespace: NS, ...extra })
  runs.push(run)
  return run
}

const isSecretWrite = (method: string) => (r: { method: string; path: string }) =>
  r.method === method && r.path.includes('/secrets')

function expectAllSynced(): void {
  expect(
    kube
      .listSecrets(NS)
      .map(s => s.metadata.name)
      .sort()
  ).toEqual(NAMES)
  for (const [githubName, value] of Object.entries(VALUES)) {
    const secret = kube.getSecret(NS, githubName.toLowerCase().replaceAll('_', '-'))
    expect(decode(secret?.data?.[githubName])).toBe(value)
  }
}

describe('transient failures are retried', () => {
  it.each([
    ['503 twice on creates', { kind: 'status', code: 503, times: 2, match: isSecretWrite('POST') }],
    ['500, 502 and 504 on creates', { kind: 'status', code: 502, times: 1, match: isSecretWrite('POST') }],
    ['a dropped connection on a create', { kind: 'drop', times: 1, match: isSecretWrite('POST') }],
    ['a dropped connection on the LIST', { kind: 'drop', times: 1, match: isSecretWrite('GET') }],
    [
      'a Status 429 with retryAfterSeconds on the LIST',
      { kind: 'status', code: 429, retryAfter: 1, times: 1 }
    ]
  ] as const)('%s: every Secret ends correct', async (_name, fault) => {
    kube.inject({ ...fault })
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)
    expectAllSynced()
    expect(JSON.parse(run.outputs.created ?? '[]')).toEqual(NAMES)
  })

  it('a slow API server (300 ms per request) still ends with every Secret correct', async () => {
    kube.inject({ kind: 'latency', ms: 300, times: 100 })
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)
    expectAllSynced()
  })

  it("waits as long as API Priority and Fairness' plain-text 429 asks", async () => {
    kube.inject({ kind: 'plain429', retryAfter: 2, times: 1, match: isSecretWrite('GET') })
    const started = Date.now()
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    expect(kube.requests.filter(r => r.method === 'GET').map(r => r.status)).toEqual([429, 200])
    expectAllSynced()
  })

  it('never retries a 4xx other than 409/429: the one Secret fails, the others are written', async () => {
    kube.inject({ kind: 'status', code: 400, times: 1, match: r => isSecretWrite('POST')(r) })
    const run = await sync({ concurrency: '1' })
    expect(run.exitCode).toBe(1)
    expect(kube.writes().filter(w => w.method === 'POST' && w.path.endsWith('/secrets'))).toHaveLength(2)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(['dagster-secret-alpha'])
    expect(JSON.parse(run.outputs.created ?? '[]')).toEqual([
      'dagster-secret-bravo',
      'dagster-secret-charlie'
    ])
    expect(run.stdout).toContain('1 of 3 Secrets could not be synced')
    expect(run.stdout).toContain('- dagster-secret-alpha (DAGSTER_SECRET_ALPHA): 400')
  })

  it('gives up after the bounded number of attempts and names the Secret', async () => {
    kube.inject({
      kind: 'status',
      code: 503,
      times: 100,
      match: r => r.method === 'POST' && r.path.endsWith('/secrets')
    })
    const run = await sync({ concurrency: '3', timeout_seconds: '60' })
    expect(run.exitCode).toBe(1)
    // The first attempt and five retries for each of the three Secrets.
    expect(kube.requests.filter(r => r.method === 'POST')).toHaveLength(18)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(NAMES)
    expect(run.stdout).toContain('503 ServiceUnavailable')
  }, 60_000)
})

describe('a reset stream, a GOAWAY or a dropped connection in the middle of a 300-secret sync', () => {
  // 300 secrets, short values (the runner passes `secrets` in one environment variable, at most 128 KiB).
  const MANY = Object.fromEntries(
    Array.from({ length: 300 }, (_, i) => [`DAGSTER_SECRET_N${i}`, `value-${i}-leak-canary-h2`])
  )
  const names = Object.keys(MANY)
    .map(name => name.toLowerCase().replaceAll('_', '-'))
    .sort()
  const nthCreate = (n: number) => (r: { method: string; path: string }) =>
    isSecretWrite('POST')(r) && kube.requests.filter(isSecretWrite('POST')).length >= n

  // `lost`: how many connections the fault takes down with every answer in flight on them (up to `concurrency`
  // writes may have landed unseen); a reset stream is refused before the double handles it, so it loses none.
  it.each<[string, Fault, readonly HttpProtocol[], number]>([
    [
      'RST_STREAM INTERNAL_ERROR on 5 creates',
      { kind: 'reset', code: http2.NGHTTP2_INTERNAL_ERROR, times: 5, match: nthCreate(100) },
      servedProtocols,
      0
    ],
    [
      'RST_STREAM REFUSED_STREAM on 20 creates (undici resends each once, then the action retries)',
      { kind: 'reset', code: http2.NGHTTP2_REFUSED_STREAM, times: 20, match: nthCreate(100) },
      servedProtocols,
      0
    ],
    ['a graceful GOAWAY at the 150th create', { kind: 'goaway', match: nthCreate(150) }, servedProtocols, 0],
    [
      'a GOAWAY INTERNAL_ERROR at the 150th create, the connection then closed',
      { kind: 'goaway', code: http2.NGHTTP2_INTERNAL_ERROR, match: nthCreate(150) },
      servedProtocols,
      1
    ],
    [
      'the TCP connection dropped at the 150th create, over HTTP/2',
      { kind: 'drop', match: nthCreate(150) },
      servedProtocols,
      1
    ],
    [
      'the TCP connection dropped at the 150th create, over HTTP/1.1',
      { kind: 'drop', match: nthCreate(150) },
      ['http/1.1'],
      1
    ]
  ])(
    '%s: every Secret is created exactly once',
    async (_name, fault, protocols, lost) => {
      await kube.close()
      kube = await startKubeDouble({ protocols })
      kubeconfig = kube.writeKubeconfig()
      // Requests overlap, as they do against a real API server, so a fault finds others in flight.
      kube.latencyMs = 5
      kube.inject(fault)

      const run = await sync({ concurrency: '10' }, MANY)

      expect(run.exitCode, run.stdout).toBe(0)
      expect(JSON.parse(run.outputs.failed ?? '')).toEqual([])
      expect((JSON.parse(run.outputs.created ?? '') as string[]).sort()).toEqual(names)
      const stored = kube.listSecrets(NS)
      expect(stored.map(s => s.metadata.name).sort()).toEqual(names)
      for (const [githubName, value] of Object.entries(MANY)) {
        const secret = stored.find(s => s.metadata.name === githubName.toLowerCase().replaceAll('_', '-'))
        expect(decode(secret?.data?.[githubName])).toBe(value)
      }
      const creates = kube.writes().filter(isSecretWrite('POST'))
      expect(creates.filter(w => w.status === 201)).toHaveLength(300)
      // Any other create is the retry of one whose answer was lost with its connection, refused AlreadyExists,
      // then read back (sync.ts); at most one per request that was in flight on a lost connection.
      const alreadyExists = creates.filter(w => w.status === 409)
      expect(creates).toHaveLength(300 + alreadyExists.length)
      expect(alreadyExists.length).toBeLessThanOrEqual(10 * lost)
      expect(kube.requests.filter(r => r.method === 'GET' && r.path.includes('/secrets/'))).toHaveLength(
        alreadyExists.length
      )
      expect(kube.writes().filter(w => w.method !== 'POST')).toEqual([])
      const version = protocols.includes('h2') ? '2.0' : '1.1'
      expect(kube.requests.filter(r => r.httpVersion !== version)).toEqual([])
      // The fault struck: the reset streams went unanswered; a GOAWAY or a drop made the client connect anew.
      const unanswered = kube.requests.filter(r => r.status === 0)
      if (fault.kind === 'reset') expect(unanswered).toHaveLength(fault.times ?? 1)
      else expect(kube.connectionsOpened).toBeGreaterThanOrEqual(2)
    },
    60_000
  )
})

describe('races between our read and our write', () => {
  it('re-reads and re-plans a Secret changed after the LIST, never overwriting blindly', async () => {
    kube.seedSecret(
      NS,
      {
        metadata: { name: 'dagster-secret-alpha', labels: OWNED },
        type: 'Opaque',
        data: { DAGSTER_SECRET_ALPHA: b64('old') }
      },
      'gke-secrets-sync'
    )
    let raced = false
    kube.beforeWrite = async ({ method, name }) => {
      if (method !== 'PUT' || name !== 'dagster-secret-alpha' || raced) return
      raced = true
      // Someone else rotates it between our LIST and our PUT.
      await changeAsSomeoneElse(name, labels => ({ ...labels, rotated: 'by-hand' }), {
        DAGSTER_SECRET_ALPHA: b64('other')
      })
    }
    const run = await sync()
    expect(run.exitCode, run.stdout).toBe(0)
    const alpha = kube.requests
      .filter(r => ours(r) && r.path.endsWith('/dagster-secret-alpha'))
      .map(r => [r.method, r.status])
    expect(alpha).toEqual([
      ['PUT', 409],
      ['GET', 200],
      ['PUT', 200]
    ])
    expectAllSynced()
    expect(kube.getSecret(NS, 'dagster-secret-alpha')?.metadata.labels?.rotated).toBe('by-hand')
  })

  it('a Secret created by someone else between LIST and create is treated as theirs', async () => {
    kube.beforeWrite = async ({ method }) => {
      if (method === 'POST' && !kube.getSecret(NS, 'dagster-secret-bravo')) {
        kube.seedSecret(NS, {
          metadata: { name: 'dagster-secret-bravo' },
          type: 'Opaque',
          data: { X: b64('theirs') }
        })
      }
    }
    const run = await sync({ concurrency: '1' })
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(['dagster-secret-bravo'])
    expect(kube.getSecret(NS, 'dagster-secret-bravo')?.data).toEqual({ X: b64('theirs') })
    expect(run.stdout).toContain('already exists and was not made by this action (written by terraform)')
  })
})

describe('hostile conditions', () => {
  it('a server that never answers: the time budget ends the run with a clear error and nothing written', async () => {
    kube.inject({ kind: 'hang', times: 100 })
    const started = Date.now()
    const run = await sync({ timeout_seconds: '2' })
    expect(run.exitCode).toBe(1)
    expect(Date.now() - started).toBeLessThan(15_000)
    expect(run.stdout).toContain('Kubernetes API: could not list Secrets in namespace dagster-prd')
    expect(run.stdout).toContain('`timeout_seconds`')
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(NAMES)
    expect(run.summary).toContain('## ❌ gke-secrets-sync: nothing synced, the API server did not answer\n')
    expect(run.summary.match(/did not answer within the time budget/g)).toHaveLength(1)
    expect(kube.listSecrets(NS)).toEqual([])
  })

  it('one write that never answers fails that Secret only, naming it', async () => {
    kube.inject({
      kind: 'hang',
      times: 1,
      match: r => r.method === 'POST' && kube.requests.filter(q => q.method === 'POST').length === 1
    })
    const run = await sync({ timeout_seconds: '3' })
    expect(run.exitCode).toBe(1)
    const failed = JSON.parse(run.outputs.failed ?? '[]') as string[]
    expect(failed).toHaveLength(1)
    expect(JSON.parse(run.outputs.created ?? '[]')).toEqual(NAMES.filter(name => !failed.includes(name)))
    expect(run.stdout).toContain(`- ${failed[0]}`)
  })

  it('a cluster CA that does not match fails the run and never skips verification', async () => {
    const path = join(tmpdir(), `kubeconfig-other-ca-${process.pid}`)
    writeFileSync(
      path,
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          { name: 'c', cluster: { server: kube.url, 'certificate-authority-data': b64(otherTls.caPem) } }
        ],
        users: [{ name: 'u', user: { token: 'test-token' } }],
        contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'ctx'
      })
    )
    const run = await runAction({ secrets: JSON.stringify(VALUES), kubeconfig: path, namespace: NS })
    runs.push(run)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain("the API server's TLS certificate is not trusted")
    expect(kube.requests).toEqual([])
    expect(kube.listSecrets(NS)).toEqual([])
  })

  it('an immutable Secret whose value changed is reported, not deleted or recreated', async () => {
    kube.seedSecret(
      NS,
      {
        metadata: { name: 'dagster-secret-alpha', labels: OWNED },
        type: 'Opaque',
        immutable: true,
        data: { DAGSTER_SECRET_ALPHA: b64('frozen') }
      },
      'gke-secrets-sync'
    )
    const run = await sync()
    expect(run.exitCode).toBe(1)
    expect(kube.getSecret(NS, 'dagster-secret-alpha')?.data).toEqual({ DAGSTER_SECRET_ALPHA: b64('frozen') })
    expect(kube.writes().filter(w => w.method === 'DELETE')).toEqual([])
    expect(run.stdout).toContain('immutable and its value differs')
    expect(JSON.parse(run.outputs.created ?? '[]')).toEqual([
      'dagster-secret-bravo',
      'dagster-secret-charlie'
    ])
  })

  it('a missing namespace fails every Secret and says to create it', async () => {
    const run = await sync({ namespace: 'dagster-missing' })
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(NAMES)
    expect(run.stdout).toContain('namespaces \\"dagster-missing\\" not found'.replaceAll('\\', ''))
    expect(run.stdout).toContain(
      'Namespace dagster-missing does not exist: create it, or fix the `namespace` input.'
    )
  })

  it('a namespace that does not exist: its LIST answers an empty list, each create 404; said once', async () => {
    const run = await sync({ namespace: 'dagster-stg' })
    expect(run.exitCode).toBe(1)
    const cause = '404 NotFound: namespaces "dagster-stg" not found'
    expect(run.summary).toContain(
      '## ❌ gke-secrets-sync: nothing synced, namespace `dagster-stg` does not exist\n'
    )
    expect(run.summary.split(cause).length - 1).toBe(1)
    expect(run.summary).toContain(
      'Namespace dagster-stg does not exist: create it, or fix the `namespace` input.'
    )
    expect(run.summary).not.toContain('| Detail |')
    expect(run.stdout).toContain(
      `::error::gke-secrets-sync: 3 Secrets could not be synced to namespace dagster-stg: ${cause}`
    )
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(NAMES)
  })

  it('401: the credentials are refused and nothing is written', async () => {
    const path = kube.writeKubeconfig({
      token: 'not-a-known-token',
      path: join(tmpdir(), `kubeconfig-bad-token-${process.pid}`)
    })
    const run = await runAction({ secrets: JSON.stringify(VALUES), kubeconfig: path, namespace: NS })
    runs.push(run)
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(
      'Kubernetes API: could not list Secrets in namespace dagster-prd: 401 Unauthorized'
    )
    expect(run.stdout).toContain('did not accept the credentials')
    expect(kube.listSecrets(NS)).toEqual([])
  })
})

describe('bad input that reaches the cluster step', () => {
  it('an empty object syncs nothing, succeeds, and says why nothing was selected', async () => {
    const run = await sync({}, {})
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.secret_names).toBe('[]')
    expect(run.summary).toContain('No input secret starts with `DAGSTER_SECRET_`')
    expect(kube.writes()).toEqual([])
  })

  it('names that give an invalid or a shared Secret name fail alone, with the reason; the others are written', async () => {
    const run = await sync(
      {},
      {
        ...VALUES,
        DAGSTER_SECRET_TRAILING_: 'trailing-underscore-value',
        DAGSTER_SECRET_DUP: 'duplicate-one-value',
        dagster_secret_dup: 'duplicate-two-value'
      }
    )
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual([
      'dagster-secret-dup',
      'dagster-secret-dup',
      'dagster-secret-trailing-'
    ])
    expect(JSON.parse(run.outputs.created ?? '[]')).toEqual(NAMES)
    expect(run.stdout).toContain('is also the name for dagster_secret_dup; rename one of them')
    expect(run.stdout).toContain('"dagster-secret-trailing-" is not a valid Kubernetes name')
    expectAllSynced()
  })
})

describe('RBAC', () => {
  let denied: KubeDouble
  afterEach(() => denied?.close())

  it('403 on create: each Secret fails with the RBAC advice naming the identity', async () => {
    denied = await startKubeDouble({ authorize: ({ verb }) => verb !== 'create' })
    const run = await runAction({
      secrets: JSON.stringify(VALUES),
      kubeconfig: denied.writeKubeconfig(),
      namespace: NS
    })
    runs.push(run)
    expect(run.exitCode).toBe(1)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(NAMES)
    expect(run.stdout).toContain('cannot create resource \\"secrets\\"'.replaceAll('\\', ''))
    expect(run.stdout).toContain(
      'kubectl create rolebinding gke-secrets-sync -n dagster-prd --role=gke-secrets-sync --user=system:serviceaccount:ci:gke-secrets-sync'
    )
  })
})

describe('prune', () => {
  const seedOrphans = (): void => {
    kube.seedSecret(
      NS,
      {
        metadata: { name: 'dagster-secret-gone', labels: OWNED },
        type: 'Opaque',
        data: { DAGSTER_SECRET_GONE: b64('x') }
      },
      'gke-secrets-sync'
    )
    kube.seedSecret(NS, {
      metadata: { name: 'dagster-secret-terraform' },
      type: 'Opaque',
      data: { T: b64('t') }
    })
    kube.seedSecret(
      NS,
      {
        metadata: { name: 'other-prefix-secret', labels: { ...OWNED, 'gke-secrets-sync/prefix': 'OTHER' } },
        type: 'Opaque',
        data: { O: b64('o') }
      },
      'gke-secrets-sync'
    )
  }
  beforeEach(seedOrphans)

  it('deletes exactly the orphans of this prefix, and nothing made by anyone else', async () => {
    const run = await sync({ prune: 'true' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(run.outputs.deleted).toBe('["dagster-secret-gone"]')
    expect(kube.getSecret(NS, 'dagster-secret-gone')).toBeUndefined()
    expect(kube.getSecret(NS, 'dagster-secret-terraform')).toBeDefined()
    expect(kube.getSecret(NS, 'other-prefix-secret')).toBeDefined()
    expect(
      kube
        .writes()
        .filter(w => w.method === 'DELETE')
        .map(w => w.path)
    ).toEqual([`/api/v1/namespaces/${NS}/secrets/dagster-secret-gone`])
    expect(run.summary).toContain('| — | `dagster-secret-gone` | deleted |')
    expect(run.outputs.changed).toBe('true')
  })

  it('without prune lists the orphans and deletes nothing', async () => {
    const run = await sync()
    expect(run.exitCode).toBe(0)
    expect(run.outputs.deleted).toBe('[]')
    expect(kube.writes().filter(w => w.method === 'DELETE')).toEqual([])
    expect(run.summary).toContain(
      '1 Secret made by this action for `DAGSTER_SECRET_` has no GitHub secret any more and was left in place: `dagster-secret-gone`. To delete it: first remove it from the Dagster Helm values (`envSecrets`) of every code location, then run with `prune: true`.'
    )
  })

  it('in a dry run shows what would be deleted and deletes nothing', async () => {
    const run = await sync({ prune: 'true', dry_run: 'true' })
    expect(run.exitCode).toBe(0)
    expect(run.outputs.deleted).toBe('["dagster-secret-gone"]')
    expect(kube.getSecret(NS, 'dagster-secret-gone')).toBeDefined()
    expect(
      kube
        .writes()
        .filter(w => w.method === 'DELETE')
        .every(w => w.dryRun)
    ).toBe(true)
  })

  it('refuses when only github_token came in (no secrets: inherit), before any request', async () => {
    const run = await sync({ prune: 'true' }, { github_token: 'ghs_leak-canary' })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('refusing, and nothing was touched')
    expect(run.stdout).toContain('`secrets: inherit`')
    expect(run.summary).toContain(
      '## ❌ gke-secrets-sync: prune refused, no secret of the prefix was given\n'
    )
    expect(run.summary).toContain('- the secrets are environment secrets, and the job has no `environment:`')
    expect(run.summary).not.toContain('prune: true')
    expect(kube.requests).toEqual([])
    expect(kube.getSecret(NS, 'dagster-secret-gone')).toBeDefined()
  })

  it('does not run when any create or update failed in the same run', async () => {
    kube.inject({ kind: 'status', code: 400, times: 1, match: isSecretWrite('POST') })
    const run = await sync({ prune: 'true' })
    expect(run.exitCode).toBe(1)
    expect(kube.getSecret(NS, 'dagster-secret-gone')).toBeDefined()
    expect(kube.writes().filter(w => w.method === 'DELETE')).toEqual([])
    expect(run.outputs.skipped).toBe('["dagster-secret-gone"]')
    expect(run.summary).toContain('pruning only follows a clean sync')
  })

  it('keeps an orphan that someone relabelled between the LIST and the delete', async () => {
    let raced = false
    kube.beforeWrite = async ({ method, name }) => {
      if (method !== 'DELETE' || name !== 'dagster-secret-gone' || raced) return
      raced = true
      await changeAsSomeoneElse(name, () => ({ keep: 'me' }))
    }
    const run = await sync({ prune: 'true' })
    expect(run.exitCode).toBe(0)
    expect(kube.getSecret(NS, 'dagster-secret-gone')?.metadata.labels).toEqual({ keep: 'me' })
    expect(run.outputs.skipped).toBe('["dagster-secret-gone"]')
  })
})

afterAll(() => {
  // The leak scan over every run above: values, their base64 and JSON-escaped forms appear nowhere.
  expect(runs.length).toBeGreaterThan(15)
  const leaks = runs.flatMap(run => findLeaks(run, [...Object.values(VALUES), 'ghs_leak-canary']))
  expect(leaks).toEqual([])
})
