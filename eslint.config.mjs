import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One no-restricted-imports block per editor-side folder: which sibling folders of src/ it must not import. */
function layerBlocks(layers) {
  return layers.map(({ layer, forbidden }) => ({
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: forbidden.map((folder) => ({
            // A relative import that climbs out to src/<folder> (e.g. '../commands/deps', '../../commands/x').
            regex: `^(\\.\\./)+${folder}(/|$)`,
            message: `src/${layer} must not import src/${folder}: imports run one way (README, Development).`,
          })),
        },
      ],
    },
  }));
}

/**
 * No index files under src/ (README, Development: one import style, every import names the file it uses). Reports a
 * file named index.* and an import or re-export that names a folder ('.', '..', './x/index') instead of a file.
 */
const noIndexFiles = {
  meta: {
    type: 'problem',
    schema: [],
    messages: {
      file: 'No index files under src/: name the module for what it holds and import it by that name.',
      folderImport: "Import the file itself, not a folder or its index ('{{source}}').",
    },
  },
  create(context) {
    const check = (source) => {
      if (
        source &&
        typeof source.value === 'string' &&
        /^\.{1,2}(\/\.\.)*\/?$|\/index(\.[cm]?[jt]s)?$/.test(source.value)
      ) {
        context.report({ node: source, messageId: 'folderImport', data: { source: source.value } });
      }
    };
    return {
      Program(node) {
        if (/(^|[\\/])index\.[cm]?[jt]sx?$/.test(context.filename)) context.report({ node, messageId: 'file' });
      },
      ImportDeclaration: (node) => check(node.source),
      ExportAllDeclaration: (node) => check(node.source),
      ExportNamedDeclaration: (node) => check(node.source),
      ImportExpression: (node) => check(node.source),
    };
  },
};

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
      'no-restricted-imports': [
        'error',
        {
          paths: [
            {
              name: 'vscode',
              message:
                'src/core and src/cli must not import vscode; put editor code in src/extension, src/commands, ' +
                'src/tree or src/webview.',
            },
          ],
        },
      ],
    },
  },
  // The editor side's imports run one way: services ← editor ← integrations ← tree ← webview host ← commands
  // ← extension.ts (which wires them). Commands may use everything below them (tree node types too); nothing below
  // imports commands. Shared editor actions (Save as, Merge) are functions in src/editor that commands and the
  // wizard host both call.
  ...layerBlocks([
    { layer: 'services', forbidden: ['commands', 'webview', 'tree', 'integrations', 'editor'] },
    { layer: 'editor', forbidden: ['commands', 'webview', 'tree', 'integrations'] },
    { layer: 'integrations', forbidden: ['commands', 'webview', 'tree'] },
    { layer: 'tree', forbidden: ['commands', 'webview'] },
    { layer: 'webview', forbidden: ['commands'] },
  ]),
  {
    // The wizard page runs in the webview (a browser): it may import its own files, the protocol, the form mapping
    // and core's pure modules (types, plan helpers, kubeconfig names, the credential note check), nothing else:
    // no node:*, no js-yaml, no vscode, no packages. Its TypeScript world is src/webview/page/tsconfig.json.
    files: ['src/webview/page/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: [
                '^(?!\\./[\\w/]+$',
                '\\.\\./(protocol|formToRequest)$',
                '\\.\\./\\.\\./core/(types|plan/\\w+|errors|kubeconfig/names|credentials/note)$)',
              ].join('|'),
              message:
                'The wizard page may import only page files, ../protocol, ../formToRequest and pure core modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/webview/page/steps/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: [
                '^(?!\\.\\./[\\w/]+$',
                '\\.\\./\\.\\./(protocol|formToRequest)$',
                '\\.\\./\\.\\./\\.\\./core/(types|plan/\\w+|errors|kubeconfig/names|credentials/note)$)',
              ].join('|'),
              message:
                'A wizard step may import only page files, the protocol, the form mapping and pure core modules.',
            },
          ],
        },
      ],
    },
  },
  {
    // The two webview modules the page shares with the host: they too stay on core's pure modules.
    files: ['src/webview/protocol.ts', 'src/webview/formToRequest.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./(protocol|formToRequest)$|\\.\\./core/(types|errors|plan/\\w+|credentials/note)$)',
              message: 'protocol.ts and formToRequest.ts are bundled into the wizard page: only pure core modules.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/**/*.ts'],
    plugins: { local: { rules: { 'no-index-files': noIndexFiles } } },
    rules: { 'local/no-index-files': 'error' },
  },
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
  {
    // Lines <= 120 (Prettier's printWidth). Prettier does not break strings, comments or regexes: split those by hand
    // (concatenation, a named const, `new RegExp(/a/.source + /b/.source)`); only URLs may run longer.
    files: ['{src,test,bench,scripts}/**/*.{ts,js,mjs}', '*.mjs'],
    rules: { 'max-len': ['error', { code: 120, ignoreUrls: true }] },
  },
);
