// Verification right after RBAC objects are created: the API server's authorizer learns them through informers,
// so an expected-allowed check may be denied for a moment. Verification re-asks only those, for about 3 s.
import * as assert from 'node:assert/strict';

import { kubeconfigForServiceAccount } from '../../src/core/kubeconfig/forServiceAccount';
import { PROPAGATION_RETRY_DELAYS_MS, verifyKubeconfig } from '../../src/core/verify/verify';
import { adminConnection, Cleanup, kubectlOk, uniqueName } from '../support/cluster';

describe('verification while RBAC propagates (real cluster)', function () {
  this.timeout(60_000);
  const cleanup = new Cleanup();
  const ns = cleanup.namespace(uniqueName('prop'));
  const rules = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }];

  before(async function () {
    await kubectlOk(['create', 'namespace', ns]);
  });
  after(async function () {
    await cleanup.run();
  });

  async function kubeconfigOf(sa: string): Promise<string> {
    await kubectlOk(['-n', ns, 'create', 'serviceaccount', sa]);
    const admin = await adminConnection();
    try {
      return (
        await kubeconfigForServiceAccount(admin, {
          namespace: ns,
          serviceAccount: sa,
          token: { kind: 'timeBound', durationSeconds: 600 },
        })
      ).yaml;
    } finally {
      admin.close();
    }
  }

  it(
    'a binding that arrives while verifying: denied at first, retried, then verified, ' + 'with the retries reported',
    async function () {
      const yaml = await kubeconfigOf('late');
      // The grant lands a moment after verification started, as it would when the authorizer's cache lags behind.
      const grant = new Promise<void>((resolve, reject) =>
        setTimeout(() => {
          kubectlOk(['apply', '-f', '-'], {
            input: JSON.stringify({
              apiVersion: 'v1',
              kind: 'List',
              items: [
                {
                  apiVersion: 'rbac.authorization.k8s.io/v1',
                  kind: 'Role',
                  metadata: { name: 'cm-reader', namespace: ns },
                  rules,
                },
                {
                  apiVersion: 'rbac.authorization.k8s.io/v1',
                  kind: 'RoleBinding',
                  metadata: { name: 'late-cm-reader', namespace: ns },
                  roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'cm-reader' },
                  subjects: [{ kind: 'ServiceAccount', name: 'late', namespace: ns }],
                },
              ],
            }),
          }).then(() => resolve(), reject);
        }, 150),
      );
      const report = await verifyKubeconfig(yaml, { namespaces: [ns], rules });
      await grant;
      assert.equal(report.ok, true, JSON.stringify(report.checks.filter((c) => !c.ok)));
      assert.ok(report.retries >= 1, `retries: ${report.retries}`);
      assert.ok(
        report.notes.some((n) => /were denied at first and allowed after \d+ retry round\(s\)/.test(n)),
        report.notes.join(' | '),
      );
      assert.deepEqual(
        report.rulesByNamespace[ns]
          .filter((r) => r.resources.includes('configmaps'))
          .flatMap((r) => r.verbs)
          .sort(),
        ['get', 'list'],
        'the rules review is asked again once the permissions arrived',
      );
    },
  );

  it('a permission that never arrives: verification gives up after the bounded retries and fails', async function () {
    const yaml = await kubeconfigOf('never');
    const started = Date.now();
    const report = await verifyKubeconfig(yaml, { namespaces: [ns], rules });
    const elapsed = Date.now() - started;
    assert.equal(report.ok, false);
    assert.equal(report.retries, PROPAGATION_RETRY_DELAYS_MS.length);
    assert.deepEqual(
      report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.verb} ${c.resource}`)
        .sort(),
      ['get configmaps', 'list configmaps'],
    );
    assert.ok(elapsed >= 3000 && elapsed < 10_000, `took ${elapsed} ms`);
  });
});
