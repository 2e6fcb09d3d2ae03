// A small HCL reader for the Terraform the documentation shows. No terraform binary can be installed here
// (`apt-cache policy terraform` finds none in Debian) and no HCL parser is among the devDependencies, so the
// tests read the structure themselves: strings with `${...}` interpolations, comments, brackets, and the blocks
// and attributes at each level. It understands what the documentation uses and reports anything else (a heredoc,
// a string across lines, an unbalanced bracket) as an error rather than guessing.

export interface HclScan {
  /**
   * The text with comments and the literal parts of strings blanked (same length, newlines kept); what is left is
   * what Terraform evaluates: expressions, and the expressions inside `${...}`, whose `${` and `}` are blanked.
   */
  code: string
  /** The text with only the comments blanked. */
  uncommented: string
  errors: string[]
}

const CLOSER: Record<string, string> = { '{': '}', '[': ']', '(': ')' }

export function scanHcl(text: string): HclScan {
  const code = [...text]
  const uncommented = [...text]
  const errors: string[] = []
  /** Open brackets, `"` for a string, `$` for an interpolation. */
  const stack: string[] = []
  const blank = (from: number, to: number): void => {
    for (let i = from; i < to; i++) if (code[i] !== '\n') code[i] = ' '
  }
  const blankComment = (from: number, to: number): void => {
    blank(from, to)
    for (let i = from; i < to; i++) if (uncommented[i] !== '\n') uncommented[i] = ' '
  }
  const lineOf = (index: number): number => text.slice(0, index).split('\n').length
  let i = 0
  while (i < text.length) {
    const char = text[i] as string
    const next = text[i + 1]
    if (stack.at(-1) === '"') {
      // Inside a quoted string: blank its literal text, keep what an interpolation evaluates.
      let length = 1
      if (char === '\\') length = 2
      else if (char === '$' && next === '$' && text[i + 2] === '{') length = 3
      else if (char === '$' && next === '{') {
        stack.push('$')
        length = 2
      } else if (char === '"') {
        stack.pop()
        i++
        continue
      } else if (char === '\n') {
        errors.push(`line ${lineOf(i)}: a quoted string does not end on its line`)
        stack.pop()
      }
      blank(i, i + length)
      i += length
      continue
    }
    if (char === '#' || (char === '/' && next === '/')) {
      const end = text.indexOf('\n', i)
      const to = end === -1 ? text.length : end
      blankComment(i, to)
      i = to
    } else if (char === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2)
      if (end === -1) errors.push(`line ${lineOf(i)}: a comment is not closed`)
      const to = end === -1 ? text.length : end + 2
      blankComment(i, to)
      i = to
    } else if (char === '<' && next === '<') {
      errors.push(`line ${lineOf(i)}: a heredoc, which this reader does not understand`)
      i += 2
    } else if (char === '"') {
      stack.push('"')
      i++
    } else if (char in CLOSER) {
      stack.push(char)
      i++
    } else if (char === '}' && stack.at(-1) === '$') {
      stack.pop()
      blank(i, i + 1)
      i++
    } else if (char === '}' || char === ']' || char === ')') {
      const open = stack.pop()
      if (open === undefined || CLOSER[open] !== char)
        errors.push(`line ${lineOf(i)}: "${char}" closes "${open}"`)
      i++
    } else i++
  }
  if (stack.length > 0) errors.push(`at the end, still open: ${stack.join(' ')}`)
  return { code: code.join(''), uncommented: uncommented.join(''), errors }
}

export interface HclBlock {
  type: string
  labels: string[]
  /** The text between the block's braces. */
  body: string
}

export interface HclBody {
  blocks: HclBlock[]
  /** Each attribute's expression as written (comments removed), by name. */
  attributes: Record<string, string>
}

/** The blocks and attributes at the top level of a body (or of a whole file). */
export function readBody(text: string): HclBody {
  const { code, uncommented } = scanHcl(text)
  const body: HclBody = { blocks: [], attributes: {} }
  let depth = 0
  let statementStart = 0
  for (let i = 0; i < code.length; i++) {
    const char = code[i] as string
    if (char in CLOSER) {
      if (depth === 0 && char === '{') {
        const header = text.slice(statementStart, i).trim()
        const block = /^([A-Za-z_][\w-]*)((?:\s+"[^"]*")*)$/.exec(header)
        if (block) {
          const end = matchingClose(code, i)
          body.blocks.push({
            type: block[1] as string,
            labels: [...(block[2] as string).matchAll(/"([^"]*)"/g)].map(match => match[1] as string),
            body: text.slice(i + 1, end)
          })
          i = end
          statementStart = end + 1
          continue
        }
      }
      depth++
    } else if (char === '}' || char === ']' || char === ')') {
      depth--
    } else if (char === '\n' && depth === 0) {
      const statement = code.slice(statementStart, i)
      const attribute = /^\s*([A-Za-z_][\w-]*)\s*=(?!=)([\s\S]*)$/.exec(statement)
      if (attribute) {
        const written = uncommented.slice(statementStart, i)
        body.attributes[attribute[1] as string] = written.slice(written.indexOf('=') + 1).trim()
      }
      statementStart = i + 1
    }
  }
  return body
}

export const blocksOf = (text: string): HclBlock[] => readBody(text).blocks

function matchingClose(code: string, open: number): number {
  let depth = 0
  for (let i = open; i < code.length; i++) {
    if (code[i] === '{' || code[i] === '[' || code[i] === '(') depth++
    else if (code[i] === '}' || code[i] === ']' || code[i] === ')') depth--
    if (depth === 0) return i
  }
  return code.length
}
