import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import prettier from 'eslint-config-prettier';
import { builtinRules } from 'eslint/use-at-your-own-risk';

// Import style (import-style.sh): every specifier that names a file ends in its extension; code outside
// shared/ and local/ reaches them through the package.json "#aliases", code inside imports relatively.
const importPattern = (regex, message) => ({ regex, caseSensitive: true, message });
const IMPORT_STYLE = [
  importPattern(
    '^\\.{1,2}/(?!.*\\.(?:ts|js|mjs|cjs|json)$)',
    "Name the file with its extension: './ports.ts'.",
  ),
  importPattern('^#(?!.*\\.(?:ts|json)$)', "Name the file with its extension: '#contracts/grants.ts'."),
  importPattern(
    '^(?:\\.\\./)+(?:lambdas/)?shared/',
    "Outside shared/, import it through its alias: '#contracts/…', '#domain/…'.",
  ),
  importPattern('^(?:\\.\\./)+local/', "Outside local/, import it through '#local/…'."),
  importPattern('^#test/', 'Import test helpers relatively.'),
];
const importStyle = (...own) => ['error', { patterns: [...IMPORT_STYLE, ...own] }];

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
              message: "Use '#contracts/zod.ts' (zod/mini): classic zod adds ~440 KiB to every bundle.",
            },
            { name: 'zod/mini', message: "Use '#contracts/zod.ts': it sets zod's English messages." },
          ],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "ImportDeclaration[source.value=/zod(\\.ts)?$/] > ImportSpecifier[imported.name='z']",
          message:
            "Write `import * as z from '#contracts/zod.ts'`: the `z` object keeps all of zod in the bundle.",
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
  {
    plugins: { style: { rules: { imports: builtinRules.get('no-restricted-imports') } } },
  },
  { files: ['**/*.ts'], rules: { 'style/imports': importStyle() } },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'style/imports': importStyle(
        importPattern(
          '^#(?:adapters|contracts|domain|runtime|shared|workflow)/',
          'Inside shared/, import relatively.',
        ),
      ),
    },
  },
  {
    files: ['local/**/*.ts'],
    rules: {
      'style/imports': importStyle(importPattern('^#(?:local)/', 'Inside local/, import relatively.')),
    },
  },
  prettier,
);
