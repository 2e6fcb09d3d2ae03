// Every workflow this repository ships, shows or runs, checked with GitHub's own workflow parser (schema,
// expression contexts, job graph) and then for the structure the sync depends on: the reusable workflow's
// inputs, permissions, secrets and outputs, and how callers call it.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { evaluateExpression, runBashStep } from './workflow-steps.js'

const repoRoot = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8')

const REUSABLE = '.github/workflows/sync-secrets.yml'
/** How callers outside this repository name the action (a tag), and how the reusable workflow does (a commit). */
const ACTION_REF = /^gke-secrets-sync\/gke-secrets-sync@(v\d+|[0-9a-f]{40})$/
const REUSABLE_REF = /^gke-secrets-sync\/gke-secrets-sync\/\.github\/workflows\/sync-secrets\.yml@v\d+$/
/** Workflows people copy into their own repository, where `./` would name that repository's files. */
const COPIED = ['.github/workflows/sync-secrets-manual.yml', ...workflowFilesIn('examples')]

interface Step {
  id?: string
  name?: string
  if?: string
  uses?: string
  run?: string
  shell?: string
  env?: Record<string, string>
  'continue-on-error'?: unknown
  with?: Record<string, unknown>
}
interface Job {
  uses?: string
  'runs-on'?: unknown
  concurrency?: { group?: string; 'cancel-in-progress'?: boolean } | string
  with?: Record<string, unknown>
  secrets?: unknown
  environment?: unknown
  permissions?: Record<string, string> | string
  env?: Record<string, string>
  outputs?: Record<string, string>
  steps?: Step[]
}
interface WorkflowInput {
  description?: string
  type?: string
  required?: boolean
  default?: unknown
}
interface Workflow {
  on: {
    workflow_dispatch?: { inputs?: Record<string, WorkflowInput & { options?: string[] }> }
    workflow_call?: {
      inputs?: Record<string, WorkflowInput>
      secrets?: unknown
      outputs?: Record<string, { description?: string; value: string }>
    }
  }
  permissions?: Record<string, string> | string
  jobs: Record<string, Job>
}
interface ActionMetadata {
  inputs: Record<string, { required?: boolean; default?: string }>
  outputs: Record<string, unknown>
}

function workflowFilesIn(dir: string): string[] {
  return readdirSync(join(repoRoot, dir))
    .filter(name => /\.ya?ml$/.test(name))
    .map(name => `${dir}/${name}`)
    .sort()
}
const workflowFiles = ['.github/workflows', 'examples'].flatMap(workflowFilesIn)
const workflows = new Map(workflowFiles.map(file => [file, parse(read(file)) as Workflow]))
const action = parse(read('action.yml')) as ActionMetadata
const reusable = workflows.get(REUSABLE) as Workflow

/** Action inputs the reusable workflow does not take from its caller, and why. */
const NOT_FORWARDED: Record<string, string> = {
  secrets: 'the secrets go as `secrets_file`: one input over 128 KiB would stop the action (E2BIG)',
  secrets_file: 'written by the job from `toJSON(secrets)`, the secrets the caller passed (or inherited)',
  owner: 'always the calling repository, `github.repository`: the boundary between repositories',
  owner_id: 'always the calling repository, `github.repository_id`',
  kubeconfig:
    'the called job starts on a fresh runner, with no kubeconfig file of the caller; it reaches GKE itself'
}

/** The one concurrency group recommended everywhere: per repository (groups are) and namespace. */
const CONCURRENCY_GROUP = (namespace: string): string => `gke-secrets-sync-${namespace}`

/** What GitHub would report for this text: schema and expression errors, then job-graph (conversion) errors. */
async function workflowErrors(name: string, content: string): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value)
  return parsed.context.errors.getErrors().map(error => error.message)
}

function jobsOf(file: string): [string, Job][] {
  return Object.entries(workflows.get(file)?.jobs ?? {})
}

/** The permissions a job runs with: its own, else the workflow's. */
function permissionsOf(file: string, job: Job): Record<string, string> | string | undefined {
  return job.permissions ?? workflows.get(file)?.permissions
}

