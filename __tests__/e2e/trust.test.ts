// End to end, as an attacker in another repository (or a hostile cluster) would try it: the bundled action
// against the Kubernetes double. A Secret's owner annotation, an admission webhook's message and an owner string
// are text the action did not write; none of it may run a workflow command (read back with a model of the
// runner's own parser, __tests__/doubles/runner-commands.ts), print a value, or inject HTML into the summary.
import { DomUtils, parseDocument } from 'htmlparser2'
import { marked } from 'marked'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type AdmissionRequest, type KubeDouble } from '../../kube-double/server.js'
import { ownerLabelValue } from '../../src/sync/ownership.js'
import { runnerCommands } from '../doubles/runner-commands.js'
import { REPOSITORY_IDS, runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const INFRA = 'acme/dagster-infra'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')
const MANAGED = {
  'app.kubernetes.io/managed-by': 'gke-secrets-sync',
  'gke-secrets-sync/prefix': 'DAGSTER_SECRET'
}

let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble()
  kubeconfig = kube.writeKubeconfig()
})
afterEach(() => kube.close())

/** A run of the infrastructure repository (id 700001), as the runner starts it. */
function run(secrets: Record<string, string>, extra: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    secrets: JSON.stringify({ ...secrets, github_token: 'ghs_leak-canary-token' }),
    kubeconfig,
    namespace: NS,
    ...extra
  })
}

/** A Secret as another client left it: `labels` on top of nothing, the owner annotation as given. */
function seed(name: string, value: string, labels: Record<string, string>, owner?: string): void {
  kube.seedSecret(NS, {
    metadata: {
      name,
      labels,
      ...(owner !== undefined && { annotations: { 'gke-secrets-sync/owner': owner } })
    },
    type: 'Opaque',
    data: { [name.toUpperCase().replaceAll('-', '_')]: b64(value) }
  })
}
const value = (name: string): string => decode(Object.values(kube.getSecret(NS, name)?.data ?? {})[0])

/** The workflow commands the runner would take from the run, stdout and stderr alike. */
function commands(result: ActionRun): ReturnType<typeof runnerCommands> {
  return runnerCommands(`${result.stdout}\n${result.stderr}`)
}

/** Only the commands the action issues itself, none of them carrying the attacker's words. */
function expectOnlyOwnCommands(result: ActionRun, attackerWords: string[]): void {
  const found = commands(result)
  expect(found.filter(c => !(c.form === 'v2' && ['add-mask', 'warning', 'error'].includes(c.name)))).toEqual(
    []
  )
  for (const word of attackerWords) expect(found.filter(c => c.data.startsWith(word))).toEqual([])
  // In particular, no line of stdout starts with `::` but the action's own commands.
  const starts = result.stdout.split(/\r\n|\r|\n/).filter(line => /^[\s\u0085]*::/.test(line))
  expect(starts.filter(line => !/^::(add-mask|warning|error)::/.test(line))).toEqual([])
}

/** The summary as GitHub renders it: every tag, and the text of each code span and table cell. */
function rendered(markdown: string): { tags: string[]; codes: string[]; cells: string[]; links: string[] } {
  const document = parseDocument(marked.parse(markdown, { gfm: true, async: false }))
  return {
    links: DomUtils.getElementsByTagName('a', document.children, true).map(a => a.attribs.href ?? ''),
    tags: [...new Set(DomUtils.getElementsByTagName(() => true, document.children, true).map(e => e.name))],
    codes: DomUtils.getElementsByTagName('code', document.children, true).map(DomUtils.textContent),
    cells: DomUtils.getElementsByTagName('td', document.children, true).map(DomUtils.textContent)
  }
}

