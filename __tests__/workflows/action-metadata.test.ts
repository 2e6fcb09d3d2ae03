// Holds action.yml, the action's public interface, against the code: every input readInputs() reads is
// declared and every declared input is read; toOutputs() writes exactly the declared outputs; the declared
// defaults are the ones the code falls back to.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { NoOperationTraceWriter } from '@actions/workflow-parser'
import { parseAction } from '@actions/workflow-parser/actions/index'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { readInputs } from '../../src/github/inputs.js'
import { toOutputs, type SyncReport } from '../../src/github/report.js'

const actionText = readFileSync(join(import.meta.dirname, '../../action.yml'), 'utf8')
const action = parse(actionText) as {
  inputs: Record<string, { description?: string; default?: string; required?: boolean }>
  outputs: Record<string, { description?: string }>
  runs: { using: string; main: string }
}
const declaredInputs = Object.keys(action.inputs).sort()
const declaredOutputs = Object.keys(action.outputs).sort()

/**
 * Valid settings for each way of reaching a cluster. readInputs() reads some inputs only on one path (location,
 * service_account, audience, fleet_membership_name only for GKE), so the names read are the union of both.
 */
const SETTINGS: Record<string, string>[] = [
  { secrets: '{}', kubeconfig: '/k' },
  {
    secrets: '{}',
    cluster_name: 'dagster',
    location: 'europe-west4',
    project_id: 'p',
    workload_identity_provider: 'projects/123/locations/global/workloadIdentityPools/github/providers/github',
    service_account: 'sync@p.iam.gserviceaccount.com',
    use_connect_gateway: 'true',
    fleet_membership_name: 'dagster'
  }
]

/** What a runner sets: `owner` falls back to GITHUB_REPOSITORY. */
const ENV = { GITHUB_REPOSITORY: 'acme/dagster-infra' }

/** Every input name readInputs() asks for with these settings ('' for the others). */
function inputsRead(settings: Record<string, string>): Set<string> {
  const names = new Set<string>()
  readInputs(ENV, name => {
    names.add(name)
    return settings[name] ?? ''
  })
  return names
}

const readNames = [...new Set(SETTINGS.flatMap(settings => [...inputsRead(settings)]))].sort()

describe('action.yml inputs', () => {
  it('declares every input the code reads', () => {
    expect(readNames.filter(name => !declaredInputs.includes(name))).toEqual([])
  })

  it('declares only inputs the code reads', () => {
    expect(declaredInputs.filter(name => !readNames.includes(name))).toEqual([])
  })

  it.each(SETTINGS.map(settings => [Object.keys(settings).join(', '), settings] as const))(
    'declares the defaults the code falls back to (with %s)',
    (_, settings) => {
      const withDeclaredDefaults = (name: string): string =>
        settings[name] ?? action.inputs[name]?.default ?? ''
      const withNothing = (name: string): string => settings[name] ?? ''
      expect(readInputs(ENV, withDeclaredDefaults)).toEqual(readInputs(ENV, withNothing))
    }
  )

  // `secrets` or `secrets_file`, exactly one: the code checks that, the metadata cannot say it.
  it('marks no input as required', () => {
    const required = declaredInputs.filter(name => action.inputs[name]?.required)
    expect(required).toEqual([])
  })
})

describe('action.yml outputs', () => {
  const report: SyncReport = {
    server: 's',
    target: { kind: 'kubeconfig', context: 'c' },
    namespace: 'n',
    prefix: 'P',
    dryRun: false,
    results: [],
    ignoredCount: 0
  }
  const written = Object.keys(toOutputs(report)).sort()

  it('declares every output the code writes', () => {
    expect(written.filter(name => !declaredOutputs.includes(name))).toEqual([])
  })

  it('declares only outputs the code writes', () => {
    expect(declaredOutputs.filter(name => !written.includes(name))).toEqual([])
  })
})

describe('action.yml', () => {
  it("passes GitHub's action parser", () => {
    const parsed = parseAction({ name: 'action.yml', content: actionText }, new NoOperationTraceWriter())
    expect(parsed.context.errors.getErrors().map(error => error.message)).toEqual([])
  })

  it.each([
    ...declaredInputs.map(name => ['input', name, action.inputs[name]?.description] as const),
    ...declaredOutputs.map(name => ['output', name, action.outputs[name]?.description] as const)
  ])('describes %s %s', (_, __, description) => {
    expect(description?.trim()).toBeTruthy()
  })

  it('runs the committed bundle on Node 24', () => {
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })
})
