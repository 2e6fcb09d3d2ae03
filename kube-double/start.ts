// Runs the Kubernetes API double on its own for local experiments: `npm run double`.
// Prints its URL, a kubeconfig (bearer token, test CA) that kubectl, client-node or the action can use, and kubectl
// commands to try (hints.ts; kubectl.test.ts runs each with kubectl 1.20 and >= 1.33).
// PORT and BASE_PATH in the environment choose the port and a path prefix (as a Connect gateway has).
import { hintDeployment, hintNamespace, kubectlHints, renderHint } from './hints.js'
import { startKubeDouble } from './server.js'

const double = await startKubeDouble({
  port: Number(process.env.PORT ?? 0),
  basePath: process.env.BASE_PATH ?? '',
  deployments: true
})
// A Deployment to restart, as a Dagster code location has one.
double.seedDeployment(hintNamespace, { name: hintDeployment })
const kubeconfig = double.writeKubeconfig({ namespace: hintNamespace })

console.log(`Kubernetes API double listening at ${double.url} (namespace ${hintNamespace})`)
console.log(`kubeconfig: ${kubeconfig}`)
console.log('try:')
for (const args of kubectlHints) console.log(`  ${renderHint(kubeconfig, args)}`)
console.log('Stop it with Ctrl-C.')

const stop = (): void => {
  void double.close().then(() => process.exit(0))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
