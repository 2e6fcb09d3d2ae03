// The KubeConfig a test hands client-node to reach the Kubernetes double: its URL, trusting its CA (or another
// CA, to test that trust), with a bearer token that the double maps to a user (KubeDoubleOptions.users).
import { KubeConfig } from '@kubernetes/client-node'
import type { KubeDouble } from '../../kube-double/server.js'

export function kubeConfigFor(
  double: Pick<KubeDouble, 'url' | 'caPem'>,
  { token = 'test-token', caPem = double.caPem }: { token?: string; caPem?: string } = {}
): KubeConfig {
  const kubeConfig = new KubeConfig()
  kubeConfig.loadFromClusterAndUser(
    {
      name: 'double',
      server: double.url,
      caData: Buffer.from(caPem).toString('base64'),
      skipTLSVerify: false
    },
    { name: 'user', token }
  )
  return kubeConfig
}
