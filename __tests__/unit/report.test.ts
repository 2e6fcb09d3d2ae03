import { DomUtils, parseDocument } from 'htmlparser2'
import { marked } from 'marked'
import { describe, expect, it } from 'vitest'
import {
  advice,
  countsLine,
  envSecretsYaml,
  failureMessage,
  formatDuration,
  outcomeOf,
  renderSummary,
  summaryHeading,
  targetLine,
  toOutputs,
  type SyncReport
} from '../../src/github/report.js'
import { deletionLimitRefusal } from '../../src/sync/deletion-limit.js'
import { driftWarnings, eventsWarning } from '../../src/github/audit-report.js'
import type { RestartsReport, WorkloadRestart } from '../../src/sync/restarts.js'
import type { SecretResult, SecretState } from '../../src/sync/sync.js'
import { plural } from '../../src/github/words.js'

const results: SecretResult[] = [
  { githubName: 'DAGSTER_SECRET_C', secretName: 'dagster-secret-c', state: 'unchanged' },
  { githubName: 'DAGSTER_SECRET_A', secretName: 'dagster-secret-a', state: 'created' },
  {
    githubName: 'DAGSTER_SECRET_B',
    secretName: 'dagster-secret-b',
    state: 'updated',
    detail: 'adopted: it was not made by this action before'
  },
  {
    githubName: 'DAGSTER_SECRET_F',
    secretName: 'dagster-secret-f',
    state: 'failed',
    detail: '403 Forbidden: secrets is forbidden | pipe\nnewline'
  },
  { githubName: 'DAGSTER_SECRET_S', secretName: 'dagster-secret-s', state: 'skipped', detail: 'exists' }
]
const report: SyncReport = {
  server: 'https://10.0.0.1',
  target: { kind: 'gke', project: 'my-project', location: 'europe-west4', name: 'dagster' },
  namespace: 'dagster-prd',
  prefix: 'DAGSTER_SECRET',
  dryRun: false,
  results,
  ignoredCount: 7,
  origin: '[acme/dagster-infra run 4242](https://github.com/acme/dagster-infra/actions/runs/4242)',
  durationMs: 2345
}

/** A restart step's report with these restarts of Deployments named in restart_deployments. */
const restartsOf = (...restarts: Partial<WorkloadRestart>[]): RestartsReport => ({
  target: { kind: 'selector', selector: 'app.kubernetes.io/part-of=dagster' },
  referencing: false,
  anyChange: true,
  restarts: restarts.map(restart => ({
    kind: 'Deployment',
    name: 'etl',
    namespace: 'dagster-prd',
    causes: [],
    named: true,
    outcome: 'restarted',
    ...restart
  })),
  nextRun: [],
  problems: [],
  waited: false
})

const result = (state: SecretState, name: string = state, detail?: string): SecretResult => ({
  githubName: `DAGSTER_SECRET_${name.toUpperCase()}`,
  secretName: `dagster-secret-${name}`,
  state,
  ...(detail && { detail })
})

type ChildNode = ReturnType<typeof parseDocument>['children'][number]
type Element = ReturnType<typeof DomUtils.getElementsByTagName>[number]
const isElement = (node: ChildNode): node is Element => node.type === 'tag'

/** The summary as GitHub shows it: GitHub-flavoured Markdown rendered to HTML, then read as a DOM. */
function rendered(markdown: string): {
  headings: string[]
  table: string[][]
  paragraphs: string[]
  links: Array<{ text: string; href: string }>
  items: string[]
  /** Every text outside code spans and blocks: where leaked Markdown syntax would show. */
  prose: string[]
} {
  const document = parseDocument(marked.parse(markdown, { gfm: true, async: false }))
  const all = (tag: string, nodes: ChildNode[] = document.children): Element[] =>
    DomUtils.getElementsByTagName(tag, nodes, true)
  const text = (node: ChildNode): string => DomUtils.textContent(node).trim()
  const prose: string[] = []
  const walk = (nodes: ChildNode[]): void => {
    for (const node of nodes) {
      if (node.type === 'text' && 'data' in node) prose.push(node.data)
      else if (isElement(node) && node.name !== 'code' && node.name !== 'pre') walk(node.children)
    }
  }
  walk(document.children)
  return {
    headings: ['h1', 'h2', 'h3'].flatMap(tag => all(tag).map(text)),
    table: all('tr').map(row => row.children.filter(isElement).map(text)),
    paragraphs: all('p').map(text),
    links: all('a').map(link => ({ text: text(link), href: link.attribs.href ?? '' })),
    items: all('li').map(text),
    prose
  }
}

