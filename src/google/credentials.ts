// Signs in to Google. With a Workload Identity provider: the job's GitHub OIDC token is exchanged at STS for
// a federated token (and, with a service account, that token is exchanged at IAM Credentials for the
// account's). Without one: Application Default Credentials, e.g. the external_account file that
// google-github-actions/auth leaves in GOOGLE_APPLICATION_CREDENTIALS.
// https://cloud.google.com/iam/docs/workload-identity-federation-with-deployment-pipelines
import * as core from '@actions/core'
// google-auth-library is imported only when signing in (`await import` below), so that a run with a kubeconfig
// neither loads nor compiles it.
import type { AuthClient } from 'google-auth-library'
import type { GoogleEndpoints } from './endpoints.js'

export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform'
export const USERINFO_EMAIL_SCOPE = 'https://www.googleapis.com/auth/userinfo.email'
/**
 * The scopes of every access token the action asks for, on every path (federation, impersonation, ADC).
 * cloud-platform reaches the Google APIs; userinfo.email makes GKE name a service account by its email:
 * without it the API server sees the account's numeric unique ID, and RBAC bound to the email (`kind: User`,
 * the README's RoleBinding) matches nothing. google-github-actions/get-gke-credentials asks for both
 * (src/client.ts, the GoogleAuth of ClusterClient), as does client-go's gcp auth plugin
 * (plugin/pkg/client/auth/gcp/gcp.go, defaultScopes: "userinfo.email is used to authenticate to GKE APIs
 * with gserviceaccount email instead of numeric uniqueID").
 */
export const GOOGLE_SCOPES = [CLOUD_PLATFORM_SCOPE, USERINFO_EMAIL_SCOPE]
/** gaxios waits forever by default; a Google endpoint that never answers must end the run instead. */
export const GOOGLE_REQUEST_TIMEOUT_MS = 30_000

export type GoogleSignIn =
  | { kind: 'federation'; provider: string; serviceAccount?: string; audience: string }
  /** `project`: the cluster's project, so that google-auth-library need not look one up (see adcClient). */
  | { kind: 'adc'; project?: string }

/** A failed stage of the Google sign-in or lookup, with a message that says what to fix. */
export class GoogleStageError extends Error {
  override name = 'GoogleStageError'
}

export interface GoogleCredentials {
  client: AuthClient
  /** The run's time budget: every Google request (sign-in, token renewals, lookups) ends with it. */
  deadline: AbortSignal
  /**
   * A current access token (masked) for the Kubernetes API, which accepts Google tokens on GKE. Ask for it per
   * request: google-auth-library caches the token and fetches a new one when it is within five minutes of
   * expiring (AuthClient eagerRefreshThresholdMillis), which a metadata-server token may already be.
   */
  accessToken(): Promise<string>
  /**
   * After the API server refused `rejected` (401): makes the next accessToken() a new token. Requests that saw
   * the same token refused share one renewal.
   */
  renewAccessToken(rejected: string): Promise<void>
}

/**
 * `maskSecret` masks each token as soon as it is known: in the log (core.setSecret) and, in the action, in every
 * text the action writes (github/runner-output.ts, which this layer cannot import).
 */
