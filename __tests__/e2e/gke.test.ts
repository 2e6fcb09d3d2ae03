// End to end: the bundled action signs in to Google (Workload Identity Federation, impersonation or ADC), finds
// the GKE cluster and syncs into it, against the GitHub OIDC, Google API and Kubernetes doubles. The Kubernetes
// double accepts only the token the flow must produce, and trusts nothing the flow should not: the doubles' test
// CA stands in for the public roots (NODE_EXTRA_CA_CERTS), while an IP endpoint serves a certificate of another
// CA that only the cluster CA reported by GKE can verify.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { startGitHubOidc, type GitHubOidc } from '../doubles/github-oidc-server.js'
import type { AccessTokenGrant } from '../doubles/google-access-tokens.js'
import {
  startGoogleApis,
  type GoogleApis,
  type GoogleApisServerOptions,
  type GoogleCluster
} from '../doubles/google-apis-server.js'
import {
  startConnectGateway,
  type ConnectGateway,
  type GatewayPermission
} from '../doubles/google-connect-gateway.js'
import { startKubeDouble, type KubeDouble, type KubeDoubleOptions } from '../../kube-double/server.js'
import {
  otherTls,
  PUBLIC_DNS_ENDPOINT_HOST,
  publicTls,
  resolveGkeGoogPath,
  testCaPath,
  testTls,
  type ServerTls
} from '../../kube-double/tls.js'
import { findLeaks, runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const PROJECT_ID = 'my-project'
const PROJECT_NUMBER = '123456789012'
const LOCATION = 'europe-west4'
const CLUSTER = 'dagster'
const CLUSTER_PATH = `projects/${PROJECT_ID}/locations/${LOCATION}/clusters/${CLUSTER}`
const PROVIDER = `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/providers/github`
const SERVICE_ACCOUNT = `secrets-sync@${PROJECT_ID}.iam.gserviceaccount.com`
/** The audience the action asks GitHub for by default, and google-github-actions/auth too. */
const ID_TOKEN_AUDIENCE = `https://iam.googleapis.com/${PROVIDER}`
/** The principal GKE sees for a federated token (no service account). */
const FEDERATED_PRINCIPAL = `principal://iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/subject/repo:acme/dagster-infra:ref:refs/heads/main`
const FLEET_MEMBERSHIP = 'dagster-fleet'
const GATEWAY_PATH = `/connectgateway/v1/projects/${PROJECT_NUMBER}/locations/global/gkeMemberships/${FLEET_MEMBERSHIP}`

const VALUES = {
  DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN: 'xoxb-gke-leak-canary-2222',
  DAGSTER_SECRET_WAREHOUSE_PASSWORD: `p"a$$w\\ord gke-leak-canary ünïcödé`
}
const SECRETS = { ...VALUES, OTHER_SECRET: 'not-synced-gke-leak-canary' }
const CREATED = '["dagster-secret-slack-bot-oauth-token","dagster-secret-warehouse-password"]'
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')

/**
 * The token the Kubernetes double accepts (the user is named as GKE names it); `liveServiceAccount`: any
 * service account token the Google double issued and has not expired, as GKE checks a token with Google.
 */
type Accept = 'serviceAccount' | 'federated' | 'nothing' | 'liveServiceAccount'

interface FlowOptions {
  /** What the API server at the chosen endpoint presents. Default: a certificate of the cluster CA. */
  kubeTls?: ServerTls
  basePath?: string
  accept?: Accept
  /** RBAC. Default: the README's bindings, to the service account's email and to the federated principal. */
  authorize?: KubeDoubleOptions['authorize']
  /** Changes to the cluster GKE reports, given the servers (`kube` is the right one, `decoy` a wrong one). */
  cluster?: (kube: KubeDouble, decoy: KubeDouble) => Partial<GoogleCluster>
  google?: Omit<GoogleApisServerOptions, 'clusters'>
  /** Serve the cluster behind the Connect gateway double, with these gateway permissions. */
  gateway?: { allowed: (permission: GatewayPermission) => boolean }
}

interface Flow {
  github: GitHubOidc
  google: GoogleApis
  /** The API server the flow must reach. */
  kube: KubeDouble
  /** An API server that accepts the same token but must never be reached. */
  decoy: KubeDouble
  env: Record<string, string>
  gateway?: ConnectGateway
}

const open: Array<{ close(): Promise<void> }> = []
const tempDirs: string[] = []
afterEach(async () => {
  await Promise.all(open.splice(0).map(server => server.close()))
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true })
})

/**
 * RBAC as the README sets it up: a RoleBinding to `kind: User` with the service account's email, or, for
 * direct federation, with the principal the API server names. A service account named by its unique ID (a
 * token without userinfo.email) matches neither and gets 403.
 */
const boundByReadme: NonNullable<KubeDoubleOptions['authorize']> = ({ user }) =>
  user === SERVICE_ACCOUNT || user === FEDERATED_PRINCIPAL