const actionSteps = workflowFiles.flatMap(file =>
  jobsOf(file).flatMap(([jobId, job]) =>
    (job.steps ?? [])
      .filter(step => step.uses !== undefined && (ACTION_REF.test(step.uses) || step.uses === './'))
      .map(step => ({ file, jobId, job, step }))
  )
)
const reusableCalls = workflowFiles.flatMap(file =>
  jobsOf(file)
    .filter(([, job]) => job.uses?.includes('sync-secrets.yml'))
    .map(([jobId, job]) => ({ file, jobId, job }))
)

describe("GitHub's workflow parser", () => {
  it('finds the workflows this test is meant to cover', () => {
    expect(workflowFiles).toEqual(
      expect.arrayContaining([
        '.github/workflows/check-dist.yml',
        '.github/workflows/ci.yml',
        '.github/workflows/codeql.yml',
        '.github/workflows/e2e-kind.yml',
        '.github/workflows/sync-secrets-manual.yml',
        REUSABLE,
        'examples/code-location-call.yml',
        'examples/infra-repo-sync.yml',
        'examples/matrix-environments.yml'
      ])
    )
  })

  it.each(workflowFiles)('accepts %s', async file => {
    expect(await workflowErrors(file, read(file))).toEqual([])
  })

  // Breakages of the real reusable workflow, so a parser that accepted anything would fail here.
  it.each([
    [
      'an unknown context',
      '${{ toJSON(secrets) }}',
      '${{ toJSON(secretz) }}',
      "Unrecognized named-value: 'secretz'"
    ],
    ['a workflow_call input of type choice', 'type: boolean', 'type: choice', "Unexpected value 'choice'"],
    [
      'a permission level that does not exist',
      '      id-token: write',
      '      id-token: writ',
      "Unexpected value 'writ'"
    ],
    [
      'a step output where only job outputs are known',
      'value: ${{ jobs.sync.outputs.created }}',
      'value: ${{ steps.sync.outputs.created }}',
      "Unrecognized named-value: 'steps'"
    ],
    [
      'an unquoted `: ` inside a value',
      "description: 'JSON array",
      'description: JSON array',
      'Nested mappings'
    ]
  ])('reports %s', async (_, from, to, message) => {
    const text = read(REUSABLE)
    expect(text).toContain(from)
    const errors = await workflowErrors('broken.yml', text.replace(from, to))
    expect(errors.join('\n')).toContain(message)
  })

  it('reports a job that needs a job that does not exist', async () => {
    const text =
      'on: push\njobs:\n  a:\n    needs: b\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo\n'
    expect(await workflowErrors('needs.yml', text)).not.toEqual([])
  })
})

