// Two rewrites of ncc's output that change how fast V8 loads it and how much memory it keeps, never what it
// does. scripts/bundle.ts applies them to every file of dist/; __tests__/unit/bundle.test.ts tests them and
// checks the committed dist/ for both.
import { parse, type Comment, type Node } from 'acorn'

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
 * template's raw text) this throws instead.
 *
 * Why: Node hands V8 the source of a module as a string, and V8 keeps it for the life of the process (lazy
 * compilation parses from it). One character above U+00FF makes the whole string two bytes per character,
 * 5 MiB instead of 2.5 for dist/index.js, and reading it takes Node's slower non-ASCII decoding path.
 */
export function escapeNonAscii(code: string): string {
  if (!/[^\p{ASCII}]/u.test(code)) return code
  const escapable: [number, number][] = []
  const comments: Comment[] = []
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module', onComment: comments }) as AnyNode
  walk(program, undefined, (node, parent) => {
    if (node.type === 'Literal' && (typeof node.value === 'string' || node.regex)) {
      escapable.push([node.start, node.end])
    }
    if (node.type === 'TemplateElement' && parent?.type !== 'TaggedTemplateExpression') {
      escapable.push([node.start, node.end])
    }
  })
  for (const comment of comments) escapable.push([comment.start, comment.end])
  escapable.sort((a, b) => a[0] - b[0])

  let out = ''
  let copied = 0
  let range = 0
  for (const match of code.matchAll(/[^\p{ASCII}]+/gu)) {
    const at = match.index
    while (range < escapable.length && (escapable[range] as [number, number])[1] <= at) range++
    const [start, end] = escapable[range] ?? [Infinity, -Infinity]
    if (at < start || at + match[0].length > end) {
      throw new Error(
        `non-ASCII text outside a string, regular expression, template or comment at offset ${at} (${JSON.stringify(code.slice(Math.max(0, at - 40), at + 40))}); escapeNonAscii in scripts/bundle-transforms.ts cannot rewrite it.`
      )
    }
    out += code.slice(copied, at)
    for (let i = 0; i < match[0].length; i++) {
      out += `\\u${match[0].charCodeAt(i).toString(16).padStart(4, '0')}`
    }
    copied = at + match[0].length
  }
  return out + code.slice(copied)
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
