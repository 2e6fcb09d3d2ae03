// Security Token Service double: `POST {sts}/token`, the OAuth 2.0 token exchange (RFC 8693) that turns a GitHub
// ID token into a federated Google access token.
// https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token
//
// google-auth-library sends it form-urlencoded (build/src/auth/stscredentials.js); the REST reference also
// documents a JSON body, so both are read. Errors are OAuth-style `{"error", "error_description"}`, not Google's
// `{"error":{code,…}}` envelope. Descriptions marked "verbatim" were copied from real answers; the others say
// the same thing in words of our own (a client should branch on `error`, never on the description).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { verifyGitHubIdToken } from './github-oidc-server.js'
import type { AccessTokens } from './google-access-tokens.js'
import type { GoogleApisConfig } from './google-apis-config.js'
import { CLOUD_PLATFORM_SCOPE, readBody, sendJson } from './google-http.js'

const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
/** Both are accepted for OIDC providers. */
const OIDC_SUBJECT_TOKEN_TYPES = [
  'urn:ietf:params:oauth:token-type:jwt',
  'urn:ietf:params:oauth:token-type:id_token'
]

const PROVIDER_AUDIENCE =
  /^\/\/iam\.googleapis\.com\/projects\/([^/]+)\/locations\/([^/]+)\/workloadIdentityPools\/([^/]+)\/providers\/([^/]+)$/

export const STS_MESSAGES = {
  /** verbatim */
  invalidAudience:
    'Invalid value for "audience". This value should be the full resource name of the Identity Provider. See https://cloud.google.com/iam/docs/reference/sts/rest/v1/TopLevel/token for the list of possible formats.',
  /** verbatim */
  invalidTarget:
    'The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.',
  /** verbatim */
  attributeCondition: 'The given credential is rejected by the attribute condition.'
} as const

interface StsError {
  error:
    'invalid_request' | 'invalid_target' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type'
  error_description: string
}

function parseExchangeRequest(contentType: string, body: string): Record<string, string> | undefined {
  if (contentType.startsWith('application/x-www-form-urlencoded')) {
    return Object.fromEntries(new URLSearchParams(body))
  }
  if (contentType.startsWith('application/json')) {
    try {
      const parsed: unknown = JSON.parse(body)
      if (typeof parsed !== 'object' || parsed === null) return undefined
      return Object.fromEntries(Object.entries(parsed).map(([key, value]) => [key, String(value)]))
    } catch {
      return undefined
    }
  }
  return undefined
}

/** The checks of the exchange, in the order STS makes them; returns the error or the subject and scopes. */
function checkExchange(
  params: Record<string, string>,
  config: GoogleApisConfig
): StsError | { subject: string; principal: string; scopes: string[] } {
  const invalidRequest = (error_description: string): StsError => ({
    error: 'invalid_request',
    error_description
  })

  if (params.grant_type !== TOKEN_EXCHANGE_GRANT) {
    // RFC 6749 §5.2 names this error; Google's wording is not verified.
    return {
      error: 'unsupported_grant_type',
      error_description: `Invalid grant_type: ${params.grant_type ?? ''}`
    }
  }
  if (params.requested_token_type !== ACCESS_TOKEN_TYPE) {
    return invalidRequest(`Invalid value for "requested_token_type": ${params.requested_token_type ?? ''}`)
  }
  if (!OIDC_SUBJECT_TOKEN_TYPES.includes(params.subject_token_type ?? '')) {
    return invalidRequest(`Invalid value for "subject_token_type": ${params.subject_token_type ?? ''}`)
  }
  if (!params.subject_token) return invalidRequest('Missing required parameter: subject_token')

  const audience = PROVIDER_AUDIENCE.exec(params.audience ?? '')
  if (!audience) return invalidRequest(STS_MESSAGES.invalidAudience)
  const [, project, location, pool, provider] = audience
  // A project ID where the number belongs is the classic mistake; Google answers it like a missing provider.
  if (
    project !== config.projectNumber ||
    location !== 'global' ||
    pool !== config.pool ||
    provider !== config.provider
  ) {
    return { error: 'invalid_target', error_description: STS_MESSAGES.invalidTarget }
  }

  const invalidGrant = (error_description: string): StsError => ({
    error: 'invalid_grant',
    error_description
  })
  const verified = verifyGitHubIdToken(params.subject_token)
  if (!verified.valid) return invalidGrant(`Unable to verify the ID Token: ${verified.reason}.`)
  const { claims } = verified
  if (claims.iss !== config.issuer) {
    return invalidGrant(
      `The issuer in ID Token ${claims.iss} does not match the expected ones: ${config.issuer}.`
    )
  }
  const tokenAudiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud]
  if (!tokenAudiences.some(aud => config.allowedAudiences.includes(aud))) {
    return invalidGrant(
      `The audience in ID Token [${tokenAudiences.join(', ')}] does not match the expected audience ${config.allowedAudiences[0]}.`
    )
  }
  const now = Math.floor(Date.now() / 1000)
  if (typeof claims.exp !== 'number' || claims.exp <= now) {
    return invalidGrant(`The ID Token expired at ${String(claims.exp)}.`)
  }
  if (typeof claims.sub !== 'string' || claims.sub === '') {
    return invalidGrant(
      'The ID Token has no "sub" claim, which the attribute mapping of google.subject needs.'
    )
  }
  if (!config.attributeCondition(claims)) {
    return { error: 'unauthorized_client', error_description: STS_MESSAGES.attributeCondition }
  }
  // google-auth-library always sends a scope; without one the token is treated as cloud-platform (unverified).
  const scopes = params.scope ? params.scope.split(' ').filter(Boolean) : [CLOUD_PLATFORM_SCOPE]
  // The principal identifier of the federated identity (google.subject is mapped from `sub`), as IAM bindings
  // and GKE name it. https://cloud.google.com/iam/docs/principal-identifiers
  const principal = `principal://iam.googleapis.com/projects/${config.projectNumber}/locations/global/workloadIdentityPools/${config.pool}/subject/${claims.sub}`
  return { subject: claims.sub, principal, scopes }
}

export async function exchangeToken(
  req: IncomingMessage,
  res: ServerResponse,
  config: GoogleApisConfig,
  tokens: AccessTokens
): Promise<void> {
  const params = parseExchangeRequest(req.headers['content-type'] ?? '', await readBody(req))
  if (!params) {
    return sendJson(res, 400, {
      error: 'invalid_request',
      error_description: 'The request body must be application/x-www-form-urlencoded or application/json.'
    })
  }
  const outcome = checkExchange(params, config)
  if ('error' in outcome) return sendJson(res, 400, outcome)
  sendJson(res, 200, {
    access_token: tokens.issueFederated(outcome.subject, outcome.principal, outcome.scopes),
    issued_token_type: ACCESS_TOKEN_TYPE,
    token_type: 'Bearer',
    expires_in: 3599
  })
}
