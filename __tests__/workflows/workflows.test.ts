// Every workflow this repository ships, shows or runs, checked with GitHub's own workflow parser (schema,
// expression contexts, job graph) and then for the structure the sync depends on: the reusable workflow's
// inputs, permissions, secrets and outputs, and how callers call it.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'

const repoRoot = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(repoRoot, path), 'utf8')

const REUSABLE = '.github/workflows/sync-secrets.yml'
/** How callers outside this repository name the action and the reusable workflow. */
const ACTION_REF = /^gke-secrets-sync\/gke-secrets-sync@v\d+$/
const REUSABLE_REF =
  /^(gke-secrets-sync\/gke-secrets-sync\/\.github\/workflows\/sync-secrets\.yml@v\d+|\.\/\.github\/workflows\/sync-secrets\.yml)$/

interface Step {
  id?: string
  uses?: string
  run?: string
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

const workflowFiles = ['.github/workflows', 'examples'].flatMap(dir =>
  readdirSync(join(repoRoot, dir))
    .filter(name => /\.ya?ml$/.test(name))
    .map(name => `${dir}/${name}`)
    .sort()
)
const workflows = new Map(workflowFiles.map(file => [file, parse(read(file)) as Workflow]))
const action = parse(read('action.yml')) as ActionMetadata
const reusable = workflows.get(REUSABLE) as Workflow

/** Action inputs the reusable workflow does not take from its caller, and why. */
const NOT_FORWARDED: Record<string, string> = {
  secrets: 'always `toJSON(secrets)`: the secrets the caller passed (or inherited)',
  secrets_file:
    "a path on the caller's runner: the called job starts on a fresh runner, where it passes the secrets itself",
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
    ['an unknown context', '|| toJSON(secrets)', '|| toJSON(secretz)', "Unrecognized named-value: 'secretz'"],
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
    expect(inputs.owner).toMatchObject({ type: 'string', default: '' })
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
    expect(syncStep?.with?.secrets).toBe('${{ secrets.sync_secrets || toJSON(secrets) }}')
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

  it.each(actionSteps)('$file ($jobId) passes secrets and only inputs action.yml declares', ({ step }) => {
    expect(step.with).toHaveProperty('secrets')
    expect(Object.keys(step.with ?? {}).filter(name => !(name in action.inputs))).toEqual([])
  })

  it.each(actionSteps.filter(found => found.step.with?.workload_identity_provider !== undefined))(
    '$file ($jobId) may request the OIDC token it federates with',
    ({ file, job }) => {
      expect(permissionsOf(file, job)).toMatchObject({ 'id-token': 'write' })
    }
  )
})

describe('third-party actions', () => {
  const uses = workflowFiles.flatMap(file =>
    jobsOf(file).flatMap(([, job]) => [
      ...(job.uses ? [job.uses] : []),
      ...(job.steps ?? []).flatMap(step => (step.uses ? [step.uses] : []))
    ])
  )

  it.each([...new Set(uses)].filter(ref => !ref.startsWith('./')))('%s is pinned to a major tag', ref => {
    expect(ref).toMatch(/^[\w.-]+\/[\w./-]+@v\d+$/)
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
