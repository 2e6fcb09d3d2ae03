// One HTTPS request to a test double with nothing but node:https, trusting the double's CA: for what the server
// answers byte for byte (status, headers, body), which a client library would parse, retry or hide.
import type { IncomingHttpHeaders } from 'node:http'
import { request as httpsRequest } from 'node:https'

export interface RawResponse {
  status: number
  headers: IncomingHttpHeaders
  /** The Content-Type header, '' when there is none. */
  contentType: string
  /** The body as UTF-8 text. */
  body: string
  /** The body as sent, for binary answers (protobuf). */
  bytes: Buffer
}

export interface RawRequest {
  method?: string
  /** Merged over `Authorization: Bearer test-token`, the token the Kubernetes double admits by default. */
  headers?: Record<string, string>
  body?: string | Uint8Array
  signal?: AbortSignal
}

export function rawRequest(
  server: { url: string; caPem: string },
  path: string,
  init: RawRequest = {}
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      `${server.url}${path}`,
      {
        method: init.method ?? 'GET',
        ca: server.caPem,
        headers: { authorization: 'Bearer test-token', ...init.headers },
        ...(init.signal && { signal: init.signal })
      },
      res => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => {
          const bytes = Buffer.concat(chunks)
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            contentType: res.headers['content-type'] ?? '',
            body: bytes.toString('utf8'),
            bytes
          })
        })
        res.on('error', reject)
      }
    )
    req.on('error', reject)
    req.end(init.body)
  })
}
