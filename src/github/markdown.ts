// The two ways the job summary puts text into Markdown, shared by every part of it (report.ts,
// references-report.ts), so that a server message is escaped the same way wherever it shows.

/**
 * Text from elsewhere (a server message) in a table cell or list item: on one line, and with every Markdown
 * punctuation character backslash-escaped, so it shows as written and cannot break the table.
 * https://github.github.com/gfm/#backslash-escapes
 */
export function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').replace(/[\\`*_{}[\]<>()#+!|~&]/g, '\\$&')
}

/** A name in a code span. Names here are Kubernetes or GitHub names, which cannot hold a backtick. */
export function code(name: string): string {
  return `\`${name}\``
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
 * left to code().
 */
export function wrappingCode(name: string): string {
  if (name.length < WRAP_FROM || !name.includes('_') || !/^[A-Za-z0-9_.-]+$/.test(name)) return code(name)
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
