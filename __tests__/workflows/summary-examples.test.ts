// The example job summaries in README.md and docs/ are what the action writes, not a drawing of it: each quote
// marked `<!-- summary: NAME -->` is compared, rendered as GitHub-flavoured Markdown (marked), with what
// renderSummary (or renderFailureSummary) makes of the report below of that NAME. `<!-- summary: NAME, excerpt -->`
// marks a part of a summary: its blocks must be a run of the whole summary's blocks, in order.
// Only the Markdown's spelling may differ (table padding, escapes, a code span for a `<code>` element); the
// `<wbr>` break opportunities of long names (markdown.ts wrappingCode) are invisible and left out of both.
import { DomUtils, parseDocument } from 'htmlparser2'
import { marked } from 'marked'
import { describe, expect, it } from 'vitest'
import { renderSummary, type SyncReport } from '../../src/github/report.js'
import { PruneRefused, renderFailureSummary } from '../../src/github/run-failure.js'
import { pruneRefusal } from '../../src/sync/plan.js'
import type { SecretResult } from '../../src/sync/sync.js'
import type { DanglingReference } from '../../src/sync/workload-references.js'
import { docsPages, quotedBlocks, read } from './markdown-docs.js'

const gke: SyncReport['target'] = {
  kind: 'gke',
  project: 'my-project',
  location: 'europe-west4',
  name: 'dagster'
}
const run = '[acme/dagster-infra run 4242](#)'

const row = (githubName: string, state: SecretResult['state'], detail?: string): SecretResult => ({
  githubName,
  secretName: githubName.toLowerCase().replaceAll('_', '-'),
  state,
  ...(detail && { detail })
})

const base: SyncReport = {
  server: 'https://34.90.1.2',
  target: gke,
  namespace: 'dagster-prd',
  prefix: 'DAGSTER_SECRET',
  owner: 'acme/dagster-infra',
  dryRun: false,
  results: [],
  ignoredCount: 2,
  origin: run,
  durationMs: 1800
}

const dangling = (
  workload: string,
  container: string,
  source: DanglingReference['reference']['source'],
  secretName: string,
  missing: DanglingReference['missing'],
  closest: string,
  key?: string
): DanglingReference => ({
  reference: { workload, container, source, secretName, optional: false, ...(key && { key }) },
  missing,
  closest
})

/** The report behind each example, by the NAME of its marker. */
const examples: Record<string, () => string> = {
  // README.md, "What the job summary shows": one value rotated, one secret added.
  synced: () =>
    renderSummary({
      ...base,
      results: [
        row('DAGSTER_SECRET_WAREHOUSE_PASSWORD', 'created'),
        row('DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN', 'updated'),
        row('DAGSTER_SECRET_GCS_HMAC_SECRET', 'unchanged')
      ]
    }),
  // docs/references.md: a typo in a code location, and a CronJob that reads a key that is not there.
  references: () =>
    renderSummary({
      ...base,
      results: ['DB_URL', 'OPENAI_KEY', 'SLACK_TOKEN', 'WH_PW'].map(name =>
        row(`DAGSTER_SECRET_${name}`, 'created')
      ),
      references: {
        usedBy: new Map([
          ['dagster-secret-db-url', ['Deployment/etl']],
          ['dagster-secret-wh-pw', ['CronJob/vacuum', 'Deployment/etl']]
        ]),
        unreferenced: ['dagster-secret-openai-key', 'dagster-secret-slack-token'],
        dangling: [
          dangling(
            'Deployment/ml',
            'app',
            'envFrom',
            'dagster-secret-slack-tokn',
            'secret',
            'dagster-secret-slack-token'
          ),
          dangling(
            'CronJob/vacuum',
            'job',
            'env',
            'dagster-secret-wh-pw',
            'key',
            'DAGSTER_SECRET_WH_PW',
            'PW'
          )
        ],
        optionalDangling: [],
        failures: [],
        danglingChecked: true,
        workloadCount: 3
      }
    }),
  // docs/troubleshooting.md: the Role is bound to another name than the one GKE sees.
  'list-forbidden': () =>
    renderSummary({
      ...base,
      results: ['WAREHOUSE_PASSWORD', 'SLACK_BOT_OAUTH_TOKEN'].map(name => ({
        githubName: `DAGSTER_SECRET_${name}`,
        secretName: `dagster-secret-${name.toLowerCase().replaceAll('_', '-')}`,
        state: 'failed' as const
      })),
      runFailure:
        '403 Forbidden: secrets is forbidden: User "secrets-sync@my-project.iam.gserviceaccount.com" cannot list resource "secrets" in API group "" in the namespace "dagster-prd"',
      durationMs: 2400
    }),
  // docs/troubleshooting.md: a caller without `secrets: inherit`; the Secrets of earlier runs are still there.
  'nothing-selected': () =>
    renderSummary({
      ...base,
      results: [],
      orphans: ['dagster-secret-gcs-hmac-secret', 'dagster-secret-warehouse-password'],
      ignoredCount: 1,
      durationMs: 900
    }),
  // docs/troubleshooting.md: the same caller with `prune: true`.
  'prune-refused': () =>
    renderFailureSummary(
      new PruneRefused(pruneRefusal('DAGSTER_SECRET', 0) as string),
      {
        started: 0,
        stage: 'connecting',
        namespace: 'dagster-prd',
        prefix: 'DAGSTER_SECRET',
        summaryWritten: false
      },
      run,
      12
    )
}

