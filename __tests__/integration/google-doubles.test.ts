// The Google API doubles driven by the real google-auth-library and plain fetch over HTTPS, so the doubles
// are held to what the library sends and expects.
import { execFile } from 'node:child_process'
import tls from 'node:tls'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { IdentityPoolClient } from 'google-auth-library'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  GITHUB_OIDC_ISSUER,
  mintGitHubIdToken,
  startGitHubOidc,
  type GitHubIdTokenClaims,
  type GitHubOidc
} from '../doubles/github-oidc-server.js'
import {
  startGoogleApis,
  type GoogleApis,
  type GoogleApisServerOptions
} from '../doubles/google-apis-server.js'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { testCaPath, testTls } from '../../kube-double/tls.js'

const PROJECT_NUMBER = '123456789012'
const PROVIDER = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/providers/github`
/** What the action passes to google-auth-library as `audience`. */
const STS_AUDIENCE = `//iam.googleapis.com/${PROVIDER}`
/** What the action requests from GitHub as the ID token's audience (the provider's default allowed audience). */
const ID_TOKEN_AUDIENCE = `https://iam.googleapis.com/${PROVIDER}`
const SERVICE_ACCOUNT = 'secrets-sync@my-project.iam.gserviceaccount.com'
const DENIED_ACCOUNT = 'locked@my-project.iam.gserviceaccount.com'
const CLUSTER_CA = '-----BEGIN CERTIFICATE-----\nY2x1c3Rlci1jYQ==\n-----END CERTIFICATE-----\n'
const CLUSTER_LINK = '//container.googleapis.com/projects/my-project/locations/europe-west1/clusters/dagster'

const googleOptions: GoogleApisServerOptions = {
  serviceAccounts: {
    [SERVICE_ACCOUNT]: { allowedPrincipals: subject => subject.startsWith('repo:octo-org/octo-repo:') },
    [DENIED_ACCOUNT]: { allowedPrincipals: () => false }
  },
  clusters: [
    {
      project: 'my-project',
      location: 'europe-west1',
      name: 'dagster',
      endpoint: '127.0.0.1:6443',
      caPem: CLUSTER_CA,
      privateEndpoint: '10.0.0.2',
      dnsEndpoint: 'gke-0123456789abcdef-123456789012.europe-west1.gke.goog'
    },
    {
      project: 'my-project',
      location: 'europe-west1',
      name: 'restricted',
      endpoint: '127.0.0.1:6444',
      caPem: CLUSTER_CA,
      allowed: () => false
    }
  ],
  memberships: [{ project: 'my-project', name: 'dagster-membership', clusterResourceLink: CLUSTER_LINK }]
}

let github: GitHubOidc
let google: GoogleApis
const startedGoogles: GoogleApis[] = []
let defaultCaCertificates: string[]

beforeAll(async () => {
  // gaxios (node-fetch over node:https) and Node's fetch (undici) both use the process's default CA list, which
  // Node 24 lets a test extend in-process. The action itself gets NODE_EXTRA_CA_CERTS (see the last test).
  defaultCaCertificates = tls.getCACertificates('default')
  tls.setDefaultCACertificates([...defaultCaCertificates, testTls.caPem])
  github = await startGitHubOidc({ repository: 'octo-org/octo-repo' })
  google = await startGoogleApis(googleOptions)
})

afterAll(async () => {
  await Promise.all([github.close(), google.close(), ...startedGoogles.map(g => g.close())])
  tls.setDefaultCACertificates(defaultCaCertificates)
})

async function startExtraGoogle(options: GoogleApisServerOptions): Promise<GoogleApis> {
  const started = await startGoogleApis(options)
  startedGoogles.push(started)
  return started
}

/** A GitHub ID token, fetched from the OIDC double the way @actions/core does. */
async function githubIdToken(audience = ID_TOKEN_AUDIENCE): Promise<string> {
  const response = await fetch(`${github.url}&audience=${encodeURIComponent(audience)}`, {
    headers: { Authorization: `Bearer ${github.requestToken}` }
  })
  return ((await response.json()) as { value: string }).value
}

