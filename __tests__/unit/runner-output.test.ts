// The one way out to the runner: src/github/runner-output.ts. Any other file that wrote a log line, an
// annotation, an output or the summary through @actions/core would bypass its masking and neutralising, so this
// test reads every source file and fails on such a call.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))
const BOUNDARY = 'src/github/runner-output.ts'
/** @actions/core's functions that write to the runner; getInput and getIDToken only read. */
const WRITERS =
  /\bcore\s*\.\s*(info|debug|notice|warning|error|setFailed|setOutput|setSecret|summary|exportVariable|addPath|saveState|startGroup|group)\b/

function sources(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap(name => {
    const path = join(dir, name)
    return statSync(join(root, path)).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : []
  })
}

describe('runner output', () => {
  const files = sources('src')

  it('finds the sources', () => {
    expect(files).toContain(BOUNDARY)
    expect(files.length).toBeGreaterThan(20)
  })

  it.each(files.filter(file => file !== BOUNDARY))(
    '%s writes to the runner only through runner-output.ts',
    file => {
      const lines = readFileSync(join(root, file), 'utf8').split('\n')
      const writes = lines
        .map((line, index) => `${relative(root, join(root, file))}:${index + 1}: ${line.trim()}`)
        .filter(line => WRITERS.test(line) && !/^\S+:\d+: (\/\/|\*|\/\*)/.test(line))
      expect(writes).toEqual([])
      // Nor around it: console and process.stdout/stderr writes are not masked either.
      expect(lines.filter(line => /\b(console\.\w+|process\.(stdout|stderr)\.write)\(/.test(line))).toEqual(
        []
      )
    }
  )
})
