// The Kubernetes double keeps every metadata field the API server keeps for a Secret, and checks a write's body,
// media type and fieldManager as the API server does. Real client-node over HTTPS (raw HTTPS where the client would
// not send what the test needs: another Content-Type, a bad apiVersion).
import { ApiException, CoreV1Api, type V1Secret } from '@kubernetes/client-node'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { kubeConfigFor } from '../doubles/kube-config.js'
import { rawRequest } from '../doubles/raw-request.js'

const ns = 'dagster-prd'
const path = `/api/v1/namespaces/${ns}/secrets`
const owner = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  name: 'dagster-user-code',
  uid: '6f1d2c3b-0000-4000-8000-000000000001',
  controller: true,
  blockOwnerDeletion: true
}

let double: KubeDouble
let api: CoreV1Api
beforeEach(async () => {
  double = await startKubeDouble()
  api = kubeConfigFor(double).makeApiClient(CoreV1Api)
})
afterEach(() => double.close())

/** The Status a call failed with. */
async function failure(call: Promise<unknown>): Promise<{ code: number; message: string; reason: string }> {
  try {
    await call
  } catch (error) {
    if (!(error instanceof ApiException)) throw error
    const body = JSON.parse(error.body as string) as { message: string; reason: string }
    return { code: error.code, message: body.message, reason: body.reason }
  }
  throw new Error('expected the call to fail')
}

const held = (extra: V1Secret['metadata'] = {}): V1Secret => ({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: { name: 'held', finalizers: ['example.com/hold'], ownerReferences: [owner], ...extra },
  type: 'Opaque',
  data: { K: 'dg==' }
})

describe('metadata the server keeps', () => {
  it('returns finalizers, owner references and generateName on create, GET and LIST, in the server order', async () => {
    const created = await api.createNamespacedSecret({
      namespace: ns,
      body: held({ generateName: 'held-' }),
      fieldManager: 'terraform'
    })
    expect(created.metadata?.finalizers).toEqual(['example.com/hold'])
    expect(created.metadata?.ownerReferences).toEqual([owner])
    const stored = double.getSecret(ns, 'held')
    expect(Object.keys(stored?.metadata ?? {})).toEqual([
      'name',
      'generateName',
      'namespace',
      'uid',
      'resourceVersion',
      'creationTimestamp',
      'ownerReferences',
      'finalizers',
      'managedFields'
    ])
    // No generation: the Secret strategy does not count them.
    expect(stored?.metadata).not.toHaveProperty('generation')
    expect(stored?.metadata.managedFields?.[0]?.fieldsV1).toMatchObject({
      'f:metadata': {
        'f:finalizers': { '.': {}, 'v:"example.com/hold"': {} },
        'f:ownerReferences': { '.': {}, [`k:{"uid":"${owner.uid}"}`]: {} }
      }
    })
    const read = await api.readNamespacedSecret({ name: 'held', namespace: ns })
    expect(read.metadata?.generateName).toBe('held-')
    const listed = await api.listNamespacedSecret({ namespace: ns })
    expect(listed.items[0]?.metadata?.finalizers).toEqual(['example.com/hold'])
  })

  it('makes the name from generateName when a POST has none, and keeps generateName', async () => {
    const created = await api.createNamespacedSecret({
      namespace: ns,
      body: { metadata: { generateName: 'dagster-' }, data: {} }
    })
    expect(created.metadata?.name).toMatch(/^dagster-[bcdfghjklmnpqrstvwxz2456789]{5}$/)
    expect(double.getSecret(ns, created.metadata?.name as string)?.metadata.generateName).toBe('dagster-')
  })

  it('clears finalizers and owner references on a PUT that leaves them out, as the API server does', async () => {
    const created = await api.createNamespacedSecret({ namespace: ns, body: held() })
    const { finalizers: _f, ownerReferences: _o, ...bare } = created.metadata ?? {}
    await api.replaceNamespacedSecret({ name: 'held', namespace: ns, body: { ...created, metadata: bare } })
    expect(double.getSecret(ns, 'held')?.metadata).not.toHaveProperty('finalizers')
    expect(double.getSecret(ns, 'held')?.metadata).not.toHaveProperty('ownerReferences')
  })

  it('stores a PUT that changes only the finalizers (a new resourceVersion)', async () => {
    const created = await api.createNamespacedSecret({ namespace: ns, body: held() })
    const replaced = await api.replaceNamespacedSecret({
      name: 'held',
      namespace: ns,
      body: {
        ...created,
        metadata: { ...created.metadata, finalizers: ['example.com/hold', 'example.com/also'] }
      }
    })
    expect(replaced.metadata?.resourceVersion).not.toBe(created.metadata?.resourceVersion)
    expect(double.getSecret(ns, 'held')?.metadata.finalizers).toEqual([
      'example.com/hold',
      'example.com/also'
    ])
  })

  it('refuses a PUT whose uid is another Secret of the same name: 409 before the resourceVersion', async () => {
    const created = await api.createNamespacedSecret({ namespace: ns, body: held() })
    const body = { ...created, metadata: { ...created.metadata, uid: 'someone-else', resourceVersion: '1' } }
    const f = await failure(api.replaceNamespacedSecret({ name: 'held', namespace: ns, body }))
    expect(f).toEqual({
      code: 409,
      reason: 'Conflict',
      message: `Operation cannot be fulfilled on secrets "held": Precondition failed: UID in precondition: someone-else, UID in object meta: ${created.metadata?.uid}`
    })
  })
})

