// Registers every secret value with the runner's log masker before any work is done, in each form it could
// take on the way out: as is, line by line (the runner masks line by line, so a multi-line PEM must be
// registered per line too), base64 (as the Kubernetes API carries it) and JSON-escaped (as in a request body).
// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#masking-a-value-in-a-log

/**
 * Lines shorter than this are not masked on their own: a JSON key file's `{` or `}` line would otherwise hide
 * every brace in the log (and make the runner drop any output holding one, such as `env_secrets_json`), while
 * no secret lives in three characters. The whole value and its other forms are masked whatever their length.
 */
const MIN_MASKED_LINE = 4

/** All the strings to mask for one secret value. */
export function maskedForms(value: string): string[] {
  if (value.length === 0) return []
  const forms = new Set<string>([
    value,
    Buffer.from(value).toString('base64'),
    JSON.stringify(value).slice(1, -1)
  ])
  for (const line of value.split(/\r?\n/)) {
    if (line.trim().length >= MIN_MASKED_LINE) forms.add(line)
  }
  return [...forms]
}

/** Masks every value through `setSecret` (core.setSecret in the action). */
export function maskSecretValues(values: Iterable<string>, setSecret: (value: string) => void): void {
  for (const value of values) {
    for (const form of maskedForms(value)) setSecret(form)
  }
}