export async function signInToGoogle(
  signIn: GoogleSignIn,
  endpoints: GoogleEndpoints,
  deadline: AbortSignal,
  maskSecret: (value: string) => void
): Promise<GoogleCredentials> {
  // gaxios applies its defaults to every request of the client, token exchanges included; with the signal
  // there, no Google request outlives the run's time budget (each also has its own timeout).
  const transporterOptions = { timeout: GOOGLE_REQUEST_TIMEOUT_MS, signal: deadline }
  const client =
    signIn.kind === 'federation'
      ? await federatedClient(signIn, endpoints, transporterOptions, maskSecret)
      : await adcClient(signIn, transporterOptions)
  const masked = new Set<string>()
  const accessToken = async (): Promise<string> => {
    let token: string | null | undefined
    try {
      // The GitHub OIDC request inside is not a gaxios one; the race ends the wait for it too.
      token = (await untilDeadline(client.getAccessToken(), deadline)).token
    } catch (error) {
      if (deadline.aborted) {
        throw new GoogleStageError(
          `Google sign-in did not finish within the time budget (\`timeout_seconds\`): ${signIn.kind === 'federation' ? 'the GitHub OIDC token, STS or IAM Credentials' : 'the Application Default Credentials source'} did not answer.`
        )
      }
      throw signInError(error, signIn)
    }
    if (!token) throw new GoogleStageError('Google sign-in returned no access token.')
    if (!masked.has(token)) {
      masked.add(token)
      maskSecret(token)
    }
    return token
  }
  let renewal: { rejected: string; done: Promise<void> } | undefined
  const renewAccessToken = (rejected: string): Promise<void> => {
    if (renewal?.rejected === rejected) return renewal.done
    // google-auth-library has no public "refresh now"; a cached token marked as expired makes the next
    // getAccessToken() fetch a new one (BaseExternalAccountClient.isExpired, OAuth2Client.isTokenExpiring).
    if (client.credentials.access_token === rejected) {
      client.setCredentials({ ...client.credentials, expiry_date: 1 })
    }
    renewal = { rejected, done: accessToken().then(() => undefined) }
    return renewal.done
  }
  await accessToken()
  return { client, deadline, accessToken, renewAccessToken }
}

/** The promise, or a rejection as soon as the deadline passes. */
export function untilDeadline<T>(promise: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(deadline.reason as Error)
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(deadline.reason as Error)
    deadline.addEventListener('abort', onAbort, { once: true })
    promise.then(resolve, reject).finally(() => deadline.removeEventListener('abort', onAbort))
  })
}

type TransporterOptions = { timeout: number; signal: AbortSignal }

async function federatedClient(
  signIn: Extract<GoogleSignIn, { kind: 'federation' }>,
  endpoints: GoogleEndpoints,
  transporterOptions: TransporterOptions,
  maskSecret: (value: string) => void
): Promise<AuthClient> {
  const { IdentityPoolClient } = await import('google-auth-library')
  return new IdentityPoolClient({
    audience: `//iam.googleapis.com/${signIn.provider}`,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${endpoints.sts}/token`,
    // With impersonation, google-auth-library asks STS for cloud-platform only (generateAccessToken needs it)
    // and these scopes go into the generateAccessToken request (baseexternalclient.js); without, STS gets them.
    scopes: GOOGLE_SCOPES,
    ...(signIn.serviceAccount && {
      service_account_impersonation_url: `${endpoints.iamcredentials}/projects/-/serviceAccounts/${signIn.serviceAccount}:generateAccessToken`
    }),
    subject_token_supplier: { getSubjectToken: () => gitHubIdToken(signIn.audience, maskSecret) },
    transporterOptions
  })
}

/** The job's OIDC token; only a job with `permissions: id-token: write` is given the request URL. */
async function gitHubIdToken(audience: string, maskSecret: (value: string) => void): Promise<string> {
  if (!process.env.ACTIONS_ID_TOKEN_REQUEST_URL || !process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN) {
    throw new GoogleStageError(
      'Google sign-in (federation) failed: GitHub gave this job no OIDC token. The workflow (or the calling job of a reusable workflow) needs `permissions: id-token: write`; pull requests from forks and Dependabot never get one.'
    )
  }
  let token: string
  try {
    // getIDToken masks it in the log itself; maskSecret adds it to what the action takes out of its own texts.
    token = await core.getIDToken(audience)
  } catch (error) {
    throw new GoogleStageError(
      `Google sign-in (federation) failed: requesting the GitHub OIDC token failed (${(error as Error).message}).`
    )
  }
  maskSecret(token)
  return token
}

async function adcClient(
  signIn: Extract<GoogleSignIn, { kind: 'adc' }>,
  transporterOptions: TransporterOptions
): Promise<AuthClient> {
  const { GoogleAuth } = await import('google-auth-library')
  try {
    // GoogleAuth looks up a project for every ADC client it makes (googleauth.js #prepareAndCacheClient). For
    // an external_account file without one, as google-github-actions/auth writes it, that runs gcloud, asks the
    // GCE metadata server, exchanges the token and calls Resource Manager v1 at a fixed host that no
    // GHA_ENDPOINT_OVERRIDE reaches, failing the sign-in unless the identity has resourcemanager.projects.get.
    // A known projectId ends the lookup before it starts; nothing in the action asks GoogleAuth for a project.
    return await new GoogleAuth({
      scopes: GOOGLE_SCOPES,
      clientOptions: { transporterOptions },
      ...(signIn.project && { projectId: signIn.project })
    }).getClient()
  } catch (error) {
    throw new GoogleStageError(
      `Google sign-in (Application Default Credentials) failed: ${(error as Error).message}. Set \`workload_identity_provider\`, or run google-github-actions/auth before this step.`
    )
  }
}

