// The user documentation held against the code: the README's inputs and outputs tables against action.yml,
// its links and anchors against the files and headings they name, the version in package.json against the
// CHANGELOG, and every table against the width of a screen.
import { existsSync, readFileSync } from 'node:fs'
import { marked, type Token, type Tokens } from 'marked'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const read = (path: string): string => readFileSync(new URL(path, root), 'utf8')
const action = parse(read('action.yml')) as {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}
const readme = read('README.md')
const docs = { 'README.md': readme, 'CONTRIBUTING.md': read('CONTRIBUTING.md') }
const section = (heading: string, text = readme): string => {
  const start = text.indexOf(`## ${heading}\n`)
  expect(start, `section "## ${heading}"`).toBeGreaterThanOrEqual(0)
  const end = text.indexOf('\n## ', start + 1)
  return text.slice(start, end === -1 ? undefined : end)
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-')
}

function tokensOf(markdown: string, type: string): Token[] {
  const found: Token[] = []
  marked.walkTokens(marked.lexer(markdown), token => {
    if (token.type === type) found.push(token)
  })
  return found
}

const anchors = (markdown: string): string[] =>
  tokensOf(markdown, 'heading').map(token => slug((token as Tokens.Heading).text.replaceAll('`', '')))

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

  it.each([
    'Quick start',
    'Inputs',
    'Outputs',
    'Using the Secrets from Dagster',
    'One-time setup on Google Cloud',
    'Migrating from a kubectl or Terraform pipeline',
    'Lifecycle',
    'Troubleshooting',
    'Versions',
    'Development'
  ])('has the section "%s"', heading => {
    expect(anchors(readme)).toContain(slug(heading))
  })

  it('puts the users first: the quick start comes before anything for contributors', () => {
    expect(readme.indexOf('## Quick start')).toBeLessThan(readme.indexOf('## Development'))
    expect(readme.indexOf('npm ci')).toBeGreaterThan(readme.indexOf('## Development'))
  })

  it('shows a pin to a full commit SHA, with the current version in a comment', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string }
    expect(section('Versions')).toMatch(
      new RegExp(`uses: gke-secrets-sync/gke-secrets-sync@<full 40-character commit SHA> # v${version}\\n`)
    )
  })
})

describe.each(Object.entries(docs))('%s', (name, markdown) => {
  it.each(tokensOf(markdown, 'link').map(token => (token as Tokens.Link).href))(
    'links to something that exists: %s',
    href => {
      if (/^[a-z]+:/.test(href) || href === '#') return
      const [path, anchor] = href.split('#') as [string, string | undefined]
      const target = path === '' ? name : path
      expect(existsSync(new URL(target, root)), `${target} exists`).toBe(true)
      if (anchor) expect(anchors(target === name ? markdown : read(target))).toContain(anchor)
    }
  )

  it('has tables that fit on a screen (120 characters)', () => {
    const wide = markdown.split('\n').filter(line => /^\s*(> )?\|/.test(line) && [...line].length > 120)
    expect(wide).toEqual([])
  })
})

describe('versions', () => {
  it('package.json has the version of the newest release in the CHANGELOG', () => {
    const { version } = JSON.parse(read('package.json')) as { version: string }
    const changelog = read('CHANGELOG.md')
    const released = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\]/gm)].map(match => match[1])
    expect(released[0]).toBe(version)
    expect(changelog.indexOf('## [Unreleased]')).toBeLessThan(changelog.indexOf(`## [${version}]`))
  })
})
