// Finds the GKE cluster and builds a Kubernetes connection to it in memory: a bearer token and the cluster's
// CA, no kubeconfig file and no token on disk. The same endpoints as get-gke-credentials: the public or private
// IP (trusting exactly the cluster CA), the DNS endpoint, an IP-less cluster's `*.gke.goog` endpoint or the
// Connect gateway (publicly trusted certificates).
// https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters
import { KubeConfig } from '@kubernetes/client-node'
import type { ClusterConnection } from '../kube/cluster-connection.js'
import {
  asHttpError,
  GOOGLE_REQUEST_TIMEOUT_MS,
  GoogleStageError,
  type GoogleCredentials
} from './credentials.js'
import type { GoogleEndpoints } from './endpoints.js'

export interface GkeClusterRef {
  project: string
  location: string
  name: string
}

const GOOGLE_AUTH_PROVIDER = 'gke-secrets-sync-google-credentials'

export type GkeEndpoint = 'public' | 'internal' | 'dns' | 'gateway'

export interface GkeTarget {
  cluster: GkeClusterRef
  endpoint: GkeEndpoint
  /** With the gateway: the fleet membership to use instead of looking it up. */
  fleetMembership?: FleetMembership
}

/** A fleet membership, which may live in a fleet host project other than the cluster's. */
export interface FleetMembership {
  project: string
  location: string
  name: string
}

/**
 * `projects/P/locations/L/memberships/M` or `.../gkeMemberships/M` (the Connect gateway's spelling), as
 * get-gke-credentials' parseMembershipName accepts them; a bare ID is a membership in the cluster's project in
 * `global`, where `gcloud container fleet memberships register` puts it. Undefined when the name is malformed.
 */
export function parseFleetMembership(value: string, clusterProject: string): FleetMembership | undefined {
  const full = /^projects\/([^/]+)\/locations\/([^/]+)\/(?:gkeMemberships|memberships)\/([^/]+)$/.exec(value)
  if (full) return { project: full[1] as string, location: full[2] as string, name: full[3] as string }
  return value.includes('/') ? undefined : { project: clusterProject, location: 'global', name: value }
}

export const membershipPath = ({ project, location, name }: FleetMembership): string =>
  `projects/${project}/locations/${location}/memberships/${name}`

/** The fields of a Cluster this action reads. */
interface Cluster {
  endpoint?: string
  masterAuth?: { clusterCaCertificate?: string }
  privateClusterConfig?: { privateEndpoint?: string }
  controlPlaneEndpointsConfig?: { dnsEndpointConfig?: { endpoint?: string } }
}

export function clusterPath({ project, location, name }: GkeClusterRef): string {
  return `projects/${project}/locations/${location}/clusters/${name}`
}

export async function connectToGke(
  target: GkeTarget,
  credentials: GoogleCredentials,
  endpoints: GoogleEndpoints
): Promise<ClusterConnection> {
  const { server, caData } =
    target.endpoint === 'gateway'
      ? { server: await gatewayServer(target, credentials, endpoints), caData: undefined }
      : await clusterServer(target, credentials, endpoints)
  const kubeConfig = new KubeConfig()
  // client-node asks the user's Authenticator for headers on every request (KubeConfig.applyAuthorizationHeader,
  // before the cluster CA and agent are set), so each request carries a current token rather than the one
  // read at sign-in. A custom auth-provider name selects it; client-node's own `gcp` provider would run gcloud.
  kubeConfig.addAuthenticator({
    isAuthProvider: user => user.authProvider?.name === GOOGLE_AUTH_PROVIDER,
    applyAuthentication: async (_user, options) => {
      options.headers = { ...options.headers, Authorization: `Bearer ${await credentials.accessToken()}` }
    }
  })
  kubeConfig.loadFromClusterAndUser(
    { name: target.cluster.name, server, ...(caData && { caData }), skipTLSVerify: false },
    { name: 'gke-secrets-sync', authProvider: { name: GOOGLE_AUTH_PROVIDER, config: {} } }
  )
  const via = {
    public: 'its endpoint',
    internal: 'its private endpoint',
    dns: 'its DNS endpoint',
    gateway: 'the Connect gateway'
  }
  return {
    kubeConfig,
    server,
    target: { kind: 'gke', ...target.cluster },
    description: `GKE cluster ${clusterPath(target.cluster)} through ${via[target.endpoint]}`,
    renewCredentials: rejected => credentials.renewAccessToken(rejected)
  }
}

