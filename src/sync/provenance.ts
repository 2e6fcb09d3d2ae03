// Where a Secret's current value came from, recorded on it as annotations: the repository, the workflow run, the
// commit, the actor and the time of the write. An on-call engineer reading `kubectl describe secret` finds the run
// that last wrote it. They are written only with a change of value or owner (create, value update, claim,
// adoption), so an unchanged run still writes nothing, and a metadata-only update keeps the record of the run that
// set the value. The runner's variables are read in github/ (provenance.ts there); the core takes plain values.
import { OWNER_ANNOTATION } from './ownership.js'
import { rfc3339 } from './rfc3339.js'

/** The same prefix as the owner annotation (`gke-secrets-sync/owner`). */
const PREFIX = OWNER_ANNOTATION.slice(0, OWNER_ANNOTATION.indexOf('/') + 1)

export const PROVENANCE_ANNOTATIONS = {
  repository: `${PREFIX}repository`,
  runUrl: `${PREFIX}run-url`,
  commit: `${PREFIX}commit`,
  actor: `${PREFIX}actor`,
  writtenAt: `${PREFIX}written-at`
} as const

/** The workflow run this action runs in; every field is absent outside GitHub Actions. */
export interface RunProvenance {
  /** `acme/dagster-infra` (GITHUB_REPOSITORY). */
  repository?: string
  /** The run's page, down to its attempt: `https://github.com/acme/dagster-infra/actions/runs/4242/attempts/1`. */
  runUrl?: string
  /** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, for the Events' reportingInstance. */
  runId?: string
  runAttempt?: string
  /** The commit SHA the workflow ran on (GITHUB_SHA). */
  commit?: string
  /** Who started the run (GITHUB_ACTOR). */
  actor?: string
}

/** The annotations of one write at `at`: what the run knows, and always the time. */
export function provenanceAnnotations(run: RunProvenance, at: Date): Record<string, string> {
  const known: [string, string | undefined][] = [
    [PROVENANCE_ANNOTATIONS.repository, run.repository],
    [PROVENANCE_ANNOTATIONS.runUrl, run.runUrl],
    [PROVENANCE_ANNOTATIONS.commit, run.commit],
    [PROVENANCE_ANNOTATIONS.actor, run.actor],
    [PROVENANCE_ANNOTATIONS.writtenAt, rfc3339(at)]
  ]
  return Object.fromEntries(known.filter((entry): entry is [string, string] => Boolean(entry[1])))
}
