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
