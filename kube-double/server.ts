// A strict test double of the Kubernetes API server for Secrets and Namespaces (and, when asked, apps/v1
// Deployments, or with `workloads` also StatefulSets and batch/v1 CronJobs and Jobs), over HTTPS on 127.0.0.1.
// This file is the transport: TLS, routing, bearer-token authentication, RBAC through `authorize`, injected faults
// and the record of requests. What each verb does lives in secrets.ts, deployments.ts and
// workloads.ts; the REFERENCE.md section "Kubernetes API, core/v1 Secrets" lists the behaviour it
// reproduces. What kubectl needs besides lives beside them: discovery (discovery.ts), OpenAPI v2 and v3
// (openapi*.ts), protobuf request bodies (protobuf.ts) and SelfSubjectAccessReviews
// (authorization.ts).
import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { parse as parseYaml, stringify as toYaml } from 'yaml'
import { apiGroupList, apiVersions, coreV1Resources, version } from './discovery.js'
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
import { SecretsApi, invalidOptions, patchTypes, type Reply, type WriteOptions } from './secrets.js'
import {
  WorkloadsApi,
  batchGroup,
  batchGroupEntry,
  batchV1Resources,
  groupForbidden,
  statefulSetsDiscovery,
  workloadResources,
  type WorkloadObject,
  type WorkloadResource
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
import { KubeStore, renderNamespace, renderSecret, type V1SecretLike } from './store.js'
import { testTls, type ServerTls } from './tls.js'

export type { V1SecretLike } from './store.js'
export type { DeploymentSeed, V1DeploymentLike } from './deployments.js'
export type { WorkloadObject, WorkloadResource } from './workloads.js'

export type KubeResource = 'secrets' | 'namespaces' | 'deployments' | WorkloadResource

export interface AuthorizationRequest {
  user: string
  verb: string
  resource: KubeResource
  /** '' for core/v1 (secrets, namespaces), 'apps' for deployments and statefulsets, 'batch' for cronjobs and jobs. */
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
  namespaces?: string[]
  /** RBAC: return false to answer 403. Verbs: get list create update patch delete deletecollection. */
  authorize?: (a: AuthorizationRequest) => boolean
  port?: number
  /** Serve apps/v1 Deployments and list the `apps` group in discovery. Off by default, so a double started
   * without it answers discovery as before (`/apis` with no groups, `/apis/apps/v1` 404). */
  deployments?: boolean
  /** Serve apps/v1 StatefulSets and batch/v1 CronJobs and Jobs too (implies `deployments`), and list them in
   * discovery. See workloads.ts. */
  workloads?: boolean
}

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
}

export interface Fault {
  /** Default: every request. */
  match?: (r: { method: string; path: string; query: URLSearchParams }) => boolean
  /** How many matching requests it applies to (default 1). */
  times?: number
  /** `drop` resets the connection before the request is handled; `dropAnswer` after a write was handled (and
   * stored): the write landed, its answer was lost, as when a connection breaks on the way back. */
  kind: 'status' | 'plain429' | 'drop' | 'dropAnswer' | 'hang' | 'latency'
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
  inject(fault: Fault): void
  /** Called after auth, before a write is handled: change a Secret between a client's read and its write. */
  beforeWrite?: (r: { method: string; namespace: string; name?: string }) => void | Promise<void>
  addNamespace(name: string): void
  /** Store a Secret as another client (default manager `terraform`) would, bypassing auth and the request log. */
  seedSecret(namespace: string, secret: object, manager?: string): V1SecretLike
  getSecret(namespace: string, name: string): V1SecretLike | undefined
  listSecrets(namespace: string): V1SecretLike[]
  /** Store a Deployment as another client (default manager `terraform`) would, bypassing auth and the request log.
   * Needs `deployments: true`. */
  seedDeployment(namespace: string, deployment: DeploymentSeed, manager?: string): V1DeploymentLike
  getDeployment(namespace: string, name: string): V1DeploymentLike | undefined
  /** Store a StatefulSet, CronJob or Job as another client would (a Job may be seeded finished, with its status),
   * bypassing auth and the request log. Needs `workloads: true`. */
  seedWorkload(
    namespace: string,
    resource: WorkloadResource,
    body: {
      metadata: { name: string; labels?: Record<string, string>; ownerReferences?: object[] }
      spec: object
      status?: object
    }
  ): WorkloadObject
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
  | { kind: 'selfsubjectaccessreviews' }
  | { kind: 'openApiV2' }

/** StatefulSets, CronJobs and Jobs (workloads.ts), when the double serves them. */
function workloadRoute(path: string): Route | undefined {
  switch (path) {
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
        body: { ...appsV1Resources, resources: [...appsV1Resources.resources, statefulSetsDiscovery] }
      }
    case '/apis/batch':
      return { kind: 'discovery', body: batchGroup }
    case '/apis/batch/v1':
      return { kind: 'discovery', body: batchV1Resources }
  }
  const [apis, groupName, groupVersion, namespaces, namespace, resource, name, extra] = path
    .split('/')
    .filter(Boolean)
    .map(decodeURIComponent)
  const info = workloadResources[resource as WorkloadResource] as
    (typeof workloadResources)[WorkloadResource] | undefined
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
    case selfSubjectAccessReviewsPath:
      return { kind: 'selfsubjectaccessreviews' }
    case '/api/v1':
      return { kind: 'discovery', body: coreV1Resources }
    case '/version':
      return { kind: 'discovery', body: version }
  }
  const openApi = openApiRoute(path, servesApps)
  if (openApi) return openApi
  if (servesApps && path === '/apis/apps') return { kind: 'discovery', body: appsGroup }
  if (servesApps && path === '/apis/apps/v1') return { kind: 'discovery', body: appsV1Resources }
  const segments = path.split('/').filter(Boolean).map(decodeURIComponent)
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

