// Every input is read and validated here, once, into one typed Settings object (as actions/checkout does);
// after readInputs() nothing else calls core.getInput. Errors name the input to fix and never echo a value.
import * as core from '@actions/core'
import { readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import {
  annotationKeyProblem,
  labelValueProblem,
  MAX_ANNOTATIONS_BYTES,
  qualifiedNameProblem,
  secretNameProblem
} from '../sync/kube-validation.js'
import { DEFAULT_MAX_DELETIONS, type MaxDeletions } from '../sync/deletion-limit.js'
import { removeDebugSwitches, removeRunnerCredentials } from './environment.js'
import { maskSecretValues } from './masking.js'
import * as runner from './runner-output.js'
import {
  MANAGED_BY_LABEL,
  OWNER_ANNOTATION,
  OWNER_LABEL,
  ownerAnnotationValue,
  PREFIX_LABEL
} from '../sync/ownership.js'
import type { OnConflict } from '../sync/plan.js'
import type { OnDrift } from '../sync/drift.js'
import { PROVENANCE_ANNOTATIONS, provenanceAnnotations, type RunProvenance } from '../sync/provenance.js'
import { readRunProvenance } from './provenance.js'
import type { RestartTarget } from '../sync/restarts.js'
import { parseFleetMembership, type GkeEndpoint, type GkeTarget } from '../google/gke-cluster.js'
import type { GoogleSignIn } from '../google/credentials.js'
import { googleEndpoints, type GoogleEndpoints } from '../google/endpoints.js'
import { expandHome, kubeconfigFiles, type KubeconfigFiles } from '../kube/kubeconfig-files.js'
import { proxyEnvironment, type ProxyEnvironment } from '../kube/proxy-from-environment.js'

/** Where the cluster connection comes from. */
export type ClusterSource =
  /** Kubeconfig files, chosen and merged as kubectl does; the current context is the cluster. */
  | { kind: 'kubeconfig'; files: KubeconfigFiles }
  /** A GKE cluster found through the Google API after signing in. */
  | { kind: 'gke'; target: GkeTarget; signIn: GoogleSignIn; endpoints: GoogleEndpoints }

/** Reads one input by its action.yml name ('' when unset): core.getInput in the action. */
export type InputReader = (name: string) => string

export interface Settings {
  secrets: Record<string, string>
  prefix: string
  /** Who owns the Secrets this run writes: by default the repository the workflow runs for. */
  owner: string
  /** The owner's numeric repository id (`owner_id`, else GITHUB_REPOSITORY_ID for the default owner). */
  ownerId?: string
  namespace: string
  cluster: ClusterSource
  dryRun: boolean
  prune: boolean
  /** How many Secrets one prune may delete. */
  maxDeletions: MaxDeletions
  onConflict: OnConflict
  /** A managed Secret whose value was changed in the cluster: write GitHub's back, or fail it. */
  onDrift: OnDrift
  /** Send a Kubernetes Event for every change (never in a dry run). */
  recordEvents: boolean
  /** The workflow run, recorded on every Secret it changes and in its Events. */
  provenance: RunProvenance
  labels: Record<string, string>
  annotations: Record<string, string>
  concurrency: number
  timeoutSeconds: number
  /** Deployments to restart when any Secret's value changed. */
  restart?: RestartTarget
  /** Restart every Deployment, StatefulSet and DaemonSet whose pod template reads a Secret whose value changed. */
  restartReferencing: boolean
  /** Watch each restarted workload until its rollout is complete, failed, or the time budget ends. */
  waitForRollout: boolean
  /** List the namespace's workloads and report which use each Secret and which references point nowhere. */
  checkReferences: boolean
  /** HTTPS_PROXY, HTTP_PROXY and NO_PROXY, for Kubernetes requests (Google's client reads them itself). */
  proxies: ProxyEnvironment
}

export class InputError extends Error {
  override name = 'InputError'
}

export function readInputs(
  env: NodeJS.ProcessEnv = process.env,
  input: InputReader = name => core.getInput(name)
): Settings {
  // Parsed and masked before anything else is even read, so no later failure can print a value.
  const { secrets, warning } = readSecrets(input, env)
  maskSecretValues(Object.values(secrets), runner.maskSecret)
  // The runner passes inputs as INPUT_* variables, and every child process inherits them: a kubeconfig `exec`
  // credential plugin (gke-gcloud-auth-plugin, aws eks get-token, a custom script) would be handed every secret
  // of the job. Once read, the action has no further use for the variable.
  // https://kubernetes.io/docs/reference/access-authn-authz/authentication/#input-and-output-formats
  delete env.INPUT_SECRETS
  // Before any Google library loads: with their debug switches on, they print tokens before they are masked.
  for (const warning of removeDebugSwitches(env)) runner.warning(warning)
  if (warning) runner.warning(warning)

  const prefix = parsePrefix(input('prefix') || 'DAGSTER_SECRET')
  const owner = parseOwner(input('owner'), env)
  const ownerId = parseOwnerId(input('owner_id'), input('owner'), env)
  const namespace = parseNamespace(input('namespace') || 'dagster-prd')
  const cluster = parseClusterSource(input, env)
  const provenance = readRunProvenance(env)
  // The kubeconfig path never signs in to Google, and its exec plugins must not hold the runner's credentials.
  if (cluster.kind === 'kubeconfig') removeRunnerCredentials(env)
  return {
    secrets,
    prefix,
    owner,
    ...(ownerId !== undefined && { ownerId }),
    namespace,
    cluster,
    dryRun: parseBoolean('dry_run', input('dry_run'), false),
    prune: parseBoolean('prune', input('prune'), false),
    maxDeletions: parseMaxDeletions(input('max_deletions')),
    onConflict: parseOnConflict(input('on_conflict') || 'fail'),
    onDrift: parseOnDrift(input('on_drift') || 'restore'),
    recordEvents: parseBoolean('record_events', input('record_events'), true),
    provenance,
    labels: parseMetadata('labels', input('labels'), labelValueProblem),
    // Measured with a write's time: every provenance timestamp has the same length.
    annotations: parseAnnotations(input('annotations'), {
      [OWNER_ANNOTATION]: ownerAnnotationValue({
        name: owner,
        ...(ownerId !== undefined && { id: ownerId })
      }),
      ...provenanceAnnotations(provenance, new Date())
    }),
    concurrency: parseWholeNumber('concurrency', input('concurrency') || '10', 1, 100),
    timeoutSeconds: parseWholeNumber('timeout_seconds', input('timeout_seconds') || '300', 1, 3600),
    restart: parseRestartTarget(input('restart_deployments')),
    restartReferencing: parseBoolean('restart_referencing', input('restart_referencing'), false),
    waitForRollout: parseBoolean('wait_for_rollout', input('wait_for_rollout'), true),
    checkReferences: parseBoolean('check_references', input('check_references'), false),
    proxies: proxyEnvironment(env)
  }
}

/**
 * Above this many bytes in `secrets`, a warning points to `secrets_file`. The runner hands each input to the
 * action as one environment variable, and Linux refuses to start a process with one environment string over
 * 128 KiB (MAX_ARG_STRLEN, execve(2): E2BIG): past that the step fails with "Argument list too long" before
 * the action runs, so the action cannot report it itself.
 */
export const SECRETS_WARNING_BYTES = 96 * 1024

/** Reads a file's text (readFileSync in the action). */
export type FileReader = (path: string) => string

/**
 * The secrets to choose from: the JSON of `secrets`, or of the file `secrets_file` names (read once), for
 * secret sets too large for an input. Exactly one of the two. With `secrets` near the limit, a warning.
 */
export function readSecrets(
  input: InputReader,
  env: NodeJS.ProcessEnv,
  readFile: FileReader = path => readFileSync(path, 'utf8')
): { secrets: Record<string, string>; warning?: string } {
  const text = input('secrets')
  const file = input('secrets_file').trim()
  if (text.trim() !== '' && file !== '') {
    throw new InputError(
      'Set either `secrets` or `secrets_file`, not both: `secrets_file` names a file holding the same JSON, for secret sets too large for `secrets`.'
    )
  }
  if (file === '') {
    if (text.trim() === '') {
      throw new InputError(
        'Input `secrets` is required (or `secrets_file`). Pass `secrets: ${{ toJSON(secrets) }}`, or, for secret sets over 128 KiB, write that JSON to a file and pass its path as `secrets_file`.'
      )
    }
    return {
      secrets: parseSecretsJson(text),
      warning: secretsSizeWarning(Buffer.byteLength(text, 'utf8'))
    }
  }
  const path = expandHome(file, env.HOME || homedir())
  let content: string
  try {
    content = readFile(path)
  } catch (error) {
    throw new InputError(`Could not read \`secrets_file\` ${path}: ${fileErrorReason(error)}.`)
  }
  return { secrets: parseSecretsJson(content, { file: path }) }
}

/** Why a file could not be read, in words: Node's codes, never the file's content. */
function fileErrorReason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code
  switch (code) {
    case 'ENOENT':
      return 'there is no such file (write it in an earlier step of the same job)'
    case 'EACCES':
    case 'EPERM':
      return 'permission denied'
    case 'EISDIR':
      return 'it is a folder, not a file'
    default:
      return code ?? 'unknown error'
  }
}

