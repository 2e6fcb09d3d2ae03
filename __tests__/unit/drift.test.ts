import type { V1ManagedFieldsEntry, V1Secret } from '@kubernetes/client-node'
import { describe, expect, it } from 'vitest'
import { detectDrift } from '../../src/sync/drift.js'

const b64 = (text: string): string => Buffer.from(text).toString('base64')
const wanted = { DAGSTER_SECRET_TOKEN: b64('from-github') }

/** A managedFields entry as the API server writes one; `keys` are the data keys it owns. */
const entry = (
  manager: string,
  time: string,
  keys: string[],
  operation: 'Update' | 'Apply' = 'Update'
): V1ManagedFieldsEntry => ({
  manager,
  operation,
  apiVersion: 'v1',
  time: new Date(time),
  fieldsType: 'FieldsV1',
  fieldsV1: {
    'f:data': {
      ...(operation === 'Update' && { '.': {} }),
      ...Object.fromEntries(keys.map(k => [`f:${k}`, {}]))
    },
    'f:metadata': { 'f:labels': { '.': {}, 'f:app.kubernetes.io/managed-by': {} } }
  }
})

const secret = (data: Record<string, string>, managedFields?: V1ManagedFieldsEntry[]): V1Secret => ({
  metadata: { name: 'dagster-secret-token', ...(managedFields && { managedFields }) },
  type: 'Opaque',
  data
})

const key = 'DAGSTER_SECRET_TOKEN'
const edited = { [key]: b64('edited-by-hand') }

describe('detectDrift', () => {
  it.each([
    [
      'kubectl edit after this action: drift, with its manager, operation and time',
      edited,
      [
        entry('gke-secrets-sync', '2025-01-01T10:00:00Z', []),
        entry('kubectl-edit', '2025-01-02T11:12:13Z', [key])
      ],
      { manager: 'kubectl-edit', operation: 'Update', time: '2025-01-02T11:12:13Z' }
    ],
    [
      'server-side apply by kubectl',
      edited,
      [
        entry('gke-secrets-sync', '2025-01-01T10:00:00Z', []),
        entry('kubectl', '2025-01-03T00:00:00Z', [key], 'Apply')
      ],
      { manager: 'kubectl', operation: 'Apply', time: '2025-01-03T00:00:00Z' }
    ],
    [
      'a key added by kubectl patch while this action still owns its own key',
      { ...wanted, EXTRA: b64('x') },
      [
        entry('gke-secrets-sync', '2025-01-01T10:00:00Z', [key]),
        entry('kubectl-patch', '2025-01-01T10:05:00Z', ['EXTRA'])
      ],
      { manager: 'kubectl-patch', operation: 'Update', time: '2025-01-01T10:05:00Z' }
    ],
    [
      'the same second as this action: the other manager still owns a key, so it wrote last',
      { ...wanted, EXTRA: b64('x') },
      [
        entry('kubectl-edit', '2025-01-01T10:00:00Z', ['EXTRA']),
        entry('gke-secrets-sync', '2025-01-01T10:00:00Z', [key])
      ],
      { manager: 'kubectl-edit', operation: 'Update', time: '2025-01-01T10:00:00Z' }
    ],
    [
      'a rotation: this action set the value last, and GitHub has a new one',
      { [key]: b64('old-github-value') },
      [
        entry('terraform', '2024-12-01T00:00:00Z', []),
        entry('gke-secrets-sync', '2025-01-01T10:00:00Z', [key])
      ],
      undefined
    ],
    [
      'the hand edit already equals GitHub (not drift)',
      wanted,
      [
        entry('gke-secrets-sync', '2025-01-01T10:00:00Z', []),
        entry('kubectl-edit', '2025-01-02T00:00:00Z', [key])
      ],
      undefined
    ],
    ['no managedFields: nothing tells who changed it', edited, undefined, undefined],
    [
      'managers that own only metadata, not data',
      edited,
      [
        entry('kubectl-label', '2025-01-05T00:00:00Z', []),
        entry('gke-secrets-sync', '2025-01-01T00:00:00Z', [key])
      ],
      undefined
    ]
  ])('%s', (_case, data, managedFields, drift) => {
    expect(detectDrift(secret(data, managedFields), wanted)).toEqual(drift)
  })

  it('keeps cluster text printable and short: no line break can reach a log line', () => {
    const manager = `evil\n::error::injected${'x'.repeat(300)}`
    const drift = detectDrift(secret(edited, [entry(manager, '2025-01-02T00:00:00Z', [key])]), wanted)
    expect(drift?.manager).not.toMatch(/[\r\n]/)
    expect(drift?.manager.length).toBeLessThanOrEqual(128)
    expect(drift?.manager.startsWith('evil::error::injected')).toBe(true)
  })

  it('reads the time client-node leaves as a string too', () => {
    const raw = { ...entry('kubectl-edit', '2025-01-02T11:12:13Z', [key]), time: '2025-01-02T11:12:13Z' }
    const drift = detectDrift(secret(edited, [raw as unknown as V1ManagedFieldsEntry]), wanted)
    expect(drift?.time).toBe('2025-01-02T11:12:13Z')
  })
})

