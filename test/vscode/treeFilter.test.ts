// The Clusters tree's filter finds namespaces too (issue 15, item 4): among many namespaces, typing part of one's name
// leaves that namespace (with all its service accounts); the active filter shows in the view's message (which wraps)
// and description, not only in a node label that a narrow sidebar cuts off. Against the real cluster.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

import { kubectlOkSync } from '../support/kubectl';
import {
  adminContext,
  api,
  childByLabel,
  children,
  contextValue,
  haveCluster,
  label,
  uniqueName,
} from './support/harness';

describe('Clusters tree filter (namespaces and service accounts)', function () {
  this.timeout(120_000);
  const wanted = uniqueName('sak-findme');
  const other = uniqueName('sak-other');

  before(function () {
    if (!haveCluster()) this.skip();
    for (const ns of [wanted, other]) kubectlOkSync(['create', 'namespace', ns]);
    kubectlOkSync(['-n', wanted, 'create', 'serviceaccount', 'app-one']);
    kubectlOkSync(['-n', other, 'create', 'serviceaccount', 'findme-too']);
  });

  after(async () => {
    await vscode.commands.executeCommand('saKubeconfig.clearFilter');
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', wanted, other, '--wait=false']);
  });

  it(
    'keeps only namespaces whose name matches (plus those with matching loaded accounts), ' + 'and says so in the view',
    async () => {
      const a = await api();
      a.deps.tree.refresh();
      const context = await childByLabel(a, undefined, adminContext());
      // Load the other namespace's accounts once, as a user who expanded it.
      await children(a, await childByLabel(a, context, other));

      await vscode.commands.executeCommand('saKubeconfig.filter', 'findme');
      const kids = await children(a, context);
      const namespaces = kids.filter((k) => contextValue(k) === 'namespace').map(label);
      // "findme" is in the wanted namespace's name, and in the name of an account already loaded in the other one.
      assert.deepEqual(namespaces.sort(), [wanted, other].sort());
      assert.ok(
        kids.some((k) => /^Filter "findme": 2 of \d+ namespaces$/.test(label(k))),
        kids.map(label).join('\n'),
      );
      // Found by its name: all its service accounts show, not only those whose name matches.
      const accounts = (await children(a, await childByLabel(a, context, wanted)))
        .filter((k) => contextValue(k).startsWith('serviceAccount'))
        .map(label);
      assert.ok(accounts.includes('app-one'), accounts.join(', '));

      // The view says which filter is active, where it wraps instead of being cut off.
      assert.match(a.view.message ?? '', /Filter "findme"/);
      assert.equal(a.view.description, 'filter: findme');

      await vscode.commands.executeCommand('saKubeconfig.filter', uniqueName('no-such-name'));
      const none = (await children(a, context)).filter((k) => contextValue(k) === 'namespace');
      assert.deepEqual(none.map(label), []);

      await vscode.commands.executeCommand('saKubeconfig.clearFilter');
      assert.equal(a.view.message, undefined);
      const all = (await children(a, context)).filter((k) => contextValue(k) === 'namespace').map(label);
      assert.ok(all.includes(wanted) && all.includes(other) && all.length > 2, all.join(', '));
    },
  );
});