async function startFlow(options: FlowOptions = {}): Promise<Flow> {
  // Filled once the Google double has started; the Kubernetes double asks it about every bearer, as GKE asks
  // Google, and names the user as GKE does (by email only with the userinfo.email scope).
  const started: { google?: GoogleApis } = {}
  const accept = options.accept ?? 'serviceAccount'
  const googleTokens = (token: string): AccessTokenGrant | undefined => {
    const google = started.google
    const grant = google?.grantOf(token)
    if (!google || !grant) return undefined
    switch (accept) {
      case 'serviceAccount':
        return token === google.tokens.serviceAccount ? grant : undefined
      case 'federated':
        return token === google.tokens.federated ? grant : undefined
      case 'liveServiceAccount':
        return grant.kind === 'serviceAccount' ? grant : undefined
      case 'nothing':
        return undefined
    }
  }
  const kube = await startKubeDouble({
    users: {},
    googleTokens,
    tls: options.kubeTls ?? otherTls,
    ...(options.basePath && { basePath: options.basePath }),
    authorize: options.authorize ?? boundByReadme
  })
  open.push(kube)
  const decoy = await startKubeDouble({ users: {}, googleTokens, tls: otherTls })
  open.push(decoy)
  const github = await startGitHubOidc({ repository: 'acme/dagster-infra', ref: 'refs/heads/main' })
  open.push(github)
  const cluster: GoogleCluster = {
    project: PROJECT_ID,
    location: LOCATION,
    name: CLUSTER,
    endpoint: `127.0.0.1:${kube.port}`,
    caPem: otherTls.caPem,
    privateEndpoint: `127.0.0.1:${decoy.port}`,
    dnsEndpoint: `localhost:${decoy.port}`,
    ...options.cluster?.(kube, decoy)
  }
  const google = await startGoogleApis({
    memberships: [
      {
        project: PROJECT_ID,
        name: FLEET_MEMBERSHIP,
        clusterResourceLink: `//container.googleapis.com/${CLUSTER_PATH}`
      }
    ],
    ...options.google,
    clusters: [cluster]
  })
  open.push(google)
  started.google = google

  const gatewayOptions = options.gateway
  const gateway =
    gatewayOptions &&
    (await startConnectGateway({
      membershipPath: GATEWAY_PATH.slice('/connectgateway'.length),
      upstream: kube,
      isGoogleToken: token => googleTokens(token) !== undefined,
      allowed: (_, permission) => gatewayOptions.allowed(permission)
    }))
  if (gateway) open.push(gateway)

  const env = {
    ACTIONS_ID_TOKEN_REQUEST_URL: github.url,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: github.requestToken,
    NODE_EXTRA_CA_CERTS: testCaPath,
    GHA_ENDPOINT_OVERRIDE_sts: google.endpoints.sts,
    GHA_ENDPOINT_OVERRIDE_iamcredentials: google.endpoints.iamcredentials,
    GHA_ENDPOINT_OVERRIDE_container: google.endpoints.container,
    GHA_ENDPOINT_OVERRIDE_gkehub: google.endpoints.gkehub,
    GHA_ENDPOINT_OVERRIDE_cloudresourcemanager: google.endpoints.cloudresourcemanager,
    GHA_ENDPOINT_OVERRIDE_connectgateway:
      gateway?.endpoint ?? `https://127.0.0.1:${kube.port}/connectgateway/v1`
  }
  return { github, google, kube, decoy, env, ...(gateway && { gateway }) }
}

const gkeInputs = (extra: Record<string, string> = {}): Record<string, string> => ({
  secrets: JSON.stringify(SECRETS),
  namespace: NS,
  cluster_name: CLUSTER,
  location: LOCATION,
  project_id: PROJECT_ID,
  workload_identity_provider: PROVIDER,
  service_account: SERVICE_ACCOUNT,
  ...extra
})

/**
 * Runs dist/index.js in the flow's environment and scans everything it left for the secret values, every token
 * the doubles issued (Google access tokens, GitHub ID tokens) and the OIDC request token: they may appear only in
 * `::add-mask::` lines.
 */
async function runIn(
  flow: Flow,
  inputs: Record<string, string>,
  env: Record<string, string | undefined> = {}
): Promise<ActionRun> {
  const run = await runAction(inputs, { ...flow.env, ...env })
  const tokens = [
    flow.google.tokens.federated,
    flow.google.tokens.serviceAccount,
    flow.github.requestToken,
    ...flow.github.issued.map(issued => issued.token)
  ]
  expect(findLeaks(run, [...Object.values(SECRETS), ...tokens])).toEqual([])
  return run
}

/**
 * A TCP listener that accepts connections and never says a word, as an endpoint behind a firewall that drops
 * the runner's packets looks to a client once its connection attempt is let through.
 */
async function startSilentServer(): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createServer(socket => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as { port: number }).port,
    close: () =>
      new Promise<void>(resolve => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      })
  }
}

/** The Google requests as [service, method, path, bearer] (bearer by name, so a failure reads clearly). */
function googleCalls(flow: Flow): Array<[string, string, string, string]> {
  const names: Record<string, string> = {
    [`Bearer ${flow.google.tokens.federated}`]: 'federated',
    [`Bearer ${flow.google.tokens.serviceAccount}`]: 'service account'
  }
  return flow.google.requests.map(r => [
    r.service,
    r.method,
    r.path,
    r.authorization === undefined ? 'none' : (names[r.authorization] ?? 'another bearer')
  ])
}

const CLOUD_PLATFORM = 'https://www.googleapis.com/auth/cloud-platform'
const USERINFO_EMAIL = 'https://www.googleapis.com/auth/userinfo.email'

