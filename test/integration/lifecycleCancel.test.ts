// Cancelling rotate and delete while a request that changes the cluster is in flight (the server acted, its answer
// held back in a relay): delete says exactly what it had removed, and rotate, once the new credential is delivered,
// finishes (the old credential is revoked, the new one works).
import * as assert from 'node:assert/strict';

import { connect, type Connection } from '../../src/core/cluster/connect';
import { rotateCredentials } from '../../src/core/credentials/rotate';
import { isSaKubeconfigError } from '../../src/core/errors';
import { deleteManaged, type DeleteResult } from '../../src/core/inventory/lifecycle';
import { provision } from '../../src/core/provision';
import type { OperationOptions, ProvisionRequest } from '../../src/core/types';
import {
  Cleanup,
  clusterEnv,
  currentContextOf,
  kubectl,
  kubectlOk,
  privateTempDir,
  uniqueName,
  writeKubeconfig,
} from '../support/cluster';
import { HoldingRelay } from '../support/holdingRelay';

function request(namespace: string, serviceAccount: string): ProvisionRequest {
  return {
    context: currentContextOf(clusterEnv().adminKubeconfig),
    namespace,
    createNamespace: true,
    serviceAccount,
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
    roleRefs: [],
    scope: { kind: 'namespaces', namespaces: [namespace] },
    token: { kind: 'timeBound', durationSeconds: 3600 },
    kubeconfig: {},
  };
}

describe('cancelling rotate and delete with a change in flight', function () {
  const cleanup = new Cleanup();
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  /**
   * Runs fn over a connection through a relay that holds the answer to the first request matching `held`,
   * cancels then, and releases.
   */
  async function cancelledWhileHeld<T>(
    held: RegExp,
    fn: (conn: Connection, options: OperationOptions) => Promise<T>,
  ): Promise<{ outcome: unknown; heldOne: boolean }> {
    const env = clusterEnv();
    const relay = await HoldingRelay.start(env.server);
    const dir = cleanup.dir(privateTempDir());
    const conn = await connect({
      kubeconfigPath: writeKubeconfig(dir, 'relay.kubeconfig', relay.kubeconfig(env.adminKubeconfig, env.server)),
    });
    const ac = new AbortController();
    let heldOne = false;
    const logger = {
      debug(m: string) {
        if (!heldOne && held.test(m)) {
          relay.hold();
          heldOne = true;
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
      return { outcome: await fn(conn, { signal: ac.signal, logger }).catch((err: unknown) => err), heldOne };
    } finally {
      conn.close();
      await relay.close();
    }
  }

  it('delete: the DELETE in flight completes, the rest is left, and the error lists what is gone', async function () {
    const ns = cleanup.namespace(uniqueName('cancel-del'));
    await provision(request(ns, 'app'), { kubeconfigPath: clusterEnv().adminKubeconfig, verify: false });
    const { outcome, heldOne } = await cancelledWhileHeld(/^DELETE \S*\/rolebindings\//, (conn, options) =>
      deleteManaged(conn, { namespace: ns, serviceAccount: 'app' }, options),
    );
    assert.ok(heldOne, "the RoleBinding's delete was held");
    assert.ok(isSaKubeconfigError(outcome, 'aborted'), String(outcome));
    const result = (outcome.details as { deleteResult: DeleteResult }).deleteResult;
    assert.deepEqual(
      result.deleted.map((r) => r.kind),
      ['RoleBinding'],
    );
    assert.deepEqual(result.failed, []);
    assert.match(outcome.message, /^Cancelled\. Already deleted: RoleBinding /);
    assert.equal(
      (await kubectlOk(['get', 'rolebindings', '-n', ns, '-o', 'name'])).trim(),
      '',
      'the RoleBinding is gone',
    );
    assert.equal(
      (await kubectl(['get', 'role', `sa-kubeconfig:${ns}:app`, '-n', ns])).code,
      0,
      'the Role is still there',
    );
    assert.equal(
      (await kubectl(['get', 'serviceaccount', 'app', '-n', ns])).code,
      0,
      'the service account is still there',
    );
  });

  it(
    "rotate: cancelled while the old credential's DELETE is in flight, it finishes: " +
      'the old one is revoked, the new one works',
    async function () {
      const ns = cleanup.namespace(uniqueName('cancel-rot'));
      const first = await provision(request(ns, 'app'), {
        kubeconfigPath: clusterEnv().adminKubeconfig,
        verify: false,
      });
      const oldSecret = first.credential!.secretName!;
      const { outcome, heldOne } = await cancelledWhileHeld(/^DELETE \S*\/secrets\//, (conn, options) =>
        rotateCredentials(
          conn,
          {
            namespace: ns,
            serviceAccount: 'app',
            kubeconfig: { server: clusterEnv().server },
            ledger: false,
          },
          async () => [],
          options,
        ),
      );
      assert.ok(heldOne, "the old credential's delete was held");
      assert.ok(!(outcome instanceof Error), String(outcome));
      const rotated = outcome as Awaited<ReturnType<typeof rotateCredentials>>;
      assert.deepEqual(
        rotated.revokeResult!.revoked.map((c) => c.secretName),
        [oldSecret],
      );
      assert.notEqual(rotated.credential.secretName, oldSecret);
      assert.notEqual(
        (await kubectl(['get', 'secret', oldSecret, '-n', ns])).code,
        0,
        "the old credential's Secret is gone",
      );
      const dir = cleanup.dir(privateTempDir());
      const who = await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
        kubeconfig: writeKubeconfig(dir, 'rotated', rotated.kubeconfigYaml),
      });
      assert.equal(who, `system:serviceaccount:${ns}:app`);
    },
  );
});
