import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'node_modules/**', 'test/cluster/**', '.vscode-test/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'always'],
    },
  },
  {
    // Core is shared by the extension, the webview host and the CLI: it must never depend on VS Code.
    files: ['src/core/**/*.ts', 'src/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'src/core and src/cli must not import vscode; put editor code in src/extension, src/commands, src/tree or src/webview.' }],
      }],
    },
  },
  {
    // The wizard page runs in the webview (a browser): it may import its own files, the protocol, the form mapping
    // and core's pure modules (types, plan helpers, kubeconfig names, the credential note check), nothing else:
    // no node:*, no js-yaml, no vscode, no packages. Its TypeScript world is src/webview/page/tsconfig.json.
    files: ['src/webview/page/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{
        regex: '^(?!\\./[\\w/]+$|\\.\\./(protocol|formToRequest)$|\\.\\./\\.\\./core/(types|plan/\\w+|errors|kubeconfig/names|credentials/note)$)',
        message: 'The wizard page may import only page files, ../protocol, ../formToRequest and pure core modules.',
      }] }],
    },
  },
  {
    files: ['src/webview/page/steps/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{
        regex: '^(?!\\.\\./[\\w/]+$|\\.\\./\\.\\./(protocol|formToRequest)$|\\.\\./\\.\\./\\.\\./core/(types|plan/\\w+|errors|kubeconfig/names|credentials/note)$)',
        message: 'A wizard step may import only page files, the protocol, the form mapping and pure core modules.',
      }] }],
    },
  },
  {
    // The two webview modules the page shares with the host: they too stay on core's pure modules.
    files: ['src/webview/protocol.ts', 'src/webview/formToRequest.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [{
        regex: '^(?!\\./(protocol|formToRequest)$|\\.\\./core/(types|errors|plan/\\w+|credentials/note)$)',
        message: 'protocol.ts and formToRequest.ts are bundled into the wizard page: only pure core modules.',
      }] }],
    },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
