// Finds the GKE cluster and builds a Kubernetes connection to it in memory: a bearer token and the cluster's
// CA, no kubeconfig file and no token on disk. The same endpoints as get-gke-credentials: the public or private
// IP (trusting exactly the cluster CA), the DNS endpoint or the Connect gateway (publicly trusted certificates).
// https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters
import { KubeConfig } from '@kubernetes/client-node'
import type { ClusterConnection } from './cluster-connection.js'
import {
  asHttpError,
  GOOGLE_REQUEST_TIMEOUT_MS,
  GoogleStageError,
  type GoogleCredentials
} from './google-credentials.js'
import type { GoogleEndpoints } from './google-endpoints.js'

export interface GkeClusterRef {
  project: string
  location: string
  name: string
}

export type GkeEndpoint = 'public' | 'internal' | 'dns' | 'gateway'

export interface GkeTarget {
  cluster: GkeClusterRef
  endpoint: GkeEndpoint
  /** With the gateway: the fleet membership to use instead of looking it up. */
  fleetMembership?: string
}

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
  const token = await credentials.accessToken()
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromClusterAndUser(
    { name: target.cluster.name, server, ...(caData && { caData }), skipTLSVerify: false },
    { name: 'gke-secrets-sync', token }
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
    description: `GKE cluster ${clusterPath(target.cluster)} through ${via[target.endpoint]}`
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
  if (!caData)
    throw new GoogleStageError(
      `Cluster lookup: ${path} reports no CA certificate (masterAuth.clusterCaCertificate).`
    )
  return { server: `https://${host}`, caData }
}

/** https://cloud.google.com/kubernetes-engine/enterprise/multicluster-management/gateway/using */
async function gatewayServer(
  target: GkeTarget,
  credentials: GoogleCredentials,
  endpoints: GoogleEndpoints
): Promise<string> {
  const { project } = target.cluster
  const membership = target.fleetMembership ?? (await findMembership(target, credentials, endpoints))
  // projects/P/locations/L/memberships/M, or a bare name in the global location.
  const parts = /^projects\/[^/]+\/locations\/([^/]+)\/memberships\/([^/]+)$/.exec(membership)
  const [location, name] = parts ? [parts[1], parts[2]] : ['global', membership]
  const projectInfo = await getJson<{ name?: string }>(
    credentials,
    `${endpoints.cloudresourcemanager}/projects/${project}`,
    'Project lookup',
    () => `check project_id (${project}) and that the identity has resourcemanager.projects.get on it.`
  )
  const number = projectInfo.name?.replace(/^projects\//, '')
  if (!number) throw new GoogleStageError(`Project lookup: no project number for ${project}.`)
  return `${endpoints.connectgateway}/projects/${number}/locations/${location}/gkeMemberships/${name}`
}

async function findMembership(
  target: GkeTarget,
  credentials: GoogleCredentials,
  endpoints: GoogleEndpoints
): Promise<string> {
  const resourceLink = `//container.googleapis.com/${clusterPath(target.cluster)}`
  const filter = `endpoint.gkeCluster.resourceLink="${resourceLink}"`
  const url = `${endpoints.gkehub}/projects/${target.cluster.project}/locations/global/memberships?filter=${encodeURIComponent(filter)}`
  const found = await getJson<{ resources?: Array<{ name?: string }> }>(
    credentials,
    url,
    'Fleet membership lookup',
    () => 'check that the identity has gkehub.memberships.list on the project (roles/gkehub.viewer).'
  )
  const names = (found.resources ?? [])
    .map(resource => resource.name)
    .filter((name): name is string => !!name)
  if (names.length !== 1) {
    throw new GoogleStageError(
      names.length === 0
        ? `Fleet membership lookup: ${clusterPath(target.cluster)} is not registered to a fleet; register it, or set fleet_membership_name.`
        : `Fleet membership lookup: ${clusterPath(target.cluster)} has ${names.length} memberships (${names.join(', ')}); set fleet_membership_name.`
    )
  }
  return names[0] as string
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
      timeout: GOOGLE_REQUEST_TIMEOUT_MS
    })
    return response.data
  } catch (error) {
    if (error instanceof GoogleStageError) throw error
    const http = asHttpError(error)
    const detail = http
      ? `${http.status ?? 'no answer'}${http.message ? ` ${http.message}` : ''}`
      : (error as Error).message
    throw new GoogleStageError(`${stage} failed: ${detail}; ${advice()}`)
  }
}