function signInError(error: unknown, signIn: GoogleSignIn): GoogleStageError {
  if (error instanceof GoogleStageError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (signIn.kind === 'adc') {
    return new GoogleStageError(`Google sign-in (Application Default Credentials) failed: ${message}`)
  }
  // STS answers in OAuth's shape, which google-auth-library turns into "Error code <error>: <description>".
  const sts = /^Error code (\w+)(?::\s*(.*))?$/s.exec(message)
  if (sts) {
    const [, code, description = ''] = sts
    return new GoogleStageError(
      `Google sign-in (federation) failed: STS answered ${code}: ${description} ${stsAdvice(code as string, signIn)}`.trim()
    )
  }
  // IAM Credentials answers in Google's {"error":{code,message,status}} shape.
  const http = asHttpError(error)
  if (http?.url.includes(':generateAccessToken')) {
    const detail = http.message ?? `HTTP ${http.status}`
    const advice =
      http.status === 403
        ? ` The federated identity may not impersonate ${signIn.serviceAccount}: grant it roles/iam.workloadIdentityUser on that service account (member principalSet://iam.googleapis.com/${signIn.provider.replace(/\/providers\/[^/]+$/, '')}/attribute.repository/${process.env.GITHUB_REPOSITORY ?? '<owner>/<repo>'}), and check the account exists.`
        : ''
    return new GoogleStageError(`Impersonating ${signIn.serviceAccount} failed: ${detail}.${advice}`)
  }
  return new GoogleStageError(`Google sign-in (federation) failed: ${message}`)
}

function stsAdvice(code: string, signIn: Extract<GoogleSignIn, { kind: 'federation' }>): string {
  switch (code) {
    case 'invalid_target':
    case 'invalid_request':
      return `Check \`workload_identity_provider\` (${signIn.provider}): it must be projects/<project NUMBER>/locations/global/workloadIdentityPools/<pool>/providers/<provider>, and the pool and provider must exist and be enabled.`
    case 'unauthorized_client':
      return `The provider's attribute condition rejected this job's token; allow this repository and ref (${process.env.GITHUB_REPOSITORY ?? 'unknown repository'}, ${process.env.GITHUB_REF ?? 'unknown ref'}) in the condition.`
    case 'invalid_grant':
      return `The GitHub token was refused; check the provider's issuer (https://token.actions.githubusercontent.com) and the \`audience\` input (${signIn.audience}).`
    default:
      return ''
  }
}

/** A gaxios error, read by shape: gaxios is google-auth-library's, not a dependency of ours. */
export function asHttpError(error: unknown): { url: string; status?: number; message?: string } | undefined {
  const candidate = error as {
    config?: { url?: unknown }
    status?: number
    response?: { status?: number; data?: { error?: { message?: string } | string } }
  }
  if (!candidate?.config?.url) return undefined
  const data = candidate.response?.data
  return {
    url: String(candidate.config.url),
    status: candidate.status ?? candidate.response?.status,
    // Google's messages end in a period, and every caller goes on with its own punctuation and advice.
    message: typeof data?.error === 'object' ? data.error.message?.replace(/\.$/, '') : undefined
  }
}
