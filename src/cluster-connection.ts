// A cluster connection is a KubeConfig held in memory plus what to call the cluster in the report. Each way
// of reaching a cluster (a kubeconfig file here; Google sign-in and the GKE lookup elsewhere) ends in one.
import { KubeConfig } from '@kubernetes/client-node'
import { InputError } from './inputs.js'

export interface ClusterConnection {
  kubeConfig: KubeConfig
  /** The API server URL, shown in the summary. */
  server: string
  /** How the connection was made, e.g. "kubeconfig /home/runner/.kube/config (context kind-ci)". */
  description: string
  /** After the API server refused this bearer token (401): get a new one, if the credentials can. */
  renewCredentials?: (rejectedToken: string) => Promise<void>
}

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
    description: `kubeconfig ${path} (context ${kubeConfig.getCurrentContext()})`
  }
}
