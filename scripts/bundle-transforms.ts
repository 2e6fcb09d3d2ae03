// Two rewrites of ncc's output that change how fast V8 loads it and how much memory it keeps, never what it
// does. scripts/bundle.ts applies them to every file of dist/; __tests__/unit/bundle.test.ts tests them and
// checks the committed dist/ for both.
import { parse, tokenizer, type Comment, type Node, type Token } from 'acorn'

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>

const FUNCTIONS = new Set(['FunctionExpression', 'ArrowFunctionExpression'])

/**
 * Puts each module function of webpack's module table (`var __webpack_modules__ = {id: (module, exports,
 * require) => {...}}`) in parentheses, as ncc's unminified output writes them and terser's output does not.
 *
 * V8 compiles a function lazily: the first pass over a script only pre-parses a function's body, and the
 * body is parsed again, in full, when the function is first called. A function expression in parentheses is
 * compiled in the first pass instead (https://v8.dev/blog/preparser#pife). Every CommonJS module of the bundle
 * is required at load, so without the parentheses all of them are parsed twice before the first request.
 * Returns how many functions it wrapped; throws when the code has no module table (ncc changed its output).
 */
export function parenthesizeModuleFunctions(code: string): { code: string; wrapped: number } {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' }) as AnyNode
  const table = (program.body as AnyNode[])
    .filter(statement => statement.type === 'VariableDeclaration')
    .flatMap(statement => statement.declarations as AnyNode[])
    .find(declaration => declaration.id.name === '__webpack_modules__')?.init as AnyNode | undefined
  if (table?.type !== 'ObjectExpression') {
    throw new Error(
      'no `var __webpack_modules__ = {...}` at the top level of the bundle: ncc changed the shape of its output; revisit parenthesizeModuleFunctions in scripts/bundle-transforms.ts.'
    )
  }
  const functions = (table.properties as AnyNode[])
    .map(property => property.value as AnyNode)
    .filter(value => FUNCTIONS.has(value.type))
    .filter(value => !(code[value.start - 1] === '(' && code[value.end] === ')'))
  let wrapped = code
  for (const { start, end } of functions.toReversed()) {
    wrapped = `${wrapped.slice(0, start)}(${wrapped.slice(start, end)})${wrapped.slice(end)}`
  }
  return { code: wrapped, wrapped: functions.length }
}

/**
 * Writes every character outside ASCII as a `\uXXXX` escape. They occur only in string literals, regular
 * expressions, templates and comments (the summary's symbols, dependencies' messages), where the escape means
 * the same character (only a regular expression's `source` shows the escape); anywhere else (a name, a tagged
 * template's raw text) this throws instead, except Unicode spaces and line terminators between tokens, which
 * become a space and a line feed.
 *
 * A backslash changes what follows it, so the character right after an odd run of backslashes is rewritten
 * with its escape in mind: in a string, a template or a regular expression `\é` is an identity escape meaning
 * `é`, so the backslash goes and `\u00e9` stands for both; in a string or a template a backslash before U+2028
 * or U+2029 is a line continuation, which means nothing, so both go (ECMA-262 12.9.4 and 12.9.6, LineContinuation,
 * NonEscapeCharacter; 22.2.1 IdentityEscape). In a multi-line comment U+2028 and U+2029 are line terminators,
 * which matter to automatic semicolon insertion, so they become a line feed. Then `checkSameTokens` holds the
 * result against acorn's tokens of the input: the same tokens, the same values.
 *
 * Why: Node hands V8 the source of a module as a string, and V8 keeps it for the life of the process (lazy
 * compilation parses from it). One character above U+00FF makes the whole string two bytes per character,
 * 5 MiB instead of 2.5 for dist/index.js, and reading it takes Node's slower non-ASCII decoding path.
 * Why not terser's own `format.ascii_only`: ncc calls terser with fixed options (module, compress: false,
 * mangle keeping names) and takes none, and terser is not a dependency of this project of its own.
 */
