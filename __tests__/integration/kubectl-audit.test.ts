// The audit trail against real kubectl (1.20 and a current one, see kubectl-clients.ts): the changes people make by
// hand with `kubectl edit` (KUBE_EDITOR doing the edit), `kubectl patch`, client-side and server-side `kubectl apply`
// land in the double's managedFields under kubectl's own field managers, the sync finds each as drift with that
// manager, operation and time and writes GitHub's value back; `kubectl describe secret` shows the provenance
// annotations, and `kubectl get events --field-selector` (and, since 1.26, `kubectl events --for secret/NAME`) list
// the Events the action recorded.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { recordEvents } from '../../src/kube/events-client.js'
import { SharedConnections } from '../../src/kube/requests.js'
import { SecretsClient } from '../../src/kube/secrets-client.js'
import { secretEvents } from '../../src/sync/events.js'
import { Ownership } from '../../src/sync/ownership.js'
import { toDesiredSecret } from '../../src/sync/plan.js'
import { selectSecrets } from '../../src/sync/selection.js'
import { syncSecrets, type SecretResult } from '../../src/sync/sync.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { kubectlClients, runKubectl, type Run } from './kubectl-clients.js'

const ns = 'dagster-prd'
const key = 'DAGSTER_SECRET_SLACK_TOKEN'
const name = 'dagster-secret-slack-token'
const fromGithub = 'xoxb-from-github-audit'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const ownership = new Ownership('DAGSTER_SECRET', 'acme/dagster-infra')
const run = {
  repository: 'acme/dagster-infra',
  runUrl: 'https://github.com/acme/dagster-infra/actions/runs/4242/attempts/1',
  runId: '4242',
  runAttempt: '1',
  commit: '0123456789abcdef0123456789abcdef01234567',
  actor: 'octocat'
}

