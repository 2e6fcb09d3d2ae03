// The two ways the job summary puts text into Markdown, shared by every part of it (report.ts,
// references-report.ts), so that text from elsewhere is masked and escaped the same way wherever it shows:
// masked first (untrusted.ts), while it is as the server sent it, then escaped, so an escape can never split a
// value that a mask would have matched.
import { untrusted } from './untrusted.js'

/** One line: a table row or list item ends at a line break. */
const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ')

/**
 * Text from elsewhere (a server message) in a table cell or list item: on one line, and with every Markdown
 * punctuation character backslash-escaped, so it shows as written and cannot break the table, open a link or
 * image (`[`, `]`, `(`, `)`, `!`) or start HTML (`<`, `>`, `&`). GFM also turns a bare `https://...` or
 * `www....` into a link (the extended autolinks); with the `:` or the `.` escaped it stays plain text.
 * https://github.github.com/gfm/#backslash-escapes, https://github.github.com/gfm/#autolinks-extension-
 */
export function cell(text: string): string {
  return oneLine(untrusted(text))
    .replace(/[\\`*_{}[\]<>()#+!|~&]/g, '\\$&')
    .replace(/:(?=\/\/)/g, '\\:')
    .replace(/\b(www)\./gi, '$1\\.')
}

/**
 * A name in a code span, which shows its content literally (no emphasis, link, image or HTML). Names from the
 * cluster or an owner may hold backticks: the fence is one backtick longer than the longest run inside, and a
 * space pads content that starts or ends with a backtick (or with a space at both ends), and CommonMark strips
 * exactly that one space from each end again.
 * https://spec.commonmark.org/0.31.2/#code-spans
 */
export function code(name: string): string {
  const text = oneLine(untrusted(name))
  const longestRun = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length))
  const fence = '`'.repeat(longestRun + 1)
  const needsPad = /^`|`$/.test(text) || (/^ /.test(text) && / $/.test(text) && /[^ ]/.test(text))
  const pad = needsPad ? ' ' : ''
  return `${fence}${pad}${text}${pad}${fence}`
}

/**
 * A name in a code span inside a table cell. GFM splits a row at every `|` not escaped with a backslash, inside a
 * code span too, and drops the backslash before parsing the cell. https://github.github.com/gfm/#example-200
 */
export function codeInCell(name: string): string {
  return code(name).replaceAll('|', '\\|')
}

/** Names at least this long get a line break opportunity after each `_`; shorter ones fit a column as they are. */
const WRAP_FROM = 24

/**
 * A name in a table cell that may wrap. GitHub shows tables at their content's width up to the page's, then
 * narrows the columns to their longest unbreakable word (github-markdown-css: `table { display: block;
 * width: max-content; max-width: 100% }`, `code { white-space: break-spaces }`): hyphens already break, but
 * `DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN` does not, and squeezes the Detail column into a narrow strip. `<wbr>`
 * (kept by GitHub's HTML sanitizer, html-pipeline's allow list) adds a break opportunity that copies as nothing,
 * unlike a zero-width space, which would end up in a name pasted into Helm values. A code span cannot hold HTML,
 * so the name goes in a `<code>` element; both tags are fixed text, and only a name made of letters, digits,
 * `_`, `.` and `-` is put between them (with `_` escaped so that it cannot start emphasis). Any other name is
 * left to codeInCell().
 */
export function wrappingCode(name: string): string {
  if (name.length < WRAP_FROM || !name.includes('_') || !/^[A-Za-z0-9_.-]+$/.test(name))
    return codeInCell(name)
  return `<code>${name.replaceAll('_', '\\_<wbr>')}</code>`
}

/**
 * One line of the action's own text (a message, advice) that may carry text from elsewhere: its `code` spans
 * stay code spans, everything else is escaped as cell() escapes it. A stray backtick is shown as one.
 */
export function prose(line: string): string {
  const parts = line.split('`')
  // An odd number of backticks leaves the last one unpaired: it opens nothing.
  const unpaired = parts.length % 2 === 0 ? parts.length - 1 : -1
  return parts
    .map((part, index) => {
      if (index % 2 === 0) return cell(part)
      if (index === unpaired) return `\\\`${cell(part)}`
      return part.trim() === '' ? `\\\`${cell(part)}\\\`` : code(part)
    })
    .join('')
}

/**
 * A plain-text message of several lines (an error and its advice, as setFailed prints it) as Markdown blocks:
 * each line a paragraph, `- ` lines a list, and lines indented by two spaces (commands) a shell code block whose
 * fence is longer than any run of backticks inside it.
 */
export function messageBlocks(message: string): string[] {
  const out: string[] = []
  const lines = message.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    if (line.startsWith('  ') && line.trim() !== '') {
      const block: string[] = []
      while (i < lines.length && (lines[i] as string).startsWith('  '))
        block.push((lines[i++] as string).slice(2))
      i--
      const longest = Math.max(2, ...block.flatMap(text => (text.match(/`+/g) ?? []).map(run => run.length)))
      const fence = '`'.repeat(longest + 1)
      out.push(`${fence}sh`, ...block, fence, '')
    } else if (line.startsWith('- ')) {
      out.push(`- ${prose(line.slice(2))}`)
      if (!(lines[i + 1] ?? '').startsWith('- ')) out.push('')
    } else if (line.trim() !== '') out.push(prose(line), '')
  }
  return out
}
