// What current kubectl sends that older clients did not, held against the Kubernetes double over raw HTTPS (the
// real-kubectl side of the same is kubectl.test.ts): protobuf request bodies, SelfSubjectAccessReviews, the OpenAPI
// v2 and v3 documents, and `fieldValidation=Strict`.
import { BinaryWriter, WireType } from '@protobuf-ts/runtime'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { rawRequest, type RawRequest, type RawResponse } from '../doubles/raw-request.js'

const ns = 'dagster-prd'
const LEN = WireType.LengthDelimited

const raw = (double: KubeDouble, path: string, init?: RawRequest): Promise<RawResponse> =>
  rawRequest(double, path, init)

const json = (r: RawResponse): Record<string, unknown> => JSON.parse(r.body) as Record<string, unknown>

/** `k8s\0` + runtime.Unknown{typeMeta{apiVersion, kind}, raw}, written field by field as kubectl 1.33's gogo-protobuf
 * code does, empty strings included (seen with `kubectl create secret generic -v=9`). */
function protobufBody(apiVersion: string, kind: string, object: Uint8Array): Buffer {
  const w = new BinaryWriter()
  w.tag(1, LEN).fork().tag(1, LEN).string(apiVersion).tag(2, LEN).string(kind).join()
  w.tag(2, LEN).bytes(object)
  w.tag(3, LEN).string('').tag(4, LEN).string('')
  return Buffer.concat([Buffer.from('k8s\0', 'binary'), w.finish()])
}

function protobufSecret(
  name: string,
  data: Record<string, string>,
  labels: Record<string, string> = {}
): Uint8Array {
  const w = new BinaryWriter()
  w.tag(1, LEN).fork().tag(1, LEN).string(name)
  for (const field of [2, 3, 4, 5, 6]) w.tag(field, LEN).string('')
  w.tag(7, WireType.Varint).int64(0)
  w.tag(8, LEN).fork().join()
  for (const [k, v] of Object.entries(labels))
    w.tag(11, LEN).fork().tag(1, LEN).string(k).tag(2, LEN).string(v).join()
  w.join()
  for (const [k, v] of Object.entries(data)) {
    w.tag(2, LEN).fork().tag(1, LEN).string(k).tag(2, LEN).bytes(Buffer.from(v)).join()
  }
  w.tag(3, LEN).string('')
  return w.finish()
}

const protobufHeaders = {
  'content-type': 'application/vnd.kubernetes.protobuf',
  accept: 'application/vnd.kubernetes.protobuf,application/json'
}

