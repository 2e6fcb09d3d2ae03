// The access tokens the Google doubles issue, and the check every Google API makes of the bearer it is given.
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import {
  bearerToken,
  CLOUD_PLATFORM_SCOPE,
  INSUFFICIENT_SCOPES_MESSAGE,
  INVALID_CREDENTIAL_MESSAGE,
  MISSING_CREDENTIAL_MESSAGE,
  sendGoogleError
} from './google-http.js'

/** Who an access token speaks for and what it may be used for. */
export type AccessTokenGrant =
  | { kind: 'federated'; subject: string; scopes: string[] }
  | { kind: 'serviceAccount'; email: string; scopes: string[] }

/**
 * The access tokens the doubles issue. Each is fixed for the life of the server, so a test can tell the
 * Kubernetes double which token to accept before the action runs: one federated token (whose principal is the
 * subject of the latest exchange) and one token per service account.
 */
export class AccessTokens {
  readonly federated = `ya29.d.federated-${randomBytes(18).toString('base64url')}`
  readonly #serviceAccountTokens = new Map<string, string>()
  readonly #grants = new Map<string, AccessTokenGrant>()

  constructor(serviceAccountEmails: string[]) {
    for (const email of serviceAccountEmails) {
      this.#serviceAccountTokens.set(email, `ya29.c.sa-${randomBytes(18).toString('base64url')}`)
    }
  }

  serviceAccountToken(email: string): string {
    const token = this.#serviceAccountTokens.get(email)
    if (!token) throw new Error(`the Google double knows no service account ${email}`)
    return token
  }

  issueFederated(subject: string, scopes: string[]): string {
    this.#grants.set(this.federated, { kind: 'federated', subject, scopes })
    return this.federated
  }

  issueServiceAccount(email: string, scopes: string[]): string {
    const token = this.serviceAccountToken(email)
    this.#grants.set(token, { kind: 'serviceAccount', email, scopes })
    return token
  }

  /** The grant behind a token, if this double issued it. */
  lookup(token: string | undefined): AccessTokenGrant | undefined {
    return token === undefined ? undefined : this.#grants.get(token)
  }
}

/** Google Cloud APIs accept a token carrying cloud-platform (or the read-only variant for reads). */
export const allowsCloudPlatform = (grant: AccessTokenGrant, readOnly = true): boolean =>
  grant.scopes.includes(CLOUD_PLATFORM_SCOPE) ||
  (readOnly && grant.scopes.includes(`${CLOUD_PLATFORM_SCOPE}.read-only`))

/**
 * Answers 401 for a missing or unknown token and 403 for a token without the scope, as Google's front end does
 * before the API itself looks at the request. Returns the grant when the call may proceed.
 */
export function authenticate(
  req: IncomingMessage,
  res: ServerResponse,
  tokens: AccessTokens,
  hasScope: (grant: AccessTokenGrant) => boolean = grant => allowsCloudPlatform(grant)
): { token: string; grant: AccessTokenGrant } | undefined {
  const token = bearerToken(req)
  if (token === undefined) {
    sendGoogleError(res, 401, 'UNAUTHENTICATED', MISSING_CREDENTIAL_MESSAGE)
    return undefined
  }
  const grant = tokens.lookup(token)
  if (!grant) {
    sendGoogleError(res, 401, 'UNAUTHENTICATED', INVALID_CREDENTIAL_MESSAGE)
    return undefined
  }
  if (!hasScope(grant)) {
    sendGoogleError(res, 403, 'PERMISSION_DENIED', INSUFFICIENT_SCOPES_MESSAGE, [
      {
        '@type': 'type.googleapis.com/google.rpc.ErrorInfo',
        reason: 'ACCESS_TOKEN_SCOPE_INSUFFICIENT',
        domain: 'googleapis.com'
      }
    ])
    return undefined
  }
  return { token, grant }
}