describe('the reusable workflow', () => {
  const call = reusable.on.workflow_call
  const inputs = call?.inputs ?? {}
  const [jobId, job] = Object.entries(reusable.jobs)[0] ?? []
  const syncStep = job?.steps?.find(step => step.uses !== undefined && ACTION_REF.test(step.uses))

  it('is called with workflow_call, in one job that runs the action', () => {
    expect(call).toBeDefined()
    expect(Object.keys(reusable.jobs)).toHaveLength(1)
    expect(syncStep?.id).toBe('sync')
  })

  it('takes the documented inputs, each typed for workflow_call and described', () => {
    expect(Object.keys(inputs).sort()).toEqual(
      [
        'environment',
        'runs_on',
        ...Object.keys(action.inputs).filter(name => !(name in NOT_FORWARDED))
      ].sort()
    )
    for (const [name, input] of Object.entries(inputs)) {
      expect(['string', 'boolean', 'number'], name).toContain(input.type)
      expect(input.description?.trim(), name).toBeTruthy()
    }
    expect(inputs.environment).toMatchObject({ type: 'string', required: true })
    expect(inputs.dry_run).toMatchObject({ type: 'boolean', default: false })
    expect(inputs.prune).toMatchObject({ type: 'boolean', default: false })
    expect(inputs.check_references).toMatchObject({ type: 'boolean', default: false })
    expect(inputs.prefix?.default).toBe('DAGSTER_SECRET')
  })

  it('forwards every action input from its caller, except the ones listed with the reason they are not', () => {
    const passed = syncStep?.with ?? {}
    for (const name of Object.keys(action.inputs)) {
      if (name in NOT_FORWARDED) expect(inputs, name).not.toHaveProperty(name)
      else expect(String(passed[name]), name).toContain(`inputs.${name}`)
    }
    expect(Object.keys(NOT_FORWARDED).filter(name => !(name in action.inputs))).toEqual([])
  })

  it.each(
    Object.entries(action.inputs).filter(([name, input]) => input.default !== undefined && name in inputs)
  )("defaults %s to the action's own default", (name, input) => {
    // A typed default (false, 10) reaches the action as the string the action declares ('false', '10').
    const declared = inputs[name]?.default
    const cluster = [
      'cluster_name',
      'location',
      'project_id',
      'workload_identity_provider',
      'service_account'
    ]
    if (cluster.includes(name) || name === 'namespace') expect(declared).toBe('')
    else expect(String(declared)).toBe(input.default)
  })

  it('runs on the runner the caller names: one label, or JSON for several labels or a group', () => {
    expect(inputs.runs_on).toMatchObject({ type: 'string', default: 'ubuntu-latest' })
    expect(job?.['runs-on']).toBe(
      "${{ (startsWith(inputs.runs_on, '[') || startsWith(inputs.runs_on, '{')) && fromJSON(inputs.runs_on) || inputs.runs_on }}"
    )
  })

  it('takes whatever the caller inherits, environment secrets included, or one optional JSON secret', () => {
    expect(call?.secrets).toEqual({ sync_secrets: expect.objectContaining({ required: false }) })
    expect(job?.environment).toBe('${{ inputs.environment }}')
    // Both reach the action as a file (__tests__/workflows/secrets-file.test.ts runs the script that writes it).
    const write = job?.steps?.find(step => step.id === 'secrets-file')
    expect(write?.run).toContain('${{ toJSON(secrets) }}')
    expect(write?.env).toEqual({ SYNC_SECRETS: '${{ secrets.sync_secrets }}' })
    expect(syncStep?.with?.secrets_file).toBe('${{ steps.secrets-file.outputs.path }}')
    expect(syncStep?.with).not.toHaveProperty('secrets')
  })

  it('accepts a caller in another organisation that passes its secrets as JSON', async () => {
    const caller = [
      'on: push',
      'jobs:',
      '  sync:',
      '    uses: gke-secrets-sync/gke-secrets-sync/.github/workflows/sync-secrets.yml@v1',
      '    permissions: { contents: read, id-token: write }',
      '    secrets:',
      '      sync_secrets: ${{ toJSON(secrets) }}',
      '    with:',
      '      environment: prd',
      ''
    ].join('\n')
    expect(await workflowErrors('caller.yml', caller)).toEqual([])
  })

  it('may request an OIDC token and only read the repository', () => {
    expect(job?.permissions).toEqual({ contents: 'read', 'id-token': 'write' })
  })

  it('passes every input on to the action', () => {
    const passed = syncStep?.with ?? {}
    // `environment` reaches the action as the default namespace, `dagster-<environment>`; `runs_on` picks the
    // runner.
    for (const name of Object.keys(inputs).filter(name => name !== 'environment' && name !== 'runs_on')) {
      expect(String(passed[name]), name).toContain(`inputs.${name}`)
    }
    expect(String(passed.namespace)).toContain("format('dagster-{0}', inputs.environment)")
  })

  it('passes on every output of action.yml, and no other, through the job outputs', () => {
    const outputs = call?.outputs ?? {}
    expect(Object.keys(outputs).sort()).toEqual(Object.keys(action.outputs).sort())
    for (const [name, output] of Object.entries(outputs)) {
      expect(output.value, name).toBe(`\${{ jobs.${jobId}.outputs.${name} }}`)
      expect(output.description?.trim(), name).toBeTruthy()
      expect(job?.outputs?.[name], name).toBe(`\${{ steps.sync.outputs.${name} }}`)
    }
  })
})

