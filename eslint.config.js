// ESLint flat config: typescript-eslint's recommended rules, plus the project's conventions.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  {
    files: ['cmd/**', 'test/bench/**', 'test/support/**/cli.ts', 'examples/**', 'scripts/**'],
    rules: { 'no-console': 'off' },
  },
);
