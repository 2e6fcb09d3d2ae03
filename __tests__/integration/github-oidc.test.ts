// The GitHub OIDC double driven by the real @actions/core `getIDToken`, which reads the runner's variables.
import tls from 'node:tls'
import { getIDToken } from '@actions/core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import {
  GITHUB_OIDC_ISSUER,
  startGitHubOidc,
  verifyGitHubIdToken,
  type GitHubOidc
} from '../doubles/github-oidc-server.js'
import { testTls } from '../../kube-double/tls.js'

const RUNNER_VARIABLES = ['ACTIONS_ID_TOKEN_REQUEST_URL', 'ACTIONS_ID_TOKEN_REQUEST_TOKEN'] as const
const savedVariables = Object.fromEntries(RUNNER_VARIABLES.map(name => [name, process.env[name]]))

let github: GitHubOidc

function useRunnerVariables(double: GitHubOidc, requestToken = double.requestToken): void {
  process.env.ACTIONS_ID_TOKEN_REQUEST_URL = double.url
  process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = requestToken
}

function decode(token: string): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const [header, payload] = token.split('.') as [string, string]
  const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))
  return { header: json(header), claims: json(payload) }
}

beforeAll(async () => {
  github = await startGitHubOidc({ repository: 'octo-org/octo-repo' })
})

afterEach(() => {
  for (const name of RUNNER_VARIABLES) {
    if (savedVariables[name] === undefined) delete process.env[name]
    else process.env[name] = savedVariables[name]
  }
})

afterAll(() => github.close())

describe('getIDToken against the OIDC double', () => {
  it.each([
    'https://iam.googleapis.com/projects/123456789012/locations/global/workloadIdentityPools/github/providers/github',
    'sts.googleapis.com',
    'an audience with spaces & an ampersand'
  ])('delivers the audience %j and a token addressed to it', async audience => {
    useRunnerVariables(github)
    const token = await getIDToken(audience)

    expect(github.issued.at(-1)).toEqual({ audience, token })
    // @actions/core appends the audience to the runner's URL, which already has a query.
    expect(github.requests.at(-1)).toMatchObject({
      path: expect.stringMatching(/\/idtoken\?api-version=2\.0&audience=/),
      authorization: `Bearer ${github.requestToken}`,
      status: 200
    })
    expect(token.split('.')).toHaveLength(3)
    const { header, claims } = decode(token)
    expect(header).toMatchObject({ typ: 'JWT', alg: 'HS256' })
    expect(claims).toMatchObject({
      iss: GITHUB_OIDC_ISSUER,
      aud: audience,
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/main',
      repository: 'octo-org/octo-repo',
      repository_owner: 'octo-org',
      ref: 'refs/heads/main'
    })
    const { iat, exp } = claims as { iat: number; exp: number }
    expect(Math.abs(iat - Date.now() / 1000)).toBeLessThan(5)
    expect(exp - iat).toBe(300)
    expect(verifyGitHubIdToken(token).valid).toBe(true)
  })

  it('defaults the audience to the repository owner, as GitHub does', async () => {
    useRunnerVariables(github)
    const { claims } = decode(await getIDToken())
    expect(claims.aud).toBe('https://github.com/octo-org')
  })

  it('puts the environment in the subject of a job bound to one', async () => {
    const withEnvironment = await startGitHubOidc({
      repository: 'octo-org/octo-repo',
      environment: 'production'
    })
    try {
      useRunnerVariables(withEnvironment)
      const { claims } = decode(await getIDToken('sts.googleapis.com'))
      expect(claims).toMatchObject({
        sub: 'repo:octo-org/octo-repo:environment:production',
        environment: 'production'
      })
    } finally {
      await withEnvironment.close()
    }
  })

  it('serves HTTPS too, when the client trusts the test CA', async () => {
    const secure = await startGitHubOidc({ tls: testTls })
    const defaults = tls.getCACertificates('default')
    tls.setDefaultCACertificates([...defaults, testTls.caPem])
    try {
      useRunnerVariables(secure)
      expect(secure.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\//)
      expect(verifyGitHubIdToken(await getIDToken('sts.googleapis.com')).valid).toBe(true)
    } finally {
      tls.setDefaultCACertificates(defaults)
      await secure.close()
    }
  })

  it('refuses a wrong request token with 401, which @actions/core reports as its error', async () => {
    useRunnerVariables(github, 'not-the-request-token')
    const issuedBefore = github.issued.length

    await expect(getIDToken('sts.googleapis.com')).rejects.toThrow(
      /Failed to get ID Token\.[\s\S]*Error Code : 401/
    )
    expect(github.requests.at(-1)).toMatchObject({
      authorization: 'Bearer not-the-request-token',
      status: 401
    })
    expect(github.issued).toHaveLength(issuedBefore)
  })

  it.each(RUNNER_VARIABLES)(
    'fails before any request when %s is missing (no id-token: write)',
    async name => {
      useRunnerVariables(github)
      delete process.env[name]
      const requestsBefore = github.requests.length

      await expect(getIDToken('sts.googleapis.com')).rejects.toThrow(`Unable to get ${name} env variable`)
      expect(github.requests).toHaveLength(requestsBefore)
    }
  )
})

describe('verifyGitHubIdToken', () => {
  it.each([
    {
      case: 'a changed payload',
      tamper: (t: string) => t.replace(/^([^.]+)\.[^.]+/, '$1.eyJzdWIiOiJldmUifQ')
    },
    { case: 'a changed signature', tamper: (t: string) => t.slice(0, -2) + (t.endsWith('AA') ? 'BB' : 'AA') },
    { case: 'two parts only', tamper: (t: string) => t.split('.').slice(0, 2).join('.') }
  ])('rejects $case', async ({ tamper }) => {
    useRunnerVariables(github)
    const token = await getIDToken('sts.googleapis.com')
    expect(verifyGitHubIdToken(token).valid).toBe(true)
    expect(verifyGitHubIdToken(tamper(token)).valid).toBe(false)
  })
})
