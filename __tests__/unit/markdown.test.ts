// The ways the summary puts text into Markdown, read back as GitHub would show them: GitHub-flavoured Markdown
// rendered to HTML (marked), then parsed (htmlparser2).
import { DomUtils, parseDocument } from 'htmlparser2'
import { marked } from 'marked'
import { describe, expect, it } from 'vitest'
import { messageBlocks, prose, wrappingCode } from '../../src/github/markdown.js'

const html = (markdown: string): string => marked.parse(markdown, { gfm: true, async: false })
const document = (markdown: string): ReturnType<typeof parseDocument> => parseDocument(html(markdown))
const tags = (markdown: string, tag: string): string[] =>
  DomUtils.getElementsByTagName(tag, document(markdown).children, true).map(node =>
    DomUtils.textContent(node)
  )

describe('wrappingCode', () => {
  it.each([
    [
      'DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN',
      '<code>DAGSTER_<wbr>SECRET_<wbr>SLACK_<wbr>BOT_<wbr>OAUTH_<wbr>TOKEN</code>'
    ],
    [
      '_DAGSTER_SECRET_LEADING_UNDERSCORE_',
      '<code>_<wbr>DAGSTER_<wbr>SECRET_<wbr>LEADING_<wbr>UNDERSCORE_<wbr></code>'
    ],
    ['DAGSTER_SECRET_A', '<code>DAGSTER_SECRET_A</code>'],
    ['dagster-secret-slack-bot-oauth-token', '<code>dagster-secret-slack-bot-oauth-token</code>']
  ])('%s', (name, rendered) => {
    expect(html(wrappingCode(name)).trim()).toBe(`<p>${rendered}</p>`)
    // Whatever the break opportunities, the name reads (and copies) as it is.
    expect(tags(wrappingCode(name), 'code')).toEqual([name])
  })

  it('never puts other text between its tags', () => {
    const name = 'DAGSTER_SECRET_</code><img src=x onerror=alert(1)>_LONG_NAME'
    expect(html(wrappingCode(name))).not.toMatch(/<img|<wbr>/)
    expect(tags(wrappingCode(name), 'code')).toEqual([name])
  })
})

describe('prose', () => {
  it.each([
    [
      'keeps our code spans',
      'Pass `secrets: ${{ toJSON(secrets) }}` (a JSON object).',
      ['secrets: ${{ toJSON(secrets) }}']
    ],
    ['escapes Markdown and HTML outside them', 'a *b* <b>c</b> [d](e) | f _g_', []],
    ['shows a stray backtick as one', 'one ` two', []],
    ['shows an empty pair as two backticks', 'a `` b', []]
  ])('%s', (_, line, codes) => {
    // As written, but for the backticks that made code spans.
    const shown = codes.reduce((text, span) => text.replace(`\`${span}\``, span), line)
    expect(tags(prose(line), 'p')).toEqual([shown])
    expect(tags(prose(line), 'code')).toEqual(codes)
    expect(html(prose(line))).not.toMatch(/<(b|a|em)\b/)
  })
})

describe('messageBlocks', () => {
  it('makes paragraphs, a list and a shell block of a message and its advice', () => {
    const message = [
      'Kubernetes API: could not list Secrets: 403 Forbidden: <denied>',
      'The identity may not list secrets; grant `sync`:',
      '  kubectl create role r -n ns --verb=list --resource=secrets',
      '  kubectl create rolebinding r -n ns --role=r --user=u',
      '- first',
      '- second'
    ].join('\n')
    const markdown = messageBlocks(message).join('\n')
    expect(tags(markdown, 'p')).toEqual([
      'Kubernetes API: could not list Secrets: 403 Forbidden: <denied>',
      'The identity may not list secrets; grant sync:'
    ])
    expect(tags(markdown, 'pre')).toEqual([
      'kubectl create role r -n ns --verb=list --resource=secrets\nkubectl create rolebinding r -n ns --role=r --user=u\n'
    ])
    expect(tags(markdown, 'li')).toEqual(['first', 'second'])
  })

  it('fences a command with backticks in it with a longer fence', () => {
    const markdown = messageBlocks('text\n  echo ```not the end```').join('\n')
    expect(tags(markdown, 'pre')).toEqual(['echo ```not the end```\n'])
    expect(tags(markdown, 'p')).toEqual(['text'])
  })
})
