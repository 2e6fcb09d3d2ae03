// LIST with selectors and paging, shared by every resource the double lists: label and field selectors filter,
// `limit` cuts a page, and `continue` resumes after the last name of the previous page at that page's revision.
import { parseFieldSelector, parseLabelSelector, type FieldReaders } from './selectors.js'
import { badRequest } from './status.js'

/** The ListMeta of a LIST answer. */
export interface ListMetadata {
  resourceVersion: string
  continue?: string
  remainingItemCount?: number
}

/** A pagination token like etcd3's: base64 JSON of the list revision and the key to start from. */
interface ContinueToken {
  v: string
  rv: number
  start: string
}

/** How a LIST reads one kind of stored object. */
export interface Listable<T> {
  name: (item: T) => string
  labels: (item: T) => Record<string, string> | undefined
  /** The fields its field selector supports. */
  fields: FieldReaders<T>
}

/**
 * One page of `items` (in etcd key order, by name) as a LIST with `query` answers it, at the store's
 * `revision` unless a continue token carries an earlier one. Throws 400 for a bad selector or continue token.
 */
export function listPage<T>(
  items: T[],
  query: URLSearchParams,
  revision: string,
  kind: Listable<T>
): { page: T[]; metadata: ListMetadata } {
  const labelSelector = query.get('labelSelector') ?? ''
  const fieldSelector = query.get('fieldSelector') ?? ''
  const matchesLabels = parseLabelSelector(labelSelector)
  const matchesFields = parseFieldSelector(fieldSelector, kind.fields)
  const limit = Number(query.get('limit') ?? '0')
  const token = query.get('continue')

  let listRevision = Number(revision)
  let start = ''
  if (token) {
    try {
      const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as ContinueToken
      if (parsed.v !== 'meta.k8s.io/v1' || typeof parsed.start !== 'string')
        throw new Error('unknown version')
      listRevision = parsed.rv
      start = parsed.start
    } catch {
      throw badRequest(
        'invalid continue token: continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)'
      )
    }
  }
  const candidates = items
    .filter(item => kind.name(item) >= start)
    .filter(item => matchesLabels(kind.labels(item) ?? {}))
    .filter(matchesFields)
  const page = limit > 0 ? candidates.slice(0, limit) : candidates
  const metadata: ListMetadata = { resourceVersion: String(listRevision) }
  if (page.length < candidates.length) {
    const last = page[page.length - 1] as T
    const next: ContinueToken = { v: 'meta.k8s.io/v1', rv: listRevision, start: `${kind.name(last)}\u0000` }
    metadata.continue = Buffer.from(JSON.stringify(next)).toString('base64')
    // etcd3 store reports the remaining count only when no selector filtered the items.
    if (!labelSelector && !fieldSelector) metadata.remainingItemCount = candidates.length - page.length
  }
  return { page, metadata }
}