/** `/apis` with authorization.k8s.io (SelfSubjectAccessReviews) after the groups the double serves. */
const withAuthorizationGroup = (list: { groups: object[] }): object => ({
  ...list,
  groups: [...list.groups, authorizationGroupEntry]
})

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

async function readBody(req: IncomingMessage): Promise<{ bytes: Buffer; text: string; tooLarge: boolean }> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size <= maxBodyBytes) chunks.push(chunk as Buffer)
  }
  const bytes = Buffer.concat(chunks)
  return { bytes, text: bytes.toString('utf8'), tooLarge: size > maxBodyBytes }
}

/** The record of the request each response answers; its status is set as the head is written, not on 'finish', so a
 * client that has its answer always finds it recorded. */
const recordOf = new WeakMap<ServerResponse, RecordedRequest>()

function writeHead(res: ServerResponse, status: number, headers: Record<string, string>): void {
  const record = recordOf.get(res)
  if (record) record.status = status
  res.writeHead(status, headers)
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: object,
  headers: Record<string, string> = {}
): void {
  if (res.destroyed) return
  writeHead(res, status, { 'Content-Type': 'application/json', ...headers })
  res.end(JSON.stringify(body))
}

function sendStatus(res: ServerResponse, error: StatusError): void {
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
  const secrets = new SecretsApi(store)
  const servesWorkloads = opts.workloads ?? false
  const servesApps = (opts.deployments ?? false) || servesWorkloads
  const deployments = new DeploymentsApi(store)
  const workloads: Record<WorkloadResource, WorkloadsApi> = {
    statefulsets: new WorkloadsApi(store, 'statefulsets'),
    cronjobs: new WorkloadsApi(store, 'cronjobs'),
    jobs: new WorkloadsApi(store, 'jobs')
  }
  const faults: PendingFault[] = []
  const handled = new WeakSet<RecordedRequest>()
  /** Responses a `dropAnswer` fault will never send. */
  const loseAnswer = new WeakSet<ServerResponse>()
  const tempDirs: string[] = []

  const takeFault = (r: { method: string; path: string; query: URLSearchParams }): Fault | undefined => {
    const index = faults.findIndex(p => p.remaining > 0 && (p.fault.match?.(r) ?? true))
    if (index < 0) return undefined
    const pending = faults[index] as PendingFault
    pending.remaining -= 1
    if (pending.remaining === 0) faults.splice(index, 1)
    return pending.fault
  }

  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status =
        error instanceof StatusError
          ? error
          : new StatusError(500, 'InternalError', `Internal error occurred: ${(error as Error).message}`)
      sendStatus(res, status)
    })
  })
  server.on('secureConnection', () => {
    double.connectionsOpened += 1
  })

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

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://127.0.0.1')
    const method = req.method ?? 'GET'
    const underBase = url.pathname === basePath || url.pathname.startsWith(`${basePath}/`)
    const path = underBase ? url.pathname.slice(basePath.length) || '/' : url.pathname
    const query = url.searchParams
    const dryRunValues = query.getAll('dryRun')
    const record: RecordedRequest = { method, path, query, status: 0, dryRun: dryRunValues.includes('All') }
    if (req.headers['content-type']) record.contentType = req.headers['content-type']
    if (req.headers['user-agent']) record.userAgent = req.headers['user-agent']
    if (req.headers.accept) record.accept = req.headers.accept
    double.requests.push(record)
    recordOf.set(res, record)

    if (double.latencyMs > 0) await sleep(double.latencyMs)
    const fault = takeFault({ method, path, query })
    if (fault) {
      switch (fault.kind) {
        case 'drop':
          req.socket.destroy()
          return
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
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1]
    const user = token !== undefined ? users[token] : undefined
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
          : ''
    const check: Parameters<typeof authorize>[0] = { user, verb, resource, apiGroup }
    if (namespace !== undefined) check.namespace = namespace
    if (target.name !== undefined) check.name = target.name
    if (!authorize(check)) {
      if (target.kind === 'workloads') throw groupForbidden(check)
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

    if (verb === 'watch') throw badRequest('watch is not supported by this test double')
    const resourceNamespace = target.namespace
    if (target.kind === 'workloads') {
      const api = workloads[target.resource]
      const { name } = target
      let reply: Reply
      if (method === 'GET')
        reply = name === undefined ? api.list(resourceNamespace, query) : api.get(resourceNamespace, name)
      else if (method === 'POST' && name === undefined) {
        const dryRun = dryRunValues.length > 0
        if (dryRunValues.some(v => v !== 'All')) {
          throw invalidOptions('CreateOptions', [
            fieldNotSupported('dryRun', `[]string{${dryRunValues.map(v => JSON.stringify(v)).join(', ')}}`, [
              'All'
            ])
          ])
        }
        record.dryRun = dryRun
        handled.add(record)
        reply = api.create(resourceNamespace, body.text, {
          dryRun,
          manager: '',
          fieldManagerGiven: false,
          force: false
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
      req.socket.destroy()
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
    writes: () => double.requests.filter(r => writeMethods.has(r.method) && handled.has(r)),
    resetRequests: () => {
      double.requests.length = 0
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
    seedDeployment: (namespace, deployment, manager = 'terraform') => {
      if (!servesApps) throw new Error('seedDeployment needs a double started with { deployments: true }')
      return deployments.seed(namespace, deployment, manager)
    },
    getDeployment: (namespace, name) => deployments.read(namespace, name),
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
      const closed = new Promise<void>(resolve => server.close(() => resolve()))
      server.closeAllConnections()
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
  '/namespaces': 'namespaces',
  'apps/deployments': 'deployments',
  'apps/statefulsets': 'statefulsets',
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
