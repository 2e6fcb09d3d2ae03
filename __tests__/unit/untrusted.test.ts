// Text from elsewhere on its way to the runner: masked while it is as the server sent it, then unable to act as
// a workflow command (read back with a model of the runner's own parser), then escaped for the job summary
// without undoing either. The summary is rendered with a GFM library and read as a DOM, as a reader sees it.
import { DomUtils, parseDocument } from 'htmlparser2'
import { marked } from 'marked'
import { afterEach, describe, expect, it } from 'vitest'
import { cell, code, codeInCell } from '../../src/github/markdown.js'
import { KnownSecrets, knownSecrets, maskedForms } from '../../src/github/masking.js'
import { neutraliseCommands, untrusted } from '../../src/github/untrusted.js'
import { runnerCommands } from '../doubles/runner-commands.js'

afterEach(() => knownSecrets.clear())
const know = (...values: string[]): void => {
  for (const value of values) for (const form of maskedForms(value)) knownSecrets.add(form)
}

describe('runnerCommands (the model of the runner the tests read logs with)', () => {
  it.each([
    ['::stop-commands::tok', 'v2', 'stop-commands', 'tok'],
    ['   ::warning title=t::a%0Ab', 'v2', 'warning', 'a\nb'],
    ['\u0085::add-mask::x', 'v2', 'add-mask', 'x'],
    ['\u3000::error::x', 'v2', 'error', 'x'],
    ['text ##[add-mask]x', 'v1', 'add-mask', 'x']
  ])('reads %j as a %s command', (line, form, name, data) => {
    expect(runnerCommands(`before\n${line}\nafter`)).toEqual([{ form, name, data, line }])
  })

  it.each(['text ::warning::x', ':\u200b:stop-commands::x', '\ufeff::error::x', '::no-end', '##[open'])(
    'reads %j as no command',
    line => expect(runnerCommands(line)).toEqual([])
  )

  it('ends a line at \\r as the runner does', () => {
    expect(runnerCommands('a\r::stop-commands::t').map(c => c.name)).toEqual(['stop-commands'])
  })
})

describe('neutraliseCommands', () => {
  it.each([
    ['a line that starts a command', 'owner\n::stop-commands::tok'],
    ['after leading spaces', 'x\n   ::add-mask::y'],
    ['after a tab and a no-break space', 'x\n\t\u00a0::error::y'],
    ['after a carriage return alone', 'x\r::warning::y'],
    ['after CR LF', 'x\r\n::warning::y'],
    ['after NEL, which .NET trims as white space', 'x\n\u0085::error::y'],
    ['at the very start', '::stop-commands::tok'],
    ['the older form anywhere in a line', 'quoted ##[add-mask]value'],
    ['the older form at a line start', 'x\n##[error]forged'],
    ['three colons', ':::stop-commands::tok']
  ])('leaves no command in %s', (_, text) => {
    const out = neutraliseCommands(text)
    expect(runnerCommands(text)).not.toEqual([])
    expect(runnerCommands(out)).toEqual([])
    // A reader still reads the same words, and a second pass changes nothing.
    expect(out.replaceAll('\u200b', '').replaceAll('\ufffd', '')).toBe(
      text.replace(/\r\n?/g, '\n').replaceAll('\u0085', '')
    )
    expect(neutraliseCommands(out)).toBe(out)
  })

  it('turns terminal escapes and other control characters into U+FFFD, keeping tabs and line breaks', () => {
    expect(neutraliseCommands('a\u001b[2Kb\u0000c\td\ne\u007f')).toBe('a\ufffd[2Kb\ufffdc\td\ne\ufffd')
  })

  it('leaves ordinary text, colons inside a line included, as it is', () => {
    const text = 'secrets "x" is forbidden: User "system:serviceaccount:ci:sync" cannot create: a::b'
    expect(neutraliseCommands(text)).toBe(text)
  })
})

describe('KnownSecrets', () => {
  it('redacts the longest form first, so no part of a whole value is left around a shorter one', () => {
    const secrets = new KnownSecrets()
    for (const form of ['abcd', 'xx-abcd-yy', '']) secrets.add(form)
    expect(secrets.redact('1 xx-abcd-yy 2 abcd 3')).toBe('1 *** 2 *** 3')
  })
})

