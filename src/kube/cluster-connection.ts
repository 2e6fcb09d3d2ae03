// A cluster connection is a KubeConfig held in memory plus what to call the cluster in the report. Each way
// of reaching a cluster (a kubeconfig file here; Google sign-in and the GKE lookup elsewhere) ends in one.
import type { KubeConfig } from '@kubernetes/client-node'
import { describeFiles, KubeconfigError, loadKubeconfig, type KubeconfigFiles } from './kubeconfig-files.js'
import { proxyForUrl, type ProxyEnvironment } from './proxy-from-environment.js'

export interface ClusterConnection {
  kubeConfig: KubeConfig
  /** The API server URL, shown in the summary as a detail only. */
  server: string
  /** The cluster as people know it, named in the summary's heading lines. */
  target: ClusterTarget
  /** How the connection was made, e.g. "kubeconfig /home/runner/.kube/config (context kind-ci)". */
  description: string
  /** After the API server refused this bearer token (401): get a new one, if the credentials can. */
  renewCredentials?: (rejectedToken: string) => Promise<void>
}

export type ClusterTarget =
  { kind: 'gke'; project: string; location: string; name: string } | { kind: 'kubeconfig'; context: string }

export function connectWithKubeconfig(files: KubeconfigFiles): ClusterConnection {
  const { kubeConfig, read } = loadKubeconfig(files)
  const cluster = kubeConfig.getCurrentCluster()
  if (!cluster) {
    throw new KubeconfigError(
      `The kubeconfig from ${describeFiles(files)} has no current context with a cluster; set current-context (kubectl config use-context NAME).`
    )
  }
  return {
    kubeConfig,
    server: cluster.server,
    target: { kind: 'kubeconfig', context: kubeConfig.getCurrentContext() },
    description: `kubeconfig ${read.join(':')} (context ${kubeConfig.getCurrentContext()})`
  }
}

/**
 * Kubernetes requests go through the proxy kubectl would use: the cluster's `proxy-url`, else HTTPS_PROXY or
 * HTTP_PROXY unless NO_PROXY exempts the server (client-go: rest.Config.Proxy, else ProxyFromEnvironment).
 * client-node reads only `proxy-url`, so the environment's choice is written there; client-node then makes an
 * undici ProxyAgent that tunnels with CONNECT and verifies the API server with the cluster's CA inside the tunnel,
 * and SharedConnections (kube-requests.ts) reuses that one agent for the whole run. The same holds for a GKE
 * connection, which is a KubeConfig in memory too.
 */
export function withProxy(connection: ClusterConnection, proxies: ProxyEnvironment): ClusterConnection {
  const { kubeConfig } = connection
  const cluster = kubeConfig.getCurrentCluster()
  if (!cluster || !URL.canParse(cluster.server)) return connection
  const proxy = cluster.proxyUrl || proxyForUrl(cluster.server, proxies)
  if (!proxy) return connection
  if (!cluster.proxyUrl) {
    kubeConfig.clusters = kubeConfig.clusters.map(c => (c === cluster ? { ...c, proxyUrl: proxy } : c))
  }
  const source = cluster.proxyUrl ? 'the kubeconfig proxy-url' : 'HTTPS_PROXY/HTTP_PROXY'
  return {
    ...connection,
    description: `${connection.description}, through proxy ${withoutCredentials(proxy)} (${source})`
  }
}

/** A proxy URL may carry a user and password; the log gets only where it points. */
function withoutCredentials(proxy: string): string {
  const url = URL.parse(proxy)
  return url ? `${url.protocol}//${url.host}` : '(unparseable proxy URL)'
}
