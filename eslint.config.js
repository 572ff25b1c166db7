// @ts-check
/** ESLint: the recommended rules of ESLint and typescript-eslint, tuned to the code as written; formatting is Prettier's. */
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {ignores: ['dist/', 'node_modules/', '.lab/']},
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setImmediate: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        URL: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      // An unused binding is dead code; a leading underscore says "unused on purpose" (a positional parameter).
      '@typescript-eslint/no-unused-vars': [
        'error',
        {argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', caughtErrors: 'none'},
      ],
      // (...args: any[]) is how a callback of any signature is typed (template filters and tests).
      '@typescript-eslint/no-explicit-any': ['error', {ignoreRestArgs: true}],
      // Control characters in patterns are deliberate here: terminal escapes stripped, control bytes refused.
      'no-control-regex': 'off',
      eqeqeq: ['error', 'always'],
      'prefer-const': 'error',
      'no-var': 'error',
    },
  },
  {
    // The engine and the playbook reader are where a reader must find "what happens to one task" in one place.
    files: ['src/engine/**/*.ts', 'src/config/playbook.ts'],
    rules: {'max-lines-per-function': ['error', {max: 50, skipBlankLines: true, skipComments: true}]},
  },
);
