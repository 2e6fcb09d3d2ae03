// Server-side printing: `kubectl get` asks for `Accept: application/json;as=Table;v=v1;g=meta.k8s.io` and prints
// the columns the server chose. Columns for Secrets are those of pkg/printers/internalversion/printers.go
// (NAME, TYPE, DATA, AGE); AGE is duration.HumanDuration of the object's age.
import type { V1SecretLike } from './store.js'

/** The Table version a request accepts, or undefined when it wants plain objects. */
export function acceptedTableVersion(accept: string | undefined): 'v1' | 'v1beta1' | undefined {
  if (!accept || !accept.includes('as=Table')) return undefined
  return /as=Table;v=v1;g=meta\.k8s\.io/.test(accept) ? 'v1' : 'v1beta1'
}

/** k8s.io/apimachinery/pkg/util/duration HumanDuration, to the precision kubectl shows. */
export function humanDuration(seconds: number): string {
  if (seconds < -1) return '<invalid>'
  if (seconds < 0) return '0s'
  if (seconds < 120) return `${seconds}s`
  const minutes = Math.floor(seconds / 60)
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`
  if (minutes < 180) return `${minutes}m`
  const hours = Math.floor(minutes / 60)
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`
  if (hours < 48) return `${hours}h`
  return `${Math.floor(hours / 24)}d`
}

export const column = (name: string, description: string, format = '', priority = 0): object => ({
  name,
  type: 'string',
  format,
  description,
  priority
})

export function secretTable(
  secrets: V1SecretLike[],
  version: 'v1' | 'v1beta1',
  listMeta: { resourceVersion: string; continue?: string }
): object {
  const now = Date.now()
  return {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta,
    columnDefinitions: [
      column('Name', 'Name must be unique within a namespace.', 'name'),
      column('Type', 'Used to facilitate programmatic handling of secret data.'),
      column('Data', 'Data contains the secret data.'),
      column(
        'Age',
        'CreationTimestamp is a timestamp representing the server time when this object was created.'
      )
    ],
    rows: secrets.map(s => ({
      cells: [
        s.metadata.name,
        s.type,
        Object.keys(s.data ?? {}).length,
        humanDuration(Math.floor((now - Date.parse(s.metadata.creationTimestamp)) / 1000))
      ],
      object: { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${version}`, metadata: s.metadata }
    }))
  }
}
