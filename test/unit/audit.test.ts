import * as assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';

import { parseTime } from '../../src/cli/auditFlags';
import {
  AuditLineMatcher,
  AuditSourceError,
  forEachLine,
  jtiMatches,
  MAX_LINE_CHARS,
  readAuditLog,
  resolveAuditSources,
  type AuditFilter,
  type AuditRequest,
} from '../../src/core/audit/reader';
import { diffRules, rulesForDenied, rulesFromUsage, scopeOf } from '../../src/core/audit/shrink';
import { isDenied, UsageAccumulator, type UsageGroup } from '../../src/core/audit/usage';
import { formatRule } from '../../src/core/plan/rules';
import { auditLine } from '../support/auditEvents';
import { privateTempDir } from '../support/cluster';

const filter: AuditFilter = { namespace: 'team', serviceAccount: 'ci' };
const JTI = '9f022cd6-82ad-45df-9bde-633214ae1ad2';

function match(lines: string[], f: AuditFilter = filter) {
  const got: AuditRequest[] = [];
  const m = new AuditLineMatcher(f, (r) => got.push(r));
  lines.forEach((l, i) => m.line(l, `test:${i + 1}`));
  return { got, stats: m.finish() };
}

function usageOf(lines: string[], f: AuditFilter = filter) {
  const acc = new UsageAccumulator();
  const m = new AuditLineMatcher(f, (r) => acc.add(r));
  for (const l of lines) m.line(l);
  return acc.report(f, m.finish());
}

