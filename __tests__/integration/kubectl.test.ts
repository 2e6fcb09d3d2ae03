// The Kubernetes API double as real kubectl clients see it: 1.20 and a current one (>= 1.33), see
// kubectl-clients.ts. Each command runs as a user would type it (no `--validate=false`), and each test checks
// kubectl's own output and what the double stored or was sent: discovery, server-side printing (Table), protobuf
// create bodies (current kubectl), OpenAPI for apply's validation, client-side and server-side apply, label, the
// three patch types, describe, auth can-i (SelfSubjectAccessReview), delete, and the commands `npm run double`
// prints.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { hintDeployment, hintNamespace, kubectlHints } from '../../kube-double/hints.js'
import { kubectlClients, runKubectl, type Run } from './kubectl-clients.js'

const ns = 'dagster-prd'
const restricted = 'restricted'
const lastApplied = 'kubectl.kubernetes.io/last-applied-configuration'

const manifest = (
  data: Record<string, string>,
  labels: Record<string, string> = { app: 'dagster' }
): string =>
  JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: 'applied', namespace: ns, labels },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString('base64')]))
  })

describe.each(kubectlClients.map(c => [c.title, c] as const))('%s', (_, client) => {
  const { kubectl } = client
  let double: KubeDouble
  let kubeconfig: string
  let home: string

  const run = (...args: string[]): Promise<Run> => {
    if (!kubectl) throw new Error('unreachable: the suite is skipped without kubectl')
    return runKubectl(kubectl, ['--kubeconfig', kubeconfig, ...args], home)
  }
  const applyFile = (text: string): string => {
    const file = join(home, `manifest-${Math.random().toString(36).slice(2)}.json`)
    writeFileSync(file, text)
    return file
  }

  beforeAll(async () => {
    if (!kubectl) return
    double = await startKubeDouble({
      namespaces: ['default', ns, restricted],
      // RBAC: nothing at all in the `restricted` namespace.
      authorize: a => a.namespace !== restricted
    })
    home = mkdtempSync(join(tmpdir(), 'kubectl-home-'))
    kubeconfig = double.writeKubeconfig({ namespace: ns })
  })

  afterAll(async () => {
    await double?.close()
    if (home) rmSync(home, { recursive: true, force: true })
  })

  describe.skipIf(!kubectl)('commands', () => {
    it('is the client it says', () => {
      expect(kubectl?.minor).toSatisfy((m: number) => (client.current ? m >= 33 : m === 20))
    })

    it('finds no Secrets in an empty namespace', async () => {
      const r = await run('get', 'secrets')
      expect(r).toMatchObject({ code: 0, stderr: `No resources found in ${ns} namespace.\n` })
      expect(double.requests.some(q => q.path === '/api/v1' && q.status === 200)).toBe(true)
    })

    it('speaks HTTP/2 to the double, as to kube-apiserver: every request a stream of one connection', async () => {
      // client-go's transport offers h2 first by ALPN (k8s.io/apimachinery/pkg/util/net, SetTransportDefaults).
      const before = double.requests.length
      const r = await run('get', 'secrets', '-o', 'name')
      expect(r.code).toBe(0)
      const requests = double.requests.slice(before)
      expect(requests.length).toBeGreaterThan(0)
      expect(new Set(requests.map(q => q.httpVersion))).toEqual(new Set(['2.0']))
      expect(new Set(requests.map(q => q.clientPort)).size).toBe(1)
    })

    it('creates a generic Secret from a literal, in the wire format of its version', async () => {
      const r = await run('create', 'secret', 'generic', 'x', '--from-literal=K=v')
      expect(r).toMatchObject({ code: 0, stdout: 'secret/x created\n' })
      const stored = double.getSecret(ns, 'x')
      expect(stored?.data).toEqual({ K: Buffer.from('v').toString('base64') })
      expect(stored?.type).toBe('Opaque')
      expect(stored?.metadata.managedFields?.[0]?.manager).toBe('kubectl-create')
      const post = double.writes().at(-1)
      expect(post?.query.get('fieldManager')).toBe('kubectl-create')
      // kubectl >= 1.30 sends built-in kinds as protobuf; 1.20 sends JSON.
      if (client.current) expect(post?.contentType).toBe('application/vnd.kubernetes.protobuf')
      else expect(post?.contentType ?? 'application/json').toBe('application/json')
      expect(post?.userAgent).toMatch(new RegExp(`/${kubectl?.version.replaceAll('.', '\\.')}`))
    })

    it('refuses to create it twice, as the API server words it', async () => {
      const r = await run('create', 'secret', 'generic', 'x', '--from-literal=K=other')
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('secrets "x" already exists')
      expect(double.getSecret(ns, 'x')?.data).toEqual({ K: 'dg==' })
    })

    it('lists it with the server-printed columns', async () => {
      const r = await run('get', 'secrets')
      expect(r.code).toBe(0)
      const [header, row, ...rest] = r.stdout.trimEnd().split('\n')
      expect(header?.split(/\s+/)).toEqual(['NAME', 'TYPE', 'DATA', 'AGE'])
      expect(row?.split(/\s+/).slice(0, 3)).toEqual(['x', 'Opaque', '1'])
      expect(rest).toEqual([])
    })

    it('reads it back as JSON', async () => {
      const r = await run('get', 'secret', 'x', '-o', 'json')
      expect(r.code).toBe(0)
      const body = JSON.parse(r.stdout) as {
        kind: string
        data: Record<string, string>
        metadata: { uid: string }
      }
      expect(body).toMatchObject({ kind: 'Secret', data: { K: 'dg==' } })
      expect(body.metadata.uid).toBe(double.getSecret(ns, 'x')?.metadata.uid)
    })

    it('labels it', async () => {
      const r = await run('label', 'secret', 'x', 'team=data')
      expect(r).toMatchObject({ code: 0, stdout: 'secret/x labeled\n' })
      expect(double.getSecret(ns, 'x')?.metadata.labels).toEqual({ team: 'data' })
      expect(double.writes().at(-1)).toMatchObject({
        method: 'PATCH',
        contentType: 'application/merge-patch+json'
      })
    })

    it.each([
      [
        'strategic',
        'application/strategic-merge-patch+json',
        '{"metadata":{"annotations":{"a":"strategic"}}}'
      ],
      ['merge', 'application/merge-patch+json', '{"metadata":{"annotations":{"b":"merge"}}}'],
      ['json', 'application/json-patch+json', '[{"op":"add","path":"/data/L","value":"bGw="}]']
    ])('patches it with --type=%s', async (type, contentType, patch) => {
      const r = await run('patch', 'secret', 'x', `--type=${type}`, '-p', patch)
      expect(r).toMatchObject({ code: 0, stdout: 'secret/x patched\n' })
      expect(double.writes().at(-1)).toMatchObject({ method: 'PATCH', contentType })
    })

    it('holds what the three patches wrote', () => {
      const stored = double.getSecret(ns, 'x')
      expect(stored?.metadata.annotations).toEqual({ a: 'strategic', b: 'merge' })
      expect(stored?.data).toEqual({ K: 'dg==', L: 'bGw=' })
    })

    it('describes it without showing the values', async () => {
      const r = await run('describe', 'secret', 'x')
      expect(r).toMatchObject({ code: 0, stderr: '' })
      expect(r.stdout).toMatch(/^Name:\s+x\nNamespace:\s+dagster-prd\nLabels:\s+team=data\n/)
      expect(r.stdout).toMatch(/\nType:\s+Opaque\n/)
      // In the order of a Go map: any.
      expect(r.stdout).toMatch(/\nK:\s+1 bytes\n/)
      expect(r.stdout).toMatch(/\nL:\s+2 bytes\n/)
      expect(r.stdout).not.toContain('dg==')
    })

    it('applies a manifest client-side with validation, then changes it', async () => {
      const created = await run('apply', '-f', applyFile(manifest({ K: 'one' })))
      expect(created).toMatchObject({ code: 0, stdout: 'secret/applied created\n' })
      // Validation read the OpenAPI document of core/v1: v3 for a current kubectl, v2 (protobuf) for 1.20.
      const openApi = client.current ? '/openapi/v3/api/v1' : '/openapi/v2'
      expect(double.requests.some(q => q.path === openApi && q.status === 200)).toBe(true)
      const stored = double.getSecret(ns, 'applied')
      expect(stored?.metadata.annotations?.[lastApplied]).toContain('"K":"b25l"')

      const configured = await run('apply', '-f', applyFile(manifest({ L: 'two' })))
      expect(configured).toMatchObject({ code: 0, stdout: 'secret/applied configured\n' })
      // The three-way merge removed K, which the last applied configuration had and this one does not.
      expect(double.getSecret(ns, 'applied')?.data).toEqual({ L: 'dHdv' })
      expect(double.writes().at(-1)).toMatchObject({
        method: 'PATCH',
        contentType: 'application/strategic-merge-patch+json'
      })

      const unchanged = await run('apply', '-f', applyFile(manifest({ L: 'two' })))
      expect(unchanged).toMatchObject({ code: 0, stdout: 'secret/applied unchanged\n' })
    })

    it('rejects an unknown field through validation: client-side (1.20) or server-side (fieldValidation=Strict)', async () => {
      const fresh = manifest({ K: 'one' }).replace('"applied"', '"invalid"')
      const bad = JSON.stringify({ ...JSON.parse(fresh), spec: { nope: true } })
      const r = await run('apply', '-f', applyFile(bad))
      expect(r.code).not.toBe(0)
      expect(r.stderr).toMatch(/unknown field "spec"/)
      expect(double.getSecret(ns, 'invalid')).toBeUndefined()

      // The same field added to a Secret that exists: a strategic merge patch, refused the same way.
      const existing = JSON.stringify({ ...JSON.parse(manifest({ L: 'two' })), spec: { nope: true } })
      const patched = await run('apply', '-f', applyFile(existing))
      expect(patched.code).not.toBe(0)
      expect(patched.stderr).toMatch(/unknown field "spec"/)
      expect(double.getSecret(ns, 'applied')?.data).toEqual({ L: 'dHdv' })
    })

    it('applies a manifest server-side, and reports a conflict with kubectl-create', async () => {
      const file = applyFile(manifest({ K: 'changed', L: 'll' }).replace('"applied"', '"x"'))
      const refused = await run('apply', '--server-side', '-f', file)
      expect(refused.code).toBe(1)
      expect(refused.stderr).toContain(
        'Apply failed with 1 conflict: conflict with "kubectl-create" using v1: .data.K'
      )

      const forced = await run('apply', '--server-side', '--force-conflicts', '-f', file)
      expect(forced).toMatchObject({ code: 0, stdout: 'secret/x serverside-applied\n' })
      const stored = double.getSecret(ns, 'x')
      expect(stored?.data).toEqual({ K: 'Y2hhbmdlZA==', L: 'bGw=' })
      expect(stored?.metadata.labels).toEqual({ app: 'dagster', team: 'data' })
      expect(stored?.metadata.managedFields?.find(m => m.operation === 'Apply')?.manager).toBe('kubectl')
      expect(double.writes().at(-1)).toMatchObject({ contentType: 'application/apply-patch+yaml' })
    })

    it.each([
      [['create', 'secrets'], 0, 'yes'],
      [['delete', 'secrets', '-n', restricted], 1, 'no'],
      [['get', 'secret/x'], 0, 'yes'],
      [['get', 'secrets', '-n', restricted], 1, 'no']
    ])('answers auth can-i %j from the RBAC of the double', async (args, code, answer) => {
      const r = await run('auth', 'can-i', ...args)
      expect(r).toMatchObject({ code, stdout: `${answer}\n` })
      expect(double.requests.at(-1)).toMatchObject({
        method: 'POST',
        path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
        status: 201
      })
    })

    it('deletes it', async () => {
      const r = await run('delete', 'secret', 'x')
      expect(r.code).toBe(0)
      // kubectl 1.35 names the namespace too.
      expect(r.stdout).toMatch(/^secret "x" deleted( from dagster-prd namespace)?\n$/)
      expect(double.getSecret(ns, 'x')).toBeUndefined()
    })

    it('keeps the finalizers, owner references and generateName kubectl creates, and holds a finalized delete', async () => {
      const owner = {
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        name: 'web',
        uid: 'owner-uid-1',
        controller: true
      }
      const file = applyFile(
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          metadata: {
            generateName: 'held-',
            namespace: ns,
            finalizers: ['example.com/hold'],
            ownerReferences: [owner]
          },
          data: { K: 'dg==' }
        })
      )
      const created = await run('create', '-f', file, '-o', 'json')
      expect(created.code, created.stderr).toBe(0)
      const name = (JSON.parse(created.stdout) as { metadata: { name: string } }).metadata.name
      expect(name).toMatch(/^held-[a-z0-9]{5}$/)
      const read = JSON.parse((await run('get', 'secret', name, '-o', 'json')).stdout) as {
        metadata: Record<string, unknown>
      }
      expect(read.metadata).toMatchObject({
        generateName: 'held-',
        finalizers: ['example.com/hold'],
        ownerReferences: [owner]
      })

      const deleted = await run('delete', 'secret', name, '--wait=false')
      expect(deleted.code, deleted.stderr).toBe(0)
      expect(double.getSecret(ns, name)?.metadata).toMatchObject({ deletionGracePeriodSeconds: 0 })
      expect(double.getSecret(ns, name)?.metadata.deletionTimestamp).toMatch(/^\d{4}-\d\d-\d\dT/)
      const released = await run(
        'patch',
        'secret',
        name,
        '--type=merge',
        '-p',
        '{"metadata":{"finalizers":null}}'
      )
      expect(released.code, released.stderr).toBe(0)
      expect(double.getSecret(ns, name)).toBeUndefined()
    })

    it('reports a missing Secret as kubectl does', async () => {
      const r = await run('get', 'secret', 'missing')
      expect(r).toMatchObject({
        code: 1,
        stderr: 'Error from server (NotFound): secrets "missing" not found\n'
      })
    })

    it("shows an admission webhook's denial as the API server words it, and stores nothing", async () => {
      double.validatingWebhook = request =>
        request.name === 'denied'
          ? {
              webhook: 'validate.kyverno.svc-fail',
              message: 'policy deny-all: Secrets are managed by Terraform'
            }
          : undefined
      try {
        const r = await run('create', 'secret', 'generic', 'denied', '--from-literal=K=v')
        expect(r.code).toBe(1)
        expect(r.stderr).toContain(
          'secrets "denied" is forbidden: admission webhook "validate.kyverno.svc-fail" denied the request: policy deny-all: Secrets are managed by Terraform'
        )
        expect(double.getSecret(ns, 'denied')).toBeUndefined()
      } finally {
        double.validatingWebhook = undefined
      }
    })

    it('is refused with a token the double does not know', async () => {
      if (!kubectl) return
      const badConfig = double.writeKubeconfig({ token: 'nope', path: join(home, 'bad-kubeconfig') })
      const r = await runKubectl(kubectl, ['--kubeconfig', badConfig, 'get', 'secrets', '-n', ns], home)
      expect(r.code).toBe(1)
      expect(r.stderr).toContain('error: You must be logged in to the server')
    })
  })

  describe.skipIf(!kubectl)('the commands `npm run double` prints', () => {
    let hinted: KubeDouble
    let hintConfig: string

    beforeAll(async () => {
      // Started as kube-double/start.ts starts it.
      hinted = await startKubeDouble({ deployments: true })
      hinted.seedDeployment(hintNamespace, { name: hintDeployment })
      hintConfig = hinted.writeKubeconfig({ namespace: hintNamespace })
    })
    afterAll(async () => {
      await hinted?.close()
    })

    // In order: each builds on the one before (create, then label, patch, ... delete).
    it.each(kubectlHints.map(args => [args.join(' '), args] as const))('kubectl %s', async (_, args) => {
      if (!kubectl) return
      const r = await runKubectl(kubectl, ['--kubeconfig', hintConfig, ...args], home)
      expect(r.stderr.replace(/^No resources found.*\n/, '')).toBe('')
      expect(r.code).toBe(0)
    })
  })
})
