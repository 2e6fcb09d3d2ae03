// The layout rule of CONTRIBUTING.md ("The layout"), held on the real tree: imports in src/ point one way, from
// main.ts down through github/, google/ and kube/ to the core in sync/; no import circle; nothing shipped or
// run for users (src/, scripts/, bench/, kube-double/) imports from __tests__/.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** src/'s folders from the top down: a file may import its own folder or a folder after it, never one before. */
const LAYERS = ['src', 'src/github', 'src/google', 'src/kube', 'src/sync']

/** Packages a folder must not import: the core decides without GitHub, Google or the runner, kube/ likewise. */
const FORBIDDEN_PACKAGES: Record<string, RegExp> = {
  'src/sync': /^(@actions\/|google-auth-library|undici$|node:fs|node:child_process)/,
  'src/kube': /^(@actions\/|google-auth-library)/
}

type Graph = Map<string, { relative: string[]; packages: string[] }>

function sourceFiles(dir: string): string[] {
  const files: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const path = join(d, name)
      if (statSync(path).isDirectory()) walk(path)
      else if (/\.(ts|mts|mjs)$/.test(name)) files.push(relative(root, path))
    }
  }
  walk(join(root, dir))
  return files
}

/** Every static, re-exported, type-only and dynamic import of each file. */
function importGraph(files: string[], read: (file: string) => string): Graph {
  const graph: Graph = new Map()
  for (const file of files) {
    const specifiers = [
      ...read(file).matchAll(
        /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
      )
    ].map(match => (match[1] ?? match[2]) as string)
    graph.set(file, {
      relative: specifiers
        .filter(spec => spec.startsWith('.'))
        .map(spec => relative(root, resolve(root, dirname(file), spec)).replace(/\.js$/, '.ts')),
      packages: specifiers.filter(spec => !spec.startsWith('.'))
    })
  }
  return graph
}

function layerOf(file: string): number {
  return LAYERS.indexOf(dirname(file))
}

/** Every break of the rule, one line each. */
function layoutViolations(graph: Graph): string[] {
  const found: string[] = []
  for (const [file, { relative: targets, packages }] of graph) {
    if (!file.startsWith('src/')) {
      for (const target of targets)
        if (target.startsWith('__tests__/')) found.push(`${file} imports ${target} from the tests`)
      continue
    }
    const from = layerOf(file)
    if (from < 0) found.push(`${file} is in no layer of the rule (${LAYERS.join(', ')})`)
    for (const target of targets) {
      const to = layerOf(target)
      if (target.startsWith('__tests__/')) found.push(`${file} imports ${target} from the tests`)
      else if (to >= 0 && to < from) found.push(`${file} imports ${target}, a layer above it`)
    }
    const forbidden = FORBIDDEN_PACKAGES[dirname(file)]
    for (const name of packages)
      if (forbidden?.test(name)) found.push(`${file} imports ${name}, which ${dirname(file)}/ must not`)
  }
  return [...found, ...importCircles(graph)]
}

function importCircles(graph: Graph): string[] {
  const circles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const target of graph.get(file)?.relative ?? []) {
      if (!graph.has(target)) continue
      if (state.get(target) === 'open')
        circles.push(`circle: ${[...stack.slice(stack.indexOf(target)), target].join(' -> ')}`)
      else if (!state.has(target)) visit(target)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of graph.keys()) if (!state.has(file)) visit(file)
  return circles
}

describe('the layout rule', () => {
  const fake = (files: Record<string, string>): Graph =>
    importGraph(Object.keys(files), file => files[file] ?? '')

  it.each([
    [
      'core importing a client',
      { 'src/sync/plan.ts': "import { x } from '../kube/api.js'" },
      'a layer above it'
    ],
    [
      'kube importing inputs',
      { 'src/kube/a.ts': "import type { S } from '../github/inputs.js'" },
      'a layer above'
    ],
    [
      'core importing the runner',
      { 'src/sync/a.ts': "import * as core from '@actions/core'" },
      '@actions/core'
    ],
    [
      'kube importing Google',
      { 'src/kube/a.ts': "import { X } from 'google-auth-library'" },
      'google-auth-library'
    ],
    [
      'a script importing a test',
      { 'scripts/a.ts': "import { d } from '../__tests__/doubles/x.js'" },
      'from the tests'
    ],
    ['a file outside the layers', { 'src/util/a.ts': '' }, 'in no layer'],
    [
      'a circle',
      { 'src/sync/a.ts': "export { b } from './b.js'", 'src/sync/b.ts': "import('./a.js')" },
      'circle: src/sync/a.ts -> src/sync/b.ts -> src/sync/a.ts'
    ]
  ])('finds %s', (_case, files, expected) => {
    expect(layoutViolations(fake(files)).join('\n')).toContain(expected)
  })

  it('allows imports down the layers and within a folder', () => {
    const graph = fake({
      'src/main.ts': "import { run } from './github/inputs.js'\nimport { s } from './sync/plan.js'",
      'src/github/inputs.ts':
        "import type { T } from '../google/credentials.js'\nimport { k } from '../kube/api.js'",
      'src/kube/api.ts': "import type { P } from '../sync/plan.js'\nimport { e } from './errors.js'",
      'src/sync/plan.ts': "import { V1Secret } from '@kubernetes/client-node'"
    })
    expect(layoutViolations(graph)).toEqual([])
  })

  it('holds for the project', () => {
    const files = ['src', 'scripts', 'bench', 'kube-double'].flatMap(sourceFiles)
    expect(files.length).toBeGreaterThan(40)
    expect(layoutViolations(importGraph(files, file => readFileSync(join(root, file), 'utf8')))).toEqual([])
  })

  it('keeps main.ts a table of contents of a run (at most 100 lines)', () => {
    expect(readFileSync(join(root, 'src/main.ts'), 'utf8').split('\n').length).toBeLessThanOrEqual(100)
  })
})
