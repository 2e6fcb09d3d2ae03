// dist/licenses.txt (scripts/licenses.ts): which packages it lists and what it copies from each, on packages made
// for each case; then the committed file against what webpack puts into the bundle today.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compile, LICENSES_FILE } from '../../scripts/bundle.js'
import { bundledResources, licenseNotices, packagesOf, type WebpackStats } from '../../scripts/licenses.js'

const dist = join(import.meta.dirname, '../../dist')

/** The `name version` line of every entry of a licenses.txt. */
function listed(text: string): string[] {
  return [...text.matchAll(/^={80}\n(\S+) (\S+)\n/gm)].map(([, name, version]) => `${name} ${version}`)
}

describe('packagesOf and licenseNotices, on packages made for each case', () => {
  let root: string
  const modules = (): string => join(root, 'node_modules')
  const write = (path: string, content: string): void => {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), content)
  }
  const pkg = (dir: string, fields: Record<string, unknown>, files: Record<string, string> = {}): void => {
    write(`${dir}/package.json`, JSON.stringify(fields))
    for (const [name, content] of Object.entries(files)) write(`${dir}/${name}`, content)
  }

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'licenses-'))
    pkg('node_modules/plain', { version: '1.0.0', license: 'MIT' }, { LICENSE: 'MIT text\r\nline two  \r\n' })
    pkg(
      'node_modules/@scope/apache',
      { version: '2.0.0', license: 'Apache-2.0' },
      { 'LICENSE.txt': 'Apache text', NOTICE: 'Notice text', 'README.md': '## License\n\nnot this' }
    )
    pkg('node_modules/british', { version: '1.0.0', license: 'BSD-3-Clause' }, { 'LICENCE.md': 'BSD text' })
    pkg(
      'node_modules/in-readme',
      { version: '3.0.0', license: 'MIT' },
      {
        'README.md':
          'Title\n=====\n\nUsage.\n\nLicense\n-------\n\n(The MIT License)\n\nCopyright (c) A\n\n[rfc]: http://x\n'
      }
    )
    pkg(
      'node_modules/in-readme-atx',
      { version: '1.0.0', license: 'ISC' },
      {
        'readme.md': '# x\n\n## License\n\nISC, Copyright B\n\n## Contributing\n\nPRs welcome\n'
      }
    )
    pkg('node_modules/bare', { version: '0.1.0', license: 'MIT' }, { 'README.md': 'no section here' })
    pkg('node_modules/legacy', { version: '0.0.1', licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] })
    pkg(
      'node_modules/plain/node_modules/nested',
      { version: '9.9.9', license: 'MIT' },
      { COPYING: 'GPL-ish' }
    )
  })
  afterAll(() => rmSync(root, { recursive: true, force: true }))

  it('finds the package of each file, nested and scoped ones included, and leaves out the project own files', () => {
    const found = packagesOf([
      join(modules(), 'plain/lib/a.js'),
      join(modules(), 'plain/lib/b.js'),
      join(modules(), '@scope/apache/dist/index.js'),
      join(modules(), 'plain/node_modules/nested/index.js'),
      join(root, 'src/main.ts')
    ])
    expect(found).toEqual([
      { name: '@scope/apache', version: '2.0.0', dir: join(modules(), '@scope/apache') },
      { name: 'nested', version: '9.9.9', dir: join(modules(), 'plain/node_modules/nested') },
      { name: 'plain', version: '1.0.0', dir: join(modules(), 'plain') }
    ])
  })

  it('copies every license and notice file, else the README section, else says what package.json declares', () => {
    const names = ['plain', '@scope/apache', 'british', 'in-readme', 'in-readme-atx', 'bare', 'legacy']
    const text = licenseNotices(packagesOf(names.map(name => join(modules(), name, 'index.js'))))
    const entry = (name: string): string =>
      (text.split(`${'='.repeat(80)}\n`).find(e => e.startsWith(`${name} `)) ?? '').trimEnd()
    expect(entry('plain')).toBe('plain 1.0.0\nLicense: MIT\n\nLICENSE:\n\nMIT text\nline two')
    expect(entry('@scope/apache')).toBe(
      '@scope/apache 2.0.0\nLicense: Apache-2.0\n\nLICENSE.txt:\n\nApache text\n\nNOTICE:\n\nNotice text'
    )
    expect(entry('british')).toContain('LICENCE.md:\n\nBSD text')
    expect(entry('in-readme')).toContain(
      'The package has no license file; the License section of its README.md:\n\n(The MIT License)\n\nCopyright (c) A'
    )
    expect(entry('in-readme-atx')).toMatch(/its readme\.md:\n\nISC, Copyright B$/)
    expect(entry('in-readme-atx')).not.toContain('PRs welcome')
    expect(entry('bare')).toContain(
      'The package has no license file; its package.json declares the license MIT.'
    )
    expect(entry('legacy')).toContain('License: (MIT OR Apache-2.0)')
  })

  it('writes the same text whatever the order of the files, sorted by name', () => {
    const files = ['plain', 'british', 'legacy'].map(name => join(modules(), name, 'index.js'))
    const text = licenseNotices(packagesOf(files))
    expect(licenseNotices(packagesOf(files.toReversed()))).toBe(text)
    expect(listed(text)).toEqual(['british 1.0.0', 'legacy 0.0.1', 'plain 1.0.0'])
    expect(text).not.toContain(root)
  })
})

