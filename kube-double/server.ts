// A strict test double of the Kubernetes API server for Secrets and Namespaces (and, when asked, apps/v1
// Deployments, or with `workloads` also StatefulSets, DaemonSets, batch/v1 CronJobs and Jobs and core/v1 Pods),
// over HTTPS on 127.0.0.1.
// This file is the transport: TLS, HTTP/2 with HTTP/1.1 fallback, routing, bearer-token authentication, RBAC
// through `authorize`, injected faults and the record of requests. What each verb does lives in secrets.ts,
// deployments.ts and workloads.ts; the REFERENCE.md section "Kubernetes API, core/v1 Secrets" lists the behaviour
// it reproduces. What kubectl needs besides lives beside them: discovery (discovery.ts), OpenAPI v2 and v3
// (openapi*.ts), protobuf request bodies (protobuf.ts) and SelfSubjectAccessReviews
// (authorization.ts).
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https'
import {
  Http2ServerRequest,
  Http2ServerResponse,
  constants as http2,
  createSecureServer,
  type Http2SecureServer,
  type Http2Session
} from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { TLSSocket } from 'node:tls'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { apiGroupList, apiVersions, coreV1Resources, version } from './discovery.js'
import {
  EventsApi,
  coreEventsDiscovery,
  eventsApiGroup,
  eventsGroup,
  eventsGroupEntry,
  eventsV1Resources,
  type EventsV1Like,
  type EventsVersion
} from './events.js'
import {
  DeploymentsApi,
  apiGroupListWithApps,
  appsGroup,
  appsV1Resources,
  deploymentsForbidden,
  type DeploymentSeed,
  type V1DeploymentLike
} from './deployments.js'
import { openApiV2, openApiV2Protobuf, openApiV2ProtobufAccept, openApiV2ProtobufType } from './openapi-v2.js'
import { openApiV3AppsV1, openApiV3CoreV1, openApiV3Root } from './openapi.js'
import {
  authorizationApiGroup,
  authorizationGroup,
  authorizationGroupEntry,
  authorizationV1Resources,
  reviewAccess,
  selfSubjectAccessReviewsPath,
  type ResourceAttributes
} from './authorization.js'
import { strictSecretFields } from './decode.js'
import { decodeProtobufBody, isProtobuf } from './protobuf.js'
import {
  SecretsApi,
  invalidOptions,
  patchTypes,
  type Reply,
  type ValidatingWebhook,
  type WriteOptions
} from './secrets.js'
import {
  WorkloadsApi,
  batchGroup,
  batchGroupEntry,
  batchV1Resources,
  daemonSetsDiscovery,
  groupForbidden,
  podsDiscovery,
  statefulSetsDiscovery,
  workloadResources,
  type WorkloadObject,
  type WorkloadResource,
  type WorkloadSeed
} from './workloads.js'
import {
  StatusError,
  badRequest,
  fieldInvalid,
  fieldNotSupported,
  fieldTooLong,
  type FieldError,
  forbidden,
  methodNotAllowed,
  notFound,
  notFoundPath,
  statusForCode,
  unauthorized
} from './status.js'
import { gkeUserName, type GoogleTokenIdentity } from './google-identity.js'
import { RolloutController, type RolloutPlan, type RolloutResource, type RolloutStore } from './rollouts.js'
import { KubeStore, renderNamespace, renderSecret, type V1SecretLike } from './store.js'
import type { WatchedObject } from './watch.js'
import { testTls, type ServerTls } from './tls.js'

export type { V1SecretLike } from './store.js'
export type { AdmissionRequest, ValidatingWebhook } from './secrets.js'
export type { AdmissionDenial } from './status.js'
export type { DeploymentSeed, V1DeploymentLike } from './deployments.js'
export type { WorkloadObject, WorkloadResource, WorkloadSeed } from './workloads.js'
export type { PodWaiting, RolloutPlan, RolloutResource } from './rollouts.js'
export type { EventsV1Like } from './events.js'

export type KubeResource = 'secrets' | 'namespaces' | 'deployments' | 'events' | WorkloadResource

export interface AuthorizationRequest {
  user: string
  verb: string
  resource: KubeResource
  /** '' for core/v1 (secrets, namespaces, pods, events), 'apps' for deployments, statefulsets and daemonsets,
   * 'batch' for cronjobs and jobs, 'events.k8s.io' for events created through events.k8s.io/v1. */
  apiGroup: string
  namespace?: string
  name?: string
}

export interface KubeDoubleOptions {
  tls?: ServerTls
  /** Prefix of every API path, e.g. a Connect gateway's `/v1/projects/123/locations/global/gkeMemberships/x`. */
  basePath?: string
  /** Bearer token -> user name. */
  users?: Record<string, string>
  /**
   * Google access tokens this cluster accepts, as GKE checks a bearer it does not know with Google: whom the
   * token speaks for and its scopes, or undefined to refuse it (401). The user is then named as GKE names it
   * (google-identity.ts): a service account by its email only with the userinfo.email scope, else by its
   * numeric unique ID.
   */
  googleTokens?: (token: string) => GoogleTokenIdentity | undefined
  namespaces?: string[]
  /** RBAC: return false to answer 403. Verbs: get list create update patch delete deletecollection. */
  authorize?: (a: AuthorizationRequest) => boolean
  port?: number
  /** Serve apps/v1 Deployments and list the `apps` group in discovery. Off by default, so a double started
   * without it answers discovery as before (`/apis` with no groups, `/apis/apps/v1` 404). */
  deployments?: boolean
  /** Serve apps/v1 StatefulSets and DaemonSets, batch/v1 CronJobs and Jobs and core/v1 Pods too (implies
   * `deployments`), and list them in discovery. See workloads.ts. */
  workloads?: boolean
  /** The protocols served. Default `['h2', 'http/1.1']`, h2 preferred, as kube-apiserver (`servedProtocols`);
   * `['http/1.1']` is an API server with HTTP/2 turned off, `['h2']` one that refuses HTTP/1.1. */
  protocols?: readonly HttpProtocol[]
  /** Time between two steps of a rollout (rollouts.ts); default 25 ms. */
  rolloutStepMs?: number
}

export type HttpProtocol = 'h2' | 'http/1.1'

