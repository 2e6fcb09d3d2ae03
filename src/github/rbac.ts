// The Kubernetes permissions of the action, feature by feature: the one table that docs/rbac.md shows (a test
// holds the page's table and every Role in the documentation to it) and that the 403 advice reads, so the Role
// people apply, the Terraform Role and what a failed run asks for cannot disagree.
// A feature is the action itself (`sync`, every run) or the input that turns it on.

export interface RbacRule {
  feature: string
  /** '' is the core group (Secrets, Pods, ...). */
  apiGroup: string
  resources: readonly string[]
  verbs: readonly string[]
}

/**
 * One row per feature and API group, in the order of docs/rbac.md; a new feature's permission is one line here
 * and one row there. What each verb is for is in docs/rbac.md.
 */
export const RBAC_RULES: readonly RbacRule[] = [
  { feature: 'sync', apiGroup: '', resources: ['secrets'], verbs: ['get', 'list', 'create', 'update'] },
  { feature: 'record_events', apiGroup: 'events.k8s.io', resources: ['events'], verbs: ['create'] },
  { feature: 'prune', apiGroup: '', resources: ['secrets'], verbs: ['delete'] },
  {
    feature: 'restart_deployments',
    apiGroup: 'apps',
    resources: ['deployments'],
    verbs: ['get', 'list', 'watch', 'patch']
  },
  { feature: 'restart_deployments', apiGroup: '', resources: ['pods'], verbs: ['list'] },
  {
    feature: 'restart_referencing',
    apiGroup: 'apps',
    resources: ['deployments', 'statefulsets', 'daemonsets'],
    verbs: ['get', 'list', 'watch', 'patch']
  },
  { feature: 'restart_referencing', apiGroup: '', resources: ['pods'], verbs: ['list'] },
  { feature: 'restart_referencing', apiGroup: 'batch', resources: ['cronjobs', 'jobs'], verbs: ['list'] },
  { feature: 'restart_referencing', apiGroup: '', resources: ['secrets'], verbs: ['list'] },
  {
    feature: 'check_references',
    apiGroup: 'apps',
    resources: ['deployments', 'statefulsets', 'daemonsets'],
    verbs: ['list']
  },
  { feature: 'check_references', apiGroup: 'batch', resources: ['cronjobs', 'jobs'], verbs: ['list'] },
  { feature: 'check_references', apiGroup: '', resources: ['secrets', 'pods'], verbs: ['list'] }
]

/** A request as RBAC sees it. */
export interface ApiCall {
  verb: string
  resource: string
  apiGroup: string
}

/** What an RBAC 403 says: the call refused and, when it is a plain name, the identity it was refused to. */
export interface Refusal {
  call: ApiCall
  user?: string
}

/**
 * The API server's RBAC denial names the call: `secrets is forbidden: User "u" cannot list resource "secrets"
 * in API group "" in the namespace "ns"` (k8s.io/apiserver pkg/endpoints/handlers/responsewriters/errors.go,
 * `forbiddenMessage`). The text is the server's; only values of a plain shape are taken from it, so nothing
 * else of it can reach a command the summary or the error prints.
 */
export function refusal(message: string): Refusal | undefined {
  const denied = /cannot ([a-z]+) resource "([a-z0-9.-]+(?:\/[a-z]+)?)" in API group "([a-z0-9.-]*)"/.exec(
    message
  )
  if (!denied) return undefined
  const [, verb, resource, apiGroup] = denied as unknown as [string, string, string, string]
  const user = /User "([^"]+)"/.exec(message)?.[1]
  return { call: { verb, resource, apiGroup }, ...(user && PLAIN_USER.test(user) && { user }) }
}

/**
 * User names a RoleBinding can name: a Google service account's email, a numeric id, `principal://...`,
 * `system:serviceaccount:ns:name`. Anything else is left out of the commands rather than quoted.
 */
const PLAIN_USER = /^[\w.@:/+-]{1,512}$/

/** The rows of the table that grant the call, in table order. */
export function rulesFor(call: ApiCall): RbacRule[] {
  return RBAC_RULES.filter(
    rule =>
      rule.apiGroup === call.apiGroup &&
      rule.resources.includes(call.resource) &&
      rule.verbs.includes(call.verb)
  )
}

/** `secrets`, `deployments.apps`: a resource as RBAC errors and `kubectl create role --resource` write it. */
export function qualifiedResource(resource: string, apiGroup: string): string {
  return apiGroup ? `${resource}.${apiGroup}` : resource
}

/** The other way round, for names like the reference check's `cronjobs.batch`. */
export function splitResource(qualified: string): { resource: string; apiGroup: string } {
  const dot = qualified.indexOf('.')
  return dot === -1
    ? { resource: qualified, apiGroup: '' }
    : { resource: qualified.slice(0, dot), apiGroup: qualified.slice(dot + 1) }
}

/** The Role the advice names for a feature: the setup's `gke-secrets-sync` for sync, one per feature beside it. */
export function roleName(feature: string): string {
  return feature === 'sync' ? 'gke-secrets-sync' : `gke-secrets-sync-${feature.replaceAll('_', '-')}`
}

export function groupWords(apiGroup: string): string {
  return apiGroup ? `API group ${apiGroup}` : 'the core API group'
}

/** `kubectl create role` and `rolebinding` for the rule, bound to the identity the API server named. */
export function grantCommands(
  role: string,
  namespace: string,
  verbs: readonly string[],
  resources: readonly string[],
  user: string | undefined
): string[] {
  return [
    `kubectl create role ${role} -n ${namespace} --verb=${verbs.join(',')} --resource=${resources.join(',')}`,
    `kubectl create rolebinding ${role} -n ${namespace} --role=${role} --user=${user ?? '<the identity>'}`
  ]
}

/**
 * What to grant after a 403 on `call`: the call, the feature that needs it and that feature's whole rule from the
 * table (so that the next run does not stop at the rule's next verb), then the commands, indented by two spaces.
 * A call the table does not know is granted alone.
 */
export function missingRuleAdvice(denied: Refusal, namespace: string, feature?: string): string {
  const { call, user } = denied
  const rules = rulesFor(call)
  const rule = rules.find(candidate => candidate.feature === feature) ?? rules[0]
  const what = `The identity may not ${call.verb} ${call.resource} (${groupWords(call.apiGroup)}) in namespace ${namespace}`
  if (!rule) {
    return [
      `${what}; grant it that (docs/rbac.md lists the rules of every feature):`,
      ...grantCommands(
        'gke-secrets-sync',
        namespace,
        [call.verb],
        [qualifiedResource(call.resource, call.apiGroup)],
        user
      ).map(line => `  ${line}`)
    ].join('\n')
  }
  const optional = rule.feature === 'sync' ? '' : ` (or turn \`${rule.feature}\` off)`
  return [
    `${what}, which \`${rule.feature}\` needs. Grant the rule of \`${rule.feature}\` (docs/rbac.md): verbs ${rule.verbs.join(', ')} on ${rule.resources.join(', ')} in ${groupWords(rule.apiGroup)}${optional}:`,
    ...grantCommands(
      roleName(rule.feature),
      namespace,
      rule.verbs,
      rule.resources.map(resource => qualifiedResource(resource, rule.apiGroup)),
      user
    ).map(line => `  ${line}`)
  ].join('\n')
}
