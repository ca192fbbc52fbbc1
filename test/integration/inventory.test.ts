// Inventory of service accounts and deletion of exactly what sa-kubeconfig made.
import * as assert from 'node:assert/strict';

import { deleteManaged } from '../../src/core/inventory/lifecycle';
import { fetchServiceAccountHoldings, listServiceAccounts } from '../../src/core/inventory/read';
import { provision } from '../../src/core/provision';
import {
  adminConnection,
  Cleanup,
  clusterEnv,
  currentContextOf,
  eventually,
  kubectl,
  kubectlOk,
  restrictedConnection,
  uniqueName,
} from '../support/cluster';

describe('inventory and clean-up', function () {
  const cleanup = new Cleanup();
  const ns = uniqueName('inv');
  const other = uniqueName('inv-other');

  before(async function () {
    this.timeout(120_000);
    cleanup.namespace(ns);
    cleanup.namespace(other);
    await kubectlOk(['create', 'namespace', other]);
    const env = clusterEnv();
    await provision(
      {
        context: currentContextOf(env.adminKubeconfig),
        namespace: ns,
        createNamespace: true,
        serviceAccount: 'deployer',
        rules: [{ apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'update'] }],
        roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
        scope: { kind: 'namespaces', namespaces: [ns, other] },
        token: { kind: 'longLived' },
        kubeconfig: {},
      },
      { kubeconfigPath: env.adminKubeconfig, verify: false },
    );
    // Things we did not make, which must be listed as unmanaged and survive clean-up.
    await kubectlOk(['create', 'serviceaccount', 'handmade', '-n', ns]);
    await kubectlOk(['create', 'role', 'handmade-role', '--verb=get', '--resource=pods', '-n', ns]);
    await kubectlOk([
      'create',
      'rolebinding',
      'handmade-binding',
      '--role=handmade-role',
      `--serviceaccount=${ns}:deployer`,
      '-n',
      ns,
    ]);
  });
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('lists service accounts with bindings in every namespace, the bound rules and token Secrets', async function () {
    const conn = await adminConnection();
    let inv;
    try {
      inv = await listServiceAccounts(conn, ns);
    } finally {
      conn.close();
    }
    assert.deepEqual(inv.incomplete, []);
    const names = inv.serviceAccounts.map((s) => `${s.name}:${s.managed}`);
    assert.deepEqual(names, ['default:false', 'deployer:true', 'handmade:false']);
    const deployer = inv.serviceAccounts.find((s) => s.name === 'deployer')!;
    const bindings = deployer.bindings
      .map((b) => `${b.kind}/${b.namespace}/${b.name}->${b.roleRef.kind}/${b.roleRef.name}:${b.managed}`)
      .sort();
    assert.deepEqual(
      bindings,
      [
        `RoleBinding/${ns}/handmade-binding->Role/handmade-role:false`,
        `RoleBinding/${ns}/sa-kubeconfig:${ns}:deployer->Role/sa-kubeconfig:${ns}:deployer:true`,
        `RoleBinding/${ns}/sa-kubeconfig:${ns}:deployer:clusterrole:view->ClusterRole/view:true`,
        `RoleBinding/${other}/sa-kubeconfig:${ns}:deployer->Role/sa-kubeconfig:${ns}:deployer:true`,
        `RoleBinding/${other}/sa-kubeconfig:${ns}:deployer:clusterrole:view->ClusterRole/view:true`,
      ].sort(),
    );
    const generated = deployer.bindings.find((b) => b.namespace === other && b.roleRef.kind === 'Role')!;
    assert.deepEqual(generated.rules, [
      { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale'], verbs: ['get', 'update'] },
    ]);
    // The bound ClusterRole's rules are read (`view` is aggregated:
    // empty unless the cluster runs clusterrole-aggregation).
    assert.ok(Array.isArray(deployer.bindings.find((b) => b.roleRef.name === 'view')!.rules));
    assert.deepEqual(
      deployer.tokenSecrets.map((t) => [t.role, t.managed, t.populated]),
      [['longLived', true, true]],
    );
    assert.match(deployer.tokenSecrets[0].name, /^deployer-cred-[a-z0-9]{5}$/);
  });

  it(
    "one account's holdings: the same bindings and rules as the inventory, " + "and why a role's rules are unknown",
    async function () {
      await kubectlOk([
        'create',
        'rolebinding',
        'ghost-binding',
        '--role=ghost-role',
        `--serviceaccount=${ns}:handmade`,
        '-n',
        ns,
      ]);
      const conn = await adminConnection();
      try {
        const inv = await listServiceAccounts(conn, ns);
        const deployer = await fetchServiceAccountHoldings(conn, ns, 'deployer');
        assert.deepEqual(deployer.bindings, inv.serviceAccounts.find((s) => s.name === 'deployer')!.bindings);
        assert.deepEqual(deployer.notes, []);
        const handmade = await fetchServiceAccountHoldings(conn, ns, 'handmade');
        assert.deepEqual(
          handmade.bindings.map((b) => [b.name, b.rules, b.rulesError]),
          [['ghost-binding', undefined, 'Role "ghost-role" does not exist']],
        );
      } finally {
        conn.close();
        await kubectlOk(['delete', 'rolebinding', 'ghost-binding', '-n', ns]);
      }
    },
  );

  it('says what it could not list for a user with fewer rights', async function () {
    const conn = await restrictedConnection();
    try {
      const inv = await listServiceAccounts(conn, 'restricted-ns');
      assert.ok(
        inv.incomplete.some((i) => /Not allowed to list Secrets in namespace "restricted-ns"/.test(i)),
        inv.incomplete.join('; '),
      );
      assert.ok(inv.serviceAccounts.some((s) => s.name === 'default'));
    } finally {
      conn.close();
    }
  });

  it('delete removes everything made for the service account and nothing else', async function () {
    const conn = await adminConnection();
    try {
      const preview = await deleteManaged(conn, { namespace: ns, serviceAccount: 'deployer', dryRun: true });
      assert.equal(preview.deleted.length, 8);
      const r = await deleteManaged(conn, { namespace: ns, serviceAccount: 'deployer' });
      assert.deepEqual(r.failed, []);
      assert.deepEqual(
        r.deleted.map((d) => d.kind),
        ['RoleBinding', 'RoleBinding', 'RoleBinding', 'RoleBinding', 'Role', 'Role', 'Secret', 'ServiceAccount'],
      );
      assert.deepEqual(
        r.kept.map((k) => `${k.ref.kind}/${k.ref.name}`),
        [`Namespace/${ns}`],
      );
    } finally {
      conn.close();
    }
    await eventually(
      async () => (await kubectl(['get', 'serviceaccount', 'deployer', '-n', ns])).code !== 0,
      10_000,
      'the service account to go',
    );
    const left = (await kubectlOk(['get', 'serviceaccounts,roles,rolebindings,secrets', '-n', ns, '-o', 'name']))
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(
      left.filter((l) => !l.includes('/default') && !l.startsWith('configmap')),
      [
        'role.rbac.authorization.k8s.io/handmade-role',
        'rolebinding.rbac.authorization.k8s.io/handmade-binding',
        'serviceaccount/handmade',
      ],
    );
    assert.equal((await kubectlOk(['get', 'roles,rolebindings', '-n', other, '-o', 'name'])).trim(), '');
    assert.equal((await kubectl(['get', 'namespace', ns])).code, 0);
  });
});