describe('audit log reader', () => {
  it("keeps only the account's completed requests: not an account whose name starts alike, not other stages", () => {
    const { got, stats } = match([
      auditLine({ verb: 'list', namespace: 'team', time: '2026-12-01T10:00:00Z' }),
      auditLine({ user: 'system:serviceaccount:team:ci2', namespace: 'team' }),
      auditLine({ user: 'system:serviceaccount:team:c', namespace: 'team' }),
      auditLine({ verb: 'watch', namespace: 'team', stage: 'ResponseStarted', auditID: 'w1' }),
      auditLine({ verb: 'watch', namespace: 'team', stage: 'ResponseStarted', auditID: 'w2' }),
      auditLine({ verb: 'watch', namespace: 'team', auditID: 'w1', time: '2026-12-01T11:00:00Z' }),
      auditLine({ verb: 'get', stage: 'RequestReceived' }),
    ]);
    assert.deepEqual(
      got.map((r) => r.verb),
      ['list', 'watch'],
    );
    assert.equal(stats.matched, 2);
    assert.equal(stats.otherUsers, 2);
    assert.deepEqual(stats.skippedStages, { ResponseStarted: 2, RequestReceived: 1 });
    assert.equal(stats.stillOpen, 1, 'w2 started and never completed');
    assert.equal(stats.logLast, '2026-12-01T11:00:00Z');
  });

  it('counts unparseable lines (with where they are) and goes on', () => {
    const { got, stats } = match([
      'not json',
      '{"kind":"Event", "user": {"username": "system:serviceaccount:team:ci"',
      '',
      '{"truncated": "system:serviceaccount:team:ci"',
      auditLine({ namespace: 'team' }),
    ]);
    assert.equal(got.length, 1);
    assert.equal(stats.unparseable, 3);
    assert.deepEqual(stats.unparseableSamples, ['test:1', 'test:2', 'test:4']);
  });

  it('filters by time window and by credential (short id or full jti)', () => {
    const lines = [
      auditLine({ time: '2026-12-01T09:59:59Z', jti: JTI }),
      auditLine({ time: '2026-12-01T10:00:00Z', jti: JTI }),
      auditLine({ time: '2026-12-01T10:30:00Z', jti: '11111111-2222-4333-8444-555555555555' }),
      auditLine({ time: '2026-12-01T11:00:00Z', jti: JTI }),
    ];
    const since = new Date('2026-12-01T10:00:00Z');
    const windowed = match(lines, { ...filter, since, until: new Date('2026-12-01T11:00:00Z') });
    assert.equal(windowed.stats.matched, 2);
    assert.equal(windowed.stats.outsideWindow, 2);
    const byCredential = match(lines, { ...filter, credential: '9f022cd6' });
    assert.equal(byCredential.stats.matched, 3);
    assert.equal(byCredential.stats.otherCredential, 1);
    assert.equal(match(lines, { ...filter, credential: JTI }).stats.matched, 3);
    assert.equal(jtiMatches(JTI, '9f02'), false, 'too short a prefix matches nothing');
    assert.equal(jtiMatches(undefined, '9f022cd6'), false);
  });

  it('splits lines across chunk boundaries, CRLF and multi-byte characters; skips an overlong line', async () => {
    const text = Buffer.from('a\r\nbé\nc');
    const chunks = [text.subarray(0, 2), text.subarray(2, 5), text.subarray(5)];
    const lines: (string | undefined)[] = [];
    await forEachLine(Readable.from(chunks), (l) => lines.push(l?.replace(/\r$/, '')));
    assert.deepEqual(lines, ['a', 'bé', 'c']);
    const long: (string | undefined)[] = [];
    await forEachLine(Readable.from(['x'.repeat(MAX_LINE_CHARS), 'yy\nz\n']), (l) => long.push(l));
    assert.deepEqual(long, [undefined, 'z']);
  });

  it('reads files, gzip (by content), a folder of rotated logs (oldest first, current last) and stdin', async () => {
    const dir = privateTempDir();
    const logs = path.join(dir, 'logs');
    mkdirSync(logs);
    writeFileSync(path.join(logs, 'audit.log'), `${auditLine({ verb: 'get', time: '2026-12-01T12:00:00Z' })}\n`);
    const line = (verb: string, time: string) => `${auditLine({ verb, time })}\n`;
    const gz = gzipSync(line('list', '2026-12-01T10:00:00Z'));
    writeFileSync(path.join(logs, 'audit-2026-12-01T10-00-00.000.log.gz'), gz);
    writeFileSync(path.join(logs, 'audit-2026-12-01T11-00-00.000.log'), line('watch', '2026-12-01T11:00:00Z'));
    writeFileSync(path.join(logs, 'notes.txt'), 'not a log');
    const sources = await resolveAuditSources([logs]);
    assert.deepEqual(
      sources.map((s) => path.basename(s)),
      ['audit-2026-12-01T10-00-00.000.log.gz', 'audit-2026-12-01T11-00-00.000.log', 'audit.log'],
    );
    const verbs: string[] = [];
    const stats = await readAuditLog(sources, filter, (r) => verbs.push(r.verb));
    assert.deepEqual(verbs, ['list', 'watch', 'get']);
    assert.equal(stats.logFirst, '2026-12-01T10:00:00Z');
    const fromStdin: string[] = [];
    const stdin = Readable.from([gzipSync(`${auditLine({ verb: 'delete' })}\n`)]);
    await readAuditLog(['-'], filter, (r) => fromStdin.push(r.verb), { stdin });
    assert.deepEqual(fromStdin, ['delete']);
  });

  it('refuses paths it cannot read before reading anything, and names a truncated gzip file', async () => {
    const dir = privateTempDir();
    await assert.rejects(
      resolveAuditSources([path.join(dir, 'missing.log'), dir]),
      (e: Error) =>
        e instanceof AuditSourceError &&
        /missing\.log: ENOENT/.test(e.message) &&
        /folder without audit log files/.test(e.message),
    );
    await assert.rejects(resolveAuditSources([]), AuditSourceError);
    const broken = path.join(dir, 'audit.log.gz');
    writeFileSync(broken, gzipSync(`${auditLine()}\n`.repeat(200)).subarray(0, 60));
    await assert.rejects(
      readAuditLog([broken], filter, () => undefined),
      (e: Error) => e instanceof AuditSourceError && e.message.includes(broken),
    );
  });
});

