// usage and shrink on a real audit log: a separate cluster started with a Metadata-level audit policy; a "script"
// runs with a kubeconfig sa-kubeconfig made (rules wider than it needs) through the real kubectl, then the CLI reads
// the log that kube-apiserver wrote. kubectl (auth can-i, the script itself) is the judge of the shrink.
import * as assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';

import { writeSyntheticLog } from '../support/auditEvents';
import {
  Cleanup,
  eventually,
  kubectl,
  kubectlOk,
  privateTempDir,
  startCluster,
  type ClusterEnv,
} from '../support/cluster';
import { runCli, type CliRun } from '../support/users';

const REPO = path.resolve(__dirname, '..', '..', '..');
const NS = 'audit-ci';
const SA = 'ci';

/** Runs the CLI with `input` piped to its standard input. */
function runCliWithInput(args: string[], input: string): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(REPO, 'dist', 'cli.js'), ...args]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += String(d);
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += String(d);
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    createReadStream(input).pipe(child.stdin);
  });
}

interface UsageDoc {
  credentials: Record<string, number>;
  allowed: { verb: string; resource: string; apiGroup: string; namespace?: string; name?: string; count: number }[];
  denied: { verb: string; resource: string; namespace?: string; count: number }[];
  coverage: { matched: number; files: string[]; warnings: string[]; levels: Record<string, number> };
}

