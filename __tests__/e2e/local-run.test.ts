// `npm run local` with no configuration: the action from src/ runs through @github/local-action against the
// Kubernetes test double with the values of .env.example, and prints the job summary and outputs.
import { execFile } from 'node:child_process'
import { describe, expect, it } from 'vitest'

describe('npm run local', () => {
  it('syncs the .env.example sample secrets into the double and prints the summary and outputs', async () => {
    const { code, output } = await new Promise<{ code: number; output: string }>(resolve => {
      // --double: use the test double even if a developer has a .env here.
      execFile(
        'npx',
        ['tsx', 'scripts/local-run.ts', '--double'],
        { timeout: 90_000 },
        (error, stdout, stderr) =>
          resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr })
      )
    })
    expect(code, output).toBe(0)
    expect(output).toContain('uses the values of .env.example against the Kubernetes test double')
    expect(output).toContain(
      '| `DAGSTER_SECRET_SLACK_BOT_OAUTH_TOKEN` | `dagster-secret-slack-bot-oauth-token` | created |'
    )
    expect(output).toContain('2 input secrets without the prefix were ignored.')
    expect(output).toContain('dagster-secret-warehouse-password: keys DAGSTER_SECRET_WAREHOUSE_PASSWORD')
    expect(output).toMatch(
      /'created'\s*│\s*'\["dagster-secret-gcs-hmac-secret","dagster-secret-slack-bot-oauth-token","dagster-secret-warehouse-password"\]'/
    )
  }, 100_000)
})