/** Each token the Google double issued, as [kind, its scopes], in order. */
const issuedScopes = (flow: Flow): Array<[string, string[]]> =>
  flow.google.issuedGrants().map(({ grant }) => [grant.kind, grant.scopes])

const STS_CALL: [string, string, string, string] = ['sts', 'POST', '/token', 'none']
const IAM_CALL: [string, string, string, string] = [
  'iamcredentials',
  'POST',
  `/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
  'federated'
]
const clusterCall = (bearer: string): [string, string, string, string] => [
  'container',
  'GET',
  `/${CLUSTER_PATH}`,
  bearer
]

/** The failure message as the runner shows it: the `::error::` command, its escapes undone. */
function failure(run: ActionRun): string {
  const line = run.stdout.split('\n').find(l => l.startsWith('::error::gke-secrets-sync: '))
  return (line ?? '')
    .slice('::error::'.length)
    .replaceAll('%0D', '\r')
    .replaceAll('%0A', '\n')
    .replaceAll('%25', '%')
}

function expectSynced(run: ActionRun, flow: Flow, user: string, server: string): void {
  expect(run.exitCode, run.stdout + run.stderr).toBe(0)
  expect(
    flow.kube
      .listSecrets(NS)
      .map(s => s.metadata.name)
      .sort()
  ).toEqual(['dagster-secret-slack-bot-oauth-token', 'dagster-secret-warehouse-password'])
  for (const [githubName, value] of Object.entries(VALUES)) {
    const secret = flow.kube.getSecret(NS, githubName.toLowerCase().replaceAll('_', '-'))
    expect(decode(secret?.data?.[githubName])).toBe(value)
  }
  // Two creates, then their two Events (events.k8s.io), all as the identity that signed in.
  expect(flow.kube.writes().map(w => [w.method, w.path.split('/').at(-1), w.user])).toEqual([
    ['POST', 'secrets', user],
    ['POST', 'secrets', user],
    ['POST', 'events', user],
    ['POST', 'events', user]
  ])
  expect(flow.kube.requests.every(r => r.user === user && r.status < 300)).toBe(true)
  expect(flow.decoy.requests).toEqual([])
  expect(run.outputs.created).toBe(CREATED)
  expect(run.outputs.changed).toBe('true')
  expect(run.outputs.failed).toBe('[]')
  expect(run.summary).toContain(
    `GKE cluster \`${CLUSTER}\` (project \`${PROJECT_ID}\`, location \`${LOCATION}\`) · namespace \`${NS}\``
  )
  expect(run.summary).toContain(`API server \`${server}\``)
}