/**
 * kube-apiserver offers `NextProtos: ["h2", "http/1.1"]` and Go's crypto/tls picks by the server's order, so every
 * client that offers h2 gets it; at most 100 concurrent streams per connection
 * (k8s.io/apiserver/pkg/server/secure_serving.go, tlsConfig and Serve).
 */
export const servedProtocols: readonly HttpProtocol[] = ['h2', 'http/1.1']
const maxConcurrentStreams = 100

export interface RecordedRequest {
  method: string
  /** Without basePath and query. */
  path: string
  query: URLSearchParams
  contentType?: string
  user?: string
  /** Status answered; 0 for a dropped or hanging request (or one still in progress). */
  status: number
  dryRun: boolean
  userAgent?: string
  accept?: string
  /** The protocol the request came in: '2.0' (h2) or '1.1', as node reports `req.httpVersion`. */
  httpVersion: string
  /** The client's TCP port: requests with the same one came over the same connection. */
  clientPort: number
}

/**
 * A failure injected before the request reaches a handler, so nothing is written by the request it hits, except
 * after `latency` and a graceful `goaway`, which let it through (`drop` and an abrupt `goaway` also cut off the
 * other requests on the connection, which may have been handled).
 * - `status`: a Status with `code` (statusForCode); `plain429`: API Priority and Fairness' plain-text 429;
 *   `hang`: no answer at all; `latency`: `ms` more, then the request is handled.
 * - `drop`: the TCP connection is closed under the request, with no HTTP/2 frame (a crashed server, a NAT or
 *   load balancer that forgot the connection): every request in flight on it is lost.
 * - `reset`: HTTP/2 RST_STREAM with `code` (default INTERNAL_ERROR; REFUSED_STREAM says the request was not
 *   processed, and undici then sends it once more by itself); over HTTP/1.1, which has no streams, the server
 *   can only close the connection, as `drop`.
 * - `goaway`: HTTP/2 GOAWAY with `code`. NO_ERROR (the default) is a graceful shutdown, as Go's server does it
 *   on Shutdown or kube-apiserver's `--goaway-chance`: the GOAWAY names the last stream received, this request
 *   and every other one already received is answered, a new one must go on a new connection, and the
 *   connection closes when they are done (over HTTP/1.1: `Connection: close` on this answer). Any other code is
 *   an abrupt one: the GOAWAY, then the connection is closed at once and nothing in flight on it is answered.
 */
export interface Fault {
  /** Default: every request. */
  match?: (r: { method: string; path: string; query: URLSearchParams }) => boolean
  /** How many matching requests it applies to (default 1). */
  times?: number
  /** `drop` resets the connection before the request is handled; `dropAnswer` after a write was handled (and
   * stored): the write landed, its answer was lost, as when a connection breaks on the way back. */
  kind: 'status' | 'plain429' | 'drop' | 'dropAnswer' | 'hang' | 'latency' | 'reset' | 'goaway'
  /** HTTP status for `status`; HTTP/2 error code (http2.constants.NGHTTP2_*) for `reset` and `goaway`. */
  code?: number
  retryAfter?: number
  ms?: number
}

export interface KubeDouble {
  url: string
  port: number
  caPem: string
  requests: RecordedRequest[]
  /** POST/PUT/PATCH/DELETE that passed faults and auth and reached the handler (dry runs included). */
  writes(): RecordedRequest[]
  resetRequests(): void
  /** Added to every request (for benchmarks). */
  latencyMs: number
  /** TLS connections clients have opened to this server: fewer than requests means connections were reused. */
  connectionsOpened: number
  /** HTTP/2 sessions (connections that negotiated h2). */
  sessionsOpened: number
  /** The most requests this server held unanswered at the same time (since the last resetRequests). */
  maxInFlight: number
  inject(fault: Fault): void
  /** Called after auth, before a write is handled: change a Secret between a client's read and its write. */
  beforeWrite?: (r: { method: string; namespace: string; name?: string }) => void | Promise<void>
  /**
   * A validating admission webhook for Secrets (a Kyverno or Gatekeeper policy): sent every create, update and
   * delete after validation, dry runs included; a denial is answered as the API server words it (403 unless the
   * webhook says otherwise, `secrets "x" is forbidden: admission webhook "w" denied the request: ...`).
   */
  validatingWebhook?: ValidatingWebhook
  addNamespace(name: string): void
  /** Store a Secret as another client (default manager `terraform`) would, bypassing auth and the request log. */
  seedSecret(namespace: string, secret: object, manager?: string): V1SecretLike
  getSecret(namespace: string, name: string): V1SecretLike | undefined
  listSecrets(namespace: string): V1SecretLike[]
  /** Every Event of a namespace, as events.k8s.io/v1 returns it. */
  listEvents(namespace: string): EventsV1Like[]
  /** Store a Deployment as another client (default manager `terraform`) would, bypassing auth and the request log.
   * Needs `deployments: true`. */
  seedDeployment(namespace: string, deployment: DeploymentSeed, manager?: string): V1DeploymentLike
  getDeployment(namespace: string, name: string): V1DeploymentLike | undefined
  /** A StatefulSet, DaemonSet, CronJob, Job or Pod as stored. */
  getWorkload(namespace: string, resource: WorkloadResource, name: string): WorkloadObject | undefined
  /** What the next rollout of a Deployment, StatefulSet or DaemonSet comes to (rollouts.ts); default `complete`. */
  setRollout(namespace: string, resource: RolloutResource, name: string, plan: RolloutPlan): void
  /** Forget the changes up to the current resourceVersion: a watch from an older one is told 410 Expired. */
  compactWatchHistory(): void
  /** End every open watch, as an API server does when its watch times out or it restarts. */
  endWatches(): void
  /** Store a StatefulSet, DaemonSet, CronJob, Job or Pod as another client would (a Job may be seeded finished, a
   * Pod with its phase and container states), bypassing auth and the request log. Needs `workloads: true`. */
  seedWorkload(namespace: string, resource: WorkloadResource, body: WorkloadSeed): WorkloadObject
  writeKubeconfig(opts?: { token?: string; path?: string; namespace?: string }): string
  close(): Promise<void>
}

/** apiserver's MaxRequestBodyBytes default (3 MiB). */
const maxBodyBytes = 3 * 1024 * 1024
const writeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

interface PendingFault {
  fault: Fault
  remaining: number
}

