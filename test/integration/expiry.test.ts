// Issue 12's expiry watch through the CLI, with kubectl as the judge: `expiring` finds the 1-hour credentials that
// `create --out` and `create --merge-into` wrote (exit 1 inside the window, 0 outside), and `renew` puts a fresh,
// working token into the same file or merged entry (0600, the merged file's other entries intact), the old one
// working through --grace or revoked right away without it.
import * as assert from 'node:assert/strict';
import { copyFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { Cleanup, clusterEnv, eventually, kubectl, privateTempDir, uniqueName } from '../support/cluster';
import { runCli } from '../support/users';

interface Listed {
  id: string;
  namespace: string;
  serviceAccount: string;
  expiresAt: string;
  places: { kind: string; path: string; users: string[]; contexts: string[] }[];
}
interface ExpiringJson {
  withinSeconds: number;
  expiring: Listed[];
  expired: Listed[];
}

/** kubectl with this kubeconfig (and context): 'ok', 'unauthorized', or the error text. */
async function access(kubeconfig: string, namespace: string, context?: string): Promise<string> {
  const r = await kubectl(['get', 'pods', '-n', namespace, ...(context ? ['--context', context] : [])], { kubeconfig });
  if (r.code === 0) return 'ok';
  return /Unauthorized|must be logged in/.test(r.stderr) ? 'unauthorized' : r.stderr;
}

function tokensOf(file: string): string[] {
  const doc = yaml.load(readFileSync(file, 'utf8')) as { users: { user: { token?: string } }[] };
  return doc.users.map((u) => u.user.token ?? '').filter(Boolean);
}

function mode(file: string): number {
  return statSync(file).mode & 0o777;
}

describe('expiry watch: expiring and renew through the CLI (issue 12)', function () {
  this.timeout(120_000);
  const cleanup = new Cleanup();
  const env = () => clusterEnv();
  let dir: string;
  let ns: string;
  let file: string;
  let merged: string;
  const previousLedger = process.env.SA_KUBECONFIG_LEDGER;

  const other = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'other', cluster: { server: 'https://other.example:6443' } }],
    users: [{ name: 'other', user: { token: 'not-a-real-token' } }],
    contexts: [{ name: 'other', context: { cluster: 'other', user: 'other', namespace: 'x' } }],
    'current-context': 'other',
  };

  async function expiring(within?: string): Promise<{ code: number; json: ExpiringJson; stderr: string }> {
    const r = await runCli(['expiring', ...(within ? ['--within', within] : []), '-o', 'json'], env().adminKubeconfig);
    return { code: r.code, json: JSON.parse(r.stdout) as ExpiringJson, stderr: r.stderr };
  }

  before(async function () {
    dir = cleanup.dir(privateTempDir());
    process.env.SA_KUBECONFIG_LEDGER = path.join(dir, 'ledger.json');
    ns = cleanup.namespace(uniqueName('expiry'));
    file = path.join(dir, 'ci.kubeconfig');
    merged = path.join(dir, 'merged.kubeconfig');
    writeFileSync(merged, yaml.dump(other), { mode: 0o600 });
    const base = ['-n', ns, '--rule', 'pods:get,list', '--duration', '1h'];
    const a = await runCli(['create', ...base, '--create-namespace', '-s', 'ci', '--out', file], env().adminKubeconfig);
    assert.equal(a.code, 0, a.stderr);
    const b = await runCli(['create', ...base, '-s', 'dev', '--merge-into', merged], env().adminKubeconfig);
    assert.equal(b.code, 0, b.stderr);
  });
  after(async function () {
    this.timeout(60_000);
    if (previousLedger === undefined) delete process.env.SA_KUBECONFIG_LEDGER;
    else process.env.SA_KUBECONFIG_LEDGER = previousLedger;
    await cleanup.run();
  });

  it('expiring --within 7d lists both 1-hour credentials where they live (exit 1); 30m exits 0', async function () {
    const week = await expiring('7d');
    assert.equal(week.code, 1, week.stderr);
    const mine = week.json.expiring.filter((c) => c.namespace === ns);
    assert.deepEqual(mine.map((c) => c.serviceAccount).sort(), ['ci', 'dev']);
    const ci = mine.find((c) => c.serviceAccount === 'ci')!;
    assert.deepEqual(
      ci.places.map((p) => [p.kind, p.path]),
      [['file', file]],
    );
    const dev = mine.find((c) => c.serviceAccount === 'dev')!;
    assert.equal(dev.places[0].kind, 'merge');
    assert.equal(dev.places[0].path, merged);
    assert.ok(dev.places[0].contexts.length > 0);
    const left = Date.parse(ci.expiresAt) - Date.now();
    assert.ok(left > 30 * 60_000 && left <= 3600_000, `expires in about an hour: ${ci.expiresAt}`);

    const half = await expiring('30m');
    assert.equal(half.code, 0, half.stderr);
    assert.equal(half.json.expiring.filter((c) => c.namespace === ns).length, 0);

    const text = await runCli(['expiring'], env().adminKubeconfig);
    assert.equal(text.code, 1);
    assert.match(text.stdout, new RegExp(ci.id));
    assert.ok(text.stdout.includes(file));
    for (const token of [...tokensOf(file), ...tokensOf(merged)]) {
      assert.ok(!text.stdout.includes(token) && !JSON.stringify(week.json).includes(token), 'no token printed');
    }
  });

  it('a credential whose file no longer holds it is not listed', async function () {
    const copy = path.join(dir, 'copy.kubeconfig');
    copyFileSync(file, copy);
    const before = (await expiring('7d')).json.expiring.filter((c) => c.namespace === ns).length;
    writeFileSync(file, readFileSync(file, 'utf8').replace(/token: \S+/, 'token: edited-by-hand'), { mode: 0o600 });
    try {
      const after = (await expiring('7d')).json.expiring.filter((c) => c.namespace === ns);
      assert.equal(after.length, before - 1);
      assert.ok(!after.some((c) => c.serviceAccount === 'ci'));
    } finally {
      copyFileSync(copy, file);
    }
  });

  it('renew --credential ID of a bad id changes nothing (exit 2)', async function () {
    const content = readFileSync(file, 'utf8');
    const r = await runCli(['renew', '--credential', 'nonexistent'], env().adminKubeconfig);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /No credential "nonexistent" in the local ledger/);
    assert.equal(readFileSync(file, 'utf8'), content);
  });

  it('renew with --grace: the file gets a new working token (0600); the old one keeps working', async function () {
    const ci = (await expiring('7d')).json.expiring.find((c) => c.namespace === ns && c.serviceAccount === 'ci')!;
    const oldCopy = path.join(dir, 'ci-old.kubeconfig');
    copyFileSync(file, oldCopy);
    const [oldToken] = tokensOf(file);
    const r = await runCli(['renew', '--credential', ci.id, '--grace', '15m'], env().adminKubeconfig);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Verified: the cluster accepts the new token/);
    assert.match(r.stdout, /still works \(superseded\)/);
    const [newToken] = tokensOf(file);
    assert.notEqual(newToken, oldToken);
    assert.ok(!(r.stdout + r.stderr).includes(newToken) && !(r.stdout + r.stderr).includes(oldToken));
    assert.equal(mode(file), 0o600);
    assert.match(readFileSync(file, 'utf8'), /^# kubeconfig for /, 'the header stays');
    assert.equal(await access(file, ns), 'ok');
    assert.equal(await access(oldCopy, ns), 'ok', 'the old credential works during the grace period');
    await new Promise((res) => setTimeout(res, 11_000));
    assert.equal(await access(oldCopy, ns), 'ok', 'the old credential still works after the token cache');

    const listed = (await expiring('7d')).json.expiring.filter((c) => c.namespace === ns && c.serviceAccount === 'ci');
    assert.equal(listed.length, 1, 'only the new credential is listed for the file');
    assert.notEqual(listed[0].id, ci.id);
    assert.deepEqual(listed[0].places[0].path, file);

    // The superseded one is revoked by the usual command (here at once, instead of after the grace period).
    const revoke = await runCli(['revoke', '-n', ns, '-s', 'ci', '--superseded'], env().adminKubeconfig);
    assert.equal(revoke.code, 0, revoke.stderr);
    await eventually(async () => (await access(oldCopy, ns)) === 'unauthorized', 15_000, 'the old token to get 401');
    assert.equal(await access(file, ns), 'ok');
  });

  it('renew of a merged entry: only that user changes, the old token is revoked, mode 0600', async function () {
    const dev = (await expiring('7d')).json.expiring.find((c) => c.namespace === ns && c.serviceAccount === 'dev')!;
    const context = dev.places[0].contexts[0];
    const oldCopy = path.join(dir, 'merged-old.kubeconfig');
    copyFileSync(merged, oldCopy);
    const r = await runCli(['renew', '--credential', dev.id, '-o', 'json'], env().adminKubeconfig);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as { revoked: { id: string }[]; places: { path: string }[] };
    assert.deepEqual(
      report.revoked.map((c) => c.id),
      [dev.id],
    );
    assert.equal(mode(merged), 0o600);
    const after = yaml.load(readFileSync(merged, 'utf8')) as typeof other;
    for (const section of ['clusters', 'users', 'contexts'] as const) {
      assert.deepEqual(
        after[section].find((e) => e.name === 'other'),
        other[section][0],
        `the other ${section} entry is intact`,
      );
    }
    assert.equal(after['current-context'], 'other');
    assert.equal(await access(merged, ns, context), 'ok');
    await eventually(
      async () => (await access(oldCopy, ns, context)) === 'unauthorized',
      15_000,
      'the old merged token to get 401',
    );
    const listed = (await expiring('7d')).json.expiring.filter((c) => c.namespace === ns && c.serviceAccount === 'dev');
    assert.equal(listed.length, 1);
    assert.notEqual(listed[0].id, dev.id);
  });
});