describe('audit usage report', () => {
  it('groups by verb, group, resource, subresource, namespace and name; denied apart; non-resource URLs apart', () => {
    const r = usageOf([
      auditLine({ verb: 'list', namespace: 'team', time: '2026-12-01T10:00:00Z', jti: JTI }),
      auditLine({ verb: 'list', namespace: 'team', time: '2026-12-01T09:00:00Z', userAgent: 'curl/8' }),
      auditLine({ verb: 'get', resource: 'configmaps', namespace: 'team', name: 'app' }),
      auditLine({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'team', name: 'web-1' }),
      auditLine({ verb: 'list', resource: 'secrets', namespace: 'team', code: 403 }),
      auditLine({ verb: 'get', resource: 'nodes', code: 403, decision: null }),
      auditLine({ verb: 'create', resource: 'pods', namespace: 'team', code: 403, decision: 'allow' }),
      auditLine({ verb: 'get', path: '/api' }),
    ]);
    const list = r.allowed.find((g) => g.verb === 'list' && g.resource === 'pods');
    assert.equal(list?.count, 2);
    assert.equal(list?.firstSeen, '2026-12-01T09:00:00Z');
    assert.equal(list?.lastSeen, '2026-12-01T10:00:00Z');
    assert.deepEqual(list?.userAgents, ['kubectl/v1.37.2 (linux/amd64) kubernetes/$Format', 'curl/8']);
    assert.ok(r.allowed.some((g) => g.subresource === 'log' && g.name === 'web-1'));
    assert.ok(
      r.allowed.some((g) => g.verb === 'create' && g.resource === 'pods'),
      'RBAC allowed it; a 403 from admission is not an RBAC denial',
    );
    assert.deepEqual(r.denied.map((g) => `${g.verb} ${g.resource}`).sort(), ['get nodes', 'list secrets']);
    assert.deepEqual(
      r.nonResource.map((g) => g.path),
      ['/api'],
    );
    assert.deepEqual(r.credentials, { '9f022cd6': 1 });
    assert.equal(isDenied({ code: 403 }), true);
  });

  it('says what the log covers, and warns when it is short, empty or before --since', () => {
    const r = usageOf(
      [auditLine({ time: '2026-12-01T10:00:00Z' }), auditLine({ user: 'someone-else', time: '2026-12-01T12:00:00Z' })],
      { ...filter, since: new Date('2026-11-30T00:00:00Z') },
    );
    assert.equal(r.coverage.logFirst, '2026-12-01T10:00:00Z');
    assert.equal(r.coverage.logLast, '2026-12-01T12:00:00Z');
    assert.equal(r.coverage.matched, 1);
    assert.ok(
      r.coverage.warnings.some((w) => /less than 24 h/.test(w)),
      r.coverage.warnings.join('\n'),
    );
    assert.ok(r.coverage.warnings.some((w) => /but the log starts at 2026-12-01T10:00:00Z/.test(w)));
    assert.ok(r.coverage.warnings.some((w) => /level None/.test(w)));
    const none = usageOf([auditLine({ user: 'someone-else' })]);
    assert.ok(none.coverage.warnings.some((w) => /No completed request of system:serviceaccount:team:ci/.test(w)));
  });
});

const group = (g: Partial<UsageGroup>): UsageGroup => ({
  verb: 'get',
  apiGroup: '',
  resource: 'pods',
  count: 1,
  firstSeen: '2026-12-01T10:00:00Z',
  lastSeen: '2026-12-01T10:00:00Z',
  sourceIPs: [],
  userAgents: [],
  codes: {},
  reasons: [],
  ...g,
});

