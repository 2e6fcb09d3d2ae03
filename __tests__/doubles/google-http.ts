// The HTTP conventions every Google API double shares: the JSON content type, the error envelope, bearer tokens.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Http2ServerResponse } from 'node:http2'

/** What Google's front end sends with every JSON answer. */
export const GOOGLE_JSON = 'application/json; charset=UTF-8'

/** Google's wording when there is no credential at all and when the credential is unknown or expired. */
export const MISSING_CREDENTIAL_MESSAGE =
  'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
export const INVALID_CREDENTIAL_MESSAGE =
  'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.'
export const INSUFFICIENT_SCOPES_MESSAGE = 'Request had insufficient authentication scopes.'

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'

/** A response of node's HTTP/1.1 server, or of its HTTP/2 server's compatibility API (the Connect gateway's). */
export type AnyServerResponse = ServerResponse | Http2ServerResponse

export function sendJson(
  res: AnyServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {}
): void {
  const head = { 'Content-Type': GOOGLE_JSON, ...headers }
  if (res instanceof Http2ServerResponse) res.writeHead(status, head)
  else res.writeHead(status, head)
  res.end(JSON.stringify(body, null, 2) + '\n')
}

/** Google APIs' error envelope: https://cloud.google.com/apis/design/errors#http_mapping */
export function sendGoogleError(
  res: AnyServerResponse,
  code: number,
  status: string,
  message: string,
  details?: unknown[]
): void {
  // A 401 names the realm to sign in to, as Google's front end does.
  const headers: Record<string, string> =
    code === 401 ? { 'WWW-Authenticate': 'Bearer realm="https://accounts.google.com/"' } : {}
  sendJson(res, code, { error: { code, message, status, ...(details ? { details } : {}) } }, headers)
}

/** The google.rpc.ErrorInfo detail IAM attaches to a permission denial. */
export function iamPermissionDeniedDetail(domain: string, permission: string): unknown {
  return {
    '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
    reason: 'IAM_PERMISSION_DENIED',
    domain,
    metadata: { permission }
  }
}

export function bearerToken(req: Pick<IncomingMessage, 'headers'>): string | undefined {
  const match = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')
  return match?.[1]
}

/** Reads a request body; Google rejects bodies far smaller than this limit would ever allow here. */
export async function readBody(req: IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new Error(`request body larger than ${limit} bytes`)
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

/** RFC 3339 in the seconds precision Google's APIs print (`2024-05-01T12:00:00Z`). */
export const toGoogleTimestamp = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z')