function expectNothingWritten(run: ActionRun, flow: Flow): void {
  expect(run.exitCode).toBe(1)
  expect(flow.kube.writes()).toEqual([])
  expect(flow.kube.listSecrets(NS)).toEqual([])
  expect(flow.decoy.requests).toEqual([])
  // Whichever stage stopped it, the run leaves a summary that says it failed.
  expect(run.summary).toMatch(/^## ❌ gke-secrets-sync: \S/)
}

describe('signing in to Google', () => {
  it('impersonation: GitHub token -> STS -> IAM Credentials; the service account token reads the cluster and writes', async () => {
    const flow = await startFlow({ accept: 'serviceAccount' })
    const run = await runIn(flow, gkeInputs())

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}`)
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, clusterCall('service account')])
    // The account's token carries userinfo.email (generateAccessToken's scope list), so GKE names the account
    // by its email and the README's RoleBinding applies; STS is asked for what generateAccessToken needs.
    expect(issuedScopes(flow)).toEqual([
      ['federated', [CLOUD_PLATFORM]],
      ['serviceAccount', [CLOUD_PLATFORM, USERINFO_EMAIL]]
    ])
    expect(flow.github.issued.map(issued => issued.audience)).toEqual([ID_TOKEN_AUDIENCE])
    expect(flow.github.requests.map(r => r.authorization)).toEqual([`Bearer ${flow.github.requestToken}`])
    // The runner learns to hide the tokens the action handles itself.
    expect(run.stdout).toContain(`::add-mask::${flow.google.tokens.serviceAccount}`)
    expect(run.stdout).toContain(`::add-mask::${flow.github.issued[0]?.token}`)
    expect(run.stdout).toContain(`through GKE cluster ${CLUSTER_PATH} through its endpoint`)
  })

  it("with google-auth-library's debug log switched on, no token reaches the output: the action unsets it and says so", async () => {
    const flow = await startFlow({ accept: 'serviceAccount' })
    // GOOGLE_SDK_NODE_LOGGING logs each token exchange's request headers and response body (the access token)
    // to stderr; runIn scans stdout, stderr and every file for every token the doubles issued.
    const run = await runIn(flow, gkeInputs(), { GOOGLE_SDK_NODE_LOGGING: 'all', DEBUG_AUTH: '1' })

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}`)
    expect(run.stderr).not.toMatch(/\bauth\b.*\b(request|response)\b/)
    expect(run.stdout).toContain(
      "::warning::GOOGLE_SDK_NODE_LOGGING is set; the action unset it for this step, because google-auth-library's debug log prints request headers and token responses before the tokens can be masked."
    )
    expect(run.stdout).toContain('::warning::DEBUG_AUTH is set; the action unset it for this step')
  })

  it('direct federation: without service_account the federated token reads the cluster and writes', async () => {
    const flow = await startFlow({ accept: 'federated' })
    const run = await runIn(flow, gkeInputs({ service_account: '' }))

    expectSynced(run, flow, FEDERATED_PRINCIPAL, `https://127.0.0.1:${flow.kube.port}`)
    expect(googleCalls(flow)).toEqual([STS_CALL, clusterCall('federated')])
    expect(issuedScopes(flow)).toEqual([['federated', [CLOUD_PLATFORM, USERINFO_EMAIL]]])
    expect(run.stdout).toContain(`::add-mask::${flow.google.tokens.federated}`)
  })

  it('ADC: the external_account file of google-github-actions/auth, without a Resource Manager call', async () => {
    const flow = await startFlow({ accept: 'serviceAccount' })
    // The shape google-github-actions/auth writes (src/client/workload_identity_federation.ts).
    const idTokenUrl = new URL(flow.github.url)
    idTokenUrl.searchParams.set('audience', ID_TOKEN_AUDIENCE)
    const credentials = {
      type: 'external_account',
      audience: `//iam.googleapis.com/${PROVIDER}`,
      subject_token_type: 'urn:ietf:params:oauth:token-type:jwt',
      token_url: `${flow.google.endpoints.sts}/token`,
      service_account_impersonation_url: `${flow.google.endpoints.iamcredentials}/projects/-/serviceAccounts/${SERVICE_ACCOUNT}:generateAccessToken`,
      credential_source: {
        url: idTokenUrl.toString(),
        headers: { Authorization: `Bearer ${flow.github.requestToken}` },
        format: { type: 'json', subject_token_field_name: 'value' }
      }
    }
    const dir = mkdtempSync(join(tmpdir(), 'gha-creds-'))
    tempDirs.push(dir)
    const file = join(dir, 'gha-creds-0123456789abcdef.json')
    writeFileSync(file, JSON.stringify(credentials), { mode: 0o600 })

    // The file alone must be enough: the OIDC variables are withheld, so only the file can reach the double.
    const run = await runIn(flow, gkeInputs({ workload_identity_provider: '', service_account: '' }), {
      GOOGLE_APPLICATION_CREDENTIALS: file,
      ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined
    })

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}`)
    // No cloudresourcemanager call: project_id is given (a getProjectId() would go to a fixed Google host).
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, clusterCall('service account')])
    expect(issuedScopes(flow)).toEqual([
      ['federated', [CLOUD_PLATFORM]],
      ['serviceAccount', [CLOUD_PLATFORM, USERINFO_EMAIL]]
    ])
    expect(flow.github.issued.map(issued => issued.audience)).toEqual([ID_TOKEN_AUDIENCE])
    expect(run.stdout).toContain(`::add-mask::${flow.google.tokens.serviceAccount}`)
  })
})

describe('default service accounts, outside iam.gserviceaccount.com', () => {
  it.each([
    ["Compute Engine's", `${PROJECT_NUMBER}-compute@developer.gserviceaccount.com`],
    ["App Engine's", `${PROJECT_ID}@appspot.gserviceaccount.com`]
  ])('impersonates %s default account, named by its email', async (_, account) => {
    const flow = await startFlow({
      google: { serviceAccounts: { [account]: {} } },
      authorize: ({ user }) => user === account
    })
    const run = await runIn(flow, gkeInputs({ service_account: account }))

    expectSynced(run, flow, account, `https://127.0.0.1:${flow.kube.port}`)
    expect(googleCalls(flow)).toEqual([
      STS_CALL,
      ['iamcredentials', 'POST', `/projects/-/serviceAccounts/${account}:generateAccessToken`, 'federated'],
      clusterCall('service account')
    ])
  })
})

