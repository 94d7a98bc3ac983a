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
    },
  },
});
