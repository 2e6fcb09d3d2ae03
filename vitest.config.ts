import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // Integration and end-to-end tests start HTTPS servers and child processes.
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // A reporter that CI can read: `.ci/run` turns its JSON into the plain `N passed, M failed` line.
    reporters: ['default'],
    server: { deps: { inline: ['@actions/workflow-parser'] } }
  }
})
