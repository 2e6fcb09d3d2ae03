// The Kubernetes Events of a run: one per Secret it created, changed, claimed, adopted, restored or deleted (and, fed
// in by the restarts, per workload restarted), so that `kubectl events --for secret/NAME` answers "who rotated this,
// from which run?". Pure: results go in, Event bodies come out; kube/events-client.ts sends them after the writes.
// The fields and their limits are those the API server validates for events.k8s.io/v1 (kubernetes
// pkg/apis/core/validation/events.go: reportingController a qualified name, reportingInstance, action and reason at
// most 128 characters, note at most 1 KiB, type Normal or Warning). A note names the repository, the run, the actor
// and the commit; never a value, nor anything computed from one.
import type { Drift } from './drift.js'
import { MANAGER } from './ownership.js'
import type { RunProvenance } from './provenance.js'
import { compareNames } from './selection.js'
import type { SecretResult, WrittenSecret } from './sync.js'
import type { WorkloadRestart } from './restarts.js'

/** What happened, in the CamelCase of Kubernetes reasons; `kubectl events --types=Warning` finds the drift. */
export type EventReason =
  | 'SecretCreated'
  | 'SecretUpdated'
  | 'SecretMetadataUpdated'
  | 'SecretClaimed'
  | 'SecretAdopted'
  | 'DriftRestored'
  | 'SecretDeleted'
  | 'WorkloadRestarted'

/** The reasons of a Secret's Events. */
export type SecretEventReason = Exclude<EventReason, 'WorkloadRestarted'>

/** The `action` of each reason: what this controller did to the object. */
export const EVENT_ACTIONS: Record<EventReason, string> = {
  SecretCreated: 'Create',
  SecretUpdated: 'Update',
  SecretMetadataUpdated: 'Update',
  SecretClaimed: 'Claim',
  SecretAdopted: 'Adopt',
  DriftRestored: 'Restore',
  SecretDeleted: 'Delete',
  WorkloadRestarted: 'Restart'
}

/** The API server's limits (ReportingInstanceLengthLimit, NoteLengthLimit; Go's len() counts bytes). */
const MAX_INSTANCE = 128
const MAX_NOTE_BYTES = 1024
const MAX_NAME = 253

/** The object an Event is about (a core/v1 ObjectReference). */
export interface EventSubject {
  apiVersion: string
  kind: string
  name: string
  namespace: string
  uid?: string
  resourceVersion?: string
}

/** An events.k8s.io/v1 Event in plain values; the client turns `eventTime` into a MicroTime. */
export interface AuditEvent {
  name: string
  namespace: string
  eventTime: Date
  reportingController: string
  reportingInstance: string
  action: string
  reason: EventReason
  type: 'Normal' | 'Warning'
  regarding: EventSubject
  note: string
}

export interface EventContext {
  namespace: string
  run: RunProvenance
}

/** The Events of a run's results, in name order: none for what it left unchanged, skipped or failed. */
export function secretEvents(results: SecretResult[], context: EventContext): AuditEvent[] {
  const sorted = [...results].sort((a, b) => compareNames(a.secretName, b.secretName))
  return sorted.flatMap((result, index) => {
    const reason = reasonOf(result)
    if (!reason) return []
    // reasonOf gives a reason only to a result with a write.
    const written = result.written as WrittenSecret
    const subject = subjectOf('v1', 'Secret', result.secretName, context.namespace, written)
    const note = `${whatHappened(reason, result, written)}${origin(context.run)}`
    return [auditEvent(reason, subject, note, context, new Date(written.at), index)]
  })
}

/**
 * The WorkloadRestarted Events of a run: one per workload it restarted (not a dry run's, a paused or a failed
 * one), regarding the workload as the PATCH answered it. The uid matters: `kubectl describe deployment` lists the
 * Events whose involvedObject has the object's uid (kubectl pkg/describe searchEvents), `kubectl events --for` those
 * of its kind and name. `firstIndex` follows the Secrets' Events, so that the names of one run's Events stay apart.
 */
export function restartEvents(
  restarts: readonly WorkloadRestart[],
  context: EventContext,
  firstIndex: number
): AuditEvent[] {
  return restarts
    .filter(restart => restart.outcome === 'restarted')
    .map((restart, index) => {
      const subject = subjectOf('apps/v1', restart.kind, restart.name, restart.namespace, restart)
      const secrets = [...new Set(restart.causes.map(cause => cause.secretName))]
      const because =
        secrets.length === 0
          ? ''
          : ` so its pods read the changed Secret${secrets.length === 1 ? '' : 's'} ${secrets.join(', ')}`
      const note = `Restarted${because}.${origin(context.run)}`
      // A restarted workload has its restartedAt; the clock is only a fallback for the type.
      const at = new Date(restart.restartedAt ?? Date.now())
      return auditEvent('WorkloadRestarted', subject, note, context, at, firstIndex + index)
    })
}

