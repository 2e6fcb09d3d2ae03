// GKE (Kubernetes Engine API) double: `GET {container}/projects/<p>/locations/<l>/clusters/<c>`.
// https://cloud.google.com/kubernetes-engine/docs/reference/rest/v1/projects.locations.clusters/get
// Only the fields a client needs to reach the control plane are filled in, in the shape the API documents.
import type { IncomingMessage, ServerResponse } from 'node:http'
import { authenticate, type AccessTokens } from './google-access-tokens.js'
import type { GoogleApisConfig, GoogleCluster } from './google-apis-config.js'
import { iamPermissionDeniedDetail, sendGoogleError, sendJson } from './google-http.js'

export const CLUSTER_PATH = /^\/projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/

const clusterName = (project: string, location: string, name: string): string =>
  `projects/${project}/locations/${location}/clusters/${name}`

function toClusterResource(cluster: GoogleCluster): Record<string, unknown> {
  const name = clusterName(cluster.project, cluster.location, cluster.name)
  return {
    name: cluster.name,
    location: cluster.location,
    // `zone` is the deprecated twin of `location`, still returned.
    zone: cluster.location,
    endpoint: cluster.endpoint,
    masterAuth: { clusterCaCertificate: Buffer.from(cluster.caPem).toString('base64') },
    ...(cluster.privateEndpoint
      ? {
          privateClusterConfig: {
            enablePrivateNodes: true,
            privateEndpoint: cluster.privateEndpoint,
            publicEndpoint: cluster.endpoint
          }
        }
      : {}),
    controlPlaneEndpointsConfig: {
      ...(cluster.dnsEndpoint
        ? { dnsEndpointConfig: { endpoint: cluster.dnsEndpoint, allowExternalTraffic: true } }
        : {}),
      ipEndpointsConfig: {
        enabled: true,
        enablePublicEndpoint: true,
        publicEndpoint: cluster.endpoint,
        ...(cluster.privateEndpoint ? { privateEndpoint: cluster.privateEndpoint } : {})
      }
    },
    currentMasterVersion: '1.33.5-gke.1162000',
    status: 'RUNNING',
    selfLink: `https://container.googleapis.com/v1/${name}`
  }
}

export function getCluster(
  req: IncomingMessage,
  res: ServerResponse,
  path: { project: string; location: string; name: string },
  config: GoogleApisConfig,
  tokens: AccessTokens
): void {
  const caller = authenticate(req, res, tokens)
  if (!caller) return
  const name = clusterName(path.project, path.location, path.name)
  const cluster = config.clusters.find(
    c => c.project === path.project && c.location === path.location && c.name === path.name
  )
  if (!cluster) return sendGoogleError(res, 404, 'NOT_FOUND', `Not found: ${name}.`)
  if (cluster.allowed && !cluster.allowed(caller.token)) {
    return sendGoogleError(
      res,
      403,
      'PERMISSION_DENIED',
      `Required "container.clusters.get" permission(s) for "${name}".`,
      [iamPermissionDeniedDetail('container.googleapis.com', 'container.clusters.get')]
    )
  }
  sendJson(res, 200, toClusterResource(cluster))
}
