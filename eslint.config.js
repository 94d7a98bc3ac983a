import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';

export default tseslint.config(
  {
    ignores: [
      'node_modules',
      'cdk.out',
      'coverage',
      'dist',
      '.intake',
      'test/artifacts',
      'local/console/public/vendor',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { projectService: false } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Lambda bundles keep only the zod they use: zod/mini through #contracts/zod, as a namespace.
    files: ['lambdas/**/*.ts', 'shared/**/*.ts'],
    ignores: ['shared/contracts/zod.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'zod',
              message: "Use '#contracts/zod' (zod/mini): classic zod adds ~440 KiB to every bundle.",
            },
            { name: 'zod/mini', message: "Use '#contracts/zod': it sets zod's English messages." },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value=/zod(\\.ts)?$/] > ImportSpecifier[imported.name='z']",
          message:
            "Write `import * as z from '#contracts/zod'`: the `z` object keeps all of zod in the bundle.",
        },
      ],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: {
      globals: {
        console: 'readonly',
        process: 'readonly',
        document: 'readonly',
        window: 'readonly',
        fetch: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        URLSearchParams: 'readonly',
        EventSource: 'readonly',
      },
    },
  },
  prettier,
);
