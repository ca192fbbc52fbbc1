// Using a service account that exists, made by someone else, against the real cluster: it is used as it is (no
// label, no change), `delete` and a rollback leave it, a missing one is refused with what to do, and the CLI's
// --existing-service-account and --existing-secret (legacy token Secrets,
// as on OpenShift <= 4.15) ask for exactly this.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import type { ApplyResult } from '../../src/core/apply/apply';
import { isSaKubeconfigError } from '../../src/core/errors';
import { deleteManaged } from '../../src/core/inventory/lifecycle';
import { provision } from '../../src/core/provision';
import type { ProvisionRequest } from '../../src/core/types';
import {
  adminConnection,
  Cleanup,
  clusterEnv,
  currentContextOf,
  eventually,
  kubectl,
  kubectlOk,
  privateTempDir,
  uniqueName,
} from '../support/cluster';
import { runCli } from '../support/users';

const RULES = [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }];

function request(namespace: string, serviceAccount: string, extra: Partial<ProvisionRequest> = {}): ProvisionRequest {
  const env = clusterEnv();
  return {
    context: currentContextOf(env.adminKubeconfig),
    namespace,
    serviceAccount,
    serviceAccountMode: 'existing',
    rules: RULES,
    roleRefs: [],
    scope: { kind: 'namespaces', namespaces: [namespace] },
    token: { kind: 'timeBound', durationSeconds: 3600 },
    kubeconfig: {},
    ...extra,
  };
}

/** The account's labels and uid: what "used as it is" must leave alone. */
async function accountState(
  namespace: string,
  name: string,
): Promise<{ labels: string; uid: string; resourceVersion: string }> {
  const sa = JSON.parse(await kubectlOk(['get', 'serviceaccount', name, '-n', namespace, '-o', 'json'])) as {
    metadata: { labels?: Record<string, string>; uid: string; resourceVersion: string };
  };
  return {
    labels: JSON.stringify(sa.metadata.labels ?? {}),
    uid: sa.metadata.uid,
    resourceVersion: sa.metadata.resourceVersion,
  };
}

async function names(namespace: string, kinds: string): Promise<string[]> {
  return (await kubectlOk(['get', kinds, '-n', namespace, '-o', 'name']))
    .trim()
    .split('\n')
    .filter((l) => l !== '' && !l.endsWith('/default') && !l.startsWith('configmap'));
}

