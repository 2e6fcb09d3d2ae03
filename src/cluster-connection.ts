// A cluster connection is a KubeConfig held in memory plus what to call the cluster in the report. Each way
// of reaching a cluster (a kubeconfig file here; Google sign-in and the GKE lookup elsewhere) ends in one.
import { KubeConfig } from '@kubernetes/client-node'
import { InputError } from './inputs.js'

export interface ClusterConnection {
  kubeConfig: KubeConfig
  /** The API server URL, shown in the summary as a detail only. */
  server: string
  /** The cluster as people know it, named in the summary's heading lines. */
  target: ClusterTarget
  /** How the connection was made, e.g. "kubeconfig /home/runner/.kube/config (context kind-ci)". */
  description: string
}

export type ClusterTarget =
  { kind: 'gke'; project: string; location: string; name: string } | { kind: 'kubeconfig'; context: string }

export function connectWithKubeconfig(path: string): ClusterConnection {
  const kubeConfig = new KubeConfig()
  try {
    kubeConfig.loadFromFile(path)
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'the file does not exist'
        : 'it is not a valid kubeconfig'
    throw new InputError(
      `Could not read the kubeconfig ${path}: ${reason}. Check the \`kubeconfig\` input (or KUBECONFIG).`
    )
  }
  const cluster = kubeConfig.getCurrentCluster()
  if (!cluster) {
    throw new InputError(
      `The kubeconfig ${path} has no current context with a cluster; set current-context (kubectl config use-context NAME).`
    )
  }
  return {
    kubeConfig,
    server: cluster.server,
    target: { kind: 'kubeconfig', context: kubeConfig.getCurrentContext() },
    description: `kubeconfig ${path} (context ${kubeConfig.getCurrentContext()})`
  }
}