describe('toOutputs', () => {
  it('lists names per state, sorted, and env_secrets for the Secrets in sync', () => {
    expect(toOutputs(report)).toEqual({
      created: '["dagster-secret-a"]',
      updated: '["dagster-secret-b"]',
      metadata_updated: '[]',
      unchanged: '["dagster-secret-c"]',
      deleted: '[]',
      skipped: '["dagster-secret-s"]',
      failed: '["dagster-secret-f"]',
      changed: 'true',
      secret_names:
        '["dagster-secret-a","dagster-secret-b","dagster-secret-c","dagster-secret-f","dagster-secret-s"]',
      env_secrets: '- name: dagster-secret-a\n- name: dagster-secret-b\n- name: dagster-secret-c\n',
      env_secrets_json:
        '[{"name":"dagster-secret-a"},{"name":"dagster-secret-b"},{"name":"dagster-secret-c"}]',
      restarted: '[]',
      restarted_deployments: '[]',
      drifted: '[]',
      // check_references is off.
      unreferenced: '',
      dangling_references: ''
    })
  })

  it('says nothing changed when all is unchanged', () => {
    expect(toOutputs({ ...report, results: [results[0] as SecretResult] }).changed).toBe('false')
  })

  it.each<[string, SecretState[], { changed: string; updated: string; metadata_updated: string }]>([
    [
      'a value update',
      ['updated'],
      { changed: 'true', updated: '["dagster-secret-x"]', metadata_updated: '[]' }
    ],
    [
      'a metadata-only update (a claim of the same value)',
      ['metadata-updated'],
      { changed: 'false', updated: '[]', metadata_updated: '["dagster-secret-x"]' }
    ],
    ['a deletion', ['deleted'], { changed: 'true', updated: '[]', metadata_updated: '[]' }],
    ['a creation', ['created'], { changed: 'true', updated: '[]', metadata_updated: '[]' }],
    ['nothing', ['unchanged'], { changed: 'false', updated: '[]', metadata_updated: '[]' }]
  ])('after %s: changed follows value changes only', (_, states, expected) => {
    const outputs = toOutputs({ ...report, results: states.map(state => result(state, 'x')) })
    expect({
      changed: outputs.changed,
      updated: outputs.updated,
      metadata_updated: outputs.metadata_updated
    }).toEqual(expected)
  })

  it('keeps a metadata-only update in env_secrets: the Secret holds the current value', () => {
    const outputs = toOutputs({ ...report, results: [result('metadata-updated', 'x')] })
    expect(outputs.env_secrets).toBe('- name: dagster-secret-x\n')
  })

  it('renders an empty envSecrets list as valid YAML', () => {
    expect(envSecretsYaml([])).toBe('[]\n')
  })
})

describe('summaryHeading', () => {
  const failedRestart = restartsOf({ outcome: 'failed', detail: '403' })
  it.each<[string, Partial<SyncReport>, string]>([
    ['a failed Secret', {}, '❌ gke-secrets-sync: 1 Secret failed'],
    ['a failed dry run', { dryRun: true }, '❌ gke-secrets-sync: dry run, 1 Secret failed'],
    [
      'a failed restart',
      { results: [result('created')], restarts: failedRestart },
      '❌ gke-secrets-sync: 1 restart failed'
    ],
    [
      'one change',
      { results: [result('created'), result('unchanged')] },
      '✅ gke-secrets-sync: synced 1 change'
    ],
    [
      'changes and a skip',
      { results: [result('created'), result('deleted'), result('skipped')] },
      '⚠️ gke-secrets-sync: synced 2 changes, 1 Secret skipped'
    ],
    ['nothing changed', { results: [result('unchanged')] }, '☑️ gke-secrets-sync: nothing to do'],
    [
      'nothing changed, two skipped',
      { results: [result('skipped', 'a'), result('skipped', 'b')] },
      '⚠️ gke-secrets-sync: nothing to do, 2 Secrets skipped'
    ],
    ['no secret selected', { results: [] }, '⚠️ gke-secrets-sync: nothing to sync'],
    [
      'a dry run with changes',
      { dryRun: true, results: [result('created'), result('updated')] },
      '🧪 gke-secrets-sync: dry run, 2 changes would be made'
    ],
    [
      'a dry run without changes',
      { dryRun: true, results: [result('unchanged')] },
      '🧪 gke-secrets-sync: dry run, nothing would change'
    ],
    [
      'metadata-only updates',
      { results: [result('metadata-updated', 'a'), result('metadata-updated', 'b'), result('unchanged')] },
      '✅ gke-secrets-sync: no value changed, metadata of 2 Secrets updated'
    ],
    [
      'a change and a metadata-only update',
      { results: [result('updated', 'a'), result('metadata-updated', 'b')] },
      '✅ gke-secrets-sync: synced 1 change, metadata of 1 Secret updated'
    ],
    [
      'a dry run of a metadata-only update',
      { dryRun: true, results: [result('metadata-updated')] },
      '🧪 gke-secrets-sync: dry run, no value would change, metadata of 1 Secret would be updated'
    ]
  ])('after %s: %s', (_, change, heading) => {
    const variant = { ...report, ...change }
    expect(summaryHeading(variant)).toBe(`## ${heading}`)
    expect(rendered(renderSummary(variant)).headings[0]).toBe(heading)
  })

  it.each<[Partial<SyncReport>, string]>([
    [{}, 'failed'],
    [{ dryRun: true, results: [result('created')] }, 'dry run'],
    [{ results: [result('updated')] }, 'synced'],
    [{ results: [result('metadata-updated')] }, 'synced'],
    [{ results: [result('unchanged')] }, 'nothing to do']
  ])('names the outcome %#: %s', (change, outcome) => {
    expect(outcomeOf({ ...report, ...change })).toBe(outcome)
  })
})

describe('targetLine', () => {
  it.each<[SyncReport['target'], string]>([
    [
      { kind: 'gke', project: 'my-project', location: 'europe-west4', name: 'dagster' },
      'GKE cluster dagster (project my-project, location europe-west4) · namespace dagster-prd'
    ],
    [{ kind: 'kubeconfig', context: 'kind-ci' }, 'Kubeconfig context kind-ci · namespace dagster-prd']
  ])('names %j as people know it', (target, line) => {
    expect(rendered(targetLine(target, 'dagster-prd')).paragraphs).toEqual([line])
  })
})

