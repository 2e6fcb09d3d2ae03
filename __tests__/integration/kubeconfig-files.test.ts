// kubectl's kubeconfig loading rules (client-go clientcmd loader.go) over real files, through client-node's parser.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { stringify as toYaml } from 'yaml'
import { loadKubeconfig } from '../../src/kube/kubeconfig-files.js'

let dir: string
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'kubeconfig-files-'))
})
afterEach(() => rmSync(dir, { recursive: true, force: true }))

interface Spec {
  clusters?: [name: string, server: string, caFile?: string][]
  users?: [name: string, token: string][]
  contexts?: [name: string, cluster: string, user: string][]
  current?: string
}
function file(name: string, spec: Spec | string): string {
  const path = join(dir, name)
  mkdirSync(join(path, '..'), { recursive: true })
  const config =
    typeof spec === 'string'
      ? spec
      : toYaml({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: (spec.clusters ?? []).map(([n, server, caFile]) => ({
            name: n,
            cluster: { server, ...(caFile && { 'certificate-authority': caFile }) }
          })),
          users: (spec.users ?? []).map(([n, token]) => ({ name: n, user: { token } })),
          contexts: (spec.contexts ?? []).map(([n, cluster, user]) => ({
            name: n,
            context: { cluster, user }
          })),
          ...(spec.current && { 'current-context': spec.current })
        })
  writeFileSync(path, config)
  return path
}

describe('KUBECONFIG lists', () => {
  it('keeps the first entry of each name whole, and the first current-context set', () => {
    const a = file('a', { clusters: [['prod', 'https://a.example']], users: [['ci', 'token-a']] })
    const b = file('b', {
      clusters: [
        ['prod', 'https://b.example'],
        ['dev', 'https://dev.example']
      ],
      users: [['ci', 'token-b']],
      contexts: [['main', 'prod', 'ci']],
      current: 'main'
    })
    const c = file('c', { contexts: [['main', 'dev', 'ci']], current: 'other' })
    const { kubeConfig, read } = loadKubeconfig({ from: 'KUBECONFIG', paths: [a, join(dir, 'gone'), b, c] })
    expect(read).toEqual([a, b, c])
    expect(kubeConfig.getCurrentContext()).toBe('main')
    expect(kubeConfig.getCurrentCluster()?.server).toBe('https://a.example')
    expect(kubeConfig.getCurrentUser()?.token).toBe('token-a')
    expect(kubeConfig.getClusters().map(cluster => cluster.name)).toEqual(['prod', 'dev'])
  })

  it('reads an empty file as an empty config, as client-go does', () => {
    const empty = file('empty', '')
    const b = file('b', {
      clusters: [['prod', 'https://b.example']],
      contexts: [['m', 'prod', 'u']],
      current: 'm'
    })
    expect(
      loadKubeconfig({ from: 'KUBECONFIG', paths: [empty, b] }).kubeConfig.getCurrentCluster()?.server
    ).toBe('https://b.example')
  })

  it("resolves relative paths against each file's own folder", () => {
    const a = file('one/a', { clusters: [['x', 'https://x.example', 'ca.pem']] })
    const b = file('two/b', { clusters: [['y', 'https://y.example', '../certs/ca.pem']] })
    const { kubeConfig } = loadKubeconfig({ from: 'KUBECONFIG', paths: [a, b] })
    expect(kubeConfig.getCluster('x')?.caFile).toBe(join(dir, 'one', 'ca.pem'))
    expect(kubeConfig.getCluster('y')?.caFile).toBe(join(dir, 'certs', 'ca.pem'))
  })
})

describe('errors name the files', () => {
  it.each([
    [
      'all KUBECONFIG files missing',
      () => ({ from: 'KUBECONFIG' as const, paths: [join(dir, 'x'), join(dir, 'y')] }),
      () => `None of the files in KUBECONFIG exist: ${join(dir, 'x')}, ${join(dir, 'y')}.`
    ],
    [
      'the input file missing',
      () => ({ from: 'input' as const, path: join(dir, 'x') }),
      () => `Could not read the kubeconfig ${join(dir, 'x')}: the file does not exist.`
    ],
    [
      'no ~/.kube/config',
      () => ({ from: 'home' as const, path: join(dir, '.kube', 'config') }),
      () =>
        `KUBECONFIG is not set and ${join(dir, '.kube', 'config')} (where kubectl looks next) does not exist.`
    ],
    [
      'a file that is not a kubeconfig',
      () => ({ from: 'KUBECONFIG' as const, paths: [file('bad', 'clusters: [{name: x, cluster: {}}]\n')] }),
      () => `Could not read the kubeconfig ${join(dir, 'bad')}: it is not a valid kubeconfig.`
    ]
  ])('%s', (_case, files, message) => {
    expect(() => loadKubeconfig(files())).toThrow(message())
  })

  it('never quotes the content of a file it cannot parse (kubeconfigs hold tokens)', () => {
    const bad = file('bad', 'users:\n- name: u\n  user: {token: "kubeconfig-token-canary"\n')
    expect(() => loadKubeconfig({ from: 'input', path: bad })).toThrow(/not a valid kubeconfig\.$/)
  })
})
