import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // generated folders (the .gitignore'd ones: builds, bench work trees, test artifacts) are never linted
  { ignores: ['dist/**', 'node_modules/**', 'test/fixtures/**', 'coverage/**', '**/*.cjs', 'registry-data/**', 'bench/.work/**', '.mdlibs-out/**', '.mdlibs-data/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-control-regex': 'off',
    },
  },
);
