// The OpenAPI documents kubectl reads before `apply` (client-side and server-side), limited to what this double
// serves: core/v1 Secrets and, with `deployments: true`, apps/v1 Deployments.
//
// Why kubectl needs them (kubernetes/kubectl pkg/cmd/util/factory_client_access.go `Validator`, and
// cli-runtime pkg/resource/query_param_verifier_v3.go): with the default `--validate=strict` kubectl first asks
// whether the PATCH operation of the object's group-version-kind lists the `fieldValidation` query parameter, in
// `/openapi/v3` -> `/openapi/v3/<group-version>` (falling back to `/openapi/v2`). When it does, validation is left to
// the server (`fieldValidation=Strict`). kubectl 1.20 reads only `/openapi/v2` (see openapi-v2.ts), both for
// validation and for the strategic-merge-patch metadata (`x-kubernetes-patch-strategy` / `-merge-key`) of `apply`.
//
// The schemas below are a hand-written subset modelled on kubernetes/kubernetes api/openapi-spec/v3/
// api__v1_openapi.json and apis__apps__v1_openapi.json: the same schema names, `allOf`-wrapped references with
// `default: {}`, types, formats and `x-kubernetes-*` extensions (list types, merge keys, patch strategies,
// group-version-kind), without descriptions, and only the types a Secret and a Deployment reach. The real files
// (1.8 MB for core/v1) were not copied whole; the fields here were written after them, not diffed field by field.
// The Pod template keeps PodSpec's and Container's common fields; a field missing here is still accepted (the real
// spec has no `additionalProperties: false` either), the server validates.
// The paths list the operations the double serves, each with the parameters the real spec gives it.

import { version } from './discovery.js'

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
/** The real v3 spec wraps every `$ref` of a named property in `allOf` (kube-openapi builder3). */
const refProp = (name: string, extra: Schema = {}): Schema => ({ allOf: [ref(name)], ...extra })
const str: Schema = { type: 'string' }
const strDefault: Schema = { type: 'string', default: '' }
const int32: Schema = { type: 'integer', format: 'int32' }
const int64: Schema = { type: 'integer', format: 'int64' }
const bool: Schema = { type: 'boolean' }
const stringMap: Schema = { type: 'object', additionalProperties: { type: 'string', default: '' } }
const atomicStrings: Schema = {
  type: 'array',
  items: { type: 'string', default: '' },
  'x-kubernetes-list-type': 'atomic'
}
const gvk = (group: string, version: string, kind: string): Schema => ({
  'x-kubernetes-group-version-kind': [{ group, kind, version }]
})
const mapList = (item: string, key: string, extra: Schema = {}): Schema => ({
  type: 'array',
  items: { ...ref(item), default: {} },
  'x-kubernetes-list-map-keys': [key],
  'x-kubernetes-list-type': 'map',
  'x-kubernetes-patch-merge-key': key,
  'x-kubernetes-patch-strategy': 'merge',
  ...extra
})

const meta = 'io.k8s.apimachinery.pkg.apis.meta.v1'
const core = 'io.k8s.api.core.v1'
const apps = 'io.k8s.api.apps.v1'

