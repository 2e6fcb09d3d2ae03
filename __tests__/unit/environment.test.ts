import { describe, expect, it } from 'vitest'
import {
  DEBUG_SWITCHES,
  removeDebugSwitches,
  removeRunnerCredentials,
  RUNNER_CREDENTIALS
} from '../../src/github/environment.js'

describe('removeDebugSwitches', () => {
  it.each(Object.keys(DEBUG_SWITCHES))('unsets %s, even when empty, and says so once', name => {
    const env: NodeJS.ProcessEnv = { [name]: '', PATH: '/bin' }
    const warnings = removeDebugSwitches(env)
    expect(env).toEqual({ PATH: '/bin' })
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      new RegExp(`^${name} is set; the action unset it for this step, because .+\\.$`)
    )
  })

  it('says nothing when none is set', () => {
    const env: NodeJS.ProcessEnv = { NODE_DEBUG: 'http', GOOGLE_CLOUD_PROJECT: 'p' }
    expect(removeDebugSwitches(env)).toEqual([])
    expect(env).toEqual({ NODE_DEBUG: 'http', GOOGLE_CLOUD_PROJECT: 'p' })
  })
})

describe('removeRunnerCredentials', () => {
  it("removes the runner's OIDC request pair and runtime token with their URLs, and nothing else", () => {
    const env: NodeJS.ProcessEnv = {
      ...Object.fromEntries(RUNNER_CREDENTIALS.map(name => [name, 'x'])),
      GITHUB_REPOSITORY: 'acme/dagster-infra',
      INPUT_NAMESPACE: 'dagster-prd'
    }
    removeRunnerCredentials(env)
    expect(env).toEqual({ GITHUB_REPOSITORY: 'acme/dagster-infra', INPUT_NAMESPACE: 'dagster-prd' })
    expect(RUNNER_CREDENTIALS).toEqual(
      expect.arrayContaining([
        'ACTIONS_ID_TOKEN_REQUEST_TOKEN',
        'ACTIONS_ID_TOKEN_REQUEST_URL',
        'ACTIONS_RUNTIME_TOKEN'
      ])
    )
  })
})