describe('plural and counts', () => {
  it.each([
    [0, 'Secret', '0 Secrets'],
    [1, 'Secret', '1 Secret'],
    [2, 'Secret', '2 Secrets'],
    [1, 'change', '1 change']
  ])('plural(%i, %s) is %s', (count, word, text) => {
    expect(plural(count, word)).toBe(text)
  })

  it.each<[SecretResult[], boolean, string]>([
    [[result('created')], false, '1 Secret: 1 created'],
    [results, false, '5 Secrets: 1 failed · 1 skipped · 1 created · 1 updated · 1 unchanged'],
    [
      [result('created'), result('updated'), result('deleted'), result('unchanged')],
      true,
      '4 Secrets: 1 would create · 1 would update · 1 would delete · 1 unchanged'
    ]
  ])('counts %#', (rows, dryRun, line) => {
    expect(countsLine(rows, dryRun)).toBe(line)
  })

  it.each([
    [1, '1 input secret without the prefix was ignored. API server'],
    [7, '7 input secrets without the prefix were ignored. API server']
  ])('counts %i ignored secrets without naming them', (ignoredCount, sentence) => {
    expect(rendered(renderSummary({ ...report, ignoredCount })).paragraphs.at(-1)).toContain(sentence)
  })

  it('leaves a count of nothing out: no ignored secrets, no sentence', () => {
    const last = rendered(renderSummary({ ...report, ignoredCount: 0 })).paragraphs.at(-1)
    expect(last).toBe('API server https://10.0.0.1 · took 2.3 s · acme/dagster-infra run 4242')
  })

  it.each([
    [
      ['dagster-secret-old'],
      '1 Secret made by this action for DAGSTER_SECRET_ has no GitHub secret any more and was left in place: dagster-secret-old. To delete it: first remove it from the Dagster Helm values (envSecrets) of every code location, then run with prune: true.'
    ],
    [
      ['dagster-secret-x', 'dagster-secret-y'],
      '2 Secrets made by this action for DAGSTER_SECRET_ have no GitHub secret any more and were left in place: dagster-secret-x, dagster-secret-y. To delete them: first remove them from the Dagster Helm values (envSecrets) of every code location, then run with prune: true.'
    ]
  ])(
    'names the Secrets left behind when prune is off, and says to take them out of Helm first: %j',
    (orphans, sentence) => {
      expect(rendered(renderSummary({ ...report, orphans })).paragraphs).toContain(sentence)
      expect(renderSummary(report)).not.toContain('prune: true')
    }
  )

  it.each([
    [850, '850 ms'],
    [2345, '2.3 s'],
    [59_940, '59.9 s'],
    [65_000, '1 min 5 s']
  ])('formatDuration(%i) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text)
  })
})

