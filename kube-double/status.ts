// Kubernetes `Status` bodies, worded as the API server words them.
// Constructors mirror k8s.io/apimachinery/pkg/api/errors/errors.go (NewNotFound, NewAlreadyExists, NewConflict,
// NewInvalid, NewForbidden, NewApplyConflict, ...), so a client parsing `message`, `reason` and `details` sees what
// a real cluster sends.

export interface StatusCause {
  reason: string
  message: string
  field: string
}

export interface StatusDetails {
  name?: string
  group?: string
  kind?: string
  uid?: string
  causes?: StatusCause[]
  retryAfterSeconds?: number
}

export interface StatusBody {
  kind: 'Status'
  apiVersion: 'v1'
  metadata: Record<string, never>
  status: 'Failure' | 'Success'
  message?: string
  reason?: string
  details?: StatusDetails
  code: number
}

/** A failed request, thrown inside the double and turned into a response by the server. */
export class StatusError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
    /** Seconds for a `Retry-After` header. */
    readonly retryAfter?: number
  ) {
    super(message)
  }

  toBody(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      ...(this.details && { details: this.details }),
      code: this.code
    }
  }
}

/** A field-level validation error: k8s.io/apimachinery/pkg/util/validation/field/errors.go. */
export interface FieldError {
  /** FieldValueInvalid, FieldValueRequired, FieldValueForbidden, FieldValueTooLong, ... */
  type: string
  field: string
  /** The body without the field: `Invalid value: "x": detail` (ErrorBody in errors.go). */
  body: string
}

const fieldErrorTypeNames: Record<string, string> = {
  FieldValueInvalid: 'Invalid value',
  FieldValueRequired: 'Required value',
  FieldValueForbidden: 'Forbidden',
  FieldValueTooLong: 'Too long',
  FieldValueNotSupported: 'Unsupported value'
}

/** Go's %q for the strings this double reports: JSON string escaping matches it for printable text. */
const quote = (value: string): string => JSON.stringify(value)

export const fieldInvalid = (field: string, value: string, detail: string): FieldError => ({
  type: 'FieldValueInvalid',
  field,
  body: `${fieldErrorTypeNames.FieldValueInvalid}: ${quote(value)}: ${detail}`
})

// Required, Forbidden and TooLong omit the value from the message (ErrorBody in errors.go).
export const fieldRequired = (field: string, detail: string): FieldError => ({
  type: 'FieldValueRequired',
  field,
  body: detail ? `Required value: ${detail}` : 'Required value'
})

export const fieldForbidden = (field: string, detail: string): FieldError => ({
  type: 'FieldValueForbidden',
  field,
  body: `Forbidden: ${detail}`
})

export const fieldTooLong = (field: string, maxBytes: number): FieldError => ({
  type: 'FieldValueTooLong',
  field,
  body: `Too long: may not be more than ${maxBytes} bytes`
})

/** `goValue` is the value as Go's %#v prints it, e.g. `[]string{"foo"}`. */
export const fieldNotSupported = (field: string, goValue: string, supported: string[]): FieldError => ({
  type: 'FieldValueNotSupported',
  field,
  body: `Unsupported value: ${goValue}: supported values: ${supported.map(quote).join(', ')}`
})

/**
 * 422 Invalid (errors.NewInvalid): the message aggregates the distinct errors, bare when there is one and in
 * brackets when there are several (k8s.io/apimachinery/pkg/util/errors.aggregate.Error).
 */
export function invalid(kind: string, name: string, errors: FieldError[]): StatusError {
  const messages = [...new Set(errors.map(e => `${e.field}: ${e.body}`))]
  const joined = messages.length === 1 ? messages[0] : `[${messages.join(', ')}]`
  return new StatusError(422, 'Invalid', `${kind} ${quote(name)} is invalid: ${joined}`, {
    name,
    kind,
    causes: errors.map(e => ({ reason: e.type, message: e.body, field: e.field }))
  })
}

export const notFound = (resource: string, name: string): StatusError =>
  new StatusError(404, 'NotFound', `${resource} ${quote(name)} not found`, { name, kind: resource })

export const alreadyExists = (resource: string, name: string): StatusError =>
  new StatusError(409, 'AlreadyExists', `${resource} ${quote(name)} already exists`, { name, kind: resource })

