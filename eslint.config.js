// @ts-check
/**
 * ESLint (flat config) with typescript-eslint's recommended rules, run in CI by `npm run lint`.
 * The layer order is checked by dependency-cruiser (.dependency-cruiser.cjs), formatting by Prettier.
 */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'data/**', 'dashboard/web/dist/**', 'test-artifacts/**', 'bench/results/**', 'automation/nodes/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { ecmaVersion: 2023, sourceType: 'module' },
    rules: {
      // `_`-prefixed parameters and variables are deliberately unused (hook signatures, destructuring).
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Swallowed errors are refused by review and by the "failures are routed" rule; an empty catch must say why.
      'no-empty': ['error', { allowEmptyCatch: false }],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  {
    // Every error a caller can see has a stable catalogue code (issue #14): server code throws
    // createError(code, …), never a bare Error. The dashboard (browser code and its build scripts),
    // benchmarks, tools and tests are exempt.
    files: ['**/*.ts'],
    ignores: ['dashboard/web/**', 'bench/**', 'tools/**', 'test/**', '**/*.test.ts', '**/test-support/**', 'lib/errors.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "NewExpression[callee.name='Error']", message: 'Use createError(code, …) from lib/errors.ts' }],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'store/embedded/worker.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        module: 'writable',
        require: 'readonly',
      },
    },
  },
  {
    // the worker hands PGlite a gzip dump as a Blob (a Node global since 18)
    files: ['store/embedded/worker.mjs'],
    languageOptions: { globals: { Blob: 'readonly' } },
  },
);