describe('kube API double: what current kubectl sends', () => {
  let double: KubeDouble

  beforeEach(async () => {
    double = await startKubeDouble({
      namespaces: [ns, 'restricted'],
      authorize: a => a.namespace !== 'restricted' && !(a.verb === 'delete' && a.resource === 'secrets')
    })
  })
  afterEach(async () => {
    await double.close()
  })

  describe('protobuf request bodies', () => {
    it('creates a Secret from a protobuf body and answers JSON', async () => {
      const body = protobufBody('v1', 'Secret', protobufSecret('x', { K: 'v' }, { app: 'dagster' }))
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets?fieldManager=kubectl-create`, {
        method: 'POST',
        headers: protobufHeaders,
        body
      })
      expect(r.status).toBe(201)
      expect(r.contentType).toBe('application/json')
      expect(json(r)).toMatchObject({ kind: 'Secret', data: { K: 'dg==' }, type: 'Opaque' })
      const stored = double.getSecret(ns, 'x')
      expect(stored?.metadata.labels).toEqual({ app: 'dagster' })
      expect(stored?.metadata.managedFields?.[0]?.manager).toBe('kubectl-create')
    })

    it('replaces a Secret from a protobuf body', async () => {
      double.seedSecret(ns, { metadata: { name: 'x' }, data: { K: 'dg==' } })
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets/x`, {
        method: 'PUT',
        headers: protobufHeaders,
        body: protobufBody('v1', 'Secret', protobufSecret('x', { K: 'w' }))
      })
      expect(r.status).toBe(200)
      expect(double.getSecret(ns, 'x')?.data).toEqual({ K: 'dw==' })
    })

    it.each([
      ['without the k8s magic', Buffer.from('{"kind":"Secret"}'), 'does not appear to be a protobuf message'],
      [
        'of another kind',
        protobufBody('v1', 'ConfigMap', new Uint8Array()),
        'the object provided is unrecognized (must be of type Secret)'
      ],
      ['truncated', protobufBody('v1', 'Secret', protobufSecret('x', { K: 'v' })).subarray(0, 20), 'protobuf']
    ])('answers 400 for a protobuf body %s', async (_, body, message) => {
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
        method: 'POST',
        headers: protobufHeaders,
        body
      })
      expect(r.status).toBe(400)
      expect(json(r)).toMatchObject({ kind: 'Status', reason: 'BadRequest' })
      expect(json(r).message).toContain(message)
      expect(double.listSecrets(ns)).toEqual([])
    })
  })

  describe('SelfSubjectAccessReview', () => {
    const path = '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews'
    const review = (spec: object): string =>
      JSON.stringify({ kind: 'SelfSubjectAccessReview', apiVersion: 'authorization.k8s.io/v1', spec })

    it.each([
      [{ namespace: ns, verb: 'create', resource: 'secrets' }, true],
      [{ namespace: ns, verb: 'delete', resource: 'secrets', name: 'x' }, false],
      [{ namespace: 'restricted', verb: 'get', resource: 'secrets' }, false],
      [{ namespace: ns, verb: 'get', resource: 'configmaps' }, false],
      [{ namespace: ns, verb: 'patch', group: 'apps', resource: 'deployments' }, true]
    ])('answers %j from the RBAC of the double: %s', async (resourceAttributes, allowed) => {
      const r = await raw(double, path, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: review({ resourceAttributes })
      })
      expect(r.status).toBe(201)
      expect(json(r)).toMatchObject({
        kind: 'SelfSubjectAccessReview',
        spec: { resourceAttributes },
        status: { allowed }
      })
    })

    it('reads a protobuf review, as kubectl >= 1.30 sends it', async () => {
      const attributes = new BinaryWriter()
      attributes.tag(1, LEN).string(ns).tag(2, LEN).string('list').tag(5, LEN).string('secrets')
      const spec = new BinaryWriter().tag(1, LEN).bytes(attributes.finish()).finish()
      const object = new BinaryWriter().tag(2, LEN).bytes(spec).finish()
      const r = await raw(double, path, {
        method: 'POST',
        headers: protobufHeaders,
        body: protobufBody('authorization.k8s.io/v1', 'SelfSubjectAccessReview', object)
      })
      expect(r.status).toBe(201)
      expect(json(r)).toMatchObject({
        spec: { resourceAttributes: { namespace: ns, verb: 'list', resource: 'secrets' } },
        status: { allowed: true }
      })
    })

    it('allows GET of discovery URLs only, for non-resource attributes', async () => {
      const ask = async (nonResourceAttributes: object): Promise<unknown> =>
        json(await raw(double, path, { method: 'POST', body: review({ nonResourceAttributes }) })).status
      expect(await ask({ path: '/version', verb: 'get' })).toEqual({ allowed: true })
      expect(await ask({ path: '/metrics', verb: 'get' })).toEqual({ allowed: false })
    })

    it('answers 422 for a review without attributes and 405 for a GET', async () => {
      const empty = await raw(double, path, { method: 'POST', body: review({}) })
      expect(empty.status).toBe(422)
      expect(json(empty).message).toContain('exactly one of nonResourceAttributes or resourceAttributes')
      expect((await raw(double, path)).status).toBe(405)
    })

    it('is listed in discovery', async () => {
      const groups = json(await raw(double, '/apis')).groups as { name: string }[]
      expect(groups.map(g => g.name)).toContain('authorization.k8s.io')
      const resources = json(await raw(double, '/apis/authorization.k8s.io/v1')).resources as {
        name: string
      }[]
      expect(resources.map(r => r.name)).toEqual(['selfsubjectaccessreviews'])
    })
  })

  describe('OpenAPI', () => {
    it('lists core/v1 in /openapi/v3, at a hashed URL that serves the document', async () => {
      const root = json(await raw(double, '/openapi/v3')) as {
        paths: Record<string, { serverRelativeURL: string }>
      }
      expect(Object.keys(root.paths)).toEqual(['api/v1'])
      const url = root.paths['api/v1']?.serverRelativeURL ?? ''
      expect(url).toMatch(/^\/openapi\/v3\/api\/v1\?hash=[0-9A-F]{128}$/)
      const doc = json(await raw(double, url)) as {
        paths: Record<string, { patch?: { parameters: { name: string }[] } & Record<string, unknown> }>
        components: { schemas: Record<string, Record<string, unknown>> }
      }
      // kubectl's query-param verifier: the PATCH of the kind lists fieldValidation.
      const patch = doc.paths['/api/v1/namespaces/{namespace}/secrets/{name}']?.patch
      expect(patch?.['x-kubernetes-group-version-kind']).toEqual({ group: '', version: 'v1', kind: 'Secret' })
      expect(patch?.parameters.map(p => p.name)).toContain('fieldValidation')
      expect(
        doc.components.schemas['io.k8s.api.core.v1.Secret']?.['x-kubernetes-group-version-kind']
      ).toEqual([{ group: '', kind: 'Secret', version: 'v1' }])
    })

    it('lists apps/v1 only when it serves Deployments', async () => {
      const withApps = await startKubeDouble({ deployments: true })
      try {
        const root = json(await raw(withApps, '/openapi/v3')) as { paths: Record<string, unknown> }
        expect(Object.keys(root.paths)).toEqual(['api/v1', 'apis/apps/v1'])
        const doc = json(await raw(withApps, '/openapi/v3/apis/apps/v1')) as {
          paths: Record<string, unknown>
        }
        expect(Object.keys(doc.paths)).toContain('/apis/apps/v1/namespaces/{namespace}/deployments/{name}')
      } finally {
        await withApps.close()
      }
      expect((await raw(double, '/openapi/v3/apis/apps/v1')).status).toBe(404)
    })

    it('serves /openapi/v2 as JSON, or as gnostic protobuf when asked as client-go asks', async () => {
      const asJson = json(await raw(double, '/openapi/v2')) as {
        swagger: string
        definitions: Record<string, { properties?: Record<string, unknown> }>
      }
      expect(asJson.swagger).toBe('2.0')
      expect(asJson.definitions['io.k8s.api.core.v1.Secret']?.properties?.metadata).toEqual({
        $ref: '#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta'
      })
      const pb = await raw(double, '/openapi/v2', {
        headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' }
      })
      expect(pb.contentType).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf')
      // Document.swagger (field 1) = "2.0" comes first.
      expect([...pb.bytes.subarray(0, 5)]).toEqual([0x0a, 0x03, 0x32, 0x2e, 0x30])
      expect(pb.bytes.includes(Buffer.from('io.k8s.api.core.v1.Secret'))).toBe(true)
    })
  })

  describe('fieldValidation', () => {
    const body = JSON.stringify({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'x', nope: 1 },
      spec: {}
    })

    it('answers 400 for unknown fields with fieldValidation=Strict', async () => {
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets?fieldValidation=Strict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body
      })
      expect(r.status).toBe(400)
      expect(json(r).message).toBe(
        'Secret in version "v1" cannot be handled as a Secret: strict decoding error: unknown field "spec", unknown field "metadata.nope"'
      )
      expect(double.getSecret(ns, 'x')).toBeUndefined()
    })

    it('answers 400 for a patch that adds an unknown field, with fieldValidation=Strict', async () => {
      double.seedSecret(ns, { metadata: { name: 'x' }, data: { K: 'dg==' } })
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets/x?fieldValidation=Strict`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/strategic-merge-patch+json' },
        body: JSON.stringify({ spec: { replicas: 1 }, data: { K: 'dw==' } })
      })
      expect(r.status).toBe(400)
      expect(json(r)).toMatchObject({
        reason: 'BadRequest',
        message: 'strict decoding error: unknown field "spec"'
      })
      expect(double.getSecret(ns, 'x')?.data).toEqual({ K: 'dg==' })
    })

    it('drops unknown fields without it', async () => {
      const r = await raw(double, `/api/v1/namespaces/${ns}/secrets`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body
      })
      expect(r.status).toBe(201)
      expect(json(r)).not.toHaveProperty('spec')
    })
  })
})