describe("another repository's Secret is not taken", () => {
  it('a Secret whose owner label was removed but whose annotation names another repository: fail, skip and prune leave it', async () => {
    seed('dagster-secret-db', 'dags-db-leak-canary', MANAGED, 'acme/dagster-dags (id 700002)')
    const failed = await run({ DAGSTER_SECRET_DB: 'infra-db-leak-canary' })
    expect(failed.exitCode).toBe(1)
    expect(failed.outputs.failed).toBe('["dagster-secret-db"]')
    expect(failed.stdout).toContain(
      'a Secret "dagster-secret-db" already exists and was made by gke-secrets-sync for acme/dagster-dags (id 700002); two owners cannot sync the same Secret'
    )
    expect(kube.writes().filter(w => w.method === 'PUT')).toEqual([])

    const skipped = await run({ DAGSTER_SECRET_DB: 'infra-db-leak-canary' }, { on_conflict: 'skip' })
    expect(skipped.exitCode, skipped.stdout).toBe(0)
    expect(skipped.outputs.skipped).toBe('["dagster-secret-db"]')

    // With prune, it is neither claimed nor listed as ownerless, and not deleted.
    const pruned = await run({ DAGSTER_SECRET_OTHER: 'infra-other-leak-canary' }, { prune: 'true' })
    expect(pruned.exitCode, pruned.stdout).toBe(0)
    expect(pruned.outputs.deleted).toBe('[]')
    expect(pruned.summary).not.toContain('dagster-secret-db')
    expect(value('dagster-secret-db')).toBe('dags-db-leak-canary')
    expect(kube.getSecret(NS, 'dagster-secret-db')?.metadata.labels).toEqual(MANAGED)
  })

  it('a repository of this name but another id (the name was registered again) keeps its Secrets: no update, no prune', async () => {
    const labels = { ...MANAGED, 'gke-secrets-sync/owner': ownerLabelValue(INFRA) }
    seed('dagster-secret-api-key', 'old-owner-leak-canary', labels, `${INFRA} (id 999)`)
    seed('dagster-secret-gone', 'old-owner-gone-leak-canary', labels, `${INFRA} (id 999)`)
    const result = await run({ DAGSTER_SECRET_API_KEY: 'new-owner-leak-canary' }, { prune: 'true' })
    expect(result.exitCode).toBe(1)
    expect(result.stdout).toContain(
      `was made by gke-secrets-sync for ${INFRA} (id 999), a repository of the same name but another id than this one's (${REPOSITORY_IDS[INFRA]})`
    )
    expect(value('dagster-secret-api-key')).toBe('old-owner-leak-canary')
    expect(value('dagster-secret-gone')).toBe('old-owner-gone-leak-canary')
    expect(kube.writes().filter(w => w.method !== 'POST')).toEqual([])
  })
})

describe('text from the cluster runs no workflow command', () => {
  const hostileOwner = [
    'acme/evil',
    '::stop-commands::pwned-token',
    '##[add-mask]forged',
    '  ::warning::forged-warning',
    '\r::error::forged-error'
  ].join('\n')

  it.each([
    ['adopted, so the log line is an info line', 'adopt', 0],
    ['refused, so it is an error annotation and the failure', 'fail', 1]
  ])('an owner annotation with line breaks and commands, %s', async (_, onConflict, exitCode) => {
    seed(
      'dagster-secret-token',
      'evil-token-leak-canary',
      { ...MANAGED, 'gke-secrets-sync/owner': 'evil' },
      hostileOwner
    )
    const result = await run(
      { DAGSTER_SECRET_TOKEN: 'infra-token-leak-canary', DAGSTER_SECRET_AFTER: 'masked-after-leak-canary' },
      { on_conflict: onConflict }
    )
    expect(result.exitCode, result.stdout).toBe(exitCode)
    expectOnlyOwnCommands(result, ['pwned-token', 'forged'])
    expect(commands(result).filter(c => c.name === 'stop-commands')).toEqual([])
    // Every value was masked, and the runner went on masking: no add-mask came after a stop.
    expect(commands(result).filter(c => c.name === 'add-mask').length).toBeGreaterThanOrEqual(6)
    // The words themselves are still there for a reader, in the log and in the summary.
    expect(result.stdout.replaceAll('\u200b', '')).toContain('::stop-commands::pwned-token')
    expect(result.summary.replaceAll('\u200b', '').replace(/\\(.)/g, '$1')).toContain(
      'acme/evil ::stop-commands::pwned-token ##[add-mask]forged'
    )
    expect(rendered(result.summary).tags).not.toContain('img')
  })
})

