// The user documentation held against the code: the README's inputs and outputs tables against action.yml, its
// quick start against the advice it gives, the version in package.json against the CHANGELOG, and every table
// against the width of a screen. Links and anchors: docs-links.test.ts.
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { anchorsOf, codeBlocks, docsPages, read, section as sectionOf } from './markdown-docs.js'

const action = parse(read('action.yml')) as {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}
const { version } = JSON.parse(read('package.json')) as { version: string }
const readme = read('README.md')
const section = (heading: string): string => sectionOf(readme, heading)

describe('README', () => {
  it.each(Object.keys(action.inputs))('documents the input %s in the Inputs table', name => {
    expect(section('Inputs')).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'))
  })

  it.each(Object.keys(action.outputs))('documents the output %s in the Outputs table', name => {
    expect(section('Outputs')).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'))
  })

  it('keeps a short Development section with the two set-up commands, linking to CONTRIBUTING.md', () => {
    const development = section('Development')
    expect(development).toContain('npm ci')
    expect(development).toContain('npm test')
    expect(development).toContain('](CONTRIBUTING.md)')
  })

  it.each(['Quick start', 'Inputs', 'Outputs', 'Using the Secrets from Dagster', 'Versions', 'Development'])(
    'has the section "%s"',
    heading => {
      expect(anchorsOf(readme)).toContain(anchorsOf(`## ${heading}`)[0])
    }
  )

  // The action's own 403 advice names this section (src/report.ts).
  it('keeps the section "Least-privilege RBAC", linking to the page with the verbs', () => {
    expect(section('Least-privilege RBAC')).toContain('](docs/rbac.md)')
  })

  it.each([
    ['docs/setup.md', 'One-time setup on Google Cloud'],
    ['docs/migrating.md', 'Migrating from a kubectl or Terraform pipeline'],
    ['docs/lifecycle.md', 'Lifecycle'],
    ['docs/troubleshooting.md', 'Troubleshooting'],
    ['docs/rbac.md', 'Permissions (least privilege)'],
    ['docs/repositories.md', 'Several repositories'],
    ['docs/connecting.md', 'Connecting to the cluster'],
    ['docs/concurrency.md', 'Concurrency']
  ])('%s is the page "%s"', (page, title) => {
    expect(read(page).startsWith(`# ${title}\n`)).toBe(true)
  })

  it('puts the users first: the quick start comes before anything for contributors', () => {
    expect(readme.indexOf('## Quick start')).toBeLessThan(readme.indexOf('## Development'))
    expect(readme.indexOf('npm ci')).toBeGreaterThan(readme.indexOf('## Development'))
  })

  it('shows a pin to a full commit SHA, with the current version in a comment', () => {
    expect(section('Versions')).toMatch(
      new RegExp(`uses: gke-secrets-sync/gke-secrets-sync@<full 40-character commit SHA> # v${version}\\n`)
    )
  })
})

describe('the quick start', () => {
  const [block] = codeBlocks(section('Quick start'), 'yaml')
  const workflow = parse(block?.text ?? '') as {
    jobs: Record<
      string,
      {
        environment?: string
        permissions?: Record<string, string>
        concurrency?: { group?: string; 'cancel-in-progress'?: boolean }
        steps: { uses?: string; with?: Record<string, unknown> }[]
      }
    >
  }
  const [job] = Object.values(workflow.jobs ?? {})
  const step = job?.steps.find(step => step.uses?.startsWith('gke-secrets-sync/gke-secrets-sync@'))

  it("is a workflow GitHub's parser accepts", async () => {
    const parsed = parseWorkflow(
      { name: 'quick-start.yml', content: block?.text ?? '' },
      new NoOperationTraceWriter()
    )
    if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value)
    expect(parsed.context.errors.getErrors().map(error => error.message)).toEqual([])
  })

  it('pins the action to a full commit SHA, with the released version in a comment', () => {
    expect(step?.uses).toBe('gke-secrets-sync/gke-secrets-sync@<full 40-character commit SHA>')
    expect(block?.text).toContain(`@<full 40-character commit SHA> # v${version}\n`)
  })

  it('starts with a dry run, and says to remove it', () => {
    expect(step?.with?.dry_run).toBe(true)
    expect(section('Quick start')).toMatch(/Remove `dry_run: true`/)
  })

  it('runs one sync of the namespace at a time, the recommended group, without cancelling', () => {
    expect(job?.concurrency).toEqual({
      group: `gke-secrets-sync-${String(step?.with?.namespace)}`,
      'cancel-in-progress': false
    })
  })

  it('may request the OIDC token, in the Environment the setup admits', () => {
    expect(job?.permissions).toMatchObject({ 'id-token': 'write' })
    expect(job?.environment).toBe('prd')
    expect(read('docs/setup.md')).toContain("assertion.environment == 'prd'")
  })

  it('passes only inputs action.yml declares', () => {
    expect(Object.keys(step?.with ?? {}).filter(name => !(name in action.inputs))).toEqual([])
  })

  it('links the manual workflow, to copy as it is', () => {
    expect(section('Quick start')).toContain('](.github/workflows/sync-secrets-manual.yml)')
  })
})

describe.each(['README.md', ...docsPages, 'CONTRIBUTING.md', 'SECURITY.md'])('%s', page => {
  it('has tables that fit on a screen (120 characters)', () => {
    const wide = read(page)
      .split('\n')
      .filter(line => /^\s*(> )?\|/.test(line) && [...line].length > 120)
    expect(wide).toEqual([])
  })
})

describe('versions', () => {
  it('package.json has the version of the newest release in the CHANGELOG', () => {
    const changelog = read('CHANGELOG.md')
    const released = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\]/gm)].map(match => match[1])
    expect(released[0]).toBe(version)
    expect(changelog.indexOf('## [Unreleased]')).toBeLessThan(changelog.indexOf(`## [${version}]`))
  })
})