function githubClaims(overrides: Partial<GitHubIdTokenClaims> = {}): GitHubIdTokenClaims {
  const now = Math.floor(Date.now() / 1000)
  return {
    iss: GITHUB_OIDC_ISSUER,
    aud: ID_TOKEN_AUDIENCE,
    sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
    iat: now,
    nbf: now,
    exp: now + 300,
    jti: 'test',
    repository: 'octo-org/octo-repo',
    repository_owner: 'octo-org',
    ref: 'refs/heads/main',
    ref_type: 'branch',
    event_name: 'push',
    workflow: 'deploy',
    job_workflow_ref: 'octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main',
    actor: 'octocat',
    runner_environment: 'github-hosted',
    ...overrides
  }
}

function federationClient(
  apis: GoogleApis,
  subjectToken: string,
  options: { audience?: string; impersonate?: string; scopes?: string[] } = {}
): IdentityPoolClient {
  return new IdentityPoolClient({
    ...(options.scopes && { scopes: options.scopes }),
    audience: options.audience ?? STS_AUDIENCE,
    subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
    token_url: `${apis.endpoints.sts}/token`,
    service_account_impersonation_url: options.impersonate
      ? `${apis.endpoints.iamcredentials}/projects/-/serviceAccounts/${options.impersonate}:generateAccessToken`
      : undefined,
    subject_token_supplier: { getSubjectToken: async () => subjectToken }
  })
}

/** The fields of Google's answers these tests read. */
interface GoogleAnswer {
  error?: { code: number; message: string; status: string }
  masterAuth?: { clusterCaCertificate: string }
  endpoint?: { gkeCluster: { resourceLink: string } }
  [field: string]: unknown
}

async function getJson(
  url: string,
  token?: string
): Promise<{ status: number; contentType: string; body: GoogleAnswer }> {
  const response = await fetch(url, { headers: token ? { Authorization: `Bearer ${token}` } : {} })
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: (await response.json()) as GoogleAnswer
  }
}

const clusterUrl = (
  apis: GoogleApis,
  name = 'dagster',
  location = 'europe-west1',
  project = 'my-project'
): string => `${apis.endpoints.container}/projects/${project}/locations/${location}/clusters/${name}`

/** The requests a flow made, without the noise of earlier tests. */
const requestsSince = (apis: GoogleApis, start: number) =>
  apis.requests.slice(start).map(({ service, method, path, authorization, status }) => ({
    service,
    method,
    path,
    authorization,
    status
  }))

describe('workload identity federation with google-auth-library', () => {
  it('exchanges a GitHub ID token for the federated token, which reads the cluster', async () => {
    const start = google.requests.length
    const { token } = await federationClient(google, await githubIdToken()).getAccessToken()

    expect(token).toBe(google.tokens.federated)
    const cluster = await getJson(clusterUrl(google), token!)
    expect(cluster.status).toBe(200)
    expect(cluster.body).toMatchObject({
      name: 'dagster',
      location: 'europe-west1',
      endpoint: '127.0.0.1:6443',
      privateClusterConfig: { privateEndpoint: '10.0.0.2' },
      controlPlaneEndpointsConfig: {
        dnsEndpointConfig: { endpoint: 'gke-0123456789abcdef-123456789012.europe-west1.gke.goog' }
      },
      selfLink:
        'https://container.googleapis.com/v1/projects/my-project/locations/europe-west1/clusters/dagster',
      status: 'RUNNING'
    })
    expect(Buffer.from(cluster.body.masterAuth?.clusterCaCertificate ?? '', 'base64').toString()).toBe(
      CLUSTER_CA
    )
    expect(requestsSince(google, start)).toEqual([
      { service: 'sts', method: 'POST', path: '/token', authorization: undefined, status: 200 },
      {
        service: 'container',
        method: 'GET',
        path: '/projects/my-project/locations/europe-west1/clusters/dagster',
        authorization: `Bearer ${google.tokens.federated}`,
        status: 200
      }
    ])
  })

  it('impersonates the service account with the federated token, and the account token reads the cluster', async () => {
    const start = google.requests.length
    const { token } = await federationClient(google, await githubIdToken(), {
      impersonate: SERVICE_ACCOUNT
    }).getAccessToken()

    expect(token).toBe(google.tokens.serviceAccount)
    expect(token).not.toBe(google.tokens.federated)
    expect((await getJson(clusterUrl(google), token!)).status).toBe(200)
    expect(requestsSince(google, start).slice(0, 2)).toEqual([
      { service: 'sts', method: 'POST', path: '/token', authorization: undefined, status: 200 },
      {
        service: 'iamcredentials',
        method: 'POST',
        path: `/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
        authorization: `Bearer ${google.tokens.federated}`,
        status: 200
      }
    ])
  })

  it('accepts a JSON token exchange too and answers in the documented shape', async () => {
    const response = await fetch(`${google.endpoints.sts}/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange',
        audience: STS_AUDIENCE,
        scope: 'https://www.googleapis.com/auth/cloud-platform',
        requested_token_type: 'urn:ietf:params:oauth:token-type:access_token',
        subject_token: await githubIdToken(),
        subject_token_type: 'urn:ietf:params:oauth:token-type:jwt'
      })
    })
    expect(response.headers.get('content-type')).toBe('application/json; charset=UTF-8')
    expect(await response.json()).toEqual({
      access_token: google.tokens.federated,
      issued_token_type: 'urn:ietf:params:oauth:token-type:access_token',
      token_type: 'Bearer',
      expires_in: 3599
    })
  })
})

