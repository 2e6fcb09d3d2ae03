// `npm run bundle`: builds dist/ with ncc's Node API, as `ncc build src/index.ts -o dist -m` would, plus the one
// thing ncc has no option for: @kubernetes/client-node 2 declares no `sideEffects`, so webpack must keep every
// module that client-node's index re-exports (67 generated API groups, watch, exec, port-forward, ...), though
// the action uses a handful. webpack reads `sideEffects` from each package's package.json
// (https://webpack.js.org/guides/tree-shaking/#mark-the-file-as-side-effect-free); this script shows webpack a
// package.json for client-node that marks its one side-effect module, `dist/polyfill.js`, and changes nothing
// on disk. Every assumption it relies on is checked here, so a dependency upgrade that breaks one fails the
// build instead of silently shipping a large bundle; __tests__/unit/bundle.test.ts checks them again. Beside the
// bundle it writes dist/licenses.txt, the notices of the packages webpack put into it (scripts/licenses.ts).
//
// Why not a patched copy of node_modules: webpack names modules by their path, so a copy elsewhere changes the
// output, and a copy in place (or patch-package) changes node_modules for everything else that uses it.
import fs from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { findTopLevelAwait, modulesWithSideEffects } from './bundle-checks.js'
import { escapeNonAscii, parenthesizeModuleFunctions } from './bundle-transforms.js'
import { bundledResources, licenseNotices, packagesOf, type WebpackStats } from './licenses.js'

const root = fileURLToPath(new URL('..', import.meta.url))
const require = createRequire(import.meta.url)

/**
 * `sideEffects` shown to webpack for packages that declare none, each with the reason. `valuesOnly` names the
 * modules whose load-time statements only compute the values they export (webpack may drop such a module when
 * nothing imports those values, and keeps it whole when something does).
 */
export const PACKAGE_OVERRIDES: Record<string, { sideEffects: string[]; valuesOnly?: string[] }> = {
  // client-node's index imports './polyfill.js' for its effect (a `File` global for undici on Node 18); no other
  // module of it has one (checked below).
  '@kubernetes/client-node': { sideEffects: ['./dist/polyfill.js'] },
  // The action uses only `context` (lib/context.js, no load-time statement). lib/github.js builds `context`
  // (`new Context()`: reads GITHUB_* variables and the event file); lib/utils.js builds the Octokit class and
  // its defaults for `getOctokit`, which the action never calls, so it and Octokit are left out.
  '@actions/github': { sideEffects: [], valuesOnly: ['./lib/github.js', './lib/utils.js'] }
}

/** The package.json that webpack reads for src/'s imports of a package (its `exports` may not export it). */
export function packageJsonOf(name: string): string {
  const path = join(root, 'node_modules', name, 'package.json')
  if (!fs.existsSync(path)) throw new Error(`${name} is not installed in node_modules`)
  // webpack reads the real path (a symlinked node_modules, as in bench/baseline.ts's worktree, resolves away).
  return fs.realpathSync(path)
}

/** The license notices of the bundle's third-party packages, beside it in dist/ (scripts/licenses.ts). */
export const LICENSES_FILE = 'licenses.txt'

/** dist/ may not grow past this: the bundle's size is most of the action's start-up time. */
export const DIST_BUDGET_BYTES = 5 * 1024 * 1024

export interface NccOutput {
  code: string
  assets: Record<string, { source: string | Buffer; permissions?: number }>
  /** webpack's Stats of the compilation: which modules went into the bundle (scripts/licenses.ts). */
  stats: WebpackStats
}
type Ncc = (entry: string, options: Record<string, unknown>) => Promise<NccOutput>