/** A parsed API path: which resource, in which namespace, with which name. */
type Route =
  | { kind: 'discovery'; body: object }
  | { kind: 'namespaces'; name?: string }
  | { kind: 'secrets'; namespace: string; name?: string }
  | { kind: 'deployments'; namespace: string; name?: string }
  | { kind: 'workloads'; resource: WorkloadResource; namespace: string; name?: string }
  | { kind: 'events'; version: EventsVersion; namespace: string; name?: string }
  | { kind: 'selfsubjectaccessreviews' }
  | { kind: 'openApiV2' }

/** StatefulSets, DaemonSets, CronJobs, Jobs and Pods (workloads.ts), when the double serves them. */
function workloadRoute(path: string): Route | undefined {
  switch (path) {
    case '/api/v1':
      return {
        kind: 'discovery',
        body: { ...coreV1Resources, resources: [...coreV1Resources.resources, podsDiscovery] }
      }
    case '/apis':
      return {
        kind: 'discovery',
        body: withAuthorizationGroup({
          ...apiGroupListWithApps,
          groups: [...apiGroupListWithApps.groups, batchGroupEntry]
        })
      }
    case '/apis/apps/v1':
      return {
        kind: 'discovery',
        body: {
          ...appsV1Resources,
          resources: [...appsV1Resources.resources, statefulSetsDiscovery, daemonSetsDiscovery]
        }
      }
    case '/apis/batch':
      return { kind: 'discovery', body: batchGroup }
    case '/apis/batch/v1':
      return { kind: 'discovery', body: batchV1Resources }
  }
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
  // The core group has no group segment: /api/v1/namespaces/NS/pods.
  if (segments[0] === 'api') segments.splice(0, 1, 'apis', '')
  const [apis, groupName, groupVersion, namespaces, namespace, resource, name, extra] = segments
  const info = Object.hasOwn(workloadResources, resource ?? '')
    ? workloadResources[resource as WorkloadResource]
    : undefined
  if (apis !== 'apis' || !info || groupName !== info.group || groupVersion !== 'v1') return undefined
  if (namespaces !== 'namespaces' || namespace === undefined || extra !== undefined) return undefined
  const target = { kind: 'workloads' as const, resource: resource as WorkloadResource, namespace }
  return name === undefined ? target : { ...target, name }
}

function route(
  path: string,
  serverAddress: string,
  servesApps: boolean,
  servesWorkloads = false
): Route | undefined {
  const workload = servesWorkloads ? workloadRoute(path) : undefined
  if (workload) return workload
  switch (path) {
    case '/api':
      return { kind: 'discovery', body: apiVersions(serverAddress) }
    case '/apis':
      return {
        kind: 'discovery',
        body: withAuthorizationGroup(servesApps ? apiGroupListWithApps : apiGroupList)
      }
    case `/apis/${authorizationGroup}`:
      return { kind: 'discovery', body: authorizationApiGroup }
    case `/apis/${authorizationGroup}/v1`:
      return { kind: 'discovery', body: authorizationV1Resources }
    case `/apis/${eventsGroup}`:
      return { kind: 'discovery', body: eventsApiGroup }
    case `/apis/${eventsGroup}/v1`:
      return { kind: 'discovery', body: eventsV1Resources }
    case selfSubjectAccessReviewsPath:
      return { kind: 'selfsubjectaccessreviews' }
    case '/api/v1':
      return {
        kind: 'discovery',
        body: { ...coreV1Resources, resources: [...coreV1Resources.resources, coreEventsDiscovery] }
      }
    case '/version':
      return { kind: 'discovery', body: version }
  }
  const openApi = openApiRoute(path, servesApps)
  if (openApi) return openApi
  if (servesApps && path === '/apis/apps') return { kind: 'discovery', body: appsGroup }
  if (servesApps && path === '/apis/apps/v1') return { kind: 'discovery', body: appsV1Resources }
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
  const events = eventsRoute(segments)
  if (events) return events
  if (servesApps && segments[0] === 'apis') {
    const [, groupName, groupVersion, namespaces, namespace, resource, name, extra] = segments
    if (groupName !== 'apps' || groupVersion !== 'v1' || namespaces !== 'namespaces') return undefined
    if (namespace === undefined || resource !== 'deployments' || extra !== undefined) return undefined
    return name === undefined ? { kind: 'deployments', namespace } : { kind: 'deployments', namespace, name }
  }
  if (segments[0] !== 'api' || segments[1] !== 'v1' || segments[2] !== 'namespaces') return undefined
  const [, , , namespace, resource, name, extra] = segments
  if (namespace === undefined) return { kind: 'namespaces' }
  if (resource === undefined) return { kind: 'namespaces', name: namespace }
  if (resource !== 'secrets' || extra !== undefined) return undefined
  return name === undefined ? { kind: 'secrets', namespace } : { kind: 'secrets', namespace, name }
}

/** `/apis` with authorization.k8s.io (SelfSubjectAccessReviews) and events.k8s.io after the groups the double
 * serves when asked. */
const withAuthorizationGroup = (list: { groups: object[] }): object => ({
  ...list,
  groups: [...list.groups, authorizationGroupEntry, eventsGroupEntry]
})

/** `/apis/events.k8s.io/v1/namespaces/NS/events[/NAME]` or `/api/v1/namespaces/NS/events[/NAME]` (events.ts). */
function eventsRoute(segments: string[]): Route | undefined {
  const core = segments[0] === 'api' && segments[1] === 'v1'
  const group = segments[0] === 'apis' && segments[1] === eventsGroup && segments[2] === 'v1'
  if (!core && !group) return undefined
  const [namespaces, namespace, resource, name, extra] = segments.slice(core ? 2 : 3)
  if (
    namespaces !== 'namespaces' ||
    namespace === undefined ||
    resource !== 'events' ||
    extra !== undefined
  ) {
    return undefined
  }
  const target = {
    kind: 'events' as const,
    version: core ? ('v1' as const) : ('events.k8s.io/v1' as const),
    namespace
  }
  return name === undefined ? target : { ...target, name }
}

const openApiHash = (doc: object): string =>
  createHash('sha512').update(JSON.stringify(doc)).digest('hex').toUpperCase()