describe('reaching the cluster', () => {
  it('use_internal_ip: the private endpoint, trusting the cluster CA; the public one is never tried', async () => {
    const flow = await startFlow({
      cluster: (kube, decoy) => ({
        endpoint: `127.0.0.1:${decoy.port}`,
        privateEndpoint: `127.0.0.1:${kube.port}`
      })
    })
    const run = await runIn(flow, gkeInputs({ use_internal_ip: 'true' }))

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}`)
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, clusterCall('service account')])
    expect(run.stdout).toContain('through its private endpoint')
  })

  it('use_dns_based_endpoint: the DNS name with a publicly trusted certificate, no cluster CA', async () => {
    // The cluster CA (otherTls) does not sign the DNS endpoint's certificate: only the system roots
    // (NODE_EXTRA_CA_CERTS here) do, so passing the cluster CA along would fail the run.
    const flow = await startFlow({
      kubeTls: testTls,
      cluster: (kube, decoy) => ({
        endpoint: `127.0.0.1:${decoy.port}`,
        dnsEndpoint: `localhost:${kube.port}`
      })
    })
    const run = await runIn(flow, gkeInputs({ use_dns_based_endpoint: 'true' }))

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://localhost:${flow.kube.port}`)
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, clusterCall('service account')])
    expect(run.stdout).toContain('through its DNS endpoint')
  })

  const membershipList: [string, string, string, string] = [
    'gkehub',
    'GET',
    `/projects/${PROJECT_ID}/locations/-/memberships?filter=${encodeURIComponent(
      `endpoint.gkeCluster.resourceLink="//container.googleapis.com/${CLUSTER_PATH}"`
    )}`,
    'service account'
  ]
  const membershipGet = (name: string): [string, string, string, string] => [
    'gkehub',
    'GET',
    `/${name}`,
    'service account'
  ]
  const projectGet = (project = PROJECT_ID): [string, string, string, string] => [
    'cloudresourcemanager',
    'GET',
    `/projects/${project}`,
    'service account'
  ]
  const GLOBAL_MEMBERSHIP = `projects/${PROJECT_ID}/locations/global/memberships/${FLEET_MEMBERSHIP}`
  it.each([
    [
      'the membership found through GKE Hub',
      {},
      [STS_CALL, IAM_CALL, membershipList, membershipGet(GLOBAL_MEMBERSHIP), projectGet()]
    ],
    [
      'fleet_membership_name as a bare ID',
      { fleet_membership_name: FLEET_MEMBERSHIP },
      [STS_CALL, IAM_CALL, membershipGet(GLOBAL_MEMBERSHIP), projectGet()]
    ],
    [
      'fleet_membership_name as a full resource name',
      { fleet_membership_name: GLOBAL_MEMBERSHIP },
      [STS_CALL, IAM_CALL, membershipGet(GLOBAL_MEMBERSHIP), projectGet()]
    ],
    [
      'fleet_membership_name in the gateway spelling (gkeMemberships)',
      { fleet_membership_name: GLOBAL_MEMBERSHIP.replace('/memberships/', '/gkeMemberships/') },
      [STS_CALL, IAM_CALL, membershipGet(GLOBAL_MEMBERSHIP), projectGet()]
    ]
  ])('use_connect_gateway with %s: the gateway URL by project number', async (_, extra, calls) => {
    const flow = await startFlow({ kubeTls: testTls, basePath: GATEWAY_PATH })
    const run = await runIn(flow, gkeInputs({ use_connect_gateway: 'true', ...extra }))

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}${GATEWAY_PATH}`)
    // The cluster itself is never looked up: the gateway needs only the membership and the project number.
    expect(googleCalls(flow)).toEqual(calls)
    expect(run.stdout).toContain('through the Connect gateway')
  })

  it('use_connect_gateway: a regional membership (registered at creation, or Autopilot) is found across locations', async () => {
    const regional = `projects/${PROJECT_ID}/locations/${LOCATION}/memberships/${CLUSTER}`
    const gatewayPath = `/connectgateway/v1/projects/${PROJECT_NUMBER}/locations/${LOCATION}/gkeMemberships/${CLUSTER}`
    const flow = await startFlow({
      kubeTls: testTls,
      basePath: gatewayPath,
      google: {
        memberships: [
          {
            project: PROJECT_ID,
            location: LOCATION,
            name: CLUSTER,
            clusterResourceLink: `//container.googleapis.com/${CLUSTER_PATH}`
          }
        ]
      }
    })
    const run = await runIn(flow, gkeInputs({ use_connect_gateway: 'true' }))

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}${gatewayPath}`)
    expect(googleCalls(flow)).toEqual([
      STS_CALL,
      IAM_CALL,
      membershipList,
      membershipGet(regional),
      projectGet()
    ])
  })

  it("use_connect_gateway: a membership in a fleet host project uses that project's number", async () => {
    const FLEET_HOST = 'platform-fleet-host'
    const FLEET_HOST_NUMBER = '987654321098'
    const hosted = `projects/${FLEET_HOST}/locations/global/memberships/${FLEET_MEMBERSHIP}`
    const gatewayPath = `/connectgateway/v1/projects/${FLEET_HOST_NUMBER}/locations/global/gkeMemberships/${FLEET_MEMBERSHIP}`
    const flow = await startFlow({
      kubeTls: testTls,
      basePath: gatewayPath,
      google: {
        otherProjects: { [FLEET_HOST]: FLEET_HOST_NUMBER },
        memberships: [
          {
            project: FLEET_HOST,
            name: FLEET_MEMBERSHIP,
            clusterResourceLink: `//container.googleapis.com/${CLUSTER_PATH}`
          }
        ]
      }
    })
    const run = await runIn(flow, gkeInputs({ use_connect_gateway: 'true', fleet_membership_name: hosted }))

    expectSynced(run, flow, SERVICE_ACCOUNT, `https://127.0.0.1:${flow.kube.port}${gatewayPath}`)
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, membershipGet(hosted), projectGet(FLEET_HOST)])
  })

  it('use_connect_gateway: a cluster with memberships in two locations fails and lists them', async () => {
    const link = `//container.googleapis.com/${CLUSTER_PATH}`
    const flow = await startFlow({
      kubeTls: testTls,
      basePath: GATEWAY_PATH,
      google: {
        memberships: [
          { project: PROJECT_ID, name: FLEET_MEMBERSHIP, clusterResourceLink: link },
          { project: PROJECT_ID, location: LOCATION, name: CLUSTER, clusterResourceLink: link }
        ]
      }
    })
    const run = await runIn(flow, gkeInputs({ use_connect_gateway: 'true' }))

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain(
      `Fleet membership lookup: ${CLUSTER_PATH} has 2 memberships (${GLOBAL_MEMBERSHIP}, projects/${PROJECT_ID}/locations/${LOCATION}/memberships/${CLUSTER}); set fleet_membership_name to one of them.`
    )
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, membershipList])
    expect(flow.kube.requests).toEqual([])
  })

  it.each([
    ['the default endpoint', {}],
    ['use_internal_ip', { use_internal_ip: 'true' }]
  ])(
    'an IP-less cluster (endpoint under gke.goog) with %s: the system roots verify it, not the cluster CA',
    async (_, extra) => {
      // GKE reports the DNS endpoint in `endpoint` (and privateEndpoint) when IP endpoints are disabled; its
      // certificate is signed by a public root (publicTls, trusted through NODE_EXTRA_CA_CERTS as the system
      // roots are), never by the cluster CA (otherTls), so pinning the cluster CA fails the handshake.
      const flow = await startFlow({
        kubeTls: publicTls,
        cluster: kube => ({
          endpoint: `${PUBLIC_DNS_ENDPOINT_HOST}:${kube.port}`,
          privateEndpoint: `${PUBLIC_DNS_ENDPOINT_HOST}:${kube.port}`
        })
      })
      const roots = join(mkdtempSync(join(tmpdir(), 'roots-')), 'roots.pem')
      tempDirs.push(dirname(roots))
      writeFileSync(roots, testTls.caPem + publicTls.caPem)
      const run = await runIn(flow, gkeInputs(extra), {
        NODE_EXTRA_CA_CERTS: roots,
        NODE_OPTIONS: `--import=${resolveGkeGoogPath}`
      })

      expectSynced(run, flow, SERVICE_ACCOUNT, `https://${PUBLIC_DNS_ENDPOINT_HOST}:${flow.kube.port}`)
      expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, clusterCall('service account')])
    }
  )

  it('a cluster CA that does not sign the endpoint certificate fails the TLS handshake and writes nothing', async () => {
    // The endpoint serves the test CA's certificate, which NODE_EXTRA_CA_CERTS trusts; GKE reports another CA.
    // Passing only if the cluster CA replaces the system roots (and verification is never skipped).
    const flow = await startFlow({ kubeTls: testTls })
    const run = await runIn(flow, gkeInputs())

    expectNothingWritten(run, flow)
    // The handshake fails before any HTTP request reaches the server.
    expect(flow.kube.requests).toEqual([])
    expect(failure(run)).toContain('Kubernetes API: could not list Secrets in namespace dagster-prd')
    expect(failure(run)).toContain("the API server's TLS certificate is not trusted")
    expect(failure(run)).toContain("not signed by the cluster's CA certificate")
    expect(googleCalls(flow)).toEqual([STS_CALL, IAM_CALL, clusterCall('service account')])
    expect(run.outputs.created).toBe('[]')
    expect(JSON.parse(run.outputs.failed ?? '[]')).toHaveLength(2)
  })
})

