// End to end: several repositories syncing into one namespace, each owning its own Secrets. The bundled action
// runs against the Kubernetes double as a runner would start it, once per repository (GITHUB_REPOSITORY is what
// the runner sets; inside a reusable workflow it is the calling repository). Every run is scanned for leaks.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startKubeDouble, type KubeDouble } from '../../kube-double/server.js'
import { REPOSITORY_IDS, runAction, type ActionRun } from './run-action.js'

const NS = 'dagster-prd'
const INFRA = 'acme/dagster-infra'
const DAGS = 'acme/dagster-dags'
const b64 = (text: string): string => Buffer.from(text).toString('base64')
const decode = (data: string | undefined): string => Buffer.from(data ?? '', 'base64').toString('utf8')
const toSecretName = (githubName: string): string => githubName.toLowerCase().replaceAll('_', '-')
/** The summary as a reader sees it: Markdown's backslash escapes removed. */
const plainText = (markdown: string): string => markdown.replace(/\\(.)/g, '$1')

let kube: KubeDouble
let kubeconfig: string
beforeEach(async () => {
  kube = await startKubeDouble()
  kubeconfig = kube.writeKubeconfig()
})
afterEach(() => kube.close())

/** One run of the action for `owner`'s repository with these secrets (plus github_token, as GitHub gives). */
function runAs(
  repository: string,
  secrets: Record<string, string>,
  extra: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction(
    {
      secrets: JSON.stringify({ ...secrets, github_token: 'ghs_leak-canary-token' }),
      kubeconfig,
      namespace: NS,
      ...extra
    },
    {
      GITHUB_REPOSITORY: repository,
      GITHUB_REPOSITORY_ID: REPOSITORY_IDS[repository],
      GITHUB_REPOSITORY_OWNER: repository.split('/')[0]
    }
  )
}

const value = (name: string): string => decode(Object.values(kube.getSecret(NS, name)?.data ?? {})[0])
/** The owner annotation a run of this repository writes: its name and its id. */
const recorded = (repository: string): string => `${repository} (id ${REPOSITORY_IDS[repository]})`
const ownerOf = (name: string): string | undefined =>
  kube.getSecret(NS, name)?.metadata.annotations?.['gke-secrets-sync/owner']
const names = (): string[] =>
  kube
    .listSecrets(NS)
    .map(secret => secret.metadata.name)
    .sort()
const lists = (): string[] =>
  kube.requests
    .filter(r => r.method === 'GET' && r.path === `/api/v1/namespaces/${NS}/secrets`)
    .map(r => r.query.get('labelSelector') ?? '')

