// Counts in words, for everything src/github/ writes (summary, failure message, warnings, log lines): one place
// decides singular or plural, so no sentence says "1 workloads", and a count of nothing is left out rather than
// said ("0 input secrets ... were ignored"). A test holds src/github/ to using these.

/** `1 Secret`, `2 Secrets`, `0 Secrets`. */
export function plural(count: number, singular: string, pluralForm = `${singular}s`): string {
  return `${count} ${count === 1 ? singular : pluralForm}`
}

/** The word that agrees with a count, without the count: `agree(1, 'has', 'have')` is `has`. */
export function agree(count: number, singular: string, pluralForm: string): string {
  return count === 1 ? singular : pluralForm
}

/** The counts that are not zero, in words and in the order given: `2 created · 1 failed`. */
export function nonZero(counts: Array<[count: number, words: string]>, separator = ' · '): string {
  return counts
    .filter(([count]) => count > 0)
    .map(([count, words]) => `${count} ${words}`)
    .join(separator)
}
