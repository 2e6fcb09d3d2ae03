// The README's inputs and outputs tables must name every input and output of action.yml, so the documentation
// cannot fall behind the interface.
import { readFileSync } from 'node:fs'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'

const root = new URL('../../', import.meta.url)
const action = parse(readFileSync(new URL('action.yml', root), 'utf8')) as {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}
const readme = readFileSync(new URL('README.md', root), 'utf8')
const section = (heading: string): string => {
  const start = readme.indexOf(`## ${heading}\n`)
  return readme.slice(start, readme.indexOf('\n## ', start + 1))
}

describe('README', () => {
  it.each(Object.keys(action.inputs))('documents the input %s in the Inputs table', name => {
    expect(section('Inputs')).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'))
  })

  it.each(Object.keys(action.outputs))('documents the output %s in the Outputs table', name => {
    expect(section('Outputs')).toMatch(new RegExp(`^\\| [^|]*\`${name}\``, 'm'))
  })

  it('gives the two set-up commands on its first screen', () => {
    const firstScreen = readme.split('\n').slice(0, 25).join('\n')
    expect(firstScreen).toContain('npm ci')
    expect(firstScreen).toContain('npm test')
  })
})
