// A request budget for `list` across namespaces (issue 11): the inventory is O(what sa-kubeconfig made), so adding
// namespaces must not add requests. The CLI runs as a process with --verbose, which logs one "-> STATUS" line per
// request; kubectl is the judge of what the listing must contain. Wall time is not asserted (see bench/).
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

import { Cleanup, clusterEnv, kubectlOk, privateTempDir, uniqueName } from '../support/cluster';
import { runCli } from '../support/users';

const BUDGET = 10;
const EXTRA_NAMESPACES = 15;

interface Listed {
  namespaces: string[];
  serviceAccounts: {
    namespace: string;
    name: string;
    managed: boolean;
    bindings: { kind: string; name: string; namespace?: string; rules?: unknown[] }[];
    tokenSecrets: { name: string }[];
    credentials: { id: string }[];
  }[];
}

/** Runs `list` with --verbose; the parsed document and how many API requests it sent. */
async function list(args: string[], kubeconfig: string): Promise<{ doc: Listed; requests: number }> {
  const r = await runCli(['list', ...args, '-o', 'json', '--verbose'], kubeconfig, 120_000);
  assert.equal(r.code, 0, r.stderr);
  const requests = r.stderr.split('\n').filter((l) => /^debug: [A-Z]+ \S+ -> /.test(l)).length;
  return { doc: JSON.parse(r.stdout) as Listed, requests };
}

describe('request budget of list across namespaces', function () {
  this.timeout(240_000);
  const env = clusterEnv();
  const cleanup = new Cleanup();
  const run = uniqueName('inv-budget');
  const made = [0, 1, 2].map((i) => cleanup.namespace(`${run}-m${i}`));
  const out = cleanup.dir(privateTempDir());

  before(async function () {
    // Namespaces that hold nothing of ours: with one list per namespace they would cost requests.
    const others = Array.from({ length: EXTRA_NAMESPACES }, (_, i) => cleanup.namespace(`${run}-x${i}`));
    const items = others.flatMap((ns) => [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: ns } },
    ]);
    await kubectlOk(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    for (const [i, ns] of made.entries()) {
      const r = await runCli(
        [
          'create',
          '-n',
          ns,
          '--create-namespace',
          '-s',
          'ci',
          '--rule',
          'pods:get,list',
          ...(i === 0 ? ['--long-lived'] : []),
          '--out',
          path.join(out, `${i}.kubeconfig`),
          '--yes',
        ],
        env.adminKubeconfig,
      );
      assert.equal(r.code, 0, r.stderr);
    }
    // A binding someone else made for one of our accounts, to a role that is not ours: listed too.
    await kubectlOk([
      '-n',
      made[1],
      'create',
      'rolebinding',
      'extra-view',
      '--clusterrole=view',
      `--serviceaccount=${made[1]}:ci`,
    ]);
  });

  after(async function () {
    this.timeout(120_000);
    await cleanup.run();
  });

  it(
    `list -A sends at most ${BUDGET} requests however many namespaces there are, ` + 'and lists what kubectl shows',
    async () => {
      const { doc, requests } = await list(['-A'], env.adminKubeconfig);
      console.log(`      list -A: ${requests} requests over ${doc.namespaces.length} namespaces`);
      assert.ok(requests <= BUDGET, `${requests} requests for ${doc.namespaces.length} namespaces`);
      const ours = doc.serviceAccounts.filter((sa) => sa.namespace.startsWith(run));
      assert.deepEqual(
        ours.map((sa) => `${sa.namespace}/${sa.name}`),
        made.map((ns) => `${ns}/ci`),
      );
      for (const sa of ours) {
        const bindings = JSON.parse(await kubectlOk(['-n', sa.namespace, 'get', 'rolebindings', '-o', 'json'])) as {
          items: { metadata: { name: string } }[];
        };
        assert.deepEqual(
          sa.bindings.map((b) => b.name).sort(),
          bindings.items.map((b) => b.metadata.name).sort(),
          `${sa.namespace}/${sa.name}`,
        );
        for (const b of sa.bindings) assert.ok(b.rules && b.rules.length > 0, `rules of ${b.name}`);
      }
      const longLived = ours.find((sa) => sa.namespace === made[0])!;
      assert.equal(longLived.tokenSecrets.length, 1);
      assert.equal(longLived.credentials.length, 1);
    },
  );

  it(`list --namespaces with several namespaces and list -n stay within ${BUDGET} requests`, async () => {
    const several = await list(['--namespaces', made.join(',')], env.adminKubeconfig);
    assert.ok(several.requests <= BUDGET, `${several.requests} requests`);
    assert.equal(several.doc.serviceAccounts.length, made.length);
    const one = await list(['-n', made[2]], env.adminKubeconfig);
    assert.ok(one.requests <= BUDGET, `${one.requests} requests`);
    assert.deepEqual(
      one.doc.serviceAccounts.map((sa) => sa.name),
      ['ci'],
    );
  });
});
