// Request bodies in the Kubernetes protobuf encoding (`Content-Type: application/vnd.kubernetes.protobuf`), which
// kubectl >= 1.30 sends for typed writes of built-in kinds (`kubectl create secret`, `create -f`, `replace`).
// Wire format (k8s.io/apimachinery/pkg/runtime/serializer/protobuf/protobuf.go): the 4-byte magic `k8s\0`, then a
// `runtime.Unknown` message (k8s.io/apimachinery/pkg/runtime/generated.proto) whose `raw` field holds the object
// (k8s.io/api/core/v1/generated.proto `Secret`, k8s.io/apimachinery/pkg/apis/meta/v1/generated.proto `ObjectMeta`).
// Only the fields a client can set on a Secret are read; the result is the object as its JSON form would have it,
// so the Secrets double decodes and validates it exactly as a JSON body. gogo-protobuf writes every non-pointer
// string and the zero `creationTimestamp`, so empty strings and zero values are dropped like Go's `omitempty`.
import { BinaryReader, WireType } from '@protobuf-ts/runtime'
import { StatusError, badRequest } from './status.js'

export const protobufMediaType = 'application/vnd.kubernetes.protobuf'
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00])

type Fields = (reader: BinaryReader, field: number, wireType: WireType) => boolean

/** Reads a length-delimited message, handing each field to `read`; fields it does not take are skipped. */
function readMessage(bytes: Uint8Array, read: Fields): void {
  const reader = new BinaryReader(bytes)
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag()
    if (!read(reader, field, wireType)) reader.skip(wireType)
  }
}

/** A `map<string, string|bytes>` entry: key = 1, value = 2. */
function readMapEntry(bytes: Uint8Array): [string, Uint8Array] {
  let key = ''
  let value: Uint8Array = new Uint8Array()
  readMessage(bytes, (r, field) => {
    if (field === 1) key = r.string()
    else if (field === 2) value = r.bytes()
    else return false
    return true
  })
  return [key, value]
}

const text = (bytes: Uint8Array): string => Buffer.from(bytes).toString('utf8')

function readObjectMeta(bytes: Uint8Array): Record<string, unknown> {
  const meta: Record<string, unknown> = {}
  const labels: Record<string, string> = {}
  const annotations: Record<string, string> = {}
  const ownerReferences: Record<string, unknown>[] = []
  const finalizers: string[] = []
  const setString = (key: string, value: string): void => {
    if (value) meta[key] = value
  }
  readMessage(bytes, (r, field) => {
    switch (field) {
      case 1:
        setString('name', r.string())
        return true
      case 2:
        setString('generateName', r.string())
        return true
      case 3:
        setString('namespace', r.string())
        return true
      case 5:
        setString('uid', r.string())
        return true
      case 6:
        setString('resourceVersion', r.string())
        return true
      case 11: {
        const [k, v] = readMapEntry(r.bytes())
        labels[k] = text(v)
        return true
      }
      case 12: {
        const [k, v] = readMapEntry(r.bytes())
        annotations[k] = text(v)
        return true
      }
      case 13:
        ownerReferences.push(readOwnerReference(r.bytes()))
        return true
      case 14:
        finalizers.push(r.string())
        return true
      default:
        return false
    }
  })
  if (Object.keys(labels).length) meta.labels = labels
  if (Object.keys(annotations).length) meta.annotations = annotations
  if (ownerReferences.length) meta.ownerReferences = ownerReferences
  if (finalizers.length) meta.finalizers = finalizers
  return meta
}

/** metav1.OwnerReference (apimachinery pkg/apis/meta/v1/generated.proto): kind 1, name 3, uid 4, apiVersion 5,
 * controller 6, blockOwnerDeletion 7. */
function readOwnerReference(bytes: Uint8Array): Record<string, unknown> {
  const ref: Record<string, unknown> = {}
  const names: Record<number, string> = { 1: 'kind', 3: 'name', 4: 'uid', 5: 'apiVersion' }
  readMessage(bytes, (r, field) => {
    const name = names[field]
    if (name) ref[name] = r.string()
    else if (field === 6) ref.controller = r.bool()
    else if (field === 7) ref.blockOwnerDeletion = r.bool()
    else return false
    return true
  })
  return ref
}