export function escapeNonAscii(code: string): string {
  if (!/[^\p{ASCII}]/u.test(code)) return code
  const ranges: EscapableRange[] = []
  const comments: Comment[] = []
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', onComment: comments }) as AnyNode
  walk(program, undefined, (node, parent) => {
    if (node.type === 'Literal' && typeof node.value === 'string') {
      ranges.push({ kind: 'string', start: node.start, end: node.end })
    }
    if (node.type === 'Literal' && node.regex)
      ranges.push({ kind: 'regexp', start: node.start, end: node.end })
    if (node.type === 'TemplateElement' && parent?.type !== 'TaggedTemplateExpression') {
      ranges.push({ kind: 'template', start: node.start, end: node.end })
    }
  })
  for (const comment of comments) {
    ranges.push({ kind: comment.type === 'Block' ? 'blockComment' : 'lineComment', ...comment })
  }
  ranges.sort((a, b) => a.start - b.start)

  let out = ''
  let copied = 0
  let next = 0
  for (const match of code.matchAll(/[^\p{ASCII}]+/gu)) {
    const at = match.index
    const text = match[0]
    while (next < ranges.length && (ranges[next] as EscapableRange).end <= at) next++
    const range = ranges[next]
    if (!range || at < range.start || at + text.length > range.end) {
      // Outside every token: only white space and line terminators can be there (a name would be a token).
      if (!/^[\p{Zs}\u00a0\ufeff\u2028\u2029]+$/u.test(text)) {
        throw new Error(
          `non-ASCII text outside a string, regular expression, template or comment at offset ${at} (${JSON.stringify(code.slice(Math.max(0, at - 40), at + 40))}); escapeNonAscii in scripts/bundle-transforms.ts cannot rewrite it.`
        )
      }
      out += code.slice(copied, at) + text.replace(/[\u2028\u2029]/g, '\n').replace(/[^\n]/g, ' ')
      copied = at + text.length
      continue
    }
    let backslashes = 0
    while (at - backslashes - 1 >= range.start && code[at - backslashes - 1] === '\\') backslashes++
    const escaped = range.kind !== 'lineComment' && range.kind !== 'blockComment' && backslashes % 2 === 1
    // The escaping backslash goes: `\é` means `é`, and `\` before U+2028 or U+2029 means nothing in a string.
    out += code.slice(copied, escaped ? at - 1 : at)
    let rest = text
    if (escaped && range.kind !== 'regexp' && (text[0] === '\u2028' || text[0] === '\u2029')) {
      rest = text.slice(1)
    }
    out +=
      range.kind === 'blockComment'
        ? unicodeEscapes(rest.replace(/[\u2028\u2029]/g, '\n'))
        : unicodeEscapes(rest)
    copied = at + text.length
  }
  out += code.slice(copied)
  checkSameTokens(code, out)
  return out
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ValuedToken = Token & { value: any }

type EscapableRange = {
  kind: 'string' | 'template' | 'regexp' | 'lineComment' | 'blockComment'
  start: number
  end: number
}

/** `\uXXXX` for each UTF-16 code unit outside ASCII (a surrogate pair as two, as JavaScript reads them). */
const unicodeEscapes = (text: string): string =>
  text.replace(/[^\p{ASCII}]/gu, char =>
    [...Array(char.length).keys()].map(i => `\\u${char.charCodeAt(i).toString(16).padStart(4, '0')}`).join('')
  )

/**
 * Throws unless `after` is `before` with the same meaning: acorn's tokens of both are the same in number and
 * type, strings and templates have the same values (acorn's cooked values), regular expressions the same flags
 * and the same pattern once escapes of non-ASCII characters are read (`regExpMeaning`), every other token the
 * same value; comments are as many, and the same ones hold a line terminator. Nothing in `after` is outside ASCII.
 */
export function checkSameTokens(before: string, after: string): void {
  const read = (code: string) => {
    const comments: Comment[] = []
    // acorn's Token type leaves out `value` (a string, a cooked template, a regexp's { pattern, flags }, ...).
    const tokens = [
      ...tokenizer(code, { ecmaVersion: 'latest', sourceType: 'module', onComment: comments })
    ] as ValuedToken[]
    return { tokens, comments }
  }
  const a = read(before)
  const b = read(after)
  const fail = (what: string, at: number): never => {
    throw new Error(
      `escapeNonAscii changed ${what} at offset ${at} (${JSON.stringify(before.slice(Math.max(0, at - 40), at + 40))}): revisit scripts/bundle-transforms.ts.`
    )
  }
  if (/[^\p{ASCII}]/u.test(after)) fail('nothing: it left non-ASCII text', after.search(/[^\p{ASCII}]/u))
  if (a.tokens.length !== b.tokens.length) fail('the number of tokens', 0)
  a.tokens.forEach((token, i) => {
    const other = b.tokens[i] as ValuedToken
    if (token.type !== other.type) fail(`a ${token.type.label} token`, token.start)
    const same =
      token.type.label === 'regexp'
        ? token.value.flags === other.value.flags &&
          regExpMeaning(token.value.pattern) === regExpMeaning(other.value.pattern)
        : token.value === other.value
    if (!same) fail(`the value of a ${token.type.label} token`, token.start)
  })
  const lineBreak = (comment: Comment): boolean => /[\n\r\u2028\u2029]/.test(comment.value)
  if (a.comments.length !== b.comments.length) fail('the number of comments', 0)
  a.comments.forEach((comment, i) => {
    if (lineBreak(comment) !== lineBreak(b.comments[i] as Comment))
      fail('a line break in a comment', comment.start)
  })
}

/**
 * A regular expression's pattern with every escape of a non-ASCII character read: `\u00e9` (four hex digits
 * naming a code unit above U+007F) and `\é` (an identity escape, valid only without the `u` and `v` flags)
 * both become `é`, which they match in any mode and any position; an escaped backslash and every other escape
 * stay as they are. Two patterns with the same result mean the same.
 */
export function regExpMeaning(pattern: string): string {
  return pattern.replace(/\\(u[0-9a-fA-F]{4}|[\s\S])/g, (escape, what: string) => {
    if (what.length === 5 && parseInt(what.slice(1), 16) > 0x7f) {
      return String.fromCharCode(parseInt(what.slice(1), 16))
    }
    return /[^\p{ASCII}]/u.test(what) ? what : escape
  })
}

/** Every node under `node`, with its parent (a TemplateElement's parent is its TemplateLiteral's). */
function walk(
  node: AnyNode,
  parent: AnyNode | undefined,
  visit: (node: AnyNode, parent: AnyNode | undefined) => void
): void {
  visit(node, parent)
  for (const value of Object.values(node)) {
    for (const child of Array.isArray(value) ? value : [value]) {
      if (child && typeof child === 'object' && typeof (child as AnyNode).type === 'string') {
        // A tagged template's elements are judged by the tag: pass the TaggedTemplateExpression down.
        walk(child as AnyNode, node.type === 'TemplateLiteral' ? parent : node, visit)
      }
    }
  }
}
