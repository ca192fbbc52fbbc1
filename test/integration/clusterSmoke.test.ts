// Smoke tests of the local control plane itself (test/cluster/up.sh), with the real kubectl only:
// if these fail, every other cluster-backed test would fail for reasons unrelated to sa-kubeconfig.
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Run { code: number; stdout: string; stderr: string }

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the cluster tests through scripts/with-cluster.sh or npm test`);
  return value;
}

function kubectl(kubeconfig: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(env('SAK_KUBECTL'), ['--kubeconfig', kubeconfig, ...args], { timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local control plane (test/cluster)', function () {
  const admin = () => env('SAK_ADMIN_KUBECONFIG');
  const restricted = () => env('SAK_RESTRICTED_KUBECONFIG');
  const namespace = `smoke-${process.pid}-${Date.now() % 100000}`;
  let scratch: string;

  before(async () => {
    scratch = mkdtempSync(join(tmpdir(), 'sak-smoke-'));
    const created = await kubectl(admin(), ['create', 'namespace', namespace]);
    assert.equal(created.code, 0, created.stderr);
  });

  after(async () => {
    await kubectl(admin(), ['delete', 'namespace', namespace, '--wait=false']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('serves the API over TLS verified against the generated CA, at the pinned version', async () => {
    const ready = await kubectl(admin(), ['get', '--raw', '/readyz']);
    assert.equal(ready.code, 0, ready.stderr);
    assert.equal(ready.stdout.trim(), 'ok');
    const version = await kubectl(admin(), ['version', '-o', 'json']);
    assert.equal(version.code, 0, version.stderr);
    assert.match(JSON.parse(version.stdout).serverVersion.gitVersion, /^v1\.37\./);
  });

  it('forbids the restricted user to list secrets, but lets it manage service accounts in its namespace', async () => {
    const secrets = await kubectl(restricted(), ['get', 'secrets', '-n', 'restricted-ns']);
    assert.notEqual(secrets.code, 0);
    assert.match(secrets.stderr, /Forbidden/);
    const canCreate = await kubectl(restricted(), ['auth', 'can-i', 'create', 'serviceaccounts', '-n', 'restricted-ns']);
    assert.equal(canCreate.stdout.trim(), 'yes');
    const canExec = await kubectl(restricted(), ['auth', 'can-i', 'create', 'pods/exec', '-n', 'restricted-ns']);
    assert.equal(canExec.stdout.trim(), 'no');
  });

  it('fills a token Secret made for a new service account within seconds (token controller)', async () => {
    assert.equal((await kubectl(admin(), ['-n', namespace, 'create', 'serviceaccount', 'filled'])).code, 0);
    const secret = {
      apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
      metadata: { name: 'filled-token', namespace, annotations: { 'kubernetes.io/service-account.name': 'filled' } },
    };
    const applied = await kubectl(admin(), ['apply', '-f', '-'], JSON.stringify(secret));
    assert.equal(applied.code, 0, applied.stderr);
    let keys: string[] = [];
    for (let i = 0; i < 50 && !keys.includes('token'); i++) {
      const got = await kubectl(admin(), ['-n', namespace, 'get', 'secret', 'filled-token', '-o', 'json']);
      keys = Object.keys(JSON.parse(got.stdout).data ?? {});
      if (!keys.includes('token')) await sleep(200);
    }
    assert.deepEqual(keys.sort(), ['ca.crt', 'namespace', 'token']);
  });

  it('aggregates the built-in view/edit/admin ClusterRoles (clusterrole-aggregation controller)', async () => {
    let rules: unknown[] = [];
    for (let i = 0; i < 50 && rules.length === 0; i++) {
      const got = await kubectl(admin(), ['get', 'clusterrole', 'view', '-o', 'json']);
      assert.equal(got.code, 0, got.stderr);
      rules = JSON.parse(got.stdout).rules ?? [];
      if (rules.length === 0) await sleep(200);
    }
    assert.ok(rules.length > 0, 'ClusterRole view has no rules: binding it would grant nothing');
  });

  it('issues a TokenRequest token that authenticates as the service account', async () => {
    assert.equal((await kubectl(admin(), ['-n', namespace, 'create', 'serviceaccount', 'requester'])).code, 0);
    const created = await kubectl(admin(), ['-n', namespace, 'create', 'token', 'requester', '--duration', '15m']);
    assert.equal(created.code, 0, created.stderr);
    const token = created.stdout.trim();
    assert.match(token, /^eyJ/);
    // The token goes into a 0600 kubeconfig, never onto a command line or into the test output.
    const config = await kubectl(admin(), ['config', 'view', '--raw', '--minify', '-o', 'json']);
    const cluster = JSON.parse(config.stdout).clusters[0].cluster;
    const file = join(scratch, 'token.kubeconfig');
    writeFileSync(file, JSON.stringify({
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'local', cluster }],
      users: [{ name: 'requester', user: { token } }],
      contexts: [{ name: 'requester', context: { cluster: 'local', user: 'requester', namespace } }],
      'current-context': 'requester',
    }), { mode: 0o600 });
    const whoami = await kubectl(file, ['auth', 'whoami', '-o', 'json']);
    assert.equal(whoami.code, 0, whoami.stderr);
    assert.equal(JSON.parse(whoami.stdout).status.userInfo.username, `system:serviceaccount:${namespace}:requester`);
    const denied = await kubectl(file, ['get', 'secrets']);
    assert.match(denied.stderr, /Forbidden/);
  });
});
