// `npm run local`: the action from src/ runs through @github/local-action, and the script prints the job
// summary and the outputs, and exits with the action's exit code. With `--double`, the inputs of the env file
// run against the Kubernetes test double in place of the cluster they name: bad inputs can be tried without one.
import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'dotenv'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readLocalActionLog } from '../../scripts/local-action-log.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'

const root = fileURLToPath(new URL('../../', import.meta.url))

/**
 * Runs the script as a newcomer would; asynchronous, so a double served from this process keeps answering. It
 * runs in `cwd`, an empty folder unless given, so that a developer's own `.env` plays no part.
 */
function localRun(
  args: string[],
  env: Record<string, string> = {},
  cwd = mkdtempSync(join(tmpdir(), 'local-run-cwd-'))
): Promise<{ code: number; output: string }> {
  return new Promise(resolve => {
    execFile(
      join(root, 'node_modules/.bin/tsx'),
      [join(root, 'scripts/local-run.ts'), ...args],
      { cwd, timeout: 120_000, env: { ...process.env, ...env } },
      (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr })
    )
  })
}

const sampleValues = Object.values(
  JSON.parse(parse(readFileSync(join(root, '.env.example'), 'utf8')).INPUT_SECRETS ?? '{}') as Record<
    string,
    string
  >
)
const dir = mkdtempSync(join(tmpdir(), 'local-run-test-'))

/** An env file as a developer would write it (values from .env.example, with changes). */
function envFile(name: string, changes: Record<string, string>): string {
  const values = { ...parse(readFileSync(join(root, '.env.example'), 'utf8')), ...changes }
  const path = join(dir, name)
  writeFileSync(
    path,
    Object.entries(values)
      .map(([key, value]) => `${key}='${value}'`)
      .join('\n')
  )
  return path
}

