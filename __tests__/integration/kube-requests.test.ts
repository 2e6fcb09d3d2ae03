// sendWithRetries (src/kube/requests.ts) driven through the real @kubernetes/client-node against the Kubernetes
// double over HTTPS: when it waits for Retry-After, and when it gives up.
import { CoreV1Api } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { KubeApiError } from '../../src/sync/kube-api-error.js'
import { sendWithRetries, type RequestPolicy } from '../../src/kube/requests.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'

const NS = 'dagster-prd'
let kube: KubeDouble
let api: CoreV1Api

beforeEach(async () => {
  kube = await startKubeDouble({ users: { 'test-token': 'ci' }, namespaces: [NS] })
  api = kubeConfigFor(kube).makeApiClient(CoreV1Api)
})
afterEach(() => kube.close())

const policy = (retries: number): RequestPolicy => ({
  requestTimeoutMs: 10_000,
  // Far beyond the test's own timeout: the call must end on its own, not on the deadline.
  deadline: AbortSignal.timeout(600_000),
  retry: { retries, minDelayMs: 1, maxDelayMs: 10 }
})

describe('Retry-After', () => {
  it.each([
    ['plain-text 429 of API Priority and Fairness', 'plain429' as const],
    ['Status 429 with retryAfterSeconds', 'status' as const]
  ])('%s on the last attempt: the 429 is reported at once, with no wait for Retry-After', async (_, kind) => {
    // An hour: a wait after the last attempt would hold the call far past the test timeout.
    kube.inject({ kind, code: 429, retryAfter: 3600 })
    // No retries: the first attempt is the last.
    const listing = sendWithRetries(policy(0), options =>
      api.listNamespacedSecret({ namespace: NS }, options)
    )

    const error = await listing.catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(KubeApiError)
    expect((error as KubeApiError).status).toBe(429)
    expect((error as KubeApiError).retryAfterSeconds).toBe(3600)
    expect(kube.requests.map(r => r.status)).toEqual([429])
  })

  it('a failure that is not retried (403) is reported at once even with a Retry-After header', async () => {
    kube.inject({ kind: 'status', code: 403, retryAfter: 3600 })
    const error = await sendWithRetries(policy(5), options =>
      api.listNamespacedSecret({ namespace: NS }, options)
    ).catch((failure: unknown) => failure)

    expect((error as KubeApiError).status).toBe(403)
    expect(kube.requests.map(r => r.status)).toEqual([403])
  })
})

describe('a 401 with renewable credentials', () => {
  it('asks for a new token once, naming the refused one, and reports a renewal that fails as the 401', async () => {
    kube.inject({ kind: 'status', code: 401, times: 2 })
    const refused: string[] = []
    const error = await sendWithRetries(
      {
        ...policy(5),
        renewCredentials: async token => {
          refused.push(token)
          throw new Error('Google sign-in did not finish within the time budget')
        }
      },
      options => api.listNamespacedSecret({ namespace: NS }, options)
    ).catch((failure: unknown) => failure)

    expect(refused).toEqual(['test-token'])
    expect(error).toBeInstanceOf(KubeApiError)
    expect((error as KubeApiError).status).toBe(401)
    expect((error as KubeApiError).message).toContain(
      'renewing the token failed: Google sign-in did not finish within the time budget'
    )
    expect(kube.requests.map(r => r.status)).toEqual([401])
  })
})
