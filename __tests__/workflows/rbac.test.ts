// One source of truth for the action's Kubernetes permissions: RBAC_RULES in src/github/rbac.ts (feature → API
// group, resources, verbs), which the action's own 403 advice reads. The table in docs/rbac.md must be that
// table, row for row. Every Role the documentation shows, as YAML or as Terraform, is preceded by a comment
// `<!-- rbac: feature, feature -->` and must grant exactly the union of those features' rows: no verb missing
// (the run would fail with a 403), none extra (least privilege).
import { describe, expect, it } from 'vitest'
import { parseAllDocuments } from 'yaml'
import { RBAC_RULES } from '../../src/github/rbac.js'
import { codeBlocks, docsPages, read } from './markdown-docs.js'
import { addGrant, expectedGrants, rbacTable, type Grants } from './rbac-table.js'
import { blocksOf } from './terraform-blocks.js'

interface Rule {
  apiGroups?: string[]
  resources?: string[]
  verbs?: string[]
}

function yamlRoleGrants(text: string): Grants[] {
  return parseAllDocuments(text)
    .map(document => document.toJS() as { kind?: string; rules?: Rule[] })
    .filter(document => document?.kind === 'Role')
    .map(role => {
      const grants: Grants = {}
      for (const rule of role.rules ?? []) {
        for (const apiGroup of rule.apiGroups ?? []) {
          for (const resource of rule.resources ?? []) addGrant(grants, apiGroup, resource, rule.verbs ?? [])
        }
      }
      return grants
    })
}

const stringList = (body: string, name: string): string[] => {
  const list = new RegExp(`^\\s*${name}\\s*=\\s*\\[([^\\]]*)\\]`, 'm').exec(body)?.[1] ?? ''
  return [...list.matchAll(/"([^"]*)"/g)].map(match => match[1] as string)
}

function terraformRoleGrants(text: string): Grants[] {
  return blocksOf(text)
    .filter(block => block.type === 'resource' && /^kubernetes_role(_v1)?$/.test(block.labels[0] ?? ''))
    .map(role => {
      const grants: Grants = {}
      for (const rule of blocksOf(role.body).filter(block => block.type === 'rule')) {
        for (const apiGroup of stringList(rule.body, 'api_groups')) {
          for (const resource of stringList(rule.body, 'resources')) {
            addGrant(grants, apiGroup, resource, stringList(rule.body, 'verbs'))
          }
        }
      }
      return grants
    })
}

const table = rbacTable()
const features = [...new Set(table.map(row => row.feature))]

const roles = ['README.md', ...docsPages].flatMap(page =>
  codeBlocks(read(page))
    .map((block, index) => ({ page, index, block }))
    .flatMap(({ page, index, block }) => {
      const grants =
        block.lang === 'yaml'
          ? yamlRoleGrants(block.text)
          : block.lang === 'hcl'
            ? terraformRoleGrants(block.text)
            : []
      return grants.map(granted => ({
        where: `${page}, code block ${index + 1} (${block.lang})`,
        marker: block.markers.rbac,
        granted
      }))
    })
)

describe('the RBAC table in docs/rbac.md', () => {
  it('is the table the action advises from (src/github/rbac.ts), row for row and in order', () => {
    expect(table).toEqual(
      RBAC_RULES.map(rule => ({ ...rule, resources: [...rule.resources], verbs: [...rule.verbs] }))
    )
  })

  it('has a row for every feature the action needs permissions for, sync first', () => {
    expect(features[0]).toBe('sync')
    expect(features).toEqual(
      expect.arrayContaining(['sync', 'prune', 'restart_deployments', 'check_references'])
    )
  })

  it.each(table.map(row => [row.feature, row] as const))(
    '%s: one API group, resources and verbs',
    (_, row) => {
      expect(row.apiGroup).toMatch(/^([a-z0-9.-]+)?$/)
      expect(row.resources.length).toBeGreaterThan(0)
      expect(row.verbs.length).toBeGreaterThan(0)
      for (const verb of row.verbs) {
        expect(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete']).toContain(verb)
      }
    }
  )

  it('names only inputs action.yml declares, besides sync (every run)', () => {
    const inputs = read('action.yml')
    for (const feature of features.filter(feature => feature !== 'sync')) {
      expect(inputs).toMatch(new RegExp(`^  ${feature}:$`, 'm'))
    }
  })
})

describe('every Role in the documentation', () => {
  it('finds the Roles it is meant to check: YAML and Terraform, for sync alone and for every feature', () => {
    expect(roles.map(role => role.where)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^docs\/setup\.md, .*\(yaml\)$/),
        expect.stringMatching(/^docs\/setup\.md, .*\(hcl\)$/),
        expect.stringMatching(/^docs\/rbac\.md, .*\(yaml\)$/),
        expect.stringMatching(/^docs\/rbac\.md, .*\(hcl\)$/)
      ])
    )
    // A new row in the table needs its rule in the full Role too.
    const complete = roles.filter(role =>
      features.every(feature => role.marker?.split(/,\s*/).includes(feature))
    )
    expect(complete.length).toBeGreaterThanOrEqual(2)
  })

  it.each(roles)('$where grants exactly the verbs of its features ($marker)', ({ marker, granted }) => {
    expect(marker, 'a <!-- rbac: feature, ... --> comment right before the code block').toBeDefined()
    const named = (marker ?? '').split(/,\s*/)
    expect(named.filter(feature => !features.includes(feature))).toEqual([])
    expect(granted).toEqual(expectedGrants(table, named))
  })
})

describe('the test itself', () => {
  it('reads a Role with a verb too many or too few as different from the table', () => {
    const yaml = (verbs: string): string =>
      `kind: Role\nrules:\n  - apiGroups: ['']\n    resources: [secrets]\n    verbs: [${verbs}]\n`
    expect(yamlRoleGrants(yaml('get, list, create, update'))).toEqual([expectedGrants(table, ['sync'])])
    expect(yamlRoleGrants(yaml('get, list, create'))).not.toEqual([expectedGrants(table, ['sync'])])
    expect(yamlRoleGrants(yaml('get, list, create, update, patch'))).not.toEqual([
      expectedGrants(table, ['sync'])
    ])
  })

  it('reads the rules of a Terraform kubernetes_role_v1', () => {
    const hcl = [
      'resource "kubernetes_role_v1" "r" {',
      '  metadata {',
      '    name = "r"',
      '  }',
      '  rule {',
      '    api_groups = ["apps"] # a comment',
      '    resources  = ["deployments"]',
      '    verbs      = ["list", "patch"]',
      '  }',
      '}',
      ''
    ].join('\n')
    expect(terraformRoleGrants(hcl)).toEqual([{ 'apps/deployments': ['list', 'patch'] }])
  })
})