describe('npm run local', () => {
  it('with no .env syncs the .env.example samples into the double and shows only the summary and outputs', async () => {
    const { code, output } = await localRun([])
    expect(code, output).toBe(0)
    expect(output).toContain(
      'No .env here, so this run uses the values of .env.example against the Kubernetes test double'
    )
    expect(output).toContain('## ✅ gke-secrets-sync: synced 3 changes')
    expect(output).toContain('| `dagster-secret-slack-bot-oauth-token` | created |')
    expect(output).toContain('2 input secrets without the prefix were ignored.')
    expect(output).toContain('dagster-secret-warehouse-password: keys DAGSTER_SECRET_WAREHOUSE_PASSWORD')
    expect(output).toContain(
      'created: ["dagster-secret-gcs-hmac-secret","dagster-secret-slack-bot-oauth-token","dagster-secret-warehouse-password"]'
    )
    expect(output).toContain('env_secrets:\n  - name: dagster-secret-gcs-hmac-secret\n')
    // Short: none of local-action's banners, metadata tables or workflow commands.
    expect(output).not.toMatch(/Action Metadata|Configuration|::set-output|::info::|┌/)
    expect(output.split('\n').length).toBeLessThan(60)
    for (const value of sampleValues) expect(output).not.toContain(value)
  }, 150_000)

  it('exits 1 with the failure message when the action fails', async () => {
    const env = envFile('missing-kubeconfig.env', { INPUT_KUBECONFIG: join(dir, 'no-such-kubeconfig') })
    // Its own temporary folder, to see that the script leaves nothing behind there.
    const temp = join(dir, 'tmp')
    mkdirSync(temp)
    const { code, output } = await localRun(['--env-file', env], { TMPDIR: temp })
    expect(code, output).toBe(1)
    expect(output).toContain('===== The action failed =====')
    expect(output).toContain(
      `gke-secrets-sync: Could not read the kubeconfig ${join(dir, 'no-such-kubeconfig')}`
    )
  }, 150_000)

  it('a --env-file that does not exist is an error, not a reason to use another file', async () => {
    const missing = join(dir, 'no-such.env')
    const { code, output } = await localRun(['--double', '--env-file', missing])
    expect(code).not.toBe(0)
    // tsx hands `--env-file` to Node as well, which refuses a missing file before the script starts
    // ("node: FILE: not found", exit 9); typed without `--`, npm keeps the flag and the script says so itself.
    expect(output).toMatch(new RegExp(`${missing}(: not found| does not exist \\(--env-file\\))`))
    expect(output).not.toContain('.env.example against')
  }, 150_000)

  describe('--double with an env file: its inputs, the double for the cluster', () => {
    // Cluster inputs the double replaces: a kubeconfig that does not exist and a GKE cluster, which together would
    // even be refused as an input error.
    const elsewhere = {
      INPUT_KUBECONFIG: '/nonexistent/kubeconfig',
      INPUT_CLUSTER_NAME: 'dagster',
      INPUT_LOCATION: 'europe-west4',
      INPUT_PROJECT_ID: 'my-project'
    }

    it('takes every other input from the file: its secrets and its dry run', async () => {
      const env = envFile('mine.env', {
        ...elsewhere,
        INPUT_DRY_RUN: 'true',
        INPUT_SECRETS: JSON.stringify({ DAGSTER_SECRET_ONE: 'one-value-not-shown' })
      })
      const { code, output } = await localRun(['--double', '--env-file', env])
      expect(code, output).toBe(0)
      expect(output).toContain(
        `Running the action with the inputs in ${env}, against the Kubernetes test double`
      )
      expect(output).not.toContain('.env.example')
      expect(output).toContain('## 🧪 gke-secrets-sync: dry run, 1 change would be made')
      expect(output).toContain('| `DAGSTER_SECRET_ONE` | `dagster-secret-one` | would create |')
      // A dry run stores nothing, in the double as in a cluster.
      expect(output).toMatch(/Secrets now in namespace dagster-prd of the double .*\n\n\(none\)/)
      expect(output).not.toContain('one-value-not-shown')
    }, 150_000)

    it.each<[string, Record<string, string>, string, string]>([
      [
        'a bad input',
        { INPUT_ON_CONFLICT: 'overwrite' },
        '## ❌ gke-secrets-sync: an input is invalid',
        'gke-secrets-sync: Input `on_conflict` is "overwrite"; use fail, skip or adopt.'
      ],
      [
        'prune with no secret of the prefix',
        { INPUT_PRUNE: 'true', INPUT_SECRETS: '{"github_token":"ghs_sample"}' },
        '## ❌ gke-secrets-sync: prune refused, no secret of the prefix was given',
        'gke-secrets-sync: prune is on, but no input secret starts with DAGSTER_SECRET_'
      ],
      [
        'a namespace the cluster does not have',
        { INPUT_NAMESPACE: 'dagster-stg', INPUT_DRY_RUN: 'false' },
        '## ❌ gke-secrets-sync: nothing synced, namespace `dagster-stg` does not exist',
        'gke-secrets-sync: 3 Secrets could not be synced to namespace dagster-stg: 404 NotFound: namespaces "dagster-stg" not found'
      ]
    ])(
      'tries %s without a cluster: the summary and the failure',
      async (_, changes, heading, failure) => {
        const env = envFile('bad.env', { ...elsewhere, ...changes })
        const { code, output } = await localRun(['--double', '--env-file', env])
        expect(code, output).toBe(1)
        expect(output).toContain(`${heading}\n`)
        expect(output).toContain(`===== The action failed =====\n\n${failure}`)
        for (const value of sampleValues) expect(output).not.toContain(value)
      },
      150_000
    )

    it('works as typed without `--`: npm run local --double --env-file FILE', async () => {
      const env = envFile('npm.env', {
        ...elsewhere,
        INPUT_DRY_RUN: 'false',
        INPUT_SECRETS: JSON.stringify({ DAGSTER_SECRET_TWO: 'two-value-not-shown' })
      })
      const { code, output } = await new Promise<{ code: number; output: string }>(resolve => {
        execFile(
          'npm',
          ['run', 'local', '--double', '--env-file', env],
          { cwd: root, timeout: 120_000 },
          (error, stdout, stderr) =>
            resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr })
        )
      })
      expect(code, output).toBe(0)
      expect(output).toContain(
        `Running the action with the inputs in ${env}, against the Kubernetes test double`
      )
      expect(output).toContain('## ✅ gke-secrets-sync: synced 1 change')
      expect(output).toContain('dagster-secret-two: keys DAGSTER_SECRET_TWO')
      expect(output).not.toContain('two-value-not-shown')
    }, 150_000)
  })

  describe('with a kubeconfig under ~', () => {
    let kube: KubeDouble
    const home = join(dir, 'home')
    beforeAll(async () => {
      kube = await startKubeDouble()
      mkdirSync(join(home, '.kube'), { recursive: true })
      kube.writeKubeconfig({ path: join(home, '.kube', 'config') })
    })
    afterAll(() => kube.close())

    it('expands ~ in INPUT_KUBECONFIG, and --verbose shows the whole local-action output', async () => {
      const env = envFile('home.env', {
        INPUT_KUBECONFIG: '~/.kube/config',
        INPUT_DRY_RUN: 'false',
        INPUT_SECRETS: JSON.stringify({ DAGSTER_SECRET_ONE: 'one-value-not-shown' })
      })
      const { code, output } = await localRun(['--env-file', env, '--verbose'], { HOME: home })
      expect(code, output).toBe(0)
      expect(output).toContain('Action Metadata')
      expect(output).toContain('## ✅ gke-secrets-sync: synced 1 change')
      expect(kube.listSecrets('dagster-prd').map(secret => secret.metadata.name)).toEqual([
        'dagster-secret-one'
      ])
      expect(output).not.toContain('one-value-not-shown')
    }, 150_000)
  })
})

