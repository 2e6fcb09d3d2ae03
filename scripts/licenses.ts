// dist/licenses.txt: the license notices of every third-party package with code in the bundle. Built from what
// webpack actually put into the bundle's chunks (ncc returns webpack's stats), not from package.json: ncc's own
// `--license` list misses packages with these dependencies, and the dependency tree names many that tree shaking
// leaves out. Each package's license files (LICENSE, LICENCE, COPYING, NOTICE, any extension) are copied as they
// are; for a package without one, the License section of its README (where some authors put the notice), else
// the license its package.json declares, each with a note saying so. Sorted by
// name and version, with no path or date in it, so `npm run bundle` writes the same bytes on every machine and
// check-dist can compare it.
import fs from 'node:fs'
import { join, sep } from 'node:path'

/** The parts of webpack's Stats object read here (webpack 5: compilation.chunks and chunkGraph). */
interface WebpackModule {
  resource?: string
  /** A ConcatenatedModule's inner modules. */
  modules?: Iterable<WebpackModule>
}
export interface WebpackStats {
  compilation: {
    chunks: Iterable<unknown>
    chunkGraph: { getChunkModulesIterable(chunk: unknown): Iterable<WebpackModule> }
  }
}

/** The file of every module in a chunk of the bundle, concatenated modules opened up, sorted. */
export function bundledResources(stats: WebpackStats): string[] {
  const resources = new Set<string>()
  const add = (module: WebpackModule): void => {
    if (module.modules) for (const inner of module.modules) add(inner)
    else if (module.resource) resources.add(module.resource.split('?')[0] as string)
  }
  const { chunks, chunkGraph } = stats.compilation
  for (const chunk of chunks) for (const module of chunkGraph.getChunkModulesIterable(chunk)) add(module)
  return [...resources].sort(compare)
}

export interface BundledPackage {
  name: string
  version: string
  /** The package's folder, where its package.json and license files are. */
  dir: string
}

const NODE_MODULES = `${sep}node_modules${sep}`

/** The packages the files belong to (the folder after the last `node_modules`); the project's own are left out. */
export function packagesOf(resources: Iterable<string>): BundledPackage[] {
  const byDir = new Map<string, BundledPackage>()
  for (const resource of resources) {
    const at = resource.lastIndexOf(NODE_MODULES)
    if (at === -1) continue
    const parts = resource.slice(at + NODE_MODULES.length).split(sep)
    const name = (parts[0] as string).startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] as string)
    const dir = resource.slice(0, at + NODE_MODULES.length) + name.split('/').join(sep)
    if (byDir.has(dir)) continue
    const { version } = readPackageJson(dir)
    byDir.set(dir, { name, version: String(version), dir })
  }
  return [...byDir.values()].sort((a, b) => compare(a.name, b.name) || compare(a.version, b.version))
}

const LICENSE_FILE = /^(licen[cs]e|copying|notice)([.\-_].*)?$/i

/** The text of dist/licenses.txt for these packages. */
export function licenseNotices(packages: BundledPackage[]): string {
  const entries = packages.map(({ name, version, dir }) => {
    const declared = declaredLicense(readPackageJson(dir))
    const files = fs
      .readdirSync(dir, { withFileTypes: true })
      .filter(entry => entry.isFile() && LICENSE_FILE.test(entry.name))
      .map(entry => entry.name)
      .sort(compare)
    const texts = files.map(file => `${file}:\n\n${normalized(fs.readFileSync(join(dir, file), 'utf8'))}`)
    const readme = texts.length > 0 ? undefined : readmeLicenseSection(dir)
    const body =
      texts.length > 0
        ? texts.join('\n\n')
        : readme
          ? `The package has no license file; the License section of its ${readme.file}:\n\n${readme.text}`
          : `The package has no license file; its package.json declares the license ${declared}.`
    return `${'='.repeat(80)}\n${name} ${version}\nLicense: ${declared}\n\n${body}\n`
  })
  return [
    'Third-party software in the bundle of gke-secrets-sync (dist/), with the license notices its packages ship.',
    'Written by `npm run bundle` (scripts/licenses.ts) from the modules webpack put into the bundle; do not edit.',
    'gke-secrets-sync itself is under the MIT License (LICENSE).',
    '',
    ...entries
  ].join('\n')
}

/** The section under a `License` heading (`#`-style or underlined) of the package's README, if it has one. */
function readmeLicenseSection(dir: string): { file: string; text: string } | undefined {
  const file = fs
    .readdirSync(dir)
    .filter(name => /^readme(\.[a-z]+)?$/i.test(name))
    .sort(compare)[0]
  if (!file) return undefined
  const lines = normalized(fs.readFileSync(join(dir, file), 'utf8')).split('\n')
  const underline = (index: number): boolean => /^(-{3,}|={3,})$/.test(lines[index + 1] ?? '')
  const isHeading = (index: number): boolean =>
    /^#{1,6}\s/.test(lines[index] as string) || ((lines[index] as string) !== '' && underline(index))
  const start = lines.findIndex(
    (line, index) => isHeading(index) && /^(#{1,6}\s*)?licen[cs]e\s*$/i.test(line)
  )
  if (start === -1) return undefined
  const from = start + (underline(start) ? 2 : 1)
  const next = lines.findIndex((_, index) => index >= from && isHeading(index))
  const text = lines
    .slice(from, next === -1 ? undefined : next)
    // Markdown link definitions (`[rfc]: http://...`) are not part of the notice.
    .filter(line => !/^\[[^\]]+\]:\s/.test(line))
    .join('\n')
    .trim()
  return text ? { file, text } : undefined
}

function readPackageJson(dir: string): Record<string, unknown> {
  return JSON.parse(fs.readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>
}

/** `license` as an SPDX expression, or the older `{type}` and `licenses: [{type}]` forms. */
function declaredLicense(packageJson: Record<string, unknown>): string {
  const typeOf = (value: unknown): string | undefined =>
    typeof value === 'string' ? value : (value as { type?: string } | undefined)?.type
  const license = typeOf(packageJson.license)
  if (license) return license
  const licenses = Array.isArray(packageJson.licenses) ? packageJson.licenses.map(typeOf).filter(Boolean) : []
  return licenses.length > 0 ? `(${licenses.join(' OR ')})` : 'none declared'
}

/** Unix line ends, no trailing spaces, no blank lines around. */
function normalized(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .map(line => line.trimEnd())
    .join('\n')
    .trim()
}

/** By UTF-16 code units: the same order on every machine, whatever its locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
