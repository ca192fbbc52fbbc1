// Each token mode against the real cluster, revocation (401 afterwards), rotation and the fill timeout.
import * as assert from 'node:assert/strict';
import { provision, type ProvisionResult } from '../../src/core/provision';
import type { ProvisionRequest, TokenMode } from '../../src/core/types';
import { connectWithKubeconfigText } from '../../src/core/cluster/connect';
import { isSaKubeconfigError, SaKubeconfigError } from '../../src/core/cluster/errors';
import { whoAmI } from '../../src/core/cluster/reviews';
import { revoke, rotate } from '../../src/core/inventory';
import { waitForTokenSecret } from '../../src/core/token/token';
import { adminConnection, Cleanup, clusterEnv, currentContextOf, eventually, kubectl, kubectlOk, privateTempDir, uniqueName, writeKubeconfig } from '../support/cluster';

function request(namespace: string, serviceAccount: string, token: TokenMode): ProvisionRequest {
  return {
    context: currentContextOf(clusterEnv().adminKubeconfig), namespace, createNamespace: true, serviceAccount,
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }], roleRefs: [],
    scope: { kind: 'namespaces', namespaces: [namespace] }, token, kubeconfig: {},
  };
}

/** What the server answers the credential: its user name, or the SaKubeconfigError code. */
async function identity(kubeconfigYaml: string): Promise<string> {
  const conn = await connectWithKubeconfigText(kubeconfigYaml);
  try {
    return (await whoAmI(conn)).username;
  } catch (err) {
    if (err instanceof SaKubeconfigError) return `error:${err.code}`;
    throw err;
  } finally {
    conn.close();
  }
}

