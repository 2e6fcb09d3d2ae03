// An unexpected error (not an answer of the API: a bug, a library failing unplanned) in one write stops the run
// cleanly: nothing new is started, the writes already on the wire finish before the error is thrown, and every
// secret has one result. Real client-node over HTTPS against the Kubernetes double.
import { KubeConfig, type V1Secret } from '@kubernetes/client-node'
import { setTimeout as sleep } from 'node:timers/promises'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SharedConnections } from '../../src/kube/requests.js'
import { Ownership } from '../../src/sync/ownership.js'
import { toDesiredSecret } from '../../src/sync/plan.js'
import { SecretsClient } from '../../src/kube/secrets-client.js'
import { selectSecrets } from '../../src/sync/selection.js'
import { pruneSecrets, syncSecrets, SyncStopped } from '../../src/sync/sync.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'

const NS = 'dagster-prd'
const PREFIX = 'DAGSTER_SECRET'
const ownership = new Ownership(PREFIX, 'acme/dagster-infra')

let kube: KubeDouble
beforeEach(async () => {
  kube = await startKubeDouble()
})
afterEach(() => kube.close())

const inFlight = (method: string) => kube.requests.filter(r => r.method === method && r.status === 0)

/** Waits (without a clock) until the double holds `count` unanswered requests of `method`. */
async function untilInFlight(method: string, count: number): Promise<void> {
  while (inFlight(method).length < count) await sleep(1)
}

/**
 * The client the action uses, except that one write fails with a TypeError once the other writes of its batch
 * are on the wire: what a bug in building a request, or a library throwing unplanned, looks like from sync.ts.
 */
class FaultyClient extends SecretsClient {
  constructor(
    private readonly faultyName: string,
    private readonly othersInFlight: number
  ) {
    const kubeConfig = new KubeConfig()
    kubeConfig.loadFromFile(kube.writeKubeconfig())
    super(kubeConfig, {
      connections: new SharedConnections(),
      namespace: NS,
      dryRun: false,
      requestTimeoutMs: 30_000,
      deadline: AbortSignal.timeout(60_000),
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 }
    })
  }
  override async create(body: V1Secret): Promise<V1Secret> {
    if (body.metadata?.name !== this.faultyName) return super.create(body)
    await untilInFlight('POST', this.othersInFlight)
    throw new TypeError("Cannot read properties of undefined (reading 'metadata')")
  }
  override async delete(name: string, resourceVersion: string): Promise<void> {
    if (name !== this.faultyName) return super.delete(name, resourceVersion)
    await untilInFlight('DELETE', this.othersInFlight)
    throw new TypeError('unexpected')
  }
}

describe('an unexpected error in one write', () => {
  it('starts nothing new, lets the running writes finish, and reports every secret', async () => {
    // Writes are slow, so the two other writes of the first batch are still running when the third one fails.
    kube.inject({ match: r => r.method === 'POST', times: 100, kind: 'latency', ms: 300 })
    const secrets = Object.fromEntries(
      ['A', 'B', 'C', 'D', 'E', 'F'].map(n => [`${PREFIX}_${n}`, `value-${n}`])
    )
    const desired = selectSecrets(secrets, PREFIX).selected.map(secret =>
      toDesiredSecret(secret, ownership, { labels: {}, annotations: {} })
    )
    const client = new FaultyClient('dagster-secret-b', 2)

    const thrown = await syncSecrets(client, desired, {
      ownership,
      findUnclaimed: false,
      onConflict: 'fail',
      concurrency: 3
    }).catch((error: unknown) => error)

    // At the moment the error reaches the caller (which marks the step failed), no write is on the wire.
    expect(inFlight('POST')).toEqual([])
    expect(thrown).toBeInstanceOf(SyncStopped)
    const { results, cause, message } = thrown as SyncStopped
    expect(cause).toBeInstanceOf(TypeError)
    expect(message).toBe("Cannot read properties of undefined (reading 'metadata')")
    expect(results.map(r => [r.secretName, r.state, r.detail])).toEqual([
      ['dagster-secret-a', 'created', undefined],
      [
        'dagster-secret-b',
        'failed',
        'an unexpected error stopped the run while this one was being written; the step error says which'
      ],
      ['dagster-secret-c', 'created', undefined],
      ['dagster-secret-d', 'failed', 'not attempted: the run stopped after an unexpected error'],
      ['dagster-secret-e', 'failed', 'not attempted: the run stopped after an unexpected error'],
      ['dagster-secret-f', 'failed', 'not attempted: the run stopped after an unexpected error']
    ])
    // Exactly the writes reported as done reached the server; the queued ones were never sent.
    expect(kube.writes().map(w => w.method)).toEqual(['POST', 'POST'])
    expect(
      kube
        .listSecrets(NS)
        .map(s => s.metadata.name)
        .sort()
    ).toEqual(['dagster-secret-a', 'dagster-secret-c'])
  })

  it('stops on something thrown that is not an Error, naming it', async () => {
    const secrets = { [`${PREFIX}_A`]: 'value-a' }
    const desired = selectSecrets(secrets, PREFIX).selected.map(secret =>
      toDesiredSecret(secret, ownership, { labels: {}, annotations: {} })
    )
    const client = new FaultyClient('none', 0)
    client.create = () => Promise.reject('a string, not an Error')
    const thrown = await syncSecrets(client, desired, {
      ownership,
      findUnclaimed: false,
      onConflict: 'fail',
      concurrency: 1
    }).catch((error: unknown) => error)
    expect(thrown).toBeInstanceOf(SyncStopped)
    expect((thrown as SyncStopped).name).toBe('SyncStopped')
    expect((thrown as SyncStopped).message).toBe('a string, not an Error')
    expect((thrown as SyncStopped).cause).toBe('a string, not an Error')
  })

  it('stops a prune the same way', async () => {
    for (const n of ['a', 'b', 'c', 'd']) {
      kube.seedSecret(NS, {
        metadata: {
          name: `dagster-secret-${n}`,
          labels: ownership.labels,
          annotations: ownership.annotations
        },
        data: {}
      })
    }
    kube.inject({ match: r => r.method === 'DELETE', times: 100, kind: 'latency', ms: 300 })
    const client = new FaultyClient('dagster-secret-a', 1)
    const orphans = await client.list(ownership.selector)

    const thrown = await pruneSecrets(client, orphans, { ownership, concurrency: 2 }).catch(
      (error: unknown) => error
    )

    expect(inFlight('DELETE')).toEqual([])
    expect(thrown).toBeInstanceOf(SyncStopped)
    expect((thrown as SyncStopped).results.map(r => [r.secretName, r.state, r.detail])).toEqual([
      [
        'dagster-secret-a',
        'failed',
        'not deleted: an unexpected error stopped the run while this one was being written; the step error says which'
      ],
      ['dagster-secret-b', 'deleted', undefined],
      ['dagster-secret-c', 'failed', 'not deleted: not attempted: the run stopped after an unexpected error'],
      ['dagster-secret-d', 'failed', 'not deleted: not attempted: the run stopped after an unexpected error']
    ])
    expect(kube.listSecrets(NS).map(s => s.metadata.name)).toEqual([
      'dagster-secret-a',
      'dagster-secret-c',
      'dagster-secret-d'
    ])
  })
})
