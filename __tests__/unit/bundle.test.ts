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
import {
  checkSameTokens,
  escapeNonAscii,
  parenthesizeModuleFunctions,
  regExpMeaning
} from '../../scripts/bundle-transforms.js'

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

  // What a backslash does to the character after it (ECMA-262 LineContinuation, NonEscapeCharacter,
  // IdentityEscape): the three cases of the issue, and their neighbours.
  const LS = '\u2028'
  const PS = '\u2029'
  it.each<[string, string, string | undefined]>([
    ['an identity escape in a string', String.raw`"\é"`, String.raw`"\u00e9"`],
    ['the same in single quotes', String.raw`'\é'`, String.raw`'\u00e9'`],
    ['the same in a template', '`\\é`', '`\\u00e9`'],
    [
      'an identity escape in a regular expression',
      String.raw`/\–/.test("–")`,
      String.raw`/\u2013/.test("\u2013")`
    ],
    ['the same in a character class', String.raw`[/[\–]/.test("–"), /[\–]/.test("\\")]`, undefined],
    ['a line continuation before U+2028 in a string', `"a\\${LS}b"`, '"ab"'],
    ['a line continuation before U+2029 in a template', `\`a\\${PS}b\``, '`ab`'],
    ['U+2028 itself in a string', `"a${LS}b"`, String.raw`"a\u2028b"`],
    ['an escaped backslash before a character', String.raw`"\\é"`, String.raw`"\\\u00e9"`],
    ['an escaped backslash, then an identity escape', String.raw`"\\\é"`, String.raw`"\\\u00e9"`],
    ['an identity escape of a character outside the BMP', String.raw`"\🧪"`, String.raw`"\ud83e\uddea"`],
    ['the same in a regular expression', String.raw`/^\🧪$/.test("🧪")`, undefined],
    ['a case-insensitive identity escape', String.raw`/^\é$/i.test("É")`, undefined],
    [
      'U+2028 in a multi-line comment, a line terminator for ASI',
      `(() => { return /*${LS}*/ 1 })()`,
      '(() => { return /*\n*/ 1 })()'
    ],
    ['U+2028 between tokens', `[1${LS}, 2]`, '[1\n, 2]'],
    ['a no-break space between tokens', '[1,\u00a02]', '[1, 2]']
  ])('%s: %s means the same after', (_, code, expected) => {
    const evaluate = (source: string): unknown => new Function(`return ${source}`)() as unknown
    const escaped = escapeNonAscii(code)
    if (expected !== undefined) expect(escaped).toBe(expected)
    expect(escaped).toMatch(/^\p{ASCII}*$/u)
    expect(evaluate(escaped)).toEqual(evaluate(code))
  })

  it("catches a rewrite that changes a token's meaning (what escaping after a backslash by hand did)", () => {
    expect(() => checkSameTokens(String.raw`"\é"`, String.raw`"\\u00e9"`)).toThrow(
      /escapeNonAscii changed the value of a string token at offset 0/
    )
    expect(() => checkSameTokens(String.raw`/\–/`, String.raw`/\\u2013/`)).toThrow(
      /changed the value of a regexp token/
    )
    expect(() => checkSameTokens(`"a\\${LS}b"`, String.raw`"a\\u2028b"`)).toThrow(
      /changed the value of a string token/
    )
    expect(() => checkSameTokens(`return /*${LS}*/ 1`, 'return /*\\u2028*/ 1')).toThrow(
      /changed a line break in a comment/
    )
  })

  it.each([
    [String.raw`\u00e9`, 'é'],
    [String.raw`\é`, 'é'],
    ['é', 'é'],
    [String.raw`\\u00e9`, String.raw`\\u00e9`],
    [String.raw`\u0041`, String.raw`\u0041`],
    [String.raw`[\u00e0-\u00ff]\d`, String.raw`[à-ÿ]\d`],
    [String.raw`\ud83e\uddea`, '🧪']
  ])('regExpMeaning(%j) reads only the escapes of non-ASCII characters: %j', (pattern, meaning) => {
    expect(regExpMeaning(pattern)).toBe(meaning)
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
