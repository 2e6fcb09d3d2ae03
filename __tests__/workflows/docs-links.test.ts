// Every relative link and #anchor in the user documentation resolves: the file (or folder) exists, relative to
// the page that links it, and the anchor is one GitHub gives a heading of the target page. Also the shape the
// documentation keeps: a README short enough to be a front page, the rest in docs/, one page per topic.
import { existsSync } from 'node:fs'
import { dirname, posix } from 'node:path'
import { Parser } from 'htmlparser2'
import type { Tokens } from 'marked'
import { describe, expect, it } from 'vitest'
import { anchorsOf, docsPages, linkedPages, read, repoRoot, tokensOf } from './markdown-docs.js'

/** Every link target of a page: Markdown links and images (reference-style included) and HTML `href`/`src`. */
function hrefsOf(markdown: string): string[] {
  const hrefs = [
    ...tokensOf(markdown, 'link').map(token => (token as Tokens.Link).href),
    ...tokensOf(markdown, 'image').map(token => (token as Tokens.Image).href)
  ]
  const parser = new Parser({
    onopentag(_, attributes) {
      for (const name of ['href', 'src']) if (attributes[name]) hrefs.push(attributes[name])
    }
  })
  for (const token of tokensOf(markdown, 'html')) parser.write((token as Tokens.HTML).text)
  parser.end()
  return hrefs
}

const links = linkedPages.flatMap(page =>
  hrefsOf(read(page))
    .filter(href => !/^[a-z][a-z0-9+.-]*:/i.test(href))
    .map(href => ({ page, href }))
)

describe('anchors as GitHub computes them', () => {
  it.each([
    ['# Quick start', 'quick-start'],
    ['## 6. The Role and RoleBinding', '6-the-role-and-rolebinding'],
    ['## What `check_references` does', 'what-check_references-does'],
    ['## Migrating from a kubectl or Terraform pipeline', 'migrating-from-a-kubectl-or-terraform-pipeline'],
    ['## Is every Secret used?', 'is-every-secret-used'],
    ['## Through the [Connect gateway](https://example.com)', 'through-the-connect-gateway'],
    ['## ✅ Done', '-done']
  ])('%s → #%s', (heading, anchor) => {
    expect(anchorsOf(heading)).toEqual([anchor])
  })

  it('numbers repeated headings -1, -2 in order', () => {
    expect(anchorsOf('## Setup\n\n## Setup\n\n## Setup\n')).toEqual(['setup', 'setup-1', 'setup-2'])
  })
})

describe('links', () => {
  it('finds the links it is meant to check', () => {
    expect(links.length).toBeGreaterThan(30)
    expect(links).toContainEqual({ page: 'README.md', href: 'docs/setup.md' })
  })

  it.each(links)('$page → $href', ({ page, href }) => {
    const [rawPath, anchor] = href.split('#') as [string, string | undefined]
    const path = decodeURIComponent(rawPath)
    // GitHub resolves a leading `/` from the repository root, anything else from the linking page's folder.
    const target =
      path === '' ? page : posix.normalize(path.startsWith('/') ? path.slice(1) : `${dirname(page)}/${path}`)
    expect(target.startsWith('..'), `${target} is inside the repository`).toBe(false)
    expect(existsSync(new URL(target, repoRoot)), `${target} exists`).toBe(true)
    // `#` alone is the top of the page.
    if (anchor && target.endsWith('.md')) expect(anchorsOf(read(target))).toContain(anchor)
  })
})

describe('the shape of the documentation', () => {
  it('keeps README.md a front page of at most 400 lines', () => {
    expect(read('README.md').split('\n').length).toBeLessThanOrEqual(400)
  })

  it('has at least four pages in docs/, each with one title', () => {
    expect(docsPages.length).toBeGreaterThanOrEqual(4)
    for (const page of docsPages) {
      const titles = tokensOf(read(page), 'heading').filter(token => (token as Tokens.Heading).depth === 1)
      expect(titles, page).toHaveLength(1)
    }
  })

  it('links every docs/ page from the README', () => {
    const fromReadme = new Set(hrefsOf(read('README.md')).map(href => href.split('#')[0]))
    expect(docsPages.filter(page => !fromReadme.has(page))).toEqual([])
  })
})