describe('STS refusals, as google-auth-library reports them', () => {
  const invalidTarget =
    'Error code invalid_target: The target service indicated by the "audience" parameters is invalid. This might either be because the pool or provider is disabled or deleted or because it doesn\'t exist.'

  it.each([
    {
      case: 'a project ID where the number belongs',
      audience: STS_AUDIENCE.replace(PROJECT_NUMBER, 'my-project'),
      expected: invalidTarget
    },
    {
      case: 'an unknown pool',
      audience: STS_AUDIENCE.replace('Pools/github', 'Pools/gitlab'),
      expected: invalidTarget
    },
    {
      case: 'an unknown provider',
      audience: STS_AUDIENCE.replace('providers/github', 'providers/other'),
      expected: invalidTarget
    },
    {
      case: 'a malformed audience (the provider name without //iam.googleapis.com/)',
      audience: PROVIDER,
      expected:
        'Error code invalid_request: Invalid value for "audience". This value should be the full resource name of the Identity Provider.'
    }
  ])('$case → $expected', async ({ audience, expected }) => {
    const client = federationClient(google, await githubIdToken(), { audience })
    await expect(client.getAccessToken()).rejects.toThrow(expected)
  })

  it.each([
    { case: 'an ID token for another audience', claims: { aud: 'https://github.com/octo-org' } },
    { case: 'an expired ID token', claims: { iat: 1_700_000_000, nbf: 1_700_000_000, exp: 1_700_000_300 } },
    { case: 'an ID token from another issuer', claims: { iss: 'https://gitlab.com' } }
  ])('$case → invalid_grant', async ({ claims }) => {
    const client = federationClient(google, mintGitHubIdToken(githubClaims(claims)))
    await expect(client.getAccessToken()).rejects.toThrow(/^Error code invalid_grant: /)
  })

  it.each([
    { case: 'a forged signature', token: (good: string) => good.replace(/\.[^.]+$/, '.Zm9yZ2Vk') },
    { case: 'a token that is not a JWT', token: () => 'not-a-jwt' }
  ])('$case → invalid_grant', async ({ token }) => {
    const client = federationClient(google, token(await githubIdToken()))
    await expect(client.getAccessToken()).rejects.toThrow(/^Error code invalid_grant: /)
  })

  it('refuses a token the attribute condition rejects with unauthorized_client', async () => {
    const strict = await startExtraGoogle({
      ...googleOptions,
      attributeCondition: claims => claims.repository_owner === 'another-org'
    })
    const client = federationClient(strict, await githubIdToken())
    await expect(client.getAccessToken()).rejects.toThrow(
      'Error code unauthorized_client: The given credential is rejected by the attribute condition.'
    )
  })

  it('passes the claims to the attribute condition, so a condition on the repository admits it', async () => {
    const scoped = await startExtraGoogle({
      ...googleOptions,
      attributeCondition: claims =>
        claims.repository === 'octo-org/octo-repo' && claims.ref === 'refs/heads/main'
    })
    const { token } = await federationClient(scoped, await githubIdToken()).getAccessToken()
    expect(token).toBe(scoped.tokens.federated)
  })
})