async function clusterServer(
  target: GkeTarget,
  credentials: GoogleCredentials,
  endpoints: GoogleEndpoints
): Promise<{ server: string; caData?: string }> {
  const path = clusterPath(target.cluster)
  const cluster = await getJson<Cluster>(
    credentials,
    `${endpoints.container}/${path}`,
    'Cluster lookup',
    () =>
      `check that cluster_name, location and project_id name an existing cluster (${path}), and that the identity has container.clusters.get on it (roles/container.clusterViewer).`
  )
  const caData = cluster.masterAuth?.clusterCaCertificate
  if (target.endpoint === 'dns') {
    const host = cluster.controlPlaneEndpointsConfig?.dnsEndpointConfig?.endpoint
    if (!host)
      throw new GoogleStageError(
        `Cluster lookup: ${path} has no DNS-based control plane endpoint; enable it, or remove use_dns_based_endpoint.`
      )
    return { server: `https://${host}` }
  }
  const host =
    target.endpoint === 'internal' ? cluster.privateClusterConfig?.privateEndpoint : cluster.endpoint
  if (!host) {
    throw new GoogleStageError(
      target.endpoint === 'internal'
        ? `Cluster lookup: ${path} has no private endpoint; remove use_internal_ip.`
        : `Cluster lookup: ${path} reports no endpoint; is it still being created?`
    )
  }
  // A cluster with IP endpoints disabled reports its DNS endpoint (`gke-<id>.<region>.gke.goog`) here. Its
  // certificate is publicly signed, not by the cluster CA, so the system roots must verify it whichever
  // endpoint input chose it, as get-gke-credentials leaves out certificate-authority-data for such endpoints.
  if (isPubliclyTrusted(host)) return { server: `https://${host}` }
  if (!caData)
    throw new GoogleStageError(
      `Cluster lookup: ${path} reports no CA certificate (masterAuth.clusterCaCertificate).`
    )
  return { server: `https://${host}`, caData }
}

/** GKE's DNS-based control plane endpoints, served with publicly trusted certificates. */
export function isPubliclyTrusted(host: string): boolean {
  const hostname = host.replace(/:\d+$/, '').replace(/\.$/, '').toLowerCase()
  return hostname.endsWith('.gke.goog')
}

/**
 * The Connect gateway URL of the cluster's membership, built as get-gke-credentials builds it
 * (gkeClient.ts, getConnectGWEndpoint): the membership is read from GKE Hub, and the URL carries the NUMBER of
 * the project that holds the membership (a fleet host project may hold the memberships of clusters in other
 * projects) and the membership's own location (`global`, or the cluster's region for clusters registered at
 * creation and Autopilot clusters). https://cloud.google.com/kubernetes-engine/enterprise/multicluster-management/gateway/using
 */