describe('deleting a Secret with finalizers', () => {
  it('marks it (deletionTimestamp, grace period 0), refuses new finalizers, and deletes it when the last goes', async () => {
    await api.createNamespacedSecret({ namespace: ns, body: held() })
    const answer = await rawRequest(double, `${path}/held`, { method: 'DELETE' })
    expect(answer.status).toBe(200)
    const marked = JSON.parse(answer.body) as V1Secret
    expect(marked.kind).toBe('Secret')
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(0)
    expect(String(marked.metadata?.deletionTimestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/)
    const again = await rawRequest(double, `${path}/held`, { method: 'DELETE' })
    expect((JSON.parse(again.body) as V1Secret).metadata?.resourceVersion).toBe(
      marked.metadata?.resourceVersion
    )

    const live = await api.readNamespacedSecret({ name: 'held', namespace: ns })
    const more = {
      ...live,
      metadata: { ...live.metadata, finalizers: ['example.com/hold', 'example.com/new'] }
    }
    expect(await failure(api.replaceNamespacedSecret({ name: 'held', namespace: ns, body: more }))).toEqual({
      code: 422,
      reason: 'Invalid',
      message:
        'Secret "held" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"example.com/new"}'
    })

    const released = { ...live, metadata: { ...live.metadata, finalizers: [] } }
    await api.replaceNamespacedSecret({ name: 'held', namespace: ns, body: released })
    expect(double.getSecret(ns, 'held')).toBeUndefined()
  })
})

describe('validation of the metadata', () => {
  it.each([
    [
      'an owner reference without uid',
      { ownerReferences: [{ ...owner, uid: '' }] },
      'metadata.ownerReferences.uid: Invalid value: "": uid must not be empty'
    ],
    [
      'an owner reference without apiVersion',
      { ownerReferences: [{ ...owner, apiVersion: '' }] },
      'metadata.ownerReferences.apiVersion: Invalid value: "": version must not be empty'
    ],
    [
      'two controllers',
      { ownerReferences: [owner, { ...owner, name: 'other', uid: 'u2' }] },
      'Only one reference can have Controller set to true. Found "true" in references for Deployment/dagster-user-code and Deployment/other'
    ],
    [
      'a finalizer that is neither standard nor qualified',
      { finalizers: ['hold'] },
      'metadata.finalizers: Invalid value: "hold": name is neither a standard finalizer name nor is it fully qualified'
    ]
  ])('%s: 422', async (_, metadata, message) => {
    const f = await failure(
      api.createNamespacedSecret({ namespace: ns, body: { metadata: { name: 'x', ...metadata }, data: {} } })
    )
    expect(f.code).toBe(422)
    expect(f.message).toContain(message)
  })

  it.each([['kubernetes'], ['orphan'], ['foregroundDeletion'], ['example.com/hold']])(
    'takes the finalizer %s',
    async finalizer => {
      await api.createNamespacedSecret({
        namespace: ns,
        body: { metadata: { name: 'x', finalizers: [finalizer] } }
      })
      expect(double.getSecret(ns, 'x')?.metadata.finalizers).toEqual([finalizer])
    }
  )

  it.each([
    [{ metadata: { name: 'x', finalizers: 'hold' } }, 'ObjectMeta.metadata.finalizers of type []string'],
    [
      { metadata: { name: 'x', ownerReferences: {} } },
      'ObjectMeta.metadata.ownerReferences of type []v1.OwnerReference'
    ],
    [{ metadata: { name: 'x', uid: 7 } }, 'ObjectMeta.metadata.uid of type string']
  ])('a body of the wrong shape %j: 400', async (body, detail) => {
    const answer = await rawRequest(double, path, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body)
    })
    expect(answer.status).toBe(400)
    expect(answer.body).toContain(detail)
  })
})

