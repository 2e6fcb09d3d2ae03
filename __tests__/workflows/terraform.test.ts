// The Terraform of docs/setup.md is one complete configuration (its ```hcl blocks together), and the fragments
// of docs/repositories.md fit into it. No terraform binary is reachable here to run `terraform validate` (it is
// not in Debian, and nothing else may be downloaded), so this reads the structure with terraform-blocks.ts:
// balanced brackets and closed strings, every `var.X` declared, every reference to a resource or data source
// declared, `project` on every google_* resource that takes one, and both providers configured; and the blocks
// are parsed with @cdktf/hcl2json (HashiCorp's hcl library compiled to WebAssembly), as terraform would read them.
import { parse } from '@cdktf/hcl2json'
import { describe, expect, it } from 'vitest'
import { codeBlocks, read } from './markdown-docs.js'
import { readBody, scanHcl, type HclBlock } from './terraform-blocks.js'

const hclOf = (page: string): string =>
  codeBlocks(read(page), 'hcl')
    .map(block => block.text)
    .join('\n')

const setup = hclOf('docs/setup.md')
const repositories = hclOf('docs/repositories.md')
const setupBlocks = readBody(setup).blocks
const ofType = (blocks: HclBlock[], type: string): HclBlock[] => blocks.filter(block => block.type === type)

/** google_* resources without a `project` argument, and why. */
const NO_PROJECT_ARGUMENT: Record<string, string> = {
  google_service_account_iam_member:
    "the service account's full name (service_account_id) carries the project"
}

/** Every `var.X`, `TYPE.NAME` and `data.TYPE.NAME` an expression refers to. */
function referencesIn(hcl: string): { variables: string[]; resources: string[]; data: string[] } {
  const { code } = scanHcl(hcl)
  const variables = [...code.matchAll(/\bvar\.([A-Za-z_][\w-]*)/g)].map(match => match[1] as string)
  const resources: string[] = []
  const data: string[] = []
  for (const match of code.matchAll(/(\bdata\.)?\b((?:google|kubernetes)_\w+)\.(\w+)/g)) {
    ;(match[1] ? data : resources).push(`${match[2]}.${match[3]}`)
  }
  return { variables: [...new Set(variables)], resources: [...new Set(resources)], data: [...new Set(data)] }
}

const declared = (blocks: HclBlock[], type: string): string[] =>
  ofType(blocks, type).map(block => block.labels.join('.'))

describe('the scanner', () => {
  it('reports unbalanced brackets, unclosed strings and heredocs', () => {
    expect(scanHcl('a {\n  b = [1, 2\n}\n').errors).not.toEqual([])
    expect(scanHcl('a = "b\n').errors).not.toEqual([])
    expect(scanHcl('a = <<EOF\nx\nEOF\n').errors).not.toEqual([])
    expect(scanHcl('a {\n  b = "}{ ${var.c} # not a comment"\n}\n').errors).toEqual([])
  })

  it('keeps the expressions inside strings and drops comments', () => {
    const hcl = 'x = "${var.a}-literal var.b" # var.c\n'
    expect(referencesIn(hcl).variables).toEqual(['a'])
  })

  it('reads blocks with their labels, and attributes across lines', () => {
    const body = readBody('resource "t" "n" {\n  a = join(",", [\n    "x",\n  ])\n  rule { b = 1 }\n}\n')
    expect(body.blocks).toMatchObject([{ type: 'resource', labels: ['t', 'n'] }])
    const inner = readBody(body.blocks[0]?.body ?? '')
    expect(inner.attributes.a).toBe('join(",", [\n    "x",\n  ])')
    expect(inner.blocks.map(block => block.type)).toEqual(['rule'])
  })
})