describe('renderSummary, rendered as GitHub-flavoured Markdown', () => {
  const page = rendered(renderSummary(report))

  it('has one heading and a table: failed, skipped, then changes, then unchanged', () => {
    expect(page.headings).toEqual(['❌ gke-secrets-sync: 1 Secret failed'])
    expect(page.table).toEqual([
      ['GitHub secret', 'Kubernetes Secret', 'Result', 'Detail'],
      [
        'DAGSTER_SECRET_F',
        'dagster-secret-f',
        '❌ failed',
        '403 Forbidden: secrets is forbidden | pipe newline'
      ],
      ['DAGSTER_SECRET_S', 'dagster-secret-s', '⚠️ skipped', 'exists'],
      ['DAGSTER_SECRET_A', 'dagster-secret-a', 'created', ''],
      ['DAGSTER_SECRET_B', 'dagster-secret-b', 'updated', 'adopted: it was not made by this action before'],
      ['DAGSTER_SECRET_C', 'dagster-secret-c', 'unchanged', '']
    ])
  })

  it('names the cluster, then counts, and keeps the raw endpoint, the duration and the run link for the end', () => {
    expect(page.paragraphs[0]).toBe(
      'GKE cluster dagster (project my-project, location europe-west4) · namespace dagster-prd'
    )
    expect(page.paragraphs[1]).toBe('5 Secrets: 1 failed · 1 skipped · 1 created · 1 updated · 1 unchanged')
    expect(page.paragraphs.at(-1)).toBe(
      '7 input secrets without the prefix were ignored. API server https://10.0.0.1 · took 2.3 s · acme/dagster-infra run 4242'
    )
    expect(page.links).toEqual([
      { text: 'acme/dagster-infra run 4242', href: 'https://github.com/acme/dagster-infra/actions/runs/4242' }
    ])
  })

  it('leaves out the Detail column when no row has a detail', () => {
    const quiet = rendered(renderSummary({ ...report, results: [result('created'), result('unchanged')] }))
    expect(quiet.table).toEqual([
      ['GitHub secret', 'Kubernetes Secret', 'Result'],
      ['DAGSTER_SECRET_CREATED', 'dagster-secret-created', 'created'],
      ['DAGSTER_SECRET_UNCHANGED', 'dagster-secret-unchanged', 'unchanged']
    ])
  })

  it('shows a pruned Secret, which has no GitHub secret, with a dash', () => {
    const pruned = rendered(
      renderSummary({ ...report, results: [{ secretName: 'dagster-secret-gone', state: 'deleted' }] })
    )
    expect(pruned.table[1]).toEqual(['—', 'dagster-secret-gone', 'deleted'])
  })

  it('shows a server message with Markdown and HTML in it as written, in its cell', () => {
    const detail = 'denied: *all* `secrets` | <b>bold</b> [x](y) _z_ &amp; \\n'
    const page = rendered(renderSummary({ ...report, results: [result('failed', 'f', detail)] }))
    expect(page.table[1]?.[3]).toBe(detail)
  })

  it('in a dry run says "would …" in the table and counts, and that the envSecrets are what would be in sync', () => {
    const dry = rendered(
      renderSummary({
        ...report,
        dryRun: true,
        results: [result('created'), result('updated'), result('deleted'), result('unchanged')]
      })
    )
    expect(dry.table.map(row => row[2])).toEqual([
      'Result',
      'would create',
      'would update',
      'would delete',
      'unchanged'
    ])
    expect(dry.paragraphs).toContain(
      '4 Secrets: 1 would create · 1 would update · 1 would delete · 1 unchanged'
    )
    expect(dry.paragraphs).toContain(
      'Dry run: the API server checked every write (dryRun=All) and stored nothing. The table says what a real run would do.'
    )
    expect(dry.paragraphs).toContain(
      "After a real run these Secrets would hold their GitHub secret's value; reference them from the Dagster Helm values (deployments[].envSecrets):"
    )
    expect(rendered(renderSummary(report)).paragraphs.join('\n')).not.toContain('Dry run')
  })

  it('has a Restarts section, after the table, when restarts were asked for', () => {
    const page = rendered(
      renderSummary({
        ...report,
        results: [result('updated')],
        restarts: restartsOf(
          { name: 'etl' },
          { name: 'ml', outcome: 'failed', detail: '403 Forbidden: <no patch>' }
        )
      })
    )
    expect(page.headings).toEqual(['❌ gke-secrets-sync: 1 restart failed', 'Restarts'])
    expect(page.table.slice(-2)).toEqual([
      ['Deployment/etl', 'named in restart_deployments', 'restarted'],
      ['Deployment/ml', 'named in restart_deployments', '❌ not restarted: 403 Forbidden: <no patch>']
    ])
  })

  it.each([
    [false, 'metadata updated', '1 Secret had only its labels or annotations written'],
    [true, 'would update metadata', '1 Secret would have only its labels or annotations written']
  ])(
    'shows a metadata-only update in its own words, apart from value updates (dry run: %s)',
    (dryRun, label, sentence) => {
      const page = rendered(
        renderSummary({
          ...report,
          dryRun,
          results: [
            result('updated', 'value'),
            result('metadata-updated', 'claim', 'claimed for acme/dagster-infra: an earlier version')
          ]
        })
      )
      expect(page.table.slice(1).map(row => row[2])).toEqual([dryRun ? 'would update' : 'updated', label])
      expect(page.paragraphs).toContain(`2 Secrets: 1 ${dryRun ? 'would update' : 'updated'} · 1 ${label}`)
      const note = page.paragraphs.find(p => p.startsWith(sentence)) ?? ''
      expect(note).toContain('so it does not count as a change for changed and restart nothing.')
      expect(rendered(renderSummary(report)).paragraphs.join('\n')).not.toContain(
        'labels or annotations written'
      )
    }
  )

  it('does not count a paused Deployment as restarted or failed', () => {
    const paused = {
      ...report,
      results: [result('updated')],
      restarts: restartsOf({ name: 'etl' }, { name: 'ml', outcome: 'paused', detail: 'it is paused' })
    }
    expect(failureMessage(paused)).toBeUndefined()
    expect(outcomeOf(paused)).toBe('synced')
    expect(toOutputs(paused).restarted_deployments).toBe('["etl"]')
  })

  it('gives the envSecrets snippet for the Secrets in sync only', () => {
    expect(renderSummary(report)).toContain(
      '```yaml\nenvSecrets:\n  - name: dagster-secret-a\n  - name: dagster-secret-b\n  - name: dagster-secret-c\n```'
    )
  })

  it('explains an empty selection with its usual causes, and suggests no prune for the Secrets still there', () => {
    const empty = rendered(
      renderSummary({ ...report, results: [], orphans: ['dagster-secret-a', 'dagster-secret-b'] })
    )
    expect(empty.headings).toEqual(['⚠️ gke-secrets-sync: nothing to sync'])
    expect(empty.table).toEqual([])
    expect(empty.paragraphs).toContain(
      'No input secret starts with DAGSTER_SECRET_, so nothing was synced. The usual causes:'
    )
    expect(empty.items).toEqual([
      'the caller of the reusable workflow does not pass secrets: inherit (a caller in another organisation passes them as sync_secrets);',
      'the secrets are environment secrets, and the job has no environment: (or another one);',
      'the run comes from a fork or Dependabot, which get no secrets;',
      'the prefix input (DAGSTER_SECRET) does not match the names of the GitHub secrets.'
    ])
    expect(empty.paragraphs).toContain(
      '2 Secrets made by this action for DAGSTER_SECRET_ were left in place: dagster-secret-a, dagster-secret-b. Their GitHub secrets most likely still exist and did not reach this run (see the causes above); fix that and run again.'
    )
    expect(renderSummary({ ...report, results: [], orphans: ['dagster-secret-a'] })).not.toMatch(/prune/i)
  })

  it('counts only what happened: one Secret is "1 Secret", and no state of zero is named', () => {
    const page = rendered(renderSummary({ ...report, results: [result('created')], ignoredCount: 1 }))
    expect(page.paragraphs).toContain('1 Secret: 1 created')
    expect(page.paragraphs.join('\n')).not.toMatch(/\b0 |\b1 [A-Za-z]+s\b/)
  })

  it.each<[string, Partial<SyncReport>]>([
    ['a failed run', {}],
    ['a dry run', { dryRun: true, results: [result('created'), result('deleted')] }],
    ['an empty selection', { results: [], orphans: ['dagster-secret-old'] }],
    [
      'a run with restarts',
      {
        results: [result('updated')],
        restarts: restartsOf({ name: 'etl' }, { name: 'ml', outcome: 'failed', detail: '403 Forbidden' })
      }
    ]
  ])('leaks no Markdown syntax into the text of %s', (_, change) => {
    const { prose } = rendered(
      renderSummary({
        ...report,
        ...change,
        results: (change.results ?? results).filter(r => !r.detail?.includes('|'))
      })
    )
    expect(prose.join('')).not.toMatch(/\||\*\*|`|\[!|\]\(|^#|<\/?[a-z]/m)
  })
})

describe('failureMessage', () => {
  it('is undefined when nothing failed', () => {
    expect(failureMessage({ ...report, results: results.filter(r => r.state !== 'failed') })).toBeUndefined()
  })

  it('names each failed Secret, its GitHub secret and the reason, with advice', () => {
    const denied: SecretResult = {
      ...(results[3] as SecretResult),
      detail:
        '403 Forbidden: secrets is forbidden: User "sync@p.iam.gserviceaccount.com" cannot create resource "secrets" in API group "" in the namespace "dagster-prd"'
    }
    const message =
      failureMessage({ ...report, results: results.map(r => (r.state === 'failed' ? denied : r)) }) ?? ''
    expect(message).toContain(
      '1 of 5 Secrets could not be synced to namespace dagster-prd (the job summary lists all 5):'
    )
    expect(message).toContain('- dagster-secret-f (DAGSTER_SECRET_F): 403 Forbidden')
    expect(message).toContain(
      'The identity may not create secrets (the core API group) in namespace dagster-prd, which `sync` needs.'
    )
    expect(message).toContain(
      '  kubectl create role gke-secrets-sync -n dagster-prd --verb=get,list,create,update --resource=secrets'
    )
  })

  it.each<[string, SecretResult[], string]>([
    [
      'the only Secret',
      [result('failed', 'f', 'boom')],
      '1 Secret could not be synced to namespace dagster-prd:'
    ],
    [
      'every Secret',
      [result('failed', 'f', 'boom'), result('failed', 'g', 'bang')],
      '2 Secrets could not be synced to namespace dagster-prd:'
    ],
    [
      'every Secret, the same way: the reason once',
      [result('failed', 'f', 'boom'), result('failed', 'g', 'boom')],
      '2 Secrets could not be synced to namespace dagster-prd: boom'
    ]
  ])('says "%s" without "1 of 1" or "the others"', (_, rows, first) => {
    const message = failureMessage({ ...report, results: rows }) ?? ''
    expect(message.split('\n')[0]).toBe(first)
    expect(message).not.toMatch(/ of \d|the others/)
  })

  it.each([
    ['401 Unauthorized: x', 'Check the credentials: the kubeconfig user'],
    ['404 NotFound: namespaces "dagster-prd" not found', 'Namespace dagster-prd does not exist'],
    [
      deletionLimitRefusal(3, 4, { kind: 'share', percent: 50 }) ?? '',
      'Prune deleted nothing. If those GitHub secrets were removed on purpose, run once with a higher `max_deletions`'
    ],
    [
      '403 Forbidden: secrets is forbidden: User "sync@p.iam.gserviceaccount.com" cannot list resource "secrets" in API group "" in the namespace "dagster-prd"',
      '--user=sync@p.iam.gserviceaccount.com'
    ],
    [
      '403 Forbidden: secrets is forbidden: User "x`\n::stop-commands::t" cannot list resource "secrets" in API group "" in the namespace "dagster-prd"',
      '--user=<the identity>'
    ]
  ])('advises on %s', (detail, words) => {
    expect(advice([detail, detail], 'dagster-prd')).toEqual([expect.stringContaining(words)])
  })
})

