// Reads back from @github/local-action's log what a runner would have recorded: the outputs and whether the
// step failed. local-action 7 keeps both in its CoreMeta (its `setFailed` stub sets `CoreMeta.exitCode = 1`)
// but always exits 0, so without this a failed action would look like a success.
// Its stubs print `::set-output name=NAME::VALUE` for setOutput and `::error::MESSAGE` for setFailed, as the
// runner's workflow commands do; a value or message may go on over the following lines.
// https://github.com/github/local-action/blob/main/src/stubs/core/core.ts
import { stripVTControlCharacters } from 'node:util'

export interface LocalActionRun {
  outputs: Record<string, string>
  /** The message given to core.setFailed, when the action failed. */
  failure?: string
}

/** main.ts prefixes every setFailed message with the action's name; `core.error` lines for one secret don't. */
const FAILURE = '::error::gke-secrets-sync: '

export function readLocalActionLog(log: string): LocalActionRun {
  const outputs: Record<string, string> = {}
  let failure: string | undefined
  /** Where the lines that follow a command go, until the next command or local-action's next banner. */
  let append: ((line: string) => void) | undefined
  for (const line of stripVTControlCharacters(log).split('\n')) {
    const output = /^::set-output name=([^:]+)::(.*)$/.exec(line)
    if (output) {
      const name = output[1] as string
      outputs[name] = output[2] as string
      append = more => (outputs[name] += `\n${more}`)
    } else if (line.startsWith(FAILURE)) {
      failure = line.slice('::error::'.length)
      append = more => (failure += `\n${more}`)
    } else if (line.startsWith('::') || /^={20,}$/.test(line)) {
      append = undefined
    } else {
      append?.(line)
    }
  }
  // Trailing line breaks cannot be told from local-action's own blank lines; this is for display only.
  for (const name of Object.keys(outputs)) outputs[name] = (outputs[name] as string).trimEnd()
  return { outputs, ...(failure !== undefined && { failure: failure.trimEnd() }) }
}
