// A kubeconfig `exec` credential plugin, as gke-gcloud-auth-plugin or `aws eks get-token` are: client-node starts
// it as a child process (inheriting the action's environment plus the kubeconfig's `env` entries) and reads an
// ExecCredential from its stdout. It records the environment it was given in EXEC_PLUGIN_RECORD, so a test can
// check what a real plugin would have been able to read.
// https://kubernetes.io/docs/reference/access-authn-authz/authentication/#input-and-output-formats
// Run with plain `node` (Node 24 strips the types).
import { appendFileSync } from 'node:fs'

const record = process.env.EXEC_PLUGIN_RECORD
if (record) appendFileSync(record, JSON.stringify(process.env) + '\n')

process.stdout.write(
  JSON.stringify({
    apiVersion: 'client.authentication.k8s.io/v1',
    kind: 'ExecCredential',
    status: { token: process.env.EXEC_PLUGIN_TOKEN ?? '' }
  })
)
