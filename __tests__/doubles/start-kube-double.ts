// Runs the Kubernetes API double on its own for local experiments: `npm run double`.
// Prints its URL and a kubeconfig (bearer token, test CA) that kubectl, client-node or the action can use.
// PORT and BASE_PATH in the environment choose the port and a path prefix (as a Connect gateway has).
import { startKubeDouble } from './kube-api-server.js'

const double = await startKubeDouble({
  port: Number(process.env.PORT ?? 0),
  basePath: process.env.BASE_PATH ?? ''
})
const kubeconfig = double.writeKubeconfig({ namespace: 'dagster-prd' })
console.log(`Kubernetes API double listening at ${double.url}`)
console.log(`kubeconfig: ${kubeconfig}`)
console.log(`try: kubectl --kubeconfig ${kubeconfig} get secrets`)

const stop = (): void => {
  void double.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