describe('IAM Credentials refusals', () => {
  const denied = {
    code: 403,
    message: "Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist).",
    status: 'PERMISSION_DENIED'
  }

  it.each([
    { case: 'a principal without roles/iam.workloadIdentityUser', account: DENIED_ACCOUNT },
    { case: 'an account that does not exist', account: 'nobody@my-project.iam.gserviceaccount.com' }
  ])('$case → 403 PERMISSION_DENIED', async ({ account }) => {
    const client = federationClient(google, await githubIdToken(), { impersonate: account })
    const error = await client.getAccessToken().then(
      () => undefined,
      (e: unknown) => e as { status?: number; response?: { data: { error: unknown } } }
    )
    expect(error?.status).toBe(403)
    expect(error?.response?.data.error).toMatchObject(denied)
  })

  it('denies a principal the account does not admit (another repository)', async () => {
    const otherRepository = mintGitHubIdToken(
      githubClaims({ sub: 'repo:octo-org/other-repo:ref:refs/heads/main' })
    )
    const client = federationClient(google, otherRepository, { impersonate: SERVICE_ACCOUNT })
    await expect(client.getAccessToken()).rejects.toMatchObject({ status: 403 })
  })

  it.each([
    {
      case: 'an unknown token',
      authorization: 'Bearer ya29.not-issued-here',
      message: 'Request had invalid authentication credentials.'
    },
    {
      case: 'no token',
      authorization: undefined,
      message: 'Request is missing required authentication credential.'
    }
  ])('$case → 401 UNAUTHENTICATED', async ({ authorization, message }) => {
    const response = await fetch(
      `${google.endpoints.iamcredentials}/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
      {
        method: 'POST',
        headers: {
          'Content-Type': 'application/json',
          ...(authorization ? { Authorization: authorization } : {})
        },
        body: JSON.stringify({ scope: ['https://www.googleapis.com/auth/cloud-platform'] })
      }
    )
    expect(response.status).toBe(401)
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="https://accounts.google.com/"')
    const body = (await response.json()) as { error: { code: number; message: string; status: string } }
    expect(body.error).toMatchObject({ code: 401, status: 'UNAUTHENTICATED' })
    expect(body.error.message).toContain(message)
  })
})

describe('GKE cluster lookup', () => {
  it.each([
    {
      case: 'a cluster that does not exist',
      url: (apis: GoogleApis) => clusterUrl(apis, 'missing'),
      token: (apis: GoogleApis) => apis.tokens.serviceAccount,
      status: 404,
      error: {
        status: 'NOT_FOUND',
        message: 'Not found: projects/my-project/locations/europe-west1/clusters/missing.'
      }
    },
    {
      case: 'a location the cluster is not in',
      url: (apis: GoogleApis) => clusterUrl(apis, 'dagster', 'europe-west1-b'),
      token: (apis: GoogleApis) => apis.tokens.serviceAccount,
      status: 404,
      error: {
        status: 'NOT_FOUND',
        message: 'Not found: projects/my-project/locations/europe-west1-b/clusters/dagster.'
      }
    },
    {
      case: 'a caller without container.clusters.get',
      url: (apis: GoogleApis) => clusterUrl(apis, 'restricted'),
      token: (apis: GoogleApis) => apis.tokens.serviceAccount,
      status: 403,
      error: {
        status: 'PERMISSION_DENIED',
        message:
          'Required "container.clusters.get" permission(s) for "projects/my-project/locations/europe-west1/clusters/restricted".'
      }
    },
    {
      case: 'a token the double never issued',
      url: (apis: GoogleApis) => clusterUrl(apis),
      token: () => 'ya29.somebody-elses',
      status: 401,
      error: { status: 'UNAUTHENTICATED' }
    },
    {
      case: 'no token',
      url: (apis: GoogleApis) => clusterUrl(apis),
      token: () => undefined,
      status: 401,
      error: { status: 'UNAUTHENTICATED' }
    }
  ])('$case → $status', async ({ url, token, status, error }) => {
    // The service account token exists only once the flow has run; run it so the token is a live one.
    await federationClient(google, await githubIdToken(), { impersonate: SERVICE_ACCOUNT }).getAccessToken()
    const answer = await getJson(url(google), token(google))
    expect(answer.status).toBe(status)
    expect(answer.contentType).toBe('application/json; charset=UTF-8')
    expect(answer.body.error).toMatchObject({ code: status, ...error })
  })

  it('refuses a token issued without the cloud-platform scope', async () => {
    const narrow = new IdentityPoolClient({
      audience: STS_AUDIENCE,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${google.endpoints.sts}/token`,
      service_account_impersonation_url: `${google.endpoints.iamcredentials}/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
      scopes: ['https://www.googleapis.com/auth/userinfo.email'],
      subject_token_supplier: { getSubjectToken: () => githubIdToken() }
    })
    const { token } = await narrow.getAccessToken()
    const answer = await getJson(clusterUrl(google), token!)
    expect(answer.status).toBe(403)
    expect(answer.body.error?.message).toBe('Request had insufficient authentication scopes.')
  })
})

describe('GKE Hub membership discovery', () => {
  /** The URL as get-gke-credentials builds it: the filter's quotes left for fetch to encode. */
  const membershipsUrl = (resourceLink: string): string =>
    `${google.endpoints.gkehub}/projects/my-project/locations/global/memberships?filter=endpoint.gkeCluster.resourceLink="${resourceLink}"`

  it.each([
    {
      case: 'the registered cluster',
      resourceLink: CLUSTER_LINK,
      body: {
        resources: [
          {
            name: 'projects/my-project/locations/global/memberships/dagster-membership',
            endpoint: { gkeCluster: { resourceLink: CLUSTER_LINK } }
          }
        ]
      }
    },
    { case: 'a cluster with no membership', resourceLink: CLUSTER_LINK.replace('dagster', 'other'), body: {} }
  ])('$case', async ({ resourceLink, body }) => {
    const answer = await getJson(membershipsUrl(resourceLink), google.tokens.federated)
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject(body)
    if (!('resources' in body)) expect(answer.body).toEqual({})
  })

  it('gets one membership by name and 404s an unknown one', async () => {
    const base = `${google.endpoints.gkehub}/projects/my-project/locations/global/memberships`
    const found = await getJson(`${base}/dagster-membership`, google.tokens.federated)
    expect(found.body.endpoint?.gkeCluster.resourceLink).toBe(CLUSTER_LINK)
    expect((await getJson(`${base}/nope`, google.tokens.federated)).status).toBe(404)
  })

  it('rejects a filter it does not understand instead of ignoring it', async () => {
    const answer = await getJson(
      `${google.endpoints.gkehub}/projects/my-project/locations/global/memberships?filter=name:dagster`,
      google.tokens.federated
    )
    expect(answer.status).toBe(400)
    expect(answer.body.error?.status).toBe('INVALID_ARGUMENT')
  })
})

describe('GKE Hub memberships in regions and fleet host projects', () => {
  const REGIONAL_LINK = CLUSTER_LINK.replace('clusters/dagster', 'clusters/autopilot')
  let hub: GoogleApis
  beforeAll(async () => {
    hub = await startExtraGoogle({
      otherProjects: { 'fleet-host': '987654321098' },
      memberships: [
        { project: 'my-project', name: 'dagster-membership', clusterResourceLink: CLUSTER_LINK },
        {
          project: 'my-project',
          location: 'europe-west1',
          name: 'autopilot',
          clusterResourceLink: REGIONAL_LINK
        },
        { project: 'fleet-host', name: 'hosted', clusterResourceLink: CLUSTER_LINK }
      ]
    })
    // Tokens are accepted once issued: one exchange makes `hub.tokens.federated` valid.
    await federationClient(hub, await githubIdToken()).getAccessToken()
  })
  const list = (project: string, location: string, resourceLink?: string): string =>
    `${hub.endpoints.gkehub}/projects/${project}/locations/${location}/memberships` +
    (resourceLink
      ? `?filter=${encodeURIComponent(`endpoint.gkeCluster.resourceLink="${resourceLink}"`)}`
      : '')
  const names = (body: GoogleAnswer): string[] =>
    ((body.resources as Array<{ name: string }> | undefined) ?? []).map(resource => resource.name)

  it.each([
    ['global', undefined, ['projects/my-project/locations/global/memberships/dagster-membership']],
    ['europe-west1', undefined, ['projects/my-project/locations/europe-west1/memberships/autopilot']],
    [
      '-',
      undefined,
      [
        'projects/my-project/locations/global/memberships/dagster-membership',
        'projects/my-project/locations/europe-west1/memberships/autopilot'
      ]
    ],
    ['-', REGIONAL_LINK, ['projects/my-project/locations/europe-west1/memberships/autopilot']],
    ['global', REGIONAL_LINK, []]
  ])('lists locations/%s (filter %s) of the project', async (location, link, expected) => {
    const answer = await getJson(list('my-project', location, link), hub.tokens.federated)
    expect(answer.status).toBe(200)
    expect(names(answer.body)).toEqual(expected)
  })

  it("keeps a fleet host project's memberships apart: listed and read there, its number from Resource Manager", async () => {
    expect(names((await getJson(list('fleet-host', '-', CLUSTER_LINK), hub.tokens.federated)).body)).toEqual([
      'projects/fleet-host/locations/global/memberships/hosted'
    ])
    const read = await getJson(
      `${hub.endpoints.gkehub}/projects/fleet-host/locations/global/memberships/hosted`,
      hub.tokens.federated
    )
    expect(read.body.endpoint?.gkeCluster.resourceLink).toBe(CLUSTER_LINK)
    const wrongLocation = `${hub.endpoints.gkehub}/projects/fleet-host/locations/europe-west1/memberships/hosted`
    expect((await getJson(wrongLocation, hub.tokens.federated)).status).toBe(404)
    const project = await getJson(
      `${hub.endpoints.cloudresourcemanager}/projects/fleet-host`,
      hub.tokens.federated
    )
    expect(project.body).toMatchObject({ name: 'projects/987654321098', projectId: 'fleet-host' })
  })
})

describe('rotating tokens that expire', () => {
  it('mints a new token per exchange; an expired one gets 401 UNAUTHENTICATED, a new one works', async () => {
    const apis = await startExtraGoogle({ ...googleOptions, rotateTokens: true })
    const subject = await githubIdToken()
    const first = (await federationClient(apis, subject, { impersonate: SERVICE_ACCOUNT }).getAccessToken())
      .token
    apis.expireTokens()
    const refused = await getJson(clusterUrl(apis), first ?? '')
    expect(refused.status).toBe(401)
    expect(refused.body.error?.status).toBe('UNAUTHENTICATED')

    const second = (await federationClient(apis, subject, { impersonate: SERVICE_ACCOUNT }).getAccessToken())
      .token
    expect(second).not.toBe(first)
    expect((await getJson(clusterUrl(apis), second ?? '')).status).toBe(200)
    expect(apis.issuedTokens()).toHaveLength(4)
  })
})

describe("GKE's user name for a Google token (the Kubernetes double asks the Google double, as GKE asks Google)", () => {
  const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'
  const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email'
  const UNIQUE_ID = '109348573645981234567'
  const FEDERATED_PRINCIPAL = `principal://iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/subject/repo:octo-org/octo-repo:ref:refs/heads/main`
  let apis: GoogleApis
  let kube: KubeDouble
  beforeAll(async () => {
    apis = await startExtraGoogle({
      ...googleOptions,
      serviceAccounts: { [SERVICE_ACCOUNT]: { uniqueId: UNIQUE_ID } }
    })
    // RBAC as the README binds it: the service account's email (and the federated principal).
    kube = await startKubeDouble({
      users: {},
      googleTokens: token => apis.grantOf(token),
      authorize: ({ user }) => user === SERVICE_ACCOUNT || user === FEDERATED_PRINCIPAL
    })
  })
  afterAll(() => kube.close())

  const listSecrets = (token: string): Promise<Response> =>
    fetch(`${kube.url}/api/v1/namespaces/dagster-prd/secrets`, {
      headers: { Authorization: `Bearer ${token}` }
    })

  it.each<[string, { impersonate?: string; scopes: string[] }, string, number]>([
    [
      'a service account token without userinfo.email: its unique ID',
      { impersonate: SERVICE_ACCOUNT, scopes: [CLOUD_PLATFORM] },
      UNIQUE_ID,
      403
    ],
    [
      'a service account token with userinfo.email: its email',
      { impersonate: SERVICE_ACCOUNT, scopes: [CLOUD_PLATFORM, USERINFO_EMAIL] },
      SERVICE_ACCOUNT,
      200
    ],
    [
      'a federated token without userinfo.email: its principal',
      { scopes: [CLOUD_PLATFORM] },
      FEDERATED_PRINCIPAL,
      200
    ],
    [
      'a federated token with userinfo.email: its principal',
      { scopes: [CLOUD_PLATFORM, USERINFO_EMAIL] },
      FEDERATED_PRINCIPAL,
      200
    ]
  ])('%s', async (_, options, user, status) => {
    const { token } = await federationClient(apis, await githubIdToken(), options).getAccessToken()
    kube.resetRequests()
    const response = await listSecrets(token ?? '')

    expect(response.status).toBe(status)
    expect(kube.requests.map(r => r.user)).toEqual([user])
    expect(apis.issuedGrants().at(-1)?.grant.scopes).toEqual(options.scopes)
    if (status === 403) {
      // What the action met when it asked for cloud-platform only: RBAC bound to the email does not match.
      expect(((await response.json()) as { message: string }).message).toBe(
        `secrets is forbidden: User "${UNIQUE_ID}" cannot list resource "secrets" in API group "" in the namespace "dagster-prd"`
      )
    }
  })

  it('impersonation asks STS for cloud-platform and generateAccessToken for the scopes the client wants', async () => {
    const start = apis.issuedGrants().length
    await federationClient(apis, await githubIdToken(), {
      impersonate: SERVICE_ACCOUNT,
      scopes: [CLOUD_PLATFORM, USERINFO_EMAIL]
    }).getAccessToken()
    expect(
      apis
        .issuedGrants()
        .slice(start)
        .map(({ grant }) => [grant.kind, grant.scopes])
    ).toEqual([
      ['federated', [CLOUD_PLATFORM]],
      ['serviceAccount', [CLOUD_PLATFORM, USERINFO_EMAIL]]
    ])
  })
})

describe('Resource Manager project lookup', () => {
  it.each(['my-project', PROJECT_NUMBER])('GET projects/%s names the project by number', async idOrNumber => {
    const answer = await getJson(
      `${google.endpoints.cloudresourcemanager}/projects/${idOrNumber}`,
      google.tokens.federated
    )
    expect(answer.status).toBe(200)
    expect(answer.body).toMatchObject({
      name: `projects/${PROJECT_NUMBER}`,
      projectId: 'my-project',
      state: 'ACTIVE'
    })
  })

  it('answers 403, not 404, for a project it does not know', async () => {
    const answer = await getJson(
      `${google.endpoints.cloudresourcemanager}/projects/elsewhere`,
      google.tokens.federated
    )
    expect(answer.status).toBe(403)
    expect(answer.body.error).toMatchObject({
      code: 403,
      status: 'PERMISSION_DENIED',
      message:
        "Permission 'resourcemanager.projects.get' denied on resource '//cloudresourcemanager.googleapis.com/projects/elsewhere' (or it may not exist)."
    })
  })
})

describe('CA trust in a fresh process (how the action meets the doubles)', () => {
  const probePath = fileURLToPath(new URL('../doubles/google-auth-probe.ts', import.meta.url))

  async function runProbe(
    extraEnv: Record<string, string>
  ): Promise<{ accessToken?: string; clusterStatus?: number; error?: string }> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...extraEnv,
      GOOGLE_AUTH_PROBE: JSON.stringify({
        audience: STS_AUDIENCE,
        tokenUrl: `${google.endpoints.sts}/token`,
        impersonationUrl: `${google.endpoints.iamcredentials}/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
        subjectToken: await githubIdToken(),
        clusterUrl: clusterUrl(google)
      })
    }
    if (!('NODE_EXTRA_CA_CERTS' in extraEnv)) delete env.NODE_EXTRA_CA_CERTS
    // process.execPath is the Node 24 vitest runs under; it strips the probe's types itself.
    const child = await promisify(execFile)(process.execPath, [probePath], { env }).catch(
      (failed: { stdout: string }) => failed
    )
    return JSON.parse(child.stdout)
  }

  it('trusts the doubles through NODE_EXTRA_CA_CERTS, in gaxios and in fetch', async () => {
    expect(await runProbe({ NODE_EXTRA_CA_CERTS: testCaPath })).toEqual({
      accessToken: google.tokens.serviceAccount,
      clusterStatus: 200
    })
  })

  it('fails without the CA, so the trust above is what made it work', async () => {
    const result = await runProbe({})
    expect(result.accessToken).toBeUndefined()
    expect(result.error).toContain('self-signed certificate in certificate chain')
  })
})
