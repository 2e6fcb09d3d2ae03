// Checks of the bundle that scripts/bundle.ts runs on every build and __tests__/unit/bundle.test.ts tests.
import { parse, type Node } from 'acorn'
import { readdirSync, readFileSync } from 'node:fs'
import { join, sep } from 'node:path'

const FUNCTION_TYPES = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression'])

/**
 * The offset of the first `await` (or `for await`) outside any function in an ES module, or undefined.
 * webpack turns a module with a top-level await, and every module that imports it, into an async module,
 * which it does not concatenate (https://webpack.js.org/configuration/optimization/#optimizationconcatenatemodules).
 */
export function findTopLevelAwait(code: string): number | undefined {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' })
  const pending: Node[] = [program]
  while (pending.length > 0) {
    const node = pending.pop() as Node & Record<string, unknown>
    if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && node.await)) return node.start
    if (FUNCTION_TYPES.has(node.type)) continue
    for (const value of Object.values(node)) {
      for (const child of Array.isArray(value) ? value : [value]) {
        if (child && typeof child === 'object' && typeof (child as Node).type === 'string') {
          pending.push(child as Node)
        }
      }
    }
  }
  return undefined
}

/** An ESTree node, walked by its `type` (acorn's types do not narrow on it). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyNode = Node & Record<string, any>

/** Names a module can reach the rest of the process through; reading or calling them at load time is an effect. */
const GLOBALS = new Set(['globalThis', 'global', 'process', 'window', 'self', 'require', 'module', 'exports'])

/**
 * The top-level statements of an ES module that may have an effect outside the module when it loads, as source
 * excerpts. Allowed without a report: imports and exports, function and class declarations, variables set to
 * literals, functions, `new`/calls of a plain name and the like, and assignments to properties of the module's
 * own declarations (generated models set `X.discriminator = undefined`). Anything else, e.g. touching
 * `globalThis` or an `if` at the top level, is reported. A module with no report is safe to drop when none of
 * its exports is used, which is what webpack's `sideEffects` lets it do.
 */
export function sideEffectStatements(code: string): string[] {
  const program = parse(code, { ecmaVersion: 'latest', sourceType: 'module' })
  const declared = (node: AnyNode): AnyNode =>
    node.type.startsWith('Export') && node.declaration ? (node.declaration as AnyNode) : node
  const local = new Set<string>()
  for (const statement of program.body as AnyNode[]) {
    const node = declared(statement)
    if ((node.type === 'ClassDeclaration' || node.type === 'FunctionDeclaration') && node.id) {
      local.add((node.id as AnyNode).name as string)
    }
    if (node.type === 'VariableDeclaration') {
      for (const { id } of node.declarations as AnyNode[]) if (id.type === 'Identifier') local.add(id.name)
    }
  }

  const pure = (node: AnyNode | null | undefined): boolean => {
    if (!node) return true
    switch (node.type) {
      case 'Literal':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'ThisExpression':
        return true
      case 'Identifier':
        return !GLOBALS.has(node.name)
      case 'TemplateLiteral':
        return node.expressions.every(pure)
      case 'ClassExpression':
      case 'ClassDeclaration':
        return pureClass(node)
      case 'ArrayExpression':
        return node.elements.every(
          (element: AnyNode | null) =>
            !element || pure(element.type === 'SpreadElement' ? element.argument : element)
        )
      case 'ObjectExpression':
        return node.properties.every((property: AnyNode) =>
          property.type === 'Property'
            ? (!property.computed || pure(property.key)) && pure(property.value)
            : pure(property.argument)
        )
      case 'UnaryExpression':
        return node.operator !== 'delete' && pure(node.argument)
      case 'BinaryExpression':
      case 'LogicalExpression':
        return pure(node.left) && pure(node.right)
      case 'ConditionalExpression':
        return pure(node.test) && pure(node.consequent) && pure(node.alternate)
      case 'MemberExpression':
        return pure(node.object) && (!node.computed || pure(node.property))
      case 'NewExpression':
      case 'CallExpression':
        return node.callee.type === 'Identifier' && pure(node.callee) && node.arguments.every(pure)
      default:
        return false
    }
  }
  const pureClass = (node: AnyNode): boolean =>
    pure(node.superClass) &&
    (node.body.body as AnyNode[]).every(member =>
      member.type === 'MethodDefinition'
        ? !member.computed
        : member.type === 'PropertyDefinition' && !member.computed && (!member.static || pure(member.value))
    )
  const rootOf = (node: AnyNode): AnyNode => (node.type === 'MemberExpression' ? rootOf(node.object) : node)
  const pureStatement = (node: AnyNode): boolean => {
    switch (node.type) {
      case 'ImportDeclaration':
      case 'ExportAllDeclaration':
      case 'FunctionDeclaration':
      case 'EmptyStatement':
        return true
      case 'ExportNamedDeclaration':
        return !node.declaration || pureStatement(node.declaration)
      case 'ExportDefaultDeclaration':
        return node.declaration.type.endsWith('Declaration')
          ? pureStatement(node.declaration)
          : pure(node.declaration)
      case 'ClassDeclaration':
        return pureClass(node)
      case 'VariableDeclaration':
        return (node.declarations as AnyNode[]).every(declaration => pure(declaration.init))
      case 'ExpressionStatement': {
        const { expression } = node
        if (expression.type !== 'AssignmentExpression' || expression.left.type !== 'MemberExpression')
          return false
        const target = rootOf(expression.left)
        return target.type === 'Identifier' && local.has(target.name) && pure(expression.right)
      }
      default:
        return false
    }
  }
  return (program.body as AnyNode[])
    .filter(statement => !pureStatement(statement))
    .map(statement =>
      code.slice(statement.start, Math.min(statement.end, statement.start + 120)).replace(/\s+/g, ' ')
    )
}

/** Every ES module (`.js`) of the package in `dir`, as paths relative to it (its own dependencies excluded). */
export function moduleFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter(file => file.endsWith('.js') && !file.split(sep).includes('node_modules'))
    .map(file => file.split(sep).join('/'))
    .sort()
}

/** The modules of `dir` with a load-time effect, each with its statements (see sideEffectStatements). */
export function modulesWithSideEffects(dir: string): Record<string, string[]> {
  const found: Record<string, string[]> = {}
  for (const file of moduleFiles(dir)) {
    const statements = sideEffectStatements(readFileSync(join(dir, file), 'utf8'))
    if (statements.length > 0) found[file] = statements
  }
  return found
}
