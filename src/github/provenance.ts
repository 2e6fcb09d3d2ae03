// The workflow run this action runs in, from the variables the runner sets for every step, as the core records it
// on the Secrets it writes and in its Events (sync/provenance.ts). Outside Actions none is set and none is recorded.
// https://docs.github.com/en/actions/reference/workflows-and-actions/variables#default-environment-variables
import type { RunProvenance } from '../sync/provenance.js'

export function readRunProvenance(env: NodeJS.ProcessEnv): RunProvenance {
  const value = (name: string): string | undefined => oneLine(env[name])
  const repository = value('GITHUB_REPOSITORY')
  const server = value('GITHUB_SERVER_URL')?.replace(/\/+$/, '')
  const runId = value('GITHUB_RUN_ID')
  const runAttempt = value('GITHUB_RUN_ATTEMPT')
  const runUrl =
    server && repository && runId
      ? `${server}/${repository}/actions/runs/${runId}${runAttempt ? `/attempts/${runAttempt}` : ''}`
      : undefined
  const commit = value('GITHUB_SHA')
  const actor = value('GITHUB_ACTOR')
  return {
    ...(repository && { repository }),
    ...(runUrl && { runUrl }),
    ...(runId && { runId }),
    ...(runAttempt && { runAttempt }),
    ...(commit && { commit }),
    ...(actor && { actor })
  }
}

/** A variable's value when it is one short line, the only shape the runner gives these. */
function oneLine(text: string | undefined): string | undefined {
  const trimmed = text?.trim()
  return trimmed && trimmed.length <= 512 && !/\p{Cc}/u.test(trimmed) ? trimmed : undefined
}
