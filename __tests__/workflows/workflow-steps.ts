// What GitHub does with a workflow's steps, for tests that run them: its expression evaluator (the one the workflow
// parser and the language server use) and the runner's way of running a `shell: bash` script.
import { spawnSync, type SpawnSyncReturns } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { data, Evaluator, Lexer, Parser } from '@actions/expressions'

type ContextValue = string | Record<string, string>

function toExpressionData(value: ContextValue): data.ExpressionData {
  if (typeof value === 'string') return new data.StringData(value)
  return new data.Dictionary(
    ...Object.entries(value).map(([key, inner]) => ({ key, value: new data.StringData(inner) }))
  )
}

/** The value of one expression, written with or without `${{ }}`, given the contexts it reads. */
export function evaluateExpression(expression: string, contexts: Record<string, ContextValue>): string {
  const inner = /^\$\{\{(.*)\}\}$/s.exec(expression.trim())?.[1] ?? expression
  const { tokens } = new Lexer(inner).lex()
  const parsed = new Parser(tokens, Object.keys(contexts), []).parse()
  const context = new data.Dictionary(
    ...Object.entries(contexts).map(([key, value]) => ({ key, value: toExpressionData(value) }))
  )
  return new Evaluator(parsed, context).evaluate().coerceString()
}

/**
 * Runs a `run:` script as the runner runs `shell: bash`: written to a file, then `bash --noprofile --norc -eo
 * pipefail {0}` (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#jobsjob_idstepsshell).
 * A file, not `bash -c`: an argument over 128 KiB cannot be passed to a process either.
 */
export function runBashStep(
  script: string,
  env: Record<string, string>,
  cwd: string
): SpawnSyncReturns<string> {
  const dir = mkdtempSync(join(tmpdir(), 'step-'))
  try {
    const file = join(dir, 'step.sh')
    writeFileSync(file, script)
    return spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
      cwd,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
      encoding: 'utf8'
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}