describe('the time budget covers the whole run', () => {
  it('an API server that never answers: fails within timeout_seconds, naming authorized networks and use_internal_ip', async () => {
    const silent = await startSilentServer()
    open.push(silent)
    const flow = await startFlow({ cluster: () => ({ endpoint: `127.0.0.1:${silent.port}` }) })
    const run = await runIn(flow, gkeInputs({ timeout_seconds: '3' }))

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain(
      `Kubernetes API: could not list Secrets in namespace ${NS}: the API server did not answer within the time budget (\`timeout_seconds\`)`
    )
    expect(failure(run)).toContain("the cluster's authorized networks (master authorized networks)")
    expect(failure(run)).toContain('set `use_internal_ip: true` on a self-hosted runner inside the VPC')
    expect(JSON.parse(run.outputs.failed ?? '[]')).toHaveLength(2)
  })

  it.each([
    [
      'the cluster lookup',
      'GHA_ENDPOINT_OVERRIDE_container',
      '/container/v1',
      'Cluster lookup did not finish within the time budget (`timeout_seconds`): 127.0.0.1:'
    ],
    [
      'the sign-in (STS)',
      'GHA_ENDPOINT_OVERRIDE_sts',
      '/sts/v1',
      'Google sign-in did not finish within the time budget (`timeout_seconds`): the GitHub OIDC token, STS or IAM Credentials did not answer.'
    ]
  ])('%s never answers: the run fails when timeout_seconds is spent', async (_, variable, path, message) => {
    const silent = await startSilentServer()
    open.push(silent)
    const flow = await startFlow()
    const run = await runIn(flow, gkeInputs({ timeout_seconds: '2' }), {
      [variable]: `https://127.0.0.1:${silent.port}${path}`
    })

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain(message)
    expect(flow.kube.requests).toEqual([])
  })
})

describe('tokens', () => {
  it('a token that expires mid-run is renewed once on the 401 and the writes go through with the new one', async () => {
    // Every exchange mints a new token (rotateTokens), and the Kubernetes double accepts any live service
    // account token. Once the LIST is authorized every token issued so far expires, as a metadata-server
    // token with minutes left does during a run; the first writes then meet a 401.
    let expireTokens = (): void => undefined
    const flow = await startFlow({
      accept: 'liveServiceAccount',
      google: { rotateTokens: true },
      authorize: ({ verb }) => {
        if (verb === 'list') expireTokens()
        return true
      }
    })
    expireTokens = () => flow.google.expireTokens()
    const run = await runIn(flow, gkeInputs())
    expect(findLeaks(run, flow.google.issuedTokens())).toEqual([])

    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(run.outputs.created).toBe(CREATED)
    // One renewal (STS and IAM Credentials once more), shared by both writes that met the 401.
    expect(googleCalls(flow).map(([service, method]) => `${method} ${service}`)).toEqual([
      'POST sts',
      'POST iamcredentials',
      'GET container',
      'POST sts',
      'POST iamcredentials'
    ])
    // The LIST, two creates refused then sent again, and the two Events (with the renewed token).
    expect(flow.kube.requests.map(r => `${r.method} ${r.status}`).sort()).toEqual([
      'GET 200',
      'POST 201',
      'POST 201',
      'POST 201',
      'POST 201',
      'POST 401',
      'POST 401'
    ])
    // Each new token was masked before use.
    for (const token of flow.google.issuedTokens().filter(t => t.startsWith('ya29.c.'))) {
      expect(run.stdout).toContain(`::add-mask::${token}`)
    }
  })
})

