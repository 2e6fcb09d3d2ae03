// IAM Service Account Credentials double: `POST {iamcredentials}/projects/-/serviceAccounts/<email>:generateAccessToken`,
// the impersonation step that trades a federated token for a service account's access token.
// https://cloud.google.com/iam/docs/reference/credentials/rest/v1/projects.serviceAccounts/generateAccessToken
import type { IncomingMessage, ServerResponse } from 'node:http'
import { authenticate, type AccessTokens } from './google-access-tokens.js'
import type { GoogleApisConfig } from './google-apis-config.js'
import {
  CLOUD_PLATFORM_SCOPE,
  iamPermissionDeniedDetail,
  readBody,
  sendGoogleError,
  sendJson,
  toGoogleTimestamp
} from './google-http.js'

export const GENERATE_ACCESS_TOKEN_PATH = /^\/projects\/-\/serviceAccounts\/([^/:]+):generateAccessToken$/

/**
 * The same answer whether the account does not exist or the principal lacks roles/iam.workloadIdentityUser on
 * it, so a caller cannot probe for accounts (verbatim from google-github-actions/auth issue reports).
 */
export const GET_ACCESS_TOKEN_DENIED =
  "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist)."

/** Without an org policy exception a token lives at most one hour. */
const MAX_LIFETIME_SECONDS = 3600

export async function generateAccessToken(
  req: IncomingMessage,
  res: ServerResponse,
  email: string,
  config: GoogleApisConfig,
  tokens: AccessTokens
): Promise<void> {
  // The caller's token must carry cloud-platform or iam scope (google-auth-library asks STS for cloud-platform).
  const caller = authenticate(req, res, tokens, grant =>
    [CLOUD_PLATFORM_SCOPE, 'https://www.googleapis.com/auth/iam'].some(scope => grant.scopes.includes(scope))
  )
  if (!caller) return

  let request: { scope?: unknown; lifetime?: unknown }
  try {
    request = JSON.parse(await readBody(req))
  } catch {
    return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Invalid JSON payload received.')
  }
  const scopes = request.scope
  if (!Array.isArray(scopes) || scopes.length === 0 || !scopes.every(scope => typeof scope === 'string')) {
    return sendGoogleError(res, 400, 'INVALID_ARGUMENT', 'Scope required.')
  }
  let lifetimeSeconds = MAX_LIFETIME_SECONDS
  if (request.lifetime !== undefined) {
    // A google.protobuf.Duration in JSON: seconds with an `s` suffix.
    const match = /^(\d+)(?:\.\d+)?s$/.exec(String(request.lifetime))
    lifetimeSeconds = Number(match?.[1] ?? NaN)
    if (!match || lifetimeSeconds < 1 || lifetimeSeconds > MAX_LIFETIME_SECONDS) {
      return sendGoogleError(
        res,
        400,
        'INVALID_ARGUMENT',
        `The lifetime must be between 1s and ${MAX_LIFETIME_SECONDS}s; got ${String(request.lifetime)}.`
      )
    }
  }

  const account = config.serviceAccounts[email]
  const principalAllowed =
    caller.grant.kind === 'federated' && (account?.allowedPrincipals?.(caller.grant.subject) ?? true)
  if (!account || !principalAllowed) {
    return sendGoogleError(res, 403, 'PERMISSION_DENIED', GET_ACCESS_TOKEN_DENIED, [
      iamPermissionDeniedDetail('iam.googleapis.com', 'iam.serviceAccounts.getAccessToken')
    ])
  }
  sendJson(res, 200, {
    accessToken: tokens.issueServiceAccount(email, scopes as string[]),
    expireTime: toGoogleTimestamp(new Date(Date.now() + lifetimeSeconds * 1000))
  })
}
