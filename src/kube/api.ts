// The Kubernetes API calls this action makes, with the object-parameter signatures of @kubernetes/client-node's
// CoreV1Api, AppsV1Api and BatchV1Api, built on client-node's generated request factories and response processors.
//
// Why not CoreV1Api itself: client-node's object API (types/ObjectParamAPI.js) and the observable API under it
// (types/ObservableAPI.js) are each one module holding all 67 API groups, about 10 MiB of the bundle, loaded
// and compiled on every run for the dozen calls below. The factory of one group (apis/CoreV1Api.js) builds a
// request exactly as CoreV1Api does (path, query, headers, body, authentication); the processor turns the
// response into the typed object or an ApiException. What the two big modules add is the order in which an
// object parameter's fields become the factory's positional arguments, which this file repeats in one table
// per API group, and the middleware chain in `send` below. The requests go over the wire through kube-http.ts.
//
// Adding a call: copy its line from client-node's dist/gen/types/ObjectParamAPI.js, where
// `listNamespacedJob(param, options)` calls `this.api.listNamespacedJob(param.namespace, param.pretty, ...)`:
// those field names, in that order, are the new table entry. (For another API group, add a table and a function
// like `batchV1Api`.) __tests__/unit/kube-api.test.ts then checks every entry against that file and against the
// request client-node's own API class builds, so a client-node upgrade that moves a parameter fails it.
import type {
  AppsV1Api,
  BatchV1Api,
  Configuration,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  RequestContext,
  ResponseContext
} from '@kubernetes/client-node'
import {
  AppsV1ApiRequestFactory,
  AppsV1ApiResponseProcessor
} from '@kubernetes/client-node/dist/gen/apis/AppsV1Api.js'
import {
  BatchV1ApiRequestFactory,
  BatchV1ApiResponseProcessor
} from '@kubernetes/client-node/dist/gen/apis/BatchV1Api.js'
import {
  CoreV1ApiRequestFactory,
  CoreV1ApiResponseProcessor
} from '@kubernetes/client-node/dist/gen/apis/CoreV1Api.js'
import {
  EventsV1ApiRequestFactory,
  EventsV1ApiResponseProcessor
} from '@kubernetes/client-node/dist/gen/apis/EventsV1Api.js'
import { mergeConfiguration } from '@kubernetes/client-node/dist/gen/configuration.js'
import { KubeApiError } from '../sync/kube-api-error.js'
import { dispatcherHttpLibrary } from './http.js'

/** For each method of an object API: the fields of its parameter, in the factory's positional order. */
type CallTable<Api> = {
  [Method in keyof Api]?: Api[Method] extends (param: infer Param, ...rest: never[]) => unknown
    ? readonly (keyof Param)[]
    : never
}

