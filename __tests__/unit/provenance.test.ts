import { describe, expect, it } from 'vitest'
import { readRunProvenance } from '../../src/github/provenance.js'
import { provenanceAnnotations } from '../../src/sync/provenance.js'

const runner = {
  GITHUB_REPOSITORY: 'acme/dagster-infra',
  GITHUB_SERVER_URL: 'https://github.com',
  GITHUB_RUN_ID: '4242',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  GITHUB_ACTOR: 'octocat'
}

describe('readRunProvenance', () => {
  it.each([
    [
      'a runner',
      runner,
      {
        repository: 'acme/dagster-infra',
        runUrl: 'https://github.com/acme/dagster-infra/actions/runs/4242/attempts/2',
        runId: '4242',
        runAttempt: '2',
        commit: '0123456789abcdef0123456789abcdef01234567',
        actor: 'octocat'
      }
    ],
    [
      'GitHub Enterprise Server, without an attempt',
      { ...runner, GITHUB_SERVER_URL: 'https://ghe.example.com/', GITHUB_RUN_ATTEMPT: '' },
      expect.objectContaining({ runUrl: 'https://ghe.example.com/acme/dagster-infra/actions/runs/4242' })
    ],
    ['outside Actions', {}, {}],
    [
      'a variable that is not one line is left out',
      { ...runner, GITHUB_ACTOR: 'octo\ncat' },
      expect.not.objectContaining({ actor: expect.anything() })
    ]
  ])('%s', (_case, env, provenance) => {
    expect(readRunProvenance(env)).toEqual(provenance)
  })
})

describe('provenanceAnnotations', () => {
  it('records the run and the time of the write, with the owner annotation’s prefix', () => {
    expect(provenanceAnnotations(readRunProvenance(runner), new Date('2025-03-04T05:06:07.890Z'))).toEqual({
      'gke-secrets-sync/repository': 'acme/dagster-infra',
      'gke-secrets-sync/run-url': 'https://github.com/acme/dagster-infra/actions/runs/4242/attempts/2',
      'gke-secrets-sync/commit': '0123456789abcdef0123456789abcdef01234567',
      'gke-secrets-sync/actor': 'octocat',
      'gke-secrets-sync/written-at': '2025-03-04T05:06:07Z'
    })
  })

  it('records only the time outside Actions', () => {
    expect(provenanceAnnotations({}, new Date('2025-03-04T05:06:07Z'))).toEqual({
      'gke-secrets-sync/written-at': '2025-03-04T05:06:07Z'
    })
  })
})
