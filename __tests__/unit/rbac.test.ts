// The 403 advice comes from the RBAC table (src/github/rbac.ts, which docs/rbac.md shows): for every call the
// table grants, a refusal of that call is answered with the rule of the feature that needs it, and commands that
// grant exactly that rule. The cases are made from the table, so a new row is tested without a new line here.
import { describe, expect, it } from 'vitest'
import {
  missingRuleAdvice,
  qualifiedResource,
  RBAC_RULES,
  refusal,
  rulesFor,
  splitResource
} from '../../src/github/rbac.js'
import { referencesSection } from '../../src/github/references-report.js'
import { advice } from '../../src/github/report.js'

const USER = 'secrets-sync@my-project.iam.gserviceaccount.com'

/** The API server's RBAC denial (k8s.io/apiserver responsewriters/errors.go forbiddenMessage), as errors.ts words it. */
function forbidden(verb: string, resource: string, apiGroup: string, user = USER): string {
  const subject = qualifiedResource(resource, apiGroup)
  return `403 Forbidden: ${subject} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${apiGroup}" in the namespace "dagster-prd"`
}

const calls = RBAC_RULES.flatMap(rule =>
  rule.resources.flatMap(resource => rule.verbs.map(verb => ({ verb, resource, apiGroup: rule.apiGroup })))
)

describe('the 403 advice, for every call in the RBAC table', () => {
  it.each(calls)('$verb $resource in "$apiGroup": the rule that grants it, and its commands', call => {
    // The feature the call belongs to first: `list secrets` is sync's (check_references needs it too).
    const rule = RBAC_RULES.find(
      row =>
        row.apiGroup === call.apiGroup &&
        row.resources.includes(call.resource) &&
        row.verbs.includes(call.verb)
    )
    if (!rule) throw new Error('unreachable: the call comes from the table')
    const tips = advice([forbidden(call.verb, call.resource, call.apiGroup)], 'dagster-prd')
    expect(tips).toHaveLength(1)
    const [text, create, bind] = (tips[0] as string).split('\n')
    const group = call.apiGroup ? `API group ${call.apiGroup}` : 'the core API group'
    expect(text).toContain(
      `The identity may not ${call.verb} ${call.resource} (${group}) in namespace dagster-prd, which \`${rule.feature}\` needs.`
    )
    expect(text).toContain(`verbs ${rule.verbs.join(', ')} on ${rule.resources.join(', ')}`)
    const role =
      rule.feature === 'sync' ? 'gke-secrets-sync' : `gke-secrets-sync-${rule.feature.replaceAll('_', '-')}`
    expect(create).toBe(
      `  kubectl create role ${role} -n dagster-prd --verb=${rule.verbs.join(',')} --resource=${rule.resources.map(r => qualifiedResource(r, rule.apiGroup)).join(',')}`
    )
    expect(bind).toBe(`  kubectl create rolebinding ${role} -n dagster-prd --role=${role} --user=${USER}`)
  })

  it.each([
    ['a refused delete, behind "not deleted: "', 'not deleted: ', 'delete', 'secrets', '', 'prune'],
    [
      'a refused Deployment LIST, behind our own words',
      'listing Deployments failed: ',
      'list',
      'deployments',
      'apps',
      'restart_deployments'
    ],
    ['a refused restart', '', 'patch', 'deployments', 'apps', 'restart_deployments']
  ])('finds %s, and offers to turn the feature off', (_, prefix, verb, resource, apiGroup, feature) => {
    const [tip] = advice([`${prefix}${forbidden(verb, resource, apiGroup)}`], 'dagster-prd')
    expect(tip).toContain(`which \`${feature}\` needs`)
    expect(tip).toContain(`(or turn \`${feature}\` off)`)
  })

  it('grants a call the table does not know on its own, and points at the table', () => {
    const [tip] = advice([forbidden('patch', 'deployments/scale', 'apps')], 'ns')
    expect(tip?.split('\n')).toEqual([
      'The identity may not patch deployments/scale (API group apps) in namespace ns; grant it that (docs/rbac.md lists the rules of every feature):',
      '  kubectl create role gke-secrets-sync -n ns --verb=patch --resource=deployments/scale.apps',
      `  kubectl create rolebinding gke-secrets-sync -n ns --role=gke-secrets-sync --user=${USER}`
    ])
  })

  it.each([
    [
      'a 403 that is not an RBAC denial',
      '403 Forbidden: admission webhook "x" denied the request',
      'docs/rbac.md lists the Role'
    ],
    [
      "Google's front end refusing the Connect gateway (its advice is IAM, not RBAC)",
      "Google's front end answered 403 PERMISSION_DENIED before the API server saw the request: Permission 'gkehub.gateway.get' denied",
      undefined
    ]
  ])('gives no made-up rule for %s', (_, detail, words) => {
    const tips = advice([detail], 'ns')
    expect(tips.join('\n')).not.toContain('kubectl create role')
    if (words) expect(tips).toEqual([expect.stringContaining(words)])
    else expect(tips).toEqual([])
  })

  it('gives the advice once for many Secrets refused the same way', () => {
    const detail = forbidden('create', 'secrets', '')
    expect(advice([detail, detail, detail], 'dagster-prd')).toHaveLength(1)
  })
})

describe('refusal', () => {
  it.each<[string, ReturnType<typeof refusal>]>([
    [
      forbidden('list', 'secrets', ''),
      { call: { verb: 'list', resource: 'secrets', apiGroup: '' }, user: USER }
    ],
    [
      forbidden(
        'create',
        'events',
        'events.k8s.io',
        'principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/repo:a/b'
      ),
      {
        call: { verb: 'create', resource: 'events', apiGroup: 'events.k8s.io' },
        user: 'principal://iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/subject/repo:a/b'
      }
    ],
    // A user name that is not a plain name stays out of the commands.
    [
      forbidden('list', 'secrets', '', 'x`; rm -rf /'),
      { call: { verb: 'list', resource: 'secrets', apiGroup: '' } }
    ],
    ['403 Forbidden: nothing to read here', undefined]
  ])('reads %s', (message, expected) => {
    expect(refusal(message)).toEqual(expected)
  })

  it('leaves an identity it cannot name as a placeholder in the command', () => {
    const denied = refusal(forbidden('list', 'secrets', '', 'someone else')) ?? { call: calls[0] as never }
    expect(missingRuleAdvice(denied, 'ns')).toContain('--user=<the identity>')
  })
})

describe('the reference check names the rule of the kinds it could not list', () => {
  const kinds = RBAC_RULES.filter(rule => rule.feature === 'check_references').flatMap(rule =>
    rule.resources.map(resource => qualifiedResource(resource, rule.apiGroup))
  )

  it.each(kinds)('%s', kind => {
    const { resource, apiGroup } = splitResource(kind)
    const rule = rulesFor({ verb: 'list', resource, apiGroup }).find(r => r.feature === 'check_references')
    const text = referencesSection(
      {
        usedBy: new Map(),
        unreferenced: [],
        dangling: [],
        optionalDangling: [],
        failures: [{ resource: kind, status: 403, message: forbidden('list', resource, apiGroup) }],
        danglingChecked: kind !== 'secrets',
        workloadCount: 0
      },
      'dagster-prd'
    ).join('\n')
    expect(text).toContain(
      `> kubectl create role gke-secrets-sync-check-references -n dagster-prd --verb=${rule?.verbs.join(',')} --resource=${kind}\n`
    )
    expect(text).toContain(`--user=${USER}`)
  })
})
