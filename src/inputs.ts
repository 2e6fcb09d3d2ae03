// Every input is read and validated here, once, into one typed Settings object (as actions/checkout does);
// after readInputs() nothing else calls core.getInput. Errors name the input to fix and never echo a value.
import * as core from '@actions/core'
import { labelValueProblem, MAX_ANNOTATIONS_BYTES, qualifiedNameProblem } from './kube-validation.js'
import { maskSecretValues } from './masking.js'
import { MANAGED_BY_LABEL, PREFIX_LABEL, type OnConflict } from './plan.js'

/** Where the cluster connection comes from. */
export type ClusterSource =
  /** A kubeconfig file; its current context is the cluster. */
  { kind: 'kubeconfig'; path: string }

export interface Settings {
  secrets: Record<string, string>
  prefix: string
  namespace: string
  cluster: ClusterSource
  dryRun: boolean
  onConflict: OnConflict
  labels: Record<string, string>
  annotations: Record<string, string>
  concurrency: number
  timeoutSeconds: number
}

export class InputError extends Error {
  override name = 'InputError'
}

export function readInputs(env: NodeJS.ProcessEnv = process.env): Settings {
  // Parsed and masked before anything else is even read, so no later failure can print a value.
  const secrets = parseSecretsJson(core.getInput('secrets', { required: true }))
  maskSecretValues(Object.values(secrets), core.setSecret)

  return {
    secrets,
    prefix: parsePrefix(core.getInput('prefix') || 'DAGSTER_SECRET'),
    namespace: parseNamespace(core.getInput('namespace') || 'dagster-prd'),
    cluster: parseClusterSource(core.getInput('kubeconfig'), env),
    dryRun: parseBoolean('dry_run', core.getInput('dry_run'), false),
    onConflict: parseOnConflict(core.getInput('on_conflict') || 'fail'),
    labels: parseMetadata('labels', core.getInput('labels'), labelValueProblem),
    annotations: parseAnnotations(core.getInput('annotations')),
    concurrency: parseWholeNumber('concurrency', core.getInput('concurrency') || '10', 1, 100),
    timeoutSeconds: parseWholeNumber('timeout_seconds', core.getInput('timeout_seconds') || '300', 1, 3600)
  }
}

/** The `secrets` input: a JSON object of strings. The error says what is wrong, never what was given. */
export function parseSecretsJson(text: string): Record<string, string> {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    throw new InputError(
      'Input `secrets` is not valid JSON. Pass `secrets: ${{ toJSON(secrets) }}` (a JSON object of name to value).'
    )
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`
    throw new InputError(
      `Input \`secrets\` is ${kind}, not a JSON object of name to value. Pass \`secrets: \${{ toJSON(secrets) }}\`.`
    )
  }
  const notStrings = Object.entries(parsed)
    .filter(([, value]) => typeof value !== 'string')
    .map(([name]) => name)
  if (notStrings.length > 0) {
    throw new InputError(
      `Input \`secrets\` must map names to strings; these are not strings: ${notStrings.sort().join(', ')}.`
    )
  }
  return parsed as Record<string, string>
}

/** GitHub secret names are letters, digits and `_`; the `_` after the prefix is added by the action. */
export function parsePrefix(prefix: string): string {
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(prefix) || prefix.endsWith('_') || prefix.length > 63) {
    throw new InputError(
      `Input \`prefix\` "${prefix}" must be letters, digits and '_' (at most 63, starting with a letter), without the trailing '_': DAGSTER_SECRET selects DAGSTER_SECRET_*.`
    )
  }
  return prefix
}

export function parseNamespace(namespace: string): string {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace) || namespace.length > 63) {
    throw new InputError(
      `Input \`namespace\` "${namespace}" is not a Kubernetes namespace name: lower-case letters, digits and '-', at most 63.`
    )
  }
  return namespace
}

export function parseOnConflict(value: string): OnConflict {
  if (value === 'fail' || value === 'skip' || value === 'adopt') return value
  throw new InputError(`Input \`on_conflict\` is "${value}"; use fail, skip or adopt.`)
}

/** The YAML 1.2 core-schema booleans that core.getBooleanInput accepts; empty means the default. */
export function parseBoolean(input: string, text: string, fallback: boolean): boolean {
  if (text === '') return fallback
  if (['true', 'True', 'TRUE'].includes(text)) return true
  if (['false', 'False', 'FALSE'].includes(text)) return false
  throw new InputError(`Input \`${input}\` is "${text}"; use true or false.`)
}

export function parseWholeNumber(input: string, text: string, min: number, max: number): number {
  const value = Number(text)
  if (!/^\d+$/.test(text.trim()) || value < min || value > max) {
    throw new InputError(`Input \`${input}\` is "${text}"; use a whole number from ${min} to ${max}.`)
  }
  return value
}

function parseClusterSource(kubeconfig: string, env: NodeJS.ProcessEnv): ClusterSource {
  if (kubeconfig) return { kind: 'kubeconfig', path: kubeconfig }
  // A step before this one (google-github-actions/get-gke-credentials, helm/kind-action) may have set it.
  if (env.KUBECONFIG) return { kind: 'kubeconfig', path: env.KUBECONFIG }
  throw new InputError(
    'No cluster to connect to: set the `kubeconfig` input to a kubeconfig file (or run a step that sets KUBECONFIG before this one).'
  )
}

/** One `key=value` per line; blank lines and lines starting with `#` are left out. */
export function parseMetadata(
  input: 'labels' | 'annotations',
  text: string,
  valueProblem: (value: string) => string | undefined = () => undefined
): Record<string, string> {
  const entries: Record<string, string> = {}
  for (const [index, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim()
    if (line === '' || line.startsWith('#')) continue
    const at = `Input \`${input}\`, line ${index + 1}`
    const equals = line.indexOf('=')
    if (equals === -1) throw new InputError(`${at}: write it as key=value.`)
    const key = line.slice(0, equals).trim()
    const value = line.slice(equals + 1).trim()
    const problem = qualifiedNameProblem(key) ?? valueProblem(value)
    if (problem) throw new InputError(`${at}: ${problem}.`)
    if (key === MANAGED_BY_LABEL || key === PREFIX_LABEL) {
      throw new InputError(`${at}: ${key} is set by the action itself; remove it.`)
    }
    if (key in entries) throw new InputError(`${at}: ${key} is given twice.`)
    entries[key] = value
  }
  return entries
}

function parseAnnotations(text: string): Record<string, string> {
  const annotations = parseMetadata('annotations', text)
  const bytes = Object.entries(annotations).reduce((sum, [k, v]) => sum + Buffer.byteLength(k + v), 0)
  if (bytes > MAX_ANNOTATIONS_BYTES) {
    throw new InputError(
      `Input \`annotations\` holds ${bytes} bytes; Kubernetes allows ${MAX_ANNOTATIONS_BYTES}.`
    )
  }
  return annotations
}
