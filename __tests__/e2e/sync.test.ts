// End to end: the bundled action against the Kubernetes double, as a runner would start it.
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  servedProtocols,
  startKubeDouble,
  type HttpProtocol,
  type KubeDouble
} from '../../kube-double/server.js'
import { rawRequest } from '../doubles/raw-request.js'
import { findLeaks, runAction } from './run-action.js'

const NS = 'dagster-prd'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')

// Distinctive values in every shape that has tripped up a shell loop: multi-line PEM, quotes, `$`, backslashes,
// unicode. The leak scan looks for each, its base64 and its JSON-escaped form.
const PEM =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-leak-canary-pem\nx9y8z7\n-----END PRIVATE KEY-----\n'
const VALUES = {
  DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN: 'xoxb-leak-canary-1111-slack',
  DAGSTER_SECRET_WAREHOUSE_PASSWORD: `p"a$$w\\ord leak-canary ünïcödé 🔑`,
  DAGSTER_SECRET_SERVICE_KEY_PEM: PEM
}
const SECRETS = { ...VALUES, github_token: 'ghs_leak-canary-token', OTHER_SECRET: 'not-synced-leak-canary' }

// A fresh API server (empty store, zero requests) for every test.
let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble()
  kubeconfig = kube.writeKubeconfig()
})
afterEach(() => kube.close())

const inputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  secrets: JSON.stringify(SECRETS),
  kubeconfig,
  namespace: NS,
  ...extra
})

/** The API server as it is (HTTP/2, HTTP/1.1 for clients without it), and one with HTTP/2 turned off. */
const protocolCases = [
  { server: 'h2 and http/1.1, as kube-apiserver', protocols: servedProtocols, httpVersion: '2.0' },
  { server: 'http/1.1 only', protocols: ['http/1.1'] as const, httpVersion: '1.1' }
]

/** Replaces the double of beforeEach with one that serves only `protocols`. */
async function restartWith(protocols: readonly HttpProtocol[]): Promise<void> {
  await kube.close()
  kube = await startKubeDouble({ protocols })
  kubeconfig = kube.writeKubeconfig()
}