/** The warning for a `secrets` input of `bytes`, or undefined when it is far enough from the limit. */
export function secretsSizeWarning(bytes: number): string | undefined {
  if (bytes <= SECRETS_WARNING_BYTES) return undefined
  return `Input \`secrets\` holds ${(bytes / 1024).toFixed(0)} KiB. The runner passes each input as one environment variable, and Linux refuses to start a process with one over 128 KiB: once the secrets this job sees grow past that, this step fails with "Argument list too long" before the action starts. Write \`\${{ toJSON(secrets) }}\` to a file in an earlier step and pass its path as \`secrets_file\` instead.`
}

/**
 * The JSON of the secrets: an object of strings. The error says what is wrong, never what was given (JSON.parse's
 * own message quotes the text). `from`: the `secrets` input, or the file `secrets_file` names.
 */
export function parseSecretsJson(
  text: string,
  from: 'input' | { file: string } = 'input'
): Record<string, string> {
  const [what, fix] =
    from === 'input'
      ? ['Input `secrets`', 'Pass `secrets: ${{ toJSON(secrets) }}`']
      : [`The file \`secrets_file\` names (${from.file})`, 'Write `${{ toJSON(secrets) }}` into it']
  // A byte order mark (PowerShell's Out-File writes one) is not JSON; it says nothing about the content.
  const json = text.replace(/^\uFEFF/, '')
  if (json.trim() === '') throw new InputError(`${what} is empty. ${fix}.`)
  let parsed: unknown
  try {
    parsed = JSON.parse(json)
  } catch {
    throw new InputError(`${what} is not valid JSON. ${fix} (a JSON object of name to value).`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    const kind = parsed === null ? 'null' : Array.isArray(parsed) ? 'an array' : `a ${typeof parsed}`
    throw new InputError(`${what} is ${kind}, not a JSON object of name to value. ${fix}.`)
  }
  const notStrings = Object.entries(parsed)
    .filter(([, value]) => typeof value !== 'string')
    .map(([name]) => name)
  if (notStrings.length > 0) {
    throw new InputError(
      `${what} must map names to strings; these are not strings: ${notStrings.sort().join(', ')}.`
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

/**
 * The `owner` input, else GITHUB_REPOSITORY: the repository the workflow runs for (in a reusable workflow, the
 * calling repository). Outside Actions there is no default: a made-up owner would claim or conflict with the
 * Secrets of the repositories that really sync them.
 */
export function parseOwner(text: string, env: NodeJS.ProcessEnv): string {
  const owner = text.trim() || env.GITHUB_REPOSITORY?.trim() || ''
  if (owner === '') {
    throw new InputError(
      'Input `owner` is required outside GitHub Actions (GITHUB_REPOSITORY is not set): set it to the repository whose Secrets this run manages, e.g. acme/dagster-infra.'
    )
  }
  if (owner.length > 253 || /\p{Cc}/u.test(owner)) {
    throw new InputError(
      'Input `owner` must be one line of at most 253 characters, e.g. the repository acme/dagster-infra.'
    )
  }
  if (/ \(id \d+\)$/.test(owner)) {
    throw new InputError(
      'Input `owner` must not end in " (id N)": the action writes the id that way itself; give the id as `owner_id`.'
    )
  }
  return owner
}

/**
 * The `owner_id` input, else GITHUB_REPOSITORY_ID when the owner is the repository the workflow runs for (the
 * default, or the same name given as `owner`): the repository's numeric id, which a name registered again by
 * someone else does not share. Undefined for any other owner without `owner_id`.
 */
export function parseOwnerId(text: string, ownerInput: string, env: NodeJS.ProcessEnv): string | undefined {
  const given = text.trim()
  const fromRunner = ownerInput.trim() === '' || ownerInput.trim() === env.GITHUB_REPOSITORY?.trim()
  const id = given || (fromRunner ? env.GITHUB_REPOSITORY_ID?.trim() : undefined)
  if (!id) return undefined
  if (!/^\d{1,20}$/.test(id)) {
    throw new InputError(
      given
        ? `Input \`owner_id\` is "${given}"; use the repository's numeric id (\`\${{ github.repository_id }}\`).`
        : `GITHUB_REPOSITORY_ID is "${id}", not a number; set \`owner_id\` to the repository's numeric id.`
    )
  }
  return id
}

/** `max_deletions`: a whole number of Secrets, or a share of them from `0%` to `100%`; empty means `50%`. */
export function parseMaxDeletions(text: string): MaxDeletions {
  const trimmed = text.trim()
  if (trimmed === '') return DEFAULT_MAX_DELETIONS
  const share = /^(\d{1,3})%$/.exec(trimmed)
  if (share && Number(share[1]) <= 100) return { kind: 'share', percent: Number(share[1]) }
  if (/^\d{1,6}$/.test(trimmed)) return { kind: 'count', count: Number(trimmed) }
  throw new InputError(
    `Input \`max_deletions\` is "${text}"; use a number of Secrets (5) or a share of this owner's Secrets for the prefix from 0% to 100% (100% turns the limit off).`
  )
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

export function parseOnDrift(value: string): OnDrift {
  if (value === 'restore' || value === 'fail') return value
  throw new InputError(`Input \`on_drift\` is "${value}"; use restore or fail.`)
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

/**
 * The emails of service accounts that can be impersonated: user-made ones under iam.gserviceaccount.com
 * (a domain-scoped project's ID `example.com:p` is `p.example.com` there), and the default accounts that
 * Compute Engine (PROJECT_NUMBER-compute@developer.gserviceaccount.com) and App Engine
 * (PROJECT_ID@appspot.gserviceaccount.com) create. https://cloud.google.com/iam/docs/service-account-types
 * Whole-string patterns of the characters those names use: the email goes into the generateAccessToken URL.
 */
const SERVICE_ACCOUNT_EMAILS = [
  /^[a-z0-9][-a-z0-9_.]*@[a-z0-9][-a-z0-9.]*\.iam\.gserviceaccount\.com$/i,
  /^\d+-compute@developer\.gserviceaccount\.com$/i,
  /^[a-z][-a-z0-9.]*[a-z0-9]@appspot\.gserviceaccount\.com$/i
]

export const isServiceAccountEmail = (email: string): boolean =>
  SERVICE_ACCOUNT_EMAILS.some(pattern => pattern.test(email))

const PROVIDER = /^projects\/([^/]+)\/locations\/global\/workloadIdentityPools\/[^/]+\/providers\/[^/]+$/
const FULL_CLUSTER_NAME = /^projects\/([^/]+)\/locations\/([^/]+)\/clusters\/([^/]+)$/
/** Where gcloud and google-github-actions/auth leave the project, in their order of precedence. */
const PROJECT_ENV = [
  'CLOUDSDK_CORE_PROJECT',
  'CLOUDSDK_PROJECT',
  'GCLOUD_PROJECT',
  'GCP_PROJECT',
  'GOOGLE_CLOUD_PROJECT'
]

export function parseClusterSource(input: InputReader, env: NodeJS.ProcessEnv): ClusterSource {
  const kubeconfig = input('kubeconfig')
  const clusterName = input('cluster_name')
  const provider = input('workload_identity_provider')
  const uses = (['use_internal_ip', 'use_dns_based_endpoint', 'use_connect_gateway'] as const).filter(name =>
    parseBoolean(name, input(name), false)
  )
  if (kubeconfig && clusterName) {
    throw new InputError(
      'Set either `kubeconfig` or `cluster_name`, not both: they are two ways of naming the cluster.'
    )
  }
  if (uses.length > 1)
    throw new InputError(
      `Choose one of ${uses.map(name => `\`${name}\``).join(' and ')}: they exclude each other.`
    )

  if (!clusterName) {
    const gkeOnly = [...uses, ...(provider ? ['workload_identity_provider'] : [])]
    if (gkeOnly.length > 0) {
      throw new InputError(
        `\`${gkeOnly[0]}\` needs \`cluster_name\` (with \`location\` and \`project_id\`) to find the GKE cluster.`
      )
    }
    // As kubectl: the input (--kubeconfig), else KUBECONFIG (get-gke-credentials sets it), else ~/.kube/config
    // (helm/kind-action and `gcloud container clusters get-credentials` write it).
    return {
      kind: 'kubeconfig',
      files: kubeconfigFiles(kubeconfig, env.KUBECONFIG, env.HOME || homedir())
    }
  }

  const endpoint: GkeEndpoint =
    uses[0] === 'use_internal_ip'
      ? 'internal'
      : uses[0] === 'use_dns_based_endpoint'
        ? 'dns'
        : uses[0] === 'use_connect_gateway'
          ? 'gateway'
          : 'public'
  const fleetMembership = input('fleet_membership_name')
  if (fleetMembership && endpoint !== 'gateway') {
    throw new InputError('`fleet_membership_name` is only used with `use_connect_gateway: true`.')
  }
  const cluster = parseClusterRef(clusterName, input('location'), input('project_id'), env)
  const membership = fleetMembership ? parseFleetMembership(fleetMembership, cluster.project) : undefined
  if (fleetMembership && !membership) {
    throw new InputError(
      `\`fleet_membership_name\` "${fleetMembership}" must be a membership ID, or projects/PROJECT/locations/LOCATION/memberships/NAME (gkeMemberships also accepted).`
    )
  }
  return {
    kind: 'gke',
    target: { cluster, endpoint, ...(membership && { fleetMembership: membership }) },
    signIn: parseSignIn(provider, input('service_account'), input('audience'), cluster.project),
    endpoints: googleEndpoints(env)
  }
}

function parseClusterRef(
  clusterName: string,
  location: string,
  projectId: string,
  env: NodeJS.ProcessEnv
): GkeTarget['cluster'] {
  const full = FULL_CLUSTER_NAME.exec(clusterName)
  if (full) {
    const [, project, fullLocation, name] = full as unknown as [string, string, string, string]
    for (const [input, given, inName] of [
      ['location', location, fullLocation],
      ['project_id', projectId, project]
    ] as const) {
      if (given && given !== inName) {
        throw new InputError(
          `\`${input}\` is "${given}" but \`cluster_name\` says "${inName}"; leave \`${input}\` empty or make them agree.`
        )
      }
    }
    return { project, location: fullLocation, name }
  }
  if (clusterName.includes('/')) {
    throw new InputError(
      `\`cluster_name\` "${clusterName}" must be a name, or projects/PROJECT/locations/LOCATION/clusters/NAME.`
    )
  }
  if (!location)
    throw new InputError(
      "`location` is required with `cluster_name`: the cluster's region or zone, e.g. europe-west4."
    )
  const project = projectId || PROJECT_ENV.map(name => env[name]).find(Boolean)
  if (!project)
    throw new InputError(
      '`project_id` is required with `cluster_name` (no project was set by an earlier step either).'
    )
  return { project, location, name: clusterName }
}

function parseSignIn(
  provider: string,
  serviceAccount: string,
  audience: string,
  project: string
): GoogleSignIn {
  if (!provider) {
    if (serviceAccount) {
      throw new InputError(
        '`service_account` needs `workload_identity_provider`; without it the action uses Application Default Credentials as they are.'
      )
    }
    return { kind: 'adc', project }
  }
  const match = PROVIDER.exec(provider)
  if (!match) {
    throw new InputError(
      `\`workload_identity_provider\` "${provider}" must look like projects/123456789/locations/global/workloadIdentityPools/POOL/providers/PROVIDER.`
    )
  }
  if (!/^\d+$/.test(match[1] as string)) {
    throw new InputError(
      `\`workload_identity_provider\` names project "${match[1]}"; it needs the project NUMBER, not its ID (gcloud projects describe ${match[1]} --format='value(projectNumber)').`
    )
  }
  if (serviceAccount && !isServiceAccountEmail(serviceAccount)) {
    throw new InputError(
      `\`service_account\` "${serviceAccount}" must be a service account email: NAME@PROJECT.iam.gserviceaccount.com, or a default account, NUMBER-compute@developer.gserviceaccount.com (Compute Engine) or PROJECT@appspot.gserviceaccount.com (App Engine).`
    )
  }
  return {
    kind: 'federation',
    provider,
    ...(serviceAccount && { serviceAccount }),
    audience: audience || `https://iam.googleapis.com/${provider}`
  }
}

/** One `key=value` per line; blank lines and lines starting with `#` are left out. */
export function parseMetadata(
  input: 'labels' | 'annotations',
  text: string,
  valueProblem: (value: string) => string | undefined = () => undefined,
  keyProblem: (key: string) => string | undefined = qualifiedNameProblem
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
    const problem = keyProblem(key) ?? valueProblem(value)
    if (problem) throw new InputError(`${at}: ${problem}.`)
    const reserved = [MANAGED_BY_LABEL, PREFIX_LABEL, OWNER_LABEL, OWNER_ANNOTATION]
    if ([...reserved, ...Object.values(PROVENANCE_ANNOTATIONS)].includes(key)) {
      throw new InputError(`${at}: ${key} is set by the action itself; remove it.`)
    }
    if (key in entries) throw new InputError(`${at}: ${key} is given twice.`)
    entries[key] = value
  }
  return entries
}

/**
 * The API server limits all annotations of an object together (keys and values, in bytes), and every Secret also
 * carries the action's own annotations (`ours`: the owner, and the provenance of a write): the input may use what
 * they leave.
 */
export function parseAnnotations(text: string, ours: Record<string, string> = {}): Record<string, string> {
  const annotations = parseMetadata('annotations', text, undefined, annotationKeyProblem)
  const bytes = Object.entries(annotations).reduce((sum, [k, v]) => sum + Buffer.byteLength(k + v), 0)
  const allowed =
    MAX_ANNOTATIONS_BYTES - Object.entries(ours).reduce((sum, [k, v]) => sum + Buffer.byteLength(k + v), 0)
  if (bytes > allowed) {
    throw new InputError(
      `Input \`annotations\` holds ${bytes} bytes; Kubernetes allows ${MAX_ANNOTATIONS_BYTES} for all annotations of a Secret, and the action's own (${Object.keys(ours).join(', ')}) leave ${allowed}.`
    )
  }
  return annotations
}

/**
 * Deployment names (one per line, or separated by commas or spaces), or one label selector, told apart by
 * the operators only a selector has (`=`, `!=`, `!key`, `in (...)`, `notin (...)`).
 */
export function parseRestartTarget(text: string): RestartTarget | undefined {
  const trimmed = text.trim()
  if (trimmed === '') return undefined
  if (/[=!]|\s(not)?in\s*\(/.test(trimmed)) {
    if (/\n/.test(trimmed)) {
      throw new InputError(
        'Input `restart_deployments` looks like a label selector; give it on one line, e.g. app.kubernetes.io/part-of=dagster.'
      )
    }
    return { kind: 'selector', selector: trimmed }
  }
  const names = [...new Set(trimmed.split(/[\s,]+/))]
  for (const name of names) {
    const problem = secretNameProblem(name)
    if (problem) throw new InputError(`Input \`restart_deployments\`: the Deployment name ${problem}.`)
  }
  return { kind: 'names', names }
}
