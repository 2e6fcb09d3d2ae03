// Sends the Events of a run (sync/events.ts) once the writes are done. They are a record, not the job: concurrent
// with a bound, one short retry, a few seconds at most for all of them, and no failure of theirs fails the run.
// A 403 means the identity may not create Events: that is said once, in the summary, with the rule to add, and the
// rest are not sent. https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/
import { V1MicroTime, type EventsV1Event, type KubeConfig } from '@kubernetes/client-node'
import pLimit from 'p-limit'
import { eventsV1Api } from './api.js'
import { sendWithRetries, type RequestPolicy } from './requests.js'
import { KubeApiError } from '../sync/kube-api-error.js'
import { restartEvents, secretEvents, type AuditEvent, type EventContext } from '../sync/events.js'
import { MANAGER } from '../sync/ownership.js'
import type { RunProvenance } from '../sync/provenance.js'
import type { WorkloadRestart } from '../sync/restarts.js'
import type { SecretResult } from '../sync/sync.js'

export interface EventsOutcome {
  planned: number
  /** Events the API server stored. */
  recorded: number
  /** The API server's 403 for the first Event refused: the identity may not create Events. */
  forbidden?: string
  /** Events that failed otherwise (or were not sent in time), and the first reason. */
  failed?: { count: number; message: string }
}

export interface EventsOptions extends RequestPolicy {
  namespace: string
  concurrency: number
}

export interface RunEventsSettings {
  recordEvents: boolean
  dryRun: boolean
  provenance: RunProvenance
}

/** All Events of a run together get this long; a slow API server then costs the run this much at most. */
const EVENTS_BUDGET_MS = 10_000
/** One Event's request: an API server answers a create in milliseconds. */
const EVENT_TIMEOUT_MS = 5_000

/**
 * The Events of a run, in two batches: the Secrets' as soon as the writes are done, because waiting for rollouts
 * may use up the rest of the run's time, then the restarted workloads'. None when `record_events` is off or the
 * run is a dry run (which records none); after a 403 the second batch is not sent either.
 */
export class RunEvents {
  private sent?: EventsOutcome
  private secretCount = 0

  constructor(
    private readonly kubeConfig: KubeConfig,
    private readonly options: EventsOptions & RunEventsSettings
  ) {}

  /** What was recorded, for the summary; undefined when the run records no Events. */
  get outcome(): EventsOutcome | undefined {
    return this.sent
  }

  async recordSecrets(results: SecretResult[]): Promise<void> {
    this.secretCount = results.length
    await this.record(secretEvents(results, this.context()))
  }

  /** Numbered after the Secrets' Events, so that the names of one run's Events stay apart. */
  async recordRestarts(restarts: readonly WorkloadRestart[]): Promise<void> {
    if (this.sent?.forbidden) return
    await this.record(restartEvents(restarts, this.context(), this.secretCount))
  }

  private context(): EventContext {
    return { namespace: this.options.namespace, run: this.options.provenance }
  }

  private async record(events: AuditEvent[]): Promise<void> {
    if (!this.options.recordEvents || this.options.dryRun) return
    const batch = await recordEvents(this.kubeConfig, events, this.options)
    this.sent = this.sent ? merge(this.sent, batch) : batch
  }
}

/** Two batches' outcomes as one: counts added, the first refusal and the first failure's reason kept. */
function merge(first: EventsOutcome, second: EventsOutcome): EventsOutcome {
  const count = (first.failed?.count ?? 0) + (second.failed?.count ?? 0)
  const forbidden = first.forbidden ?? second.forbidden
  const message = first.failed?.message ?? second.failed?.message
  return {
    planned: first.planned + second.planned,
    recorded: first.recorded + second.recorded,
    ...(forbidden !== undefined && { forbidden }),
    ...(message !== undefined && { failed: { count, message } })
  }
}

/** Creates every Event, `concurrency` at a time; never throws. */
export async function recordEvents(
  kubeConfig: KubeConfig,
  events: AuditEvent[],
  options: EventsOptions
): Promise<EventsOutcome> {
  const outcome: EventsOutcome = { planned: events.length, recorded: 0 }
  if (events.length === 0) return outcome
  const api = eventsV1Api(kubeConfig)
  const budget = AbortSignal.timeout(EVENTS_BUDGET_MS)
  const policy: RequestPolicy = {
    ...options,
    deadline: AbortSignal.any([options.deadline, budget]),
    requestTimeoutMs: Math.min(options.requestTimeoutMs, EVENT_TIMEOUT_MS),
    retry: { retries: 1, minDelayMs: 200, maxDelayMs: 1_000 }
  }
  const failures: string[] = []
  const limit = pLimit(options.concurrency)
  await Promise.allSettled(
    events.map(event =>
      limit(async () => {
        if (outcome.forbidden) return
        try {
          await sendWithRetries(policy, requestOptions =>
            api.createNamespacedEvent(
              { namespace: event.namespace, body: toEventsV1(event), fieldManager: MANAGER },
              requestOptions
            )
          )
          outcome.recorded += 1
        } catch (error) {
          // After a 403 every other Event would be refused the same way: the queued ones return at once.
          if (error instanceof KubeApiError && error.status === 403) outcome.forbidden ??= error.message
          else if (budget.aborted) failures.push(`not recorded within ${EVENTS_BUDGET_MS / 1000} s`)
          else failures.push(error instanceof Error ? error.message : String(error))
        }
      })
    )
  )
  if (failures.length > 0) outcome.failed = { count: failures.length, message: failures[0] as string }
  return outcome
}

/**
 * The wire form. `eventTime` is a MicroTime, which the API server parses with exactly six fractional digits
 * (apimachinery meta/v1 micro_time.go, RFC3339Micro): a plain Date would serialize with three (toISOString) and
 * the create would be refused with 400. client-node's V1MicroTime serializes with six.
 */
function toEventsV1(event: AuditEvent): EventsV1Event {
  const { name, namespace, eventTime, ...fields } = event
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace },
    eventTime: new V1MicroTime(eventTime),
    ...fields
  }
}
