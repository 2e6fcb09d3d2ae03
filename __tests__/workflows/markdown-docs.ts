// Reading the user documentation for the tests that hold it together: which pages there are, their headings
// as GitHub anchors them, their links, and their fenced code blocks with the marker comment before each.
import { readdirSync, readFileSync } from 'node:fs'
import { marked, type Token, type Tokens } from 'marked'

export const repoRoot = new URL('../../', import.meta.url)
export const read = (path: string): string => readFileSync(new URL(path, repoRoot), 'utf8')

/** The pages under docs/, as paths from the repository root. */
export const docsPages: string[] = readdirSync(new URL('docs/', repoRoot))
  .filter(name => name.endsWith('.md'))
  .sort()
  .map(name => `docs/${name}`)

/** Every Markdown page whose links the tests check. */
export const linkedPages: string[] = [
  'README.md',
  ...docsPages,
  'examples/README.md',
  'CONTRIBUTING.md',
  'SECURITY.md'
]

export function tokensOf(markdown: string, type: string): Token[] {
  const found: Token[] = []
  marked.walkTokens(marked.lexer(markdown), token => {
    if (token.type === type) found.push(token)
  })
  return found
}

/** The text a heading shows: code spans without their backticks, links as their text, no HTML tags. */
function plainText(tokens: Token[]): string {
  return tokens
    .map(token => {
      if (token.type === 'html') return ''
      if ('tokens' in token && Array.isArray(token.tokens)) return plainText(token.tokens)
      return 'text' in token ? String(token.text) : ''
    })
    .join('')
}

/**
 * The anchor GitHub gives a heading (github-slugger): lower case, every character that is not a letter, mark,
 * number, `-`, `_` or space removed, spaces as hyphens; a repeated anchor gets `-1`, `-2`, ... in order.
 */
export function anchorsOf(markdown: string): string[] {
  const seen = new Map<string, number>()
  return tokensOf(markdown, 'heading').map(token => {
    const base = plainText((token as Tokens.Heading).tokens)
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-')
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    return count === 0 ? base : `${base}-${count}`
  })
}

export interface CodeBlock {
  lang: string
  text: string
  /** The value of a `<!-- NAME: value -->` comment on the last non-blank line before the fence, by NAME. */
  markers: Record<string, string>
}

/** The fenced code blocks of a page that start at the left margin. */
export function codeBlocks(markdown: string, lang?: string): CodeBlock[] {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)]
    .map(match => {
      const before = markdown.slice(0, match.index).trimEnd().split('\n').at(-1) ?? ''
      const marker = /^<!-- ([\w-]+): (.*) -->$/.exec(before)
      return {
        lang: match[1] ?? '',
        text: match[2] ?? '',
        markers: marker ? { [marker[1] as string]: (marker[2] as string).trim() } : {}
      }
    })
    .filter(block => lang === undefined || block.lang === lang)
}

/** The text of the `## heading` section (up to the next `## `), or of a page from its start. */
export function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`## ${heading}\n`)
  if (start === -1) throw new Error(`no section "## ${heading}"`)
  const end = markdown.indexOf('\n## ', start + 1)
  return markdown.slice(start, end === -1 ? undefined : end)
}

export interface QuotedBlock {
  /** The value of the `<!-- NAME: value -->` comment on the last non-blank line before the quote, by NAME. */
  markers: Record<string, string>
  /** The quote's Markdown, without its `> ` marks. */
  text: string
}

/** The block quotes of a page that start at the left margin, with the marker comment before each. */
export function quotedBlocks(markdown: string): QuotedBlock[] {
  const lines = markdown.split('\n')
  const blocks: QuotedBlock[] = []
  for (let i = 0; i < lines.length; i++) {
    if (!(lines[i] as string).startsWith('>') || (i > 0 && (lines[i - 1] as string).startsWith('>'))) continue
    const before = lines
      .slice(0, i)
      .filter(line => line.trim() !== '')
      .at(-1)
    const marker = /^<!-- ([\w-]+): (.*) -->$/.exec(before ?? '')
    const quote: string[] = []
    for (let j = i; j < lines.length && (lines[j] as string).startsWith('>'); j++) {
      quote.push((lines[j] as string).replace(/^> ?/, ''))
    }
    blocks.push({
      markers: marker ? { [marker[1] as string]: (marker[2] as string).trim() } : {},
      text: quote.join('\n')
    })
  }
  return blocks
}