describe('failures name the stage and what to fix, and write nothing', () => {
  it('without ACTIONS_ID_TOKEN_REQUEST_URL: asks for `permissions: id-token: write`, before any Google request', async () => {
    const flow = await startFlow()
    const run = await runIn(flow, gkeInputs(), {
      ACTIONS_ID_TOKEN_REQUEST_URL: undefined,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: undefined
    })

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain('gke-secrets-sync: Google sign-in (federation) failed')
    expect(failure(run)).toContain('needs `permissions: id-token: write`')
    expect(run.summary).toContain('## ❌ gke-secrets-sync: Google sign-in or the cluster lookup failed\n')
    expect(run.summary).toContain('needs `permissions: id-token: write`')
    expect(run.summary).toContain('Nothing was written to the cluster.')
    expect(flow.google.requests).toEqual([])
    expect(flow.kube.requests).toEqual([])
  })

  it('a provider named by project ID instead of number fails on the input, before any request', async () => {
    const flow = await startFlow()
    const run = await runIn(
      flow,
      gkeInputs({
        workload_identity_provider: `projects/${PROJECT_ID}/locations/global/workloadIdentityPools/github/providers/github`
      })
    )

    expectNothingWritten(run, flow)
    expect(run.summary).toContain('## ❌ gke-secrets-sync: an input is invalid\n')
    expect(failure(run)).toContain('`workload_identity_provider` names project "my-project"')
    expect(failure(run)).toContain('it needs the project NUMBER, not its ID')
    expect(flow.google.requests).toEqual([])
    expect(flow.github.requests).toEqual([])
    expect(flow.kube.requests).toEqual([])
  })

  it.each<[string, FlowOptions, Record<string, string>, string[], Array<[string, string, string, string]>]>([
    [
      'STS invalid_target (a pool that does not exist)',
      {},
      {
        workload_identity_provider: `projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/gh-wrong/providers/github`
      },
      [
        'Google sign-in (federation) failed: STS answered invalid_target',
        "because the pool or provider is disabled or deleted or because it doesn't exist",
        'Check `workload_identity_provider` (projects/123456789012/locations/global/workloadIdentityPools/gh-wrong/providers/github)'
      ],
      [STS_CALL]
    ],
    [
      'STS unauthorized_client (the attribute condition rejects the job)',
      { google: { attributeCondition: claims => claims.repository === 'acme/other-repo' } },
      {},
      [
        'Google sign-in (federation) failed: STS answered unauthorized_client',
        'The given credential is rejected by the attribute condition.',
        'allow this repository and ref (acme/dagster-infra, refs/heads/main) in the condition'
      ],
      [STS_CALL]
    ],
    [
      'IAM Credentials 403 (no roles/iam.workloadIdentityUser)',
      { google: { serviceAccounts: { [SERVICE_ACCOUNT]: { allowedPrincipals: () => false } } } },
      {},
      [
        `Impersonating ${SERVICE_ACCOUNT} failed: Permission 'iam.serviceAccounts.getAccessToken' denied on resource (or it may not exist). The federated identity may not impersonate ${SERVICE_ACCOUNT}:`,
        'grant it roles/iam.workloadIdentityUser on that service account',
        `(member principalSet://iam.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/workloadIdentityPools/github/attribute.repository/acme/dagster-infra)`
      ],
      [STS_CALL, IAM_CALL]
    ],
    [
      'GKE 404 (no such cluster)',
      {},
      { cluster_name: 'dagstr' },
      [
        `Cluster lookup failed: 404 Not found: projects/${PROJECT_ID}/locations/${LOCATION}/clusters/dagstr; check that cluster_name, location and project_id name an existing cluster (projects/${PROJECT_ID}/locations/${LOCATION}/clusters/dagstr), and that the identity has container.clusters.get on it`
      ],
      [
        STS_CALL,
        IAM_CALL,
        [
          'container',
          'GET',
          `/projects/${PROJECT_ID}/locations/${LOCATION}/clusters/dagstr`,
          'service account'
        ]
      ]
    ],
    [
      'GKE 403 (no container.clusters.get)',
      { cluster: () => ({ allowed: () => false }) },
      {},
      [
        `Cluster lookup failed: 403 Required "container.clusters.get" permission(s) for "${CLUSTER_PATH}"; check that cluster_name, location and project_id name an existing cluster (${CLUSTER_PATH})`,
        'container.clusters.get on it (roles/container.clusterViewer)'
      ],
      [STS_CALL, IAM_CALL, clusterCall('service account')]
    ]
  ])('%s', async (_, options, extra, messages, calls) => {
    const flow = await startFlow(options)
    const run = await runIn(flow, gkeInputs(extra))

    expectNothingWritten(run, flow)
    for (const message of messages) expect(failure(run)).toContain(message)
    expect(run.summary).toContain('## ❌ gke-secrets-sync: Google sign-in or the cluster lookup failed\n')
    expect(googleCalls(flow)).toEqual(calls)
    expect(flow.kube.requests).toEqual([])
  })

  it('Kubernetes 401 (the API server does not know the token): says the credentials were refused', async () => {
    const flow = await startFlow({ accept: 'nothing' })
    const run = await runIn(flow, gkeInputs())

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain(
      `Kubernetes API: could not list Secrets in namespace ${NS}: 401 Unauthorized`
    )
    expect(failure(run)).toContain(
      'Check the credentials: the kubeconfig user, or for GKE the Google identity'
    )
    // Sent once more with a renewed token (STS and IAM Credentials again), then given up.
    expect(flow.kube.requests.map(r => [r.method, r.path, r.status])).toEqual([
      ['GET', `/api/v1/namespaces/${NS}/secrets`, 401],
      ['GET', `/api/v1/namespaces/${NS}/secrets`, 401]
    ])
    expect(googleCalls(flow)).toEqual([
      STS_CALL,
      IAM_CALL,
      clusterCall('service account'),
      STS_CALL,
      IAM_CALL
    ])
  })

  it("the Connect gateway refuses an identity without gateway roles: Google's message and IAM advice, no RBAC advice", async () => {
    const flow = await startFlow({ gateway: { allowed: () => false } })
    const run = await runIn(flow, gkeInputs({ use_connect_gateway: 'true' }))

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain(
      `Kubernetes API: could not list Secrets in namespace ${NS}: Google's front end answered 403 PERMISSION_DENIED before the API server saw the request: Permission 'gkehub.gateway.get' denied on resource '//gkehub.googleapis.com/projects/${PROJECT_NUMBER}/locations/global/memberships/${FLEET_MEMBERSHIP}' (or it may not exist).`
    )
    expect(failure(run)).toContain('The identity needs roles/gkehub.gatewayEditor')
    expect(failure(run)).not.toContain('kubectl create role')
    expect(failure(run)).not.toContain('HTTP 403')
    expect(flow.gateway?.requests).toEqual([['GET', 'gkehub.gateway.get', 403]])
    expect(flow.kube.requests).toEqual([])
  })

  it("the Connect gateway lets roles/gkehub.gatewayReader list but not write: each Secret fails with Google's reason", async () => {
    const flow = await startFlow({ gateway: { allowed: permission => permission === 'gkehub.gateway.get' } })
    const run = await runIn(flow, gkeInputs({ use_connect_gateway: 'true' }))

    expectNothingWritten(run, flow)
    expect(JSON.parse(run.outputs.failed ?? '[]')).toHaveLength(2)
    // Every write got the same answer: said once, then the Secrets it refused.
    expect(failure(run)).toMatch(
      /^gke-secrets-sync: 2 Secrets could not be synced to namespace \S+: Google's front end answered 403 PERMISSION_DENIED before the API server saw the request: Permission 'gkehub\.gateway\.post' denied/
    )
    expect(failure(run)).toMatch(
      /\n- dagster-secret-slack-bot-oauth-token \(DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN\)\n/
    )
    expect(failure(run)).toContain('roles/gkehub.gatewayReader allows reads only')
    expect(failure(run)).not.toContain('kubectl create role')
    // The LIST went through to the cluster; no write did.
    expect(flow.kube.requests.map(r => [r.method, r.status])).toEqual([['GET', 200]])
    // The action spoke HTTP/2 to the gateway, as to Google's real front end.
    expect(flow.gateway?.httpVersions.length).toBeGreaterThan(1)
    expect(new Set(flow.gateway?.httpVersions)).toEqual(new Set(['2.0']))
  })

  it('Kubernetes 403 (RBAC denies): names the user and gives the kubectl create role advice', async () => {
    const flow = await startFlow({ authorize: () => false })
    const run = await runIn(flow, gkeInputs())

    expectNothingWritten(run, flow)
    expect(failure(run)).toContain(
      `Kubernetes API: could not list Secrets in namespace ${NS}: 403 Forbidden: secrets is forbidden: User "${SERVICE_ACCOUNT}" cannot list resource "secrets"`
    )
    // The rule of docs/rbac.md that the refused LIST needs, from the RBAC table.
    for (const text of [failure(run), run.summary]) {
      expect(text).toContain(
        `kubectl create role gke-secrets-sync -n ${NS} --verb=get,list,create,update --resource=secrets`
      )
      expect(text).toContain(
        `kubectl create rolebinding gke-secrets-sync -n ${NS} --role=gke-secrets-sync --user=${SERVICE_ACCOUNT}`
      )
    }
    // The summary says the cause once, above the table, not in every row.
    expect(run.summary).toContain(
      '## ❌ gke-secrets-sync: nothing synced, the identity may not list secrets\n'
    )
    expect(run.summary.match(/cannot list resource/g)).toHaveLength(1)
    expect(run.summary).not.toContain('| Detail |')
    expect(flow.kube.requests.map(r => [r.method, r.status, r.user])).toEqual([['GET', 403, SERVICE_ACCOUNT]])
  })
})