/** The OpenAPI documents (openapi.ts); like discovery, any authenticated user may read them. */
function openApiRoute(path: string, servesApps: boolean): Route | undefined {
  switch (path) {
    case '/openapi/v2':
      return { kind: 'openApiV2' }
    case '/openapi/v3':
      return { kind: 'discovery', body: openApiV3Root(openApiHash, servesApps) }
    case '/openapi/v3/api/v1':
      return { kind: 'discovery', body: openApiV3CoreV1 }
    case '/openapi/v3/apis/apps/v1':
      return servesApps ? { kind: 'discovery', body: openApiV3AppsV1 } : undefined
  }
  return undefined
}

/** The RBAC verb of a request (k8s.io/apiserver/pkg/endpoints/request/requestinfo.go). */
function verbOf(method: string, named: boolean, query: URLSearchParams): string {
  if (query.get('watch') === 'true' || query.get('watch') === '1') return 'watch'
  switch (method) {
    case 'GET':
      return named ? 'get' : 'list'
    case 'POST':
      return 'create'
    case 'PUT':
      return 'update'
    case 'PATCH':
      return 'patch'
    case 'DELETE':
      return named ? 'delete' : 'deletecollection'
    default:
      return method.toLowerCase()
  }
}

const optionsKind: Record<string, string> = {
  POST: 'CreateOptions',
  PUT: 'UpdateOptions',
  PATCH: 'PatchOptions',
  DELETE: 'DeleteOptions'
}

/** An HTTP/1.1 request comes as node:http's objects, an HTTP/2 one as the compatibility API's look-alikes. */
type Request = IncomingMessage | Http2ServerRequest
/** The only dryRun value the API server accepts is `All` (apimachinery ValidateDryRun); any other is a 400. */
function refuseDryRunOtherThanAll(options: string, dryRunValues: string[]): void {
  if (dryRunValues.some(v => v !== 'All')) {
    throw invalidOptions(options, [
      fieldNotSupported('dryRun', `[]string{${dryRunValues.map(v => JSON.stringify(v)).join(', ')}}`, ['All'])
    ])
  }
}

type Response = ServerResponse | Http2ServerResponse

/** The request body, or undefined when the client's connection or stream went away before all of it came. */
async function readBody(
  req: Request
): Promise<{ bytes: Buffer; text: string; tooLarge: boolean } | undefined> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length
      if (size <= maxBodyBytes) chunks.push(chunk as Buffer)
    }
  } catch {
    return undefined
  }
  // An HTTP/2 stream that is reset or loses its connection just ends, short of its body (and node's `complete`
  // is then true as well).
  const cut = req instanceof Http2ServerRequest ? req.aborted || req.stream.destroyed : !req.complete
  if (cut) return undefined
  const bytes = Buffer.concat(chunks)
  return { bytes, text: bytes.toString('utf8'), tooLarge: size > maxBodyBytes }
}

/** The record of the request each response answers; its status is set as the head is written, not on 'finish', so a
 * client that has its answer always finds it recorded. */
const recordOf = new WeakMap<Response, RecordedRequest>()
/** Ends a request's time in flight: when its head is written (its 'finish' or 'close' come only after the
 * bytes are flushed, by which time the client may have sent its next request), or when it closes unanswered. */
const answeredOf = new WeakMap<Response, () => void>()

function writeHead(res: Response, status: number, headers: Record<string, string>): void {
  const record = recordOf.get(res)
  if (record) record.status = status
  answeredOf.get(res)?.()
  // No connection-specific header (Connection, Keep-Alive, Transfer-Encoding) is ever set here: HTTP/2 forbids
  // them (RFC 9113 section 8.2.2) and node's HTTP/2 API throws on them; over HTTP/1.1 node adds its own.
  if (res instanceof Http2ServerResponse) res.writeHead(status, headers)
  else res.writeHead(status, headers)
}

/** Whether the response can still be sent: not when the client, or a fault, closed its stream or connection. */
function answerable(res: Response): boolean {
  return res instanceof Http2ServerResponse ? !res.stream.destroyed && !res.stream.closed : !res.destroyed
}

