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