describe('renderSummary for several repositories', () => {
  it('names the owner, and lists the ownerless Secrets that prune left in place', () => {
    const text = renderSummary({
      ...report,
      owner: 'acme/dagster-dags',
      unclaimed: ['dagster-secret-old', 'dagster-secret-older']
    })
    expect(text).toContain('· namespace `dagster-prd` · owner `acme/dagster-dags`')
    expect(text).toContain(
      '2 Secrets made for `DAGSTER_SECRET_` by an earlier version of this action record no owner, so prune left them in place: `dagster-secret-old`, `dagster-secret-older`.'
    )
  })

  it('says nothing of owners or ownerless Secrets when there are none', () => {
    const text = renderSummary(report)
    expect(text).not.toContain('owner `')
    expect(text).not.toContain('record no owner')
  })
})

describe("a run-level failure (the LIST of the namespace's Secrets failed)", () => {
  const notSynced = [result('failed', 'a'), result('failed', 'b'), result('failed', 'c')].map(
    ({ detail: _, ...row }) => row
  )
  const failedRun = (runFailure: string): SyncReport => ({ ...report, results: notSynced, runFailure })

  it.each<[string, string, string, string]>([
    [
      'the namespace is missing',
      '404 NotFound: namespaces "dagster-prd" not found',
      'nothing synced, namespace dagster-prd does not exist',
      'Namespace dagster-prd does not exist: create it, or fix the namespace input.'
    ],
    [
      'RBAC refuses the LIST',
      '403 Forbidden: secrets is forbidden: User "sync@p.iam.gserviceaccount.com" cannot list resource "secrets" in API group "" in the namespace "dagster-prd"',
      'nothing synced, the identity may not list secrets',
      'The identity may not list secrets (the core API group) in namespace dagster-prd, which sync needs. Grant the rule of sync (docs/rbac.md): verbs get, list, create, update on secrets in the core API group:'
    ],
    [
      'the API server does not answer',
      'the API server did not answer (UND_ERR_CONNECT_TIMEOUT)',
      'nothing synced, the API server did not answer',
      'An API server that never answers is usually closed to this runner'
    ]
  ])('%s: says the cause once, above the table, with the fix', (_, cause, heading, fix) => {
    const page = rendered(renderSummary(failedRun(cause)))
    expect(page.headings).toEqual([`❌ gke-secrets-sync: ${heading}`])
    const said = page.paragraphs.findIndex(p => p.includes(cause))
    expect(page.paragraphs[said]).toBe(
      `Listing the Secrets of namespace dagster-prd failed, so nothing was written: ${cause}`
    )
    expect(page.paragraphs.some(p => p.startsWith(fix))).toBe(true)
    expect(page.paragraphs.findIndex(p => p.startsWith('3 Secrets: 3 failed'))).toBeGreaterThan(said)
    // Not repeated in the rows, which then need no Detail column.
    expect(page.table[0]).toEqual(['GitHub secret', 'Kubernetes Secret', 'Result'])
    expect(page.table.slice(1).map(row => row[2])).toEqual(['❌ failed', '❌ failed', '❌ failed'])
    const everything = [...page.paragraphs, ...page.items, ...page.table.flat()].join('\n')
    expect(everything.split(cause).length - 1).toBe(1)
  })

  it('puts the commands of the RBAC advice in a shell block', () => {
    const markdown = renderSummary(
      failedRun(
        '403 Forbidden: secrets is forbidden: User "system:serviceaccount:ci:sync" cannot list resource "secrets" in API group "" in the namespace "dagster-prd"'
      )
    )
    expect(markdown).toContain(
      '```sh\nkubectl create role gke-secrets-sync -n dagster-prd --verb=get,list,create,update --resource=secrets\nkubectl create rolebinding gke-secrets-sync -n dagster-prd --role=gke-secrets-sync --user=system:serviceaccount:ci:sync\n```'
    )
  })

  it('fails the step with the cause and its advice, once', () => {
    const message = failureMessage(failedRun('404 NotFound: namespaces "dagster-prd" not found')) ?? ''
    expect(message).toBe(
      'Kubernetes API: could not list Secrets in namespace dagster-prd: 404 NotFound: namespaces "dagster-prd" not found\nNamespace dagster-prd does not exist: create it, or fix the `namespace` input.'
    )
  })

  it.each<[string, string, string, string]>([
    [
      'the namespace does not exist (its LIST answers with an empty list; each create with 404)',
      '404 NotFound: namespaces "dagster-prd" not found',
      'nothing synced, namespace dagster-prd does not exist',
      'Nothing was written: the API server answered all 3 writes the same way: 404 NotFound: namespaces "dagster-prd" not found'
    ],
    [
      'RBAC refuses every create',
      '403 Forbidden: secrets is forbidden: User "u@p.iam.gserviceaccount.com" cannot create resource "secrets" in API group "" in the namespace "dagster-prd"',
      'nothing synced, the identity may not create secrets',
      'Nothing was written: the API server answered all 3 writes the same way: 403 Forbidden: secrets is forbidden: User "u@p.iam.gserviceaccount.com" cannot create resource "secrets" in API group "" in the namespace "dagster-prd"'
    ]
  ])('every write failing the same way (%s) is said once, above the table', (_, detail, heading, said) => {
    const rows = ['a', 'b', 'c'].map(name => result('failed', name, detail))
    const page = rendered(renderSummary({ ...report, results: rows }))
    expect(page.headings).toEqual([`❌ gke-secrets-sync: ${heading}`])
    expect(page.paragraphs).toContain(said)
    expect(page.table[0]).toEqual(['GitHub secret', 'Kubernetes Secret', 'Result'])
    const everything = [...page.paragraphs, ...page.items, ...page.table.flat()].join('\n')
    expect(everything.split(detail).length - 1).toBe(1)
    const message = failureMessage({ ...report, results: rows }) ?? ''
    expect(message.split(detail).length - 1).toBe(1)
    expect(message).toContain('\n- dagster-secret-a (DAGSTER_SECRET_A)\n')
  })

  it('says a shared reason once for the Secrets that failed, and keeps the heading to what happened', () => {
    const rows = [
      result('failed', 'a', 'the same'),
      result('failed', 'b', 'the same'),
      result('created', 'c')
    ]
    const page = rendered(renderSummary({ ...report, results: rows }))
    expect(page.headings).toEqual(['❌ gke-secrets-sync: 2 Secrets failed'])
    expect(page.paragraphs).toContain('2 Secrets failed, all with the same answer: the same')
    expect(page.table[0]).toEqual(['GitHub secret', 'Kubernetes Secret', 'Result'])
  })

  it.each<[string, SecretResult[]]>([
    ['different reasons', [result('failed', 'a', 'one'), result('failed', 'b', 'two')]],
    ['one failed Secret', [result('failed', 'a', '409 Conflict: x'), result('created', 'b')]]
  ])('keeps each reason in its row with %s', (_, rows) => {
    const page = rendered(renderSummary({ ...report, results: rows }))
    expect(page.table[0]).toContain('Detail')
    expect(page.paragraphs.join('\n')).not.toContain('the same answer')
  })

  it('is a failure even when no secret was selected', () => {
    const empty = { ...report, results: [], runFailure: 'could not reach the API server (ECONNREFUSED)' }
    expect(outcomeOf(empty)).toBe('failed')
    expect(summaryHeading(empty)).toBe(
      '## ❌ gke-secrets-sync: nothing synced, could not reach the API server'
    )
  })
})

