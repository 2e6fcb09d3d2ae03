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

/**
 * Who an access token speaks for and the scopes it was issued with: what Google tells GKE about it, so the
 * Kubernetes double can name its user as GKE does (kube-double/google-identity.ts).
 */
export type AccessTokenGrant =
  | { kind: 'federated'; subject: string; principal: string; scopes: string[] }
  | { kind: 'serviceAccount'; email: string; uniqueId: string; scopes: string[] }

/**
 * The access tokens the doubles issue. By default each is fixed for the life of the server, so a test can tell
 * the Kubernetes double which token to accept before the action runs: one federated token (whose principal is
 * the subject of the latest exchange) and one token per service account. With `rotate`, every exchange mints a
 * new token, as STS and IAM Credentials do, and `expireAll()` ends every token issued so far, as time does to a
 * metadata-server token with minutes left: Google's APIs (and GKE) then answer 401 for it.
 */
export class AccessTokens {
  federated = `ya29.d.federated-${randomBytes(18).toString('base64url')}`
  readonly #serviceAccountTokens = new Map<string, string>()
  readonly #grants = new Map<string, AccessTokenGrant>()
  readonly #expired = new Set<string>()
  /** Every token handed out, in order (for leak scans). */
  readonly issued: string[] = []
  /** Every token handed out with its grant as issued then (the scopes asked for at that exchange), in order. */
  readonly issuedGrants: Array<{ token: string; grant: AccessTokenGrant }> = []

  /** `serviceAccounts`: each account's email and numeric unique ID. */
  constructor(
    private readonly serviceAccounts: Record<string, { uniqueId: string }>,
    private readonly rotate = false
  ) {
    for (const email of Object.keys(serviceAccounts)) {
      this.#serviceAccountTokens.set(email, `ya29.c.sa-${randomBytes(18).toString('base64url')}`)
    }
  }

  /** Every token issued so far expires: Google (and GKE) refuse it from now on. */
  expireAll(): void {
    for (const token of this.#grants.keys()) this.#expired.add(token)
  }

  serviceAccountToken(email: string): string {
    const token = this.#serviceAccountTokens.get(email)
    if (!token) throw new Error(`the Google double knows no service account ${email}`)
    return token
  }

  /** `principal`: the principal identifier IAM and GKE know the federated identity by. */
  issueFederated(subject: string, principal: string, scopes: string[]): string {
    if (this.rotate) this.federated = `ya29.d.federated-${randomBytes(18).toString('base64url')}`
    return this.#issue(this.federated, { kind: 'federated', subject, principal, scopes })
  }

  issueServiceAccount(email: string, scopes: string[]): string {
    const fixed = this.serviceAccountToken(email)
    const token = this.rotate ? `ya29.c.sa-${randomBytes(18).toString('base64url')}` : fixed
    const uniqueId = this.serviceAccounts[email]?.uniqueId ?? ''
    return this.#issue(token, { kind: 'serviceAccount', email, uniqueId, scopes })
  }

  #issue(token: string, grant: AccessTokenGrant): string {
    this.#grants.set(token, grant)
    this.issued.push(token)
    this.issuedGrants.push({ token, grant })
    return token
  }

  /** The grant behind a token, if this double issued it and it has not expired. */
  lookup(token: string | undefined): AccessTokenGrant | undefined {
    return token === undefined || this.#expired.has(token) ? undefined : this.#grants.get(token)
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
