// A Kubernetes WATCH read as it arrives: the API server answers `?watch=true` with one JSON event per line
// (`{"type":"MODIFIED","object":{...}}`) on a response that stays open until the watch's `timeoutSeconds`
// (https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes). http.ts reads a
// whole body before it answers, so a watch is sent here, on the same dispatcher and with the same authentication
// (the request is built by api.ts), and its body is read line by line.
import { ApiException, type RequestContext } from '@kubernetes/client-node'
import { getGlobalDispatcher } from 'undici'
import { KubeApiError } from '../sync/kube-api-error.js'
import { toKubeApiError } from './errors.js'
import { headerRecord } from './http.js'

export interface WatchEvent<T> {
  /** BOOKMARK carries only a resourceVersion; ERROR a Status (410 Expired: list again). */
  type: 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR'
  object: T
}

/** Sends a prepared watch request and yields its events; a failed request or answer throws a KubeApiError. */
export async function* watchEvents<T>(request: RequestContext): AsyncGenerator<WatchEvent<T>> {
  const url = new URL(request.getUrl())
  const dispatcher = request.getDispatcher() ?? getGlobalDispatcher()
  let response
  try {
    response = await dispatcher.request({
      origin: url.origin,
      path: url.pathname + url.search,
      method: 'GET',
      headers: request.getHeaders(),
      signal: request.getSignal()
    })
  } catch (error) {
    throw toKubeApiError(error)
  }
  const body = response.body
  try {
    if (response.statusCode !== 200) {
      const text = await body.text()
      throw toKubeApiError(
        new ApiException(response.statusCode, 'watch refused', text, headerRecord(response.headers))
      )
    }
    body.setEncoding('utf8')
    let pending = ''
    for await (const chunk of body as AsyncIterable<string>) {
      pending += chunk
      for (let end = pending.indexOf('\n'); end >= 0; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end).trim()
        pending = pending.slice(end + 1)
        if (line) yield parseEvent<T>(line)
      }
    }
    if (pending.trim()) yield parseEvent<T>(pending.trim())
  } catch (error) {
    throw toKubeApiError(error)
  } finally {
    body.destroy()
  }
}

function parseEvent<T>(line: string): WatchEvent<T> {
  try {
    return JSON.parse(line) as WatchEvent<T>
  } catch {
    // Never the line itself: it is the server's text. Transient: the watcher lists and watches again.
    throw new KubeApiError('the API server sent a watch event that is not JSON', undefined, undefined, true)
  }
}