type Node = ReturnType<typeof parseDocument>['children'][number]

/** The top-level blocks of rendered Markdown as HTML, without `<wbr>` and with runs of white space as one. */
function blocks(markdown: string): string[] {
  const document = parseDocument(marked.parse(markdown, { gfm: true, async: false }))
  return document.children
    .filter((node: Node) => node.type === 'tag')
    .map(node =>
      DomUtils.getOuterHTML(node, { decodeEntities: true })
        .replaceAll('<wbr>', '')
        .replace(/\s+/g, ' ')
        .replace(/> </g, '><')
        .trim()
    )
}

const found = ['README.md', ...docsPages].flatMap(page =>
  quotedBlocks(read(page))
    .filter(block => block.markers.summary)
    .map(block => {
      const [name = '', ...flags] = (block.markers.summary as string).split(/,\s*/)
      return { page, name, excerpt: flags.includes('excerpt'), text: block.text }
    })
)

describe('the example summaries in the documentation', () => {
  it('finds every example this test renders, and renders every example it finds', () => {
    expect(found.map(example => example.name).sort()).toEqual(Object.keys(examples).sort())
    expect(found.map(example => example.page)).toEqual(
      expect.arrayContaining(['README.md', 'docs/references.md', 'docs/troubleshooting.md'])
    )
  })

  it.each(found)('$page, "$name": what the action writes', ({ name, excerpt, text }) => {
    const render = examples[name]
    if (!render) throw new Error(`no report for the example "${name}"`)
    const written = blocks(render())
    const shown = blocks(text)
    if (!excerpt) {
      expect(shown).toEqual(written)
      return
    }
    const start = written.indexOf(shown[0] as string)
    expect(start, `the first block of the excerpt, ${shown[0]}, is in the summary`).toBeGreaterThanOrEqual(0)
    expect(shown).toEqual(written.slice(start, start + shown.length))
  })
})

describe('the comparison itself', () => {
  it('sees a changed word, and not a re-padded table or a code span for a <code> element', () => {
    const summary = '| a | b |\n| --- | --- |\n| <code>X\\_<wbr>Y</code> | c |\n'
    expect(blocks('| a   | b   |\n| --- | --- |\n| `X_Y` | c   |')).toEqual(blocks(summary))
    expect(blocks('| a | b |\n| --- | --- |\n| `X_Y` | d |')).not.toEqual(blocks(summary))
  })
})
