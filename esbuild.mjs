// Bundles every face of sa-kubeconfig with esbuild:
//   dist/extension.js  the VS Code extension (CommonJS, `vscode` external)
//   dist/cli.js        the `sa-kubeconfig` command line (Node 20+)
//   dist/client-node.js @kubernetes/client-node, loaded by both when they first connect (see clientNodeApart)
//   dist/webview/      the wizard page (browser, IIFE)
//   out/test/          with --tests: the unit, cluster, extension-host and e2e test bundles
// @kubernetes/client-node ships ESM only; bundling it is what lets the CommonJS extension host load it.
// Flags: --production (minify, no source maps), --watch, --tests.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const tests = process.argv.includes('--tests');

/** Reports errors in the `file:line:col: error: msg` shape VS Code's $esbuild-watch problem matcher reads. */
const problemMatcher = {
  name: 'problem-matcher',
  setup(build) {
    build.onStart(() => {
      if (watch) console.log('[watch] build started');
    });
    build.onEnd((result) => {
      for (const { text, location } of result.errors) {
        console.error(`✘ [ERROR] ${text}`);
        if (location) console.error(`    ${location.file}:${location.line}:${location.column}:`);
      }
      if (watch) console.log('[watch] build finished');
    });
  },
};

const common = {
  bundle: true,
  sourcemap: production ? false : 'linked',
  minify: production,
  sourcesContent: false,
  logLevel: 'warning',
  plugins: [problemMatcher],
};

/**
 * @kubernetes/client-node (most of the bytes) goes to a bundle of its own, dist/client-node.js, loaded by the one
 * dynamic import in core/cluster/clientNode.ts when a command first connects: `--version`, `--help`, `presets` and
 * offline dry runs never parse it, and activating the extension does not either.
 */
const clientNodeApart = {
  name: 'client-node-apart',
  setup(build) {
    build.onResolve({ filter: /^@kubernetes\/client-node$/ }, (args) =>
      args.kind === 'dynamic-import' ? { path: './client-node.js', external: true } : undefined,
    );
  },
};

const node = { ...common, platform: 'node', target: 'node20', format: 'cjs', mainFields: ['module', 'main'] };

/** Every `*.ts` file below dir whose name matches the pattern. */
function findFiles(dir, pattern) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) return findFiles(full, pattern);
    return pattern.test(name) ? [full] : [];
  });
}

const productBuilds = [
  {
    ...node,
    entryPoints: ['src/extension.ts'],
    outfile: 'dist/extension.js',
    external: ['vscode'],
    plugins: [...node.plugins, clientNodeApart],
  },
  {
    ...node,
    entryPoints: ['src/cli/main.ts'],
    outfile: 'dist/cli.js',
    banner: { js: '#!/usr/bin/env node' },
    plugins: [...node.plugins, clientNodeApart],
  },
  {
    ...node,
    stdin: { contents: "export * from '@kubernetes/client-node';", resolveDir: '.', sourcefile: 'client-node.js' },
    outfile: 'dist/client-node.js',
  },
  ...(existsSync('src/webview/page/main.ts')
    ? [
        {
          ...common,
          platform: 'browser',
          target: 'es2022',
          format: 'iife',
          entryPoints: ['src/webview/page/main.ts'],
          outfile: 'dist/webview/wizard.js',
        },
      ]
    : []),
  // The wizard's stylesheet (theme variables only; no icon font is shipped).
  ...(existsSync('src/webview/page/wizard.css')
    ? [
        {
          ...common,
          sourcemap: false,
          entryPoints: ['src/webview/page/wizard.css'],
          outfile: 'dist/webview/wizard.css',
        },
      ]
    : []),
  // The Audit report page and its stylesheet (same browser settings as the wizard).
  ...(existsSync('src/webview/page/audit/main.ts')
    ? [
        {
          ...common,
          platform: 'browser',
          target: 'es2022',
          format: 'iife',
          entryPoints: ['src/webview/page/audit/main.ts'],
          outfile: 'dist/webview/audit.js',
        },
        {
          ...common,
          sourcemap: false,
          entryPoints: ['src/webview/page/audit/audit.css'],
          outfile: 'dist/webview/audit.css',
        },
      ]
    : []),
];

const testBuilds = [
  {
    ...node,
    entryPoints: [
      ...findFiles('test/unit', /\.test\.ts$/),
      ...findFiles('test/integration', /\.test\.ts$/),
      ...findFiles('test/vscode', /\.(test\.ts|ts)$/),
      ...findFiles('test/e2e', /\.ts$/),
      ...findFiles('test/runners', /\.ts$/),
    ],
    outdir: 'out/test',
    outbase: 'test',
    external: ['vscode', 'mocha', 'playwright-core', '@vscode/test-electron'],
    sourcemap: 'inline',
  },
];

const builds = tests ? testBuilds : productBuilds;
// A deleted source must not leave its old bundle behind to run (or to ship).
if (!watch) rmSync(tests ? 'out/test' : 'dist/webview', { recursive: true, force: true });
if (watch) {
  const contexts = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(contexts.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