describe('what a write body must be', () => {
  const post = (body: string, contentType?: string, query = '') =>
    rawRequest(double, `${path}${query}`, {
      method: 'POST',
      headers: contentType === undefined ? {} : { 'content-type': contentType },
      body
    })
  const json = (apiVersion: string, kind = 'Secret'): string =>
    JSON.stringify({ apiVersion, kind, metadata: { name: 'x' } })

  it.each([
    [
      'v2',
      'Secret in version "v2" cannot be handled as a Secret: no kind "Secret" is registered for version "v2"'
    ],
    [
      'apps/v1',
      'Secret in version "v1" cannot be handled as a Secret: no kind "Secret" is registered for version "apps/v1"'
    ]
  ])('apiVersion %s: 400', async (apiVersion, message) => {
    const answer = await post(json(apiVersion), 'application/json')
    expect(answer.status).toBe(400)
    expect(JSON.parse(answer.body)).toMatchObject({
      reason: 'BadRequest',
      message: expect.stringContaining(message)
    })
    expect(double.getSecret(ns, 'x')).toBeUndefined()
  })

  it('kind ConfigMap: 400', async () => {
    const answer = await post(json('v1', 'ConfigMap'), 'application/json')
    expect(answer.status).toBe(400)
    expect(answer.body).toContain('the object provided is unrecognized (must be of type Secret): ConfigMap')
  })

  it.each([
    ['application/json', json('v1')],
    ['application/json; charset=utf-8', json('v1')],
    [undefined, json('v1')],
    ['', json('v1')],
    ['application/yaml', 'apiVersion: v1\nkind: Secret\nmetadata:\n  name: x\n']
  ])('takes Content-Type %j', async (contentType, body) => {
    const answer = await post(body, contentType)
    expect(answer.status, answer.body).toBe(201)
    expect(double.getSecret(ns, 'x')).toBeDefined()
  })

  it.each([['text/plain'], ['application/x-www-form-urlencoded'], ['application/merge-patch+json']])(
    'refuses Content-Type %s on POST and PUT: 415',
    async contentType => {
      const expected = {
        code: 415,
        reason: 'UnsupportedMediaType',
        message:
          'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf'
      }
      const created = await post(json('v1'), contentType)
      expect(created.status).toBe(415)
      expect(JSON.parse(created.body)).toMatchObject(expected)
      double.seedSecret(ns, { metadata: { name: 'x' } })
      const replaced = await rawRequest(double, `${path}/x`, {
        method: 'PUT',
        headers: { 'content-type': contentType },
        body: json('v1')
      })
      expect(replaced.status).toBe(415)
      expect(JSON.parse(replaced.body)).toMatchObject(expected)
    }
  )

  // apimachinery pkg/apis/meta/v1/validation ValidateFieldManager: at most 128 bytes, printable characters only.
  it.each([
    ['m'.repeat(128), 201, undefined],
    ['gke-secrets-sync', 201, undefined],
    ['ünïcödé manager', 201, undefined],
    [
      'm'.repeat(129),
      422,
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Too long: may not be more than 128 bytes'
    ],
    [
      'a\nb',
      422,
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "a\\nb": invalid character U+000A (at position 1)'
    ],
    [
      'é\tx',
      422,
      'CreateOptions.meta.k8s.io "" is invalid: fieldManager: Invalid value: "é\\tx": invalid character U+0009 (at position 2)'
    ]
  ])('fieldManager %j: %i', async (fieldManager, status, message) => {
    const answer = await post(
      json('v1'),
      'application/json',
      `?fieldManager=${encodeURIComponent(fieldManager)}`
    )
    expect(answer.status).toBe(status)
    if (message) expect(JSON.parse(answer.body)).toMatchObject({ reason: 'Invalid', message })
    else expect(double.getSecret(ns, 'x')?.metadata.managedFields?.[0]?.manager).toBe(fieldManager)
  })

  it('checks the fieldManager of a PUT and a PATCH too', async () => {
    double.seedSecret(ns, { metadata: { name: 'x' } })
    const long = 'm'.repeat(129)
    const put = await rawRequest(double, `${path}/x?fieldManager=${long}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: json('v1')
    })
    expect(JSON.parse(put.body)).toMatchObject({
      code: 422,
      message: expect.stringContaining('UpdateOptions')
    })
    const patch = await rawRequest(double, `${path}/x?fieldManager=${long}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/merge-patch+json' },
      body: '{}'
    })
    expect(JSON.parse(patch.body)).toMatchObject({
      code: 422,
      message: expect.stringContaining('PatchOptions')
    })
  })
})