describe('bundledResources', () => {
  it('takes the modules of every chunk, opens concatenated ones, and drops queries and runtime modules', () => {
    const chunks = ['main', 'lazy']
    const modulesOf: Record<string, object[]> = {
      main: [
        { resource: '/p/node_modules/a/index.js' },
        { modules: [{ resource: '/p/src/main.ts' }, { resource: '/p/node_modules/b/x.js?raw' }] },
        { identifier: () => 'webpack/runtime/make namespace object' }
      ],
      lazy: [{ resource: '/p/node_modules/a/index.js' }, { resource: '/p/node_modules/c/y.js' }]
    }
    const stats = {
      compilation: { chunks, chunkGraph: { getChunkModulesIterable: (chunk: string) => modulesOf[chunk] } }
    } as unknown as WebpackStats
    expect(bundledResources(stats)).toEqual([
      '/p/node_modules/a/index.js',
      '/p/node_modules/b/x.js',
      '/p/node_modules/c/y.js',
      '/p/src/main.ts'
    ])
  })
})

// One ncc build, in memory. Without terser (`minify: false`): ncc minifies after webpack has made the chunks, so
// the modules in them are the same; check-dist compares the minified build's licenses.txt in CI as well.
describe(`the committed dist/${LICENSES_FILE}`, () => {
  let resources: string[]
  const committed = (): string => readFileSync(join(dist, LICENSES_FILE), 'utf8')

  beforeAll(async () => {
    resources = bundledResources((await compile({ minify: false })).stats)
  }, 300_000)

  it('lists every package with code in the bundle, and no other', () => {
    const inBundle = packagesOf(resources).map(({ name, version }) => `${name} ${version}`)
    const names = inBundle.map(entry => entry.split(' ')[0])
    expect(names).toEqual(
      expect.arrayContaining([
        '@actions/core',
        '@kubernetes/client-node',
        'google-auth-library',
        'undici',
        'yaml'
      ])
    )
    expect(listed(committed())).toEqual(inBundle)
  })

  it('is what npm run bundle writes', () => {
    expect(committed()).toBe(licenseNotices(packagesOf(resources)))
  })

  it('names every package whose path is still visible in the bundle files', () => {
    const names = new Set(listed(committed()).map(entry => entry.split(' ')[0]))
    const seen = readdirSync(dist)
      .filter(name => name.endsWith('.js'))
      .flatMap(name => [
        ...readFileSync(join(dist, name), 'utf8').matchAll(/node_modules\/((?:@[\w.-]+\/)?[\w.-]+)\//g)
      ])
      .map(([, name]) => name as string)
    expect(seen.length).toBeGreaterThan(0)
    expect([...new Set(seen)].filter(name => !names.has(name))).toEqual([])
  })
})