// prettier-ignore
export const CORE_V1_CALLS = {
  listNamespacedSecret: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch'],
  listNamespacedPod: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch'],
  readNamespacedSecret: ['name', 'namespace', 'pretty'],
  createNamespacedSecret: ['namespace', 'body', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation'],
  replaceNamespacedSecret: ['name', 'namespace', 'body', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation'],
  deleteNamespacedSecret: ['name', 'namespace', 'pretty', 'dryRun', 'gracePeriodSeconds', 'ignoreStoreReadErrorWithClusterBreakingPotential', 'orphanDependents', 'propagationPolicy', 'body']
} as const satisfies CallTable<CoreV1Api>

// prettier-ignore
export const APPS_V1_CALLS = {
  listNamespacedDeployment: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch'],
  listNamespacedStatefulSet: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch'],
  listNamespacedDaemonSet: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch'],
  readNamespacedDeployment: ['name', 'namespace', 'pretty'],
  readNamespacedStatefulSet: ['name', 'namespace', 'pretty'],
  readNamespacedDaemonSet: ['name', 'namespace', 'pretty'],
  patchNamespacedDeployment: ['name', 'namespace', 'body', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation', 'force'],
  patchNamespacedStatefulSet: ['name', 'namespace', 'body', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation', 'force'],
  patchNamespacedDaemonSet: ['name', 'namespace', 'body', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation', 'force']
} as const satisfies CallTable<AppsV1Api>

// prettier-ignore
export const BATCH_V1_CALLS = {
  listNamespacedCronJob: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch'],
  listNamespacedJob: ['namespace', 'pretty', 'allowWatchBookmarks', '_continue', 'fieldSelector', 'labelSelector', 'limit', 'resourceVersion', 'resourceVersionMatch', 'sendInitialEvents', 'shardSelector', 'timeoutSeconds', 'watch']
} as const satisfies CallTable<BatchV1Api>

// prettier-ignore
export const EVENTS_V1_CALLS = {
  createNamespacedEvent: ['namespace', 'body', 'pretty', 'dryRun', 'fieldManager', 'fieldValidation']
} as const satisfies CallTable<EventsV1Api>

export type CoreV1Calls = Pick<CoreV1Api, keyof typeof CORE_V1_CALLS>
export type AppsV1Calls = Pick<AppsV1Api, keyof typeof APPS_V1_CALLS>
export type BatchV1Calls = Pick<BatchV1Api, keyof typeof BATCH_V1_CALLS>
export type EventsV1Calls = Pick<EventsV1Api, keyof typeof EVENTS_V1_CALLS>

export function coreV1Api(kubeConfig: KubeConfig): CoreV1Calls {
  return bindCalls(kubeConfig, CoreV1ApiRequestFactory, CoreV1ApiResponseProcessor, CORE_V1_CALLS)
}

export function appsV1Api(kubeConfig: KubeConfig): AppsV1Calls {
  return bindCalls(kubeConfig, AppsV1ApiRequestFactory, AppsV1ApiResponseProcessor, APPS_V1_CALLS)
}

export function batchV1Api(kubeConfig: KubeConfig): BatchV1Calls {
  return bindCalls(kubeConfig, BatchV1ApiRequestFactory, BatchV1ApiResponseProcessor, BATCH_V1_CALLS)
}

export function eventsV1Api(kubeConfig: KubeConfig): EventsV1Calls {
  return bindCalls(kubeConfig, EventsV1ApiRequestFactory, EventsV1ApiResponseProcessor, EVENTS_V1_CALLS)
}

/**
 * The LISTs of the kinds a restart watches, as requests not yet sent: with `watch: true` the answer is a stream of
 * events that never ends by itself, which kube/watch.ts reads line by line instead of the whole body.
 */
export type WatchRequests = {
  [Method in 'listNamespacedDeployment' | 'listNamespacedStatefulSet' | 'listNamespacedDaemonSet']: (
    param: Parameters<AppsV1Api[Method]>[0],
    options?: Options
  ) => Promise<RequestContext>
}

export function appsV1WatchRequests(kubeConfig: KubeConfig): WatchRequests {
  const { listNamespacedDeployment, listNamespacedStatefulSet, listNamespacedDaemonSet } = APPS_V1_CALLS
  return bindRequests(kubeConfig, AppsV1ApiRequestFactory, {
    listNamespacedDeployment,
    listNamespacedStatefulSet,
    listNamespacedDaemonSet
  })
}

type Options = Parameters<typeof mergeConfiguration>[1]
type BuildRequest = (...args: unknown[]) => Promise<RequestContext>
type ProcessResponse = (response: ResponseContext) => Promise<{ data: unknown }>

/** makeApiClient builds the configuration every client-node API gets: the current cluster's server, the
 * KubeConfig as authentication, and client-node's User-Agent middleware. */
function configurationOf(kubeConfig: KubeConfig): Configuration {
  return mergeConfiguration(kubeConfig.makeApiClient(ConfigurationOnly).configuration, {
    httpApi: dispatcherHttpLibrary
  })
}

function bindCalls<Calls>(
  kubeConfig: KubeConfig,
  Factory: new (configuration: Configuration) => object,
  Processor: new () => object,
  table: Record<string, readonly string[]>
): Calls {
  const configuration = configurationOf(kubeConfig)
  const factory = new Factory(configuration) as Record<string, BuildRequest>
  const processor = new Processor() as Record<string, ProcessResponse>
  const calls = Object.entries(table).map(([method, fields]) => {
    const call = (param: Record<string, unknown>, options?: Options): Promise<unknown> =>
      send(
        mergeConfiguration(configuration, options),
        config =>
          (factory[method] as BuildRequest).call(factory, ...fields.map(field => param[field]), config),
        response => (processor[`${method}WithHttpInfo`] as ProcessResponse).call(processor, response)
      )
    return [method, call]
  })
  return Object.fromEntries(calls) as Calls
}

function bindRequests<Requests>(
  kubeConfig: KubeConfig,
  Factory: new (configuration: Configuration) => object,
  table: Record<string, readonly string[]>
): Requests {
  const configuration = configurationOf(kubeConfig)
  const factory = new Factory(configuration) as Record<string, BuildRequest>
  const requests = Object.entries(table).map(([method, fields]) => {
    const request = (param: Record<string, unknown>, options?: Options): Promise<RequestContext> =>
      prepare(mergeConfiguration(configuration, options), config =>
        (factory[method] as BuildRequest).call(factory, ...fields.map(field => param[field]), config)
      )
    return [method, request]
  })
  return Object.fromEntries(requests) as Requests
}

/** The request, built and authenticated, after each middleware's `pre` in order: ready to send. */
async function prepare(
  config: Configuration,
  build: (config: Configuration) => Promise<RequestContext>
): Promise<RequestContext> {
  let request = await build(config)
  for (const middleware of config.middleware) request = await middleware.pre(request).toPromise()
  return request
}

/** What makeApiClient is given in place of an API class, to hand back the configuration it builds. */
class ConfigurationOnly {
  constructor(readonly configuration: Configuration) {}
}

/**
 * One call as client-node's ObservableAPI makes it (types/ObservableAPI.js, `…WithHttpInfo`): build the
 * request, run each middleware's `pre` in order, send, run each `post` in reverse order, then process.
 */
async function send(
  config: Configuration,
  build: (config: Configuration) => Promise<RequestContext>,
  processResponse: ProcessResponse
): Promise<unknown> {
  const request = await prepare(config, build)
  let response = await config.httpApi.send(request).toPromise()
  for (const middleware of config.middleware.toReversed())
    response = await middleware.post(response).toPromise()
  const status = response.httpStatusCode
  if (status < 200 || status > 299) return (await processResponse(response)).data
  // client-node parses a 2xx answer by its Content-Type (ObjectSerializer.parse): without one it throws "Cannot
  // parse content. No Content-Type defined.", text/* it hands on as if it were the object, and JSON that does
  // not parse is a SyntaxError quoting the body. An API server answers JSON, so anything else came from
  // something in between or from a server that is no API server: say that, and which call met it.
  const call = `${request.getHttpMethod()} ${new URL(request.getUrl()).pathname}`
  const mediaType = response.headers['content-type']?.split(';')[0]?.trim().toLowerCase() ?? ''
  if (!/^application\/([a-z0-9.+-]+\+)?json$/.test(mediaType)) {
    const shown = /^[a-z0-9.+-]+\/[a-z0-9.+-]+$/.test(mediaType) ? mediaType : undefined
    throw notJson(
      call,
      status,
      mediaType === '' ? 'no Content-Type' : `Content-Type ${shown ?? '(unreadable)'}`
    )
  }
  try {
    return (await processResponse(response)).data
  } catch (error) {
    if (error instanceof SyntaxError)
      throw notJson(call, status, `Content-Type ${mediaType} but a body that does not parse`)
    throw error
  }
}

function notJson(call: string, status: number, what: string): KubeApiError {
  return new KubeApiError(
    `the API server answered ${call} with ${status} and ${what}, not the JSON an API server sends: something between the runner and the cluster answered in its place (a proxy, a captive portal, a sign-in page), or the server URL does not point at a Kubernetes API server`,
    status,
    undefined,
    false
  )
}