describe.each(protocolCases)(
  'a first, second and third run, server $server',
  ({ protocols, httpVersion }) => {
    beforeEach(() => restartWith(protocols))

    it('creates exactly three correct Secrets, then writes nothing, then writes exactly the changed one', async () => {
      const first = await runAction(inputs())
      expect(first.exitCode, first.stdout).toBe(0)
      expect(
        kube
          .listSecrets(NS)
          .map(s => s.metadata.name)
          .sort()
      ).toEqual([
        'dagster-secret-service-key-pem',
        'dagster-secret-slack-bot-oauth-token',
        'dagster-secret-warehouse-password'
      ])
      for (const [githubName, value] of Object.entries(VALUES)) {
        const secret = kube.getSecret(NS, githubName.toLowerCase().replaceAll('_', '-'))
        expect(secret?.type).toBe('Opaque')
        expect(Object.keys(secret?.data ?? {})).toEqual([githubName])
        expect(decode(secret?.data?.[githubName])).toBe(value)
        expect(secret?.metadata.labels).toEqual({
          'app.kubernetes.io/managed-by': 'gke-secrets-sync',
          'gke-secrets-sync/prefix': 'DAGSTER_SECRET',
          'gke-secrets-sync/owner': expect.stringMatching(/^acme\.dagster-infra--[0-9a-f]{12}$/)
        })
        // The owner and its repository id (GITHUB_REPOSITORY_ID), which a re-registered name would not share.
        expect(secret?.metadata.annotations?.['gke-secrets-sync/owner']).toBe(
          'acme/dagster-infra (id 700001)'
        )
        expect(
          secret?.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']
        ).toBeUndefined()
      }
      // Three creates, then their three Events.
      expect(kube.writes().map(w => [w.method, w.path.split('/').at(-1)])).toEqual([
        ...Array.from({ length: 3 }, () => ['POST', 'secrets']),
        ...Array.from({ length: 3 }, () => ['POST', 'events'])
      ])
      expect(kube.requests.filter(r => r.method === 'GET')).toHaveLength(1)
      expect(first.outputs.created).toBe(
        '["dagster-secret-service-key-pem","dagster-secret-slack-bot-oauth-token","dagster-secret-warehouse-password"]'
      )
      expect(first.outputs.changed).toBe('true')
      expect(first.outputs.env_secrets).toBe(
        '- name: dagster-secret-service-key-pem\n- name: dagster-secret-slack-bot-oauth-token\n- name: dagster-secret-warehouse-password\n'
      )
      const versions = kube.listSecrets(NS).map(s => s.metadata.resourceVersion)

      kube.resetRequests()
      const second = await runAction(inputs())
      expect(second.exitCode).toBe(0)
      expect(kube.requests).toHaveLength(1)
      expect(kube.requests[0]).toMatchObject({ method: 'GET', path: `/api/v1/namespaces/${NS}/secrets` })
      expect(second.outputs.unchanged).toBe(first.outputs.created)
      expect(second.outputs.changed).toBe('false')
      expect(kube.listSecrets(NS).map(s => s.metadata.resourceVersion)).toEqual(versions)

      kube.resetRequests()
      const third = await runAction(
        inputs({
          secrets: JSON.stringify({
            ...SECRETS,
            DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN: 'xoxb-rotated-leak-canary'
          })
        })
      )
      expect(third.exitCode).toBe(0)
      expect(kube.writes().map(w => [w.method, w.path])).toEqual([
        ['PUT', `/api/v1/namespaces/${NS}/secrets/dagster-secret-slack-bot-oauth-token`],
        ['POST', `/apis/events.k8s.io/v1/namespaces/${NS}/events`]
      ])
      expect(third.outputs.updated).toBe('["dagster-secret-slack-bot-oauth-token"]')
      const rotated = kube.getSecret(NS, 'dagster-secret-slack-bot-oauth-token')
      expect(decode(rotated?.data?.DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN)).toBe('xoxb-rotated-leak-canary')

      for (const run of [first, second, third]) {
        expect(findLeaks(run, [...Object.values(SECRETS), 'xoxb-rotated-leak-canary'])).toEqual([])
      }
      // What undici negotiated with the server, for every request of the three runs.
      expect(new Set(kube.requests.map(r => r.httpVersion))).toEqual(new Set([httpVersion]))
    })

    it('writes a job summary with the outcome, the cluster, the counts, the table and the envSecrets snippet', async () => {
      const run = await runAction(inputs())
      expect(run.summary).toContain('## ✅ gke-secrets-sync: synced 3 changes')
      expect(run.summary).toMatch(
        new RegExp(`^Kubeconfig context \`[^\`]+\` · namespace \`${NS}\` · owner \`[^\`]+\`$`, 'm')
      )
      expect(run.summary).toContain(`API server \`${kube.url}\``)
      // A long GitHub secret name may wrap at its underscores (markdown.ts wrappingCode).
      expect(run.summary).toContain(
        '| <code>DAGSTER\\_<wbr>SECRET\\_<wbr>SLACK\\_<wbr>BOT\\_<wbr>OAUTH\\_<wbr>TOKEN</code> | `dagster-secret-slack-bot-oauth-token` | created |'
      )
      expect(run.summary).toContain('3 Secrets: 3 created')
      expect(run.summary).toMatch(/ · took \d+(\.\d)? m?s · /)
      expect(run.summary).toContain('2 input secrets without the prefix were ignored.')
      expect(run.summary).not.toContain('OTHER_SECRET')
      expect(run.summary).toContain('envSecrets:\n  - name: dagster-secret-service-key-pem')
      expect(run.summary).toContain(
        '[acme/dagster-infra run 4242](https://github.com/acme/dagster-infra/actions/runs/4242)'
      )
    })

    it('in a dry run sends every write with dryRun=All and stores nothing', async () => {
      const run = await runAction(inputs({ dry_run: 'true' }))
      expect(run.exitCode).toBe(0)
      expect(kube.writes()).toHaveLength(3)
      expect(kube.writes().every(w => w.dryRun)).toBe(true)
      expect(kube.listSecrets(NS)).toEqual([])
      expect(run.summary).toContain('## 🧪 gke-secrets-sync: dry run, 3 changes would be made')
      expect(run.summary).toContain('| would create |')
      expect(run.outputs.created).toContain('dagster-secret-slack-bot-oauth-token')
    })
  }
)