describe('token modes', function () {
  const cleanup = new Cleanup();
  const env = () => clusterEnv();
  after(async function () { this.timeout(60_000); await cleanup.run(); });

  it('time-bound: reports the granted expiry and the token authenticates as the service account', async function () {
    const ns = cleanup.namespace(uniqueName('tok-tb'));
    const started = Date.now();
    const r = await provision(request(ns, 'ci', { kind: 'timeBound', durationSeconds: 2 * 3600 }), { kubeconfigPath: env().adminKubeconfig });
    assert.equal(r.token!.mode, 'timeBound');
    assert.equal(r.token!.requestedSeconds, 7200);
    assert.ok(Math.abs(r.token!.grantedSeconds! - 7200) < 60);
    assert.equal(r.token!.shortened, false);
    assert.ok(Math.abs(new Date(r.token!.expiresAt!).getTime() - (started + 7200_000)) < 60_000);
    assert.match(r.kubeconfigYaml!, /# Token expires: /);
    assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:ci`);
    assert.equal(r.verification!.ok, true);
  });

  describe('time-bound, bound to a Secret', function () {
    let ns: string;
    let r: ProvisionResult;
    before(async function () {
      ns = cleanup.namespace(uniqueName('tok-bound'));
      r = await provision(request(ns, 'ci', { kind: 'timeBound', durationSeconds: 3600, bindToSecret: true }), { kubeconfigPath: env().adminKubeconfig });
    });

    it('creates the binding Secret and a token bound to it', async function () {
      assert.equal(r.token!.secretName, 'ci-token-binding');
      assert.ok(r.applyResult!.created.some((o) => o.kind === 'Secret' && o.name === 'ci-token-binding'));
      assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:ci`);
    });

    it('revoke deletes the Secret and the token then gets 401 (kubectl and core)', async function () {
      const admin = await adminConnection();
      try {
        const rv = await revoke(admin, { namespace: ns, serviceAccount: 'ci' });
        assert.deepEqual(rv.deleted.map((d) => d.name), ['ci-token-binding']);
      } finally { admin.close(); }
      await eventually(async () => (await identity(r.kubeconfigYaml!)) === 'error:unauthorized', 25_000, 'the bound token to be rejected');
      const dir = cleanup.dir(privateTempDir());
      const k = await kubectl(['get', 'configmaps'], { kubeconfig: writeKubeconfig(dir, 'bound', r.kubeconfigYaml!) });
      assert.notEqual(k.code, 0);
      assert.match(k.stderr, /Unauthorized|must be logged in/);
    });
  });

  describe('long-lived Secret', function () {
    let ns: string;
    let r: ProvisionResult;
    before(async function () {
      ns = cleanup.namespace(uniqueName('tok-ll'));
      r = await provision(request(ns, 'ci', { kind: 'longLived' }), { kubeconfigPath: env().adminKubeconfig });
    });

    it('waits for the token controller and uses the token (no expiry)', async function () {
      assert.equal(r.token!.mode, 'longLived');
      assert.equal(r.token!.secretName, 'ci-token');
      assert.equal(r.token!.expiresAt, undefined);
      assert.match(r.kubeconfigYaml!, /revoke it by deleting Secret .*\/ci-token/);
      assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:ci`);
      const type = await kubectlOk(['get', 'secret', 'ci-token', '-n', ns, '-o', 'jsonpath={.type}']);
      assert.equal(type, 'kubernetes.io/service-account-token');
    });

    it('rotate replaces the Secret: the old token gets 401, the new one works', async function () {
      const admin = await adminConnection();
      let rotated;
      try {
        rotated = await rotate(admin, { namespace: ns, serviceAccount: 'ci' });
      } finally { admin.close(); }
      assert.deepEqual(rotated.replacedSecrets, ['ci-token']);
      assert.match(rotated.token.secretName!, /^ci-token-r[a-z0-9]{5}$/);
      assert.notEqual(rotated.kubeconfigYaml.match(/token: (\S+)/)![1], r.kubeconfigYaml!.match(/token: (\S+)/)![1]);
      assert.equal(await identity(rotated.kubeconfigYaml), `system:serviceaccount:${ns}:ci`);
      await eventually(async () => (await identity(r.kubeconfigYaml!)) === 'error:unauthorized', 25_000, 'the old long-lived token to be rejected');
      r = { ...r, kubeconfigYaml: rotated.kubeconfigYaml };
      // Running create again keeps using the rotated Secret instead of making a second credential.
      const again = await provision(r.plan.request, { kubeconfigPath: env().adminKubeconfig, verify: false });
      assert.equal(again.token!.secretName, rotated.token.secretName);
      assert.deepEqual(again.applyResult!.created, []);
      const secrets = (await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name'])).trim().split('\n').sort();
      assert.deepEqual(secrets, [`secret/${rotated.token.secretName}`]);
    });

    it('revoke deletes the long-lived Secret and the token then gets 401', async function () {
      const admin = await adminConnection();
      try {
        const rv = await revoke(admin, { namespace: ns, serviceAccount: 'ci' });
        assert.equal(rv.deleted.length, 1);
        assert.match(rv.deleted[0].name, /^ci-token-r/);
      } finally { admin.close(); }
      await eventually(async () => (await identity(r.kubeconfigYaml!)) === 'error:unauthorized', 25_000, 'the revoked token to be rejected');
      const dir = cleanup.dir(privateTempDir());
      const k = await kubectl(['get', 'configmaps'], { kubeconfig: writeKubeconfig(dir, 'll', r.kubeconfigYaml!) });
      assert.match(k.stderr, /Unauthorized|must be logged in/);
    });
  });

  it('existing Secret: reads a token Secret made by hand for the service account', async function () {
    const ns = cleanup.namespace(uniqueName('tok-ex'));
    await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['create', 'serviceaccount', 'legacy', '-n', ns]);
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'legacy-token-abcde', namespace: ns, annotations: { 'kubernetes.io/service-account.name': 'legacy' } }, type: 'kubernetes.io/service-account-token' }),
    });
    const req = { ...request(ns, 'legacy', { kind: 'existingSecret', secretName: 'legacy-token-abcde' }), createNamespace: false, adoptUnmanaged: true };
    // Give the token controller a moment: provision reads the Secret once, as the user would.
    await eventually(async () => (await kubectlOk(['get', 'secret', 'legacy-token-abcde', '-n', ns, '-o', 'jsonpath={.data.token}'])).length > 0, 15_000, 'the controller to fill the Secret');
    const r = await provision(req, { kubeconfigPath: clusterEnv().adminKubeconfig });
    assert.equal(r.token!.mode, 'existingSecret');
    assert.equal(r.token!.secretName, 'legacy-token-abcde');
    assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:legacy`);
  });

  it('a token Secret nobody fills times out with a clear error', async function () {
    const ns = cleanup.namespace(uniqueName('tok-to'));
    await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['create', 'secret', 'generic', 'never-filled', '-n', ns]);
    const admin = await adminConnection();
    try {
      await assert.rejects(waitForTokenSecret(admin, { namespace: ns, secretName: 'never-filled', timeoutMs: 1500 }), (err: unknown) => {
        assert.ok(isSaKubeconfigError(err, 'timeout'));
        assert.match(err.message, /"never-filled".*was not filled with a token within 2 s/);
        assert.match(err.hint, /kube-controller-manager/);
        return true;
      });
    } finally { admin.close(); }
  });
});