function sendJson(res: Response, status: number, body: object, headers: Record<string, string> = {}): void {
  if (!answerable(res)) return
  writeHead(res, status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function sendStatus(res: Response, error: StatusError): void {
  const headers: Record<string, string> =
    error.retryAfter !== undefined ? { 'Retry-After': String(error.retryAfter) } : {}
  sendJson(res, error.code, error.toBody(), headers)
}

export async function startKubeDouble(opts: KubeDoubleOptions = {}): Promise<KubeDouble> {
  const tls = opts.tls ?? testTls
  const basePath = (opts.basePath ?? '').replace(/\/+$/, '')
  const users = opts.users ?? { 'test-token': 'system:serviceaccount:ci:gke-secrets-sync' }
  const authorize = opts.authorize ?? (() => true)
  const store = new KubeStore()
  for (const ns of opts.namespaces ?? ['default', 'dagster-prd']) store.addNamespace(ns)
  const secrets = new SecretsApi(store, () => double.validatingWebhook)
  const events = new EventsApi(store)
  const servesWorkloads = opts.workloads ?? false
  const servesApps = (opts.deployments ?? false) || servesWorkloads
  const deployments = new DeploymentsApi(store)
  const workloads: Record<WorkloadResource, WorkloadsApi> = {
    statefulsets: new WorkloadsApi(store, 'statefulsets'),
    daemonsets: new WorkloadsApi(store, 'daemonsets'),
    cronjobs: new WorkloadsApi(store, 'cronjobs'),
    jobs: new WorkloadsApi(store, 'jobs'),
    pods: new WorkloadsApi(store, 'pods')
  }
  const rolloutStore: RolloutStore = {
    read: (resource, namespace, name) =>
      resource === 'deployments'
        ? deployments.read(namespace, name)
        : workloads[resource].read(namespace, name),
    setStatus: (resource, namespace, name, status) =>
      resource === 'deployments'
        ? deployments.setStatus(namespace, name, status)
        : workloads[resource].setStatus(namespace, name, status),
    ...(servesWorkloads && {
      pods: {
        list: namespace => workloads.pods.all(namespace),
        put: (namespace, pod) => workloads.pods.put(namespace, pod),
        remove: (namespace, name) => workloads.pods.remove(namespace, name)
      }
    })
  }
  const rollouts = new RolloutController(rolloutStore, opts.rolloutStepMs ?? 25)
  deployments.onSpecChange = (namespace, name, templateChanged) =>
    rollouts.onSpecChange('deployments', namespace, name, templateChanged)
  for (const resource of ['statefulsets', 'daemonsets'] as const) {
    workloads[resource].onSpecChange = (namespace, name, templateChanged) =>
      rollouts.onSpecChange(resource, namespace, name, templateChanged)
  }
  const faults: PendingFault[] = []
  const handled = new WeakSet<RecordedRequest>()
  /** Responses a `dropAnswer` fault will never send. */
  const loseAnswer = new WeakSet<Response>()
  const tempDirs: string[] = []

  const takeFault = (r: { method: string; path: string; query: URLSearchParams }): Fault | undefined => {
    const index = faults.findIndex(p => p.remaining > 0 && (p.fault.match?.(r) ?? true))
    if (index < 0) return undefined
    const pending = faults[index] as PendingFault
    pending.remaining -= 1
    if (pending.remaining === 0) faults.splice(index, 1)
    return pending.fault
  }

  const protocols = opts.protocols ?? servedProtocols
  const answer = (req: Request, res: Response): void => {
    handle(req, res).catch((error: unknown) => {
      const status =
        error instanceof StatusError
          ? error
          : new StatusError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`)
      sendStatus(res, status)
    })
  }
  // node's HTTP/2 server answers HTTP/1.1 too (allowHTTP1), to a client that offers no ALPN or only http/1.1,
  // with node:http's request and response objects; the handlers below serve both. It always offers h2 (node
  // sets its ALPN list itself), so an API server without HTTP/2 is node's HTTPS server.
  const server: Http2SecureServer | HttpsServer = protocols.includes('h2')
    ? createSecureServer(
        {
          cert: tls.cert,
          key: tls.key,
          allowHTTP1: protocols.includes('http/1.1'),
          settings: { maxConcurrentStreams }
        },
        answer
      )
    : createHttpsServer({ cert: tls.cert, key: tls.key }, answer)
  // Every TLS connection by the client's port, to drop one whatever protocol it speaks: HTTP/2's request
  // objects give only a proxy of the socket, which refuses destroy().
  const connections = new Map<number, TLSSocket>()
  server.on('secureConnection', (socket: TLSSocket) => {
    double.connectionsOpened += 1
    const port = socket.remotePort
    if (port === undefined) return
    connections.set(port, socket)
    socket.on('close', () => connections.delete(port))
  })
  server.on('session', () => {
    double.sessionsOpened += 1
  })
  let inFlight = 0

  /** The TCP connection closed under the request: no GOAWAY, no RST_STREAM, no answer to anything on it. */
  function dropConnection(req: Request): void {
    const socket = req.socket.remotePort !== undefined ? connections.get(req.socket.remotePort) : undefined
    if (socket) socket.destroy()
    // The session learns of the closed socket only later; until then another request on it would seem
    // answerable. Destroyed now, it ends its streams now (and can send nothing on the closed socket).
    if (req instanceof Http2ServerRequest) req.stream.session?.destroy()
    else if (!socket) req.socket.destroy()
  }

  /** Applies a `reset` or `goaway` fault (see Fault); true when the request is to be handled after all. */
  function hangUp(req: Request, res: Response, fault: Fault): boolean {
    const session: Http2Session | undefined =
      req instanceof Http2ServerRequest ? req.stream.session : undefined
    if (!session) {
      if (fault.kind === 'goaway' && (fault.code ?? http2.NGHTTP2_NO_ERROR) === http2.NGHTTP2_NO_ERROR) {
        res.setHeader('Connection', 'close')
        return true
      }
      dropConnection(req)
      return false
    }
    if (fault.kind === 'reset') {
      ;(req as Http2ServerRequest).stream.close(fault.code ?? http2.NGHTTP2_INTERNAL_ERROR)
      return false
    }
    const code = fault.code ?? http2.NGHTTP2_NO_ERROR
    const lastStreamId = lastStreamOf.get(session) ?? 0
    session.goaway(code, lastStreamId)
    goneAwayAfter.set(session, lastStreamId)
    if (code === http2.NGHTTP2_NO_ERROR) {
      session.close()
      return true
    }
    // A PING sent after the GOAWAY comes back once the client has read the GOAWAY; then the connection goes.
    session.ping(() => dropConnection(req))
    return false
  }

  /** What RBAC answers for a SelfSubjectAccessReview: `authorize` for the resources this double knows; no for
   * any other (the double has no rules for them). */
  function allows(user: string, a: ResourceAttributes): boolean {
    const resource = reviewableResources[`${a.group ?? ''}/${a.resource ?? ''}`]
    if (!resource || !a.verb) return false
    const check: AuthorizationRequest = { user, verb: a.verb, resource, apiGroup: a.group ?? '' }
    if (a.namespace) check.namespace = a.namespace
    if (a.name) check.name = a.name
    return authorize(check)
  }

  /**
   * Go's HTTP/2 server (golang.org/x/net/http2, serverConn.goAway and processHeaders) names in its GOAWAY the
   * last stream it has received, and from then on ignores every new stream, which the client is then free to
   * send again elsewhere: a request is either handled and answered, or never seen. Node would hand a stream that
   * arrives before the GOAWAY is on the wire to the handler; this keeps it from there, and resets it with
   * REFUSED_STREAM ("not processed", RFC 9113 section 8.7) so that node frees it.
   */
  const lastStreamOf = new WeakMap<Http2Session, number>()
  const goneAwayAfter = new WeakMap<Http2Session, number>()
  function ignoredAfterGoAway(req: Request): boolean {
    const session = req instanceof Http2ServerRequest ? req.stream.session : undefined
    if (!session) return false
    const id = (req as Http2ServerRequest).stream.id ?? 0
    if (id > (goneAwayAfter.get(session) ?? Infinity)) {
      ;(req as Http2ServerRequest).stream.close(http2.NGHTTP2_REFUSED_STREAM)
      return true
    }
    lastStreamOf.set(session, Math.max(lastStreamOf.get(session) ?? 0, id))
    return false
  }

  async function handle(req: Request, res: Response): Promise<void> {
    if (ignoredAfterGoAway(req)) return
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const method = req.method ?? 'GET'
    const underBase = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
    const path = underBase ? url.pathname.slice(basePath.length) || '/' : url.pathname
    const query = url.searchParams
    const dryRunValues = query.getAll('dryRun')
    const record: RecordedRequest = {
      method,
      path,
      query,
      status: 0,
      dryRun: dryRunValues.includes('All'),
      httpVersion: req.httpVersion,
      clientPort: req.socket.remotePort ?? 0
    }
    if (req.headers['content-type']) record.contentType = req.headers['content-type']
    if (req.headers['user-agent']) record.userAgent = req.headers['user-agent']
    if (req.headers.accept) record.accept = req.headers.accept
    double.requests.push(record)
    recordOf.set(res, record)
    inFlight += 1
    double.maxInFlight = Math.max(double.maxInFlight, inFlight)
    let answered = false
    const settle = (): void => {
      if (answered) return
      answered = true
      inFlight -= 1
    }
    answeredOf.set(res, settle)
    res.once('close', settle)

    if (double.latencyMs > 0) await sleep(double.latencyMs)
    const fault = takeFault({ method, path, query })
    if (fault) {
      switch (fault.kind) {
        case 'drop':
          dropConnection(req)
          return
        case 'reset':
        case 'goaway':
          if (!hangUp(req, res, fault)) return
          break
        case 'hang':
          return
        case 'plain429':
          // API Priority and Fairness rejects before any handler, in plain text (apiserver filters/priority-and-fairness.go).
          writeHead(res, 429, {
            'Content-Type': 'text/plain; charset=utf-8',
            'X-Content-Type-Options': 'nosniff',
            'Retry-After': String(fault.retryAfter ?? 1)
          })
          res.end('Too many requests, please try again later.\n')
          return
        case 'status': {
          const name = route(path, '', false)?.kind === 'secrets' ? path.split('/')[6] : undefined
          sendStatus(
            res,
            statusForCode(fault.code ?? 500, fault.retryAfter, name && decodeURIComponent(name))
          )
          return
        }
        case 'latency':
          await sleep(fault.ms ?? 0)
          break
        case 'dropAnswer':
          loseAnswer.add(res)
          break
      }
    }

    const body = await readBody(req)
    // The API server reads no half a body: its handler fails to read the rest, and no one is left to answer.
    if (!body) return
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const googleIdentity = token !== undefined ? opts.googleTokens?.(token) : undefined
    const user =
      token === undefined
        ? undefined
        : Object.hasOwn(users, token)
          ? users[token]
          : googleIdentity && gkeUserName(googleIdentity)
    if (user === undefined) throw unauthorized()
    record.user = user

    const target = underBase
      ? route(path, `127.0.0.1:${double.port}`, servesApps, servesWorkloads)
      : undefined
    if (!target) throw notFoundPath()
    if (target.kind === 'discovery') {
      if (method !== 'GET') throw methodNotAllowed()
      sendJson(res, 200, target.body)
      return
    }

    if (target.kind === 'openApiV2') {
      if (method !== 'GET') throw methodNotAllowed()
      const accept = req.headers.accept ?? ''
      if (accept.includes(openApiV2ProtobufAccept) || accept.includes(openApiV2ProtobufType)) {
        writeHead(res, 200, { 'Content-Type': openApiV2ProtobufType })
        res.end(openApiV2Protobuf)
      } else sendJson(res, 200, openApiV2)
      return
    }
    if (target.kind === 'selfsubjectaccessreviews') {
      if (method !== 'POST') throw methodNotAllowed()
      const review = isProtobuf(req.headers['content-type'])
        ? decodeProtobufBody(body.bytes, 'authorization.k8s.io/v1/SelfSubjectAccessReview')
        : parseJsonBody(body.text)
      if (review instanceof StatusError) throw review
      sendJson(
        res,
        201,
        reviewAccess(review, attributes => allows(user, attributes))
      )
      return
    }

    const named = target.name !== undefined
    const verb = verbOf(method, named, query)
    const namespace = target.kind === 'namespaces' ? undefined : target.namespace
    const resource = target.kind === 'workloads' ? target.resource : target.kind
    const apiGroup =
      target.kind === 'workloads'
        ? workloadResources[target.resource].group
        : target.kind === 'deployments'
          ? 'apps'
          : target.kind === 'events' && target.version !== 'v1'
            ? eventsGroup
            : ''
    const check: Parameters<typeof authorize>[0] = { user, verb, resource, apiGroup }
    if (namespace !== undefined) check.namespace = namespace
    if (target.name !== undefined) check.name = target.name
    if (!authorize(check)) {
      if (target.kind === 'workloads' || apiGroup === eventsGroup) throw groupForbidden(check)
      throw target.kind === 'deployments' ? deploymentsForbidden(check) : forbidden(check)
    }

    if (target.kind === 'namespaces') {
      if (method !== 'GET' || verb === 'watch') throw methodNotAllowed()
      if (target.name === undefined) {
        const items = [...store.namespaces.values()].map(ns => renderNamespace(ns, false))
        sendJson(res, 200, {
          kind: 'NamespaceList',
          apiVersion: 'v1',
          metadata: { resourceVersion: store.resourceVersion },
          items
        })
        return
      }
      const ns = store.namespaces.get(target.name)
      if (!ns) throw notFound('namespaces', target.name)
      sendJson(res, 200, renderNamespace(ns))
      return
    }

    const resourceNamespace = target.namespace
    if (target.kind === 'events') {
      const { name, version } = target
      let reply: Reply
      if (method === 'GET')
        reply =
          name === undefined
            ? events.list(resourceNamespace, query, version, req.headers.accept)
            : events.get(resourceNamespace, name, version, req.headers.accept)
      else if (method === 'POST' && name === undefined && version !== 'v1') {
        refuseDryRunOtherThanAll('CreateOptions', dryRunValues)
        record.dryRun = dryRunValues.length > 0
        handled.add(record)
        if (body.tooLarge)
          throw new StatusError(
            413,
            'RequestEntityTooLarge',
            `Request entity too large: limit is ${maxBodyBytes}`
          )
        const fieldManager = query.get('fieldManager')
        reply = events.create(resourceNamespace, body.text, {
          dryRun: record.dryRun,
          manager: fieldManager || ((req.headers['user-agent'] ?? '').split('/')[0] ?? ''),
          fieldManagerGiven: Boolean(fieldManager),
          force: false
        })
      } else throw methodNotAllowed()
      sendJson(res, reply.status, reply.body)
      return
    }
    if (verb === 'watch') {
      if (method !== 'GET' || target.name !== undefined) throw methodNotAllowed()
      if (target.kind !== 'deployments' && target.kind !== 'workloads') {
        throw badRequest('watch is not supported by this test double for secrets')
      }
      const resource = target.kind === 'workloads' ? target.resource : 'deployments'
      const current = (): WatchedObject[] =>
        target.kind === 'workloads'
          ? workloads[target.resource].all(resourceNamespace)
          : deployments.all(resourceNamespace)
      const info = target.kind === 'workloads' ? workloadResources[target.resource] : undefined
      store.changes.serve(
        res,
        {
          resource,
          namespace: resourceNamespace,
          query,
          current,
          revision: store.resourceVersion,
          kind: info?.kind ?? 'Deployment',
          apiVersion: info ? (info.group ? `${info.group}/v1` : 'v1') : 'apps/v1'
        },
        status => writeHead(res, status, { 'Content-Type': 'application/json' })
      )
      return
    }
    if (target.kind === 'workloads') {
      const api = workloads[target.resource]
      const { name } = target
      let reply: Reply
      if (method === 'GET')
        reply = name === undefined ? api.list(resourceNamespace, query) : api.get(resourceNamespace, name)
      else if (method === 'POST' && name === undefined) {
        const dryRun = dryRunValues.length > 0
        refuseDryRunOtherThanAll('CreateOptions', dryRunValues)
        record.dryRun = dryRun
        handled.add(record)
        reply = api.create(resourceNamespace, body.text, {
          dryRun,
          manager: '',
          fieldManagerGiven: false,
          force: false
        })
      } else if (
        method === 'PATCH' &&
        name !== undefined &&
        (target.resource === 'statefulsets' || target.resource === 'daemonsets')
      ) {
        refuseDryRunOtherThanAll('PatchOptions', dryRunValues)
        record.dryRun = dryRunValues.length > 0
        handled.add(record)
        const fieldManager = query.get('fieldManager')
        reply = api.patch(resourceNamespace, name, patchTypeOf(req.headers['content-type']), body.text, {
          dryRun: record.dryRun,
          manager: fieldManager ?? (req.headers['user-agent'] ?? '').split('/')[0] ?? '',
          fieldManagerGiven: fieldManager !== null && fieldManager !== '',
          force: query.get('force') === 'true'
        })
      } else throw methodNotAllowed()
      sendJson(res, reply.status, reply.body)
      return
    }
    if (!writeMethods.has(method)) {
      if (method !== 'GET') throw methodNotAllowed()
      const reply =
        target.kind === 'deployments'
          ? named
            ? deployments.get(resourceNamespace, target.name as string)
            : deployments.list(resourceNamespace, query)
          : named
            ? secrets.get(resourceNamespace, target.name as string, req.headers.accept)
            : secrets.list(resourceNamespace, query, req.headers.accept)
      sendJson(res, reply.status, reply.body)
      return
    }
    if ((method === 'PUT' || method === 'PATCH') && !named) throw methodNotAllowed()
    if (method === 'POST' && named) throw methodNotAllowed()
    // Only PATCH of a Deployment is served (see deployments.ts).
    if (target.kind === 'deployments' && method !== 'PATCH') throw methodNotAllowed()

    const deleteDryRun = method === 'DELETE' ? dryRunFromDeleteOptions(body.text) : []
    const allDryRun = [...dryRunValues, ...deleteDryRun]
    const fieldManager = query.get('fieldManager')
    // metav1 validation ValidateCreateOptions, ValidateUpdateOptions, ValidatePatchOptions: the fieldManager, then
    // dryRun ("All" is the only value). DeleteOptions have no fieldManager.
    const optionErrors = [
      ...(method === 'DELETE' ? [] : fieldManagerProblems(fieldManager ?? '')),
      ...(allDryRun.some(v => v !== 'All')
        ? [
            fieldNotSupported('dryRun', `[]string{${allDryRun.map(v => JSON.stringify(v)).join(', ')}}`, [
              'All'
            ])
          ]
        : [])
    ]
    if (optionErrors.length > 0) throw invalidOptions(optionsKind[method] as string, optionErrors)
    record.dryRun = allDryRun.length > 0

    // beforeWrite is documented as a hook on Secrets; Deployment writes do not call it.
    if (target.kind === 'secrets') {
      await double.beforeWrite?.({
        method,
        namespace: resourceNamespace,
        ...(named ? { name: target.name } : {})
      })
    }
    handled.add(record)
    if (body.tooLarge)
      throw new StatusError(
        413,
        'RequestEntityTooLarge',
        `Request entity too large: limit is ${maxBodyBytes}`
      )

    const options: WriteOptions = {
      dryRun: record.dryRun,
      manager: fieldManager ?? (req.headers['user-agent'] ?? '').split('/')[0] ?? '',
      fieldManagerGiven: fieldManager !== null && fieldManager !== '',
      force: query.get('force') === 'true',
      strictFields: query.get('fieldValidation') === 'Strict'
    }
    const reply =
      target.kind === 'deployments'
        ? deployments.patch(
            resourceNamespace,
            target.name as string,
            patchTypeOf(req.headers['content-type']),
            body.text,
            options
          )
        : write(method, resourceNamespace, target.name, req.headers['content-type'], body, query, options)
    if (loseAnswer.has(res)) {
      dropConnection(req)
      return
    }
    sendJson(res, reply.status, reply.body)
  }

  function write(
    method: string,
    namespace: string,
    name: string | undefined,
    contentType: string | undefined,
    { bytes, text }: { bytes: Buffer; text: string },
    query: URLSearchParams,
    options: WriteOptions
  ): Reply {
    if (method === 'DELETE') {
      return name === undefined
        ? secrets.deleteCollection(namespace, query, options)
        : secrets.delete(namespace, name, text, options)
    }
    if (method === 'PATCH') {
      return secrets.patch(namespace, name as string, patchTypeOf(contentType), text, options)
    }
    const parsed = decodeObjectBody(contentType, bytes, text)
    if (options.strictFields) {
      const unknownFields = strictSecretFields(parsed)
      if (unknownFields) throw unknownFields
    }
    return method === 'POST'
      ? secrets.create(namespace, parsed, options)
      : secrets.replace(namespace, name as string, parsed, options)
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve())
  })
  const port = (server.address() as AddressInfo).port
  const url = `https://127.0.0.1:${port}${basePath}`

  const double: KubeDouble = {
    url,
    port,
    caPem: tls.caPem,
    requests: [],
    latencyMs: 0,
    connectionsOpened: 0,
    sessionsOpened: 0,
    maxInFlight: 0,
    writes: () => double.requests.filter(r => writeMethods.has(r.method) && handled.has(r)),
    resetRequests: () => {
      double.requests.length = 0
      double.maxInFlight = inFlight
    },
    inject: fault => {
      faults.push({ fault, remaining: fault.times ?? 1 })
    },
    addNamespace: name => store.addNamespace(name),
    seedSecret: (namespace, secret, manager = 'terraform') => secrets.seed(namespace, secret, manager),
    getSecret: (namespace, name) => {
      const stored = store.getSecret(namespace, name)
      return stored ? renderSecret(stored) : undefined
    },
    listSecrets: namespace => store.listSecrets(namespace).map(s => renderSecret(s)),
    listEvents: namespace => events.all(namespace),
    seedDeployment: (namespace, deployment, manager = 'terraform') => {
      if (!servesApps) throw new Error('seedDeployment needs a double started with { deployments: true }')
      return deployments.seed(namespace, deployment, manager)
    },
    getDeployment: (namespace, name) => deployments.read(namespace, name),
    getWorkload: (namespace, resource, name) => workloads[resource].read(namespace, name),
    setRollout: (namespace, resource, name, plan) => rollouts.setPlan(resource, namespace, name, plan),
    compactWatchHistory: () => store.changes.compact(Number(store.resourceVersion)),
    endWatches: () => store.changes.endAll(),
    seedWorkload: (namespace, resource, body) => {
      if (!servesWorkloads) throw new Error('seedWorkload needs a double started with { workloads: true }')
      return workloads[resource].seed(namespace, body)
    },
    writeKubeconfig: ({ token, path, namespace } = {}) => {
      const kubeconfig = {
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [
          {
            name: 'kube-double',
            cluster: { server: url, 'certificate-authority-data': Buffer.from(tls.caPem).toString('base64') }
          }
        ],
        users: [{ name: 'kube-double-user', user: { token: token ?? Object.keys(users)[0] ?? '' } }],
        contexts: [
          {
            name: 'kube-double',
            context: { cluster: 'kube-double', user: 'kube-double-user', ...(namespace ? { namespace } : {}) }
          }
        ],
        'current-context': 'kube-double'
      }
      let file = path
      if (!file) {
        const dir = mkdtempSync(join(tmpdir(), 'kube-double-'))
        tempDirs.push(dir)
        file = join(dir, 'kubeconfig')
      }
      writeFileSync(file, toYaml(kubeconfig), { mode: 0o600 })
      return file
    },
    close: async () => {
      rollouts.close()
      store.changes.endAll()
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      for (const socket of connections.values()) socket.destroy()
      await closed
      for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true })
    }
  }
  return double
}

/** The media type of a PATCH body; 415 for one the API server does not accept (handlers/patch.go). */
function patchTypeOf(contentType: string | undefined): string {
  const type = (contentType ?? '').split(';')[0]?.trim() ?? ''
  if (!(patchTypes as readonly string[]).includes(type)) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${patchTypes.join(', ')}`
    )
  }
  return type
}

/** The media types a create or update body may have, in the server's order (the serializers of the legacy scheme). */
const objectBodyTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']

/**
 * The body of a create or update: JSON, YAML, or protobuf as kubectl >= 1.30 sends typed objects
 * (k8s.io/client-go/rest: `ContentConfig.ContentType` is protobuf for built-in kinds, JSON accepted in return).
 * No Content-Type means the first, JSON; any other is 415 (apimachinery negotiation.go
 * NegotiateInputSerializerForMediaType, NewUnsupportedMediaTypeError).
 */
function decodeObjectBody(contentType: string | undefined, bytes: Buffer, text: string): unknown {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() || 'application/json'
  if (!objectBodyTypes.includes(type)) {
    throw new StatusError(
      415,
      'UnsupportedMediaType',
      `the body of the request was in an unknown format - accepted media types include: ${objectBodyTypes.join(', ')}`
    )
  }
  if (isProtobuf(contentType)) {
    const decoded = decodeProtobufBody(bytes, 'v1/Secret')
    if (decoded instanceof StatusError) throw decoded
    return decoded
  }
  if (type === 'application/yaml') {
    try {
      return parseYaml(text) as unknown
    } catch (error) {
      throw badRequest(`error converting YAML to JSON: ${(error as Error).message}`)
    }
  }
  return parseJsonBody(text)
}

/** Longest fieldManager the API server takes (apimachinery pkg/apis/meta/v1/validation FieldManagerMaxLength). */
const maxFieldManagerLength = 128

/**
 * apimachinery pkg/apis/meta/v1/validation ValidateFieldManager: at most 128 bytes, every character printable (Go's
 * unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space), positions in bytes.
 */
export function fieldManagerProblems(fieldManager: string): FieldError[] {
  const problems: FieldError[] = []
  if (Buffer.byteLength(fieldManager) > maxFieldManagerLength) {
    problems.push(fieldTooLong('fieldManager', maxFieldManagerLength))
  }
  let position = 0
  for (const char of fieldManager) {
    if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(char)) {
      const code = (char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')
      problems.push(
        fieldInvalid('fieldManager', fieldManager, `invalid character U+${code} (at position ${position})`)
      )
    }
    position += Buffer.byteLength(char)
  }
  return problems
}

function parseJsonBody(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw badRequest(`couldn't get version/kind; json parse error: ${(error as Error).message}`)
  }
}

/** `group/resource` -> the resource as `authorize` knows it. */
const reviewableResources: Record<string, KubeResource> = {
  '/secrets': 'secrets',
  '/events': 'events',
  'events.k8s.io/events': 'events',
  '/namespaces': 'namespaces',
  'apps/deployments': 'deployments',
  'apps/statefulsets': 'statefulsets',
  'apps/daemonsets': 'daemonsets',
  '/pods': 'pods',
  'batch/cronjobs': 'cronjobs',
  'batch/jobs': 'jobs'
}

/** DeleteOptions may carry dryRun in the body (client-go sends it there). */
function dryRunFromDeleteOptions(text: string): string[] {
  if (!text.trim()) return []
  try {
    const body = JSON.parse(text) as { dryRun?: unknown }
    return Array.isArray(body.dryRun) ? body.dryRun.map(String) : []
  } catch {
    return []
  }
}