async function gatewayServer(
  target: GkeTarget,
  credentials: GoogleCredentials,
  endpoints: GoogleEndpoints
): Promise<string> {
  const membership = target.fleetMembership ?? (await findMembership(target, credentials, endpoints))
  const path = membershipPath(membership)
  const found = await getJson<Membership>(
    credentials,
    `${endpoints.gkehub}/${path}`,
    'Fleet membership lookup',
    () =>
      `check fleet_membership_name (${path}: projects/<fleet host project>/locations/<location>/memberships/<name>, as \`gcloud container fleet memberships list --project <fleet host project>\` shows it) and that the identity has gkehub.memberships.get on that project (roles/gkehub.viewer, or roles/gkehub.gatewayReader/gatewayEditor).`
  )
  // The gateway serves GKE clusters under gkeMemberships and other fleet members under memberships
  // (get-gke-credentials: "For GKE clusters, the configuration path is gkeMemberships").
  const collection = found.endpoint?.gkeCluster ? 'gkeMemberships' : 'memberships'
  const projectInfo = await getJson<{ name?: string }>(
    credentials,
    `${endpoints.cloudresourcemanager}/projects/${membership.project}`,
    'Project lookup',
    () =>
      `the Connect gateway needs the number of project ${membership.project}, which holds the fleet membership; the identity needs resourcemanager.projects.get on it (roles/browser, or any role with that permission).`
  )
  const number = /^projects\/(\d+)$/.exec(projectInfo.name ?? '')?.[1]
  if (!number) throw new GoogleStageError(`Project lookup: no project number for ${membership.project}.`)
  return `${endpoints.connectgateway}/projects/${number}/locations/${membership.location}/${collection}/${membership.name}`
}

/** The fields of a Membership this action reads. */
interface Membership {
  name?: string
  endpoint?: { gkeCluster?: { resourceLink?: string } }
}

/**
 * Finds the cluster's membership in every location of the cluster's project (`locations/-`), as
 * `gcloud container fleet memberships get-credentials` lists `projects/P/locations/-/memberships`: a cluster
 * registered at creation (`--fleet-project`, Terraform's `fleet` block) or an Autopilot cluster has its
 * membership in the cluster's region, not in `global`.
 */
async function findMembership(
  target: GkeTarget,
  credentials: GoogleCredentials,
  endpoints: GoogleEndpoints
): Promise<FleetMembership> {
  const { project } = target.cluster
  const resourceLink = `//container.googleapis.com/${clusterPath(target.cluster)}`
  const filter = `endpoint.gkeCluster.resourceLink="${resourceLink}"`
  const url = `${endpoints.gkehub}/projects/${project}/locations/-/memberships?filter=${encodeURIComponent(filter)}`
  const found = await getJson<{ resources?: Membership[]; unreachable?: string[] }>(
    credentials,
    url,
    'Fleet membership lookup',
    () => `check that the identity has gkehub.memberships.list on project ${project} (roles/gkehub.viewer).`
  )
  const names = (found.resources ?? [])
    .map(resource => resource.name)
    .filter((name): name is string => !!name)
  if (names.length !== 1) {
    throw new GoogleStageError(
      names.length === 0
        ? `Fleet membership lookup: ${clusterPath(target.cluster)} has no fleet membership in project ${project} (any location); register it, or, if it is registered to a fleet host project, set fleet_membership_name to projects/<fleet host project>/locations/<location>/memberships/<name>.`
        : `Fleet membership lookup: ${clusterPath(target.cluster)} has ${names.length} memberships (${names.join(', ')}); set fleet_membership_name to one of them.`
    )
  }
  const membership = parseFleetMembership(names[0] as string, project)
  if (!membership)
    throw new GoogleStageError(`Fleet membership lookup: GKE Hub returned an unexpected name ${names[0]}.`)
  return membership
}

/** A GET through the auth client (token refresh, gaxios' retries of 5xx/429 on idempotent requests). */
async function getJson<T>(
  credentials: GoogleCredentials,
  url: string,
  stage: string,
  advice: () => string
): Promise<T> {
  try {
    const response = await credentials.client.request<T>({
      url,
      method: 'GET',
      retry: true,
      timeout: GOOGLE_REQUEST_TIMEOUT_MS,
      signal: credentials.deadline
    })
    return response.data
  } catch (error) {
    if (error instanceof GoogleStageError) throw error
    if (credentials.deadline.aborted) {
      throw new GoogleStageError(
        `${stage} did not finish within the time budget (\`timeout_seconds\`): ${new URL(url).host} did not answer.`
      )
    }
    const http = asHttpError(error)
    const detail = http
      ? `${http.status ?? 'no answer'}${http.message ? ` ${http.message}` : ''}`
      : (error as Error).message
    throw new GoogleStageError(`${stage} failed: ${detail}; ${advice()}`)
  }
}
