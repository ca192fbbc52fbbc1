// What the built CLI loads: commands that need no cluster (--version, --help, presets, an offline dry run) never
// load @kubernetes/client-node (dist/client-node.js, most of the bytes), and neither do most that connect.
// A connecting command loads it only for what core/cluster/auth.ts leaves to it (an auth-provider plugin, a SOCKS
// proxy). Node reports the files it loaded (require.cache, from a --require'd script at exit); each is searched
// for a string only client-node holds. Needs `node esbuild.mjs` (dist/) and, for the connecting commands, the
// local cluster.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { EXIT } from '../../src/cli/io';
import { clusterEnv, kubectlOk, privateTempDir } from '../support/cluster';
import { runCli } from '../support/users';

/** An error message of client-node's KubeConfig: a literal, so it survives minification. */
const CLIENT_NODE_MARKER = 'No active cluster!';

describe('start-up: what the CLI loads', function () {
  let reportScript: string;
  before(function () {
    const dir = privateTempDir();
    reportScript = path.join(dir, 'report-loaded.cjs');
    writeFileSync(
      reportScript,
      "process.on('exit', () => require('node:fs').writeSync(2, " +
        "'\\nLOADED ' + JSON.stringify(Object.keys(require.cache)) + '\\n' + " +
        "'BUILTINS ' + JSON.stringify(process.moduleLoadList.filter((m) => m.startsWith('NativeModule ')).map((m) => " +
        "m.slice('NativeModule '.length))) + '\\n'));\n",
    );
  });

  /** Node's built-in modules the last loadedBy() run loaded. */
  let builtins: string[] = [];

  /** Runs the CLI and returns the files Node loaded, besides the report script. */
  async function loadedBy(args: string[], kubeconfig = '/nonexistent/kubeconfig', code = 0): Promise<string[]> {
    const run = await runCli(args, kubeconfig, 60_000, { NODE_OPTIONS: `--require ${reportScript}` });
    assert.equal(run.code, code, `sa-kubeconfig ${args.join(' ')}: ${run.stderr}`);
    const line = run.stderr.split('\n').find((l) => l.startsWith('LOADED '));
    assert.ok(line, 'the report of loaded files');
    const files = (JSON.parse(line.slice('LOADED '.length)) as string[]).filter((f) => f !== reportScript);
    const builtinLine = run.stderr.split('\n').find((l) => l.startsWith('BUILTINS '));
    builtins = JSON.parse(builtinLine?.slice('BUILTINS '.length) ?? '[]') as string[];
    assert.ok(builtins.includes('fs'), 'the report of built-in modules');
    assert.ok(
      files.some((f) => f.endsWith(path.join('dist', 'cli.js'))),
      `dist/cli.js among ${files.join(', ')}`,
    );
    return files;
  }
  const withClientNode = (files: string[]) => files.filter((f) => readFileSync(f, 'utf8').includes(CLIENT_NODE_MARKER));

  for (const args of [
    ['--version'],
    ['--help'],
    ['presets'],
    ['create', '--dry-run', '--offline', '-n', 'ci', '-s', 'deployer', '--rule', 'pods:get'],
  ]) {
    it(`\`${args.join(' ')}\` loads neither the Kubernetes client nor our cluster client`, async function () {
      assert.deepEqual(withClientNode(await loadedBy(args)), []);
      // The cluster client's modules (connect, http2, auth) are loaded when a command connects, not at start.
      assert.deepEqual(
        builtins.filter((m) => ['http', 'https', 'http2', 'tls', 'child_process'].includes(m)),
        [],
      );
    });
  }

  it('a command that connects with a client certificate does not load it either', async function () {
    const files = await loadedBy(['discover', '-o', 'json'], clusterEnv().adminKubeconfig);
    assert.deepEqual(withClientNode(files), []);
  });

  it('a context with an auth-provider plugin loads it, once', async function () {
    // An OIDC id-token that has not expired is sent as it is (client-node refreshes only an expired one); the
    // cluster has no OIDC issuer, so it answers 401: the run fails, after loading client-node.
    const part = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const idToken = `${part({ alg: 'none' })}.${part({ exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
    const file = path.join(privateTempDir(), 'oidc.kubeconfig');
    const doc = JSON.parse(
      await kubectlOk(['config', 'view', '--raw', '--minify', '-o', 'json'], {
        kubeconfig: clusterEnv().adminKubeconfig,
      }),
    ) as { users: { user: Record<string, unknown> }[] };
    doc.users[0].user = {
      'auth-provider': {
        name: 'oidc',
        config: { 'id-token': idToken, 'client-id': 'sak', 'idp-issuer-url': 'https://127.0.0.1:1' },
      },
    };
    writeFileSync(file, JSON.stringify(doc), { mode: 0o600 });
    const files = await loadedBy(['discover', '-o', 'json'], file, EXIT.denied);
    assert.equal(withClientNode(files).length, 1, files.join(', '));
  });
});

describe('the wizard page bundle', function () {
  it('carries no Node-only code: no js-yaml, no Buffer, no Kubernetes client', function () {
    const bundle = readFileSync(path.join(__dirname, '..', '..', '..', 'dist', 'webview', 'wizard.js'), 'utf8');
    assert.ok(bundle.length > 0);
    assert.doesNotMatch(bundle, /js-yaml|YAMLException|\bBuffer\b|node:|require\(/);
    assert.ok(!bundle.includes(CLIENT_NODE_MARKER));
  });
});
