import { describe, expect, it } from 'vitest'
import { maskedForms, maskSecretValues } from '../../src/github/masking.js'

describe('maskedForms', () => {
  it('masks the value, its base64 and its JSON-escaped form', () => {
    const value = 'p@ss"word\\with\tescapes'
    expect(maskedForms(value)).toEqual(
      expect.arrayContaining([value, Buffer.from(value).toString('base64'), 'p@ss\\"word\\\\with\\tescapes'])
    )
  })

  it('masks each non-blank line of a multi-line value, as the runner masks line by line', () => {
    const pem = '-----BEGIN KEY-----\r\nAAAA\n\n-----END KEY-----\n'
    const forms = maskedForms(pem)
    expect(forms).toEqual(expect.arrayContaining([pem, '-----BEGIN KEY-----', 'AAAA', '-----END KEY-----']))
    expect(forms).not.toContain('')
  })

  it('does not mask the short lines of a JSON key file on their own, only its longer lines and the whole', () => {
    const keyFile = '{\n  "type": "service_account",\n  "private_key": "-----BEGIN"\n}\n'
    const forms = maskedForms(keyFile)
    expect(forms).toContain(keyFile)
    expect(forms).toContain('  "type": "service_account",')
    expect(forms).not.toContain('{')
    expect(forms).not.toContain('}')
  })

  it('judges a line by its text without the indentation: an indented brace is not masked on its own', () => {
    const nested = '{\n  "a": {\n    "key": "secret-part"\n    }\n}'
    const forms = maskedForms(nested)
    expect(forms).toContain('    "key": "secret-part"')
    expect(forms).not.toContain('    }')
    expect(forms).toEqual([
      nested,
      Buffer.from(nested).toString('base64'),
      JSON.stringify(nested).slice(1, -1),
      '  "a": {',
      '    "key": "secret-part"'
    ])
  })

  it('masks nothing for an empty value (an empty mask would hide every log line)', () => {
    expect(maskedForms('')).toEqual([])
  })

  it('sends every form of every value to setSecret', () => {
    const masked: string[] = []
    maskSecretValues(['a1', 'b2'], value => masked.push(value))
    expect(masked).toEqual(['a1', 'YTE=', 'b2', 'YjI='])
  })
})
