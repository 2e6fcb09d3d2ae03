// WATCH, as the API server serves it (k8s.io/apiserver/pkg/endpoints/handlers/watch.go, and the watch cache in
// k8s.io/apiserver/pkg/storage/cacher): a LIST request with `watch=true` (or `1`) is answered 200 with
// `Content-Type: application/json` and a body that stays open, one JSON event per line,
// `{"type":"ADDED|MODIFIED|DELETED|BOOKMARK|ERROR","object":{...}}`, until `timeoutSeconds` (default: the server's
// --min-request-timeout, 1800 s) or the client goes away.
// - `resourceVersion` unset or "0": first an ADDED event for every object that matches now, then every change.
// - `resourceVersion=N`: every change after revision N, from the history kept since the last compaction; a revision
//   older than that is answered with one ERROR event holding a 410 Expired Status ("too old resource version").
// - `sendInitialEvents=true` (watch-list, with `resourceVersionMatch=NotOlderThan` and `allowWatchBookmarks=true`):
//   the ADDED events, then a BOOKMARK annotated `k8s.io/initial-events-end: "true"`, then every change.
// - label and field selectors filter the events as they filter a LIST.
import { parseFieldSelector, parseLabelSelector } from './selectors.js'
import { StatusError, badRequest } from './status.js'

/** What a watch writes to: an HTTP/1.1 response or an HTTP/2 stream's (the double serves both). */
interface WatchResponse {
  write(chunk: string): boolean
  end(): void
  /** HTTP/1.1 only; an HTTP/2 response sends its headers at writeHead. */
  flushHeaders?(): void
  readonly writableEnded: boolean
  on(event: 'close' | 'finish', listener: () => void): unknown
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED'

/** An object as every event carries it: with kind and apiVersion. */
export interface WatchedObject {
  kind?: string
  apiVersion?: string
  metadata: { name: string; namespace: string; resourceVersion: string; labels?: Record<string, string> }
}

export interface ChangeRecord {
  resource: string
  namespace: string
  type: WatchEventType
  object: WatchedObject
  revision: number
}

export interface WatchTarget {
  resource: string
  namespace: string
  query: URLSearchParams
  /** Every object of the resource in the namespace now, rendered with kind and apiVersion. */
  current: () => WatchedObject[]
  /** The store's revision now (for the initial-events-end bookmark). */
  revision: string
  /** The List kind's apiVersion and the object kind, for a bookmark's object. */
  kind: string
  apiVersion: string
}

/** The changes the double's store made, kept since the last compaction, and the watches open on them. */
export class WatchHub {
  private readonly history: ChangeRecord[] = []
  private readonly listeners = new Set<(change: ChangeRecord) => void>()
  private readonly open = new Set<WatchResponse>()
  /** Watches from a revision at or below this one are told 410 Expired. */
  private compactedRevision = 0

  publish(change: ChangeRecord): void {
    this.history.push(change)
    for (const listener of this.listeners) listener(change)
  }

  /** Forgets the changes up to `revision`, as etcd's compaction does (every five minutes on a real server). */
  compact(revision: number): void {
    this.compactedRevision = revision
    while (this.history.length > 0 && (this.history[0] as ChangeRecord).revision <= revision)
      this.history.shift()
  }

  /** Ends every open watch, as a server going away does (or `close()`). */
  endAll(): void {
    for (const res of this.open) res.end()
    this.open.clear()
  }

  /** Answers one WATCH request on `res`. Throws a StatusError (400) for a bad selector or option. */
  serve(res: WatchResponse, target: WatchTarget, writeHead: (status: number) => void): void {
    const { query } = target
    const matchesLabels = parseLabelSelector(query.get('labelSelector') ?? '')
    const matchesFields = parseFieldSelector<WatchedObject>(query.get('fieldSelector') ?? '', {
      'metadata.name': object => object.metadata.name,
      'metadata.namespace': object => object.metadata.namespace
    })
    const matches = (object: WatchedObject): boolean =>
      matchesLabels(object.metadata.labels ?? {}) && matchesFields(object)
    const watchList = query.get('sendInitialEvents') === 'true'
    if (watchList && query.get('resourceVersionMatch') !== 'NotOlderThan') {
      throw badRequest(
        'ListOptions.meta.k8s.io "" is invalid: resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan'
      )
    }
    const fromText = query.get('resourceVersion') ?? ''
    const from = Number(fromText || '0')
    if (!Number.isInteger(from) || from < 0) {
      throw new StatusError(400, 'BadRequest', `invalid resource version: ${JSON.stringify(fromText)}`)
    }
    const timeoutSeconds = Number(query.get('timeoutSeconds') ?? '1800')

    writeHead(200)
    // The API server sends the head at once (the watch handler flushes it), so a client knows the watch is open
    // before any event; client-go waits for it, and a watch stopped before it came would hang.
    res.flushHeaders?.()
    const send = (type: string, object: object): void => {
      if (!res.writableEnded) res.write(`${JSON.stringify({ type, object })}\n`)
    }
    const relevant = (change: ChangeRecord): boolean =>
      change.resource === target.resource && change.namespace === target.namespace && matches(change.object)

    if (!watchList && from > 0 && from < this.compactedRevision) {
      send('ERROR', {
        kind: 'Status',
        apiVersion: 'v1',
        metadata: {},
        status: 'Failure',
        message: `too old resource version: ${from} (${this.compactedRevision})`,
        reason: 'Expired',
        code: 410
      })
      res.end()
      return
    }
    if (watchList || from === 0) {
      for (const object of target.current().filter(matches)) send('ADDED', object)
      if (watchList) {
        send('BOOKMARK', {
          kind: target.kind,
          apiVersion: target.apiVersion,
          metadata: { resourceVersion: target.revision, annotations: { 'k8s.io/initial-events-end': 'true' } }
        })
      }
    } else {
      for (const change of this.history) {
        if (change.revision > from && relevant(change)) send(change.type, change.object)
      }
    }

    const listener = (change: ChangeRecord): void => {
      if (relevant(change)) send(change.type, change.object)
    }
    this.listeners.add(listener)
    this.open.add(res)
    const timer = setTimeout(() => res.end(), timeoutSeconds * 1000)
    const stop = (): void => {
      clearTimeout(timer)
      this.listeners.delete(listener)
      this.open.delete(res)
    }
    res.on('close', stop)
    res.on('finish', stop)
  }
}
