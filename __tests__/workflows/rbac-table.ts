// The table of the action's Kubernetes permissions in docs/rbac.md, read into data: which API group, resources
// and verbs each feature needs. rbac.test.ts holds it to RBAC_RULES (src/github/rbac.ts), from which the action's
// own 403 advice comes, and every documented Role to it.
import type { Tokens } from 'marked'
import { read, tokensOf } from './markdown-docs.js'

export interface RbacRow {
  feature: string
  apiGroup: string
  resources: string[]
  verbs: string[]
}

/** Granted verbs by `apiGroup/resource` (`/secrets` for the core group). */
export type Grants = Record<string, string[]>

/** The code spans of a cell, a span of several comma-separated names counting as each of them. */
const codeSpans = (cell: Tokens.TableCell): string[] =>
  cell.tokens
    .filter(token => token.type === 'codespan')
    .flatMap(token => (token as Tokens.Codespan).text.split(/,\s*/))

/** The rows of the table in docs/rbac.md whose header is feature | API group | resources | verbs. */
export function rbacTable(markdown = read('docs/rbac.md')): RbacRow[] {
  const table = tokensOf(markdown, 'table')
    .map(token => token as Tokens.Table)
    .find(table => table.header.map(cell => cell.text).join('|') === 'feature|API group|resources|verbs')
  if (!table) throw new Error('docs/rbac.md has no table "feature | API group | resources | verbs"')
  return table.rows.map(([feature, group, resources, verbs]) => {
    const [apiGroup] = codeSpans(group as Tokens.TableCell)
    return {
      feature: codeSpans(feature as Tokens.TableCell)[0] as string,
      apiGroup: apiGroup === '""' ? '' : (apiGroup as string),
      resources: codeSpans(resources as Tokens.TableCell),
      verbs: codeSpans(verbs as Tokens.TableCell)
    }
  })
}

export function addGrant(grants: Grants, apiGroup: string, resource: string, verbs: string[]): void {
  const key = `${apiGroup}/${resource}`
  grants[key] = [...new Set([...(grants[key] ?? []), ...verbs])].sort()
}

export function expectedGrants(rows: RbacRow[], features: string[]): Grants {
  const grants: Grants = {}
  for (const row of rows.filter(row => features.includes(row.feature))) {
    for (const resource of row.resources) addGrant(grants, row.apiGroup, resource, row.verbs)
  }
  return grants
}
