// One HTTPS server on 127.0.0.1 standing in for the Google APIs the action calls, each under its own path
// prefix so every base URL can be handed to the action separately (its `GHA_ENDPOINT_OVERRIDE_<key>` variables).
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:https'
import type { AddressInfo } from 'node:net'
import { AccessTokens, type AccessTokenGrant } from './google-access-tokens.js'
import { resolveGoogleApisOptions, type GoogleApisOptions } from './google-apis-config.js'
import { CLUSTER_PATH, getCluster } from './google-container.js'
import { getMembership, listMemberships, MEMBERSHIP_PATH, MEMBERSHIPS_PATH } from './google-gkehub.js'
import { sendGoogleError } from './google-http.js'
import { GENERATE_ACCESS_TOKEN_PATH, generateAccessToken } from './google-iam.js'
import { getProject, PROJECT_PATH } from './google-resource-manager.js'
import { exchangeToken } from './google-sts.js'
import { testTls, type ServerTls } from '../../kube-double/tls.js'

export type {
  GoogleApisOptions,
  GoogleCluster,
  GoogleFleetMembership,
  GoogleServiceAccount
} from './google-apis-config.js'

/** Path prefix of each service: the real host's path (`/v1`, `/v3`) under the service's name. */
const SERVICE_PREFIXES = {
  sts: '/sts/v1',
  iamcredentials: '/iamcredentials/v1',
  container: '/container/v1',
  gkehub: '/gkehub/v1',
  cloudresourcemanager: '/cloudresourcemanager/v3'
} as const

type Service = keyof typeof SERVICE_PREFIXES

export interface GoogleApiRequest {
  service: Service | 'unknown'
  method: string
  /** Path below the service prefix, with the query string. */
  path: string
  authorization?: string
  status: number
}

export interface GoogleApis {
  close(): Promise<void>
  /** Base URLs, e.g. https://127.0.0.1:PORT/sts/v1 (https://sts.googleapis.com/v1 in production). */
  endpoints: Record<Service, string>
  /** Every request in arrival order, recorded when its answer is sent. */
  requests: GoogleApiRequest[]
  /**
   * The access tokens this double issues, fixed for its lifetime: the federated (STS) token and the token of
   * the default (first) service account. Configure the Kubernetes double to accept exactly the one the flow
   * under test must produce.
   */
  tokens: { federated: string; serviceAccount: string }
  /** The access token of any configured service account. */
  serviceAccountToken(email: string): string
  /** Who a live token speaks for: undefined for a token this double never issued, or one that expired. */
  grantOf(token: string): AccessTokenGrant | undefined
  /** Every token issued so far expires (see AccessTokens.expireAll). */
  expireTokens(): void
  /** Every token handed out, in order. */
  issuedTokens(): string[]
  /** Every token handed out with whom it speaks for and the scopes it was issued with, in order. */
  issuedGrants(): Array<{ token: string; grant: AccessTokenGrant }>
}

export interface GoogleApisServerOptions extends GoogleApisOptions {
  /** Certificate material; default the shared test CA's 127.0.0.1 certificate. */
  tls?: ServerTls
}

type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  match: RegExpExecArray,
  url: URL
) => void | Promise<void>

export async function startGoogleApis(options: GoogleApisServerOptions = {}): Promise<GoogleApis> {
  const config = resolveGoogleApisOptions(options)
  const tokens = new AccessTokens(config.serviceAccounts, config.rotateTokens)
  const requests: GoogleApiRequest[] = []

  const routes: Array<{ service: Service; method: string; path: RegExp; handle: Handler }> = [
    {
      service: 'sts',
      method: 'POST',
      path: /^\/token$/,
      handle: (req, res) => exchangeToken(req, res, config, tokens)
    },
    {
      service: 'iamcredentials',
      method: 'POST',
      path: GENERATE_ACCESS_TOKEN_PATH,
      handle: (req, res, [, email]) => generateAccessToken(req, res, email!, config, tokens)
    },
    {
      service: 'container',
      method: 'GET',
      path: CLUSTER_PATH,
      handle: (req, res, [, project, location, name]) =>
        getCluster(req, res, { project: project!, location: location!, name: name! }, config, tokens)
    },
    {
      service: 'gkehub',
      method: 'GET',
      path: MEMBERSHIPS_PATH,
      handle: (req, res, [, project, location], url) =>
        listMemberships(
          req,
          res,
          { project: project!, location: location! },
          url.searchParams.get('filter'),
          config,
          tokens
        )
    },
    {
      service: 'gkehub',
      method: 'GET',
      path: MEMBERSHIP_PATH,
      handle: (req, res, [, project, location, name]) =>
        getMembership(req, res, { project: project!, location: location!, name: name! }, config, tokens)
    },
    {
      service: 'cloudresourcemanager',
      method: 'GET',
      path: PROJECT_PATH,
      handle: (req, res, [, project]) => getProject(req, res, project!, config, tokens)
    }
  ]

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const [service, prefix] = (Object.entries(SERVICE_PREFIXES).find(
      ([, prefix]) => url.pathname === prefix || url.pathname.startsWith(prefix + '/')
    ) ?? ['unknown', '']) as [Service | 'unknown', string]
    // Resource names arrive percent-encoded at times (an email's `@` as %40); match on the decoded path.
    const rawPath = url.pathname.slice(prefix.length)
    let path = rawPath
    try {
      path = decodeURIComponent(rawPath)
    } catch {
      // A malformed escape matches no route and ends in the 404 below.
    }
    res.on('finish', () =>
      requests.push({
        service,
        method: req.method ?? '',
        path: rawPath + url.search,
        authorization: req.headers.authorization,
        status: res.statusCode
      })
    )
    for (const route of routes) {
      const match = route.service === service && route.method === req.method ? route.path.exec(path) : null
      if (match) return route.handle(req, res, match, url)
    }
    // Google's front end answers an unknown method with an HTML page; JSON keeps every answer parseable here.
    sendGoogleError(res, 404, 'NOT_FOUND', `The double has no method ${req.method} ${url.pathname}.`)
  }

  const tls = options.tls ?? testTls
  const server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendGoogleError(res, 500, 'INTERNAL', `The double failed: ${String(error)}`)
    })
  })
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve))
  const base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`
  const firstServiceAccount = Object.keys(config.serviceAccounts)[0]

  return {
    endpoints: Object.fromEntries(
      Object.entries(SERVICE_PREFIXES).map(([service, prefix]) => [service, base + prefix])
    ) as Record<Service, string>,
    requests,
    tokens: {
      federated: tokens.federated,
      serviceAccount: firstServiceAccount ? tokens.serviceAccountToken(firstServiceAccount) : ''
    },
    serviceAccountToken: email => tokens.serviceAccountToken(email),
    grantOf: token => tokens.lookup(token),
    expireTokens: () => tokens.expireAll(),
    issuedTokens: () => [...tokens.issued],
    issuedGrants: () => [...tokens.issuedGrants],
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close(error => (error ? reject(error) : resolve()))
      })
  }
}