describe("another controller's metadata on a Secret the action updates", () => {
  // A real API server clears on PUT whatever the body leaves out; the double does the same, so an update that
  // stopped carrying these fields would lose them here too.
  const owner = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    name: 'dagster-user-code',
    uid: '6f1d2c3b-0000-4000-8000-000000000001',
    controller: true,
    blockOwnerDeletion: true
  }
  it('keeps its finalizer, owner reference, labels and annotations, and who manages them', async () => {
    const name = 'dagster-secret-slack-bot-oauth-token'
    const first = await runAction(inputs())
    expect(first.exitCode, first.stdout).toBe(0)
    // A controller adds its finalizer and owner reference with a merge patch, as controllers do.
    const live = kube.getSecret(NS, name)
    const patched = await rawRequest(
      kube,
      `/api/v1/namespaces/${NS}/secrets/${name}?fieldManager=backup-controller`,
      {
        method: 'PATCH',
        headers: { 'content-type': 'application/merge-patch+json' },
        body: JSON.stringify({
          metadata: {
            finalizers: ['backup.example.com/protect'],
            ownerReferences: [owner],
            labels: { 'backup.example.com/tier': 'gold' },
            annotations: { 'backup.example.com/last': '2024-01-01' }
          }
        })
      }
    )
    expect(patched.status, patched.body).toBe(200)

    kube.resetRequests()
    const rotated = await runAction(
      inputs({
        secrets: JSON.stringify({
          ...SECRETS,
          DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN: 'xoxb-rotated-leak-canary'
        })
      })
    )
    expect(rotated.exitCode, rotated.stdout).toBe(0)
    expect(kube.writes().map(w => [w.method, w.path])).toEqual([
      ['PUT', `/api/v1/namespaces/${NS}/secrets/${name}`],
      ['POST', `/apis/events.k8s.io/v1/namespaces/${NS}/events`]
    ])
    const after = kube.getSecret(NS, name)
    expect(decode(after?.data?.DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN)).toBe('xoxb-rotated-leak-canary')
    expect(after?.metadata.uid).toBe(live?.metadata.uid)
    expect(after?.metadata.finalizers).toEqual(['backup.example.com/protect'])
    expect(after?.metadata.ownerReferences).toEqual([owner])
    expect(after?.metadata.labels).toMatchObject({ 'backup.example.com/tier': 'gold' })
    expect(after?.metadata.annotations).toMatchObject({ 'backup.example.com/last': '2024-01-01' })
    // The PUT changed only the data: the controller still manages its fields, the action the value.
    const managers = Object.fromEntries(
      (after?.metadata.managedFields ?? []).map(entry => [entry.manager, JSON.stringify(entry.fieldsV1)])
    )
    expect(managers['backup-controller']).toContain('"f:finalizers"')
    expect(managers['backup-controller']).toContain(`"k:{\\"uid\\":\\"${owner.uid}\\"}"`)
    expect(managers['gke-secrets-sync']).toContain('"f:DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN"')
  })
})

describe('a Secret of the same name that this action did not make', () => {
  const seed = (): void => {
    kube.seedSecret(NS, {
      metadata: { name: 'dagster-secret-slack-bot-oauth-token', labels: { owner: 'terraform' } },
      type: 'Opaque',
      data: { DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN: b64('from-terraform') }
    })
  }
  beforeEach(seed)
  const terraformValue = (): string =>
    decode(
      kube.getSecret(NS, 'dagster-secret-slack-bot-oauth-token')?.data?.DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN
    )

  it('on_conflict fail: leaves it, syncs the others, reports it and fails the step', async () => {
    const run = await runAction(inputs())
    expect(run.exitCode).toBe(1)
    expect(terraformValue()).toBe('from-terraform')
    expect(run.outputs.failed).toBe('["dagster-secret-slack-bot-oauth-token"]')
    expect(JSON.parse(run.outputs.created ?? '[]')).toHaveLength(2)
    expect(run.stdout).toContain('::error::gke-secrets-sync: 1 of 3 Secrets could not be synced')
    expect(run.stdout).toContain('written by terraform')
    expect(run.stdout).toContain('on_conflict: adopt')
  })

  it('on_conflict skip: leaves it, reports it and succeeds', async () => {
    const run = await runAction(inputs({ on_conflict: 'skip' }))
    expect(run.exitCode).toBe(0)
    expect(terraformValue()).toBe('from-terraform')
    expect(run.outputs.skipped).toBe('["dagster-secret-slack-bot-oauth-token"]')
    expect(run.outputs.env_secrets).not.toContain('slack')
  })

  it('on_conflict adopt: takes it over with one conditional write and keeps its labels', async () => {
    const run = await runAction(inputs({ on_conflict: 'adopt' }))
    expect(run.exitCode).toBe(0)
    expect(terraformValue()).toBe(VALUES.DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN)
    const adopted = kube.getSecret(NS, 'dagster-secret-slack-bot-oauth-token')
    expect(adopted?.metadata.labels).toMatchObject({
      owner: 'terraform',
      'app.kubernetes.io/managed-by': 'gke-secrets-sync'
    })
    expect(run.outputs.updated).toBe('["dagster-secret-slack-bot-oauth-token"]')
    expect(kube.writes().filter(w => w.method === 'PUT')).toHaveLength(1)
    expect(run.summary).toContain('adopted')
  })
})

