// End to end: secret sets too large for one input. The runner passes each input as one environment variable and
// Linux refuses to start a process with one over 128 KiB, so `secrets_file` names a file holding the same JSON.
// The bundled action against the Kubernetes double; every run is scanned for every value (run-action.ts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { findLeaks, runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')

let kube: KubeDouble
let kubeconfig: string
let dir: string
beforeEach(async () => {
  kube = await startKubeDouble()
  kubeconfig = kube.writeKubeconfig()
  dir = mkdtempSync(join(tmpdir(), 'large-secrets-'))
})
afterEach(async () => {
  await kube.close()
  rmSync(dir, { recursive: true, force: true })
})

/** `count` secrets of `bytes` each, every value distinct (the leak scan looks for each). */
function manySecrets(count: number, bytes: number): Record<string, string> {
  return Object.fromEntries(
    Array.from({ length: count }, (_, i) => {
      const tag = `large-set-canary-${String(i).padStart(3, '0')}-`
      return [`DAGSTER_SECRET_KEY_${String(i).padStart(3, '0')}`, tag + 'k'.repeat(bytes - tag.length)]
    })
  )
}

/** Writes the JSON as a workflow step would, readable by the runner's user only. */
function secretsFile(content: string, name = 'secrets.json'): string {
  const path = join(dir, name)
  writeFileSync(path, content, { mode: 0o600 })
  return path
}

/** The failure message as the runner shows it: the `::error::` command, its escapes undone. */
function failure(run: ActionRun): string {
  const line = run.stdout.split('\n').find(l => l.startsWith('::error::gke-secrets-sync: '))
  return (line ?? '').slice('::error::'.length).replaceAll('%0A', '\n').replaceAll('%25', '%')
}

describe('secrets_file', () => {
  it('syncs 300 secrets of 1 KiB each (about 320 KiB of JSON, more than one input can hold)', async () => {
    const secrets = manySecrets(300, 1024)
    const json = JSON.stringify(secrets, null, 2)
    expect(Buffer.byteLength(json)).toBeGreaterThan(128 * 1024)
    const run = await runAction({ secrets_file: secretsFile(json), kubeconfig, namespace: NS })

    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0)
    const stored = kube.listSecrets(NS)
    expect(stored).toHaveLength(300)
    for (const secret of stored) {
      const [key, data] = Object.entries(secret.data ?? {})[0] ?? []
      expect(decode(data)).toBe(secrets[key ?? ''])
    }
    expect(JSON.parse(run.outputs.created ?? '[]')).toHaveLength(300)
    expect(run.outputs.failed).toBe('[]')
    // No warning about the size: the file has no limit.
    expect(run.stdout).not.toContain('::warning::')
    // Every value (and its base64) was masked before anything else was printed.
    const lines = run.stdout.split('\n')
    expect(lines.findIndex(line => !line.startsWith('::add-mask::'))).toBeGreaterThanOrEqual(600)
  }, 120_000)

  it('fails one value over the 1 MiB a Secret holds alone, with the reason, and syncs the others', async () => {
    const huge = 'h'.repeat(1024 * 1024 + 1)
    const secrets = { DAGSTER_SECRET_HUGE: huge, DAGSTER_SECRET_SMALL: 'small-value-canary-1' }
    const run = await runAction({
      secrets_file: secretsFile(JSON.stringify(secrets)),
      kubeconfig,
      namespace: NS
    })

    expect(run.exitCode).toBe(1)
    expect(kube.listSecrets(NS).map(secret => secret.metadata.name)).toEqual(['dagster-secret-small'])
    expect(JSON.parse(run.outputs.failed ?? '[]')).toEqual(['dagster-secret-huge'])
    expect(failure(run)).toContain(
      '- dagster-secret-huge (DAGSTER_SECRET_HUGE): its value is 1048577 bytes; a Kubernetes Secret holds at most 1048576 bytes'
    )
    // Nothing was sent for it (the API server would refuse it with a 422): one create, and its Event.
    expect(kube.writes().map(w => w.path)).toEqual([
      `/api/v1/namespaces/${NS}/secrets`,
      `/apis/events.k8s.io/v1/namespaces/${NS}/events`
    ])
  }, 120_000)

  it.each<[string, () => Record<string, string>, string]>([
    [
      'both `secrets` and `secrets_file`',
      () => ({
        secrets: JSON.stringify({ DAGSTER_SECRET_A: 'both-inputs-canary-1' }),
        secrets_file: secretsFile(JSON.stringify({ DAGSTER_SECRET_A: 'both-inputs-canary-2' }))
      }),
      'Set either `secrets` or `secrets_file`, not both: `secrets_file` names a file holding the same JSON, for secret sets too large for `secrets`.'
    ],
    [
      'neither',
      () => ({}),
      'Input `secrets` is required (or `secrets_file`). Pass `secrets: ${{ toJSON(secrets) }}`, or, for secret sets over 128 KiB, write that JSON to a file and pass its path as `secrets_file`.'
    ],
    [
      'a file that does not exist',
      () => ({ secrets_file: join(dir, 'not-written.json') }),
      'Could not read `secrets_file` DIR/not-written.json: there is no such file (write it in an earlier step of the same job).'
    ],
    [
      'a file that is not JSON',
      () => ({ secrets_file: secretsFile('{"DAGSTER_SECRET_A": "bad-json-file-canary"') }),
      'The file `secrets_file` names (DIR/secrets.json) is not valid JSON. Write `${{ toJSON(secrets) }}` into it (a JSON object of name to value).'
    ],
    [
      'a file of values that are not strings',
      () => ({ secrets_file: secretsFile('{"DAGSTER_SECRET_A": {"nested": "nested-file-canary"}}') }),
      'The file `secrets_file` names (DIR/secrets.json) must map names to strings; these are not strings: DAGSTER_SECRET_A.'
    ]
  ])('%s: fails before any request, naming the inputs, never echoing a value', async (_, given, message) => {
    const run = await runAction({ kubeconfig, namespace: NS, ...given() })

    expect(run.exitCode).toBe(1)
    expect(failure(run)).toBe(`gke-secrets-sync: ${message.replaceAll('DIR', dir)}`)
    expect(findLeaks(run, ['canary'])).toEqual([])
    expect(kube.requests).toHaveLength(0)
  })
})

describe('a `secrets` input near the limit', () => {
  it('over 96 KiB: syncs, and a warning says what happens past 128 KiB and points to secrets_file', async () => {
    const secrets = manySecrets(100, 1000)
    const json = JSON.stringify(secrets)
    expect(Buffer.byteLength(json)).toBeGreaterThan(96 * 1024)
    expect(Buffer.byteLength(json)).toBeLessThan(128 * 1024)
    const run = await runAction({ secrets: json, kubeconfig, namespace: NS })

    expect(run.exitCode, run.stdout.slice(-2000)).toBe(0)
    expect(kube.listSecrets(NS)).toHaveLength(100)
    const warnings = run.stdout.split('\n').filter(line => line.startsWith('::warning::'))
    expect(warnings).toEqual([
      '::warning::Input `secrets` holds 100 KiB. The runner passes each input as one environment variable, and Linux refuses to start a process with one over 128 KiB: once the secrets this job sees grow past that, this step fails with "Argument list too long" before the action starts. Write `${{ toJSON(secrets) }}` to a file in an earlier step and pass its path as `secrets_file` instead.'
    ])
  }, 120_000)

  it('under 96 KiB: no warning', async () => {
    const run = await runAction({ secrets: JSON.stringify(manySecrets(3, 100)), kubeconfig, namespace: NS })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).not.toContain('::warning::')
  })
})