describe('long names wrap instead of squeezing the table', () => {
  const long = 'DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN'
  const html = (markdown: string): string => marked.parse(markdown, { gfm: true, async: false })

  it('gives a long GitHub secret name a break opportunity after each _, and keeps its text', () => {
    const markdown = renderSummary({
      ...report,
      results: [{ githubName: long, secretName: 'dagster-secret-slack-bot-oauth-token', state: 'created' }]
    })
    expect(html(markdown)).toContain(
      '<td><code>DAGSTER_<wbr>SECRET_<wbr>SLACK_<wbr>BOT_<wbr>OAUTH_<wbr>TOKEN</code></td>'
    )
    expect(rendered(markdown).table[1]?.[0]).toBe(long)
  })

  it.each([
    ['a short name', 'DAGSTER_SECRET_A'],
    ['a name with characters a secret name cannot have', 'DAGSTER_SECRET_<script>alert(1)</script>_LONG']
  ])('leaves %s in a plain code span', (_, name) => {
    const markdown = renderSummary({
      ...report,
      results: [{ githubName: name, secretName: 'x', state: 'failed' }]
    })
    expect(html(markdown)).not.toContain('<wbr>')
    expect(html(markdown)).not.toContain('<script>')
    expect(rendered(markdown).table[1]?.[0]).toBe(name)
  })
})