describe('configuration errors', () => {
  it.each([
    ['{"DAGSTER_SECRET_A": "leak-canary-in-bad-json"', 'Input `secrets` is not valid JSON'],
    ['["leak-canary-in-array"]', 'Input `secrets` is an array'],
    [
      '{"DAGSTER_SECRET_A": 42}',
      'Input `secrets` must map names to strings; these are not strings: DAGSTER_SECRET_A.'
    ]
  ])('secrets %s fails before any request, naming the input', async (secrets, message) => {
    const run = await runAction(inputs({ secrets }))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(`::error::gke-secrets-sync: ${message}`)
    expect(run.stdout + run.stderr + run.summary).not.toContain('leak-canary')
    expect(run.summary).toContain('## ❌ gke-secrets-sync: an input is invalid\n')
    expect(run.summary).toContain('Nothing was sent to Google or to the cluster.')
    expect(kube.requests).toHaveLength(0)
  })

  it.each([
    [{ on_conflict: 'overwrite' }, 'Input `on_conflict` is "overwrite"; use fail, skip or adopt.'],
    [{ labels: 'Bad Key=x' }, 'Input `labels`, line 1: key "Bad Key"'],
    [{ namespace: 'Dagster_Prd' }, 'Input `namespace` "Dagster_Prd" is not a Kubernetes namespace name'],
    [
      { kubeconfig: '/nonexistent/kubeconfig' },
      'Could not read the kubeconfig /nonexistent/kubeconfig: the file does not exist'
    ]
  ])('%j fails with a message naming what to fix', async (extra, message) => {
    const run = await runAction(inputs(extra))
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain(message)
    expect(run.summary).toMatch(
      /^## ❌ gke-secrets-sync: (an input is invalid|the kubeconfig could not be used)\n/
    )
    expect(kube.requests).toHaveLength(0)
  })

  it('without kubeconfig, KUBECONFIG or ~/.kube/config says how to name a cluster', async () => {
    const home = mkdtempSync(join(tmpdir(), 'empty-home-'))
    const run = await runAction(inputs({ kubeconfig: '' }), { KUBECONFIG: undefined, HOME: home })
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('No cluster to connect to')
  })

  it('uses KUBECONFIG when the input is empty (as left by get-gke-credentials)', async () => {
    const run = await runAction(inputs({ kubeconfig: '', dry_run: 'true' }), { KUBECONFIG: kubeconfig })
    expect(run.exitCode, run.stdout).toBe(0)
  })
})

describe.each(protocolCases)('concurrency, server $server', ({ protocols, httpVersion }) => {
  beforeEach(() => restartWith(protocols))
  const many = Object.fromEntries(
    Array.from({ length: 40 }, (_, i) => [`DAGSTER_SECRET_C${i}`, `concurrency-leak-canary-${i}`])
  )

  it('holds at most `concurrency` requests in flight; over HTTP/2 all on one connection', async () => {
    // Each request takes long enough that the next ones are sent before it is answered.
    kube.latencyMs = 50
    const run = await runAction(inputs({ secrets: JSON.stringify(many), concurrency: '4' }))
    expect(run.exitCode, run.stdout).toBe(0)
    expect(kube.listSecrets(NS)).toHaveLength(40)
    expect(kube.maxInFlight).toBe(4)
    expect(new Set(kube.requests.map(r => r.httpVersion))).toEqual(new Set([httpVersion]))
    const connections = new Set(kube.requests.map(r => r.clientPort)).size
    if (httpVersion === '2.0') {
      // Multiplexed: one TLS connection, one HTTP/2 session, every request a stream on it.
      expect([kube.connectionsOpened, kube.sessionsOpened, connections]).toEqual([1, 1, 1])
    } else {
      // One request per connection at a time: at least one connection per request in flight.
      expect(connections).toBeGreaterThanOrEqual(4)
      expect(kube.sessionsOpened).toBe(0)
    }
  })
})

describe('labels and annotations', () => {
  it('an annotation key with an upper-case prefix, valid for the API server (it lower-cases annotation keys), is written', async () => {
    const run = await runAction(inputs({ annotations: 'Example.COM/Team=data-platform' }))
    expect(run.exitCode, run.stdout).toBe(0)
    for (const secret of kube.listSecrets(NS)) {
      expect(secret.metadata.annotations).toMatchObject({ 'Example.COM/Team': 'data-platform' })
    }
    expect(kube.listSecrets(NS)).toHaveLength(3)
  })
})

describe('connections', () => {
  it('reuses TLS connections instead of opening one per request', async () => {
    const run = await runAction(inputs({ concurrency: '1' }))
    expect(run.exitCode).toBe(0)
    // One LIST, three creates and their three Events. Without reuse client-node opens one connection per
    // request (7); with it, undici may open a second while the first is still being released after the LIST.
    expect(kube.requests).toHaveLength(7)
    expect(kube.connectionsOpened).toBeLessThanOrEqual(2)
  })
})
