// `/openapi/v2`: the Swagger 2.0 form of the schemas in openapi.ts. kubectl before 1.27 reads only this
// document, for `apply`'s client-side validation (kube-openapi pkg/util/proto/validation) and for the
// strategic-merge-patch metadata of built-in kinds. client-go (discovery_client.go `OpenAPISchema`) asks for it as
// protobuf, `Accept: application/com.github.proto-openapi.spec.v2@v1.0+protobuf`, and decodes a gnostic
// `openapi.v2.Document` (google/gnostic openapiv2/OpenAPIv2.proto); other clients get JSON.
// The document has `definitions` and no `paths`: kubectl < 1.27 reads paths only for `--dry-run=server` support,
// and newer clients read the paths in the v3 documents.
import { BinaryWriter, WireType } from '@protobuf-ts/runtime'
import { stringify as toYaml } from 'yaml'
import { version } from './discovery.js'
import { allSchemas } from './openapi.js'

/** What client-go asks for, and what kube-openapi (pkg/handler/handler.go) answers with: the `@` form cannot be
 * parsed by Go's mime.ParseMediaType, so the response carries the `.v1.0` form. */
export const openApiV2ProtobufAccept = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf'
export const openApiV2ProtobufType = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf'

type Schema = Record<string, unknown>

const v3Prefix = '#/components/schemas/'

/** A v3 schema in its v2 form: `#/definitions/` references, and no `allOf` wrapper around a single `$ref` (nor the
 * `default` beside it), as kube-openapi's v2 builder writes them. */
function toV2(schema: Schema): Schema {
  const out: Schema = {}
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'allOf' && Array.isArray(value) && value.length === 1) {
      Object.assign(out, toV2(value[0] as Schema))
    } else if (key === '$ref' && typeof value === 'string') {
      out.$ref = `#/definitions/${value.slice(v3Prefix.length)}`
    } else if (key === 'properties') {
      out.properties = Object.fromEntries(
        Object.entries(value as Record<string, Schema>).map(([k, v]) => [k, toV2(v)])
      )
    } else if (key === 'items' || key === 'additionalProperties') {
      out[key] = toV2(value as Schema)
    } else {
      out[key] = value
    }
  }
  if (out.$ref) delete out.default
  return out
}

export const openApiV2 = {
  swagger: '2.0',
  info: { title: 'Kubernetes', version: version.gitVersion },
  paths: {},
  definitions: Object.fromEntries(Object.entries(allSchemas).map(([name, s]) => [name, toV2(s)]))
}

// gnostic field numbers (OpenAPIv2.proto): Document swagger 1, info 2, definitions 9; Info title 1, version 2;
// Definitions / Properties: repeated NamedSchema 1 (name 1, value 2); Schema _ref 1, format 2, default 5,
// required 19, additional_properties 21 (AdditionalPropertiesItem.schema 1), type 22 (TypeItem.value 1),
// items 23 (ItemsItem.schema 1), properties 25, vendor_extension 31 (NamedAny: name 1, value 2 = Any.yaml 2).
const LEN = WireType.LengthDelimited

/** An `Any` holds a JSON value as YAML text (kube-openapi reads it back with yaml.Unmarshal). */
function writeAny(w: BinaryWriter, field: number, value: unknown): void {
  w.tag(field, LEN).fork().tag(2, LEN).string(toYaml(value)).join()
}

function writeSchema(w: BinaryWriter, schema: Schema): void {
  if (typeof schema.$ref === 'string') w.tag(1, LEN).string(schema.$ref)
  if (typeof schema.format === 'string') w.tag(2, LEN).string(schema.format)
  if (schema.default !== undefined) writeAny(w, 5, schema.default)
  for (const name of (schema.required as string[] | undefined) ?? []) w.tag(19, LEN).string(name)
  if (schema.additionalProperties) {
    w.tag(21, LEN).fork().tag(1, LEN).fork()
    writeSchema(w, schema.additionalProperties as Schema)
    w.join().join()
  }
  if (typeof schema.type === 'string') w.tag(22, LEN).fork().tag(1, LEN).string(schema.type).join()
  if (schema.items) {
    w.tag(23, LEN).fork().tag(1, LEN).fork()
    writeSchema(w, schema.items as Schema)
    w.join().join()
  }
  if (schema.properties) {
    w.tag(25, LEN).fork()
    writeNamedSchemas(w, schema.properties as Record<string, Schema>)
    w.join()
  }
  for (const [key, value] of Object.entries(schema)) {
    if (!key.startsWith('x-')) continue
    w.tag(31, LEN).fork().tag(1, LEN).string(key)
    writeAny(w, 2, value)
    w.join()
  }
}

function writeNamedSchemas(w: BinaryWriter, schemas: Record<string, Schema>): void {
  for (const [name, schema] of Object.entries(schemas)) {
    w.tag(1, LEN).fork().tag(1, LEN).string(name).tag(2, LEN).fork()
    writeSchema(w, schema)
    w.join().join()
  }
}

function encodeDocument(): Uint8Array {
  const w = new BinaryWriter()
  w.tag(1, LEN).string(openApiV2.swagger)
  w.tag(2, LEN)
    .fork()
    .tag(1, LEN)
    .string(openApiV2.info.title)
    .tag(2, LEN)
    .string(openApiV2.info.version)
    .join()
  w.tag(9, LEN).fork()
  writeNamedSchemas(w, openApiV2.definitions)
  w.join()
  return w.finish()
}

export const openApiV2Protobuf = Buffer.from(encodeDocument())
