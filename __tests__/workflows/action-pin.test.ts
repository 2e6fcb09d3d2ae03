// The reusable workflow runs the action by a full commit SHA (scripts/action-pin.ts says why); release.yml refuses
// a tag whose pin is not that release's action. Held here against the committed workflows, and the release check
// against real git repositories built for each case.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import {
  ACTION_REPOSITORY,
  pinAction,
  pinProblems,
  readActionPin,
  REUSABLE_WORKFLOW
} from '../../scripts/action-pin.js'

const root = join(import.meta.dirname, '../..')
const read = (path: string): string => readFileSync(join(root, path), 'utf8')

interface Step {
  id?: string
  uses?: string
  run?: string
  with?: Record<string, unknown>
}
interface Workflow {
  jobs: Record<string, { needs?: string | string[]; steps?: Step[] }>
}

describe('the committed reusable workflow', () => {
  const text = read(REUSABLE_WORKFLOW)
  const workflow = parse(text) as Workflow
  const syncStep = Object.values(workflow.jobs)[0]?.steps?.find(step => step.id === 'sync')

  it('runs the action by a full commit SHA with its release in a comment, and that is the pin release.yml checks', () => {
    const pin = readActionPin(text)
    expect(pin.sha).toMatch(/^[0-9a-f]{40}$/)
    expect(pin.version).toMatch(/^v\d+\.\d+\.\d+$/)
    // What GitHub reads (the YAML value, without the comment) is what the release check reads.
    expect(syncStep?.uses).toBe(`${ACTION_REPOSITORY}@${pin.sha}`)
  })

  it('is rewritten by `npm run pin-action` in that one line only', () => {
    const pin = readActionPin(text)
    expect(pinAction(text, pin.sha, pin.version)).toBe(text)
    const other = 'a'.repeat(40)
    const repinned = pinAction(text, other, 'v9.9.9')
    expect(readActionPin(repinned)).toEqual({ repository: ACTION_REPOSITORY, sha: other, version: 'v9.9.9' })
    const changed = repinned.split('\n').filter((line, index) => line !== text.split('\n')[index])
    expect(changed).toEqual([`        uses: ${ACTION_REPOSITORY}@${other} # v9.9.9`])
  })

  it.each([
    ['a tag', `uses: ${ACTION_REPOSITORY}@v1`],
    ['a short SHA', `uses: ${ACTION_REPOSITORY}@d27016b # v1.0.0`],
    ['no version comment', `uses: ${ACTION_REPOSITORY}@${'a'.repeat(40)}`],
    ['the local copy', 'uses: ./']
  ])('refuses %s', (_, line) => {
    const broken = text.replace(/^\s*uses: gke-secrets-sync\/gke-secrets-sync@.*$/m, `        ${line}`)
    expect(() => readActionPin(broken)).toThrow(/must (pin|run)/)
  })
})

describe('release.yml', () => {
  const release = parse(read('.github/workflows/release.yml')) as Workflow
  const verify = release.jobs.verify?.steps ?? []

  it('checks the pin with the whole history before the job that tags runs', () => {
    expect(verify.map(step => step.run)).toContain('npx tsx scripts/action-pin.ts verify "$GITHUB_REF_NAME"')
    expect(verify.find(step => step.uses?.startsWith('actions/checkout@'))?.with?.['fetch-depth']).toBe(0)
    expect(release.jobs.publish?.needs).toBe('verify')
  })

  it('is what package.json runs to pin', () => {
    const { scripts } = JSON.parse(read('package.json')) as { scripts: Record<string, string> }
    expect(scripts['pin-action']).toBe('tsx scripts/action-pin.ts pin')
  })
})

