import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    coverage: {
      provider: 'v8',
      reporter: ['text-summary', 'json-summary'],
      include: [
        'lambdas/**/*.ts',
        'local/**/*.ts',
        'containers/**/src/**/*.ts',
        'lib/**/*.ts',
        'bin/**/*.ts',
      ],
      exclude: ['**/*.d.ts'],
      // The floor: `npm test` (and so CI) fails below it. Set just under the whole suite's figures on
      // 2026-12-03 (statements 77.98%, branches 66.47%, functions 80.40%, lines 80.29%). Code that runs
      // only in child processes (`intake up`, the CLI, the conformance suites' runtime process, `npm run
      // smoke`) counts as uncovered, which is why these sit below the 2026-12-01 figures (83.7% statements)
      // although no test was removed. Raise it, never lower it.
      thresholds: { statements: 77.5, branches: 66, functions: 80, lines: 80 },
    },
  },
});