describe('drift and Events in the summary, the warnings and the outputs', () => {
  const drift = { manager: 'kubectl-edit', operation: 'Update', time: '2025-03-01T10:11:12Z' }
  const drifted: SecretResult[] = [
    { ...result('updated', 'restored', 'drift: its value had been changed ...'), drift },
    {
      ...result('failed', 'left', 'drift: ... left as it is (on_drift: fail)'),
      drift: { manager: 'evil | *bold* `x`', operation: 'Apply' }
    },
    result('unchanged', 'fine')
  ]
  const withDrift: SyncReport = { ...report, results: drifted }

  it('shows a Drift section: the Secret, the manager as written, the operation, the time and what the run did', () => {
    const page = rendered(renderSummary(withDrift))
    expect(page.paragraphs).toContainEqual(
      expect.stringMatching(/^Drift: these Secrets were changed in the cluster rather than through GitHub/)
    )
    const header = page.table.findIndex(
      row => row[0] === 'Kubernetes Secret' && row[1]?.startsWith('Changed by')
    )
    expect(page.table.slice(header)).toEqual([
      ['Kubernetes Secret', 'Changed by (field manager)', 'Operation', 'At', 'This run'],
      [
        'dagster-secret-left',
        'evil | *bold* `x`',
        'Apply',
        'unknown',
        'left as it is, the run fails (on_drift: fail)'
      ],
      [
        'dagster-secret-restored',
        'kubectl-edit',
        'Update',
        '2025-03-01T10:11:12Z',
        "wrote GitHub's value back (on_drift: restore)"
      ]
    ])
    expect(toOutputs(withDrift).drifted).toBe('["dagster-secret-left","dagster-secret-restored"]')
  })

  it('says "would" in a dry run, and shows no Drift section when nothing drifted', () => {
    const dry = rendered(renderSummary({ ...withDrift, dryRun: true }))
    expect(dry.table.flat()).toContain("would write GitHub's value back (on_drift: restore)")
    expect(renderSummary(report)).not.toContain('Drift')
  })

  it('warns once per drifted Secret, naming the manager and the time', () => {
    expect(driftWarnings(drifted, false)).toEqual([
      {
        title: 'Drift: dagster-secret-left',
        message:
          'Secret dagster-secret-left: its value had been changed in the cluster by evil | *bold* `x` (Apply), not through GitHub; it was left as it is and the run fails (on_drift: fail). GitHub is the source of truth: change the GitHub secret instead.'
      },
      {
        title: 'Drift: dagster-secret-restored',
        message:
          "Secret dagster-secret-restored: its value had been changed in the cluster by kubectl-edit (Update at 2025-03-01T10:11:12Z), not through GitHub; GitHub's value was written back (on_drift: restore). GitHub is the source of truth: change the GitHub secret instead."
      }
    ])
  })

  it('names the RBAC rule to add when Events were refused, in the summary only', () => {
    const forbidden = 'events.events.k8s.io is forbidden: User "u" cannot create resource "events"'
    const events = { planned: 3, recorded: 0, forbidden }
    const markdown = renderSummary({ ...report, events })
    const page = rendered(markdown)
    expect(page.paragraphs).toContainEqual(
      expect.stringContaining(
        'Kubernetes Events were not recorded: the identity may not create Events in dagster-prd'
      )
    )
    expect(markdown).toContain(
      '```yaml\n- apiGroups: [events.k8s.io]\n  resources: [events]\n  verbs: [create]\n```'
    )
    expect(eventsWarning(events)).toBeUndefined()
  })

  it('warns when Events failed for another reason, and says nothing when all were recorded', () => {
    const events = { planned: 3, recorded: 1, failed: { count: 2, message: '500 InternalError: boom' } }
    expect(rendered(renderSummary({ ...report, events })).paragraphs).toContainEqual(
      '2 of 3 Kubernetes Events could not be recorded (500 InternalError: boom); the Secrets themselves were written.'
    )
    expect(eventsWarning(events)).toBe(
      '2 of 3 Kubernetes Events could not be recorded: 500 InternalError: boom. The Secrets were synced; only their record in `kubectl events` is missing.'
    )
    expect(renderSummary({ ...report, events: { planned: 3, recorded: 3 } })).toBe(renderSummary(report))
  })
})