describe('untrusted', () => {
  const pem = '-----BEGIN KEY-----\nline_one_of_the_key\nline*two*of*the*key\n-----END KEY-----'
  it.each([
    ['the whole value', `denied: value "${pem}" is not allowed`],
    ['one line of it', 'denied: line_one_of_the_key is not allowed'],
    ['its JSON-escaped form (Go %q)', `denied: ${JSON.stringify(pem)}`],
    ['its base64 form', `data.KEY: ${Buffer.from(pem).toString('base64')}`],
    ['a short value', 'value "p_w*" is too short'],
    ['a value that would start a command', 'x\n::stop-commands::p_w*']
  ])('masks %s, then neutralises', (_, text) => {
    know(pem, 'p_w*')
    const out = untrusted(text)
    for (const form of [...maskedForms(pem), 'p_w*']) expect(out).not.toContain(form)
    expect(out).toContain('***')
    expect(runnerCommands(out)).toEqual([])
  })

  it('masks a value that spans lines before the line breaks are touched', () => {
    know('first-half\r\nsecond-half')
    expect(untrusted('quoted: first-half\r\nsecond-half!')).toBe('quoted: ***!')
  })
})

/** GitHub-flavoured Markdown to HTML, read back: the text of each code span and each cell, and every tag. */
function render(markdown: string): { codes: string[]; cells: string[]; tags: string[]; text: string } {
  const document = parseDocument(marked.parse(markdown, { gfm: true, async: false }))
  const tags = DomUtils.getElementsByTagName(() => true, document.children, true)
  return {
    codes: DomUtils.getElementsByTagName('code', document.children, true).map(DomUtils.textContent),
    cells: DomUtils.getElementsByTagName('td', document.children, true).map(c => DomUtils.textContent(c)),
    tags: [...new Set(tags.map(tag => tag.name))].sort(),
    text: DomUtils.textContent(document.children)
  }
}

describe('code', () => {
  it.each([
    'acme/dagster-infra',
    'acme/`evil`',
    '`starts and ends`',
    'a `` double and ``` triple',
    '```',
    ' spaced both ends ',
    '<img src=x onerror=alert(1)>',
    '![x](https://evil.example/x.png)',
    '**bold** _em_ [link](https://evil.example)'
  ])('shows %j exactly, as one code span and nothing else', name => {
    const { codes, tags } = render(`owner ${code(name)}`)
    expect(codes).toEqual([name])
    expect(tags).toEqual(['code', 'p'])
  })

  it('in a table cell, keeps a pipe in the name inside its cell', () => {
    const table = ['| a | b |', '| --- | --- |', `| ${codeInCell('x|y`z')} | after |`].join('\n')
    const { codes, cells } = render(table)
    expect(codes).toEqual(['x|y`z'])
    expect(cells).toEqual(['x|y`z', 'after'])
  })

  it('masks a value before fencing it', () => {
    know('owner-secret-value')
    expect(render(code('acme/owner-secret-value')).codes).toEqual(['acme/***'])
  })
})

describe('cell', () => {
  it.each([
    ['HTML', 'a <img src=x onerror=alert(1)> <b>b</b> &amp; c'],
    ['an image', 'see ![x](https://evil.example/x.png) here'],
    ['a link', '[click](https://evil.example)'],
    ['bare addresses GFM would link', 'see https://evil.example/a?b=c) or www.evil.example.'],
    ['emphasis, code and pipes', '**a** _b_ `c` | d'],
    ['several lines', 'one\n  two\nthree']
  ])('shows %s as written text, in one cell', (_, text) => {
    const table = ['| a |', '| --- |', `| ${cell(text)} |`].join('\n')
    const { cells, tags } = render(table)
    expect(cells).toEqual([text.replace(/\s*\n\s*/g, ' ')])
    expect(tags).toEqual(['table', 'tbody', 'td', 'th', 'thead', 'tr'])
  })

  it('leaves the text as the server sent it for anyone who reads the raw Markdown, once unescaped', () => {
    const text = 'secrets "x" is forbidden: User "system:serviceaccount:ci:sync" cannot create'
    expect(cell(text).replace(/\\(.)/g, '$1')).toBe(text)
  })

  it('masks before escaping: a value with Markdown punctuation is gone, not escaped past its mask', () => {
    know('p_w*rd!', 'k`e[y]')
    const escaped = cell('webhook: value "p_w*rd!" and "k`e[y]" refused')
    expect(escaped).not.toContain('p\\_w\\*rd\\!')
    expect(escaped).not.toContain('k\\`e\\[y\\]')
    expect(render(`| a |\n| --- |\n| ${escaped} |`).cells).toEqual(['webhook: value "***" and "***" refused'])
  })
})
