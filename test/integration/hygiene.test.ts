// Issue 12's credential audit against the real cluster, set up as real clusters are: legacy token Secrets made by
// hand, one used through kubectl (the API server stamps kubernetes.io/legacy-token-last-used), one patched
// invalid-since, one stamped long ago; accounts bound through the group system:serviceaccounts:NS to an aggregated
// ClusterRole; a cluster-admin account with a long-lived token. The CLI (`audit -o json|markdown`) and core are
// asserted finding by finding and grade by grade, the request budget is counted, and `migrate` is checked with
// kubectl as the judge: the new kubeconfig works, the old Secret stays until --confirm, then it is gone.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { issueCredential } from '../../src/core/credentials/issue';
import type { AuditedServiceAccount, AuditReport } from '../../src/core/hygiene/assess';
import { auditCredentials } from '../../src/core/hygiene/audit';
import {
  adminConnection,
  Cleanup,
  clusterEnv,
  eventually,
  kubectl,
  kubectlOk,
  privateTempDir,
  uniqueName,
} from '../support/cluster';
import { runCli } from '../support/users';

const LAST_USED = 'kubernetes.io/legacy-token-last-used';
const DAY = 86_400_000;

function tokenSecret(namespace: string, name: string, serviceAccount: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Secret',
    type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace, annotations: { 'kubernetes.io/service-account.name': serviceAccount } },
  });
}

async function labelsOf(namespace: string, secret: string): Promise<Record<string, string>> {
  const out = await kubectlOk(['get', 'secret', secret, '-n', namespace, '-o', 'jsonpath={.metadata.labels}']);
  return out ? (JSON.parse(out) as Record<string, string>) : {};
}

function account(report: AuditReport, namespace: string, name: string): AuditedServiceAccount {
  const a = report.serviceAccounts.find((x) => x.namespace === namespace && x.name === name);
  assert.ok(a, `${namespace}/${name} is in the report`);
  return a;
}

function kinds(a: AuditedServiceAccount): string[] {
  return a.findings.map((f) => f.kind).sort();
}