describe('an existing service account is used as it is', function () {
  this.timeout(120_000);
  const cleanup = new Cleanup();
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it(
    'core: not labelled or changed; only the Role, RoleBinding and token Secret made for it are ours; ' +
      'delete leaves it and says so',
    async function () {
      const ns = cleanup.namespace(uniqueName('existing'));
      await kubectlOk(['create', 'namespace', ns]);
      await kubectlOk(['create', 'serviceaccount', 'app', '-n', ns]);
      await kubectlOk(['label', 'serviceaccount', 'app', '-n', ns, 'team=blue']);
      const before = await accountState(ns, 'app');

      const r = await provision(request(ns, 'app', { token: { kind: 'longLived' } }), {
        kubeconfigPath: clusterEnv().adminKubeconfig,
      });
      assert.equal(r.preflight.plan.objects[0].status, 'use');
      assert.match(r.preflight.plan.objects[0].detail!, /not made by sa-kubeconfig\); used as it is/);
      assert.deepEqual(
        r.applyResult!.used.map((o) => `${o.kind}/${o.name}`),
        ['ServiceAccount/app'],
      );
      assert.deepEqual(
        r.applyResult!.created.map((o) => o.kind),
        ['Role', 'RoleBinding'],
      );
      assert.match(r.credential!.secretName!, /^app-cred-/, 'the credential is issued on its own, outside the plan');
      assert.deepEqual(r.applyResult!.updated, []);
      assert.equal(r.verification!.ok, true);
      assert.deepEqual(
        await accountState(ns, 'app'),
        before,
        'the account is exactly as it was: same labels, same resourceVersion',
      );
      for (const kind of ['role', 'rolebinding', 'secret']) {
        const label = await kubectlOk([
          'get',
          kind,
          '-n',
          ns,
          '-l',
          'app.kubernetes.io/managed-by=sa-kubeconfig',
          '-o',
          'name',
        ]);
        assert.notEqual(label.trim(), '', `our ${kind} carries the label`);
      }

      const conn = await adminConnection();
      try {
        const result = await deleteManaged(conn, { namespace: ns, serviceAccount: 'app' });
        assert.deepEqual(result.failed, []);
        assert.deepEqual(
          result.deleted.map((d) => d.kind),
          ['RoleBinding', 'Role', 'Secret'],
        );
        assert.deepEqual(
          result.kept.map((k) => `${k.ref.kind}/${k.ref.name}: ${k.reason}`),
          [
            'ServiceAccount/app: it was not made by sa-kubeconfig (it was used as it is), ' +
              'so only what sa-kubeconfig made for it is deleted',
          ],
        );
      } finally {
        conn.close();
      }
      await eventually(
        async () => (await names(ns, 'roles,rolebindings,secrets')).length === 0,
        10_000,
        'our objects to go',
      );
      assert.deepEqual(await accountState(ns, 'app'), before, 'delete left the account as it was');
    },
  );

  it('core: a rollback after a failure removes what this run made and leaves the account', async function () {
    const ns = cleanup.namespace(uniqueName('existing-rb'));
    await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['create', 'serviceaccount', 'app', '-n', ns]);
    const before = await accountState(ns, 'app');
    const ac = new AbortController();
    const onProgress = (p: { step: string; state: string }) => {
      if (p.step === 'token' && p.state === 'start') ac.abort();
    };
    await assert.rejects(
      provision(request(ns, 'app', { token: { kind: 'longLived' } }), {
        kubeconfigPath: clusterEnv().adminKubeconfig,
        signal: ac.signal,
        onProgress,
      }),
      (err: unknown) => {
        assert.ok(isSaKubeconfigError(err, 'aborted'), String(err));
        const result = (err.details as { applyResult: ApplyResult }).applyResult;
        // Cancelled before the credential's Secret was made: only the RBAC objects were there to roll back.
        assert.deepEqual(
          result.rolledBack.map((o) => o.kind),
          ['RoleBinding', 'Role'],
        );
        assert.deepEqual(
          result.used.map((o) => o.kind),
          ['ServiceAccount'],
        );
        return true;
      },
    );
    await eventually(
      async () => (await names(ns, 'roles,rolebindings,secrets')).length === 0,
      10_000,
      'the rolled-back objects to go',
    );
    assert.deepEqual(await accountState(ns, 'app'), before);
  });

  it(
    'core: an existing account that is not there is refused, ' + 'naming it and what to do; nothing is created',
    async function () {
      const ns = cleanup.namespace(uniqueName('existing-none'));
      await kubectlOk(['create', 'namespace', ns]);
      await assert.rejects(
        provision(request(ns, 'ghost'), { kubeconfigPath: clusterEnv().adminKubeconfig }),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'notFound'), String(err));
          assert.equal(
            err.message,
            `Nothing was created: service account "ghost" does not exist in namespace "${ns}".`,
          );
          assert.match(
            err.hint,
            new RegExp(
              `Create it first \\(kubectl create serviceaccount ghost -n ${ns}\\), or choose a new service account`,
            ),
          );
          return true;
        },
      );
      assert.deepEqual(await names(ns, 'serviceaccounts,roles,rolebindings,secrets'), []);
    },
  );

  it(
    'CLI: without --existing-service-account an account we did not make is a conflict ' +
      '(exit 4) that says how to use it; with it, it is used as it is (exit 0)',
    async function () {
      const env = clusterEnv();
      const ns = cleanup.namespace(uniqueName('existing-cli'));
      await kubectlOk(['create', 'namespace', ns]);
      await kubectlOk(['create', 'serviceaccount', 'app', '-n', ns]);
      const before = await accountState(ns, 'app');
      const dir = cleanup.dir(privateTempDir());
      const out = path.join(dir, 'app.kubeconfig');

      const refused = await runCli(
        ['create', '-n', ns, '-s', 'app', '--rule', 'pods:get,list', '--out', out],
        env.adminKubeconfig,
      );
      assert.equal(refused.code, 4, refused.stderr);
      assert.match(
        refused.stderr,
        /ServiceAccount .*\/app already exists and was not made by sa-kubeconfig.*--existing-service-account/,
      );
      assert.deepEqual(await names(ns, 'roles,rolebindings'), []);

      const r = await runCli(
        ['create', '-n', ns, '-s', 'app', '--existing-service-account', '--rule', 'pods:get,list', '--out', out],
        env.adminKubeconfig,
      );
      assert.equal(r.code, 0, r.stderr);
      // With --out, the report is on stdout (stdout carries no kubeconfig).
      assert.match(
        r.stdout,
        new RegExp(`used as it is ServiceAccount ${ns}/app \\(sa-kubeconfig never changes or deletes it\\)`),
      );
      assert.match(r.stdout, /2 created, 0 updated, 0 unchanged/);
      assert.deepEqual(await accountState(ns, 'app'), before);
      assert.equal((await kubectl(['get', 'pods', '-n', ns], { kubeconfig: out })).code, 0, 'the kubeconfig works');

      const del = await runCli(['delete', '-n', ns, '-s', 'app', '--yes'], env.adminKubeconfig);
      assert.equal(del.code, 0, del.stderr);
      assert.match(del.stdout, /Deleted:\n {2}RoleBinding .*\n {2}Role /);
      assert.match(
        del.stdout,
        new RegExp(
          `Kept ServiceAccount ${ns}/app: it was not made by sa-kubeconfig \\(it was used as it is\\), ` +
            'so only what sa-kubeconfig made for it is deleted\\.',
        ),
      );
      assert.deepEqual(await accountState(ns, 'app'), before, 'delete left the account');
      await eventually(
        async () => (await names(ns, 'roles,rolebindings')).length === 0,
        10_000,
        'our Role and RoleBinding to go',
      );
    },
  );

  it(
    'CLI: --existing-secret uses a legacy account and its token Secret as they are (no --adopt), ' +
      'and a missing account exits 2',
    async function () {
      const env = clusterEnv();
      const ns = cleanup.namespace(uniqueName('existing-legacy'));
      await kubectlOk(['create', 'namespace', ns]);
      await kubectlOk(['create', 'serviceaccount', 'legacy', '-n', ns]);
      await kubectlOk(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Secret',
          type: 'kubernetes.io/service-account-token',
          metadata: {
            name: 'legacy-token',
            namespace: ns,
            annotations: { 'kubernetes.io/service-account.name': 'legacy' },
          },
        }),
      });
      await kubectlOk([
        'patch',
        'serviceaccount',
        'legacy',
        '-n',
        ns,
        '--type=merge',
        '-p',
        JSON.stringify({ secrets: [{ name: 'legacy-token' }] }),
      ]);
      await eventually(
        async () =>
          (await kubectlOk(['get', 'secret', 'legacy-token', '-n', ns, '-o', 'jsonpath={.data.token}'])).length > 0,
        30_000,
        'the token controller to fill the Secret',
      );
      const before = await accountState(ns, 'legacy');
      const dir = cleanup.dir(privateTempDir());
      const out = path.join(dir, 'legacy.kubeconfig');

      const r = await runCli(
        [
          'create',
          '-n',
          ns,
          '-s',
          'legacy',
          '--existing-secret',
          'legacy-token',
          '--rule',
          'pods:get,list',
          '--out',
          out,
        ],
        env.adminKubeconfig,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`used as it is ServiceAccount ${ns}/legacy`));
      assert.deepEqual(await accountState(ns, 'legacy'), before, 'not labelled, not changed');
      assert.equal(
        JSON.parse(
          (await kubectlOk(['get', 'secret', 'legacy-token', '-n', ns, '-o', 'jsonpath={.metadata.labels}'])) || '{}',
        )['app.kubernetes.io/managed-by'],
        undefined,
      );
      const token = Buffer.from(
        await kubectlOk(['get', 'secret', 'legacy-token', '-n', ns, '-o', 'jsonpath={.data.token}']),
        'base64',
      ).toString('utf8');
      assert.ok(readFileSync(out, 'utf8').includes(`token: ${token}`), 'the kubeconfig carries the legacy token');

      const missing = await runCli(
        ['create', '-n', ns, '-s', 'nobody', '--existing-service-account', '--rule', 'pods:get'],
        env.adminKubeconfig,
      );
      assert.equal(missing.code, 2, missing.stderr);
      assert.match(
        missing.stderr,
        new RegExp(
          'error: Nothing was created: service account "nobody" does not exist in namespace ' +
            `"${ns}"\\.\\nCreate it first`,
        ),
      );
    },
  );
});
