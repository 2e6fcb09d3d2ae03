// The kubectl commands `npm run double` suggests, in the order it prints them. kubectl.test.ts runs every one of
// them, with each kubectl it can find, against a double started the same way, so the printed hints keep working.

export const hintNamespace = 'dagster-prd'
export const hintDeployment = 'dagster-user-code'

/** Arguments after `kubectl --kubeconfig <file>`. */
export const kubectlHints: string[][] = [
  ['get', 'secrets'],
  ['create', 'secret', 'generic', 'demo', '--from-literal=DAGSTER_SECRET_DEMO=hello'],
  ['label', 'secret', 'demo', 'app.kubernetes.io/managed-by=gke-secrets-sync'],
  ['patch', 'secret', 'demo', '--type=merge', '-p', '{"metadata":{"annotations":{"note":"patched"}}}'],
  ['describe', 'secret', 'demo'],
  ['auth', 'can-i', 'create', 'secrets'],
  ['rollout', 'restart', `deployment/${hintDeployment}`],
  ['rollout', 'status', `deployment/${hintDeployment}`, '--timeout=30s'],
  ['delete', 'secret', 'demo']
]

/** POSIX shell quoting, so a printed hint can be pasted as it is. */
const shellQuote = (arg: string): string =>
  /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replaceAll("'", `'\\''`)}'`

export const renderHint = (kubeconfig: string, args: string[]): string =>
  ['kubectl', '--kubeconfig', kubeconfig, ...args].map(shellQuote).join(' ')
