// Runs google-auth-library's workload identity flow in a fresh process, the way the action will run it, so a
// test can prove which CA setup makes the library trust the doubles (NODE_EXTRA_CA_CERTS is read only at
// process start). Run with plain Node 24 (type stripping): `node __tests__/doubles/google-auth-probe.ts`.
//
// Input: env GOOGLE_AUTH_PROBE, JSON {audience, tokenUrl, subjectToken, impersonationUrl?, clusterUrl?}.
// Output: one JSON line on stdout, {accessToken, clusterStatus?} or {error}; exit code 0 or 1 to match.
import { IdentityPoolClient } from 'google-auth-library'

interface ProbeRequest {
  audience: string
  tokenUrl: string
  subjectToken: string
  impersonationUrl?: string
  /** Fetched with the token through Node's own fetch (undici), the other HTTP stack the action uses. */
  clusterUrl?: string
}

const request = JSON.parse(process.env.GOOGLE_AUTH_PROBE ?? '{}') as ProbeRequest

try {
  const client = new IdentityPoolClient({
    audience: request.audience,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: request.tokenUrl,
    service_account_impersonation_url: request.impersonationUrl,
    subject_token_supplier: { getSubjectToken: async () => request.subjectToken }
  })
  const { token } = await client.getAccessToken()
  let clusterStatus: number | undefined
  if (request.clusterUrl) {
    const response = await fetch(request.clusterUrl, { headers: { Authorization: `Bearer ${token}` } })
    clusterStatus = response.status
  }
  process.stdout.write(JSON.stringify({ accessToken: token, clusterStatus }) + '\n')
} catch (error) {
  const cause =
    error instanceof Error && error.cause instanceof Error ? ` (cause: ${error.cause.message})` : ''
  process.stdout.write(JSON.stringify({ error: `${String(error)}${cause}` }) + '\n')
  process.exitCode = 1
}
