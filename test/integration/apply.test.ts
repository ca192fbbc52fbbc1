// Preflight and apply against the real cluster: escalation refused for the restricted user with nothing
// created, idempotent re-runs, updates of only what changed, conflicts with unmanaged objects, rollback.
import * as assert from 'node:assert/strict';

import type { ApplyResult } from '../../src/core/apply/apply';
import type { PreflightReport } from '../../src/core/apply/preflight';
import { isSaKubeconfigError, SaKubeconfigError } from '../../src/core/errors';
import { formatRule } from '../../src/core/plan/rules';
import { provision } from '../../src/core/provision';
import type { ProvisionRequest } from '../../src/core/types';
import {
  Cleanup,
  clusterEnv,
  currentContextOf,
  eventually,
  kubectl,
  kubectlOk,
  privateTempDir,
  uniqueName,
  writeKubeconfig,
} from '../support/cluster';
import { HoldingRelay } from '../support/holdingRelay';

const POD_RULES = [
  { apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list', 'create'] },
  { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
];

function request(
  kubeconfig: string,
  namespace: string,
  serviceAccount: string,
  extra: Partial<ProvisionRequest> = {},
): ProvisionRequest {
  return {
    context: currentContextOf(kubeconfig),
    namespace,
    serviceAccount,
    rules: POD_RULES,
    roleRefs: [],
    scope: { kind: 'namespaces', namespaces: [namespace] },
    token: { kind: 'timeBound', durationSeconds: 3600 },
    kubeconfig: {},
    ...extra,
  };
}

async function exists(kind: string, name: string, namespace: string): Promise<boolean> {
  return (await kubectl(['get', kind, name, '-n', namespace])).code === 0;
}

describe('preflight and apply', function () {
  const cleanup = new Cleanup();
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  describe('escalation: the restricted user asks for pods rules it does not hold', function () {
    const sa = uniqueName('esc');
    let error: SaKubeconfigError;
    before(async function () {
      const env = clusterEnv();
      try {
        await provision(request(env.restrictedKubeconfig, 'restricted-ns', sa), {
          kubeconfigPath: env.restrictedKubeconfig,
        });
        assert.fail('provision should have been refused');
      } catch (err) {
        if (!(err instanceof SaKubeconfigError)) throw err;
        error = err;
      }
    });

    it('is refused with code "escalation" and names exactly the missing rules', function () {
      assert.equal(error.code, 'escalation');
      const report = error.details as PreflightReport;
      assert.equal(report.missingRules.length, 1);
      assert.equal(report.missingRules[0].namespace, 'restricted-ns');
      assert.deepEqual(report.missingRules[0].rules.map(formatRule).sort(), [
        'pods/exec:create',
        'pods:create,get,list,watch',
      ]);
      assert.match(report.missingRules[0].neededFor.join(' '), /Role restricted-ns\/sa-kubeconfig:restricted-ns:/);
      assert.match(error.message, /Nothing was created: you lack permissions/);
      assert.match(error.message, /pods\/exec:create/);
      assert.match(error.hint, /escalate/);
    });

    it('the server dry run agrees (RBAC escalation prevention)', function () {
      const report = error.details as PreflightReport;
      const role = report.dryRun.find((d) => d.ref.kind === 'Role');
      assert.equal(role?.ok, false);
      assert.match(role!.error!.message, /attempting to grant RBAC permissions not currently held/);
    });

    it('creates nothing', async function () {
      assert.equal(await exists('serviceaccount', sa, 'restricted-ns'), false);
      assert.equal(
        (
          await kubectlOk([
            'get',
            'roles,rolebindings',
            '-n',
            'restricted-ns',
            '-l',
            'app.kubernetes.io/managed-by=sa-kubeconfig',
            '-o',
            'name',
          ])
        ).trim(),
        '',
      );
    });
  });

  it(
    'a revocable credential needs "create secrets": the restricted user (no rights on secrets) is refused with ' +
      'exactly that, nothing created',
    async function () {
      const env = clusterEnv();
      const sa = uniqueName('nosecrets');
      await assert.rejects(
        provision(
          request(env.restrictedKubeconfig, 'restricted-ns', sa, {
            rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list'] }],
          }),
          { kubeconfigPath: env.restrictedKubeconfig },
        ),
        (err: unknown) => {
          assert.ok(err instanceof SaKubeconfigError, String(err));
          const report = err.details as PreflightReport;
          assert.deepEqual(
            report.denied.map((d) => d.description),
            ['create secrets in namespace "restricted-ns"'],
          );
          assert.match(err.message, /create secrets in namespace "restricted-ns"/);
          return true;
        },
      );
      assert.equal(await exists('serviceaccount', sa, 'restricted-ns'), false);
    },
  );

  it(
    'the restricted user may create what it holds (service accounts read access) in its namespace, ' +
      'with an unbound token',
    async function () {
      const env = clusterEnv();
      const sa = uniqueName('ok');
      const r = await provision(
        request(env.restrictedKubeconfig, 'restricted-ns', sa, {
          rules: [{ apiGroups: [''], resources: ['serviceaccounts'], verbs: ['get', 'list'] }],
          token: { kind: 'timeBound', durationSeconds: 3600, unbound: true },
        }),
        { kubeconfigPath: env.restrictedKubeconfig },
      );
      try {
        assert.equal(r.preflight.ok, true);
        assert.equal(r.verification!.ok, true);
        assert.equal(r.verification!.whoami!.username, `system:serviceaccount:restricted-ns:${sa}`);
      } finally {
        await kubectl([
          'delete',
          'serviceaccount,role,rolebinding',
          '-n',
          'restricted-ns',
          '-l',
          'app.kubernetes.io/managed-by=sa-kubeconfig',
        ]);
      }
    },
  );

  describe('idempotency and updates', function () {
    const ns = uniqueName('idem');
    let base: ProvisionRequest;
    before(function () {
      cleanup.namespace(ns);
      base = { ...request(clusterEnv().adminKubeconfig, ns, 'app'), createNamespace: true };
    });

    it('a second run of the same request changes nothing', async function () {
      const first = await provision(base, { kubeconfigPath: clusterEnv().adminKubeconfig, verify: false });
      assert.equal(first.applyResult!.created.length, 4);
      const rvBefore = await kubectlOk([
        'get',
        'role,rolebinding,serviceaccount',
        '-n',
        ns,
        '-o',
        'jsonpath={..resourceVersion}',
      ]);
      const second = await provision(base, { kubeconfigPath: clusterEnv().adminKubeconfig, verify: false });
      assert.deepEqual(second.applyResult!.created, []);
      assert.deepEqual(second.applyResult!.updated, []);
      assert.equal(second.applyResult!.unchanged.length, 4);
      const rvAfter = await kubectlOk([
        'get',
        'role,rolebinding,serviceaccount',
        '-n',
        ns,
        '-o',
        'jsonpath={..resourceVersion}',
      ]);
      const versions = (text: string) => text.split(/\s+/).filter(Boolean).sort();
      assert.deepEqual(versions(rvAfter), versions(rvBefore), 'no object was written');
    });

    it('a changed rule updates only the Role', async function () {
      base = { ...base, rules: [...POD_RULES, { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] }] };
      const r = await provision(base, { kubeconfigPath: clusterEnv().adminKubeconfig });
      assert.deepEqual(
        r.applyResult!.updated.map((o) => o.kind),
        ['Role'],
      );
      assert.equal(r.applyResult!.created.length, 0);
      assert.equal(r.verification!.ok, true);
      const can = await kubectl(['auth', 'can-i', 'get', 'pods/log', '-n', ns, `--as=system:serviceaccount:${ns}:app`]);
      assert.equal(can.stdout.trim(), 'yes');
    });

    it('labels a user added to our object are kept on update', async function () {
      await kubectlOk(['label', 'serviceaccount', 'app', '-n', ns, 'team=blue']);
      await kubectlOk(['label', 'serviceaccount', 'app', '-n', ns, 'app.kubernetes.io/managed-by-']);
      const r = await provision(
        { ...base, adoptUnmanaged: true },
        { kubeconfigPath: clusterEnv().adminKubeconfig, verify: false },
      );
      assert.deepEqual(
        r.applyResult!.updated.map((o) => o.kind),
        ['ServiceAccount'],
      );
      const labels = JSON.parse(
        await kubectlOk(['get', 'serviceaccount', 'app', '-n', ns, '-o', 'jsonpath={.metadata.labels}']),
      );
      assert.deepEqual(labels, { team: 'blue', 'app.kubernetes.io/managed-by': 'sa-kubeconfig' });
    });
  });

  describe('conflict with an unmanaged object of the same name', function () {
    const ns = uniqueName('conflict');
    before(async function () {
      cleanup.namespace(ns);
      await kubectlOk(['create', 'namespace', ns]);
      await kubectlOk(['create', 'serviceaccount', 'shared', '-n', ns]);
    });

    it('is refused, names the object, and touches nothing', async function () {
      await assert.rejects(
        provision(request(clusterEnv().adminKubeconfig, ns, 'shared'), {
          kubeconfigPath: clusterEnv().adminKubeconfig,
        }),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'unmanagedConflict'), String(err));
          assert.match(err.message, /ServiceAccount .*\/shared already exists and was not made by sa-kubeconfig/);
          assert.match(err.hint, /adopt/);
          return true;
        },
      );
      const labels = await kubectlOk([
        'get',
        'serviceaccount',
        'shared',
        '-n',
        ns,
        '-o',
        'jsonpath={.metadata.labels}',
      ]);
      assert.equal(labels, '');
      assert.equal((await kubectlOk(['get', 'roles,rolebindings', '-n', ns, '-o', 'name'])).trim(), '');
    });

    it('with consent (adoptUnmanaged) it adopts the object and completes', async function () {
      const r = await provision(
        { ...request(clusterEnv().adminKubeconfig, ns, 'shared'), adoptUnmanaged: true },
        { kubeconfigPath: clusterEnv().adminKubeconfig },
      );
      assert.deepEqual(
        r.applyResult!.updated.map((o) => `${o.kind}/${o.name}`),
        ['ServiceAccount/shared'],
      );
      assert.match(r.preflight.plan.objects[0].detail!, /adopt/);
      const label = await kubectlOk([
        'get',
        'serviceaccount',
        'shared',
        '-n',
        ns,
        '-o',
        'jsonpath={.metadata.labels.app\\.kubernetes\\.io/managed-by}',
      ]);
      assert.equal(label, 'sa-kubeconfig');
      assert.equal(r.verification!.ok, true);
    });
  });

  describe('failure part-way', function () {
    it('cancelled during apply: what this run created is rolled back', async function () {
      const ns = cleanup.namespace(uniqueName('rb-apply'));
      await kubectlOk(['create', 'namespace', ns]);
      const ac = new AbortController();
      const logger = {
        debug() {},
        warn() {},
        error() {},
        info(m: string) {
          if (m.startsWith('created ServiceAccount')) ac.abort();
        },
      };
      await assert.rejects(
        provision(request(clusterEnv().adminKubeconfig, ns, 'half'), {
          kubeconfigPath: clusterEnv().adminKubeconfig,
          signal: ac.signal,
          logger,
        }),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'aborted'), String(err));
          const result = (err.details as { applyResult: ApplyResult }).applyResult;
          // The ServiceAccount and the Role go out together (one stage); the cancel stops before the binding.
          assert.deepEqual(
            result.rolledBack.map((o) => o.kind),
            ['Role', 'ServiceAccount'],
          );
          assert.match(err.message, /Rolled back: Role .*, ServiceAccount/);
          return true;
        },
      );
      assert.equal(await exists('serviceaccount', 'half', ns), false);
      assert.equal((await kubectlOk(['get', 'roles,rolebindings', '-n', ns, '-o', 'name'])).trim(), '');
    });

    it(
      'cancelled while a create is in flight (the server made the Role, ' + 'its answer not yet back): nothing is left',
      async function () {
        const env = clusterEnv();
        const ns = cleanup.namespace(uniqueName('rb-inflight'));
        await kubectlOk(['create', 'namespace', ns]);
        const relay = await HoldingRelay.start(env.server);
        const dir = cleanup.dir(privateTempDir());
        const kubeconfigPath = writeKubeconfig(
          dir,
          'relay.kubeconfig',
          relay.kubeconfig(env.adminKubeconfig, env.server),
        );
        const ac = new AbortController();
        let heldRole = false;
        // The Role's real create (not its dry run) goes out: hold the server's answer, and cancel once it has come.
        const logger = {
          debug(m: string) {
            if (/^POST \S*\/roles$/.test(m)) {
              relay.hold();
              heldRole = true;
            }
          },
          info() {},
          warn() {},
          error() {},
        };
        relay.onHeldAnswer = () => {
          ac.abort();
          setTimeout(() => relay.release(), 300);
        };
        try {
          await assert.rejects(
            provision(request(env.adminKubeconfig, ns, 'inflight'), { kubeconfigPath, signal: ac.signal, logger }),
            (err: unknown) => {
              assert.ok(isSaKubeconfigError(err, 'aborted'), String(err));
              const result = (err.details as { applyResult: ApplyResult }).applyResult;
              assert.deepEqual(
                result.rolledBack.map((o) => o.kind),
                ['Role', 'ServiceAccount'],
              );
              assert.deepEqual(result.rollbackFailed, []);
              assert.match(err.message, /Rolled back: Role .*, ServiceAccount/);
              return true;
            },
          );
        } finally {
          await relay.close();
        }
        assert.ok(heldRole, "the Role's create was held");
        assert.equal(
          (await kubectlOk(['get', 'roles,rolebindings', '-n', ns, '-o', 'name'])).trim(),
          '',
          'no Role or RoleBinding is left',
        );
        await eventually(
          async () => !(await exists('serviceaccount', 'inflight', ns)),
          10_000,
          'the service account to go',
        );
      },
    );

    it('a token step that fails after apply rolls back every object this run created', async function () {
      const ns = cleanup.namespace(uniqueName('rb-token'));
      const ac = new AbortController();
      const onProgress = (p: { step: string; state: string }) => {
        if (p.step === 'token' && p.state === 'start') ac.abort();
      };
      await assert.rejects(
        provision(
          { ...request(clusterEnv().adminKubeconfig, ns, 'late'), createNamespace: true, token: { kind: 'longLived' } },
          {
            kubeconfigPath: clusterEnv().adminKubeconfig,
            signal: ac.signal,
            onProgress,
          },
        ),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'aborted'), String(err));
          const result = (err.details as { applyResult: ApplyResult }).applyResult;
          // Cancelled before the credential's own Secret was made (it is not part of the plan): the plan's objects go.
          assert.deepEqual(
            result.rolledBack.map((o) => o.kind),
            ['RoleBinding', 'Role', 'ServiceAccount', 'Namespace'],
          );
          assert.deepEqual(result.rollbackFailed, []);
          return true;
        },
      );
      const ns2 = await kubectl(['get', 'namespace', ns, '-o', 'jsonpath={.status.phase}']);
      assert.ok(ns2.code !== 0 || ns2.stdout === 'Terminating', `namespace is ${ns2.stdout}`);
    });
  });
});
