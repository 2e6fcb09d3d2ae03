// How big dist/ is and which packages make up dist/index.js, without bundling again: ncc (webpack) leaves a
// `;// CONCATENATED MODULE: ./node_modules/<pkg>/...` comment before each ES module it inlines, and an
// `// EXTERNAL MODULE: ./node_modules/<pkg>/... \n var x = __nccwpck_require__(<id>)` pair naming the
// CommonJS module behind an id. CommonJS modules that only other CommonJS modules require carry no path;
// those are charged to the package that requires them (marked as inferred), since that is what brought them in.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

export interface PackageShare {
  name: string
  bytes: number
  /** Some of the bytes came from path-less CommonJS modules charged to the package requiring them. */
  inferred: boolean
}

export interface DistSize {
  totalBytes: number
  fileCount: number
  indexBytes: number
  /** Largest first; 'this action (src/)', 'webpack runtime' and 'unattributed' appear as names too. */
  shares: PackageShare[]
}

const SRC = 'this action (src/)'
const RUNTIME = 'webpack runtime'
const UNATTRIBUTED = 'unattributed'

export function measureDist(distDir: string): DistSize {
  const files = filesUnder(distDir)
  const index = readFileSync(join(distDir, 'index.js'), 'utf8')
  return {
    totalBytes: files.reduce((sum, file) => sum + statSync(file).size, 0),
    fileCount: files.length,
    indexBytes: Buffer.byteLength(index, 'utf8'),
    shares: attributeBundle(index)
  }
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
    const path = join(dir, entry.name)
    return entry.isDirectory() ? filesUnder(path) : [path]
  })
}

/**
 * `./node_modules/@kubernetes/client-node/node_modules/undici/index.js` -> `undici (copy under
 * @kubernetes/client-node)`: a nested copy is a second copy of the package in the bundle, worth seeing.
 */
export function packageOf(modulePath: string): string {
  if (modulePath.startsWith('./src/')) return SRC
  const nameAt = (rest: string): string => {
    const parts = rest.split('/')
    return (parts[0]?.startsWith('@') ? parts.slice(0, 2) : parts.slice(0, 1)).join('/')
  }
  const levels = modulePath.split('node_modules/').slice(1).map(nameAt)
  const own = levels.at(-1) ?? UNATTRIBUTED
  return levels.length > 1 ? `${own} (copy under ${levels.slice(0, -1).join(' > ')})` : own
}

/** Bytes of dist/index.js per package, largest first. */
export function attributeBundle(bundle: string): PackageShare[] {
  const bytesByOwner = new Map<string, number>()
  /** Module id -> package, from EXTERNAL MODULE comments. */
  const packageById = new Map<string, string>()
  /** Path-less module id -> the owners of the code that requires it. */
  const requirersById = new Map<string, Set<string>>()

  let moduleId: string | undefined
  let concatenatedOwner: string | undefined
  let externalPackage: string | undefined
  const add = (owner: string, bytes: number): void => {
    bytesByOwner.set(owner, (bytesByOwner.get(owner) ?? 0) + bytes)
  }

  const lines = bundle.split('\n')
  for (const [index, line] of lines.entries()) {
    const bytes = Buffer.byteLength(line, 'utf8') + (index < lines.length - 1 ? 1 : 0)
    const moduleStart = /^\/\*\*\*\/ (\d+):$/.exec(line)
    if (moduleStart) {
      moduleId = moduleStart[1]
      concatenatedOwner = undefined
    }
    const concatenated = /^;\/\/ CONCATENATED MODULE: (\.\/\S+)/.exec(line)
    if (concatenated) concatenatedOwner = packageOf(concatenated[1] as string)

    const owner = line.startsWith('/******/')
      ? RUNTIME
      : (concatenatedOwner ?? (moduleId !== undefined ? `#${moduleId}` : RUNTIME))
    add(owner, bytes)

    // The require that follows an EXTERNAL MODULE comment names the id of that path.
    const required = [...line.matchAll(/__nccwpck_require__\((\d+)\)/g)].map(match => match[1] as string)
    if (externalPackage && required[0] !== undefined) packageById.set(required[0], externalPackage)
    const external = /^\/\/ EXTERNAL MODULE: (\.\/node_modules\/\S+)/.exec(line)
    externalPackage = external ? packageOf(external[1] as string) : undefined
    for (const id of required) {
      if (!requirersById.has(id)) requirersById.set(id, new Set())
      requirersById.get(id)?.add(owner)
    }
  }
  return sharesByPackage(bytesByOwner, packageById, requirersById)
}

/** Resolves every `#id` owner to a package: by its EXTERNAL MODULE path, else by whoever requires it. */
function sharesByPackage(
  bytesByOwner: Map<string, number>,
  packageById: Map<string, string>,
  requirersById: Map<string, Set<string>>
): PackageShare[] {
  const resolved = new Map<string, { name: string; inferred: boolean }>()
  const resolve = (owner: string, seen: Set<string>): { name: string; inferred: boolean } => {
    if (!owner.startsWith('#')) return { name: owner, inferred: false }
    const known = resolved.get(owner)
    if (known) return known
    const id = owner.slice(1)
    const direct = packageById.get(id)
    if (direct) return { name: direct, inferred: false }
    if (seen.has(owner)) return { name: UNATTRIBUTED, inferred: false }
    seen.add(owner)
    // The first requirer that resolves wins; a module shared by several packages is charged to one of them.
    for (const requirer of requirersById.get(id) ?? []) {
      const via = resolve(requirer, seen)
      if (via.name !== UNATTRIBUTED && via.name !== RUNTIME && via.name !== SRC) {
        const result = { name: via.name, inferred: true }
        resolved.set(owner, result)
        return result
      }
    }
    return { name: UNATTRIBUTED, inferred: false }
  }

  const shares = new Map<string, PackageShare>()
  for (const [owner, bytes] of bytesByOwner) {
    const { name, inferred } = resolve(owner, new Set())
    const share = shares.get(name) ?? { name, bytes: 0, inferred: false }
    share.bytes += bytes
    share.inferred ||= inferred
    shares.set(name, share)
  }
  return [...shares.values()].sort((a, b) => b.bytes - a.bytes)
}
