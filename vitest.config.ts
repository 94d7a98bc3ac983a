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
      // 2026-12-02 (statements 79.1%, branches 66.7%, functions 81.3%, lines 81.4%); code that runs
      // only in child processes (`intake up`, `npm run smoke`) is not counted. Raise it, never lower it.
      thresholds: { statements: 78.5, branches: 66, functions: 80.5, lines: 80.5 },
    },
  },
});
