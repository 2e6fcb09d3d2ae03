// The assumptions that keep dist/ small (scripts/bundle.ts), each held against the installed dependencies, so
// that an upgrade which breaks one fails here as well as in `npm run bundle`.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  findTopLevelAwait,
  modulesWithSideEffects,
  sideEffectStatements
} from '../../scripts/bundle-checks.js'
import { PACKAGE_OVERRIDES, packageJsonOf } from '../../scripts/bundle.js'
import { escapeNonAscii, parenthesizeModuleFunctions } from '../../scripts/bundle-transforms.js'

describe('sideEffectStatements', () => {
  it.each([
    ["import { a } from './a.js'\nexport * from './b.js'\nexport { c } from './c.js'"],
    ['export class A { static x = 1; m() { globalThis.y = 1 } }\nA.discriminator = undefined'],
    ['const set = new Set([1, 2])\nfunction f() { process.exit(1) }\nexport const g = () => f()'],
    ["export const server = new ServerConfiguration('', {})\nlet map = { a: [1, 'b'], ...other }"]
  ])('reports nothing for declarations only: %s', code => {
    expect(sideEffectStatements(code)).toEqual([])
  })

  it.each([
    ["if (typeof globalThis.File === 'undefined') { globalThis.File = BufferFile }", 'if (typeof globalThis'],
    ['globalThis.fetch = f', 'globalThis.fetch = f'],
    ["import x from 'x'\nx.patched = true", 'x.patched = true'],
    ['const env = process.env.HOME', 'const env = process.env.HOME'],
    ['register(plugin)', 'register(plugin)'],
    ['Object.defineProperty(Array.prototype, "x", {})', 'Object.defineProperty'],
    ['class A { static { setup() } }', 'class A'],
    ['export const on = emitter.on("x", f)', 'export const on']
  ])('reports a statement with an effect: %s', (code, excerpt) => {
    expect(sideEffectStatements(code)).toEqual([expect.stringContaining(excerpt)])
  })
})

describe('findTopLevelAwait', () => {
  it.each([
    ['await run()', 0],
    ["import { run } from './main.js'\nconst x = await run()", 42],
    ['for await (const x of y) {}', 0]
  ])('finds the await in %s', (code, offset) => {
    expect(findTopLevelAwait(code)).toBe(offset)
  })

  it.each([
    ['void run()'],
    ['async function f() { await g() }'],
    ['const f = async () => { for await (const x of y) {} }']
  ])('finds none in %s', code => {
    expect(findTopLevelAwait(code)).toBeUndefined()
  })

  it('finds none in the committed dist/index.js (webpack can concatenate its modules)', () => {
    const bundle = new URL('../../dist/index.js', import.meta.url)
    expect(existsSync(bundle)).toBe(true)
    expect(findTopLevelAwait(readFileSync(bundle, 'utf8'))).toBeUndefined()
  })
})

describe.each(Object.entries(PACKAGE_OVERRIDES))('the sideEffects override of %s', (name, override) => {
  const packageJson = packageJsonOf(name)

  it('is needed: the package declares no sideEffects of its own', () => {
    expect(JSON.parse(readFileSync(packageJson, 'utf8'))).not.toHaveProperty('sideEffects')
  })

  it('names exactly the modules of the package that have load-time statements', () => {
    const withEffects = Object.keys(modulesWithSideEffects(dirname(packageJson))).map(file => `./${file}`)
    expect(withEffects).toEqual([...override.sideEffects, ...(override.valuesOnly ?? [])].toSorted())
  }, 120_000) // parses every module of the package (about a thousand for client-node)
})

describe('parenthesizeModuleFunctions', () => {
  it('puts each function of the module table in parentheses, and nothing else', () => {
    const code =
      'var __webpack_modules__={1:(e,t,r)=>{t.a=()=>1},2:function(e){e.exports=f},3:((e)=>{})};var other={4:()=>{}};'
    const result = parenthesizeModuleFunctions(code)
    expect(result.wrapped).toBe(2)
    expect(result.code).toBe(
      'var __webpack_modules__={1:((e,t,r)=>{t.a=()=>1}),2:(function(e){e.exports=f}),3:((e)=>{})};var other={4:()=>{}};'
    )
  })

  it('fails when the code has no module table', () => {
    expect(() => parenthesizeModuleFunctions('var modules={1:()=>{}}')).toThrow(/__webpack_modules__/)
  })

  it('finds every module function of the committed dist/index.js already in parentheses', () => {
    const { wrapped } = parenthesizeModuleFunctions(readFileSync(distFile('index.js'), 'utf8'))
    expect(wrapped).toBe(0)
  })
})

describe('escapeNonAscii', () => {
  it.each([
    ['const s = "❌ failed — 3 Secrets"', String.raw`const s = "\u274c failed \u2014 3 Secrets"`],
    ['const r = /[äö]+/u', String.raw`const r = /[\u00e4\u00f6]+/u`],
    ['const t = `${n} ✅`', String.raw`const t = ${'`'}${'$'}{n} \u2705${'`'}`],
    ['// Jimmy Wärting\nx()', String.raw`// Jimmy W\u00e4rting` + '\nx()'],
    ['const e = "🧪"', String.raw`const e = "\ud83e\uddea"`],
    ['const a = 1', 'const a = 1']
  ])('rewrites %s', (code, escaped) => {
    expect(escapeNonAscii(code)).toBe(escaped)
  })

  it('keeps the values: strings, templates and regular expressions mean the same after', () => {
    const code = 'export const v = ["❌ — ä", `✅ ${1} ≥`, /[→·]/u.test("→"), /^[🧪]$/u.test("🧪")]'
    const load = (source: string): unknown =>
      new Function(source.replace('export const v =', 'return'))() as unknown
    expect(load(escapeNonAscii(code))).toEqual(load(code))
    expect(escapeNonAscii(code)).toMatch(/^[\x20-\x7e]*$/)
  })

  it.each([['const café = 1'], ['String.raw`→`']])('refuses non-ASCII it cannot escape: %s', code => {
    expect(() => escapeNonAscii(code)).toThrow(/non-ASCII text outside a string/)
  })

  it('finds nothing to escape in any committed file of dist/', () => {
    for (const name of readdirSync(distFile('')).filter(name => name.endsWith('.js'))) {
      expect({ name, nonAscii: /[^\p{ASCII}]/u.test(readFileSync(distFile(name), 'utf8')) }).toEqual({
        name,
        nonAscii: false
      })
    }
  })
})

function distFile(name: string): URL {
  return new URL(`../../dist/${name}`, import.meta.url)
}
