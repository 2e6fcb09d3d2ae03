// The Kubernetes API double, driven by the real @kubernetes/client-node over HTTPS (and by raw HTTPS where a
// client library would hide what the server sent: headers, plain-text bodies, dropped and hanging connections,
// and HTTP/2's frames: resets, GOAWAY).
import type { IncomingHttpHeaders } from 'node:http2'
import { connect as connectHttp2, constants as httpConstants, type ClientHttp2Session } from 'node:http2'
import { request as httpsRequest } from 'node:https'
import { connect as tlsConnect } from 'node:tls'
import {
  ApiException,
  CoreV1Api,
  PatchStrategy,
  setHeaderOptions,
  type V1Secret
} from '@kubernetes/client-node'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import {
  startKubeDouble,
  type AdmissionDenial,
  type AdmissionRequest,
  type KubeDouble,
  type KubeDoubleOptions
} from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest, type RawRequest, type RawResponse } from '../doubles/raw-request.js'
import { otherTls } from '../../kube-double/tls.js'

const ns = 'dagster-prd'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const apply = setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply)
const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch)
const strategicPatch = setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch)

function clientFor(double: KubeDouble, token = 'test-token', caPem = double.caPem): CoreV1Api {
  return kubeConfigFor(double, { token, caPem }).makeApiClient(CoreV1Api)
}

interface StatusJson {
  kind: string
  status: string
  message: string
  reason: string
  code: number
  details?: {
    name?: string
    kind?: string
    group?: string
    uid?: string
    retryAfterSeconds?: number
    causes?: { reason: string; message: string; field: string }[]
  }
}

/** The ApiException a call fails with, its body parsed as the Status the server sent. */
async function failure(
  call: Promise<unknown>
): Promise<{ code: number; status?: StatusJson; raw?: string; headers: Record<string, string> }> {
  try {
    await call
  } catch (error) {
    if (!(error instanceof ApiException)) throw error
    const raw = error.body as string | undefined
    let status: StatusJson | undefined
    try {
      status = raw ? (JSON.parse(raw) as StatusJson) : undefined
    } catch {
      status = undefined
    }
    return { code: error.code, status, raw, headers: error.headers }
  }
  throw new Error('expected the call to fail')
}

const raw = (double: KubeDouble, path: string, init?: RawRequest): Promise<RawResponse> =>
  rawRequest(double, path, init)

const secret = (name: string, data: Record<string, string>, labels?: Record<string, string>): V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name, ...(labels ? { labels } : {}) },
  type: 'Opaque',
  data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)]))
})