/** ncc's build of src/index.ts with the package overrides, in memory. */
export async function compile({ minify = true } = {}): Promise<NccOutput> {
  const overrides = Object.entries(PACKAGE_OVERRIDES).map(([name, fields]) => {
    const path = packageJsonOf(name)
    const declared = JSON.parse(fs.readFileSync(path, 'utf8')) as Record<string, unknown>
    if ('sideEffects' in declared) {
      throw new Error(
        `${name} now declares sideEffects (${JSON.stringify(declared.sideEffects)}) itself; remove its entry from PACKAGE_OVERRIDES in scripts/bundle.ts.`
      )
    }
    // The override is only true while these are the package's only modules with a load-time effect.
    const withEffects = Object.keys(modulesWithSideEffects(dirname(path))).map(file => `./${file}`)
    const expected = [...fields.sideEffects, ...(fields.valuesOnly ?? [])].toSorted()
    if (withEffects.join() !== expected.join()) {
      throw new Error(
        `The modules of ${name} with load-time statements are now ${withEffects.join(', ') || 'none'}, not ${expected.join(', ')}: revisit its sideEffects override in scripts/bundle.ts (see sideEffectStatements in scripts/bundle-checks.ts).`
      )
    }
    return { path, json: JSON.stringify({ ...declared, sideEffects: fields.sideEffects }), reads: 0 }
  })

  // webpack reads package.json files through fs.readFile (enhanced-resolve's CachedInputFileSystem over
  // graceful-fs); ncc loads after this, so its graceful-fs wraps this function.
  const readFile = fs.readFile
  fs.readFile = function (this: unknown, ...args: unknown[]) {
    const override = overrides.find(({ path }) => args[0] === path)
    const callback = args.at(-1)
    if (override && typeof callback === 'function') {
      override.reads++
      const encoding = typeof args[1] === 'string' ? args[1] : (args[1] as { encoding?: string })?.encoding
      const data = encoding ? override.json : Buffer.from(override.json)
      process.nextTick(() => (callback as (error: null, data: unknown) => void)(null, data))
      return
    }
    return (readFile as (...a: unknown[]) => void).apply(this, args)
  } as typeof fs.readFile

  let output: NccOutput
  try {
    const ncc = require('@vercel/ncc') as Ncc
    output = await ncc(join(root, 'src/index.ts'), {
      minify,
      // ncc's cache would hand back resolutions made without the override.
      cache: false,
      quiet: true
    })
  } finally {
    fs.readFile = readFile
  }
  for (const { path, reads } of overrides) {
    if (reads === 0) {
      throw new Error(
        `ncc did not read ${relative(root, path)} through fs.readFile, so its override did not apply; scripts/bundle.ts needs another way to show webpack the override.`
      )
    }
  }
  return output
}

/** `outDir` and `minify` other than the defaults are for looking into the bundle (`--out`, `--no-minify`). */
export async function bundle(outDir = join(root, 'dist'), { minify = true } = {}): Promise<void> {
  const output = await compile({ minify })
  const awaitAt = findTopLevelAwait(output.code)
  if (awaitAt !== undefined) {
    throw new Error(
      `dist/index.js has a top-level await (at offset ${awaitAt}): webpack then makes the module async and cannot concatenate modules. Call run() without awaiting it in src/index.ts.`
    )
  }

  // What ncc's CLI does with the result: remove the old chunks, then write the entry and the assets (the
  // chunk files of dynamic imports and a package.json that makes dist/ ESM).
  fs.mkdirSync(outDir, { recursive: true })
  for (const name of fs.readdirSync(outDir)) {
    if (/\.(c|m)?js$/.test(name)) fs.rmSync(join(outDir, name))
  }
  // Then two rewrites for V8's sake (scripts/bundle-transforms.ts): the module functions in parentheses, so
  // that V8 parses each once, and ASCII only, so that V8 keeps the source one byte per character.
  fs.writeFileSync(join(outDir, 'index.js'), escapeNonAscii(parenthesizeModuleFunctions(output.code).code))
  for (const [name, asset] of Object.entries(output.assets)) {
    fs.mkdirSync(dirname(join(outDir, name)), { recursive: true })
    const source = name.endsWith('.js') ? escapeNonAscii(asset.source.toString()) : asset.source
    fs.writeFileSync(join(outDir, name), source, { mode: asset.permissions })
  }
  fs.writeFileSync(join(outDir, LICENSES_FILE), licenseNotices(packagesOf(bundledResources(output.stats))))

  const size = dirBytes(outDir)
  if (minify && size > DIST_BUDGET_BYTES) {
    throw new Error(
      `dist/ is ${(size / 2 ** 20).toFixed(2)} MiB, over its ${DIST_BUDGET_BYTES / 2 ** 20} MiB budget: a dependency (or a new import of one) brought in more code. \`npm run bench\` shows which package.`
    )
  }
  console.log(`dist/: ${(size / 2 ** 20).toFixed(2)} MiB`)
}

function dirBytes(dir: string): number {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .reduce(
      (sum, entry) =>
        sum +
        (entry.isDirectory() ? dirBytes(join(dir, entry.name)) : fs.statSync(join(dir, entry.name)).size),
      0
    )
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const outIndex = process.argv.indexOf('--out')
  const outDir = outIndex > 0 ? process.argv[outIndex + 1] : undefined
  await bundle(outDir, { minify: !process.argv.includes('--no-minify') })
}