describe.each(kubectlClients.map(c => [c.title, c] as const))('%s', (_, client) => {
  const { kubectl } = client
  let double: KubeDouble
  let kubeconfig: string
  let home: string
  let secrets: SecretsClient
  /** Every result of the action's runs, for the Events at the end. */
  const results: SecretResult[] = []

  const kubectlRun = (args: string[], env: Record<string, string> = {}): Promise<Run> => {
    if (!kubectl) throw new Error('unreachable: the suite is skipped without kubectl')
    return runKubectl(kubectl, ['--kubeconfig', kubeconfig, ...args], home, env)
  }
  const manifestFile = (value: string): string => {
    const file = join(home, `secret-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name, namespace: ns },
        type: 'Opaque',
        data: { [key]: b64(value) }
      })
    )
    return file
  }
  const sync = async (): Promise<SecretResult> => {
    const desired = selectSecrets({ [key]: fromGithub }, 'DAGSTER_SECRET').selected.map(s =>
      toDesiredSecret(s, ownership, { labels: {}, annotations: {} })
    )
    const outcome = await syncSecrets(secrets, desired, {
      ownership,
      onConflict: 'fail',
      concurrency: 1,
      findUnclaimed: false,
      provenance: run
    })
    results.push(...outcome.results)
    return outcome.results[0] as SecretResult
  }
  /** The managers that own a key of the Secret's data, with their operation and time. */
  const dataOwners = (): { manager?: string; operation?: string; time?: string }[] =>
    (double.getSecret(ns, name)?.metadata.managedFields ?? [])
      .filter(e => Object.keys(e.fieldsV1['f:data'] ?? {}).some(k => k.startsWith('f:')))
      .map(({ manager, operation, time }) => ({ manager, operation, time }))

  beforeAll(async () => {
    if (!kubectl) return
    double = await startKubeDouble()
    home = mkdtempSync(join(tmpdir(), 'kubectl-home-'))
    kubeconfig = double.writeKubeconfig({ namespace: ns })
    secrets = new SecretsClient(kubeConfigFor(double), {
      connections: new SharedConnections(),
      namespace: ns,
      dryRun: false,
      requestTimeoutMs: 10_000,
      deadline: AbortSignal.timeout(300_000),
      retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 }
    })
    expect((await sync()).state).toBe('created')
  })

  afterAll(async () => {
    await double?.close()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  describe.skipIf(!kubectl)('changes by hand', () => {
    it.each([
      [
        'kubectl edit',
        (value: string) =>
          kubectlRun(['edit', 'secret', name], { KUBE_EDITOR: `sed -i s:${b64(fromGithub)}:${b64(value)}:` }),
        'kubectl-edit',
        'Update',
        `secret/${name} edited`
      ],
      [
        'kubectl patch',
        (value: string) =>
          kubectlRun(['patch', 'secret', name, '-p', JSON.stringify({ data: { [key]: b64(value) } })]),
        'kubectl-patch',
        'Update',
        `secret/${name} patched`
      ],
      [
        'kubectl apply (client-side)',
        (value: string) => kubectlRun(['apply', '-f', manifestFile(value)]),
        'kubectl-client-side-apply',
        'Update',
        `secret/${name} configured`
      ],
      [
        'kubectl apply --server-side',
        (value: string) =>
          kubectlRun(['apply', '--server-side', '--force-conflicts', '-f', manifestFile(value)]),
        'kubectl',
        'Apply',
        `secret/${name} serverside-applied`
      ]
    ] as const)(
      'by %s: recorded under its manager, found as drift with manager, operation and time, and restored',
      async (_how, change, manager, operation, said) => {
        const hand = `hand-${manager}-value`
        const r = await change(hand)
        expect(r.code, r.stderr).toBe(0)
        expect(r.stdout).toContain(said)
        expect(double.getSecret(ns, name)?.data?.[key]).toBe(b64(hand))
        // The hand's manager now owns the data key, and this action no longer does.
        const owners = dataOwners()
        expect(owners.map(o => o.manager)).toEqual([manager])
        expect(owners[0]).toMatchObject({
          operation,
          time: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
        })

        const restored = await sync()
        expect(restored).toMatchObject({
          state: 'updated',
          drift: { manager, operation, time: owners[0]?.time },
          written: { valueChanged: true }
        })
        expect(double.getSecret(ns, name)?.data?.[key]).toBe(b64(fromGithub))
        expect(dataOwners().map(o => o.manager)).toEqual(['gke-secrets-sync'])
        // Nothing is left to restore.
        expect((await sync()).state).toBe('unchanged')
      }
    )

    it('describe shows the provenance annotations of the last write (and no Events: describe of a Secret has none)', async () => {
      const r = await kubectlRun(['describe', 'secret', name])
      expect(r.code, r.stderr).toBe(0)
      expect(r.stdout).toMatch(/^Annotations: +gke-secrets-sync\/actor: octocat$/m)
      for (const line of [
        'gke-secrets-sync/commit: 0123456789abcdef0123456789abcdef01234567',
        'gke-secrets-sync/owner: acme/dagster-infra',
        'gke-secrets-sync/repository: acme/dagster-infra',
        `gke-secrets-sync/run-url: ${run.runUrl}`
      ]) {
        expect(r.stdout).toMatch(new RegExp(`^ +${line.replaceAll('/', '\\/').replaceAll('.', '\\.')}$`, 'm'))
      }
      expect(r.stdout).toMatch(/^ +gke-secrets-sync\/written-at: \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/m)
      expect(r.stdout).not.toContain('Events:')
      expect(r.stdout).not.toContain(b64(fromGithub))
    })

    it('auth can-i says the identity may create events.k8s.io Events', async () => {
      const r = await kubectlRun(['auth', 'can-i', 'create', 'events.events.k8s.io'])
      expect(r).toMatchObject({ code: 0, stdout: 'yes\n' })
    })
  })

  describe.skipIf(!kubectl)('the Events', () => {
    beforeAll(async () => {
      if (!kubectl) return
      const outcome = await recordEvents(
        kubeConfigFor(double),
        secretEvents(results, { namespace: ns, run }),
        {
          connections: new SharedConnections(),
          namespace: ns,
          concurrency: 4,
          requestTimeoutMs: 10_000,
          deadline: AbortSignal.timeout(30_000),
          retry: { retries: 0, minDelayMs: 1, maxDelayMs: 1 }
        }
      )
      expect(outcome).toEqual({ planned: 5, recorded: 5 })
    })

    const created = `Created from the GitHub secret ${key}. By gke-secrets-sync in acme/dagster-infra, run ${run.runUrl}, actor octocat, commit ${run.commit}.`
    const columns = (stdout: string): string[][] =>
      stdout
        .trimEnd()
        .split('\n')
        .map(line => line.split(/ {3,}/))

    it('kubectl get events --field-selector lists them (every version: the server prints the table)', async () => {
      const r = await kubectlRun([
        'get',
        'events',
        '--field-selector',
        `involvedObject.kind=Secret,involvedObject.name=${name}`
      ])
      expect(r.code, r.stderr).toBe(0)
      const [header, ...rows] = columns(r.stdout)
      expect(header).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'])
      expect(rows.map(row => row.slice(1, 4)).sort()).toEqual([
        ['Normal', 'SecretCreated', `secret/${name}`],
        ...Array.from({ length: 4 }, () => ['Warning', 'DriftRestored', `secret/${name}`])
      ])
      expect(rows.map(row => row[4])).toContain(created)
      expect(r.stdout).not.toContain(fromGithub)
    })

    // `kubectl events` came with 1.26; 1.20 has only `kubectl get events`.
    if (client.current) {
      it('kubectl events --for secret/NAME lists them oldest first, with who and which run', async () => {
        const r = await kubectlRun(['events', '--for', `secret/${name}`])
        expect(r.code, r.stderr).toBe(0)
        const [header, ...rows] = columns(r.stdout)
        expect(header).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'])
        expect(rows.map(row => row.slice(1, 4))).toEqual([
          ['Normal', 'SecretCreated', `Secret/${name}`],
          ...Array.from({ length: 4 }, () => ['Warning', 'DriftRestored', `Secret/${name}`])
        ])
        expect(rows[0]?.[4]).toBe(created)
        expect(rows[1]?.[4]).toContain(
          'the value had been changed in the cluster by kubectl-edit (Update at '
        )
        expect(r.stdout).not.toContain(fromGithub)
        expect(
          double.requests
            .findLast(q => q.path === `/api/v1/namespaces/${ns}/events`)
            ?.query.get('fieldSelector')
        ).toBe(`involvedObject.kind=Secret,involvedObject.apiVersion=v1,involvedObject.name=${name}`)
      })

      it('kubectl events --for a Secret without Events says so', async () => {
        const r = await kubectlRun(['events', '--for', 'secret/nothing-here'])
        expect(r).toMatchObject({ code: 0, stderr: `No events found in ${ns} namespace.\n` })
      })
    }
  })
})
