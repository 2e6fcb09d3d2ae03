// The API server's rules for label and annotation keys, as src/sync/kube-validation.ts checks them before any
// request, held against the Kubernetes double's own copy of apimachinery's validation (kube-double/validation.ts),
// which the kubectl tests hold against real clients.
import { describe, expect, it } from 'vitest'
import { annotationKeyProblem, qualifiedNameProblem } from '../../src/sync/kube-validation.js'
import { isAnnotationKey, isQualifiedName } from '../../kube-double/validation.js'

// [key, valid as a label key, valid as an annotation key]
const KEYS: Array<[string, boolean, boolean]> = [
  ['team', true, true],
  ['Team', true, true],
  ['example.com/team', true, true],
  ['example.com/Team_Name.v2', true, true],
  // The API server lower-cases annotation keys before the qualified-name check (objectmeta.go).
  ['Example.COM/team', false, true],
  ['EXAMPLE.COM/TEAM', false, true],
  ['Sub.Example.Com/x', false, true],
  // Go lower-cases İ (U+0130) to "i" (simple case mapping); JavaScript's toLowerCase makes it two characters.
  ['\u0130tem.example.com/x', false, true],
  // The Kelvin sign lower-cases to "k" in both.
  ['\u212Aube.example.com/x', false, true],
  // Still no underscore in a DNS prefix, whatever the case.
  ['Under_Score.com/x', false, false],
  ['under_score.com/x', false, false],
  ['-team', false, false],
  ['team-', false, false],
  ['te am', false, false],
  ['', false, false],
  ['/team', false, false],
  ['example.com/', false, false],
  ['a/b/c', false, false],
  ['Ä.example.com/x', false, false],
  ['x'.repeat(63), true, true],
  ['x'.repeat(64), false, false],
  [`${'a'.repeat(253)}/x`, true, true],
  [`${'a'.repeat(254)}/x`, false, false]
]

describe('label and annotation keys', () => {
  it.each(KEYS)('%j: a label key %s, an annotation key %s', (key, label, annotation) => {
    expect(qualifiedNameProblem(key) === undefined).toBe(label)
    expect(annotationKeyProblem(key) === undefined).toBe(annotation)
  })

  it.each(KEYS)('%j: judged as the Kubernetes double judges it', key => {
    expect(qualifiedNameProblem(key) === undefined).toBe(isQualifiedName(key).length === 0)
    expect(annotationKeyProblem(key) === undefined).toBe(isAnnotationKey(key).length === 0)
  })

  it('names the key as written, not lower-cased', () => {
    expect(annotationKeyProblem('Under_Score.COM/x')).toBe(
      'the prefix of key "Under_Score.COM/x" must be a DNS subdomain (e.g. example.com)'
    )
  })
})
