// Times as Kubernetes writes them: RFC 3339 in whole seconds (apimachinery metav1.Time marshals with Go's
// time.RFC3339), the form of the provenance annotation, kubectl's `restartedAt` and managedFields' `time`.

/** `2024-06-01T12:00:00Z`: the instant cut to the second, in UTC. */
export function rfc3339(at: Date): string {
  return `${at.toISOString().slice(0, 19)}Z`
}