describe('detectDrift: which entry set the value last', () => {
  const ours = (time: string, keys = [key]): V1ManagedFieldsEntry => entry('gke-secrets-sync', time, keys)
  const edit = (time: string, keys = [key]): V1ManagedFieldsEntry => entry('kubectl-edit', time, keys)
  const rotated = { [key]: b64('old-github-value') }

  it.each<[string, V1ManagedFieldsEntry[], string | undefined]>([
    [
      'a hand edit before this action’s last write, listed first',
      [edit('2025-01-01T09:00:00Z'), ours('2025-01-01T10:00:00Z')],
      undefined
    ],
    [
      'a hand edit before this action’s last write, listed last',
      [ours('2025-01-01T10:00:00Z'), edit('2025-01-01T09:00:00Z')],
      undefined
    ],
    [
      'a hand edit after this action’s write, listed first',
      [edit('2025-01-01T11:00:00Z'), ours('2025-01-01T10:00:00Z')],
      'kubectl-edit'
    ],
    [
      'a hand edit after this action’s write, listed last',
      [ours('2025-01-01T10:00:00Z'), edit('2025-01-01T11:00:00Z')],
      'kubectl-edit'
    ],
    [
      'the same second, this action listed first',
      [ours('2025-01-01T10:00:00Z'), edit('2025-01-01T10:00:00Z', ['EXTRA'])],
      'kubectl-edit'
    ],
    [
      'the same second, this action listed last',
      [edit('2025-01-01T10:00:00Z', ['EXTRA']), ours('2025-01-01T10:00:00Z')],
      'kubectl-edit'
    ],
    [
      'an entry without a time counts as the oldest',
      [{ ...edit('2025-01-01T00:00:00Z'), time: undefined }, ours('2025-01-01T10:00:00Z')],
      undefined
    ],
    [
      'an entry of a subresource does not set the value',
      [ours('2025-01-01T10:00:00Z'), { ...edit('2025-01-01T11:00:00Z'), subresource: 'status' }],
      undefined
    ],
    [
      'entries without fieldsV1, without f:data or with a null f:data own no key',
      [
        ours('2025-01-01T10:00:00Z'),
        { manager: 'a', operation: 'Update', time: new Date('2025-01-02T00:00:00Z') },
        {
          manager: 'b',
          operation: 'Update',
          time: new Date('2025-01-02T00:00:00Z'),
          fieldsV1: { 'f:metadata': {} }
        },
        {
          manager: 'c',
          operation: 'Update',
          time: new Date('2025-01-02T00:00:00Z'),
          fieldsV1: { 'f:data': null }
        },
        {
          manager: 'd',
          operation: 'Update',
          time: new Date('2025-01-02T00:00:00Z'),
          fieldsV1: { 'f:data': { '.': {} } }
        }
      ],
      undefined
    ]
  ])('%s', (_case, managedFields, manager) => {
    expect(detectDrift(secret(rotated, managedFields), wanted)?.manager).toBe(manager)
  })

  it('a Secret without metadata has no managedFields: no drift', () => {
    expect(detectDrift({ data: edited }, wanted)).toBeUndefined()
  })
})

describe('detectDrift: what it says about the entry', () => {
  const last = (fields: Partial<V1ManagedFieldsEntry>): V1ManagedFieldsEntry => ({
    ...entry('kubectl-edit', '2025-01-02T11:12:13.456Z', [key]),
    ...fields
  })
  it.each<[string, V1ManagedFieldsEntry, object]>([
    [
      'its time in RFC 3339 seconds',
      last({}),
      { manager: 'kubectl-edit', operation: 'Update', time: '2025-01-02T11:12:13Z' }
    ],
    [
      'no manager name',
      last({ manager: undefined }),
      { manager: '(no manager name)', operation: 'Update', time: '2025-01-02T11:12:13Z' }
    ],
    [
      'a manager name of control characters only',
      last({ manager: '\u0000\u001b' }),
      { manager: '(no manager name)', operation: 'Update', time: '2025-01-02T11:12:13Z' }
    ],
    [
      'no operation',
      last({ manager: 'kubectl-patch', operation: undefined }),
      { manager: 'kubectl-patch', operation: 'Update', time: '2025-01-02T11:12:13Z' }
    ],
    ['no time', last({ time: undefined }), { manager: 'kubectl-edit', operation: 'Update' }],
    [
      'a time that is not one',
      last({ time: new Date('not a time') }),
      { manager: 'kubectl-edit', operation: 'Update' }
    ]
  ])('%s', (_case, managedField, drift) => {
    expect(detectDrift(secret(edited, [managedField]), wanted)).toStrictEqual(drift)
  })
})
