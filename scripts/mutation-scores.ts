// Prints the mutation score of every file Stryker mutated and fails (exit 1) when any is below the threshold.
// Stryker's own `thresholds.break` applies to all files at once; this holds each core file to it on its own.
// Reads Stryker's JSON report (the mutation-testing-report-schema) and scores it with mutation-testing-metrics,
// the library Stryker's own reporters use: score = (killed + timed out) / (valid mutants), where ignored
// (`// Stryker disable` with a reason) and invalid mutants do not count.
import { readFileSync } from 'node:fs'
import { calculateMetrics } from 'mutation-testing-metrics'

const THRESHOLD = 90
const reportPath = process.argv[2] ?? 'reports/mutation/mutation.json'

const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
  files: Parameters<typeof calculateMetrics>[0]
}
const files = Object.entries(report.files)
  .map(([name, file]) => {
    const { metrics } = calculateMetrics({ [name]: file })
    return { name, ...metrics }
  })
  .sort((a, b) => (a.name < b.name ? -1 : 1))

const below: string[] = []
console.log('file                              score  killed  timeout  survived  no cover  ignored')
for (const f of files) {
  const score = Number.isNaN(f.mutationScore) ? 100 : f.mutationScore
  if (score < THRESHOLD) below.push(f.name)
  console.log(
    [
      f.name.padEnd(32),
      `${score.toFixed(1)}%`.padStart(7),
      String(f.killed).padStart(7),
      String(f.timeout).padStart(8),
      String(f.survived).padStart(9),
      String(f.noCoverage).padStart(9),
      String(f.ignored).padStart(8)
    ].join(' ')
  )
}
if (files.length === 0) {
  console.log(`No mutated files in ${reportPath}.`)
  process.exit(1)
}
if (below.length > 0) {
  console.log(
    `Below ${THRESHOLD}%: ${below.join(', ')}. Add tests that kill the survivors (CONTRIBUTING.md).`
  )
  process.exit(1)
}
console.log(`Every file scores at least ${THRESHOLD}%.`)
