// A double of the GitHub Actions OIDC token endpoint, the server side of `@actions/core` `getIDToken()`.
//
// The runner hands a job `ACTIONS_ID_TOKEN_REQUEST_URL` (already carrying `?api-version=2.0`) and
// `ACTIONS_ID_TOKEN_REQUEST_TOKEN`; @actions/core appends `&audience=<encoded>` and sends the request token as a
// bearer (node_modules/@actions/core/lib/oidc-utils.js). The answer is `{"value":"<jwt>"}`.
// Claims follow https://docs.github.com/en/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect
//
// Real tokens are RS256-signed with keys published at the issuer's JWKS. This double signs with HS256 and a
// test key instead, and exports `verifyGitHubIdToken` so the STS double can check that a token is one this
// double issued (the role GitHub's JWKS plays for Google's STS).
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import type { ServerTls } from '../../kube-double/tls.js'

export const GITHUB_OIDC_ISSUER = 'https://token.actions.githubusercontent.com'

/** Key shared by the OIDC double (signing) and the STS double (verifying). Test-only. */
const TEST_SIGNING_KEY = Buffer.from('gke-secrets-sync test key for GitHub OIDC tokens, not a secret')
const TEST_KEY_ID = 'gke-secrets-sync-test-key'

/** The claims of a GitHub Actions ID token that a Google attribute mapping or condition commonly reads. */
export interface GitHubIdTokenClaims {
  iss: string
  aud: string | string[]
  sub: string
  iat: number
  nbf: number
  exp: number
  jti: string
  repository: string
  repository_owner: string
  ref: string
  ref_type: string
  event_name: string
  workflow: string
  job_workflow_ref: string
  actor: string
  environment?: string
  runner_environment: string
  [claim: string]: unknown
}

const base64url = (data: string | Buffer): string => Buffer.from(data).toString('base64url')

const sign = (signingInput: string): string =>
  createHmac('sha256', TEST_SIGNING_KEY).update(signingInput).digest('base64url')

/** Signs any claims as this double would; tests use it to craft expired or misaddressed tokens. */
export function mintGitHubIdToken(claims: GitHubIdTokenClaims): string {
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: TEST_KEY_ID }))
  const payload = base64url(JSON.stringify(claims))
  return `${header}.${payload}.${sign(`${header}.${payload}`)}`
}

export type GitHubIdTokenVerification =
  { valid: true; claims: GitHubIdTokenClaims } | { valid: false; reason: string }

/** Checks the shape and signature of a token (not its audience or expiry: that is the relying party's job). */
export function verifyGitHubIdToken(token: string): GitHubIdTokenVerification {
  const parts = token.split('.')
  if (parts.length !== 3) return { valid: false, reason: 'not a JWT (expected three dot-separated parts)' }
  const [header, payload, signature] = parts as [string, string, string]
  const expected = Buffer.from(sign(`${header}.${payload}`))
  const given = Buffer.from(signature)
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
    return { valid: false, reason: 'signature does not match a key of the issuer' }
  }
  try {
    return { valid: true, claims: JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) }
  } catch {
    return { valid: false, reason: 'payload is not JSON' }
  }
}

export interface GitHubOidcOptions {
  /** The job's ACTIONS_ID_TOKEN_REQUEST_TOKEN; random when omitted. */
  requestToken?: string
  /** `owner/repo`; default `octo-org/octo-repo`. */
  repository?: string
  /** Default `refs/heads/main`. */
  ref?: string
  /** A job bound to an environment gets `sub: repo:<repo>:environment:<name>` instead of the ref form. */
  environment?: string
  /** Serve HTTPS with this material instead of plain HTTP (the client must then trust its CA). */
  tls?: ServerTls
  /** Token lifetime; GitHub's tokens are short-lived. Default 300 s. */
  lifetimeSeconds?: number
}

export interface GitHubOidc {
  /** Value for ACTIONS_ID_TOKEN_REQUEST_URL, with the `?api-version=2.0` query the runner puts there. */
  url: string
  /** Value for ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
  requestToken: string
  /** Every token handed out, in order. */
  issued: Array<{ audience: string; token: string }>
  /** Every request, including refused ones. */
  requests: Array<{ path: string; authorization?: string; status: number }>
  close(): Promise<void>
}

const ID_TOKEN_PATH =
  '/_apis/distributedtask/hubs/Actions/plans/00000000-0000-0000-0000-000000000001/jobs/00000000-0000-0000-0000-000000000002/idtoken'

export async function startGitHubOidc(options: GitHubOidcOptions = {}): Promise<GitHubOidc> {
  const requestToken = options.requestToken ?? randomBytes(24).toString('base64url')
  const repository = options.repository ?? 'octo-org/octo-repo'
  const ref = options.ref ?? 'refs/heads/main'
  const lifetimeSeconds = options.lifetimeSeconds ?? 300
  const [owner] = repository.split('/')
  const issued: GitHubOidc['issued'] = []
  const requests: GitHubOidc['requests'] = []

  const claimsFor = (audience: string): GitHubIdTokenClaims => {
    const now = Math.floor(Date.now() / 1000)
    return {
      jti: randomUUID(),
      sub: options.environment
        ? `repo:${repository}:environment:${options.environment}`
        : `repo:${repository}:ref:${ref}`,
      aud: audience,
      ref,
      ref_type: ref.startsWith('refs/tags/') ? 'tag' : 'branch',
      sha: '0123456789abcdef0123456789abcdef01234567',
      repository,
      repository_owner: owner ?? repository,
      actor: 'octocat',
      event_name: 'push',
      workflow: 'deploy',
      job_workflow_ref: `${repository}/.github/workflows/deploy.yml@${ref}`,
      runner_environment: 'github-hosted',
      ...(options.environment ? { environment: options.environment } : {}),
      iss: GITHUB_OIDC_ISSUER,
      nbf: now - 5,
      iat: now,
      exp: now + lifetimeSeconds
    }
  }

  const answer = (req: IncomingMessage, res: ServerResponse): void => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const authorization = req.headers.authorization
    const reply = (status: number, body: unknown): void => {
      requests.push({ path: url.pathname + url.search, authorization, status })
      res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' })
      res.end(JSON.stringify(body))
    }
    if (req.method !== 'GET' || url.pathname !== ID_TOKEN_PATH) {
      return reply(404, { message: `No route for ${req.method} ${url.pathname}` })
    }
    // The exact body GitHub sends with a 401 is not documented; the status is what @actions/core reports.
    if (authorization !== `Bearer ${requestToken}`) {
      return reply(401, { message: 'The request token is missing, invalid or expired.' })
    }
    if (url.searchParams.get('api-version') === null) {
      return reply(400, { message: 'The api-version query parameter is required.' })
    }
    // Without an audience GitHub uses the URL of the repository owner.
    const audience = url.searchParams.get('audience') ?? `https://github.com/${owner}`
    const token = mintGitHubIdToken(claimsFor(audience))
    issued.push({ audience, token })
    reply(200, { value: token })
  }

  const server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key }, answer)
    : createHttpServer(answer)
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const scheme = options.tls ? 'https' : 'http'

  return {
    url: `${scheme}://127.0.0.1:${port}${ID_TOKEN_PATH}?api-version=2.0`,
    requestToken,
    issued,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      })
  }
}