describe('an admission webhook that quotes the value it refuses', () => {
  const PEM =
    '-----BEGIN PRIVATE KEY-----\nMIIEv_first*line-leak-canary\nsecond_line*of*the*key\n-----END PRIVATE KEY-----'
  const SHORT = 'p_w*'
  /** A Kyverno-style denial: the policy's message quotes the data, raw and as Go's %q writes it. */
  function kyverno(request: AdmissionRequest): { webhook: string; message: string } | undefined {
    const data = Object.values(request.object?.data ?? {})[0]
    if (data === undefined) return undefined
    const quoted = decode(data)
    return {
      webhook: 'validate.kyverno.svc-fail',
      message: [
        '',
        '',
        `resource Secret/${NS}/${request.name} was blocked due to the following policies `,
        '',
        'deny-weak-secrets:',
        `  check-value: 'validation error: value ${JSON.stringify(quoted)} is not allowed:`,
        quoted,
        `::stop-commands::webhook-token'`
      ].join('\n')
    }
  }

  it.each([
    ['a real run', 'false'],
    ['a dry run', 'true']
  ])('%s: the log and the summary show the denial with every value masked', async (_, dryRun) => {
    kube.validatingWebhook = kyverno
    const result = await run(
      { DAGSTER_SECRET_KEY_PEM: PEM, DAGSTER_SECRET_SHORT: SHORT },
      { dry_run: dryRun }
    )
    expect(result.exitCode).toBe(1)
    expect(JSON.parse(result.outputs.failed ?? '')).toEqual([
      'dagster-secret-key-pem',
      'dagster-secret-short'
    ])
    expect(result.stdout).toContain(
      'secrets \\"dagster-secret-short\\" is forbidden: admission webhook \\"validate.kyverno.svc-fail\\" denied the request'.replaceAll(
        '\\"',
        '"'
      )
    )
    const unescaped = result.summary.replace(/\\(.)/g, '$1')
    expect(unescaped).toContain('admission webhook "validate.kyverno.svc-fail" denied the request')
    expect(unescaped).toContain('validation error: value "***" is not allowed')
    // No form of either value, as is or escaped for Markdown, in the log, the summary or the outputs.
    const markdownEscaped = (text: string): string => text.replace(/[\\`*_{}[\]<>()#+!|~&]/g, '\\$&')
    const forms = [PEM, SHORT, JSON.stringify(PEM).slice(1, -1), ...PEM.split('\n')]
    for (const form of [...forms, ...forms.map(markdownEscaped)]) {
      for (const [where, text] of Object.entries({
        stdout: result.stdout,
        stderr: result.stderr,
        ...result.files
      })) {
        const shown =
          where === 'stdout'
            ? text
                .split('\n')
                .filter(l => !l.startsWith('::add-mask::'))
                .join('\n')
            : text
        expect(shown.includes(form), `${JSON.stringify(form)} in ${where}`).toBe(false)
      }
    }
    expectOnlyOwnCommands(result, ['webhook-token'])
    expect(kube.listSecrets(NS)).toEqual([])
  })
})

describe('an owner with backticks and HTML in it', () => {
  it('shows as one code span in the summary, exactly as written, and injects nothing', async () => {
    const owner = 'acme/``tick` <img src=x onerror=alert(1)> ![i](https://evil.example/i.png)'
    seed(
      'dagster-secret-two',
      'other-two-leak-canary',
      MANAGED,
      'acme/`other`<b>bold</b> [x](https://evil.example)'
    )
    const result = await run(
      { DAGSTER_SECRET_ONE: 'one-leak-canary', DAGSTER_SECRET_TWO: 'two-leak-canary' },
      { owner, on_conflict: 'skip' }
    )
    expect(result.exitCode, result.stdout).toBe(0)
    const { tags, codes, cells, links } = rendered(result.summary)
    expect(codes).toContain(owner)
    expect(cells).toContain(
      'a Secret "dagster-secret-two" already exists and was made by gke-secrets-sync for acme/`other`<b>bold</b> [x](https://evil.example); left as it is (on_conflict: skip)'
    )
    for (const tag of ['img', 'b', 'script']) expect(tags).not.toContain(tag)
    // The one link is the summary's own, to the workflow run.
    expect(links).toEqual(['https://github.com/acme/dagster-infra/actions/runs/4242'])
    expect(kube.getSecret(NS, 'dagster-secret-one')?.metadata.annotations?.['gke-secrets-sync/owner']).toBe(
      owner
    )
  })
})