describe('kube API double', () => {
  let double: KubeDouble
  let api: CoreV1Api
  const extra: KubeDouble[] = []

  const startExtra = async (opts: KubeDoubleOptions): Promise<KubeDouble> => {
    const d = await startKubeDouble(opts)
    extra.push(d)
    return d
  }

  beforeEach(async () => {
    double = await startKubeDouble()
    api = clientFor(double)
  })
  afterEach(async () => {
    await double.close()
    await Promise.all(extra.splice(0).map(d => d.close()))
  })

  describe('TLS and authentication', () => {
    it('serves HTTPS that a client trusting the test CA accepts', async () => {
      const list = await api.listNamespacedSecret({ namespace: ns })
      expect(list.items).toEqual([])
      expect(double.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/)
    })

    it('is refused by a client that trusts only an unrelated CA', async () => {
      const untrusting = clientFor(double, 'test-token', otherTls.caPem)
      const error = await untrusting.listNamespacedSecret({ namespace: ns }).catch((e: unknown) => e)
      expect(error).not.toBeInstanceOf(ApiException)
      const text = `${String(error)} ${String((error as { cause?: unknown }).cause)}`
      expect(text).toMatch(/certificate|self[- ]signed|UNABLE_TO_VERIFY|fetch failed/i)
      expect(double.requests).toHaveLength(0)
    })

    it.each([
      ['an unknown token', 'wrong-token'],
      ['no token', '']
    ])('answers 401 Unauthorized for %s', async (_case, token) => {
      const f = await failure(clientFor(double, token).listNamespacedSecret({ namespace: ns }))
      expect(f.code).toBe(401)
      expect(f.raw).toBeUndefined()
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
        headers: { authorization: token ? `Bearer ${token}` : '' }
      })
      expect(r.status).toBe(401)
      expect(r.headers['content-type']).toBe('application/json')
      expect(JSON.parse(r.body)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Unauthorized',
        reason: 'Unauthorized',
        code: 401
      })
    })

    it('names the user of each token', async () => {
      const d = await startExtra({ users: { a: 'alice', b: 'bob' } })
      await clientFor(d, 'b').listNamespacedSecret({ namespace: ns })
      expect(d.requests.map(r => r.user)).toEqual(['bob'])
    })
  })

  describe('RBAC through authorize', () => {
    const user = 'system:serviceaccount:ci:gke-secrets-sync'
    it.each([
      {
        verb: 'get',
        call: (c: CoreV1Api) => c.readNamespacedSecret({ name: 'x', namespace: ns }),
        message: `secrets "x" is forbidden: User "${user}" cannot get resource "secrets" in API group "" in the namespace "${ns}"`,
        details: { name: 'x', kind: 'secrets' }
      },
      {
        verb: 'list',
        call: (c: CoreV1Api) => c.listNamespacedSecret({ namespace: ns }),
        message: `secrets is forbidden: User "${user}" cannot list resource "secrets" in API group "" in the namespace "${ns}"`,
        details: { kind: 'secrets' }
      },
      {
        verb: 'create',
        call: (c: CoreV1Api) => c.createNamespacedSecret({ namespace: ns, body: secret('x', { K: 'v' }) }),
        message: `secrets is forbidden: User "${user}" cannot create resource "secrets" in API group "" in the namespace "${ns}"`,
        details: { kind: 'secrets' }
      },
      {
        verb: 'patch',
        call: (c: CoreV1Api) =>
          c.patchNamespacedSecret(
            { name: 'x', namespace: ns, body: secret('x', {}), fieldManager: 'm' },
            apply
          ),
        message: `secrets "x" is forbidden: User "${user}" cannot patch resource "secrets" in API group "" in the namespace "${ns}"`,
        details: { name: 'x', kind: 'secrets' }
      },
      {
        verb: 'delete',
        call: (c: CoreV1Api) => c.deleteNamespacedSecret({ name: 'x', namespace: ns }),
        message: `secrets "x" is forbidden: User "${user}" cannot delete resource "secrets" in API group "" in the namespace "${ns}"`,
        details: { name: 'x', kind: 'secrets' }
      }
    ])('answers 403 when $verb is denied', async ({ verb, call, message, details }) => {
      const seen: string[] = []
      const d = await startExtra({
        authorize: a => {
          seen.push(`${a.verb} ${a.resource} ${a.namespace ?? ''} ${a.name ?? ''}`.trim())
          return a.verb !== verb
        }
      })
      const f = await failure(call(clientFor(d)))
      expect(f.code).toBe(403)
      expect(f.status).toMatchObject({ reason: 'Forbidden', message, details })
      expect(f.status?.details).toEqual(details)
      expect(seen[0]?.startsWith(`${verb} secrets ${ns}`)).toBe(true)
      expect(d.writes()).toHaveLength(0)
    })

    it('checks RBAC on dry runs too', async () => {
      const d = await startExtra({ authorize: a => a.verb !== 'create' })
      const f = await failure(
        clientFor(d).createNamespacedSecret({ namespace: ns, body: secret('x', {}), dryRun: 'All' })
      )
      expect(f.code).toBe(403)
    })
  })

  describe('discovery and namespaces', () => {
    it.each([
      ['/api', { kind: 'APIVersions', versions: ['v1'] }],
      [
        '/apis',
        { kind: 'APIGroupList', groups: [{ name: 'authorization.k8s.io' }, { name: 'events.k8s.io' }] }
      ],
      ['/version', { major: '1', minor: '30', gitVersion: 'v1.30.0' }]
    ])('GET %s', async (path, expected) => {
      const r = await raw(double, path)
      expect(r.status).toBe(200)
      expect(r.headers['content-type']).toBe('application/json')
      expect(JSON.parse(r.body)).toMatchObject(expected)
    })

    it('lists secrets and namespaces in /api/v1 with the verbs kubectl needs', async () => {
      const body = JSON.parse((await raw(double, '/api/v1')).body) as {
        resources: { name: string; namespaced: boolean; kind: string; verbs: string[] }[]
      }
      expect(body.resources.find(r => r.name === 'secrets')).toMatchObject({
        namespaced: true,
        kind: 'Secret',
        verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']
      })
      expect(body.resources.find(r => r.name === 'namespaces')).toMatchObject({
        namespaced: false,
        kind: 'Namespace'
      })
    })

    it('answers 404 with the generic Status for anything else', async () => {
      for (const path of ['/openapi/v1', '/apis/apps/v1', '/api/v1/namespaces/default/configmaps']) {
        const r = await raw(double, path)
        expect(r.status).toBe(404)
        expect(JSON.parse(r.body)).toMatchObject({
          reason: 'NotFound',
          message: 'the server could not find the requested resource'
        })
      }
    })

    it('reads namespaces and answers 404 for a missing one', async () => {
      const list = await api.listNamespace()
      expect(list.items.map(n => n.metadata?.name).sort()).toEqual(['dagster-prd', 'default'])
      expect((await api.readNamespace({ name: ns })).status?.phase).toBe('Active')
      const f = await failure(api.readNamespace({ name: 'nope' }))
      expect(f.code).toBe(404)
      expect(f.status).toMatchObject({
        message: 'namespaces "nope" not found',
        details: { name: 'nope', kind: 'namespaces' }
      })
      double.addNamespace('nope')
      expect((await api.readNamespace({ name: 'nope' })).metadata?.name).toBe('nope')
    })
  })

  describe('create', () => {
    it('answers 201 with uid, resourceVersion, creationTimestamp and managedFields; folds stringData', async () => {
      const before = Number((await api.listNamespacedSecret({ namespace: ns })).metadata?.resourceVersion)
      const created = await api.createNamespacedSecret({
        namespace: ns,
        fieldManager: 'gke-secrets-sync',
        body: {
          metadata: { name: 'app', labels: { team: 'data' } },
          data: { A: b64('a') },
          stringData: { B: 'b' }
        }
      })
      expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/)
      expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(before)
      expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date)
      expect(created.type).toBe('Opaque')
      expect(created.data).toEqual({ A: b64('a'), B: b64('b') })
      expect(created.stringData).toBeUndefined()
      expect(created.metadata?.managedFields).toEqual([
        {
          manager: 'gke-secrets-sync',
          operation: 'Update',
          apiVersion: 'v1',
          time: expect.any(Date),
          fieldsType: 'FieldsV1',
          fieldsV1: {
            'f:data': { '.': {}, 'f:A': {}, 'f:B': {} },
            'f:metadata': { 'f:labels': { '.': {}, 'f:team': {} } },
            'f:type': {}
          }
        }
      ])
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets/app`)
      expect(r.body).not.toContain('stringData')
      expect(double.getSecret(ns, 'app')?.data).toEqual({ A: b64('a'), B: b64('b') })
    })

    it('names the manager after the User-Agent up to its first slash when no fieldManager is given', async () => {
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'kubectl/v1.30.0 (linux/amd64)' },
        body: JSON.stringify(secret('ua', { K: 'v' }))
      })
      expect(r.status).toBe(201)
      expect(double.getSecret(ns, 'ua')?.metadata.managedFields?.[0]?.manager).toBe('kubectl')
      expect(double.requests.at(-1)?.userAgent).toBe('kubectl/v1.30.0 (linux/amd64)')
    })

    it('answers 409 AlreadyExists for an existing name', async () => {
      await api.createNamespacedSecret({ namespace: ns, body: secret('dup', { K: 'v' }) })
      const f = await failure(api.createNamespacedSecret({ namespace: ns, body: secret('dup', { K: 'w' }) }))
      expect(f.code).toBe(409)
      expect(f.status).toMatchObject({
        reason: 'AlreadyExists',
        message: 'secrets "dup" already exists',
        details: { name: 'dup', kind: 'secrets' }
      })
    })

    it('answers 404 for a missing namespace', async () => {
      const f = await failure(api.createNamespacedSecret({ namespace: 'ghost', body: secret('x', {}) }))
      expect(f.code).toBe(404)
      expect(f.status).toMatchObject({
        reason: 'NotFound',
        message: 'namespaces "ghost" not found',
        details: { name: 'ghost', kind: 'namespaces' }
      })
    })

    it('answers 400 when the body names another namespace', async () => {
      const body = { ...secret('x', {}), metadata: { name: 'x', namespace: 'default' } }
      const f = await failure(api.createNamespacedSecret({ namespace: ns, body }))
      expect(f.code).toBe(400)
      expect(f.status).toMatchObject({
        reason: 'BadRequest',
        message: 'the namespace of the provided object does not match the namespace sent on the request'
      })
    })

    it('generates a name from generateName', async () => {
      const created = await api.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { generateName: 'gen-' } }
      })
      expect(created.metadata?.name).toMatch(/^gen-[a-z0-9]{5}$/)
    })
  })

  describe('validation', () => {
    const keyMessage = (key: string): string =>
      `data[${key}]: Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`
    const nameMessage =
      "metadata.name: Invalid value: \"Foo_\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"

    it.each([
      {
        case: 'a name that is not a DNS subdomain',
        body: secret('Foo_', {}),
        name: 'Foo_',
        message: nameMessage,
        field: 'metadata.name'
      },
      {
        case: 'a name longer than 253',
        body: secret('a'.repeat(254), {}),
        name: 'a'.repeat(254),
        message: `metadata.name: Invalid value: "${'a'.repeat(254)}": must be no more than 253 characters`,
        field: 'metadata.name'
      },
      {
        case: 'a key with a space',
        body: secret('s', { 'bad key': 'v' }),
        name: 's',
        message: keyMessage('bad key'),
        field: 'data[bad key]'
      },
      {
        case: 'the key ..',
        body: secret('s', { '..': 'v' }),
        name: 's',
        message: 'data[..]: Invalid value: "..": must not be \'..\'',
        field: 'data[..]'
      },
      {
        case: 'a key starting ..',
        body: secret('s', { '..a': 'v' }),
        name: 's',
        message: 'data[..a]: Invalid value: "..a": must not start with \'..\'',
        field: 'data[..a]'
      },
      {
        case: 'data above 1 MiB',
        body: secret('s', { a: 'x'.repeat(600_000), b: 'y'.repeat(600_000) }),
        name: 's',
        message: 'data: Too long: may not be more than 1048576 bytes',
        field: 'data'
      },
      {
        case: 'a label value longer than 63',
        body: secret('s', {}, { app: 'v'.repeat(64) }),
        name: 's',
        message: `metadata.labels: Invalid value: "${'v'.repeat(64)}": must be no more than 63 characters`,
        field: 'metadata.labels'
      },
      {
        case: 'a label key with two slashes',
        body: secret('s', {}, { 'a/b/c': 'v' }),
        name: 's',
        message:
          "metadata.labels: Invalid value: \"a/b/c\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
        field: 'metadata.labels'
      },
      {
        case: 'annotations above 256 KiB',
        body: { metadata: { name: 's', annotations: { big: 'x'.repeat(262_145) } } },
        name: 's',
        message: 'metadata.annotations: Too long: may not be more than 262144 bytes',
        field: 'metadata.annotations'
      }
    ])('answers 422 Invalid for $case', async ({ body, name, message, field }) => {
      const f = await failure(api.createNamespacedSecret({ namespace: ns, body }))
      expect(f.code).toBe(422)
      expect(f.status?.reason).toBe('Invalid')
      expect(f.status?.message).toBe(`Secret "${name}" is invalid: ${message}`)
      expect(f.status?.details?.kind).toBe('Secret')
      expect(f.status?.details?.name).toBe(name)
      expect(f.status?.details?.causes?.[0]).toEqual({
        reason: expect.stringMatching(/^FieldValue/),
        message: message.slice(field.length + 2),
        field
      })
      expect(double.listSecrets(ns)).toEqual([])
    })

    it('brackets several errors as the apiserver aggregates them', async () => {
      const f = await failure(
        api.createNamespacedSecret({ namespace: ns, body: secret('Foo_', { 'bad key': 'v' }) })
      )
      expect(f.status?.message).toBe(`Secret "Foo_" is invalid: [${nameMessage}, ${keyMessage('bad key')}]`)
      expect(f.status?.details?.causes).toHaveLength(2)
    })

    it.each([
      ['a character outside the alphabet', 'dmFs!', 4],
      ['missing padding', 'dmFsdQ', 4],
      ['padding too early', 'd===', 1]
    ])('answers 400 for bad base64 in data (%s)', async (_case, value, index) => {
      const f = await failure(
        api.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'b' }, data: { K: value } } })
      )
      expect(f.code).toBe(400)
      expect(f.status).toMatchObject({
        reason: 'BadRequest',
        message: `Secret in version "v1" cannot be handled as a Secret: illegal base64 data at input byte ${index}`
      })
    })

    it('answers 413 for a body above 3 MiB', async () => {
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(secret('big', { K: 'x'.repeat(3 * 1024 * 1024) }))
      })
      expect(r.status).toBe(413)
      expect(JSON.parse(r.body)).toMatchObject({ reason: 'RequestEntityTooLarge', code: 413 })
    })
  })

  describe('replace (PUT)', () => {
    let rv: string
    beforeEach(async () => {
      const created = await api.createNamespacedSecret({ namespace: ns, body: secret('app', { K: 'v1' }) })
      rv = created.metadata?.resourceVersion as string
    })

    it('updates with a current resourceVersion and bumps it, keeping uid and creationTimestamp', async () => {
      const before = double.getSecret(ns, 'app')
      const body = { ...secret('app', { K: 'v2' }), metadata: { name: 'app', resourceVersion: rv } }
      const replaced = await api.replaceNamespacedSecret({ name: 'app', namespace: ns, body })
      expect(Number(replaced.metadata?.resourceVersion)).toBeGreaterThan(Number(rv))
      expect(replaced.metadata?.uid).toBe(before?.metadata.uid)
      expect(replaced.metadata?.creationTimestamp?.toISOString().replace('.000', '')).toBe(
        before?.metadata.creationTimestamp
      )
      expect(replaced.data).toEqual({ K: b64('v2') })
    })

    it('answers 409 Conflict for a stale resourceVersion', async () => {
      await api.replaceNamespacedSecret({ name: 'app', namespace: ns, body: secret('app', { K: 'other' }) })
      const body = { ...secret('app', { K: 'mine' }), metadata: { name: 'app', resourceVersion: rv } }
      const f = await failure(api.replaceNamespacedSecret({ name: 'app', namespace: ns, body }))
      expect(f.code).toBe(409)
      expect(f.status).toMatchObject({
        reason: 'Conflict',
        message:
          'Operation cannot be fulfilled on secrets "app": the object has been modified; please apply your changes to the latest version and try again',
        details: { name: 'app', kind: 'secrets' }
      })
      expect(double.getSecret(ns, 'app')?.data).toEqual({ K: b64('other') })
    })

    it('overwrites unconditionally without a resourceVersion', async () => {
      const replaced = await api.replaceNamespacedSecret({
        name: 'app',
        namespace: ns,
        body: secret('app', { K: 'v3' })
      })
      expect(replaced.data).toEqual({ K: b64('v3') })
    })

    it('does not bump the resourceVersion when nothing changes', async () => {
      const replaced = await api.replaceNamespacedSecret({
        name: 'app',
        namespace: ns,
        body: secret('app', { K: 'v1' })
      })
      expect(replaced.metadata?.resourceVersion).toBe(rv)
    })

    it('answers 404 for a missing Secret (no create on update)', async () => {
      const f = await failure(
        api.replaceNamespacedSecret({ name: 'nope', namespace: ns, body: secret('nope', {}) })
      )
      expect(f.code).toBe(404)
      expect(f.status).toMatchObject({
        message: 'secrets "nope" not found',
        details: { name: 'nope', kind: 'secrets' }
      })
    })

    it('answers 400 when the body names another Secret', async () => {
      const f = await failure(
        api.replaceNamespacedSecret({ name: 'app', namespace: ns, body: secret('other', {}) })
      )
      expect(f.code).toBe(400)
      expect(f.status?.message).toBe(
        'the name of the object (other) does not match the name on the URL (app)'
      )
    })

    it('answers 422 when the type changes', async () => {
      const body = { ...secret('app', { 'tls.crt': 'c', 'tls.key': 'k' }), type: 'kubernetes.io/tls' }
      const f = await failure(api.replaceNamespacedSecret({ name: 'app', namespace: ns, body }))
      expect(f.code).toBe(422)
      expect(f.status?.message).toBe(
        'Secret "app" is invalid: type: Invalid value: "kubernetes.io/tls": field is immutable'
      )
    })

    it('answers 422 when the data of an immutable Secret changes', async () => {
      await api.createNamespacedSecret({
        namespace: ns,
        body: { ...secret('frozen', { K: 'v' }), immutable: true }
      })
      const body = { ...secret('frozen', { K: 'w' }), immutable: true }
      const f = await failure(api.replaceNamespacedSecret({ name: 'frozen', namespace: ns, body }))
      expect(f.code).toBe(422)
      expect(f.status?.message).toBe(
        'Secret "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set'
      )
      expect(f.status?.details?.causes).toEqual([
        {
          reason: 'FieldValueForbidden',
          message: 'Forbidden: field is immutable when `immutable` is set',
          field: 'data'
        }
      ])
    })

    it('lets beforeWrite race a write: the client read an older resourceVersion', async () => {
      const read = await api.readNamespacedSecret({ name: 'app', namespace: ns })
      const calls: unknown[] = []
      // Another writer changes the Secret between our read and our write.
      double.beforeWrite = async r => {
        calls.push(r)
        double.beforeWrite = undefined
        await api.replaceNamespacedSecret({
          name: 'app',
          namespace: ns,
          body: secret('app', { K: 'theirs' })
        })
      }
      const f = await failure(
        api.replaceNamespacedSecret({
          name: 'app',
          namespace: ns,
          body: { ...read, data: { K: b64('mine') } }
        })
      )
      expect(f.code).toBe(409)
      expect(double.getSecret(ns, 'app')?.data).toEqual({ K: b64('theirs') })
      expect(calls).toEqual([{ method: 'PUT', namespace: ns, name: 'app' }])
    })
  })

  describe('patch', () => {
    beforeEach(async () => {
      await api.createNamespacedSecret({
        namespace: ns,
        body: secret('app', { A: 'a', B: 'b' }, { team: 'data' })
      })
    })

    it.each([
      ['merge patch', mergePatch],
      ['strategic merge patch', strategicPatch]
    ])('applies a %s: set, add and null-delete keys', async (_case, options) => {
      const patched = await api.patchNamespacedSecret(
        {
          name: 'app',
          namespace: ns,
          body: { data: { A: b64('A2'), B: null, C: b64('c') }, metadata: { labels: { env: 'prd' } } }
        },
        options
      )
      expect(patched.data).toEqual({ A: b64('A2'), C: b64('c') })
      expect(patched.metadata?.labels).toEqual({ team: 'data', env: 'prd' })
    })

    it('applies a JSON patch with add, replace, remove and test', async () => {
      const patched = await api.patchNamespacedSecret({
        name: 'app',
        namespace: ns,
        body: [
          { op: 'test', path: '/data/A', value: b64('a') },
          { op: 'add', path: '/data/C', value: b64('c') },
          { op: 'replace', path: '/data/A', value: b64('A2') },
          { op: 'remove', path: '/data/B' }
        ]
      })
      expect(patched.data).toEqual({ A: b64('A2'), C: b64('c') })
    })

    it('answers 422 when a JSON patch test fails and changes nothing', async () => {
      const f = await failure(
        api.patchNamespacedSecret({
          name: 'app',
          namespace: ns,
          body: [{ op: 'test', path: '/data/A', value: b64('zz') }]
        })
      )
      expect(f.code).toBe(422)
      expect(double.getSecret(ns, 'app')?.data).toEqual({ A: b64('a'), B: b64('b') })
    })

    it('answers 409 when a merge patch carries a stale resourceVersion', async () => {
      const f = await failure(
        api.patchNamespacedSecret(
          { name: 'app', namespace: ns, body: { metadata: { resourceVersion: '1' }, data: { A: b64('x') } } },
          mergePatch
        )
      )
      expect(f.code).toBe(409)
      expect(f.status?.reason).toBe('Conflict')
    })

    it('answers 415 for another Content-Type', async () => {
      const f = await failure(
        api.patchNamespacedSecret(
          { name: 'app', namespace: ns, body: { data: {} } },
          setHeaderOptions('Content-Type', 'application/json')
        )
      )
      expect(f.code).toBe(415)
      expect(f.status).toMatchObject({
        reason: 'UnsupportedMediaType',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml'
      })
    })

    it('answers 404 for a missing Secret', async () => {
      const f = await failure(
        api.patchNamespacedSecret({ name: 'nope', namespace: ns, body: { data: {} } }, mergePatch)
      )
      expect(f.code).toBe(404)
    })
  })

  describe('server-side apply', () => {
    const ssa = (
      name: string,
      data: Record<string, string>,
      manager: string,
      force?: boolean,
      labels?: Record<string, string>
    ) =>
      api.patchNamespacedSecret(
        { name, namespace: ns, body: secret(name, data, labels), fieldManager: manager, force },
        apply
      )

    it('requires a fieldManager', async () => {
      const f = await failure(
        api.patchNamespacedSecret({ name: 'x', namespace: ns, body: secret('x', {}) }, apply)
      )
      expect(f.code).toBe(422)
      expect(f.status).toMatchObject({
        reason: 'Invalid',
        message:
          'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch'
      })
    })

    it('creates a missing Secret with 201 and records an Apply entry', async () => {
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets/app?fieldManager=gke-secrets-sync`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/apply-patch+yaml' },
        body: 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: app\n  labels:\n    team: data\ndata:\n  K: dg==\ntype: Opaque\n'
      })
      expect(r.status).toBe(201)
      const stored = double.getSecret(ns, 'app')
      expect(stored?.data).toEqual({ K: 'dg==' })
      expect(stored?.metadata.managedFields).toEqual([
        {
          manager: 'gke-secrets-sync',
          operation: 'Apply',
          apiVersion: 'v1',
          time: expect.stringMatching(/Z$/),
          fieldsType: 'FieldsV1',
          fieldsV1: { 'f:data': { 'f:K': {} }, 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:type': {} }
        }
      ])
      const again = await ssa('app', { K: 'v' }, 'gke-secrets-sync', false, { team: 'data' })
      expect(again.metadata?.resourceVersion).toBe(stored?.metadata.resourceVersion)
    })

    it('answers 409 with the apiserver message when another manager owns a field with another value', async () => {
      double.seedSecret(ns, secret('app', { password: 'old', user: 'u' }))
      const f = await failure(ssa('app', { password: 'new', user: 'u' }, 'gke-secrets-sync'))
      expect(f.code).toBe(409)
      expect(f.status).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: 'Apply failed with 1 conflict: conflict with "terraform" using v1: .data.password',
        reason: 'Conflict',
        details: {
          causes: [
            {
              reason: 'FieldManagerConflict',
              message: 'conflict with "terraform" using v1',
              field: '.data.password'
            }
          ]
        },
        code: 409
      })
      expect(double.getSecret(ns, 'app')?.data?.password).toBe(b64('old'))
    })

    it('lists several conflicts by manager', async () => {
      double.seedSecret(ns, secret('app', { a: '1', b: '2' }))
      const f = await failure(ssa('app', { a: 'x', b: 'y' }, 'me'))
      expect(f.status?.message).toBe(
        'Apply failed with 2 conflicts: conflicts with "terraform" using v1:\n- .data.a\n- .data.b'
      )
    })

    it('takes ownership with force and shares fields applied with the same value', async () => {
      double.seedSecret(ns, secret('app', { password: 'old', user: 'u' }))
      const forced = await ssa('app', { password: 'new', user: 'u' }, 'gke-secrets-sync', true)
      expect(forced.data).toEqual({ password: b64('new'), user: b64('u') })
      const byManager = Object.fromEntries(
        (forced.metadata?.managedFields ?? []).map(m => [`${m.manager}/${m.operation}`, m.fieldsV1])
      )
      expect(byManager['gke-secrets-sync/Apply']).toEqual({
        'f:data': { 'f:password': {}, 'f:user': {} },
        'f:type': {}
      })
      expect(byManager['terraform/Update']).toEqual({ 'f:data': { '.': {}, 'f:user': {} }, 'f:type': {} })
    })

    it('removes fields it applied before and now omits, unless another manager owns them', async () => {
      double.seedSecret(ns, secret('app', { shared: 's' }))
      await ssa('app', { shared: 's', mine: 'm', gone: 'g' }, 'sync')
      const after = await ssa('app', { mine: 'm' }, 'sync')
      expect(Object.keys(after.data ?? {}).sort()).toEqual(['mine', 'shared'])
    })

    it('owns stringData without ever removing data keys through it (kubernetes#108008)', async () => {
      await api.patchNamespacedSecret(
        {
          name: 'sd',
          namespace: ns,
          fieldManager: 'sync',
          body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sd' }, stringData: { K: 'v' } }
        },
        apply
      )
      const after = await api.patchNamespacedSecret(
        {
          name: 'sd',
          namespace: ns,
          fieldManager: 'sync',
          body: { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sd' } }
        },
        apply
      )
      expect(after.data).toEqual({ K: b64('v') })
    })
  })

  describe('delete', () => {
    it('answers 200 with a Success Status naming the uid', async () => {
      const created = await api.createNamespacedSecret({ namespace: ns, body: secret('app', {}) })
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets/app`, { method: 'DELETE' })
      expect(r.status).toBe(200)
      expect(JSON.parse(r.body)).toEqual({
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Success',
        details: { name: 'app', kind: 'secrets', uid: created.metadata?.uid }
      })
      expect(double.getSecret(ns, 'app')).toBeUndefined()
    })

    it('answers 404 for a missing Secret', async () => {
      const f = await failure(api.deleteNamespacedSecret({ name: 'app', namespace: ns }))
      expect(f.code).toBe(404)
      expect(f.status?.message).toBe('secrets "app" not found')
    })
  })

  describe('dryRun=All', () => {
    it.each([
      [
        'create',
        (c: CoreV1Api) =>
          c.createNamespacedSecret({ namespace: ns, body: secret('new', { K: 'v' }), dryRun: 'All' }),
        201
      ],
      [
        'replace',
        (c: CoreV1Api) =>
          c.replaceNamespacedSecret({
            name: 'app',
            namespace: ns,
            body: secret('app', { K: 'dry' }),
            dryRun: 'All'
          }),
        200
      ],
      [
        'merge patch',
        (c: CoreV1Api) =>
          c.patchNamespacedSecret(
            { name: 'app', namespace: ns, body: { data: { K: b64('dry') } }, dryRun: 'All' },
            mergePatch
          ),
        200
      ],
      [
        'apply',
        (c: CoreV1Api) =>
          c.patchNamespacedSecret(
            {
              name: 'app',
              namespace: ns,
              body: secret('app', { K: 'dry' }),
              dryRun: 'All',
              fieldManager: 'm',
              force: true
            },
            apply
          ),
        200
      ],
      [
        'delete',
        (c: CoreV1Api) => c.deleteNamespacedSecret({ name: 'app', namespace: ns, dryRun: 'All' }),
        200
      ]
    ])('%s answers what would be stored and stores nothing', async (_case, call, status) => {
      const created = await api.createNamespacedSecret({ namespace: ns, body: secret('app', { K: 'v' }) })
      const before = double.listSecrets(ns)
      double.resetRequests()
      const result = (await call(api)) as V1Secret
      expect(double.listSecrets(ns)).toEqual(before)
      expect((await api.listNamespacedSecret({ namespace: ns })).metadata?.resourceVersion).toBe(
        created.metadata?.resourceVersion
      )
      expect(double.requests[0]?.status).toBe(status)
      expect(double.writes().map(w => w.dryRun)).toEqual([true])
      if (_case !== 'delete' && _case !== 'create') expect(result.data?.K).toBe(b64('dry'))
    })

    it('still reports AlreadyExists and validation errors', async () => {
      await api.createNamespacedSecret({ namespace: ns, body: secret('app', {}) })
      expect(
        (await failure(api.createNamespacedSecret({ namespace: ns, body: secret('app', {}), dryRun: 'All' })))
          .code
      ).toBe(409)
      expect(
        (await failure(api.createNamespacedSecret({ namespace: ns, body: secret('Bad', {}), dryRun: 'All' })))
          .code
      ).toBe(422)
    })

    it('rejects any other dryRun value', async () => {
      const f = await failure(
        api.createNamespacedSecret({ namespace: ns, body: secret('x', {}), dryRun: 'Yes' })
      )
      expect(f.code).toBe(422)
      expect(f.status?.message).toBe(
        'CreateOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Yes"}: supported values: "All"'
      )
    })
  })

  describe('list', () => {
    beforeEach(() => {
      double.seedSecret(ns, secret('a', {}, { app: 'dagster', tier: 'web' }))
      double.seedSecret(ns, secret('b', {}, { app: 'dagster', tier: 'worker' }))
      double.seedSecret(ns, secret('c', {}, { app: 'other' }))
      double.seedSecret(ns, secret('d', {}))
      double.seedSecret('default', secret('e', {}, { app: 'dagster' }))
    })

    it.each([
      ['', ['a', 'b', 'c', 'd']],
      ['app=dagster', ['a', 'b']],
      ['app==dagster', ['a', 'b']],
      ['app!=dagster', ['c', 'd']],
      ['tier in (web, worker)', ['a', 'b']],
      ['tier notin (web)', ['b', 'c', 'd']],
      ['tier', ['a', 'b']],
      ['!tier', ['c', 'd']],
      ['app=dagster,tier=worker', ['b']]
    ])('labelSelector %j', async (labelSelector, names) => {
      const list = await api.listNamespacedSecret({ namespace: ns, labelSelector })
      expect(list.items.map(s => s.metadata?.name)).toEqual(names)
    })

    it.each([
      ['metadata.name=c', ['c']],
      ['metadata.name!=c', ['a', 'b', 'd']],
      ['type=Opaque', ['a', 'b', 'c', 'd']]
    ])('fieldSelector %j', async (fieldSelector, names) => {
      const list = await api.listNamespacedSecret({ namespace: ns, fieldSelector })
      expect(list.items.map(s => s.metadata?.name)).toEqual(names)
    })

    it('answers 400 for an unsupported field selector', async () => {
      const f = await failure(api.listNamespacedSecret({ namespace: ns, fieldSelector: 'data.K=x' }))
      expect(f.code).toBe(400)
      expect(f.status?.message).toBe('field label not supported: data.K')
    })

    it('pages with limit and continue at one resourceVersion', async () => {
      const first = await api.listNamespacedSecret({ namespace: ns, limit: 3 })
      expect(first.items.map(s => s.metadata?.name)).toEqual(['a', 'b', 'c'])
      expect(first.metadata?.remainingItemCount).toBe(1)
      expect(first.metadata?._continue).toBeTruthy()
      const second = await api.listNamespacedSecret({
        namespace: ns,
        limit: 3,
        _continue: first.metadata?._continue
      })
      expect(second.items.map(s => s.metadata?.name)).toEqual(['d'])
      expect(second.metadata?._continue).toBeFalsy()
      expect(second.metadata?.resourceVersion).toBe(first.metadata?.resourceVersion)
    })

    it('reports a resourceVersion that every write moves forward', async () => {
      const rv = async (): Promise<number> =>
        Number((await api.listNamespacedSecret({ namespace: ns })).metadata?.resourceVersion)
      const start = await rv()
      await api.createNamespacedSecret({ namespace: ns, body: secret('z', {}) })
      const afterCreate = await rv()
      await api.deleteNamespacedSecret({ name: 'z', namespace: ns })
      expect(afterCreate).toBeGreaterThan(start)
      expect(await rv()).toBeGreaterThan(afterCreate)
    })
  })

  describe('request record', () => {
    it('records method, path, query, content type, user and status; writes() holds handled writes', async () => {
      await api.createNamespacedSecret({ namespace: ns, body: secret('app', {}), fieldManager: 'sync' })
      await failure(api.readNamespacedSecret({ name: 'missing', namespace: ns }))
      await failure(clientFor(double, 'bad').deleteNamespacedSecret({ name: 'app', namespace: ns }))
      expect(double.requests.map(r => [r.method, r.path, r.status, r.user])).toEqual([
        ['POST', `/api/v1/namespaces/${ns}/secrets`, 201, 'system:serviceaccount:ci:gke-secrets-sync'],
        ['GET', `/api/v1/namespaces/${ns}/secrets/missing`, 404, 'system:serviceaccount:ci:gke-secrets-sync'],
        ['DELETE', `/api/v1/namespaces/${ns}/secrets/app`, 401, undefined]
      ])
      expect(double.requests[0]?.query.get('fieldManager')).toBe('sync')
      expect(double.requests[0]?.contentType).toBe('application/json')
      expect(double.writes().map(w => w.method)).toEqual(['POST'])
      double.resetRequests()
      expect(double.requests).toEqual([])
      expect(double.writes()).toEqual([])
    })

    it('does not count seeded Secrets', () => {
      const seeded = double.seedSecret(ns, secret('tf', { K: 'v' }))
      expect(seeded.metadata.managedFields?.[0]?.manager).toBe('terraform')
      expect(seeded.metadata.uid).toBeTruthy()
      expect(double.requests).toEqual([])
      expect(() => double.seedSecret(ns, secret('Bad', {}))).toThrow(/Secret "Bad" is invalid/)
    })

    it('serves every path under basePath and records paths without it', async () => {
      const base = '/v1/projects/123/locations/global/gkeMemberships/dagster'
      const d = await startExtra({ basePath: base })
      expect(d.url).toBe(`https://127.0.0.1:${d.port}${base}`)
      await clientFor(d).createNamespacedSecret({ namespace: ns, body: secret('app', {}) })
      expect(d.requests[0]?.path).toBe(`/api/v1/namespaces/${ns}/secrets`)
      const outside = await new Promise<number>((resolve, reject) => {
        httpsRequest(
          `https://127.0.0.1:${d.port}/api/v1/namespaces/${ns}/secrets`,
          { ca: d.caPem, headers: { authorization: 'Bearer test-token' } },
          res => {
            res.resume()
            resolve(res.statusCode ?? 0)
          }
        )
          .on('error', reject)
          .end()
      })
      expect(outside).toBe(404)
    })
  })

  describe('faults', () => {
    it.each([
      { code: 500, reason: 'InternalError', retryAfter: undefined },
      { code: 503, reason: 'ServiceUnavailable', retryAfter: undefined },
      { code: 504, reason: 'Timeout', retryAfter: undefined },
      { code: 429, reason: 'TooManyRequests', retryAfter: 7 }
    ])(
      'status $code answers a $reason Status once, then the request goes through',
      async ({ code, reason, retryAfter }) => {
        double.inject({ kind: 'status', code, ...(retryAfter ? { retryAfter } : {}) })
        const f = await failure(api.listNamespacedSecret({ namespace: ns }))
        expect(f.code).toBe(code)
        expect(f.status?.reason).toBe(reason)
        if (retryAfter) {
          expect(f.status?.details?.retryAfterSeconds).toBe(retryAfter)
          expect(f.headers['retry-after']).toBe(String(retryAfter))
        }
        await api.listNamespacedSecret({ namespace: ns })
        expect(double.requests.map(r => r.status)).toEqual([code, 200])
      }
    )

    it('a 409 status fault on a named Secret answers the Conflict message', async () => {
      await api.createNamespacedSecret({ namespace: ns, body: secret('app', {}) })
      double.inject({ kind: 'status', code: 409, match: r => r.method === 'PUT' })
      const f = await failure(
        api.replaceNamespacedSecret({ name: 'app', namespace: ns, body: secret('app', { K: 'v' }) })
      )
      expect(f.status).toMatchObject({ reason: 'Conflict', details: { name: 'app', kind: 'secrets' } })
      expect(double.writes()).toHaveLength(1)
    })

    it('plain429 answers text/plain with Retry-After, as API Priority and Fairness does', async () => {
      double.inject({ kind: 'plain429', retryAfter: 3 })
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`)
      expect(r.status).toBe(429)
      expect(r.headers['content-type']).toMatch(/^text\/plain/)
      expect(r.headers['retry-after']).toBe('3')
      expect(r.body).toBe('Too many requests, please try again later.\n')
      double.inject({ kind: 'plain429' })
      const f = await failure(api.listNamespacedSecret({ namespace: ns }))
      expect(f.code).toBe(429)
      expect(f.headers['retry-after']).toBe('1')
    })

    it('applies faults in the order injected, each to `times` matching requests', async () => {
      double.inject({ kind: 'status', code: 500, match: r => r.method === 'POST', times: 2 })
      double.inject({ kind: 'status', code: 503 })
      await failure(api.listNamespacedSecret({ namespace: ns }))
      await failure(api.createNamespacedSecret({ namespace: ns, body: secret('a', {}) }))
      await failure(api.createNamespacedSecret({ namespace: ns, body: secret('a', {}) }))
      await api.createNamespacedSecret({ namespace: ns, body: secret('a', {}) })
      expect(double.requests.map(r => `${r.method} ${r.status}`)).toEqual([
        'GET 503',
        'POST 500',
        'POST 500',
        'POST 201'
      ])
      expect(double.writes()).toHaveLength(1)
    })

    it('drop resets the connection without an answer', async () => {
      double.inject({ kind: 'drop' })
      const error = await api.listNamespacedSecret({ namespace: ns }).catch((e: unknown) => e)
      expect(error).not.toBeInstanceOf(ApiException)
      expect(error).toBeInstanceOf(Error)
      expect(double.requests[0]?.status).toBe(0)
      await expect(api.listNamespacedSecret({ namespace: ns })).resolves.toBeTruthy()
    })

    it('dropAnswer stores the write, then resets the connection without an answer', async () => {
      double.inject({ kind: 'dropAnswer', match: r => r.method === 'POST' })
      const error = await api
        .createNamespacedSecret({ namespace: ns, body: secret('landed', { K: 'v' }) })
        .catch((e: unknown) => e)
      expect(error).not.toBeInstanceOf(ApiException)
      expect(error).toBeInstanceOf(Error)
      expect(double.writes().map(w => [w.method, w.status])).toEqual([['POST', 0]])
      expect(double.getSecret(ns, 'landed')?.data).toEqual({ K: b64('v') })
    })

    it('hang never answers until the client gives up', async () => {
      double.inject({ kind: 'hang' })
      const started = Date.now()
      const error = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
        signal: AbortSignal.timeout(300)
      }).catch((e: unknown) => e)
      expect((error as Error).name).toBe('AbortError')
      expect(Date.now() - started).toBeGreaterThanOrEqual(280)
      expect(double.requests[0]?.status).toBe(0)
    })

    it('latency delays the answer by ms, and latencyMs delays every request', async () => {
      double.inject({ kind: 'latency', ms: 250 })
      let started = Date.now()
      await api.listNamespacedSecret({ namespace: ns })
      expect(Date.now() - started).toBeGreaterThanOrEqual(240)
      double.latencyMs = 150
      started = Date.now()
      await api.listNamespacedSecret({ namespace: ns })
      await api.listNamespacedSecret({ namespace: ns })
      expect(Date.now() - started).toBeGreaterThanOrEqual(290)
      expect(double.requests.map(r => r.status)).toEqual([200, 200, 200])
    })
  })
})

/** A raw HTTP/2 client of the double: what arrives on the wire, frame by frame, that undici would act on. */
async function http2Session(double: KubeDouble): Promise<ClientHttp2Session> {
  const session = connectHttp2(double.url, { ca: double.caPem })
  await new Promise<void>((resolve, reject) => {
    session.once('remoteSettings', () => resolve())
    session.once('error', reject)
  })
  return session
}

interface Http2Answer {
  headers?: IncomingHttpHeaders
  body: string
  rstCode?: number
  goaway?: { code: number; lastStreamID: number }
}

function http2Get(session: ClientHttp2Session, path: string): Promise<Http2Answer> {
  return new Promise(resolve => {
    const answer: Http2Answer = { body: '' }
    session.once('goaway', (code, lastStreamID) => (answer.goaway = { code, lastStreamID }))
    session.on('error', () => undefined)
    const stream = session.request({ ':path': path, authorization: 'Bearer test-token' })
    stream.on('response', headers => (answer.headers = headers))
    stream.on('data', (chunk: Buffer) => (answer.body += chunk.toString()))
    stream.on('error', () => undefined)
    stream.on('close', () => resolve({ ...answer, ...(stream.rstCode ? { rstCode: stream.rstCode } : {}) }))
    stream.end()
  })
}

describe('kube API double: HTTP/2 with HTTP/1.1 fallback, as kube-apiserver', () => {
  const started: KubeDouble[] = []
  const start = async (opts: KubeDoubleOptions = {}): Promise<KubeDouble> => {
    const d = await startKubeDouble(opts)
    started.push(d)
    return d
  }
  afterEach(async () => {
    await Promise.all(started.splice(0).map(d => d.close()))
  })
  const secretsPath = `/api/v1/namespaces/${ns}/secrets`

  it('negotiates h2 with a client that offers it (100 streams at most), HTTP/1.1 with one that does not', async () => {
    const double = await start()
    const session = await http2Session(double)
    expect(session.alpnProtocol).toBe('h2')
    // kube-apiserver's default (k8s.io/apiserver/pkg/server/secure_serving.go).
    expect(session.remoteSettings.maxConcurrentStreams).toBe(100)
    const answer = await http2Get(session, secretsPath)
    session.close()
    expect(answer.headers?.[':status']).toBe(200)
    expect(JSON.parse(answer.body)).toMatchObject({ kind: 'SecretList' })
    // HTTP/2 forbids connection-specific headers (RFC 9113 section 8.2.2).
    for (const name of ['connection', 'keep-alive', 'transfer-encoding', 'upgrade']) {
      expect(answer.headers).not.toHaveProperty(name)
    }

    const http1 = await raw(double, secretsPath)
    expect(http1.status).toBe(200)
    expect(double.requests.map(r => [r.httpVersion, r.status])).toEqual([
      ['2.0', 200],
      ['1.1', 200]
    ])
    expect(double.requests[0]?.clientPort).not.toBe(double.requests[1]?.clientPort)
    expect(double.sessionsOpened).toBe(1)
    expect(double.connectionsOpened).toBe(2)
  })

  it.each([
    [['http/1.1'] as const, 'h2', false],
    [['h2'] as const, 'http/1.1', false],
    [['http/1.1'] as const, 'http/1.1', true]
  ])('protocols %j: a client offering only %s is served: %s', async (protocols, offered, served) => {
    const double = await start({ protocols })
    const alpn = await new Promise<string | false>(resolve => {
      const socket = tlsConnect(
        { host: '127.0.0.1', port: double.port, ca: double.caPem, ALPNProtocols: [offered] },
        () => {
          resolve(socket.alpnProtocol ?? false)
          socket.destroy()
        }
      )
      socket.on('error', () => resolve(false))
    })
    expect(alpn).toBe(served ? offered : false)
  })

  it('reset closes the stream with the code, and the connection serves the next request', async () => {
    const double = await start()
    double.inject({ kind: 'reset', code: httpConstants.NGHTTP2_REFUSED_STREAM })
    const session = await http2Session(double)
    const reset = await http2Get(session, secretsPath)
    const next = await http2Get(session, secretsPath)
    session.close()
    expect(reset).toMatchObject({ rstCode: httpConstants.NGHTTP2_REFUSED_STREAM, body: '' })
    expect(reset.headers).toBeUndefined()
    expect(next.headers?.[':status']).toBe(200)
    expect(double.requests.map(r => r.status)).toEqual([0, 200])
    expect(double.connectionsOpened).toBe(1)
  })

  it('a graceful goaway names the last stream received, answers it, and takes no new stream', async () => {
    const double = await start()
    double.inject({ kind: 'goaway' })
    const session = await http2Session(double)
    const answer = await http2Get(session, secretsPath)
    expect(answer.goaway).toEqual({ code: httpConstants.NGHTTP2_NO_ERROR, lastStreamID: 1 })
    expect(answer.headers?.[':status']).toBe(200)
    await new Promise(resolve => session.once('close', resolve))
    expect(double.requests.map(r => r.status)).toEqual([200])
  })

  it('an abrupt goaway sends the code, then closes the connection with nothing answered', async () => {
    const double = await start()
    double.inject({ kind: 'goaway', code: httpConstants.NGHTTP2_ENHANCE_YOUR_CALM })
    const session = await http2Session(double)
    const answer = await http2Get(session, secretsPath)
    expect(answer.goaway).toEqual({ code: httpConstants.NGHTTP2_ENHANCE_YOUR_CALM, lastStreamID: 1 })
    expect(answer.headers).toBeUndefined()
    expect(session.destroyed || session.closed).toBe(true)
    expect(double.requests.map(r => r.status)).toEqual([0])
  })

  it('drop closes the TCP connection without a frame: every stream on it ends unanswered', async () => {
    const double = await start()
    double.latencyMs = 100
    double.inject({ kind: 'drop', match: () => double.requests.length === 2 })
    const session = await http2Session(double)
    const [first, second] = await Promise.all([
      http2Get(session, secretsPath),
      http2Get(session, secretsPath)
    ])
    expect(first.goaway).toBeUndefined()
    expect(first.headers).toBeUndefined()
    expect(second.headers).toBeUndefined()
    expect(double.requests.map(r => r.status)).toEqual([0, 0])
  })

  it('counts requests in flight at once', async () => {
    const double = await start()
    double.latencyMs = 100
    const session = await http2Session(double)
    await Promise.all([1, 2, 3].map(() => http2Get(session, secretsPath)))
    await http2Get(session, secretsPath)
    session.close()
    expect(double.maxInFlight).toBe(3)
    double.resetRequests()
    expect(double.maxInFlight).toBe(0)
  })
})

describe('kube API double: a validating admission webhook', () => {
  let double: KubeDouble
  let api: CoreV1Api
  const seen: AdmissionRequest[] = []
  beforeEach(async () => {
    double = await startKubeDouble()
    api = clientFor(double)
    seen.length = 0
  })
  afterEach(() => double.close())

  const denyAll = (denial: Partial<AdmissionDenial> = {}): void => {
    double.validatingWebhook = request => {
      seen.push(request)
      return { webhook: 'validate.kyverno.svc-fail', message: 'blocked by policy', ...denial }
    }
  }

  it('denies a create with the Status of apiserver ToStatusErr, and stores nothing', async () => {
    denyAll()
    const { code, status } = await failure(
      api.createNamespacedSecret({ namespace: ns, body: secret('w', { K: 'quoted-value' }) })
    )
    expect(code).toBe(403)
    expect(status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message:
        'secrets "w" is forbidden: admission webhook "validate.kyverno.svc-fail" denied the request: blocked by policy',
      details: { group: '', kind: 'secrets', name: 'w' }
    })
    expect(double.getSecret(ns, 'w')).toBeUndefined()
    // The webhook saw the object as it would be stored, data in base64.
    expect(seen).toMatchObject([
      { operation: 'CREATE', name: 'w', dryRun: false, object: { data: { K: b64('quoted-value') } } }
    ])
  })

  it.each<[string, Partial<AdmissionDenial>, number, string, string]>([
    [
      'a code and reason of its own',
      { code: 400, reason: 'BadRequest' },
      400,
      'BadRequest',
      'secrets "w" is forbidden: '
    ],
    ['500, as an internal error', { code: 500 }, 500, 'InternalError', 'Internal error occurred: '],
    ['no message', { message: '' }, 403, 'Forbidden', 'secrets "w" is forbidden: ']
  ])('words a denial with %s as the API server does', async (_, denial, code, reason, prefix) => {
    denyAll(denial)
    const failed = await failure(api.createNamespacedSecret({ namespace: ns, body: secret('w', { K: 'v' }) }))
    expect(failed.code).toBe(code)
    expect(failed.status?.reason).toBe(reason)
    expect(
      failed.status?.message.startsWith(
        `${prefix}admission webhook "validate.kyverno.svc-fail" denied the request`
      )
    ).toBe(true)
    if (denial.message === '')
      expect(failed.status?.message).toMatch(/denied the request without explanation$/)
  })

  it('is asked after validation (422 first) and before the name is found taken (403, not 409)', async () => {
    double.seedSecret(ns, secret('taken', { K: 'v' }))
    denyAll()
    expect(
      (await failure(api.createNamespacedSecret({ namespace: ns, body: secret('Bad_Name', { K: 'v' }) })))
        .code
    ).toBe(422)
    expect(
      (await failure(api.createNamespacedSecret({ namespace: ns, body: secret('taken', { K: 'v' }) }))).code
    ).toBe(403)
    expect(seen.map(r => [r.operation, r.name])).toEqual([['CREATE', 'taken']])
  })

  it('is asked for updates and deletes, with the stored object, and for dry runs', async () => {
    double.seedSecret(ns, secret('s', { K: 'old' }))
    denyAll()
    const stored = await api.readNamespacedSecret({ name: 's', namespace: ns })
    await failure(
      api.replaceNamespacedSecret({ name: 's', namespace: ns, body: { ...stored, data: { K: b64('new') } } })
    )
    await failure(api.deleteNamespacedSecret({ name: 's', namespace: ns, dryRun: 'All' }))
    expect(seen).toMatchObject([
      {
        operation: 'UPDATE',
        dryRun: false,
        object: { data: { K: b64('new') } },
        oldObject: { data: { K: b64('old') } }
      },
      { operation: 'DELETE', dryRun: true, oldObject: { data: { K: b64('old') } } }
    ])
    expect(double.getSecret(ns, 's')?.data).toEqual({ K: b64('old') })
  })

  it('admits what it returns nothing for', async () => {
    double.validatingWebhook = () => undefined
    await api.createNamespacedSecret({ namespace: ns, body: secret('ok', { K: 'v' }) })
    expect(double.getSecret(ns, 'ok')).toBeDefined()
  })
})

describe('kube API double: close()', () => {
  let double: KubeDouble
  beforeAll(async () => {
    double = await startKubeDouble()
  })
  afterAll(async () => {
    await double.close().catch(() => undefined)
  })

  it('ends hanging requests', async () => {
    double.inject({ kind: 'hang' })
    const pending = raw(double, `/api/v1/namespaces/${ns}/secrets`).catch((e: unknown) => e)
    await new Promise(resolve => setTimeout(resolve, 100))
    await double.close()
    expect(await pending).toBeInstanceOf(Error)
  })
})
