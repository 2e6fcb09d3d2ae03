// The tests Stryker runs against each mutant: the unit tests, and the integration tests written for the core's
// decisions (sync.ts and namespace-sync.ts against the Kubernetes double). The other integration tests hold the
// doubles and the clients; end-to-end tests run dist/index.js, which Stryker does not mutate. A mutant of
// module-level code (a regex constant) runs every test here, so this list is what keeps the run short.
import { defineConfig } from 'vitest/config'
import base from './vitest.config.js'

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [
      '__tests__/unit/**/*.test.ts',
      '__tests__/integration/namespace-sync.test.ts',
      '__tests__/integration/sync.test.ts',
      '__tests__/integration/sync-stop.test.ts',
      '__tests__/integration/sync-audit.test.ts'
    ]
  }
})