/** Kinds every group-version document carries (ObjectMeta and what it references, Status, DeleteOptions, Patch). */
const metaSchemas: Record<string, Schema> = {
  [`${meta}.ObjectMeta`]: {
    type: 'object',
    properties: {
      annotations: stringMap,
      creationTimestamp: refProp(`${meta}.Time`),
      deletionGracePeriodSeconds: int64,
      deletionTimestamp: refProp(`${meta}.Time`),
      finalizers: {
        type: 'array',
        items: { type: 'string', default: '' },
        'x-kubernetes-list-type': 'set',
        'x-kubernetes-patch-strategy': 'merge'
      },
      generateName: str,
      generation: int64,
      labels: stringMap,
      managedFields: {
        type: 'array',
        items: { ...ref(`${meta}.ManagedFieldsEntry`), default: {} },
        'x-kubernetes-list-type': 'atomic'
      },
      name: str,
      namespace: str,
      ownerReferences: mapList(`${meta}.OwnerReference`, 'uid'),
      resourceVersion: str,
      selfLink: str,
      uid: str
    }
  },
  [`${meta}.ManagedFieldsEntry`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      fieldsType: str,
      fieldsV1: refProp(`${meta}.FieldsV1`),
      manager: str,
      operation: str,
      subresource: str,
      time: refProp(`${meta}.Time`)
    }
  },
  [`${meta}.FieldsV1`]: { type: 'object' },
  [`${meta}.OwnerReference`]: {
    type: 'object',
    properties: {
      apiVersion: strDefault,
      blockOwnerDeletion: bool,
      controller: bool,
      kind: strDefault,
      name: strDefault,
      uid: strDefault
    },
    required: ['apiVersion', 'kind', 'name', 'uid'],
    'x-kubernetes-map-type': 'atomic'
  },
  [`${meta}.Time`]: { type: 'string', format: 'date-time' },
  [`${meta}.ListMeta`]: {
    type: 'object',
    properties: { continue: str, remainingItemCount: int64, resourceVersion: str, selfLink: str }
  },
  [`${meta}.Patch`]: { type: 'object' },
  [`${meta}.Preconditions`]: { type: 'object', properties: { resourceVersion: str, uid: str } },
  [`${meta}.DeleteOptions`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      dryRun: atomicStrings,
      gracePeriodSeconds: int64,
      kind: str,
      orphanDependents: bool,
      preconditions: refProp(`${meta}.Preconditions`),
      propagationPolicy: str
    }
  },
  [`${meta}.Status`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      code: int32,
      details: { type: 'object' },
      kind: str,
      message: str,
      metadata: refProp(`${meta}.ListMeta`, { default: {} }),
      reason: str,
      status: str
    }
  },
  [`${meta}.LabelSelector`]: {
    type: 'object',
    properties: {
      matchExpressions: {
        type: 'array',
        items: { ...ref(`${meta}.LabelSelectorRequirement`), default: {} },
        'x-kubernetes-list-type': 'atomic'
      },
      matchLabels: stringMap
    },
    'x-kubernetes-map-type': 'atomic'
  },
  [`${meta}.LabelSelectorRequirement`]: {
    type: 'object',
    properties: { key: strDefault, operator: strDefault, values: atomicStrings },
    required: ['key', 'operator']
  }
}

/** `metadata`, `apiVersion` and `kind` as every top-level kind has them. */
const objectProps = {
  apiVersion: str,
  kind: str,
  metadata: refProp(`${meta}.ObjectMeta`, { default: {} })
}

const coreSchemas: Record<string, Schema> = {
  [`${core}.Secret`]: {
    type: 'object',
    properties: {
      ...objectProps,
      data: { type: 'object', additionalProperties: { type: 'string', format: 'byte' } },
      immutable: bool,
      stringData: stringMap,
      type: str
    },
    ...gvk('', 'v1', 'Secret')
  },
  [`${core}.SecretList`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      items: { type: 'array', items: { ...ref(`${core}.Secret`), default: {} } },
      kind: str,
      metadata: refProp(`${meta}.ListMeta`, { default: {} })
    },
    required: ['items'],
    ...gvk('', 'v1', 'SecretList')
  }
}

