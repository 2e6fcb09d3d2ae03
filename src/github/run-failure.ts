// A run that fails before its report is built (a bad input, bad JSON in `secrets`, prune's refusal, the Google
// sign-in, the cluster lookup, the kubeconfig, or an error nobody planned for) still writes a job summary: a ❌
// heading that says what failed, the message, the fix, and what the run did not touch. Pure, like report.ts;
// publish.ts writes it.
import { GoogleStageError } from '../google/credentials.js'
import { KubeconfigError } from '../kube/kubeconfig-files.js'
import { pruneRefusal } from '../sync/plan.js'
import type { Selection } from '../sync/selection.js'
import { InputError } from './inputs.js'
import { code, messageBlocks } from './markdown.js'
import { emptySelectionCauses, formatDuration } from './report.js'

/** Prune is on and no secret of the prefix was given: every Secret of the prefix would go. */
export class PruneRefused extends Error {
  override name = 'PruneRefused'
}

/** Throws PruneRefused before anything is sent anywhere (plan.ts decides). */
export function refusePruneWithoutSecrets(prune: boolean, prefix: string, selection: Selection): void {
  const refusal = prune
    ? pruneRefusal(prefix, selection.selected.length + selection.rejected.length)
    : undefined
  if (refusal) throw new PruneRefused(refusal)
}

/**
 * How far the run got, kept by run() as it goes: what the summary of a failure may say was not touched, and
 * whether the report's own summary has been written already (then it is not written twice).
 */
export interface RunProgress {
  started: number
  /** inputs: nothing sent anywhere yet; connecting: Google or the kubeconfig, nothing written; syncing: after. */
  stage: 'inputs' | 'connecting' | 'syncing'
  namespace?: string
  prefix?: string
  summaryWritten: boolean
}

export function startProgress(): RunProgress {
  return { started: performance.now(), stage: 'inputs', summaryWritten: false }
}

interface FailureKind {
  /** After `gke-secrets-sync: ` in the heading. */
  heading: string
  /** Markdown blocks after the message. */
  fix: string[]
}

const NOTHING_WRITTEN = 'Nothing was written to the cluster.'

/** A denial right after the one-time setup is usually IAM that has not reached every server yet. */
const IAM_DENIAL = /\b403\b|PERMISSION_DENIED|denied|unauthorized_client/

function kindOf(error: unknown, progress: RunProgress): FailureKind {
  const message = error instanceof Error ? error.message : ''
  if (error instanceof InputError) {
    return {
      heading: 'an input is invalid',
      fix: [
        "**To fix:** change that input in the step's `with:` and run again (action.yml describes every input). Nothing was sent to Google or to the cluster."
      ]
    }
  }
  if (error instanceof PruneRefused) {
    return {
      heading: 'prune refused, no secret of the prefix was given',
      fix: [
        '**To fix:** the GitHub secrets most likely exist and did not reach this step. The usual causes:',
        '',
        ...emptySelectionCauses(progress.prefix ?? '').map(cause => `- ${cause}`),
        '',
        'Nothing was deleted, and nothing was sent to Google or to the cluster.'
      ]
    }
  }
  if (error instanceof GoogleStageError) {
    const propagation = IAM_DENIAL.test(message)
      ? ' Right after the one-time setup, new IAM bindings can take several minutes to apply: if the setup is new, wait and run again before changing anything (docs/setup.md, step 7).'
      : ''
    return {
      heading: 'Google sign-in or the cluster lookup failed',
      fix: [`**To fix:** change what the message names, then run again.${propagation} ${NOTHING_WRITTEN}`]
    }
  }
  if (error instanceof KubeconfigError) {
    return {
      heading: 'the kubeconfig could not be used',
      fix: [
        `**To fix:** check the \`kubeconfig\` input, or else the KUBECONFIG variable or ~/.kube/config, which the action reads as kubectl does. ${NOTHING_WRITTEN}`
      ]
    }
  }
  return {
    heading: 'stopped by an unexpected error',
    fix: [
      `**To fix:** run again; if it happens again, please report it with the step's log. ${
        progress.stage === 'syncing'
          ? 'It stopped after connecting, so some Secrets may have been written; the next run writes only what differs.'
          : NOTHING_WRITTEN
      }`
    ]
  }
}

/**
 * The job summary of a run that failed before its report: heading, message, fix, and the small print. The
 * message of an error nobody planned for stays in the step's error, which the runner masks: it may quote
 * anything (Node's own JSON.parse errors quote the text they failed on), and the summary is not masked.
 */
export function renderFailureSummary(
  error: unknown,
  progress: RunProgress,
  origin?: string,
  now = performance.now()
): string {
  const kind = kindOf(error, progress)
  const planned = [InputError, PruneRefused, GoogleStageError, KubeconfigError].some(
    type => error instanceof type
  )
  const message = planned ? (error as Error).message : "The step's error says what happened."
  const facts = [
    ...(progress.namespace ? [`Namespace ${code(progress.namespace)}`] : []),
    `took ${formatDuration(now - progress.started)}`,
    ...(origin ? [origin] : [])
  ]
  return [
    `## ❌ gke-secrets-sync: ${kind.heading}`,
    '',
    ...messageBlocks(message),
    ...kind.fix,
    '',
    facts.join(' · ').replace(/^t/, 'T'),
    ''
  ].join('\n')
}
