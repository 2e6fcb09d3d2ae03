// What main.ts needs once the sync is done, gathered so that it loads them with one dynamic import: the bundle
// then keeps them, and `yaml`, in a chunk that start-up does not read (bench/RESULTS.md).
export { referencesLogLine, referenceWarnings } from './references-report.js'
export { advice, failureMessage, renderSummary, sortedResults, toOutputs } from './report.js'
export { runWarnings } from './run-warnings.js'