const containerSchemas: Record<string, Schema> = {
  [`${core}.EnvVar`]: {
    type: 'object',
    properties: { name: strDefault, value: str, valueFrom: { type: 'object' } },
    required: ['name']
  },
  [`${core}.ContainerPort`]: {
    type: 'object',
    properties: { containerPort: int32, hostIP: str, hostPort: int32, name: str, protocol: str },
    required: ['containerPort']
  },
  [`${core}.VolumeMount`]: {
    type: 'object',
    properties: { mountPath: strDefault, name: strDefault, readOnly: bool, subPath: str },
    required: ['name', 'mountPath']
  },
  [`${core}.Container`]: {
    type: 'object',
    properties: {
      args: atomicStrings,
      command: atomicStrings,
      env: mapList(`${core}.EnvVar`, 'name'),
      envFrom: { type: 'array', items: { type: 'object' }, 'x-kubernetes-list-type': 'atomic' },
      image: str,
      imagePullPolicy: str,
      name: strDefault,
      ports: mapList(`${core}.ContainerPort`, 'containerPort', {
        'x-kubernetes-list-map-keys': ['containerPort', 'protocol']
      }),
      resources: { type: 'object' },
      terminationMessagePath: str,
      terminationMessagePolicy: str,
      volumeMounts: mapList(`${core}.VolumeMount`, 'mountPath')
    },
    required: ['name']
  },
  [`${core}.PodSpec`]: {
    type: 'object',
    properties: {
      containers: mapList(`${core}.Container`, 'name'),
      dnsPolicy: str,
      imagePullSecrets: mapList(`${core}.LocalObjectReference`, 'name'),
      initContainers: mapList(`${core}.Container`, 'name'),
      restartPolicy: str,
      schedulerName: str,
      securityContext: { type: 'object' },
      serviceAccountName: str,
      terminationGracePeriodSeconds: int64,
      volumes: mapList(`${core}.Volume`, 'name', { 'x-kubernetes-patch-strategy': 'merge,retainKeys' })
    },
    required: ['containers']
  },
  [`${core}.LocalObjectReference`]: {
    type: 'object',
    properties: { name: strDefault },
    'x-kubernetes-map-type': 'atomic'
  },
  [`${core}.Volume`]: { type: 'object', properties: { name: strDefault }, required: ['name'] },
  [`${core}.PodTemplateSpec`]: {
    type: 'object',
    properties: {
      metadata: refProp(`${meta}.ObjectMeta`, { default: {} }),
      spec: refProp(`${core}.PodSpec`, { default: {} })
    }
  }
}

const appsSchemas: Record<string, Schema> = {
  [`${apps}.Deployment`]: {
    type: 'object',
    properties: {
      ...objectProps,
      spec: refProp(`${apps}.DeploymentSpec`, { default: {} }),
      status: refProp(`${apps}.DeploymentStatus`, { default: {} })
    },
    ...gvk('apps', 'v1', 'Deployment')
  },
  [`${apps}.DeploymentSpec`]: {
    type: 'object',
    properties: {
      minReadySeconds: int32,
      paused: bool,
      progressDeadlineSeconds: int32,
      replicas: int32,
      revisionHistoryLimit: int32,
      selector: refProp(`${meta}.LabelSelector`),
      strategy: refProp(`${apps}.DeploymentStrategy`, {
        default: {},
        'x-kubernetes-patch-strategy': 'retainKeys'
      }),
      template: refProp(`${core}.PodTemplateSpec`, { default: {} })
    },
    required: ['selector', 'template']
  },
  [`${apps}.DeploymentStrategy`]: {
    type: 'object',
    properties: { rollingUpdate: { type: 'object' }, type: str }
  },
  [`${apps}.DeploymentStatus`]: {
    type: 'object',
    properties: {
      availableReplicas: int32,
      observedGeneration: int64,
      readyReplicas: int32,
      replicas: int32,
      updatedReplicas: int32
    }
  },
  [`${apps}.DeploymentList`]: {
    type: 'object',
    properties: {
      apiVersion: str,
      items: { type: 'array', items: { ...ref(`${apps}.Deployment`), default: {} } },
      kind: str,
      metadata: refProp(`${meta}.ListMeta`, { default: {} })
    },
    required: ['items'],
    ...gvk('apps', 'v1', 'DeploymentList')
  }
}

// Query parameters as the real spec declares them for these operations.
const query = (name: string, schema: Schema = { type: 'string', uniqueItems: true }): Schema => ({
  name,
  in: 'query',
  schema
})
const pathParam = (name: string): Schema => ({
  name,
  in: 'path',
  required: true,
  schema: { type: 'string', uniqueItems: true }
})
const writeParams = [query('dryRun'), query('fieldManager'), query('fieldValidation')]
const jsonTypes = ['application/json', 'application/yaml', 'application/vnd.kubernetes.protobuf']
const patchTypes = [
  'application/apply-patch+yaml',
  'application/json-patch+json',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json'
]

const content = (types: string[], schema: Schema): Schema =>
  Object.fromEntries(types.map(t => [t, { schema }]))

