// Whether a Secret's value differs from the one wanted: the one question provenance, drift and the Events all ask
// about a write, kept apart from the plan's "is it up to date", which also compares labels and annotations.

/** True unless `live` holds exactly the keys and values of `wanted` (both base64, as the API carries them). */
export function valueDiffers(
  live: Record<string, string> | undefined,
  wanted: Record<string, string>
): boolean {
  const liveEntries = Object.entries(live ?? {})
  return (
    liveEntries.length !== Object.keys(wanted).length ||
    liveEntries.some(([key, value]) => wanted[key] !== value)
  )
}
