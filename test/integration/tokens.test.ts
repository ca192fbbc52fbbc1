// Each credential kind against the real cluster (issued through core/credentials), revocation of exactly one
// credential (401 afterwards), make-before-break rotation and the fill timeout.
import * as assert from 'node:assert/strict';

import { connectWithKubeconfigText } from '../../src/core/cluster/connect';
import { whoAmI } from '../../src/core/cluster/reviews';
import { listCredentials } from '../../src/core/credentials/list';
import { revokeCredentials } from '../../src/core/credentials/revoke';
import { rotateCredentials } from '../../src/core/credentials/rotate';
import { isSaKubeconfigError, SaKubeconfigError } from '../../src/core/errors';
import { findManagedObjects } from '../../src/core/inventory/lifecycle';
import { provision, type ProvisionResult } from '../../src/core/provision';
import { waitForTokenSecret } from '../../src/core/token/token';
import type { ProvisionRequest, TokenMode } from '../../src/core/types';
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
  writeKubeconfig,
} from '../support/cluster';

function request(namespace: string, serviceAccount: string, token: TokenMode): ProvisionRequest {
  return {
    context: currentContextOf(clusterEnv().adminKubeconfig),
    namespace,
    createNamespace: true,
    serviceAccount,
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list'] }],
    roleRefs: [],
    scope: { kind: 'namespaces', namespaces: [namespace] },
    token,
    kubeconfig: {},
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
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('time-bound: reports the granted expiry and the token authenticates as the service account', async function () {
    const ns = cleanup.namespace(uniqueName('tok-tb'));
    const started = Date.now();
    const r = await provision(request(ns, 'ci', { kind: 'timeBound', durationSeconds: 2 * 3600 }), {
      kubeconfigPath: env().adminKubeconfig,
    });
    assert.equal(r.token!.mode, 'timeBound');
    assert.equal(r.token!.requestedSeconds, 7200);
    assert.ok(Math.abs(r.token!.grantedSeconds! - 7200) < 60);
    assert.equal(r.token!.shortened, false);
    assert.ok(Math.abs(new Date(r.token!.expiresAt!).getTime() - (started + 7200_000)) < 60_000);
    assert.match(r.kubeconfigYaml!, /# Token expires: /);
    assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:ci`);
    assert.equal(r.verification!.ok, true);
  });

  describe('time-bound, bound to a Secret of its own (the default)', function () {
    let ns: string;
    let first: ProvisionResult;
    let second: ProvisionResult;
    before(async function () {
      ns = cleanup.namespace(uniqueName('tok-bound'));
      first = await provision(request(ns, 'ci', { kind: 'timeBound', durationSeconds: 3600, note: 'pipeline a' }), {
        kubeconfigPath: env().adminKubeconfig,
      });
      second = await provision(request(ns, 'ci', { kind: 'timeBound', durationSeconds: 3600 }), {
        kubeconfigPath: env().adminKubeconfig,
        verify: false,
      });
    });

    it(
      'each run issues a credential with a Secret of its own, ' + 'annotated with the jti and the real expiry',
      async function () {
        const a = first.credential!;
        const b = second.credential!;
        assert.equal(a.kind, 'bound');
        assert.match(a.secretName!, /^ci-cred-[a-z0-9]{5}$/);
        assert.notEqual(a.secretName, b.secretName);
        assert.equal(a.id, a.jti!.replace(/-/g, '').slice(0, 8));
        assert.deepEqual(
          second.applyResult!.created,
          [],
          'the second run converges the RBAC objects and creates only its credential',
        );
        const annotations = JSON.parse(
          await kubectlOk(['get', 'secret', a.secretName!, '-n', ns, '-o', 'jsonpath={.metadata.annotations}']),
        ) as Record<string, string>;
        assert.equal(annotations['sa-kubeconfig.io/credential-id'], a.jti);
        assert.equal(annotations['sa-kubeconfig.io/expires-at'], first.token!.expiresAt);
        assert.equal(annotations['sa-kubeconfig.io/note'], 'pipeline a');
        assert.equal(await identity(first.kubeconfigYaml!), `system:serviceaccount:${ns}:ci`);
        const admin = await adminConnection();
        try {
          const listed = await listCredentials(admin, { namespace: ns, serviceAccount: 'ci', ledger: false });
          assert.deepEqual(listed.credentials.map((c) => c.id).sort(), [a.id, b.id].sort());
          assert.ok(listed.credentials.every((c) => c.state === 'active' && c.expiresAt));
        } finally {
          admin.close();
        }
      },
    );

    it(
      'revoking one credential kills exactly that token (401 within 15 s); ' + 'the other keeps working',
      async function () {
        const admin = await adminConnection();
        try {
          const rv = await revokeCredentials(admin, {
            namespace: ns,
            serviceAccount: 'ci',
            selection: { ids: [first.credential!.id] },
            ledger: false,
          });
          assert.deepEqual(
            rv.revoked.map((c) => c.secretName),
            [first.credential!.secretName],
          );
          assert.match(rv.notes.join(' '), /within about 10 seconds/);
        } finally {
          admin.close();
        }
        await eventually(
          async () => (await identity(first.kubeconfigYaml!)) === 'error:unauthorized',
          15_000,
          'the revoked token to be rejected',
        );
        const dir = cleanup.dir(privateTempDir());
        const k = await kubectl(['get', 'configmaps'], {
          kubeconfig: writeKubeconfig(dir, 'bound', first.kubeconfigYaml!),
        });
        assert.match(k.stderr, /Unauthorized|must be logged in/);
        const other = await kubectl(['get', 'configmaps'], {
          kubeconfig: writeKubeconfig(dir, 'other', second.kubeconfigYaml!),
        });
        assert.equal(other.code, 0, other.stderr);
      },
    );
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
      assert.match(r.token!.secretName!, /^ci-cred-[a-z0-9]{5}$/);
      assert.equal(r.credential!.kind, 'longLived');
      assert.equal(r.credential!.id, r.token!.secretName);
      assert.equal(r.token!.expiresAt, undefined);
      assert.match(r.kubeconfigYaml!, /revoke it by deleting Secret .*\/ci-cred-/);
      assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:ci`);
      const type = await kubectlOk(['get', 'secret', r.token!.secretName!, '-n', ns, '-o', 'jsonpath={.type}']);
      assert.equal(type, 'kubernetes.io/service-account-token');
    });

    it('findManagedObjects reads Secrets metadata only: the token Secret arrives without its data', async function () {
      const admin = await adminConnection();
      try {
        const found = await findManagedObjects(admin, ns, 'ci');
        const secret = found.objects.find((o) => o.kind === 'Secret');
        assert.equal(secret?.name, r.token!.secretName);
        // A full read carries the data; a PartialObjectMetadataList does not. The type comes from the list's field
        // selector (the ownership test needs it), not from the object the server sent.
        assert.equal('data' in secret!.object, false);
        assert.equal(secret!.object.type, 'kubernetes.io/service-account-token');
      } finally {
        admin.close();
      }
    });

    it(
      'rotate makes the new long-lived credential first, then revokes the old one: ' + 'old gets 401, new works',
      async function () {
        const admin = await adminConnection();
        let rotated;
        try {
          rotated = await rotateCredentials(
            admin,
            { namespace: ns, serviceAccount: 'ci', ledger: false },
            async () => [],
          );
        } finally {
          admin.close();
        }
        assert.equal(rotated.credential.kind, 'longLived');
        assert.deepEqual(
          rotated.revokeResult!.revoked.map((c) => c.secretName),
          [r.token!.secretName],
        );
        assert.notEqual(rotated.kubeconfigYaml.match(/token: (\S+)/)![1], r.kubeconfigYaml!.match(/token: (\S+)/)![1]);
        assert.equal(await identity(rotated.kubeconfigYaml), `system:serviceaccount:${ns}:ci`);
        await eventually(
          async () => (await identity(r.kubeconfigYaml!)) === 'error:unauthorized',
          15_000,
          'the old long-lived token to be rejected',
        );
        r = { ...r, kubeconfigYaml: rotated.kubeconfigYaml };
        const secrets = (await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name'])).trim().split('\n').sort();
        assert.deepEqual(secrets, [`secret/${rotated.credential.secretName}`]);
      },
    );

    it('revoke --all deletes the long-lived Secret and the token then gets 401', async function () {
      const admin = await adminConnection();
      try {
        const rv = await revokeCredentials(admin, {
          namespace: ns,
          serviceAccount: 'ci',
          selection: { all: true },
          ledger: false,
        });
        assert.equal(rv.revoked.length, 1);
        assert.match(rv.revoked[0].secretName!, /^ci-cred-/);
      } finally {
        admin.close();
      }
      await eventually(
        async () => (await identity(r.kubeconfigYaml!)) === 'error:unauthorized',
        15_000,
        'the revoked token to be rejected',
      );
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
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: {
          name: 'legacy-token-abcde',
          namespace: ns,
          annotations: { 'kubernetes.io/service-account.name': 'legacy' },
        },
        type: 'kubernetes.io/service-account-token',
      }),
    });
    const req = {
      ...request(ns, 'legacy', { kind: 'existingSecret', secretName: 'legacy-token-abcde' }),
      createNamespace: false,
      adoptUnmanaged: true,
    };
    // Give the token controller a moment: provision reads the Secret once, as the user would.
    await eventually(
      async () =>
        (await kubectlOk(['get', 'secret', 'legacy-token-abcde', '-n', ns, '-o', 'jsonpath={.data.token}'])).length > 0,
      15_000,
      'the controller to fill the Secret',
    );
    const r = await provision(req, { kubeconfigPath: clusterEnv().adminKubeconfig });
    assert.equal(r.token!.mode, 'existingSecret');
    assert.equal(r.token!.secretName, 'legacy-token-abcde');
    assert.deepEqual([r.credential!.kind, r.credential!.id], ['legacy', 'legacy-token-abcde']);
    assert.equal(await identity(r.kubeconfigYaml!), `system:serviceaccount:${ns}:legacy`);
  });

  it(
    'the wait for a long-lived token ends with the token: ' +
      'it does not wait for ca.crt (clusters without a root CA)',
    async function () {
      const ns = cleanup.namespace(uniqueName('tok-noca'));
      await kubectlOk(['create', 'namespace', ns]);
      // What the token controller writes on a cluster without --root-ca-file: a token and no ca.crt.
      await kubectlOk(['create', 'secret', 'generic', 'token-only', '-n', ns, '--from-literal=token=not-a-real-token']);
      const admin = await adminConnection();
      try {
        const started = Date.now();
        const t = await waitForTokenSecret(admin, { namespace: ns, secretName: 'token-only', timeoutMs: 5000 });
        assert.equal(t.secretCaPem, undefined);
        assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
      } finally {
        admin.close();
      }
    },
  );

  it('a token Secret nobody fills times out with a clear error', async function () {
    const ns = cleanup.namespace(uniqueName('tok-to'));
    await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['create', 'secret', 'generic', 'never-filled', '-n', ns]);
    const admin = await adminConnection();
    try {
      await assert.rejects(
        waitForTokenSecret(admin, { namespace: ns, secretName: 'never-filled', timeoutMs: 1500 }),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'timeout'));
          assert.match(err.message, /"never-filled".*was not filled with a token within 2 s/);
          assert.match(err.hint, /kube-controller-manager/);
          return true;
        },
      );
    } finally {
      admin.close();
    }
  });
});