describe('the boundary between repositories (SECURITY.md, "Threat model")', () => {
  const job = Object.values(reusable.jobs)[0] as Job
  const steps = job.steps ?? []
  const syncIndex = steps.findIndex(step => step.id === 'sync')
  const syncStep = steps[syncIndex] as Step
  const check = steps.find(step => step.id === 'on-conflict') as Step
  const remove = steps.find(step => step.id === 'remove-secrets-file') as Step

  it('makes the calling repository the owner, whatever the caller passes', () => {
    const inputs = reusable.on.workflow_call?.inputs ?? {}
    expect(inputs).not.toHaveProperty('owner')
    expect(inputs).not.toHaveProperty('owner_id')
    // In a called workflow the github context is the caller's.
    expect(syncStep.with?.owner).toBe('${{ github.repository }}')
    expect(syncStep.with?.owner_id).toBe('${{ github.repository_id }}')
    expect(read(REUSABLE)).not.toMatch(/inputs\.owner/)
  })

  it.each(['adopt', 'ADOPT', 'Adopt', ' adopt', 'adopt\n', 'skip', 'SKIP', 'fail', '', 'take-over'])(
    'passes the action `fail` or `skip`, never `adopt`, for on_conflict %j',
    value => {
      const passed = evaluateExpression(String(syncStep.with?.on_conflict), {
        inputs: { on_conflict: value }
      })
      // GitHub compares strings ignoring case.
      expect(passed).toBe(value.toLowerCase() === 'skip' ? 'skip' : 'fail')
    }
  )

  it.each([
    ['fail', true],
    ['skip', true],
    ['', true],
    ['adopt', false],
    ['Adopt', false],
    [' adopt', false],
    ['force', false],
    ['x\n::stop-commands::token', false]
  ])('checks on_conflict %j before the action runs (accepted: %s)', (value, accepted) => {
    const cwd = mkdtempSync(join(tmpdir(), 'on-conflict-'))
    try {
      const result = runBashStep(String(check.run), { ON_CONFLICT: value }, cwd)
      expect(result.status === 0, result.stderr).toBe(accepted)
      if (value === 'adopt') {
        expect(result.stdout).toMatch(/^::error title=on_conflict: adopt is refused::/)
        expect(result.stdout).toContain("infrastructure repository's own workflow")
        expect(result.stdout).toContain('npm run local')
      }
      // The caller's text never reaches the log, where it could start a workflow command.
      if (value.includes('::')) expect(result.stdout).not.toContain('stop-commands')
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })

  it('lets no failed check be passed over on the way to the action', () => {
    expect(check.shell).toBe('bash')
    expect(check.env).toEqual({ ON_CONFLICT: '${{ inputs.on_conflict }}' })
    expect(steps.indexOf(check)).toBeLessThan(syncIndex)
    expect(steps.slice(0, syncIndex + 1).filter(step => step['continue-on-error'] !== undefined)).toEqual([])
    expect(syncStep.if).toBeUndefined()
  })

  it.each(reusableCalls)('$file ($jobId) offers no `adopt`', ({ file, job: caller }) => {
    const passed = String(caller.with?.on_conflict ?? '')
    expect(passed).not.toMatch(/adopt/i)
    const choice = workflows.get(file)?.on.workflow_dispatch?.inputs?.on_conflict
    if (passed.includes('inputs.on_conflict')) expect(choice?.options).toEqual(['fail', 'skip'])
  })

  it('removes the secrets file whatever happened, and does not fail when there is none', () => {
    expect(remove.if).toBe('always()')
    expect(remove.env).toEqual({ SECRETS_FILE: '${{ steps.secrets-file.outputs.path }}' })
    const cwd = mkdtempSync(join(tmpdir(), 'remove-'))
    try {
      const file = join(cwd, 'secrets.json')
      writeFileSync(file, '{}')
      expect(runBashStep(String(remove.run), { SECRETS_FILE: file }, cwd).status).toBe(0)
      expect(existsSync(file)).toBe(false)
      expect(runBashStep(String(remove.run), { SECRETS_FILE: '' }, cwd).status).toBe(0)
    } finally {
      rmSync(cwd, { recursive: true, force: true })
    }
  })
})

describe('callers of the reusable workflow', () => {
  it('exist in the manual workflow and the examples', () => {
    expect(reusableCalls.map(call => call.file)).toEqual(
      expect.arrayContaining([
        '.github/workflows/sync-secrets-manual.yml',
        'examples/code-location-call.yml',
        'examples/matrix-environments.yml'
      ])
    )
  })

  it.each(reusableCalls)('$file ($jobId) calls it as documented', ({ file, job }) => {
    expect(job.uses).toMatch(REUSABLE_REF)
    // Without it the called workflow sees no secrets and syncs nothing.
    expect(job.secrets).toBe('inherit')
    // A called workflow cannot have more permissions than its caller grants.
    expect(permissionsOf(file, job)).toMatchObject({ 'id-token': 'write' })
    const declared = reusable.on.workflow_call?.inputs ?? {}
    expect(Object.keys(job.with ?? {}).filter(name => !(name in declared))).toEqual([])
    const required = Object.entries(declared).filter(([, input]) => input.required)
    for (const [name] of required) expect(job.with, name).toHaveProperty(name)
  })
})

describe('workflows meant to be copied', () => {
  it.each(COPIED)('%s names the action and the reusable workflow by owner/repo@ref, never ./', file => {
    const uses = jobsOf(file).flatMap(([, job]) => [
      ...(job.uses ? [job.uses] : []),
      ...(job.steps ?? []).flatMap(step => (step.uses ? [step.uses] : []))
    ])
    expect(uses.filter(ref => ref.startsWith('./'))).toEqual([])
    expect(uses.filter(ref => ref.includes('gke-secrets-sync')).length, file).toBeGreaterThan(0)
  })
})

describe('the recommended concurrency group', () => {
  const examples = actionSteps.filter(found => found.file === REUSABLE || found.file.startsWith('examples/'))

  it.each(examples)('$file ($jobId) serialises runs per namespace with it', ({ job, step }) => {
    const concurrency = job.concurrency
    expect(typeof concurrency === 'object' && concurrency.group).toBe(
      CONCURRENCY_GROUP(String(step.with?.namespace))
    )
    expect(typeof concurrency === 'object' && concurrency['cancel-in-progress']).toBeFalsy()
  })

  it.each(reusableCalls)(
    '$file ($jobId) leaves it to the reusable workflow (the same group twice would deadlock)',
    ({ job }) => {
      expect(job.concurrency).toBeUndefined()
    }
  )
})

describe('steps that run the action', () => {
  it('exist in the examples, the reusable workflow and the kind test', () => {
    const files = new Set(actionSteps.map(found => found.file))
    expect([...files]).toEqual(
      expect.arrayContaining(['examples/infra-repo-sync.yml', REUSABLE, '.github/workflows/e2e-kind.yml'])
    )
  })

  it.each(actionSteps)(
    '$file ($jobId) passes secrets or secrets_file and only inputs action.yml declares',
    ({ step }) => {
      expect(['secrets', 'secrets_file'].filter(name => step.with?.[name] !== undefined)).toHaveLength(1)
      expect(Object.keys(step.with ?? {}).filter(name => !(name in action.inputs))).toEqual([])
    }
  )

  it.each(actionSteps.filter(found => found.step.with?.workload_identity_provider !== undefined))(
    '$file ($jobId) may request the OIDC token it federates with',
    ({ file, job }) => {
      expect(permissionsOf(file, job)).toMatchObject({ 'id-token': 'write' })
    }
  )
})

/** This project's own action and reusable workflow, pinned as the README says (and, in the reusable workflow, below). */
const OWN_REF = /^gke-secrets-sync\/gke-secrets-sync([/@]|$)/

/** Every `uses:` as written, with what follows it on the line: the YAML parser drops the version comments. */
const usesLines = workflowFiles.flatMap(file =>
  read(file)
    .split('\n')
    .flatMap(line => {
      const match = /^\s*(?:- )?uses: *(\S+)(.*)$/.exec(line)
      return match ? [{ file, ref: match[1] as string, comment: (match[2] as string).trim() }] : []
    })
)

describe('third-party actions', () => {
  const uses = workflowFiles.flatMap(file =>
    jobsOf(file).flatMap(([, job]) => [
      ...(job.uses ? [job.uses] : []),
      ...(job.steps ?? []).flatMap(step => (step.uses ? [step.uses] : []))
    ])
  )
  const thirdParty = usesLines.filter(({ ref }) => !ref.startsWith('./') && !OWN_REF.test(ref))

  it('are every `uses:` the workflows have, read line by line', () => {
    expect([...new Set(usesLines.map(({ ref }) => ref))].sort()).toEqual([...new Set(uses)].sort())
    expect(thirdParty.length).toBeGreaterThan(0)
  })

  // A tag can be moved by whoever can push to the action's repository; a commit SHA cannot. Dependabot updates
  // the SHA and the comment together.
  it.each(thirdParty)('$file: $ref is pinned to a full commit SHA with its version in a comment', use => {
    expect(use.ref).toMatch(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/)
    expect(use.comment).toMatch(/^# v\d+(\.\d+){0,2}$/)
  })

  it('pins each action repository to one commit and one version everywhere', () => {
    const pins = new Map<string, Set<string>>()
    for (const { ref, comment } of thirdParty) {
      const [path, sha] = ref.split('@') as [string, string]
      const repository = path.split('/').slice(0, 2).join('/')
      pins.set(repository, (pins.get(repository) ?? new Set()).add(`${sha} ${comment}`))
    }
    expect([...pins].filter(([, pinned]) => pinned.size > 1)).toEqual([])
  })
})

describe('permissions and credentials', () => {
  const jobs = workflowFiles.flatMap(file => jobsOf(file).map(([jobId, job]) => ({ file, jobId, job })))
  const checkouts = jobs.flatMap(({ file, jobId, job }) =>
    (job.steps ?? [])
      .filter(step => step.uses?.startsWith('actions/checkout@'))
      .map(step => ({ file, jobId, step }))
  )

  // Without a `permissions:` key a job gets the repository's default token permissions, which may be write-all.
  it.each(jobs)("$file ($jobId) sets its token permissions (its own or the workflow's)", ({ file, job }) => {
    expect(permissionsOf(file, job)).toBeDefined()
  })

  it('gives `contents: write` to the job that tags a release and to no other', () => {
    const writers = jobs
      .filter(({ file, job }) => {
        const permissions = permissionsOf(file, job)
        return (
          permissions === 'write-all' || (typeof permissions === 'object' && permissions.contents === 'write')
        )
      })
      .map(({ file, jobId }) => `${file} (${jobId})`)
    expect(writers).toEqual(['.github/workflows/release.yml (publish)'])
  })

  it('checks out nothing in the job that may write: it uses the API with its token', () => {
    const publish = workflows.get('.github/workflows/release.yml')?.jobs.publish
    expect(publish?.steps?.filter(step => step.uses !== undefined)).toEqual([])
    expect(publish?.env).toMatchObject({ GH_TOKEN: '${{ github.token }}' })
  })

  it.each(checkouts)('$file ($jobId) leaves no credentials in .git/config', ({ step }) => {
    expect(step.with?.['persist-credentials']).toBe(false)
  })

  it('installs without install scripts in every workflow that runs npm ci', () => {
    const installs = jobs.flatMap(({ file, job }) =>
      (job.steps ?? []).flatMap(step =>
        /\bnpm ci\b/.test(step.run ?? '') ? [{ file, run: step.run?.trim() }] : []
      )
    )
    expect(installs.length).toBeGreaterThan(0)
    for (const install of installs) expect(install.run, install.file).toMatch(/^npm ci --ignore-scripts$/)
  })
})

describe('dependabot', () => {
  it('updates npm packages and the actions of the workflows', () => {
    const config = parse(read('.github/dependabot.yml')) as { updates: { 'package-ecosystem': string }[] }
    expect(config.updates.map(update => update['package-ecosystem']).sort()).toEqual([
      'github-actions',
      'npm'
    ])
  })
})