export const conflict = (resource: string, name: string): StatusError =>
  new StatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${resource} ${quote(name)}: the object has been modified; please apply your changes to the latest version and try again`,
    { name, kind: resource }
  )

export const badRequest = (message: string): StatusError => new StatusError(400, 'BadRequest', message)

export const unauthorized = (): StatusError => new StatusError(401, 'Unauthorized', 'Unauthorized')

/** 403 from the RBAC authorizer: k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go. */
export function forbidden(a: {
  user: string
  verb: string
  resource: string
  namespace?: string
  name?: string
}): StatusError {
  const subject = a.name ? `${a.resource} ${quote(a.name)}` : a.resource
  const scope = a.namespace ? `in the namespace ${quote(a.namespace)}` : 'at the cluster scope'
  const message = `${subject} is forbidden: User ${quote(a.user)} cannot ${a.verb} resource ${quote(a.resource)} in API group "" ${scope}`
  const details: StatusDetails = a.name ? { name: a.name, kind: a.resource } : { kind: a.resource }
  return new StatusError(403, 'Forbidden', message, details)
}

/** What a validating admission webhook (Kyverno, Gatekeeper, OPA) answers when it refuses a request. */
export interface AdmissionDenial {
  /** The webhook's name in its ValidatingWebhookConfiguration, e.g. `validate.kyverno.svc-fail`. */
  webhook: string
  /** The webhook's own message; policy engines often quote the object (Kyverno's `validation error: ...`). */
  message?: string
  reason?: string
  /** Default 403. */
  code?: number
}

/**
 * The Status the API server answers for a webhook's denial: k8s.io/apiserver/pkg/admission/plugin/webhook/errors/
 * statuserror.go ToStatusErr, e.g. `secrets "x" is forbidden: admission webhook "validate.kyverno.svc-fail" denied
 * the request: <message>`.
 */
export function admissionDenied(resource: string, name: string, denial: AdmissionDenial): StatusError {
  const code = denial.code ?? 403
  const deniedBy = `admission webhook ${quote(denial.webhook)} denied the request`
  const why = denial.message
    ? `${deniedBy}: ${denial.message}`
    : denial.reason
      ? `${deniedBy}: ${denial.reason}`
      : `${deniedBy} without explanation`
  const internal = code === 500
  const prefix = internal ? 'Internal error occurred' : `${resource} ${quote(name || 'Unknown')} is forbidden`
  const details: StatusDetails = internal
    ? { causes: [{ reason: '', message: why, field: '' }] }
    : { group: '', kind: resource, name: name || 'Unknown' }
  return new StatusError(
    code,
    denial.reason ?? (internal ? 'InternalError' : 'Forbidden'),
    `${prefix}: ${why}`,
    details
  )
}

export const notFoundPath = (): StatusError =>
  new StatusError(404, 'NotFound', 'the server could not find the requested resource', {})

export const methodNotAllowed = (): StatusError =>
  new StatusError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {}
  )

/** The Status a `status` fault answers with, per code (errors.NewGenericServerResponse and friends). */
export function statusForCode(code: number, retryAfter: number | undefined, name?: string): StatusError {
  const retry = retryAfter !== undefined ? { retryAfterSeconds: retryAfter } : undefined
  switch (code) {
    case 409:
      return name
        ? conflict('secrets', name)
        : new StatusError(409, 'Conflict', 'the object has been modified')
    case 429:
      return new StatusError(
        429,
        'TooManyRequests',
        'the server has received too many requests and has asked us to try again later',
        { retryAfterSeconds: retryAfter ?? 1 },
        retryAfter ?? 1
      )
    case 500:
      return new StatusError(
        500,
        'InternalError',
        'Internal error occurred: fault injected by the test double',
        {
          ...retry,
          causes: [{ reason: '', message: 'fault injected by the test double', field: '' }]
        }
      )
    case 503:
      return new StatusError(
        503,
        'ServiceUnavailable',
        'the server is currently unable to handle the request',
        retry,
        retryAfter
      )
    case 504:
      return new StatusError(
        504,
        'Timeout',
        'the server was unable to return a response in the time allotted, but may still be processing the request',
        retry,
        retryAfter
      )
    case 401:
      return unauthorized()
    default:
      return new StatusError(
        code,
        code === 400 ? 'BadRequest' : code === 403 ? 'Forbidden' : code === 404 ? 'NotFound' : '',
        `the server responded with the status code ${code} but did not return more information`,
        retry,
        retryAfter
      )
  }
}
