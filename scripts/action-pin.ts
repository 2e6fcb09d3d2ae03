// The reusable workflow (.github/workflows/sync-secrets.yml) runs the action by a full commit SHA, with the release
// in a comment: `uses: gke-secrets-sync/gke-secrets-sync@<40 hex digits> # vX.Y.Z`. Not `uses: ./`: a called
// workflow runs in the caller's repository, so `./` would be the caller's code. Not `@v1`: whoever can push a tag
// here could move it under every caller. A commit cannot name its own SHA, so a release is two commits: the
// release commit (dist/, version, CHANGELOG), then the commit that pins the reusable workflow to it, which is the
// one tagged (CONTRIBUTING.md, "Releasing").
//
//   npm run pin-action [-- <commit>]           pin to <commit> (default HEAD) as package.json's version
//   tsx scripts/action-pin.ts verify <tag>     release.yml, on the tag: the pin is this release's action
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const REUSABLE_WORKFLOW = '.github/workflows/sync-secrets.yml'
export const ACTION_REPOSITORY = 'gke-secrets-sync/gke-secrets-sync'
/** What a caller of the action runs: everything else in the repository is not part of the action. */
export const ACTION_PATHS = ['action.yml', 'dist']

export interface ActionPin {
  repository: string
  sha: string
  version: string
}

const PIN_LINE = /^(\s*uses: )([\w.-]+\/[\w.-]+)@(\S+)(.*)$/gm

/** The one `uses:` of this repository's action in the reusable workflow, which must be a SHA with its version. */
export function readActionPin(workflow: string): ActionPin {
  const lines = [...workflow.matchAll(PIN_LINE)].filter(match => match[2] === ACTION_REPOSITORY)
  if (lines.length !== 1) {
    throw new Error(
      `${REUSABLE_WORKFLOW} must run ${ACTION_REPOSITORY} in exactly one step, not ${lines.length}.`
    )
  }
  const [line, , repository, ref, rest] = lines[0] as RegExpMatchArray
  const version = /^ # (v\d+\.\d+\.\d+)$/.exec(rest ?? '')?.[1]
  if (!/^[0-9a-f]{40}$/.test(ref ?? '') || !version) {
    throw new Error(
      `${REUSABLE_WORKFLOW} must pin the action as \`uses: ${ACTION_REPOSITORY}@<full commit SHA> # vX.Y.Z\`, not \`${line.trim()}\`.`
    )
  }
  return { repository: repository as string, sha: ref as string, version }
}

/** The reusable workflow with its action pinned to `sha`, released as `version` (`vX.Y.Z`). */
export function pinAction(workflow: string, sha: string, version: string): string {
  readActionPin(workflow)
  return workflow.replace(PIN_LINE, (line, indent: string, repository: string) =>
    repository === ACTION_REPOSITORY ? `${indent}${ACTION_REPOSITORY}@${sha} # ${version}` : line
  )
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()
}

function succeeds(run: () => unknown): boolean {
  try {
    run()
    return true
  } catch {
    return false
  }
}

/**
 * What is wrong with releasing HEAD of the repository in `cwd` as `tag`: the reusable workflow must pin an
 * ancestor whose action (ACTION_PATHS) is HEAD's, as this version, in this repository. Needs the whole history.
 */
export function pinProblems(cwd: string, tag: string, repository = process.env.GITHUB_REPOSITORY): string[] {
  const problems: string[] = []
  let pin: ActionPin
  try {
    pin = readActionPin(readFileSync(join(cwd, REUSABLE_WORKFLOW), 'utf8'))
  } catch (error) {
    return [(error as Error).message]
  }
  const { version } = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { version: string }
  if (`v${version}` !== tag) problems.push(`package.json says version ${version}, the tag is ${tag}.`)
  if (pin.version !== tag) {
    problems.push(`The reusable workflow pins the action as ${pin.version}, the tag is ${tag}.`)
  }
  if (repository && pin.repository !== repository) {
    problems.push(
      `The reusable workflow runs the action of ${pin.repository}, this repository is ${repository}.`
    )
  }
  if (!succeeds(() => git(cwd, 'cat-file', '-e', `${pin.sha}^{commit}`))) {
    problems.push(`The pinned commit ${pin.sha} is not in this repository's history.`)
    return problems
  }
  if (!succeeds(() => git(cwd, 'merge-base', '--is-ancestor', pin.sha, 'HEAD'))) {
    problems.push(`The pinned commit ${pin.sha} is not an ancestor of the tagged commit.`)
  }
  const differing = git(cwd, 'diff', '--name-only', pin.sha, 'HEAD', '--', ...ACTION_PATHS)
  if (differing) {
    problems.push(
      `The pinned commit ${pin.sha} is not this release's action; these differ: ${differing.split('\n').join(', ')}.`
    )
  }
  return problems
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = fileURLToPath(new URL('..', import.meta.url))
  const [command, argument] = process.argv.slice(2)
  if (command === 'pin') {
    const sha = git(root, 'rev-parse', '--verify', `${argument ?? 'HEAD'}^{commit}`)
    const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }
    const path = join(root, REUSABLE_WORKFLOW)
    writeFileSync(path, pinAction(readFileSync(path, 'utf8'), sha, `v${version}`))
    console.log(
      `${REUSABLE_WORKFLOW} now runs ${ACTION_REPOSITORY}@${sha} # v${version}. Commit it, then tag that commit v${version}.`
    )
  } else if (command === 'verify' && argument) {
    const problems = pinProblems(root, argument)
    for (const problem of problems) console.log(`::error title=Action pin::${problem}`)
    if (problems.length > 0) {
      console.log(
        'CONTRIBUTING.md, "Releasing": pin the release commit with `npm run pin-action`, tag that commit.'
      )
      process.exit(1)
    }
    console.log(`${REUSABLE_WORKFLOW} runs this release's action.`)
  } else {
    console.error('Usage: tsx scripts/action-pin.ts pin [<commit>] | verify <tag>')
    process.exit(2)
  }
}
