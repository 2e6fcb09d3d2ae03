// The bundle of another git ref, built the way that ref builds it, so that one run of the benchmark shows this
// checkout's bundle next to it: a temporary `git worktree` of the ref, its own `npm run bundle`, removed after.
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface Build {
  label: string
  distDir: string
  entry: string
}

const git = (cwd: string, ...args: string[]): string =>
  execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim()

const refExists = (cwd: string, ref: string): boolean =>
  spawnSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd }).status === 0

/** The previous release (the newest `v*` tag reachable from HEAD), else origin/main, else main. */
export function defaultBaselineRef(repo: string): string {
  const tag = spawnSync('git', ['describe', '--tags', '--abbrev=0', '--match', 'v[0-9]*', 'HEAD'], {
    cwd: repo,
    encoding: 'utf8'
  })
  if (tag.status === 0 && tag.stdout.trim()) return tag.stdout.trim()
  const ref = ['origin/main', 'main'].find(candidate => refExists(repo, candidate))
  if (!ref) throw new Error('no baseline: no v* tag, origin/main or main; pass --baseline <ref>')
  return ref
}

/**
 * Checks `ref` out into a temporary worktree and runs its `npm run bundle`. Its node_modules is this
 * checkout's when this checkout declares every dependency the ref declares, with the same version range (an
 * install would only repeat it); otherwise the ref gets its own `npm ci`.
 */
export function buildBaseline(
  repo: string,
  ref: string,
  log: (line: string) => void
): Build & { remove(): void } {
  if (!refExists(repo, ref)) throw new Error(`--baseline ${ref}: no such commit`)
  const commit = git(repo, 'rev-parse', '--short', `${ref}^{commit}`)
  const dir = mkdtempSync(join(tmpdir(), 'gke-secrets-sync-baseline-'))
  const worktree = join(dir, 'src')
  git(repo, 'worktree', 'add', '--detach', worktree, commit)
  const remove = (): void => {
    spawnSync('git', ['worktree', 'remove', '--force', worktree], { cwd: repo })
    rmSync(dir, { recursive: true, force: true })
  }
  try {
    if (declaresSubset(join(worktree, 'package.json'), join(repo, 'package.json'))) {
      symlinkSync(join(repo, 'node_modules'), join(worktree, 'node_modules'), 'dir')
    } else {
      log(`baseline ${ref} (${commit}): npm ci (it declares dependencies this checkout does not have)`)
      run(worktree, ['ci', '--no-audit', '--no-fund'])
    }
    log(`baseline ${ref} (${commit}): npm run bundle`)
    run(worktree, ['run', 'bundle'])
    const distDir = join(worktree, 'dist')
    return { label: `${ref} (${commit})`, distDir, entry: join(distDir, 'index.js'), remove }
  } catch (error) {
    remove()
    throw error
  }
}

/** Every dependency `refPackage` declares is declared by `ourPackage` with the same range. */
function declaresSubset(refPackage: string, ourPackage: string): boolean {
  type Manifest = { dependencies?: Record<string, string>; devDependencies?: Record<string, string> }
  const declared = (path: string): Record<string, string> => {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as Manifest
    return { ...manifest.dependencies, ...manifest.devDependencies }
  }
  const ours = declared(ourPackage)
  return Object.entries(declared(refPackage)).every(([name, range]) => ours[name] === range)
}

function run(cwd: string, npmArgs: string[]): void {
  const result = spawnSync('npm', npmArgs, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  if (result.status !== 0) {
    throw new Error(`npm ${npmArgs.join(' ')} failed in ${cwd}:\n${result.stderr.slice(-2000)}`)
  }
}