/** The object as the write answered it: its uid and resourceVersion only when the answer had them. */
function subjectOf(
  apiVersion: string,
  kind: string,
  name: string,
  namespace: string,
  { uid, resourceVersion }: { uid?: string; resourceVersion?: string }
): EventSubject {
  return {
    apiVersion,
    kind,
    name,
    namespace,
    ...(uid && { uid }),
    ...(resourceVersion && { resourceVersion })
  }
}

/** The one reason of a result; a result may be several things at once and the most telling one wins. */
export function reasonOf(result: SecretResult): SecretEventReason | undefined {
  const written = result.written
  if (!written) return undefined
  switch (result.state) {
    case 'created':
      return 'SecretCreated'
    case 'deleted':
      return 'SecretDeleted'
    case 'updated':
    case 'metadata-updated':
      if (result.drift) return 'DriftRestored'
      if (written.takeover === 'adopted') return 'SecretAdopted'
      if (written.takeover === 'claimed') return 'SecretClaimed'
      return written.valueChanged ? 'SecretUpdated' : 'SecretMetadataUpdated'
  }
  return undefined
}

function whatHappened(reason: SecretEventReason, result: SecretResult, written: WrittenSecret): string {
  const from = result.githubName ? ` from the GitHub secret ${result.githubName}` : ''
  const value = written.valueChanged ? `, with the value${from}` : ''
  switch (reason) {
    case 'SecretCreated':
      return `Created${from}.`
    case 'SecretUpdated':
      return `Value updated${from}.`
    case 'SecretMetadataUpdated':
      return 'Labels or annotations updated; the value is unchanged.'
    case 'SecretClaimed':
      return `Claimed (an earlier version made it without recording an owner)${value}.`
    case 'SecretAdopted':
      return `Adopted (on_conflict: adopt)${value}.`
    case 'DriftRestored':
      return `GitHub's value written back${from}: ${driftWords(result.drift as Drift)}.`
    case 'SecretDeleted':
      return 'Deleted by prune: its GitHub secret is gone.'
  }
}

function driftWords(drift: Drift): string {
  return `the value had been changed in the cluster by ${drift.manager} (${drift.operation}${drift.time ? ` at ${drift.time}` : ''})`
}

/** Who: this action, in the repository, the run's page, the actor and the commit, as far as the run knows them. */
function origin(run: RunProvenance): string {
  const facts = [
    run.repository && `in ${run.repository}`,
    run.runUrl && `run ${run.runUrl}`,
    run.actor && `actor ${run.actor}`,
    run.commit && `commit ${run.commit}`
  ].filter(Boolean)
  return facts.length > 0
    ? ` By gke-secrets-sync ${facts.join(', ')}.`
    : ' By gke-secrets-sync, outside GitHub Actions.'
}

function auditEvent(
  reason: EventReason,
  regarding: EventSubject,
  note: string,
  context: EventContext,
  at: Date,
  index: number
): AuditEvent {
  return {
    name: eventName(regarding.name, at, index),
    namespace: context.namespace,
    eventTime: at,
    reportingController: MANAGER,
    reportingInstance: reportingInstance(context.run),
    action: EVENT_ACTIONS[reason],
    reason,
    type: reason === 'DriftRestored' ? 'Warning' : 'Normal',
    regarding,
    note: truncateBytes(note, MAX_NOTE_BYTES)
  }
}

/** This run: `github-run-4242-1` (run id and attempt); `local` outside Actions. */
export function reportingInstance(run: RunProvenance): string {
  const instance = run.runId ? `github-run-${run.runId}-${run.runAttempt ?? '1'}` : 'local'
  return instance.slice(0, MAX_INSTANCE)
}

/**
 * As client-go's recorder names Events, `<object>.<time in hex>` (tools/events/event_recorder.go), with the index
 * added to the nanoseconds so that one run's Events never share a name; the object's name is cut to keep the whole
 * a DNS subdomain of at most 253 characters.
 */
export function eventName(objectName: string, at: Date, index: number): string {
  const suffix = (BigInt(at.getTime()) * 1_000_000n + BigInt(index)).toString(16)
  const base = objectName.slice(0, MAX_NAME - suffix.length - 1).replace(/[-.]+$/, '')
  return `${base}.${suffix}`
}

/** At most `max` bytes of UTF-8, cut at a character and marked with `...`. */
export function truncateBytes(text: string, max: number): string {
  if (Buffer.byteLength(text) <= max) return text
  let cut = text
  while (Buffer.byteLength(cut) > max - 3) cut = cut.slice(0, -1)
  // A lone high surrogate would be one unpaired half of an emoji.
  return `${cut.replace(/[\uD800-\uDBFF]$/, '')}...`
}
