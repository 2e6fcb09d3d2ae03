// src/kube/api.ts repeats one thing from @kubernetes/client-node's generated object API: the order in which a
// parameter object's fields become the request factory's positional arguments. A client-node upgrade can move
// one without a type error (most are strings), so every call is held against the generated source and against
// the request client-node's own CoreV1Api/AppsV1Api/BatchV1Api/EventsV1Api builds for the same parameters.
import {
  AppsV1Api,
  BatchV1Api,
  CoreV1Api,
  EventsV1Api,
  KubeConfig,
  Observable,
  setHeaderOptions,
  type RequestContext
} from '@kubernetes/client-node'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { describe, expect, it } from 'vitest'
import {
  APPS_V1_CALLS,
  BATCH_V1_CALLS,
  CORE_V1_CALLS,
  EVENTS_V1_CALLS,
  appsV1Api,
  batchV1Api,
  coreV1Api,
  eventsV1Api
} from '../../src/kube/api.js'
import { METADATA_LIST_ACCEPT } from '../../src/kube/workloads-client.js'

const require = createRequire(import.meta.url)
const objectParamApi = readFileSync(
  require.resolve('@kubernetes/client-node/dist/gen/types/ObjectParamAPI.js'),
  'utf8'
)

/** The fields that client-node's `Object<group>Api.<method>(param, options)` passes on, in their order. */
function generatedOrder(group: string, method: string): string[] {
  const start = objectParamApi.indexOf(`export class Object${group}Api {`)
  const end = objectParamApi.indexOf('\nexport class ', start + 1)
  if (start < 0) throw new Error(`no class Object${group}Api in ObjectParamAPI.js`)
  const call = new RegExp(
    `\\n    ${method}\\(param, options\\) \\{\\s+return this\\.api\\.${method}\\(([^)]*)\\)`
  ).exec(objectParamApi.slice(start, end))
  if (!call) throw new Error(`no method ${method} in Object${group}Api`)
  return (call[1] as string)
    .split(',')
    .map(argument => argument.trim())
    .filter(argument => argument !== 'options')
    .map(argument => argument.replace(/^param\./, ''))
}

const calls = [
  ...Object.entries(CORE_V1_CALLS).map(([method, fields]) => ({ group: 'CoreV1', method, fields })),
  ...Object.entries(APPS_V1_CALLS).map(([method, fields]) => ({ group: 'AppsV1', method, fields })),
  ...Object.entries(BATCH_V1_CALLS).map(([method, fields]) => ({ group: 'BatchV1', method, fields })),
  ...Object.entries(EVENTS_V1_CALLS).map(([method, fields]) => ({ group: 'EventsV1', method, fields }))
]

type Call = (param: object, options: object) => Promise<unknown>
type Api = Record<string, Call>

/** This file's calls and client-node's own API class of the same group, over the same KubeConfig. */
function bothApis(group: string, config: KubeConfig): { ours: Api; theirs: Api } {
  const apis = {
    CoreV1: () => ({ ours: coreV1Api(config), theirs: config.makeApiClient(CoreV1Api) }),
    AppsV1: () => ({ ours: appsV1Api(config), theirs: config.makeApiClient(AppsV1Api) }),
    BatchV1: () => ({ ours: batchV1Api(config), theirs: config.makeApiClient(BatchV1Api) }),
    EventsV1: () => ({ ours: eventsV1Api(config), theirs: config.makeApiClient(EventsV1Api) })
  }[group]
  if (!apis) throw new Error(`no API group ${group}`)
  return apis() as unknown as { ours: Api; theirs: Api }
}

function kubeConfig(): KubeConfig {
  const config = new KubeConfig()
  config.loadFromOptions({
    clusters: [{ name: 'c', server: 'https://127.0.0.1:9', skipTLSVerify: false }],
    users: [{ name: 'u', token: 'test-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x'
  })
  return config
}

/** A body any of these calls serializes with the marker in it: a Secret, a Deployment, DeleteOptions or a patch. */
const bodyFor = (method: string): object => ({
  metadata: { name: `body-of-${method}` },
  preconditions: { resourceVersion: `body-of-${method}` }
})

/** A distinct value for every field, so that a field passed in another field's place shows in the request. */
function everyField(method: string, fields: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(fields.map(field => [field, field === 'body' ? bodyFor(method) : `v-${field}`]))
}

class Captured extends Error {
  constructor(readonly request: RequestContext) {
    super('captured')
  }
}

/** Builds the request as far as the last middleware and stops it there, so nothing is sent. */
async function builtRequest(
  call: (options: { middleware: unknown[]; middlewareMergeStrategy: string }) => Promise<unknown>
): Promise<Record<string, unknown>> {
  const capture = {
    pre: (request: RequestContext): Observable<RequestContext> => {
      throw new Captured(request)
    },
    post: <T>(response: T): Observable<T> => new Observable(Promise.resolve(response))
  }
  const error = await call({ middleware: [capture], middlewareMergeStrategy: 'append' }).catch(
    (caught: unknown) => caught
  )
  if (!(error instanceof Captured)) throw error
  const { request } = error
  return {
    method: request.getHttpMethod(),
    url: request.getUrl(),
    headers: request.getHeaders(),
    body: request.getBody()
  }
}

describe('kube-api', () => {
  it.each(calls)(
    '$group $method passes the fields in the order of the generated object API',
    ({ group, method, fields }) => {
      expect([...fields]).toEqual(generatedOrder(group, method))
    }
  )

  it.each(calls)(
    '$group $method builds the request that client-node builds',
    async ({ group, method, fields }) => {
      const config = kubeConfig()
      const param = everyField(method, fields)
      const { ours, theirs } = bothApis(group, config)

      const expected = await builtRequest(options => (theirs[method] as Call).call(theirs, param, options))
      const actual = await builtRequest(options => (ours[method] as Call).call(ours, param, options))
      expect(actual).toEqual(expected)
      // Every field reached the request (a field dropped on both sides would pass the comparison above).
      const sent = `${decodeURIComponent(String(actual.url))} ${String(actual.body)}`
      for (const field of fields) {
        expect(sent).toContain(field === 'body' ? `body-of-${method}` : `v-${field}`)
      }
      expect(actual.headers).toMatchObject({ Authorization: 'Bearer test-token' })
    }
  )

  it('sends the metadata-only Secret list with only the Accept header that options set, as CoreV1Api does', async () => {
    const config = kubeConfig()
    const { ours, theirs } = bothApis('CoreV1', config)
    const param = { namespace: 'ns', _continue: 'next-page' }
    const accept = setHeaderOptions('Accept', METADATA_LIST_ACCEPT)
    // The header's middleware runs before the one that captures the request.
    const call = (api: Api) => (options: { middleware: unknown[] }) =>
      (api.listNamespacedSecret as Call).call(api, param, {
        ...accept,
        middleware: [...(accept.middleware ?? []), ...options.middleware]
      })
    const expected = await builtRequest(call(theirs))
    const actual = await builtRequest(call(ours))
    expect(actual).toEqual(expected)
    expect(actual.url).toBe('https://127.0.0.1:9/api/v1/namespaces/ns/secrets?continue=next-page')
    expect((actual.headers as Record<string, string>).Accept).toBe(
      'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1'
    )
  })
})