describe('credential audit (issue 12) against the cluster', function () {
  this.timeout(240_000);
  const cleanup = new Cleanup();
  const env = clusterEnv();
  const ns = cleanup.namespace(uniqueName('hyg'));
  const grouped = cleanup.namespace(uniqueName('hyg-grp'));
  const id = ns.slice(-6);
  const aggregate = `hyg-agg-${id}`;
  const part = `hyg-part-${id}`;
  const dir = cleanup.dir(privateTempDir());
  const secrets = { used: 'used-token', unused: 'unused-token', invalid: 'invalid-token', stale: 'stale-token' };

  before(async () => {
    await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['create', 'namespace', grouped]);
    for (const sa of ['used', 'unused', 'invalid', 'stale', 'boss'])
      await kubectlOk(['create', 'serviceaccount', sa, '-n', ns]);
    await kubectlOk(['create', 'serviceaccount', 'member', '-n', grouped]);
    for (const [sa, secret] of Object.entries(secrets))
      await kubectlOk(['apply', '-f', '-'], { input: tokenSecret(ns, secret, sa) });
    // A pod that uses "used" (no scheduler here: it stays Pending, which is enough to count it).
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'app', namespace: ns },
        spec: { serviceAccountName: 'used', containers: [{ name: 'c', image: 'registry.invalid/app:1' }] },
      }),
    });
    // Use the legacy token through kubectl: the API server stamps the last-used date on the Secret.
    const token = await eventually(
      async () => {
        const b64 = await kubectlOk(['get', 'secret', secrets.used, '-n', ns, '-o', 'jsonpath={.data.token}']);
        return b64 ? Buffer.from(b64, 'base64').toString('utf8') : undefined;
      },
      30_000,
      'the token controller to fill the legacy Secret',
    );
    const ca = await kubectlOk([
      'config',
      'view',
      '--raw',
      '--minify',
      '-o',
      'jsonpath={.clusters[0].cluster.certificate-authority-data}',
    ]);
    const legacyKubeconfig = path.join(dir, 'legacy.kubeconfig');
    writeFileSync(
      legacyKubeconfig,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [{ name: 'c', cluster: { server: env.server, 'certificate-authority-data': ca } }],
        users: [{ name: 'u', user: { token } }],
        contexts: [{ name: 'x', context: { cluster: 'c', user: 'u' } }],
        'current-context': 'x',
      }),
      { mode: 0o600 },
    );
    const whoami = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
      kubeconfig: legacyKubeconfig,
    });
    assert.equal(whoami.stdout, `system:serviceaccount:${ns}:used`, whoami.stderr);
    await eventually(async () => (await labelsOf(ns, secrets.used))[LAST_USED], 30_000, 'legacy-token-last-used');
    // As the API server marks an unused auto-generated token, and as an old one looks.
    await kubectlOk([
      'label',
      'secret',
      secrets.invalid,
      '-n',
      ns,
      'kubernetes.io/legacy-token-invalid-since=2026-01-02',
    ]);
    await kubectlOk(['label', 'secret', secrets.stale, '-n', ns, `${LAST_USED}=2025-01-02`]);
    // Group subject + aggregated ClusterRole: every account of `grouped` may exec into pods there.
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: part, labels: { [`hygiene.test/aggregate-to-${id}`]: 'true' } },
        rules: [{ apiGroups: [''], resources: ['pods', 'pods/exec'], verbs: ['get', 'create'] }],
      }),
    });
    cleanup.clusterObject('clusterrole', part);
    await kubectlOk(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'ClusterRole',
        metadata: { name: aggregate },
        aggregationRule: { clusterRoleSelectors: [{ matchLabels: { [`hygiene.test/aggregate-to-${id}`]: 'true' } }] },
        rules: [],
      }),
    });
    cleanup.clusterObject('clusterrole', aggregate);
    await kubectlOk([
      'create',
      'rolebinding',
      'all-accounts',
      '-n',
      grouped,
      `--clusterrole=${aggregate}`,
      `--group=system:serviceaccounts:${grouped}`,
    ]);
    // The cluster-admin account with a long-lived token (issued the product's way).
    await kubectlOk([
      'create',
      'clusterrolebinding',
      `hyg-boss-${id}`,
      '--clusterrole=cluster-admin',
      `--serviceaccount=${ns}:boss`,
    ]);
    cleanup.clusterObject('clusterrolebinding', `hyg-boss-${id}`);
    const conn = await adminConnection(env);
    try {
      await issueCredential(conn, { namespace: ns, serviceAccount: 'boss', kind: 'longLived', note: 'ops' });
    } finally {
      conn.close();
    }
  });

  after(() => cleanup.run());

  it('reports each finding and grade of the namespace (audit -n NS -o json)', async () => {
    const run = await runCli(['audit', '-n', ns, '-o', 'json'], env.adminKubeconfig);
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /eyJ[\w-]{10,}\./, 'no token in the report');
    const report = JSON.parse(run.stdout) as AuditReport;
    assert.match(report.trackingSince ?? '', /^\d{4}-\d{2}-\d{2}$/);

    const used = account(report, ns, 'used');
    assert.equal(used.pods, 1);
    const usedCred = used.credentials.find((c) => c.secretName === secrets.used);
    assert.equal(usedCred?.kind, 'legacy');
    assert.equal(usedCred?.managed, false);
    assert.match(usedCred?.lastUsed ?? '', /^\d{4}-\d{2}-\d{2}$/);
    assert.deepEqual(kinds(used), [], 'a legacy token used today by an account a pod uses: no finding');

    const unused = account(report, ns, 'unused');
    assert.equal(unused.pods, 0);
    assert.deepEqual(kinds(unused), ['legacyNeverUsed', 'unusedAccount']);
    const never = unused.findings.find((f) => f.kind === 'legacyNeverUsed');
    assert.deepEqual(never?.remedies.map((r) => r.kind).sort(), ['migrate', 'revoke']);

    const invalid = account(report, ns, 'invalid');
    assert.deepEqual(kinds(invalid), ['legacyInvalid']);
    assert.equal(invalid.credentials[0].invalidSince, '2026-01-02');

    const stale = account(report, ns, 'stale');
    assert.deepEqual(kinds(stale), ['legacyStale', 'unusedAccount']);
    assert.match(stale.findings.find((f) => f.kind === 'legacyStale')?.text ?? '', /last used on 2025-01-02/);

    const boss = account(report, ns, 'boss');
    assert.equal(boss.grade, 'critical');
    assert.ok(boss.reasons.some((r) => r.id === 'cluster-admin'));
    const powerful = boss.findings.find((f) => f.kind === 'powerfulLongLived');
    assert.equal(powerful?.severity, 'critical');
    assert.deepEqual(powerful?.remedies.map((r) => r.kind).sort(), ['migrate', 'shrink']);
    assert.equal(boss.credentials[0].kind, 'longLived');
    assert.equal(boss.credentials[0].managed, true);

    // Sorted by risk: the cluster-admin account comes first.
    assert.equal(report.serviceAccounts[0].name, 'boss');
    // --min-risk filters.
    const high = await runCli(['audit', '-n', ns, '-o', 'json', '--min-risk', 'critical'], env.adminKubeconfig);
    assert.deepEqual(
      (JSON.parse(high.stdout) as AuditReport).serviceAccounts.map((a) => a.name),
      ['boss'],
    );
  });

  it('resolves group subjects and aggregated ClusterRoles (system:serviceaccounts:NS)', async () => {
    const run = await runCli(['audit', '-n', grouped, '-o', 'json'], env.adminKubeconfig);
    assert.equal(run.code, 0, run.stderr);
    const report = JSON.parse(run.stdout) as AuditReport;
    for (const name of ['member', 'default']) {
      const a = account(report, grouped, name);
      assert.equal(a.grade, 'high', `${name}: ${JSON.stringify(a.reasons)}`);
      assert.ok(a.reasons.some((r) => r.id === 'pod-exec'));
      const p = a.permissions.find((x) => x.role === `ClusterRole/${aggregate}`);
      assert.deepEqual(p?.via, { kind: 'group', name: `system:serviceaccounts:${grouped}` });
      assert.deepEqual(p?.aggregatedFrom, [part]);
    }
  });

  it('finds old long-lived tokens after the threshold, with a handful of requests for -A', async () => {
    const conn = await adminConnection(env);
    try {
      const before = conn.client.requestCount;
      const later = new Date(Date.now() + 100 * DAY);
      const report = await auditCredentials(conn, { ledger: false, now: later });
      const sent = conn.client.requestCount - before;
      assert.ok(sent <= 10, `${sent} requests for -A`);
      assert.equal(report.requests, sent);
      assert.ok(report.namespace === undefined);
      const boss = account(report, ns, 'boss');
      assert.ok(kinds(boss).includes('longLivedOld'), kinds(boss).join());
      // Used today, unused for 100 days by then.
      assert.ok(kinds(account(report, ns, 'used')).includes('legacyStale'));
      const strict = await auditCredentials(conn, { namespace: ns, ledger: false, thresholds: { maxAgeDays: 1000 } });
      assert.ok(!kinds(account(strict, ns, 'boss')).includes('longLivedOld'));
    } finally {
      conn.close();
    }
  });

  it('writes a Markdown report with the table and findings, no credential', async () => {
    const run = await runCli(['audit', '-n', ns, '-o', 'markdown'], env.adminKubeconfig);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^# Service account credential audit/);
    assert.match(run.stdout, /\| critical \| .*boss/);
    assert.match(run.stdout, /marked invalid since 2026-01-02/);
    assert.match(run.stdout, /sa-kubeconfig migrate -n /);
    assert.doesNotMatch(run.stdout, /eyJ[\w-]{10,}\./);
  });

  it('migrates a legacy token make-before-break: new kubeconfig first, the old Secret only on --confirm', async () => {
    const count = async () => (await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name'])).split('\n').length;
    const before = await count();
    const missing = await runCli(['migrate', '-n', ns, '--secret', 'no-such-token'], env.adminKubeconfig);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /no service account token Secret "no-such-token"/);
    assert.equal(await count(), before, 'bad input changed nothing');

    const first = path.join(dir, 'first.kubeconfig');
    const run = await runCli(['migrate', '-n', ns, '--secret', secrets.unused, '--out', first], env.adminKubeconfig);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /still works/);
    const whoami = await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
      kubeconfig: first,
    });
    assert.equal(whoami, `system:serviceaccount:${ns}:unused`);
    assert.doesNotMatch(readFileSync(first, 'utf8'), new RegExp(secrets.unused));
    assert.equal((await kubectl(['get', 'secret', secrets.unused, '-n', ns])).code, 0, 'old Secret kept');

    const second = path.join(dir, 'second.kubeconfig');
    const confirmed = await runCli(
      ['migrate', '-n', ns, '--secret', secrets.unused, '--out', second, '--confirm', '-o', 'json'],
      env.adminKubeconfig,
    );
    assert.equal(confirmed.code, 0, confirmed.stderr);
    const doc = JSON.parse(confirmed.stdout) as {
      oldDeleted: boolean;
      credential: { kind: string; expiresAt: string };
    };
    assert.equal(doc.oldDeleted, true);
    assert.equal(doc.credential.kind, 'bound');
    assert.ok(Date.parse(doc.credential.expiresAt) > Date.now());
    assert.match((await kubectl(['get', 'secret', secrets.unused, '-n', ns])).stderr, /NotFound/);
    assert.equal(
      await kubectlOk(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: second }),
      `system:serviceaccount:${ns}:unused`,
    );
    // The audit now shows the account's new credentials as bound, expiring ones.
    const after = JSON.parse(
      (await runCli(['audit', '-n', ns, '-o', 'json'], env.adminKubeconfig)).stdout,
    ) as AuditReport;
    const unused = account(after, ns, 'unused');
    assert.ok(unused.credentials.every((c) => c.kind === 'bound' && c.expiresAt));
    assert.ok(!kinds(unused).includes('legacyNeverUsed'));
  });
});
