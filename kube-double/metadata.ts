// Metadata-only fetches: a LIST with `Accept: application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1`
// answers kind PartialObjectMetadataList (apiVersion meta.k8s.io/v1) whose items hold only `metadata`, each with
// kind PartialObjectMetadata (apiserver handlers/response.go, asPartialObjectMetadataList;
// https://kubernetes.io/docs/reference/using-api/api-concepts/#metadata-only-fetches). Content negotiation
// (apimachinery negotiation.go): the first acceptable media type wins; a request whose every type asks for a
// representation this endpoint cannot give (e.g. `as=PartialObjectMetadata`, the single-object kind, on a LIST)
// and offers no plain fallback is answered 406 NotAcceptable.
import { StatusError } from './status.js'

type Representation = { kind: 'metadataList'; version: 'v1' | 'v1beta1' } | { kind: 'other' }

function parseMediaType(entry: string): { type: string; params: Map<string, string> } {
  const [type = '', ...rest] = entry.split(';').map(part => part.trim())
  const params = new Map<string, string>()
  for (const part of rest) {
    const [key, value] = part.split('=')
    if (key && value !== undefined) params.set(key.trim(), value.trim())
  }
  return { type, params }
}

/** What a LIST with this Accept header asks for; throws 406 when nothing in it can be served. */
export function listRepresentation(accept: string | undefined): Representation {
  if (!accept) return { kind: 'other' }
  const entries = accept.split(',').map(parseMediaType)
  for (const { params } of entries) {
    const as = params.get('as')
    if (as === undefined) return { kind: 'other' }
    if (as === 'Table') return { kind: 'other' }
    const version = params.get('v')
    if (
      as === 'PartialObjectMetadataList' &&
      params.get('g') === 'meta.k8s.io' &&
      (version === 'v1' || version === 'v1beta1')
    ) {
      return { kind: 'metadataList', version }
    }
  }
  throw new StatusError(
    406,
    'NotAcceptable',
    'only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf',
    {}
  )
}

export function partialObjectMetadataList(
  items: { metadata: object }[],
  version: 'v1' | 'v1beta1',
  listMeta: object
): object {
  const apiVersion = `meta.k8s.io/${version}`
  return {
    kind: 'PartialObjectMetadataList',
    apiVersion,
    metadata: listMeta,
    items: items.map(item => ({ kind: 'PartialObjectMetadata', apiVersion, metadata: item.metadata }))
  }
}
