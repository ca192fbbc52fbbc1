// Smoke tests of the local control plane itself (test/cluster/up.sh), with the real kubectl only:
// if these fail, every other cluster-backed test would fail for reasons unrelated to sa-kubeconfig.
import { strict as assert } from 'node:assert';
import { rmSync } from 'node:fs';

import { clusterEnv, eventually, kubectl, privateTempDir, uniqueName, writeKubeconfig } from '../support/cluster';

describe('local control plane (test/cluster)', function () {
  const admin = () => clusterEnv().adminKubeconfig;
  const restricted = () => clusterEnv().restrictedKubeconfig;
  const as = (kubeconfig: string, args: string[], input?: string) => kubectl(args, { kubeconfig, input });
  const namespace = uniqueName('smoke');
  let scratch: string;

  before(async () => {
    scratch = privateTempDir();
    const created = await as(admin(), ['create', 'namespace', namespace]);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await as(admin(), ['delete', 'namespace', namespace, '--wait=false']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the API over TLS verified against the generated CA, at the pinned version', async () => {
    const ready = await as(admin(), ['get', '--raw', '/readyz']);
    assert.equal(ready.code, 0, ready.stderr);
    assert.equal(ready.stdout.trim(), 'ok');
    const version = await as(admin(), ['version', '-o', 'json']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(JSON.parse(version.stdout).serverVersion.gitVersion, /^v1\.37\./);
  });

  it('forbids the restricted user to list secrets, but lets it manage service accounts in its namespace', async () => {
    const secrets = await as(restricted(), ['get', 'secrets', '-n', 'restricted-ns']);
    assert.notEqual(secrets.code, 0);
    assert.match(secrets.stderr, /Forbidden/);
    const canCreate = await as(restricted(), ['auth', 'can-i', 'create', 'serviceaccounts', '-n', 'restricted-ns']);
    assert.equal(canCreate.stdout.trim(), 'yes');
    const canExec = await as(restricted(), ['auth', 'can-i', 'create', 'pods/exec', '-n', 'restricted-ns']);
    assert.equal(canExec.stdout.trim(), 'no');
  });

  it('fills a token Secret made for a new service account within seconds (token controller)', async () => {
    assert.equal((await as(admin(), ['-n', namespace, 'create', 'serviceaccount', 'filled'])).code, 0);
    const secret = {
      apiVersion: 'v1',
      kind: 'Secret',
      type: 'kubernetes.io/service-account-token',
      metadata: { name: 'filled-token', namespace, annotations: { 'kubernetes.io/service-account.name': 'filled' } },
    };
    const applied = await as(admin(), ['apply', '-f', '-'], JSON.stringify(secret));
    assert.equal(applied.code, 0, applied.stderr);
    const keys = await eventually(
      async () => {
        const got = await as(admin(), ['-n', namespace, 'get', 'secret', 'filled-token', '-o', 'json']);
        const data = Object.keys(JSON.parse(got.stdout).data ?? {});
        return data.includes('token') && data;
      },
      10_000,
      'the token controller to fill the Secret',
    );
    assert.deepEqual(keys.sort(), ['ca.crt', 'namespace', 'token']);
  });

  it('aggregates the built-in view/edit/admin ClusterRoles (clusterrole-aggregation controller)', async () => {
    const rules = await eventually(
      async () => {
        const got = await as(admin(), ['get', 'clusterrole', 'view', '-o', 'json']);
        assert.equal(got.code, 0, got.stderr);
        const found: unknown[] = JSON.parse(got.stdout).rules ?? [];
        return found.length > 0 && found;
      },
      10_000,
      'ClusterRole view to be aggregated',
    );
    assert.ok(rules.length > 0, 'ClusterRole view has no rules: binding it would grant nothing');
  });

  it('issues a TokenRequest token that authenticates as the service account', async () => {
    assert.equal((await as(admin(), ['-n', namespace, 'create', 'serviceaccount', 'requester'])).code, 0);
    const created = await as(admin(), ['-n', namespace, 'create', 'token', 'requester', '--duration', '15m']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^eyJ/);
    // The token goes into a 0600 kubeconfig, never onto a command line or into the test output.
    const config = await as(admin(), ['config', 'view', '--raw', '--minify', '-o', 'json']);
    const cluster = JSON.parse(config.stdout).clusters[0].cluster;
    const file = writeKubeconfig(
      scratch,
      'token.kubeconfig',
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'local', cluster }],
        users: [{ name: 'requester', user: { token } }],
        contexts: [{ name: 'requester', context: { cluster: 'local', user: 'requester', namespace } }],
        'current-context': 'requester',
      }),
    );
    const whoami = await as(file, ['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal(JSON.parse(whoami.stdout).status.userInfo.username, `system:serviceaccount:${namespace}:requester`);
    const denied = await as(file, ['get', 'secrets']);
    assert.match(denied.stderr, /Forbidden/);
  });
});
