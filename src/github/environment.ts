// What the action takes out of its own environment before it signs in or starts a process, and why.
// A kubeconfig `exec` credential plugin (gke-gcloud-auth-plugin, `aws eks get-token`, a script) runs as a child
// process with the action's whole environment (client-node exec_auth.js: `{ ...process.env, ...exec.env }`), as
// client-go's does; and the Google client libraries read debug switches from it the moment they load.

/**
 * Debug switches that make a library print what the runner has not yet been told to mask:
 * - GOOGLE_SDK_NODE_LOGGING: google-auth-library (through google-logging-utils) logs every request with its
 *   headers and every response body (AuthClient's DEFAULT_REQUEST_INTERCEPTOR and DEFAULT_RESPONSE_INTERCEPTOR),
 *   so the GitHub OIDC token and the access token STS returns reach stderr before the action can mask the token;
 * - DEBUG_AUTH: gcp-metadata prints its errors whole;
 * - DEBUG (the `debug` package): https-proxy-agent, which gaxios uses behind a proxy, prints the proxy URL, and
 *   with it the proxy's user and password.
 * Each library reads its switch when it first loads, after this runs (google-auth-library is loaded only to sign
 * in). NODE_DEBUG is not among them: Node reads it once at start, and none of its modules print headers or bodies.
 */
export const DEBUG_SWITCHES: Record<string, string> = {
  GOOGLE_SDK_NODE_LOGGING:
    "google-auth-library's debug log prints request headers and token responses before the tokens can be masked",
  DEBUG_AUTH: 'gcp-metadata would print its errors whole',
  DEBUG: "https-proxy-agent's debug log prints the proxy URL with its password"
}

/**
 * The runner's own credentials, which no kubeconfig credential plugin needs: the token that requests GitHub OIDC
 * tokens (with its URL, it mints an ID token of this job for any audience, and so this job's identity in any cloud
 * that trusts it) and the job's token for the Actions service (caches, artifacts, results), with the URLs that
 * take it. The GKE path reads the OIDC pair when it signs in (core.getIDToken), so they are removed only on the
 * kubeconfig path, which never signs in to Google.
 * https://docs.github.com/en/actions/reference/security/oidc#methods-for-requesting-the-oidc-token
 */
export const RUNNER_CREDENTIALS = [
  'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
  'ACTIONS_ID_TOKEN_REQUEST_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RUNTIME_URL',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL'
]

/** Removes the debug switches that are set, and says which, with why, for a warning each. */
export function removeDebugSwitches(env: NodeJS.ProcessEnv): string[] {
  const warnings: string[] = []
  for (const [name, why] of Object.entries(DEBUG_SWITCHES)) {
    if (env[name] === undefined) continue
    delete env[name]
    warnings.push(`${name} is set; the action unset it for this step, because ${why}.`)
  }
  return warnings
}

/** Removes the runner's credentials, so a kubeconfig's exec plugin cannot read them. */
export function removeRunnerCredentials(env: NodeJS.ProcessEnv): void {
  for (const name of RUNNER_CREDENTIALS) delete env[name]
}
