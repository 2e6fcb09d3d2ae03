// Which kubeconfig files the action reads, and how several are merged, as kubectl decides it: client-go's
// clientcmd.ClientConfigLoadingRules (tools/clientcmd/loader.go, NewDefaultClientConfigLoadingRules and Load).
// - An explicit file (kubectl --kubeconfig; here the `kubeconfig` input) is the only file read, and must exist.
// - Else every file in KUBECONFIG (`:`-separated, `;` on Windows; empty entries and repeats dropped), missing ones skipped, merged
//   so that the first file to define a cluster, user or context by name wins (the whole entry: nothing of a
//   later file's entry of the same name is kept), and the first non-empty current-context wins.
// - Else ~/.kube/config, where helm/kind-action and `gcloud container clusters get-credentials` write.
// Relative paths inside each file (certificate-authority, client-certificate, ...) are resolved against that
// file's folder, as client-go's ResolveLocalPaths does.
// client-node's KubeConfig.loadFromDefault is not used: it throws on a missing KUBECONFIG file, lets a later file's
// current-context win, and throws on a name that two files define.
import { KubeConfig } from '@kubernetes/client-node'
import { readFileSync } from 'node:fs'
import { delimiter, dirname, join } from 'node:path'

/** The files to read, and why these. */
export type KubeconfigFiles =
  { from: 'input'; path: string } | { from: 'KUBECONFIG'; paths: string[] } | { from: 'home'; path: string }

/**
 * kubectl's choice of files. `~` in the input is expanded, because no shell stands between a workflow's `with:`
 * and the action to do it. KUBECONFIG is taken as given: the shell that set it expanded it already.
 */
export function kubeconfigFiles(
  input: string,
  kubeconfigEnv: string | undefined,
  home: string
): KubeconfigFiles {
  if (input) return { from: 'input', path: expandHome(input, home) }
  // filepath.SplitList: `:` on Linux and macOS, `;` on Windows runners.
  if (kubeconfigEnv) {
    return { from: 'KUBECONFIG', paths: [...new Set(kubeconfigEnv.split(delimiter).filter(Boolean))] }
  }
  return { from: 'home', path: join(home, '.kube', 'config') }
}

export function expandHome(path: string, home: string): string {
  if (path === '~') return home
  if (path.startsWith('~/')) return join(home, path.slice(2))
  return path
}

/** Where the error messages say the file(s) came from. */
export function describeFiles(files: KubeconfigFiles): string {
  switch (files.from) {
    case 'input':
      return `the \`kubeconfig\` input (${files.path})`
    case 'KUBECONFIG':
      return `KUBECONFIG (${files.paths.join(':')})`
    case 'home':
      return `the default kubeconfig ${files.path}`
  }
}

export class KubeconfigError extends Error {
  override name = 'KubeconfigError'
}

export interface LoadedKubeconfig {
  kubeConfig: KubeConfig
  /** The files that were read, in order (missing KUBECONFIG entries left out). */
  read: string[]
}

export function loadKubeconfig(files: KubeconfigFiles): LoadedKubeconfig {
  if (files.from !== 'KUBECONFIG') {
    const single = readKubeconfig(files.path)
    if (single) return { kubeConfig: single, read: [files.path] }
    if (files.from === 'input') {
      throw new KubeconfigError(
        `Could not read the kubeconfig ${files.path}: the file does not exist. Check the \`kubeconfig\` input.`
      )
    }
    throw new KubeconfigError(
      `No cluster to connect to: set \`cluster_name\` (with \`location\`, \`project_id\` and \`workload_identity_provider\`) for GKE, or \`kubeconfig\` to a kubeconfig file. KUBECONFIG is not set and ${files.path} (where kubectl looks next) does not exist.`
    )
  }
  const loaded = files.paths.flatMap(path => {
    const config = readKubeconfig(path)
    return config ? [{ path, config }] : []
  })
  if (loaded.length === 0) {
    throw new KubeconfigError(
      `None of the files in KUBECONFIG exist: ${files.paths.join(', ')}. Check the step that set KUBECONFIG, or set the \`kubeconfig\` input.`
    )
  }
  return { kubeConfig: mergeKubeconfigs(loaded.map(l => l.config)), read: loaded.map(l => l.path) }
}

/** One file, its relative paths made absolute; undefined when it does not exist. */
function readKubeconfig(path: string): KubeConfig | undefined {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw new KubeconfigError(
      `Could not read the kubeconfig ${path}: ${(error as NodeJS.ErrnoException).code ?? 'read error'}.`
    )
  }
  const kubeConfig = new KubeConfig()
  // client-go reads an empty file as an empty config; client-node cannot parse it.
  if (text.trim() === '') return kubeConfig
  try {
    kubeConfig.loadFromString(text)
    kubeConfig.makePathsAbsolute(dirname(path))
  } catch {
    // The parser's message may quote the file, and a kubeconfig holds tokens and keys: name the file only.
    throw new KubeconfigError(`Could not read the kubeconfig ${path}: it is not a valid kubeconfig.`)
  }
  return kubeConfig
}

/** client-go's merge: for each name, the first file's entry wins whole; the first current-context set wins. */
export function mergeKubeconfigs(configs: KubeConfig[]): KubeConfig {
  const firstByName = <T extends { name: string }>(lists: T[][]): T[] => {
    const byName = new Map<string, T>()
    for (const entry of lists.flat()) if (!byName.has(entry.name)) byName.set(entry.name, entry)
    return [...byName.values()]
  }
  const merged = new KubeConfig()
  merged.loadFromOptions({
    clusters: firstByName(configs.map(c => c.getClusters())),
    users: firstByName(configs.map(c => c.getUsers())),
    contexts: firstByName(configs.map(c => c.getContexts())),
    currentContext: configs.map(c => c.getCurrentContext()).find(Boolean)
  })
  return merged
}