function readSecret(bytes: Uint8Array, apiVersion: string): Record<string, unknown> {
  const secret: Record<string, unknown> = { kind: 'Secret', apiVersion }
  const data: Record<string, string> = {}
  const stringData: Record<string, string> = {}
  readMessage(bytes, (r, field) => {
    switch (field) {
      case 1:
        secret.metadata = readObjectMeta(r.bytes())
        return true
      case 2: {
        const [k, v] = readMapEntry(r.bytes())
        data[k] = Buffer.from(v).toString('base64')
        return true
      }
      case 3: {
        const type = r.string()
        if (type) secret.type = type
        return true
      }
      case 4: {
        const [k, v] = readMapEntry(r.bytes())
        stringData[k] = text(v)
        return true
      }
      case 5:
        secret.immutable = r.bool()
        return true
      default:
        return false
    }
  })
  if (Object.keys(data).length) secret.data = data
  if (Object.keys(stringData).length) secret.stringData = stringData
  return secret
}

/** runtime.Unknown's TypeMeta (apiVersion = 1, kind = 2) and raw object (2). */
function readEnvelope(body: Buffer): { apiVersion: string; kind: string; raw: Uint8Array } | StatusError {
  if (body.length < magic.length || !body.subarray(0, magic.length).equals(magic)) {
    return badRequest(
      'provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]'
    )
  }
  const envelope = { apiVersion: '', kind: '', raw: new Uint8Array() as Uint8Array }
  readMessage(body.subarray(magic.length), (r, field) => {
    if (field === 1) {
      readMessage(r.bytes(), (t, f) => {
        if (f === 1) envelope.apiVersion = t.string()
        else if (f === 2) envelope.kind = t.string()
        else return false
        return true
      })
    } else if (field === 2) envelope.raw = r.bytes()
    else return false
    return true
  })
  return envelope
}

/** k8s.io/api/authorization/v1/generated.proto: SelfSubjectAccessReview.spec = 2; its spec's
 * resourceAttributes = 1 (namespace 1, verb 2, group 3, version 4, resource 5, subresource 6, name 7) and
 * nonResourceAttributes = 2 (path 1, verb 2). */
function readSelfSubjectAccessReview(bytes: Uint8Array, apiVersion: string): Record<string, unknown> {
  const names: Record<number, string> = {
    1: 'namespace',
    2: 'verb',
    3: 'group',
    4: 'version',
    5: 'resource',
    6: 'subresource',
    7: 'name'
  }
  const attributes = (raw: Uint8Array, fieldNames: Record<number, string>): Record<string, string> => {
    const out: Record<string, string> = {}
    readMessage(raw, (r, field) => {
      const key = fieldNames[field]
      if (key === undefined) return false
      const value = r.string()
      if (value) out[key] = value
      return true
    })
    return out
  }
  const spec: Record<string, unknown> = {}
  readMessage(bytes, (r, field) => {
    if (field !== 2) return false
    readMessage(r.bytes(), (s, f) => {
      if (f === 1) spec.resourceAttributes = attributes(s.bytes(), names)
      else if (f === 2) spec.nonResourceAttributes = attributes(s.bytes(), { 1: 'path', 2: 'verb' })
      else return false
      return true
    })
    return true
  })
  return { kind: 'SelfSubjectAccessReview', apiVersion, metadata: {}, spec }
}

const readers: Record<string, (raw: Uint8Array, apiVersion: string) => Record<string, unknown>> = {
  'v1/Secret': readSecret,
  'authorization.k8s.io/v1/SelfSubjectAccessReview': readSelfSubjectAccessReview
}

/**
 * The object a protobuf request body carries, in its JSON shape, when it is of the kind the URL serves; a 400
 * Status otherwise (worded after the apiserver's decoding errors). Only the kinds a client writes here as
 * protobuf are decoded: v1 Secret and authorization.k8s.io/v1 SelfSubjectAccessReview.
 */
export function decodeProtobufBody(
  body: Buffer,
  expected: 'v1/Secret' | 'authorization.k8s.io/v1/SelfSubjectAccessReview'
): Record<string, unknown> | StatusError {
  try {
    const envelope = readEnvelope(body)
    if (envelope instanceof StatusError) return envelope
    const { apiVersion, kind, raw } = envelope
    const read = readers[`${apiVersion}/${kind}`]
    if (`${apiVersion}/${kind}` !== expected || !read) {
      const expectedKind = expected.split('/').at(-1) ?? ''
      return badRequest(
        `the object provided is unrecognized (must be of type ${expectedKind}): couldn't get version/kind; ${apiVersion}, Kind=${kind}`
      )
    }
    return read(raw, apiVersion)
  } catch (error) {
    return badRequest(`unable to decode protobuf body: ${(error as Error).message}`)
  }
}

/** Whether a Content-Type header names the Kubernetes protobuf encoding. */
export const isProtobuf = (contentType: string | undefined): boolean =>
  (contentType ?? '').split(';')[0]?.trim() === protobufMediaType
