// run() after an unexpected error stopped the sync (sync.ts SyncStopped): the report and outputs still account
// for every secret, and only then is the step marked failed, with the error. @actions/core is mocked (a unit test
// of run()); the sync is replaced by one that stops, since what happens inside it is tested in
// __tests__/integration/sync-stop.test.ts against the real client and double.
import { beforeEach, describe, expect, it, vi } from 'vitest'

const calls: string[] = []
const outputs: Record<string, string> = {}
const inputs: Record<string, string> = {}

vi.mock('@actions/core', () => ({
  getInput: (name: string) => inputs[name] ?? '',
  setSecret: () => undefined,
  info: () => undefined,
  warning: () => undefined,
  error: (line: string) => calls.push(`error ${line}`),
  setOutput: (name: string, value: string) => {
    calls.push(`output ${name}`)
    outputs[name] = value
  },
  setFailed: (message: string) => calls.push(`failed ${message}`),
  summary: { addRaw: () => ({ write: async () => undefined }) }
}))

vi.mock('../../src/kube/cluster-connection.js', async () => {
  const { KubeConfig } = await import('@kubernetes/client-node')
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromClusterAndUser(
    { name: 'c', server: 'https://127.0.0.1:1', skipTLSVerify: false },
    { name: 'u' }
  )
  const connection = {
    kubeConfig,
    server: 'https://127.0.0.1:1',
    target: { kind: 'kubeconfig', context: 'c' },
    description: 'test'
  }
  return { connectWithKubeconfig: () => connection, withProxy: (c: unknown) => c }
})

vi.mock('../../src/sync/sync.js', async importOriginal => {
  const actual = await importOriginal<typeof import('../../src/sync/sync.js')>()
  return {
    ...actual,
    syncSecrets: async () => {
      throw new actual.SyncStopped(
        [
          { githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', state: 'created' },
          {
            githubName: 'DAGSTER_SECRET_B',
            secretName: 'dagster-secret-b',
            state: 'failed',
            detail: 'stopped here'
          },
          {
            githubName: 'DAGSTER_SECRET_C',
            secretName: 'dagster-secret-c',
            state: 'failed',
            detail: 'not attempted'
          }
        ],
        new TypeError('boom')
      )
    }
  }
})

const { run } = await import('../../src/main.js')

beforeEach(() => {
  calls.length = 0
  Object.assign(inputs, {
    secrets: JSON.stringify({
      DAGSTER_SECRET_A: 'value-a',
      DAGSTER_SECRET_B: 'value-b',
      DAGSTER_SECRET_C: 'value-c'
    }),
    kubeconfig: '/unused',
    owner: 'acme/dagster-infra'
  })
})

describe('run() after SyncStopped', () => {
  it('reports every secret, then fails with the unexpected error', async () => {
    await run()
    expect(JSON.parse(outputs.created as string)).toEqual(['dagster-secret-a'])
    expect(JSON.parse(outputs.failed as string)).toEqual(['dagster-secret-b', 'dagster-secret-c'])
    const failed = calls.filter(call => call.startsWith('failed '))
    expect(failed).toEqual(['failed gke-secrets-sync: the sync stopped after an unexpected error: boom'])
    expect(calls.indexOf(failed[0] as string)).toBe(calls.length - 1)
    expect(calls.filter(call => call.startsWith('output ')).length).toBeGreaterThan(0)
  })
})