describe('with secrets too large for one environment variable', () => {
  let kube: KubeDouble
  beforeAll(async () => {
    kube = await startKubeDouble()
  })
  afterAll(() => kube.close())

  it('passes them as secrets_file (a 0600 file, removed afterwards) instead of dying with E2BIG', async () => {
    // 200 secrets of 1 KiB: about 205 KiB of JSON, over the 128 KiB Linux allows one environment string.
    const secrets = Object.fromEntries(
      Array.from({ length: 200 }, (_, i) => {
        const tag = `local-large-canary-${String(i).padStart(3, '0')}-`
        return [`DAGSTER_SECRET_K${String(i).padStart(3, '0')}`, tag + 'v'.repeat(1024 - tag.length)]
      })
    )
    const env = envFile('large.env', {
      INPUT_KUBECONFIG: kube.writeKubeconfig(),
      INPUT_CLUSTER_NAME: '',
      INPUT_DRY_RUN: 'false',
      INPUT_SECRETS: JSON.stringify(secrets)
    })
    // Its own temporary folder, to see that the script leaves nothing behind there.
    const temp = join(dir, 'tmp-large')
    mkdirSync(temp)
    const { code, output } = await localRun(['--env-file', env], { TMPDIR: temp })

    expect(code, output.slice(-3000)).toBe(0)
    expect(output).toMatch(
      /INPUT_SECRETS holds 20\d KiB, more than one environment variable should: it goes to the action as secrets_file/
    )
    expect(output).not.toContain('E2BIG')
    expect(output).toContain('## ✅ gke-secrets-sync: synced 200 changes')
    expect(kube.listSecrets('dagster-prd')).toHaveLength(200)
    expect(output).not.toContain('local-large-canary')
    // The folder that held the env file and the secrets file is gone.
    expect(readdirSync(temp).filter(name => name.startsWith('gke-secrets-sync-local-'))).toEqual([])
  }, 150_000)
})

describe('readLocalActionLog', () => {
  it.each<[string, string, ReturnType<typeof readLocalActionLog>]>([
    [
      'outputs, one of several lines',
      '::set-output name=created::["a"]\n::set-output name=env_secrets::- name: a\n- name: b\n\n::set-output name=changed::true\n\n' +
        '='.repeat(80),
      { outputs: { created: '["a"]', env_secrets: '- name: a\n- name: b', changed: 'true' } }
    ],
    [
      'a failure of several lines, ended by the next banner',
      '::error::failed: dagster-secret-f (403)\n::error::gke-secrets-sync: 1 of 1 Secrets could not be synced\n- dagster-secret-f: 403\n\n' +
        '='.repeat(80) +
        '\n   Action Outputs',
      {
        outputs: {},
        failure: 'gke-secrets-sync: 1 of 1 Secrets could not be synced\n- dagster-secret-f: 403'
      }
    ],
    ['an error line for one secret only: not a failed step', '::error::failed: x (403)\n', { outputs: {} }],
    [
      'colours',
      '\u001b[31m::error::gke-secrets-sync: boom\u001b[39m\n',
      { outputs: {}, failure: 'gke-secrets-sync: boom' }
    ]
  ])('reads %s', (_, log, run) => {
    expect(readLocalActionLog(log)).toEqual(run)
  })
})
