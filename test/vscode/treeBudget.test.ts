// The tree's request budget (issue 11): expanding namespaces and their service accounts lists the cluster's
// RoleBindings once per refresh (one index shared by every namespace), never once per namespace or account; our own
// changes (refreshServiceAccount) rebuild it. Counted by the API server itself (test/support/apiserverMetrics.ts).
import * as assert from 'node:assert/strict';

import { apiserverRequests } from '../support/apiserverMetrics';
import { kubectlOkSync } from '../support/kubectl';
import { adminContext, api, childByLabel, children, haveCluster, label, uniqueName } from './support/harness';

const clusterWideRoleBindingLists = () =>
  apiserverRequests({ verb: 'LIST', resource: 'rolebindings', scope: 'cluster' });

describe('Clusters tree request budget (real cluster)', function () {
  this.timeout(120_000);
  const run = uniqueName('sak-tree-budget');
  const namespaces = [0, 1, 2].map((i) => `${run}-${i}`);

  before(function () {
    if (!haveCluster()) this.skip();
    const items = namespaces.flatMap((ns) => [
      { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'reader', namespace: ns } },
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'idle', namespace: ns } },
    ]);
    kubectlOkSync(['create', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    for (const ns of namespaces) {
      kubectlOkSync(['-n', ns, 'create', 'role', 'pod-reader', '--verb=get', '--resource=pods']);
      kubectlOkSync(['-n', ns, 'create', 'rolebinding', 'reads', '--role=pod-reader', `--serviceaccount=${ns}:reader`]);
    }
  });

  after(() => {
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', ...namespaces, '--wait=false']);
  });

  it(
    'lists RoleBindings cluster-wide once for every namespace and account expanded, ' + 'again after our change',
    async () => {
      const a = await api();
      a.deps.tree.refresh();
      // A refresh from elsewhere (the kubeconfig changed, a neighbour extension activated) may rebuild the index once.
      let refreshes = 0;
      const counting = a.deps.tree.onDidChange((key) => key === undefined && refreshes++);
      const before = clusterWideRoleBindingLists();
      const context = await childByLabel(a, undefined, adminContext());
      for (const ns of namespaces) {
        const namespace = await childByLabel(a, context, ns);
        const reader = await childByLabel(a, namespace, 'reader');
        assert.deepEqual(
          (await children(a, reader)).map(label).filter((l) => l === 'reads'),
          ['reads'],
        );
        const idle = await childByLabel(a, namespace, 'idle');
        assert.ok((await children(a, idle)).some((k) => /No bindings/.test(label(k))));
      }
      counting.dispose();
      const lists = clusterWideRoleBindingLists() - before;
      assert.ok(
        lists >= 1 && lists <= 1 + refreshes,
        `${lists} cluster-wide RoleBinding lists for ${namespaces.length} namespaces and ${refreshes} refreshes`,
      );

      // Our own change refreshes the account's namespace: the index is read again and shows the new binding.
      kubectlOkSync([
        '-n',
        namespaces[0],
        'create',
        'rolebinding',
        'idle-reads',
        '--role=pod-reader',
        `--serviceaccount=${namespaces[0]}:idle`,
      ]);
      a.deps.tree.refreshServiceAccount(adminContext(), namespaces[0]);
      const idle = await childByLabel(a, await childByLabel(a, context, namespaces[0]), 'idle');
      assert.ok((await children(a, idle)).some((k) => label(k) === 'idle-reads'));
      assert.ok(clusterWideRoleBindingLists() - before - lists >= 1, 'the index is read again after our change');
    },
  );
});
