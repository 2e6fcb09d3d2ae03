// authorization.k8s.io/v1 SelfSubjectAccessReviews, which `kubectl auth can-i` creates
// (kubernetes/kubectl pkg/cmd/auth/cani.go `resourceFor` + `AuthorizationV1().SelfSubjectAccessReviews().Create`):
// the server answers whether the requesting user may do what `spec.resourceAttributes` (or
// `spec.nonResourceAttributes`) names, from the same RBAC that guards every other request here (`authorize`).
// Every authenticated user may create one (the `system:basic-user` ClusterRole), so it is not itself authorized.
// The answer echoes the spec with `status.allowed` (kubernetes pkg/registry/authorization/selfsubjectaccessreview/
// rest.go: 201 Created).
import { StatusError, badRequest } from './status.js'

export const authorizationGroup = 'authorization.k8s.io'
const groupVersion = { groupVersion: `${authorizationGroup}/v1`, version: 'v1' }

// Discovery, as client-go reads it (`/apis`, `/apis/authorization.k8s.io`, `/apis/authorization.k8s.io/v1`),
// listing only the review this double serves.
export const authorizationGroupEntry = {
  name: authorizationGroup,
  versions: [groupVersion],
  preferredVersion: groupVersion
}
export const authorizationApiGroup = { kind: 'APIGroup', apiVersion: 'v1', ...authorizationGroupEntry }
export const authorizationV1Resources = {
  kind: 'APIResourceList',
  apiVersion: 'v1',
  groupVersion: groupVersion.groupVersion,
  resources: [
    {
      name: 'selfsubjectaccessreviews',
      singularName: 'selfsubjectaccessreview',
      namespaced: false,
      kind: 'SelfSubjectAccessReview',
      verbs: ['create']
    }
  ]
}

export const selfSubjectAccessReviewsPath = `/apis/${authorizationGroup}/v1/selfsubjectaccessreviews`

export interface ResourceAttributes {
  namespace?: string
  verb?: string
  group?: string
  version?: string
  resource?: string
  subresource?: string
  name?: string
}

interface ReviewSpec {
  resourceAttributes?: ResourceAttributes
  nonResourceAttributes?: { path?: string; verb?: string }
}

/** Non-resource URLs every authenticated user may GET (the `system:discovery` and `system:public-info-viewer`
 * ClusterRoles). */
const publicPaths = ['/api', '/api/*', '/apis', '/apis/*', '/openapi', '/openapi/*', '/version', '/healthz']

const matchesPath = (path: string): boolean =>
  publicPaths.some(p => (p.endsWith('/*') ? path.startsWith(p.slice(0, -1)) : path === p))

/**
 * The answer to a review: the spec echoed with `status.allowed` from `allows` for resource attributes; for a
 * non-resource URL, allowed for a GET of the discovery paths only.
 */
export function reviewAccess(body: unknown, allows: (attributes: ResourceAttributes) => boolean): object {
  const review = (body ?? {}) as { kind?: unknown; apiVersion?: unknown; spec?: ReviewSpec }
  if (review.kind !== undefined && review.kind !== 'SelfSubjectAccessReview') {
    throw badRequest(
      `the object provided is unrecognized (must be of type SelfSubjectAccessReview): ${String(review.kind)}`
    )
  }
  const spec = review.spec ?? {}
  let allowed: boolean
  if (spec.resourceAttributes) allowed = allows(spec.resourceAttributes)
  else if (spec.nonResourceAttributes) {
    const { path = '', verb = '' } = spec.nonResourceAttributes
    allowed = verb === 'get' && matchesPath(path)
  } else {
    // ValidateSelfSubjectAccessReviewSpec (pkg/apis/authorization/validation/validation.go).
    throw new StatusError(
      422,
      'Invalid',
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
      { group: authorizationGroup, kind: 'SelfSubjectAccessReview' }
    )
  }
  return {
    kind: 'SelfSubjectAccessReview',
    apiVersion: `${authorizationGroup}/v1`,
    metadata: { creationTimestamp: null },
    spec,
    status: { allowed }
  }
}
