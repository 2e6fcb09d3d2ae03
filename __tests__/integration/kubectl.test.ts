// The Kubernetes API double as a real kubectl sees it: Debian's kubectl 1.20 (package kubernetes-client), fetched
// by .ci/fetch-kubectl.sh into .tmp/kubectl. It exercises discovery, server-side printing (Table), create, get,
// server-side apply and delete, and checks kubectl's own output.
import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../doubles/kube-api-server.js'

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const kubectl = process.env.KUBECTL ?? join(repoRoot, '.tmp/kubectl/usr/bin/kubectl')
const ns = 'dagster-prd'
const missingKubectl = `kubectl 1.20 not found at ${kubectl}: run .ci/fetch-kubectl.sh (or set KUBECTL to its path)`

interface Run {
  code: number
  stdout: string
  stderr: string
}

/** Runs kubectl; without the binary every test fails (never skips) with how to get it. */
function runKubectl(args: string[], home: string): Promise<Run> {
  if (!existsSync(kubectl)) return Promise.reject(new Error(missingKubectl))
  return new Promise(resolve => {
    // A private HOME keeps kubectl's discovery cache (~/.kube/cache) out of the user's.
    execFile(kubectl, args, { env: { PATH: process.env.PATH, HOME: home } }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

describe('kubectl 1.20 against the kube API double', () => {
  let double: KubeDouble
  let kubeconfig: string
  let home: string

  const run = (...args: string[]): Promise<Run> => runKubectl(['--kubeconfig', kubeconfig, ...args], home)

  beforeAll(async () => {
    double = await startKubeDouble()
    home = mkdtempSync(join(tmpdir(), 'kubectl-home-'))
    kubeconfig = double.writeKubeconfig({ namespace: ns })
  })

  afterAll(async () => {
    await double?.close()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  it('is the 1.20 client from Debian, not another kubectl', async () => {
    const r = await run('version', '--client', '--short')
    expect(r.stdout).toContain('Client Version: v1.20')
  })

  it('finds no Secrets in an empty namespace', async () => {
    const r = await run('get', 'secrets', '-n', ns)
    expect(r.code).toBe(0)
    expect(r.stderr).toBe(`No resources found in ${ns} namespace.\n`)
    expect(double.requests.some(q => q.path === '/api/v1' && q.status === 200)).toBe(true)
  })

  it('creates a generic Secret from a literal', async () => {
    const r = await run('create', 'secret', 'generic', 'x', '--from-literal=K=v', '-n', ns)
    expect(r).toMatchObject({ code: 0, stdout: 'secret/x created\n' })
    const stored = double.getSecret(ns, 'x')
    expect(stored?.data).toEqual({ K: Buffer.from('v').toString('base64') })
    expect(stored?.metadata.managedFields?.[0]?.manager).toBe('kubectl-create')
    const post = double.writes().at(-1)
    expect(post?.query.get('fieldManager')).toBe('kubectl-create')
    expect(post?.userAgent).toMatch(/^kubectl\/v1\.20/)
  })

  it('lists it with the server-printed columns', async () => {
    const r = await run('get', 'secrets', '-n', ns)
    expect(r.code).toBe(0)
    const [header, row, ...rest] = r.stdout.trimEnd().split('\n')
    expect(header?.split(/\s+/)).toEqual(['NAME', 'TYPE', 'DATA', 'AGE'])
    expect(row?.split(/\s+/).slice(0, 3)).toEqual(['x', 'Opaque', '1'])
    expect(rest).toEqual([])
  })

  it('reads it back as JSON', async () => {
    const r = await run('get', 'secret', 'x', '-n', ns, '-o', 'json')
    expect(r.code).toBe(0)
    const body = JSON.parse(r.stdout) as {
      kind: string
      data: Record<string, string>
      metadata: { uid: string }
    }
    expect(body.kind).toBe('Secret')
    expect(body.data).toEqual({ K: 'dg==' })
    expect(body.metadata.uid).toBe(double.getSecret(ns, 'x')?.metadata.uid)
  })

  it('applies a manifest server-side, and reports a conflict with kubectl-create', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kubectl-apply-'))
    const manifest = join(dir, 'secret.yaml')
    writeFileSync(
      manifest,
      'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n  namespace: dagster-prd\n  labels:\n    app: dagster\ndata:\n  K: Y2hhbmdlZA==\n  L: bGw=\n'
    )
    try {
      const refused = await run('apply', '--server-side', '--validate=false', '-f', manifest)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(
        'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.K'
      )

      const forced = await run(
        'apply',
        '--server-side',
        '--force-conflicts',
        '--validate=false',
        '-f',
        manifest
      )
      expect(forced).toMatchObject({ code: 0, stdout: 'secret/x serverside-applied\n' })
      const stored = double.getSecret(ns, 'x')
      expect(stored?.data).toEqual({ K: 'Y2hhbmdlZA==', L: 'bGw=' })
      expect(stored?.metadata.labels).toEqual({ app: 'dagster' })
      expect(stored?.metadata.managedFields?.find(m => m.operation === 'Apply')?.manager).toBe('kubectl')
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('deletes it', async () => {
    const r = await run('delete', 'secret', 'x', '-n', ns)
    expect(r).toMatchObject({ code: 0, stdout: 'secret "x" deleted\n' })
    expect(double.getSecret(ns, 'x')).toBeUndefined()
  })

  it('reports a missing Secret as kubectl does', async () => {
    const r = await run('get', 'secret', 'missing', '-n', ns)
    expect(r.code).toBe(1)
    expect(r.stderr).toBe('Error from server (NotFound): secrets "missing" not found\n')
  })

  it('is refused with a token the double does not know', async () => {
    const badConfig = double.writeKubeconfig({ token: 'nope', path: join(home, 'bad-kubeconfig') })
    const r = await runKubectl(['--kubeconfig', badConfig, 'get', 'secrets', '-n', ns], home)
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('error: You must be logged in to the server (Unauthorized)')
  })
})
