// Six `sa-kubeconfig create --merge-into` processes in parallel into the same kubeconfig file: each holds kubectl's
// `<file>.lock` around its read-modify-write, so all six contexts land (one used to be lost), and kubectl can use
// every one of them.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { EXIT } from '../../src/cli/io';
import { Cleanup, clusterEnv, kubectl, kubectlOk, privateTempDir, uniqueName } from '../support/cluster';
import { runCli } from '../support/users';

describe('parallel merges into one kubeconfig file (cluster, six CLI processes)', function () {
  const env = clusterEnv();
  const cleanup = new Cleanup();
  after(() => cleanup.run());

  it('keeps all six contexts, leaves no lock behind and at most 5 backups', async () => {
    const ns = cleanup.namespace(uniqueName('merge6'));
    await kubectlOk(['create', 'namespace', ns]);
    const dir = cleanup.dir(privateTempDir());
    const target = path.join(dir, 'config');
    const names = ['sa1', 'sa2', 'sa3', 'sa4', 'sa5', 'sa6'];
    const runs = await Promise.all(
      names.map((sa) =>
        runCli(
          ['create', '-n', ns, '-s', sa, '--rule', 'pods:list', '--no-verify', '--merge-into', target],
          env.adminKubeconfig,
          120_000,
        ),
      ),
    );
    for (const r of runs) assert.equal(r.code, EXIT.ok, r.stderr);
    const doc = yaml.load(readFileSync(target, 'utf8')) as { contexts: { name: string }[] };
    const contexts = doc.contexts.map((c) => c.name).sort();
    assert.equal(contexts.length, 6, contexts.join(', '));
    assert.equal(statSync(target).mode & 0o777, 0o600);
    const files = readdirSync(dir);
    assert.ok(!files.includes('config.lock'), files.join(', '));
    assert.ok(files.filter((f) => f.startsWith('config.bak-')).length <= 5, files.join(', '));
    for (const context of contexts) {
      const r = await kubectl(['--context', context, 'get', 'pods', '-n', ns], { kubeconfig: target });
      assert.equal(r.code, 0, `${context}: ${r.stderr}`);
    }
  });
});