describe('the release check (pinProblems) on a repository made for it', () => {
  let repo: string
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
  const write = (path: string, content: string): void => {
    mkdirSync(dirname(join(repo, path)), { recursive: true })
    writeFileSync(join(repo, path), content)
  }
  const commit = (message: string): string => {
    git('add', '-A')
    git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', message)
    return git('rev-parse', 'HEAD')
  }
  const workflowPinning = (sha: string, version: string): string =>
    pinAction(read(REUSABLE_WORKFLOW), sha, version)

  /** A release commit of `version` with `bundle` as dist/, then the commit that pins the workflow to it. */
  function release(version: string, bundle: string, pinned?: string): string {
    write('package.json', JSON.stringify({ version }))
    write('dist/index.js', bundle)
    const releaseCommit = commit(`release ${version}`)
    write(REUSABLE_WORKFLOW, workflowPinning(pinned ?? releaseCommit, `v${version}`))
    commit(`pin ${version}`)
    return releaseCommit
  }

  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'action-pin-'))
    git('init', '-q')
    write('action.yml', 'runs: { using: node24, main: dist/index.js }\n')
    write(REUSABLE_WORKFLOW, workflowPinning('0'.repeat(40), 'v0.0.0'))
  })
  afterEach(() => rmSync(repo, { recursive: true, force: true }))

  it('finds nothing wrong with a release tagged on the commit that pins its release commit', () => {
    release('1.0.0', 'one')
    expect(pinProblems(repo, 'v1.0.0', ACTION_REPOSITORY)).toEqual([])
  })

  it('finds nothing wrong when only files outside the action changed after the release commit', () => {
    const releaseCommit = release('1.0.0', 'one')
    write('README.md', 'docs')
    commit('docs')
    expect(pinProblems(repo, 'v1.0.0', ACTION_REPOSITORY)).toEqual([])
    expect(readActionPin(readFileSync(join(repo, REUSABLE_WORKFLOW), 'utf8')).sha).toBe(releaseCommit)
  })

  it('refuses a pin to an older release (the pin was not updated)', () => {
    const first = release('1.0.0', 'one')
    write('package.json', JSON.stringify({ version: '1.1.0' }))
    write('dist/index.js', 'two')
    commit('release 1.1.0 without pinning')
    expect(pinProblems(repo, 'v1.1.0', ACTION_REPOSITORY)).toEqual([
      'The reusable workflow pins the action as v1.0.0, the tag is v1.1.0.',
      `The pinned commit ${first} is not this release's action; these differ: dist/index.js.`
    ])
  })

  it('refuses a pin to a commit whose action differs (dist/ changed after it)', () => {
    const releaseCommit = release('1.0.0', 'one')
    write('dist/index.js', 'changed')
    write('action.yml', 'changed')
    commit('rebuild')
    expect(pinProblems(repo, 'v1.0.0', ACTION_REPOSITORY)).toEqual([
      `The pinned commit ${releaseCommit} is not this release's action; these differ: action.yml, dist/index.js.`
    ])
  })

  it('refuses a pin to a commit that is not in the history, or not an ancestor', () => {
    release('1.0.0', 'one', 'f'.repeat(40))
    expect(pinProblems(repo, 'v1.0.0', ACTION_REPOSITORY)).toEqual([
      `The pinned commit ${'f'.repeat(40)} is not in this repository's history.`
    ])
    git('checkout', '-q', '-b', 'other', 'HEAD~1')
    write('dist/index.js', 'elsewhere')
    const elsewhere = commit('elsewhere')
    git('checkout', '-q', '-')
    write(REUSABLE_WORKFLOW, workflowPinning(elsewhere, 'v1.0.0'))
    commit('pin elsewhere')
    expect(pinProblems(repo, 'v1.0.0', ACTION_REPOSITORY)).toEqual([
      `The pinned commit ${elsewhere} is not an ancestor of the tagged commit.`,
      `The pinned commit ${elsewhere} is not this release's action; these differ: dist/index.js.`
    ])
  })

  it("refuses a tag that is not package.json's version, and another repository's action", () => {
    release('1.0.0', 'one')
    expect(pinProblems(repo, 'v1.0.1', 'acme/fork')).toEqual([
      'package.json says version 1.0.0, the tag is v1.0.1.',
      'The reusable workflow pins the action as v1.0.0, the tag is v1.0.1.',
      `The reusable workflow runs the action of ${ACTION_REPOSITORY}, this repository is acme/fork.`
    ])
  })
})
