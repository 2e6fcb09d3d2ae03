// A cluster connection is a KubeConfig held in memory plus what to call the cluster in the report. Each way
// of reaching a cluster (a kubeconfig file here; Google sign-in and the GKE lookup elsewhere) ends in one.
import type { KubeConfig } from '@kubernetes/client-node'
import { InputError } from './inputs.js'
import { describeFiles, KubeconfigError, loadKubeconfig, type KubeconfigFiles } from './kubeconfig-files.js'

export interface ClusterConnection {
  kubeConfig: KubeConfig
  /** The API server URL, shown in the summary. */
  server: string
  /** How the connection was made, e.g. "kubeconfig /home/runner/.kube/config (context kind-ci)". */
  description: string
}

export function connectWithKubeconfig(files: KubeconfigFiles): ClusterConnection {
  let loaded
  try {
    loaded = loadKubeconfig(files)
  } catch (error) {
    if (error instanceof KubeconfigError) throw new InputError(error.message)
    throw error
  }
  const { kubeConfig, read } = loaded
  const cluster = kubeConfig.getCurrentCluster()
  if (!cluster) {
    throw new InputError(
      `The kubeconfig from ${describeFiles(files)} has no current context with a cluster; set current-context (kubectl config use-context NAME).`
    )
  }
  return {
    kubeConfig,
    server: cluster.server,
    description: `kubeconfig ${read.join(':')} (context ${kubeConfig.getCurrentContext()})`
  }
}
