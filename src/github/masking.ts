// Registers every secret value with the runner's log masker before any work is done, in each form it could
// take on the way out: as is, line by line (the runner masks line by line, so a multi-line PEM must be
// registered per line too), base64 (as the Kubernetes API carries it) and JSON-escaped (as in a request body).
// https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions#masking-a-value-in-a-log
//
// The runner masks only the text it is given, byte for byte: once the job summary has escaped `a_b` as `a\_b`,
// the mask of `a_b` no longer matches. So the action keeps its own list of what it masked (knownSecrets) and
// takes every form out of any text from elsewhere itself, before that text is escaped (untrusted.ts).

/**
 * Lines shorter than this are not masked on their own: a JSON key file's `{` or `}` line would otherwise hide
 * every brace in the log (and make the runner drop any output holding one, such as `env_secrets_json`), while
 * no secret lives in three characters. The whole value and its other forms are masked whatever their length.
 */
const MIN_MASKED_LINE = 4

/** What a masked form is replaced with, as the runner shows it. */
export const MASK = '***'

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

/** Masks every value through `setSecret` (maskSecret of runner-output.ts in the action). */
export function maskSecretValues(values: Iterable<string>, setSecret: (value: string) => void): void {
  for (const value of values) {
    for (const form of maskedForms(value)) setSecret(form)
  }
}

/** Every string masked in this run, as the runner's masker holds them: once masked, masked for the run. */
export class KnownSecrets {
  private readonly forms = new Set<string>()
  private longestFirst: string[] = []

  add(form: string): void {
    if (form === '' || this.forms.has(form)) return
    this.forms.add(form)
    // Longest first, so a whole value goes before the lines or shorter values it contains.
    this.longestFirst = [...this.forms].sort((a, b) => b.length - a.length)
  }

  /** The text with every masked string replaced by `***`, as the runner would print it. */
  redact(text: string): string {
    let redacted = text
    for (const form of this.longestFirst) redacted = redacted.replaceAll(form, MASK)
    return redacted
  }

  clear(): void {
    this.forms.clear()
    this.longestFirst = []
  }
}

/** The run's masked strings: filled by runner-output.ts maskSecret, read by untrusted.ts. */
export const knownSecrets = new KnownSecrets()
