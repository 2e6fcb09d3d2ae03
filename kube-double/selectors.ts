// LIST filters. Label selectors follow k8s.io/apimachinery/pkg/labels/selector.go (`=`, `==`, `!=`, `in`, `notin`,
// `key`, `!key`, comma = AND; `!=` and `notin` also match objects without the label). Field selectors accept the
// fields each resource supports (Secrets: `metadata.name`, `metadata.namespace` and `type`, after
// pkg/apis/core/v1/conversion.go, field label conversion for Secret; Deployments: only the default `metadata.name`
// and `metadata.namespace`); anything else is 400 `field label not supported`.
import { badRequest } from './status.js'

export type LabelMatcher = (labels: Record<string, string>) => boolean

interface Token {
  kind: 'word' | 'op' | '(' | ')' | ',' | '!'
  text: string
}

function tokenize(selector: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < selector.length) {
    const c = selector[i] as string
    if (c === ' ' || c === '\t') {
      i++
    } else if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: c, text: c })
      i++
    } else if (selector.startsWith('==', i) || selector.startsWith('!=', i)) {
      tokens.push({ kind: 'op', text: selector.slice(i, i + 2) })
      i += 2
    } else if (c === '=') {
      tokens.push({ kind: 'op', text: '=' })
      i++
    } else if (c === '!') {
      tokens.push({ kind: '!', text: '!' })
      i++
    } else {
      let j = i
      while (j < selector.length && !' \t(),=!'.includes(selector[j] as string)) j++
      tokens.push({ kind: 'word', text: selector.slice(i, j) })
      i = j
    }
  }
  return tokens
}

const parseError = (detail: string) => badRequest(`unable to parse requirement: ${detail}`)

export function parseLabelSelector(selector: string): LabelMatcher {
  const tokens = tokenize(selector)
  const requirements: LabelMatcher[] = []
  let i = 0
  const next = (): Token | undefined => tokens[i++]
  const peek = (): Token | undefined => tokens[i]
  while (i < tokens.length) {
    let token = next() as Token
    if (token.kind === '!') {
      const key = next()
      if (key?.kind !== 'word') throw parseError(`found '${key?.text ?? ''}', expected: identifier`)
      requirements.push(labels => !(key.text in labels))
    } else if (token.kind === 'word') {
      const key = token.text
      const following = peek()
      if (!following || following.kind === ',') {
        requirements.push(labels => key in labels)
      } else if (following.kind === 'op') {
        next()
        const value = peek()?.kind === 'word' ? (next() as Token).text : ''
        if (following.text === '!=') requirements.push(labels => labels[key] !== value)
        else requirements.push(labels => labels[key] === value)
      } else if (following.kind === 'word' && (following.text === 'in' || following.text === 'notin')) {
        next()
        if (next()?.kind !== '(') throw parseError(`found '${peek()?.text ?? ''}', expected: '('`)
        const values = new Set<string>()
        for (token = next() as Token; token && token.kind !== ')'; token = next() as Token) {
          if (token.kind === 'word') values.add(token.text)
          else if (token.kind !== ',') throw parseError(`found '${token.text}', expected: ',', or ')'`)
        }
        if (!token) throw parseError("found '', expected: ')'")
        if (following.text === 'in')
          requirements.push(labels => values.has(labels[key] as string) && key in labels)
        else requirements.push(labels => !(key in labels) || !values.has(labels[key] as string))
      } else {
        throw parseError(`found '${following.text}', expected: in, notin, =, ==, !=, gt, lt`)
      }
    } else {
      throw parseError(`found '${token.text}', expected: !, identifier, or 'end of string'`)
    }
    const separator = next()
    if (separator && separator.kind !== ',')
      throw parseError(`found '${separator.text}', expected: ',' or 'end of string'`)
  }
  return labels => requirements.every(r => r(labels))
}

/** How to read each field a resource's field selector supports, by field label. */
export type FieldReaders<T> = Record<string, (item: T) => string>

export function parseFieldSelector<T>(selector: string, fields: FieldReaders<T>): (item: T) => boolean {
  const terms = selector
    .split(',')
    .filter(t => t.trim() !== '')
    .map(term => {
      const match = /^\s*([^!=]+?)\s*(==|!=|=)\s*(.*?)\s*$/.exec(term)
      if (!match) throw badRequest(`invalid selector: '${selector}'; can't understand '${term}'`)
      const [, field = '', op = '', value = ''] = match
      const get = Object.hasOwn(fields, field) ? fields[field] : undefined
      if (!get) throw badRequest(`field label not supported: ${field}`)
      return (item: T) => (op === '!=' ? get(item) !== value : get(item) === value)
    })
  return item => terms.every(t => t(item))
}
