import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    setupFiles: ['test/helpers/temp-dirs-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'json-summary'],
      include: [
        'lambdas/**/*.ts',
        'shared/**/*.ts',
        'local/**/*.ts',
        'containers/**/src/**/*.ts',
        'lib/**/*.ts',
        'bin/**/*.ts',
      ],
      exclude: ['**/*.d.ts'],
      // The floor: `npm test` (and so CI) fails below it. Set just under the whole suite's figures on
      // 2026-12-03 (statements 84.62%, branches 73.17%, functions 86.11%, lines 86.84%), above those of
      // 2026-12-01. Code that runs only in child processes (`intake up`, the CLI, the conformance
      // suites that SIGKILL their runtime, `npm run smoke`) counts as uncovered. Raise it, never lower it.
      thresholds: { statements: 84, branches: 72.5, functions: 85.5, lines: 86 },
    },
  },
});