describe('the Terraform of docs/setup.md', () => {
  it('is well formed: brackets balance, strings close, no heredoc', () => {
    expect(setup).toContain('resource "google_iam_workload_identity_pool_provider"')
    expect(scanHcl(setup).errors).toEqual([])
  })

  it('requires the google and kubernetes providers, and configures both', () => {
    const [terraform] = ofType(setupBlocks, 'terraform')
    const [required] = ofType(readBody(terraform?.body ?? '').blocks, 'required_providers')
    const providers = readBody(required?.body ?? '').attributes
    expect(providers.google).toMatch(/source\s*=\s*"hashicorp\/google"/)
    expect(providers.kubernetes).toMatch(/source\s*=\s*"hashicorp\/kubernetes"/)
    expect(declared(setupBlocks, 'provider').sort()).toEqual(['google', 'kubernetes'])
  })

  it("configures the kubernetes provider from the cluster data source and the caller's Google token", () => {
    const [kubernetes] = ofType(setupBlocks, 'provider').filter(block => block.labels[0] === 'kubernetes')
    const attributes = readBody(kubernetes?.body ?? '').attributes
    expect(attributes.host).toMatch(/^"https:\/\/\$\{data\.google_container_cluster\.\w+\.endpoint\}"$/)
    expect(attributes.token).toMatch(/^data\.google_client_config\.\w+\.access_token$/)
    expect(attributes.cluster_ca_certificate).toMatch(
      /^base64decode\(data\.google_container_cluster\.\w+\.master_auth\[0\]\.cluster_ca_certificate\)$/
    )
  })

  it('declares every variable it uses, and uses every variable it declares', () => {
    const used = referencesIn(setup).variables.sort()
    expect(used).toEqual(declared(setupBlocks, 'variable').sort())
  })

  it('declares every resource and data source it refers to', () => {
    const references = referencesIn(setup)
    expect(references.resources.filter(name => !declared(setupBlocks, 'resource').includes(name))).toEqual([])
    expect(references.data.filter(name => !declared(setupBlocks, 'data').includes(name))).toEqual([])
  })

  it.each(
    [...ofType(setupBlocks, 'resource'), ...ofType(setupBlocks, 'data'), ...ofType(setupBlocks, 'provider')]
      .filter(block => block.labels[0]?.startsWith('google') && !(block.labels[0] in NO_PROJECT_ARGUMENT))
      .filter(block => block.labels[0] !== 'google_client_config')
      .map(block => [`${block.type} ${block.labels.join('.')}`, block] as const)
  )('%s names its project', (_, block) => {
    expect(readBody(block.body).attributes.project).toBe('var.project_id')
  })

  it('enables the APIs the action calls, with the Connect gateway ones behind its variable', () => {
    const [services] = ofType(setupBlocks, 'resource').filter(
      block => block.labels[0] === 'google_project_service'
    )
    const forEach = readBody(services?.body ?? '').attributes.for_each ?? ''
    for (const api of ['iam', 'iamcredentials', 'sts', 'container'])
      expect(forEach).toContain(`"${api}.googleapis.com"`)
    expect(forEach).toMatch(
      /var\.use_connect_gateway \? \[\s*"gkehub\.googleapis\.com", "connectgateway\.googleapis\.com"/
    )
  })

  it("binds the Role to the service account's email, as a User", () => {
    const [binding] = ofType(setupBlocks, 'resource').filter(
      block => block.labels[0] === 'kubernetes_role_binding_v1'
    )
    const [subject] = ofType(readBody(binding?.body ?? '').blocks, 'subject')
    const attributes = readBody(subject?.body ?? '').attributes
    expect(attributes.kind).toBe('"User"')
    expect(attributes.name).toBe('google_service_account.secrets_sync.email')
  })

  it('admits only the repository and owner by numeric ID, on main, in the prd Environment', () => {
    const [provider] = ofType(setupBlocks, 'resource').filter(
      block => block.labels[0] === 'google_iam_workload_identity_pool_provider'
    )
    const condition = readBody(provider?.body ?? '').attributes.attribute_condition
    expect(condition).toContain("assertion.repository_id == '${var.github_repository_id}'")
    expect(condition).toContain("assertion.repository_owner_id == '${var.github_owner_id}'")
    expect(condition).toContain("assertion.ref == '${var.github_ref}'")
    expect(condition).toContain("assertion.environment == '${var.github_environment}'")
  })

  it('parses with HashiCorp’s HCL parser (the Go parser compiled to WebAssembly; no terraform binary here)', async () => {
    const parsed = (await parse('setup.tf', setup)) as Record<string, Record<string, unknown>>
    expect(Object.keys(parsed.resource ?? {}).sort()).toEqual(
      [...new Set(ofType(setupBlocks, 'resource').map(block => block.labels[0]))].sort()
    )
    expect(Object.keys(parsed.variable ?? {}).sort()).toEqual(declared(setupBlocks, 'variable').sort())
  })
})

describe('the Terraform of docs/repositories.md', () => {
  const blocks = readBody(repositories).blocks

  it('is well formed', () => {
    expect(repositories).toContain('resource "google_service_account_iam_member" "sync_repositories"')
    expect(scanHcl(repositories).errors).toEqual([])
  })

  it("uses only the setup's variables, and resources declared there or here", () => {
    const references = referencesIn(repositories)
    const all = [...setupBlocks, ...blocks]
    expect(references.variables.filter(name => !declared(setupBlocks, 'variable').includes(name))).toEqual([])
    expect(references.resources.filter(name => !declared(all, 'resource').includes(name))).toEqual([])
  })

  it.each(
    ofType(blocks, 'resource')
      .filter(block => block.labels[0]?.startsWith('google_') && !(block.labels[0] in NO_PROJECT_ARGUMENT))
      .map(block => [block.labels.join('.'), block] as const)
  )('%s names its project', (_, block) => {
    expect(readBody(block.body).attributes.project).toBe('var.project_id')
  })
})

describe('every Workload Identity condition in the documentation', () => {
  it.each(['README.md', 'docs/setup.md', 'docs/repositories.md', 'examples/README.md'])(
    '%s admits repositories and owners by ID, never by a name someone else could register',
    page => {
      expect(read(page)).not.toMatch(/assertion\.(repository|repository_owner) *(==|in)/)
      expect(read(page)).not.toMatch(/attribute\.(repository|repository_owner)\//)
    }
  )
})
