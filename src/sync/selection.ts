// Which GitHub secrets become Kubernetes Secrets, and under which names (the naming rule of the decision
// record: DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN -> dagster-secret-slack-bot-oauth-token, data key unchanged).
import { dataKeyProblem, MAX_SECRET_BYTES, secretNameProblem } from './kube-validation.js'

/** A GitHub secret that will be written as one Secret with one data key, its GitHub name. */
export interface SelectedSecret {
  githubName: string
  secretName: string
  value: string
}

/** A GitHub secret that matched the prefix but cannot become a Secret; it is reported as failed. */
export interface RejectedSecret {
  githubName: string
  secretName: string
  reason: string
}

export interface Selection {
  selected: SelectedSecret[]
  rejected: RejectedSecret[]
  /** Input secrets without the prefix. Only their number is ever reported. */
  ignoredCount: number
}

/**
 * GitHub treats secret names without regard to case, so the prefix does too. The prefix alone is not a
 * secret to sync, and `github_token` (always present in `toJSON(secrets)`) never is, whatever the prefix.
 */
export function hasPrefix(githubName: string, prefix: string): boolean {
  const name = githubName.toUpperCase()
  const head = `${prefix.toUpperCase()}_`
  return name !== 'GITHUB_TOKEN' && name.startsWith(head) && name.length > head.length
}

/** Lower-case, `_` becomes `-`: the rule Terraform's `replace(lower(key), "_", "-")` already follows. */
export function toSecretName(githubName: string): string {
  return githubName.toLowerCase().replaceAll('_', '-')
}

/** Code-point order: the same on every runner, whatever its locale. */
export function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export function selectSecrets(secrets: Record<string, string>, prefix: string): Selection {
  const matching = Object.keys(secrets).filter(name => hasPrefix(name, prefix))
  const namesBySecret = Map.groupBy(matching, toSecretName)
  const selected: SelectedSecret[] = []
  const rejected: RejectedSecret[] = []

  for (const githubName of matching) {
    const secretName = toSecretName(githubName)
    const value = secrets[githubName] as string
    // Stryker disable next-line ArrayDeclaration: every matching name is in the map, under its own Secret name
    const reason = rejection(githubName, secretName, value, namesBySecret.get(secretName) ?? [])
    if (reason) rejected.push({ githubName, secretName, reason })
    else selected.push({ githubName, secretName, value })
  }

  const bySecretName = (a: { secretName: string; githubName: string }, b: typeof a): number =>
    compareNames(a.secretName, b.secretName) || compareNames(a.githubName, b.githubName)
  return {
    selected: selected.sort(bySecretName),
    rejected: rejected.sort(bySecretName),
    ignoredCount: Object.keys(secrets).length - matching.length
  }
}

function rejection(
  githubName: string,
  secretName: string,
  value: string,
  sameSecret: string[]
): string | undefined {
  if (sameSecret.length > 1) {
    const others = sameSecret.filter(name => name !== githubName).join(', ')
    return `its Secret name "${secretName}" is also the name for ${others}; rename one of them`
  }
  const nameProblem = secretNameProblem(secretName)
  if (nameProblem) return `the Secret name ${nameProblem}; rename the GitHub secret`
  const keyProblem = dataKeyProblem(githubName)
  // Unreachable while the Secret name is the key lower-cased with '_' as '-': a key the API refuses makes a name
  // it refuses first (same length; the key takes a superset of the name's characters; both start with the
  // prefix's letter). Kept so that a change of the naming rule cannot send a bad key.
  // Stryker disable next-line all: unreachable, see above
  if (keyProblem) return `the data key ${keyProblem}; rename the GitHub secret`
  const bytes = Buffer.byteLength(value)
  if (bytes > MAX_SECRET_BYTES) {
    return `its value is ${bytes} bytes; a Kubernetes Secret holds at most ${MAX_SECRET_BYTES} bytes`
  }
  return undefined
}