describe('two repositories with a GitHub secret of the same name', () => {
  const WEBHOOK = 'DAGSTER_SECRET_SLACK_WEBHOOK'
  const webhook = toSecretName(WEBHOOK)
  const dagsSecrets = {
    [WEBHOOK]: 'https://hooks.example/dags-leak-canary',
    DAGSTER_SECRET_DAGS_ONLY: 'dags-only-leak-canary'
  }

  beforeEach(async () => {
    const infra = await runAs(INFRA, { [WEBHOOK]: 'https://hooks.example/infra-leak-canary' })
    expect(infra.exitCode, infra.stdout).toBe(0)
    expect(ownerOf(webhook)).toBe(recorded(INFRA))
    kube.resetRequests()
  })

  it('on_conflict fail: the second repository leaves it, names the first, syncs its other secrets and fails', async () => {
    const run = await runAs(DAGS, dagsSecrets)
    expect(run.exitCode).toBe(1)
    expect(value(webhook)).toBe('https://hooks.example/infra-leak-canary')
    expect(ownerOf(webhook)).toBe(recorded(INFRA))
    expect(run.outputs.failed).toBe(`["${webhook}"]`)
    expect(run.outputs.created).toBe('["dagster-secret-dags-only"]')
    expect(run.stdout).toContain(
      `a Secret "${webhook}" already exists and was made by gke-secrets-sync for acme/dagster-infra (id 700001); two owners cannot sync the same Secret`
    )
    // The create of its own secret, and the create that found the other's Secret (409); no overwrite.
    expect(kube.writes().map(w => [w.method, w.status])).toEqual(
      expect.arrayContaining([
        ['POST', 201],
        ['POST', 409]
      ])
    )
    expect(kube.writes().filter(w => w.method === 'PUT')).toEqual([])
  })

  it('on_conflict skip: leaves it, reports it skipped with the owner, and succeeds', async () => {
    const run = await runAs(DAGS, dagsSecrets, { on_conflict: 'skip' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(value(webhook)).toBe('https://hooks.example/infra-leak-canary')
    expect(run.outputs.skipped).toBe(`["${webhook}"]`)
    expect(run.outputs.env_secrets).toBe('- name: dagster-secret-dags-only\n')
    expect(run.stdout).toContain(
      `::warning::skipped: ${webhook} (a Secret "${webhook}" already exists and was made by gke-secrets-sync for acme/dagster-infra (id 700001); left as it is (on_conflict: skip))`
    )
  })

  it('on_conflict adopt: takes it over with one conditional write; then the first repository is the one in conflict', async () => {
    const run = await runAs(DAGS, dagsSecrets, { on_conflict: 'adopt' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(value(webhook)).toBe('https://hooks.example/dags-leak-canary')
    expect(ownerOf(webhook)).toBe(recorded(DAGS))
    expect(run.outputs.updated).toBe(`["${webhook}"]`)
    expect(plainText(run.summary)).toContain(
      'adopted: it was made by gke-secrets-sync for acme/dagster-infra'
    )
    const puts = kube.writes().filter(w => w.method === 'PUT')
    expect(puts.map(w => w.path)).toEqual([`/api/v1/namespaces/${NS}/secrets/${webhook}`])

    const infraAgain = await runAs(INFRA, { [WEBHOOK]: 'https://hooks.example/infra-leak-canary' })
    expect(infraAgain.exitCode).toBe(1)
    expect(infraAgain.stdout).toContain('was made by gke-secrets-sync for acme/dagster-dags')
    expect(value(webhook)).toBe('https://hooks.example/dags-leak-canary')
  })
})

describe('prune by one repository', () => {
  it("with the same prefix deletes only its own Secrets, never the other repository's", async () => {
    await runAs(INFRA, {
      DAGSTER_SECRET_INFRA_A: 'infra-a-leak-canary',
      DAGSTER_SECRET_INFRA_B: 'infra-b-leak-canary'
    })
    await runAs(DAGS, {
      DAGSTER_SECRET_DAGS_C: 'dags-c-leak-canary',
      DAGSTER_SECRET_DAGS_D: 'dags-d-leak-canary'
    })
    expect(names()).toHaveLength(4)

    kube.resetRequests()
    const dags = await runAs(DAGS, { DAGSTER_SECRET_DAGS_C: 'dags-c-leak-canary' }, { prune: 'true' })
    expect(dags.exitCode, dags.stdout).toBe(0)
    expect(dags.outputs.deleted).toBe('["dagster-secret-dags-d"]')
    expect(kube.writes().map(w => [w.method, w.path.split('/').pop()])).toEqual([
      ['DELETE', 'dagster-secret-dags-d'],
      ['POST', 'events']
    ])
    expect(names()).toEqual(['dagster-secret-dags-c', 'dagster-secret-infra-a', 'dagster-secret-infra-b'])

    const infra = await runAs(INFRA, { DAGSTER_SECRET_INFRA_A: 'infra-a-leak-canary' }, { prune: 'true' })
    expect(infra.exitCode, infra.stdout).toBe(0)
    expect(infra.outputs.deleted).toBe('["dagster-secret-infra-b"]')
    expect(names()).toEqual(['dagster-secret-dags-c', 'dagster-secret-infra-a'])
    expect(value('dagster-secret-dags-c')).toBe('dags-c-leak-canary')
  })

  it('with different prefixes deletes only its own; a name both prefixes give is a conflict naming the other', async () => {
    await runAs(INFRA, {
      DAGSTER_SECRET_SHARED: 'infra-shared-leak-canary',
      DAGSTER_SECRET_GONE: 'infra-gone-leak-canary'
    })
    await runAs(
      DAGS,
      { TEAM_SECRET_X: 'team-x-leak-canary', TEAM_SECRET_Y: 'team-y-leak-canary' },
      { prefix: 'TEAM_SECRET' }
    )

    const team = await runAs(
      DAGS,
      { TEAM_SECRET_X: 'team-x-leak-canary' },
      { prefix: 'TEAM_SECRET', prune: 'true' }
    )
    expect(team.exitCode, team.stdout).toBe(0)
    expect(team.outputs.deleted).toBe('["team-secret-y"]')
    const infra = await runAs(INFRA, { DAGSTER_SECRET_SHARED: 'infra-shared-leak-canary' }, { prune: 'true' })
    expect(infra.outputs.deleted).toBe('["dagster-secret-gone"]')
    expect(names()).toEqual(['dagster-secret-shared', 'team-secret-x'])

    // Prefix DAGSTER also selects DAGSTER_SECRET_SHARED, whose Secret is infra's under DAGSTER_SECRET.
    const overlapping = await runAs(
      DAGS,
      { DAGSTER_SECRET_SHARED: 'dags-shared-leak-canary' },
      { prefix: 'DAGSTER' }
    )
    expect(overlapping.exitCode).toBe(1)
    expect(overlapping.stdout).toContain(
      'was made by gke-secrets-sync for acme/dagster-infra (id 700001) with the prefix DAGSTER_SECRET'
    )
    expect(value('dagster-secret-shared')).toBe('infra-shared-leak-canary')
  })
})

describe('Secrets written before owners were recorded', () => {
  /** As the previous version wrote them: both labels, no owner. */
  const seedOwnerless = (githubName: string, text: string): void => {
    kube.seedSecret(
      NS,
      {
        metadata: {
          name: toSecretName(githubName),
          labels: {
            'app.kubernetes.io/managed-by': 'gke-secrets-sync',
            'gke-secrets-sync/prefix': 'DAGSTER_SECRET'
          }
        },
        type: 'Opaque',
        data: { [githubName]: b64(text) }
      },
      'gke-secrets-sync'
    )
  }

  beforeEach(() => {
    seedOwnerless('DAGSTER_SECRET_ROTATED', 'old-rotated-value')
    seedOwnerless('DAGSTER_SECRET_SAME', 'same-leak-canary')
    seedOwnerless('DAGSTER_SECRET_NOBODY', 'nobody-wants-this')
  })
  const wanted = {
    DAGSTER_SECRET_ROTATED: 'new-rotated-leak-canary',
    DAGSTER_SECRET_SAME: 'same-leak-canary'
  }

  it('are claimed by the first run that wants them, with one conditional write each; then the run is one request', async () => {
    const run = await runAs(INFRA, wanted)
    expect(run.exitCode, run.stdout).toBe(0)
    // The claim of the same value writes only metadata: it is no change, and no restart follows it.
    expect(JSON.parse(run.outputs.updated ?? '')).toEqual(['dagster-secret-rotated'])
    expect(JSON.parse(run.outputs.metadata_updated ?? '')).toEqual(['dagster-secret-same'])
    // The summary's Detail cells escape Markdown (`_` becomes `\_`).
    expect(plainText(run.summary)).toContain(
      'claimed for acme/dagster-infra: an earlier version of gke-secrets-sync made it for the prefix DAGSTER_SECRET without recording an owner'
    )
    for (const name of ['dagster-secret-rotated', 'dagster-secret-same']) {
      expect(ownerOf(name)).toBe(recorded(INFRA))
      expect(kube.getSecret(NS, name)?.metadata.labels?.['gke-secrets-sync/owner']).toMatch(
        /^acme\.dagster-infra--/
      )
    }
    // Each found by create -> 409 AlreadyExists -> GET, then claimed with a PUT on the version read; then one
    // Event for each claim.
    expect(kube.requests.map(r => `${r.method} ${r.status}`).sort()).toEqual([
      'GET 200',
      'GET 200',
      'GET 200',
      'POST 201',
      'POST 201',
      'POST 409',
      'POST 409',
      'PUT 200',
      'PUT 200'
    ])
    expect(value('dagster-secret-rotated')).toBe('new-rotated-leak-canary')
    expect(ownerOf('dagster-secret-nobody')).toBeUndefined()
    expect(value('dagster-secret-nobody')).toBe('nobody-wants-this')

    kube.resetRequests()
    const steady = await runAs(INFRA, wanted)
    expect(steady.exitCode).toBe(0)
    expect(kube.requests).toHaveLength(1)
    expect(lists()).toEqual([expect.stringContaining(',gke-secrets-sync/owner=acme.dagster-infra--')])
    expect(JSON.parse(steady.outputs.unchanged ?? '')).toEqual([
      'dagster-secret-rotated',
      'dagster-secret-same'
    ])
  })

  it('with prune: are claimed when wanted (found by a second LIST), and left in place, with a warning, when not', async () => {
    const run = await runAs(INFRA, wanted, { prune: 'true' })
    expect(run.exitCode, run.stdout).toBe(0)
    expect(lists()).toEqual([
      expect.stringMatching(/,gke-secrets-sync\/owner=acme\.dagster-infra--[0-9a-f]{12}$/),
      'app.kubernetes.io/managed-by=gke-secrets-sync,gke-secrets-sync/prefix=DAGSTER_SECRET,!gke-secrets-sync/owner'
    ])
    // Listed, so claimed without a create first.
    expect(
      kube
        .writes()
        .map(w => [w.method, w.path.split('/').pop()])
        .sort()
    ).toEqual([
      ['POST', 'events'],
      ['POST', 'events'],
      ['PUT', 'dagster-secret-rotated'],
      ['PUT', 'dagster-secret-same']
    ])
    expect(run.outputs.deleted).toBe('[]')
    expect(value('dagster-secret-nobody')).toBe('nobody-wants-this')
    expect(run.summary).toContain(
      '1 Secret made for `DAGSTER_SECRET_` by an earlier version of this action records no owner, so prune left it in place: `dagster-secret-nobody`.'
    )
    expect(run.stdout).toMatch(
      /::warning::1 Secret of the prefix DAGSTER_SECRET was made by an earlier version .*`dagster-secret-nobody`/
    )
  })

  it('claimed by one repository are a conflict for another that wants the same name', async () => {
    await runAs(INFRA, wanted)
    const dags = await runAs(DAGS, { DAGSTER_SECRET_SAME: 'same-leak-canary' })
    expect(dags.exitCode).toBe(1)
    expect(dags.stdout).toContain('was made by gke-secrets-sync for acme/dagster-infra')
  })
})

describe('an owner string a label cannot hold', () => {
  const LONG = `Équipe Données/${'dagster-code-location-'.repeat(4)}one`
  const SIBLING = `Équipe Données/${'dagster-code-location-'.repeat(4)}two`

  it('is hashed into its label, found again by the next run, and kept apart from an owner with the same beginning', async () => {
    const first = await runAs(
      INFRA,
      { DAGSTER_SECRET_LONG: 'long-owner-leak-canary', DAGSTER_SECRET_OLD: 'old-leak-canary' },
      { owner: LONG }
    )
    expect(first.exitCode, first.stdout).toBe(0)
    const label = kube.getSecret(NS, 'dagster-secret-long')?.metadata.labels?.['gke-secrets-sync/owner'] ?? ''
    expect(label).toMatch(/^Equipe-Donnees\.dagster-code-location-[-a-z.]*--[0-9a-f]{12}$/)
    expect(label.length).toBeLessThanOrEqual(63)
    expect(ownerOf('dagster-secret-long')).toBe(LONG)

    const sibling = await runAs(
      INFRA,
      { DAGSTER_SECRET_SIBLING: 'sibling-leak-canary' },
      { owner: SIBLING, prune: 'true' }
    )
    expect(sibling.exitCode, sibling.stdout).toBe(0)
    expect(sibling.outputs.deleted).toBe('[]')

    kube.resetRequests()
    const again = await runAs(
      INFRA,
      { DAGSTER_SECRET_LONG: 'long-owner-leak-canary', DAGSTER_SECRET_OLD: 'old-leak-canary' },
      { owner: LONG }
    )
    expect(again.exitCode).toBe(0)
    expect(kube.requests).toHaveLength(1)
    expect(JSON.parse(again.outputs.unchanged ?? '')).toEqual(['dagster-secret-long', 'dagster-secret-old'])
    expect(again.summary).toContain(`owner \`${LONG}\``)
  })
})

describe('adopting a Secret made by kubectl apply', () => {
  it('drops last-applied-configuration (it holds the old value) on adoption, and it stays gone after a rotation', async () => {
    const manifest = {
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 'dagster-secret-token' },
      data: { DAGSTER_SECRET_TOKEN: b64('kubectl-old-value') }
    }
    kube.seedSecret(
      NS,
      {
        metadata: {
          name: 'dagster-secret-token',
          annotations: {
            'kubectl.kubernetes.io/last-applied-configuration': JSON.stringify(manifest),
            note: 'kept'
          }
        },
        type: 'Opaque',
        data: { DAGSTER_SECRET_TOKEN: b64('kubectl-old-value') }
      },
      'kubectl-client-side-apply'
    )
    const adopted = await runAs(
      INFRA,
      { DAGSTER_SECRET_TOKEN: 'adopted-leak-canary' },
      { on_conflict: 'adopt' }
    )
    expect(adopted.exitCode, adopted.stdout).toBe(0)
    expect(plainText(adopted.summary)).toContain(
      'adopted: it was not made by this action (written by kubectl-client-side-apply)'
    )
    const afterAdoption = kube.getSecret(NS, 'dagster-secret-token')?.metadata.annotations ?? {}
    expect(afterAdoption).not.toHaveProperty('kubectl.kubernetes.io/last-applied-configuration')
    expect(afterAdoption).toMatchObject({ note: 'kept', 'gke-secrets-sync/owner': recorded(INFRA) })

    const rotated = await runAs(INFRA, { DAGSTER_SECRET_TOKEN: 'rotated-leak-canary' })
    expect(rotated.outputs.updated).toBe('["dagster-secret-token"]')
    const secret = kube.getSecret(NS, 'dagster-secret-token')
    expect(decode(secret?.data?.DAGSTER_SECRET_TOKEN)).toBe('rotated-leak-canary')
    expect(JSON.stringify(secret)).not.toContain(b64('kubectl-old-value'))
    expect(JSON.stringify(secret)).not.toContain(b64('adopted-leak-canary'))
  })
})

describe('warnings where people look', () => {
  it('a run that selects no prefixed secret warns and names the likely causes', async () => {
    const run = await runAs(DAGS, { UNRELATED: 'unrelated-leak-canary' })
    expect(run.exitCode).toBe(0)
    const warning = run.stdout
      .split('\n')
      .find(line => line.startsWith('::warning::No input secret starts with DAGSTER_SECRET_'))
    expect(warning).toBeDefined()
    for (const cause of ['`secrets: inherit`', '`environment:`', 'fork or Dependabot', '`prefix`'])
      expect(warning).toContain(cause)
  })

  it('Secrets left in place because prune is off get a warning with the Helm advice', async () => {
    await runAs(INFRA, { DAGSTER_SECRET_KEEP: 'keep-leak-canary', DAGSTER_SECRET_GONE: 'gone-leak-canary' })
    const run = await runAs(INFRA, { DAGSTER_SECRET_KEEP: 'keep-leak-canary' })
    expect(run.exitCode).toBe(0)
    expect(run.stdout).toContain(
      '::warning::1 Secret made by this action for acme/dagster-infra has no GitHub secret any more and was left in place because `prune` is off: `dagster-secret-gone`. To delete it: first remove it from the Dagster Helm values (`envSecrets`) of every code location, then run with `prune: true`.'
    )
    expect(names()).toContain('dagster-secret-gone')
  })

  it('outside GitHub Actions without an owner fails before any request, naming the input', async () => {
    const run = await runAction(
      { secrets: JSON.stringify({ DAGSTER_SECRET_A: 'outside-leak-canary' }), kubeconfig, namespace: NS },
      { GITHUB_REPOSITORY: undefined, GITHUB_ACTIONS: undefined }
    )
    expect(run.exitCode).toBe(1)
    expect(run.stdout).toContain('Input `owner` is required outside GitHub Actions')
    expect(kube.requests).toHaveLength(0)
  })
})