describe('usage and shrink from a real audit log (separate cluster with --audit-policy-file)', function () {
  const cleanup = new Cleanup();
  let env: ClusterEnv;
  let dir: string;
  let log: string;
  let saKubeconfig: string;
  let run = 0;

  /** What the CI job does; every step must pass, the secrets read must be denied. */
  async function script(): Promise<void> {
    run++;
    const as = { kubeconfig: saKubeconfig, env };
    await kubectlOk(['get', 'pods'], as);
    const watch = await kubectl(['get', 'pods', '-w', '--request-timeout=2s'], as);
    assert.doesNotMatch(watch.stderr, /forbidden/i, watch.stderr);
    await kubectlOk(['create', 'configmap', `app-${run}`, '--from-literal=a=b'], as);
    await kubectlOk(['get', 'configmap', `app-${run}`], as);
    const secrets = await kubectl(['get', 'secrets'], as);
    assert.notEqual(secrets.code, 0);
    assert.match(secrets.stderr, /forbidden/i);
  }

  /** The CLI as the cluster's admin. */
  const cli = (args: string[]) => runCli(args, env.adminKubeconfig);
  const usage = async (args: string[] = []): Promise<UsageDoc> => {
    const r = await cli(['usage', '-n', NS, '-s', SA, '--audit-log', log, '-o', 'json', ...args]);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as UsageDoc;
  };
  const canI = async (verb: string, resource: string, account = SA) =>
    (
      await kubectl(['auth', 'can-i', verb, resource, '-n', NS, `--as=system:serviceaccount:${NS}:${account}`], { env })
    ).stdout.trim();

  before(async function () {
    this.timeout(300_000);
    dir = cleanup.dir(privateTempDir());
    const policy = path.join(dir, 'policy.yaml');
    writeFileSync(
      policy,
      'apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: ["RequestReceived"]\nrules:\n- level: Metadata\n',
    );
    mkdirSync(path.join(dir, 'log'));
    log = path.join(dir, 'log', 'audit.log');
    cleanup.cluster('audit');
    env = await startCluster('audit', [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${log}`,
      '--audit-log-format=json',
    ]);
    saKubeconfig = path.join(dir, 'ci.kubeconfig');
    const created = await cli([
      'create',
      '-n',
      NS,
      '--create-namespace',
      '-s',
      SA,
      '--duration',
      '1h',
      '--out',
      saKubeconfig,
      '--rule',
      'pods:get,list,watch,create,delete',
      '--rule',
      'configmaps:get,list,create,update,delete',
      '--rule',
      'deployments.apps:get,list',
    ]);
    assert.equal(created.code, 0, created.stderr);
    await script();
  });
  after(async function () {
    this.timeout(120_000);
    await cleanup.run();
  });

  it('usage reports the verbs and resources the script used, and the denied request apart', async function () {
    const doc = await eventually(
      async () => {
        const d = await usage();
        return d.denied.length > 0 && d.allowed.some((g) => g.verb === 'watch') ? d : undefined;
      },
      20_000,
      "the script's requests in the audit log",
    );
    const has = (verb: string, resource: string, name?: string) =>
      doc.allowed.some(
        (g) =>
          g.verb === verb && g.resource === resource && g.namespace === NS && (name === undefined || g.name === name),
      );
    assert.ok(has('list', 'pods'), JSON.stringify(doc.allowed));
    assert.ok(has('watch', 'pods'));
    assert.ok(has('create', 'configmaps', 'app-1'), 'the name of a create is visible at level Metadata');
    assert.ok(has('get', 'configmaps', 'app-1'));
    assert.ok(!doc.allowed.some((g) => g.resource === 'deployments'), 'never used');
    assert.deepEqual(
      doc.denied.map((g) => `${g.verb} ${g.resource} ${g.namespace}`),
      [`list secrets ${NS}`],
    );
    assert.deepEqual(Object.keys(doc.coverage.levels), ['Metadata']);
    assert.ok(doc.coverage.warnings.some((w) => /less than 24 h/.test(w)));

    // The credential sa-kubeconfig issued is the one `list` shows, and the log names it.
    const listed = await cli(['list', '-n', NS, '-s', SA, '-o', 'json']);
    type Listed = { serviceAccounts: { credentials: { id: string }[] }[] };
    const credentialId = (JSON.parse(listed.stdout) as Listed).serviceAccounts[0].credentials[0].id;
    assert.deepEqual(Object.keys(doc.credentials), [credentialId]);
    assert.equal((await usage(['--credential', credentialId])).coverage.matched, doc.coverage.matched);
    const other = await usage(['--credential', 'deadbeef']);
    assert.equal(other.coverage.matched, 0);
    assert.ok(other.coverage.warnings.some((w) => /with credential deadbeef/.test(w)));

    const text = await cli(['usage', '-n', NS, '-s', SA, '--audit-log', log]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /Denied: 1 request\(s\) in 1 group\(s\)/);
    assert.match(text.stdout, /list\s+secrets\s+audit-ci/);
    assert.match(text.stderr, /warning: The log covers \d+ min/);
  });

  it('reads a gzip-rotated copy in a folder and the log on standard input alike', async function () {
    const plain = await usage();
    const rotated = path.join(dir, 'rotated');
    mkdirSync(rotated);
    const gz = path.join(rotated, 'audit-2026-12-01T00-00-00.000.log.gz');
    await pipeline(createReadStream(log), createGzip(), createWriteStream(gz));
    const fromFolder = await cli(['usage', '-n', NS, '-s', SA, '--audit-log', rotated, '-o', 'json']);
    assert.equal(fromFolder.code, 0, fromFolder.stderr);
    const folderDoc = JSON.parse(fromFolder.stdout) as UsageDoc;
    assert.ok(folderDoc.coverage.matched >= plain.coverage.matched && folderDoc.coverage.matched > 0);
    assert.ok(folderDoc.allowed.some((g) => g.verb === 'watch' && g.resource === 'pods'));
    assert.ok(folderDoc.coverage.files[0].endsWith('.log.gz'));
    const piped = await runCliWithInput(['usage', '-n', NS, '-s', SA, '--audit-log', '-', '-o', 'json'], gz);
    assert.equal(piped.code, 0, piped.stderr);
    const pipedDoc = JSON.parse(piped.stdout) as UsageDoc;
    assert.equal(pipedDoc.coverage.matched, folderDoc.coverage.matched);
    assert.deepEqual(pipedDoc.coverage.files, ['stdin']);
  });

  it('refuses a log path that does not exist before reading anything (exit 2, one JSON document)', async function () {
    const r = await cli(['usage', '-n', NS, '-s', SA, '--audit-log', path.join(dir, 'nope.log'), '-o', 'json']);
    assert.equal(r.code, 2);
    assert.match((JSON.parse(r.stdout) as { error: { message: string } }).error.message, /nope\.log: ENOENT/);
  });

  it('shrink --dry-run shows drop/keep and the denial to consider, and changes nothing', async function () {
    const r = await cli(['shrink', '-n', NS, '-s', SA, '--audit-log', log, '--dry-run']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /drop\s+deployments\.apps:get,list/);
    assert.match(r.stdout, /keep\s+.*pods.*list/);
    assert.match(r.stdout, /Observed denials to consider[^\n]*\n\s+secrets:list/);
    assert.match(r.stdout, /Dry run: .*nothing was changed/);
    assert.equal(await canI('delete', 'pods'), 'yes');
    assert.equal(await canI('list', 'deployments.apps'), 'yes');
  });

  it('shrink applies the observed rules: the script passes, the rest is denied, no new credential', async function () {
    this.timeout(180_000);
    const r = await cli(['shrink', '-n', NS, '-s', SA, '--audit-log', log, '-o', 'json']);
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`);
    type Result = { rules: string[]; applied: boolean; newCredential: boolean; checks: { ok: boolean }[] };
    const doc = JSON.parse(r.stdout) as Result;
    assert.equal(doc.applied, true);
    assert.equal(doc.newCredential, false);
    assert.ok(doc.checks.length > 0 && doc.checks.every((c) => c.ok), JSON.stringify(doc.checks));
    assert.deepEqual(doc.rules.sort(), ['configmaps:create,get', 'pods:list,watch']);
    const never = [
      ['delete', 'pods'],
      ['create', 'pods'],
      ['get', 'pods'],
      ['list', 'deployments.apps'],
      ['update', 'configmaps'],
      ['list', 'secrets'],
    ];
    for (const [verb, resource] of never) {
      assert.equal(await canI(verb, resource), 'no', `${verb} ${resource}`);
    }
    const used = [
      ['list', 'pods'],
      ['watch', 'pods'],
      ['create', 'configmaps'],
      ['get', 'configmaps'],
    ];
    for (const [verb, resource] of used) {
      assert.equal(await canI(verb, resource), 'yes', `${verb} ${resource}`);
    }
    await script(); // the same kubeconfig: no new credential was needed
    const again = await cli(['shrink', '-n', NS, '-s', SA, '--audit-log', log, '--dry-run', '-o', 'json']);
    assert.equal(again.code, 0, again.stderr);
    const second = JSON.parse(again.stdout) as { diff: { drop: unknown[] } };
    assert.deepEqual(second.diff.drop, [], 'a second shrink has nothing to drop');
  });

  it('never shrinks grants it did not make: prints the Role it would use, exit 4, nothing changed', async function () {
    await kubectlOk(['-n', NS, 'create', 'serviceaccount', 'manual'], { env });
    await kubectlOk(
      ['-n', NS, 'create', 'rolebinding', 'manual-edit', '--clusterrole=edit', `--serviceaccount=${NS}:manual`],
      { env },
    );
    const token = (await kubectlOk(['-n', NS, 'create', 'token', 'manual'], { env })).trim();
    const ca = path.join(env.dir, 'pki', 'ca.crt');
    const asManual = ['--token', token, '--server', env.server, '--certificate-authority', ca, '-n', NS];
    const noKubeconfig = { env: { ...process.env, KUBECONFIG: '/dev/null' } };
    await new Promise<void>((resolve, reject) =>
      execFile(env.kubectl, [...asManual, 'get', 'configmaps'], noKubeconfig, (err) => (err ? reject(err) : resolve())),
    );
    await eventually(
      async () =>
        (await cli(['usage', '-n', NS, '-s', 'manual', '--audit-log', log, '-o', 'json'])).stdout.includes(
          '"configmaps"',
        ),
      20_000,
      "the manual account's request in the log",
    );
    const r = await cli(['shrink', '-n', NS, '-s', 'manual', '--audit-log', log]);
    assert.equal(r.code, 4, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /The Role it would use instead \(not applied\):\napiVersion: rbac\./);
    assert.match(r.stdout, /Role it would use[^]*\nkind: Role\n/);
    assert.match(r.stderr, /grants sa-kubeconfig did not make \(RoleBinding audit-ci\/manual-edit \(ClusterRole edit/);
    const role = await kubectl(['-n', NS, 'get', 'role', `sa-kubeconfig:${NS}:manual`], { env });
    assert.equal(role.code, 1, 'no Role was made');
    assert.equal(await canI('delete', 'pods', 'manual'), 'yes');
  });
});

describe('usage on a large synthetic log (no cluster)', function () {
  /** Runs `usage` on the log; returns the report and the process's peak RSS in MB (from a preloaded exit hook). */
  type LargeDoc = UsageDoc & { coverage: { lines: number; otherUsers: number } };
  async function usageWithPeak(dir: string, file: string): Promise<{ doc: LargeDoc; peakMb: number }> {
    const hook = path.join(dir, 'peak.js');
    writeFileSync(
      hook,
      "process.on('exit', () => require('fs').writeSync(2, '\\nmaxRSS=' + process.resourceUsage().maxRSS + '\\n'));\n",
    );
    const cliJs = path.join(REPO, 'dist', 'cli.js');
    const r = await new Promise<CliRun>((resolve) =>
      execFile(
        process.execPath,
        ['--require', hook, cliJs, 'usage', '-n', 'big', '-s', 'app', '--audit-log', file, '-o', 'json'],
        { maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => resolve({ code: err ? 1 : 0, stdout, stderr }),
      ),
    );
    assert.equal(r.code, 0, r.stderr);
    const kb = Number(/maxRSS=(\d+)/.exec(r.stderr)?.[1]);
    return { doc: JSON.parse(r.stdout) as LargeDoc, peakMb: kb / 1024 };
  }

  it('streams: 40 MB of log costs about what 4 MB costs (peak RSS), with exact counts', async function () {
    this.timeout(120_000);
    const dir = privateTempDir();
    try {
      const small = path.join(dir, 'small.log');
      const large = path.join(dir, 'audit.log');
      await writeSyntheticLog(small, 4);
      const written = await writeSyntheticLog(large, 40);
      const base = await usageWithPeak(dir, small);
      const { doc, peakMb } = await usageWithPeak(dir, large);
      assert.equal(doc.coverage.lines, written.lines);
      assert.equal(doc.coverage.matched, written.matched);
      assert.equal(doc.coverage.otherUsers, written.lines - written.matched);
      assert.equal(
        doc.denied.reduce((n, g) => n + g.count, 0),
        written.denied,
      );
      assert.equal(doc.allowed.filter((g) => g.resource === 'configmaps').length, 50, 'one group per object name');
      // Holding the 36 MB more of log (as bytes, then text) costs at least 72 MB more; streaming ~9 MB of GC slack.
      const shown = `peak RSS ${peakMb.toFixed(0)} MB for 40 MB vs ${base.peakMb.toFixed(0)} MB for 4 MB`;
      assert.ok(peakMb - base.peakMb < 30, shown);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