describe('shrink rules from observed use', () => {
  it('unions verbs per group and resource; watch only when seen; subresources apart; self-reviews left out', () => {
    const { rules, leftOut } = rulesFromUsage([
      group({ verb: 'list' }),
      group({ verb: 'get', name: 'web-1' }),
      group({ verb: 'get', subresource: 'log', name: 'web-1' }),
      group({ verb: 'list', apiGroup: 'apps', resource: 'deployments' }),
      group({ verb: 'watch', apiGroup: 'apps', resource: 'deployments' }),
      group({ verb: 'create', apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews' }),
    ]);
    assert.deepEqual(rules.map(formatRule).sort(), ['deployments.apps:list,watch', 'pods/log:get', 'pods:get,list']);
    assert.equal(leftOut.length, 1);
    assert.match(leftOut[0], /selfsubjectaccessreviews.*every authenticated user/);
  });

  it('grants exec, attach and port-forward with create and get together', () => {
    const { rules } = rulesFromUsage([group({ verb: 'get', subresource: 'exec', name: 'web-1' })]);
    assert.deepEqual(rules.map(formatRule), ['pods/exec:create,get']);
  });

  it('restricts to resource names only with names, where every request named one, never list/watch/create', () => {
    const observed = [
      group({ verb: 'get', resource: 'configmaps', name: 'a' }),
      group({ verb: 'get', resource: 'configmaps', name: 'b' }),
      group({ verb: 'update', resource: 'configmaps', name: 'a' }),
      group({ verb: 'create', resource: 'configmaps', name: 'c' }),
      group({ verb: 'list', resource: 'configmaps' }),
      group({ verb: 'get', resource: 'secrets', name: 'x' }),
      group({ verb: 'get', resource: 'secrets' }),
    ];
    assert.deepEqual(rulesFromUsage(observed).rules.map(formatRule).sort(), [
      'configmaps:create,get,list,update',
      'secrets:get',
    ]);
    assert.deepEqual(rulesFromUsage(observed, { names: true }).rules.map(formatRule).sort(), [
      'configmaps:create,list',
      'configmaps:get:a,b',
      'configmaps:update:a',
      'secrets:get',
    ]);
  });

  it('diffs against the current rules: keep the used, drop the rest, add what none grants, consider denials', () => {
    const source = { binding: 'RoleBinding team/x', role: 'Role x', ours: true };
    const diff = diffRules(
      [
        {
          rule: { apiGroups: [''], resources: ['pods', 'configmaps'], verbs: ['get', 'list', 'watch', 'delete'] },
          source,
        },
      ],
      [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['events'], verbs: ['list'] },
      ],
      rulesForDenied([group({ verb: 'list', resource: 'secrets' })]),
    );
    assert.deepEqual(
      diff.keep.map((k) => formatRule(k.rule)),
      ['pods:get,list'],
    );
    assert.deepEqual(diff.drop.map((d) => formatRule(d.rule)).sort(), [
      'configmaps:delete,get,list,watch',
      'pods:delete,watch',
    ]);
    assert.deepEqual(diff.add.map(formatRule), ['events:list']);
    assert.deepEqual(diff.consider.map(formatRule), ['secrets:list']);
  });

  it("keeps the scope: our RoleBindings' namespaces, cluster-wide only for a ClusterRole of namespaced rules", () => {
    const pods = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    const nodes = [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }];
    const b = (kind: 'RoleBinding' | 'ClusterRoleBinding', roleName: string, ns?: string, rules = pods) => ({
      kind,
      name: 'x',
      ...(ns ? { namespace: ns } : {}),
      managed: true,
      rules,
      roleRef: { kind: kind === 'RoleBinding' ? ('Role' as const) : ('ClusterRole' as const), name: roleName },
    });
    assert.deepEqual(scopeOf([b('RoleBinding', 'g', 'b'), b('RoleBinding', 'g', 'a')], 'a', 'g'), {
      kind: 'namespaces',
      namespaces: ['a', 'b'],
    });
    assert.deepEqual(scopeOf([b('RoleBinding', 'g', 'a'), b('ClusterRoleBinding', 'g', undefined, nodes)], 'a', 'g'), {
      kind: 'namespaces',
      namespaces: ['a'],
    });
    assert.deepEqual(scopeOf([b('ClusterRoleBinding', 'g')], 'a', 'g'), { kind: 'cluster' });
  });

  it('reads --since/--until as a duration back or an RFC 3339 time', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    assert.equal(parseTime('since', '24h', now).toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(parseTime('since', '2026-11-30T08:00:00Z', now).toISOString(), '2026-11-30T08:00:00.000Z');
    assert.throws(() => parseTime('since', 'yesterday', now), /neither a duration/);
  });
});
