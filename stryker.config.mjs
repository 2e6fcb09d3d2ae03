// Mutation testing of the core: `npm run test:mutation` (CONTRIBUTING.md, "Mutation testing").
// https://stryker-mutator.io/docs/stryker-js/configuration/
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  // The files held to a score of at least 90% each (scripts/mutation-scores.ts); one line per file. A new file of
  // the core's decisions joins this list with the tests that hold it.
  mutate: [
    'src/sync/plan.ts',
    'src/sync/ownership.ts',
    'src/sync/selection.ts',
    'src/sync/kube-validation.ts',
    'src/sync/sync.ts',
    'src/sync/deletion-limit.ts',
    'src/sync/provenance.ts',
    'src/sync/secret-value.ts',
    'src/sync/drift.ts',
    'src/sync/events.ts',
    'src/sync/restarts.ts',
    'src/sync/rollout-status.ts',
    'src/sync/rfc3339.ts',
    'src/sync/workload-references.ts',
    'src/sync/namespace-sync.ts',
    'src/github/masking.ts',
    'src/github/inputs.ts'
  ],
  testRunner: 'vitest',
  // Only the tests that import a mutated file run (vitest related), and per mutant only those that reach it.
  vitest: { configFile: 'vitest.stryker.config.ts', related: true },
  coverageAnalysis: 'perTest',
  checkers: [],
  // CI has 2 cores; the integration tests mostly wait on sockets.
  concurrency: 2,
  timeoutMS: 10000,
  reporters: ['clear-text', 'progress-append-only', 'json', 'html'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  // The per-file threshold is enforced by scripts/mutation-scores.ts; Stryker's own `break` is for all files at once.
  thresholds: { high: 95, low: 90, break: null },
  ignorePatterns: ['dist', 'bench', 'examples', 'reports', '.tmp', 'coverage'],
  tempDirName: '.tmp/stryker'
}
