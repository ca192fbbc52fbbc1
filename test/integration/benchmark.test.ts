// Side by side on the same cluster: one provision (the tutorial's request) against the tutorial's kubectl steps.
// Prints requests and wall time; asserts only generous bounds so that a regression (say, a request per
// resource) fails while machine speed does not.
import * as assert from 'node:assert/strict';
import { provision } from '../../src/core/provision';
import { connect } from '../../src/core/cluster/connect';
import { Cleanup, clusterEnv, currentContextOf, kubectl, privateTempDir, uniqueName } from '../support/cluster';

const ROLE = (ns: string) => JSON.stringify({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'myexample-role', namespace: ns },
  rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list', 'create'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
});

describe('benchmark: one create vs the tutorial\'s kubectl steps', function () {
  const cleanup = new Cleanup();
  after(async function () { this.timeout(60_000); await cleanup.run(); });

  it('provision: requests and wall time', async function () {
    const env = clusterEnv();
    const ns = cleanup.namespace(uniqueName('bench-core'));
    const conn = await connect({ kubeconfigPath: env.adminKubeconfig });
    const started = Date.now();
    const r = await provision({
      context: currentContextOf(env.adminKubeconfig), namespace: ns, createNamespace: true, serviceAccount: 'myexample-sa',
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'watch', 'list', 'create'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
      roleRefs: [], scope: { kind: 'namespaces', namespaces: [ns] }, token: { kind: 'timeBound', durationSeconds: 86400 }, kubeconfig: {},
    }, { connection: conn });
    const ms = Date.now() - started;
    conn.close();
    const total = r.requests + r.verification!.requests;
    console.log(`      provision: ${total} requests (${r.preflight.requests} preflight, ${r.applyResult!.requests} apply, ${r.requests - r.preflight.requests - r.applyResult!.requests} token/CA, ${r.verification!.requests} verification with the new credential), ${ms} ms`);
    assert.ok(total <= 40, `${total} requests`);
    assert.ok(r.verification!.ok);
  });

  it('kubectl steps of the tutorial: requests and wall time', async function () {
    const ns = cleanup.namespace(uniqueName('bench-kubectl'));
    const cacheDir = cleanup.dir(privateTempDir());
    const steps: { args: string[]; input?: string }[] = [
      { args: ['create', 'namespace', ns] },
      { args: ['create', 'serviceaccount', 'myexample-sa', '-n', ns] },
      { args: ['apply', '-f', '-'], input: ROLE(ns) },
      { args: ['create', 'rolebinding', 'myexample-rb', '--role=myexample-role', `--serviceaccount=${ns}:myexample-sa`, '-n', ns] },
      { args: ['create', 'token', 'myexample-sa', '-n', ns, '--duration=24h'] },
    ];
    let requests = 0;
    const started = Date.now();
    for (const step of steps) {
      const r = await kubectl([...step.args, '-v=6', `--cache-dir=${cacheDir}`], { input: step.input });
      assert.equal(r.code, 0, r.stderr.split('\n').filter((l) => !l.includes('round_trippers') && !l.includes('Feature gate')).join('\n'));
      requests += r.stderr.split('\n').filter((l) => l.includes('"Response" verb=')).length;
    }
    const ms = Date.now() - started;
    console.log(`      kubectl (5 commands, no verification, kubeconfig still to be written by hand): ${requests} requests, ${ms} ms`);
    assert.ok(requests > 0);
  });
});