describe('the Restarts section, rendered', () => {
  const referencing = (
    restarts: Partial<WorkloadRestart>[],
    change: Partial<RestartsReport> = {}
  ): SyncReport => ({
    ...report,
    results: [result('updated', 'a')],
    restarts: {
      ...restartsOf(...restarts),
      target: { kind: 'names', names: ['webserver'] },
      referencing: true,
      waited: true,
      ...change
    }
  })
  const cause = { secretName: 'dagster-secret-a', keys: ['DAGSTER_SECRET_A'] }

  it.each<[string, Partial<WorkloadRestart>, string]>([
    ['a complete rollout', { rollout: { state: 'complete', message: 'done' } }, '✅ restarted, rolled out'],
    [
      'a failed rollout, with the condition and the waiting pods',
      {
        rollout: {
          state: 'failed',
          message:
            'deployment "etl" exceeded its progress deadline (ProgressDeadlineExceeded: ReplicaSet "etl-7c" has timed out progressing.)',
          waiting: [
            {
              pod: 'etl-7c-x',
              container: 'app',
              reason: 'CreateContainerConfigError',
              message: 'secret "dagster-secret-b" not found'
            }
          ]
        }
      },
      '❌ restarted, rollout failed: deployment "etl" exceeded its progress deadline (ProgressDeadlineExceeded: ReplicaSet "etl-7c" has timed out progressing.); pod etl-7c-x (app): CreateContainerConfigError: secret "dagster-secret-b" not found'
    ],
    [
      'a rollout still going when the budget ran out',
      {
        rollout: { state: 'still rolling out', message: '0 of 1 updated replicas are available', waiting: [] }
      },
      '⏳ restarted, still rolling out when the time budget (timeout_seconds) ran out: 0 of 1 updated replicas are available'
    ],
    [
      'a paused Deployment',
      { outcome: 'paused', detail: 'it is paused' },
      '⚠️ paused, not restarted: run kubectl rollout resume deployment/etl -n dagster-prd first'
    ],
    ['a dry run', { outcome: 'would restart' }, 'would restart']
  ])('%s', (_, restart, resultText) => {
    const page = rendered(renderSummary(referencing([{ causes: [cause], named: false, ...restart }])))
    expect(page.headings).toContain('Restarts')
    expect(page.table.at(-1)).toEqual(['Deployment/etl', 'dagster-secret-a (DAGSTER_SECRET_A)', resultText])
  })

  it('says what Jobs and CronJobs do and what it means for Dagster, naming those that read a changed Secret', () => {
    const page = rendered(
      renderSummary(
        referencing([{ causes: [cause], named: true, rollout: { state: 'complete', message: '' } }], {
          nextRun: [{ workload: 'CronJob/nightly', causes: [cause] }]
        })
      )
    )
    expect(page.table.at(-1)?.[1]).toBe('dagster-secret-a (DAGSTER_SECRET_A), named in restart_deployments')
    const note = page.paragraphs.find(p => p.startsWith('Jobs and CronJobs are never restarted')) ?? ''
    expect(note).toContain('These read a changed Secret: CronJob/nightly (dagster-secret-a)')
    expect(note).toContain('runs launched after this sync get the new values')
    expect(note).toContain('runs already in flight keep the old ones')
    expect(note).toContain('code servers (user-code Deployments, which evaluate sensors and schedules)')
  })

  it.each<[string, Partial<RestartsReport>, string]>([
    [
      'no value changed',
      { anyChange: false },
      "No Secret's value changed, so nothing was restarted (restart_deployments: webserver; restart_referencing: what reads a changed Secret)."
    ],
    [
      'nothing reads what changed',
      { restarts: [] },
      'No Deployment, StatefulSet or DaemonSet reads a Secret whose value changed, so nothing was restarted'
    ],
    [
      'a selector that matched nothing',
      {
        restarts: [],
        problems: ['restart_deployments app=x: no Deployment in namespace dagster-prd matches this selector']
      },
      '❌ restart_deployments app=x: no Deployment in namespace dagster-prd matches this selector'
    ]
  ])('when %s, says so', (_, change, sentence) => {
    const page = rendered(renderSummary(referencing([], change)))
    expect(page.paragraphs.some(p => p.startsWith(sentence))).toBe(true)
  })

  it('fails the run on a failed rollout, naming the workload, the message and the pods, with the RBAC advice on a 403', () => {
    const failing = referencing([
      {
        name: 'etl',
        causes: [cause],
        rollout: {
          state: 'failed',
          message: 'its new pods cannot start (CrashLoopBackOff)',
          waiting: [
            {
              pod: 'etl-1',
              container: 'app',
              reason: 'CrashLoopBackOff',
              message: 'back-off 10s\n::error::x'
            }
          ]
        }
      },
      {
        kind: 'StatefulSet',
        name: 'cache',
        causes: [cause],
        outcome: 'failed',
        detail:
          '403 Forbidden: statefulsets.apps "cache" is forbidden: User "sa@p.iam.gserviceaccount.com" cannot patch resource "statefulsets" in API group "apps" in the namespace "dagster-prd"'
      }
    ])
    expect(outcomeOf(failing)).toBe('failed')
    expect(summaryHeading(failing)).toBe('## ❌ gke-secrets-sync: 2 restarts failed')
    const message = failureMessage(failing) ?? ''
    expect(message).toContain(
      '- Deployment/etl: rollout failed: its new pods cannot start (CrashLoopBackOff); pod etl-1 (app): CrashLoopBackOff: back-off 10s ::error::x'
    )
    expect(message).not.toMatch(/\n::/)
    expect(message).toContain(
      '- StatefulSet/cache: not restarted: 403 Forbidden: statefulsets.apps "cache" is forbidden'
    )
    expect(message).toContain(
      'kubectl create role gke-secrets-sync-restart-referencing -n dagster-prd --verb=get,list,watch,patch --resource=deployments.apps,statefulsets.apps,daemonsets.apps'
    )
    expect(message).toContain('--user=sa@p.iam.gserviceaccount.com')
    expect(message).not.toContain('on resource secrets')
  })

  it('puts every restart and its rollout in the restarted output, and the Deployments in restarted_deployments', () => {
    const outputs = toOutputs(
      referencing([
        { name: 'etl', causes: [cause], rollout: { state: 'complete', message: '' } },
        {
          kind: 'StatefulSet',
          name: 'cache',
          causes: [cause],
          named: false,
          rollout: { state: 'still rolling out', message: '', waiting: [] }
        },
        { name: 'paused', outcome: 'paused' }
      ])
    )
    expect(JSON.parse(outputs.restarted ?? '')).toEqual([
      {
        kind: 'Deployment',
        name: 'etl',
        namespace: 'dagster-prd',
        secrets: ['dagster-secret-a'],
        named: true,
        rollout: 'complete'
      },
      {
        kind: 'StatefulSet',
        name: 'cache',
        namespace: 'dagster-prd',
        secrets: ['dagster-secret-a'],
        rollout: 'still rolling out'
      }
    ])
    expect(outputs.restarted_deployments).toBe('["etl"]')
  })
})
