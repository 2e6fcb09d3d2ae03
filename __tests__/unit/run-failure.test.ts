// The job summary of a run that failed before its report: each kind of early failure gets a heading that says
// what failed, the message, the fix and what was not touched; rendered as GitHub would show it.
import { DomUtils, parseDocument } from 'htmlparser2'
import { marked } from 'marked'
import { describe, expect, it } from 'vitest'
import { GoogleStageError } from '../../src/google/credentials.js'
import { InputError } from '../../src/github/inputs.js'
import {
  PruneRefused,
  refusePruneWithoutSecrets,
  renderFailureSummary,
  type RunProgress
} from '../../src/github/run-failure.js'
import { KubeconfigError } from '../../src/kube/kubeconfig-files.js'
import { selectSecrets } from '../../src/sync/selection.js'

function page(markdown: string): { headings: string[]; paragraphs: string[]; items: string[] } {
  const document = parseDocument(marked.parse(markdown, { gfm: true, async: false }))
  const all = (tag: string): string[] =>
    DomUtils.getElementsByTagName(tag, document.children, true).map(node => DomUtils.textContent(node).trim())
  return { headings: all('h2'), paragraphs: all('p'), items: all('li') }
}

const progress = (over: Partial<RunProgress> = {}): RunProgress => ({
  started: performance.now(),
  stage: 'connecting',
  namespace: 'dagster-prd',
  prefix: 'DAGSTER_SECRET',
  summaryWritten: false,
  ...over
})

describe('renderFailureSummary', () => {
  it.each<[string, Error, Partial<RunProgress>, string, string[], string[]]>([
    [
      'bad JSON in secrets',
      new InputError(
        'Input `secrets` is not valid JSON. Pass `secrets: ${{ toJSON(secrets) }}` (a JSON object of name to value).'
      ),
      { stage: 'inputs', namespace: undefined, prefix: undefined },
      'an input is invalid',
      [
        'Input secrets is not valid JSON. Pass secrets: ${{ toJSON(secrets) }} (a JSON object of name to value).'
      ],
      [
        "To fix: change that input in the step's with: and run again",
        'Nothing was sent to Google or to the cluster.'
      ]
    ],
    [
      "prune's refusal",
      new PruneRefused(
        'prune is on, but no input secret starts with DAGSTER_SECRET_; refusing, and nothing was touched.'
      ),
      {},
      'prune refused, no secret of the prefix was given',
      ['prune is on, but no input secret starts with DAGSTER_SECRET_; refusing, and nothing was touched.'],
      ['the GitHub secrets most likely exist and did not reach this step', 'Nothing was deleted']
    ],
    [
      'a sign-in denial',
      new GoogleStageError(
        "Impersonating sa@p.iam.gserviceaccount.com failed: Permission 'iam.serviceAccounts.getAccessToken' denied."
      ),
      {},
      'Google sign-in or the cluster lookup failed',
      [
        "Impersonating sa@p.iam.gserviceaccount.com failed: Permission 'iam.serviceAccounts.getAccessToken' denied."
      ],
      ['new IAM bindings can take several minutes to apply', 'Nothing was written to the cluster.']
    ],
    [
      'a cluster that does not exist',
      new GoogleStageError(
        'Cluster lookup failed: 404 Not found; check that cluster_name, location and project_id name an existing cluster.'
      ),
      {},
      'Google sign-in or the cluster lookup failed',
      [
        'Cluster lookup failed: 404 Not found; check that cluster_name, location and project_id name an existing cluster.'
      ],
      ['change what the message names, then run again. Nothing was written to the cluster.']
    ],
    [
      'a kubeconfig that cannot be read',
      new KubeconfigError('Could not read the kubeconfig /x: the file does not exist.'),
      {},
      'the kubeconfig could not be used',
      ['Could not read the kubeconfig /x: the file does not exist.'],
      ['check the kubeconfig input']
    ],
    [
      'an unexpected error before connecting',
      new TypeError('Unexpected token, "leak-canary" is not valid JSON'),
      {},
      'stopped by an unexpected error',
      ["The step's error says what happened."],
      ['Nothing was written to the cluster.']
    ],
    [
      'an unexpected error after connecting',
      new TypeError('boom'),
      { stage: 'syncing' },
      'stopped by an unexpected error',
      ["The step's error says what happened."],
      ['some Secrets may have been written; the next run writes only what differs.']
    ]
  ])('%s: a heading, the message and the fix', (_, error, over, heading, message, fix) => {
    const markdown = renderFailureSummary(error, progress(over))
    const shown = page(markdown)
    expect(shown.headings).toEqual([`❌ gke-secrets-sync: ${heading}`])
    expect(shown.paragraphs.slice(0, message.length)).toEqual(message)
    const text = [...shown.paragraphs, ...shown.items].join('\n')
    for (const words of fix) expect(text).toContain(words)
    // The fix never suggests pruning: a failure before the sync is no reason to delete anything.
    expect(text).not.toContain('prune: true')
    expect(markdown).not.toContain('leak-canary')
  })

  it('lists the usual causes of an empty selection under the refusal', () => {
    const shown = page(renderFailureSummary(new PruneRefused('refusing'), progress()))
    expect(shown.items).toEqual([
      'the caller of the reusable workflow does not pass secrets: inherit (a caller in another organisation passes them as sync_secrets);',
      'the secrets are environment secrets, and the job has no environment: (or another one);',
      'the run comes from a fork or Dependabot, which get no secrets;',
      'the prefix input (DAGSTER_SECRET) does not match the names of the GitHub secrets.'
    ])
  })

  it('says no more than it knows in the small print: the namespace when read, the time, the run', () => {
    const withAll = page(
      renderFailureSummary(
        new InputError('x'),
        progress(),
        '[acme/infra run 7](https://github.com/acme/infra/actions/runs/7)'
      )
    )
    expect(withAll.paragraphs.at(-1)).toMatch(/^Namespace dagster-prd · took \d+ ms · acme\/infra run 7$/)
    const bare = page(renderFailureSummary(new InputError('x'), progress({ namespace: undefined })))
    expect(bare.paragraphs.at(-1)).toMatch(/^Took \d+ ms$/)
  })

  it('escapes what a message quotes from elsewhere', () => {
    const markdown = renderFailureSummary(
      new GoogleStageError('STS answered invalid_grant: <img src=x> *bold* [link](javascript:x)'),
      progress()
    )
    const html = marked.parse(markdown, { gfm: true, async: false })
    expect(html).not.toMatch(/<img|<em>|<a /)
    expect(page(markdown).paragraphs[0]).toBe(
      'STS answered invalid_grant: <img src=x> *bold* [link](javascript:x)'
    )
  })
})

describe('refusePruneWithoutSecrets', () => {
  it.each<[boolean, Record<string, string>, boolean]>([
    [true, {}, true],
    [true, { github_token: 'x' }, true],
    [true, { DAGSTER_SECRET_A: 'a' }, false],
    // A prefixed name that gives no valid Secret name still shows the secrets arrived.
    [true, { DAGSTER_SECRET_A: '' }, false],
    [false, {}, false]
  ])('prune %s with %j: refused %s', (prune, secrets, refused) => {
    const run = (): void =>
      refusePruneWithoutSecrets(prune, 'DAGSTER_SECRET', selectSecrets(secrets, 'DAGSTER_SECRET'))
    if (refused) expect(run).toThrow(PruneRefused)
    else expect(run).not.toThrow()
  })
})