function operation(
  action: string,
  kind: { group: string; version: string; kind: string },
  returns: string,
  extra: Schema = {}
): Schema {
  return {
    operationId: `${action}${kind.kind}`,
    responses: { '200': { description: 'OK', content: content(jsonTypes, ref(returns)) } },
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kind,
    ...extra
  }
}

/** The item and collection paths of a namespaced resource, with the verbs this double serves. */
function resourcePaths(
  prefix: string,
  resource: string,
  kind: { group: string; version: string; kind: string },
  schema: string,
  verbs: { create: boolean; update: boolean; delete: boolean }
): Record<string, Schema> {
  const collection: Schema = {
    get: operation('list', kind, `${schema}List`, {
      parameters: [query('labelSelector'), query('fieldSelector'), query('limit'), query('continue')]
    }),
    parameters: [pathParam('namespace')]
  }
  if (verbs.create) {
    collection.post = operation('post', kind, schema, {
      parameters: writeParams,
      requestBody: { content: { '*/*': { schema: ref(schema) } }, required: true }
    })
  }
  const item: Schema = {
    get: operation('get', kind, schema),
    patch: operation('patch', kind, schema, {
      parameters: [...writeParams, query('force', { type: 'boolean', uniqueItems: true })],
      requestBody: { content: content(patchTypes, ref(`${meta}.Patch`)), required: true }
    }),
    parameters: [pathParam('name'), pathParam('namespace')]
  }
  if (verbs.update) {
    item.put = operation('put', kind, schema, {
      parameters: writeParams,
      requestBody: { content: { '*/*': { schema: ref(schema) } }, required: true }
    })
  }
  if (verbs.delete) {
    item.delete = operation('delete', kind, `${meta}.Status`, {
      parameters: [query('dryRun'), query('gracePeriodSeconds'), query('propagationPolicy')],
      requestBody: { content: { '*/*': { schema: ref(`${meta}.DeleteOptions`) } } }
    })
  }
  return {
    [`${prefix}/namespaces/{namespace}/${resource}`]: collection,
    [`${prefix}/namespaces/{namespace}/${resource}/{name}`]: item
  }
}

function document(paths: Record<string, Schema>, schemas: Record<string, Schema>): Schema {
  return {
    openapi: '3.0.0',
    info: { title: 'Kubernetes', version: version.gitVersion },
    paths,
    components: {
      securitySchemes: { BearerToken: { type: 'apiKey', name: 'authorization', in: 'header' } },
      schemas
    }
  }
}

export const openApiV3CoreV1 = document(
  resourcePaths('/api/v1', 'secrets', { group: '', version: 'v1', kind: 'Secret' }, `${core}.Secret`, {
    create: true,
    update: true,
    delete: true
  }),
  { ...metaSchemas, ...coreSchemas }
)

export const openApiV3AppsV1 = document(
  // Only GET, LIST and PATCH of a Deployment are served (deployments.ts).
  resourcePaths(
    '/apis/apps/v1',
    'deployments',
    { group: 'apps', version: 'v1', kind: 'Deployment' },
    `${apps}.Deployment`,
    { create: false, update: false, delete: false }
  ),
  { ...metaSchemas, ...containerSchemas, ...appsSchemas }
)

/** Every schema, keyed as OpenAPI v2 `definitions` are (kube-openapi names them alike in both versions). */
export const allSchemas: Record<string, Schema> = {
  ...metaSchemas,
  ...coreSchemas,
  ...containerSchemas,
  ...appsSchemas
}

/** A content hash the way the API server exposes one per group-version (`?hash=` in `serverRelativeURL`); clients
 * send it back and may cache the answer for good (client-go openapi/cached). */
export function openApiV3Root(
  hashOf: (doc: object) => string,
  servesApps: boolean
): { paths: Record<string, { serverRelativeURL: string }> } {
  const paths: Record<string, { serverRelativeURL: string }> = {
    'api/v1': { serverRelativeURL: `/openapi/v3/api/v1?hash=${hashOf(openApiV3CoreV1)}` }
  }
  if (servesApps) {
    paths['apis/apps/v1'] = {
      serverRelativeURL: `/openapi/v3/apis/apps/v1?hash=${hashOf(openApiV3AppsV1)}`
    }
  }
  return { paths }
}
