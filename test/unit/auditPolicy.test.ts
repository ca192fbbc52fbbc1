// The audit policy's findings for one service account (core/audit/policy.ts): which None rules can drop its requests,
// named by number, resources, verbs, namespaces and users; a missing catch-all; ResponseComplete omitted; and the
// coverage warning they replace. Also the extension's Markdown of a usage report (editor/auditMarkdown.ts): denied
// requests apart, the warnings first, and text from the log shown literally.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { marked as Marked } from 'marked' with { 'resolution-mode': 'import' };

import { runCli } from '../../src/cli/cli';
import { EXIT, type CliIo } from '../../src/cli/io';
import {
  GENERAL_POLICY_WARNING_START,
  parseAuditPolicy,
  policyFindings,
  readAuditPolicy,
  withPolicyFindings,
} from '../../src/core/audit/policy';
import { AuditLineMatcher, type AuditFilter } from '../../src/core/audit/reader';
import { readUsageReport, timeFromText } from '../../src/core/audit/report';
import { UsageAccumulator } from '../../src/core/audit/usage';
import { ValidationError } from '../../src/core/errors';
import { usageMarkdown } from '../../src/editor/auditMarkdown';
import { auditLine } from '../support/auditEvents';

// The shape of the GKE / kube-up default policy (abridged): None rules for noisy system users, then catch-alls.
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
  - level: None
    users: ["system:kube-proxy"]
    verbs: ["watch"]
    resources:
      - group: ""
        resources: ["endpoints", "services"]
  - level: None
    userGroups: ["system:serviceaccounts:team"]
    verbs: ["get", "list"]
    resources:
      - group: ""
        resources: ["configmaps"]
    namespaces: ["team"]
  - level: None
    resources:
      - group: "coordination.k8s.io"
        resources: ["leases"]
  - level: None
    nonResourceURLs: ["/healthz*", "/version"]
  - level: Metadata
    omitStages: ["ResponseComplete"]
    users: ["system:serviceaccount:other:x"]
  - level: Metadata
`;

const FILTER: AuditFilter = { namespace: 'team', serviceAccount: 'ci' };

describe('audit policy findings', () => {
  it("names the None rules that can drop the account's requests, not the others'", () => {
    const f = policyFindings(parseAuditPolicy(POLICY, 'policy.yaml'), 'team', 'ci');
    assert.deepEqual(f.dropping, [
      'rule 2 (level None): get, list of configmaps (core) in namespace(s) team for groups system:serviceaccounts:team',
      'rule 3 (level None): every verb of leases (coordination.k8s.io)',
      'rule 4 (level None): every verb of non-resource URLs /healthz*, /version',
    ]);
    assert.equal(f.noCatchAll, false);
    assert.deepEqual(f.omitsResponseComplete, []);
    // Another namespace's account: rule 2's group does not hold it.
    assert.equal(policyFindings(parseAuditPolicy(POLICY, 'p'), 'web', 'ci').dropping.length, 2);
  });

  it('a rule after a catch-all for the account is shadowed; no catch-all and omitted ResponseComplete are said', () => {
    const shadowed =
      'kind: Policy\nrules:\n- level: Metadata\n- level: None\n  resources: [{group: ' + '"", resources: [pods]}]\n';
    assert.deepEqual(policyFindings(parseAuditPolicy(shadowed, 'p'), 'team', 'ci').dropping, []);
    const partial = `kind: Policy\nomitStages: [ResponseComplete]\nrules:\n- level: Metadata\n  verbs: [create]\n`;
    const f = policyFindings(parseAuditPolicy(partial, 'p.yaml'), 'team', 'ci');
    assert.equal(f.noCatchAll, true);
    assert.deepEqual(f.omitsResponseComplete, ['the policy (omitStages)']);
  });

  it("replaces coverage's general warning with the policy's rules", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sak-policy-'));
    const log = path.join(dir, 'audit.log');
    writeFileSync(log, `${auditLine({ verb: 'list', namespace: 'team' })}\n`);
    writeFileSync(path.join(dir, 'policy.yaml'), POLICY);
    const plain = await readUsageReport([log], FILTER);
    assert.ok(plain.coverage.warnings.some((w) => w.startsWith(GENERAL_POLICY_WARNING_START)));
    const policy = await readAuditPolicy(path.join(dir, 'policy.yaml'));
    const report = await readUsageReport([log], FILTER, { policy });
    const warnings = report.coverage.warnings;
    assert.ok(!warnings.some((w) => w.startsWith(GENERAL_POLICY_WARNING_START)), warnings.join('\n'));
    const named = warnings.find((w) => w.includes('logs some of this account'));
    assert.ok(named, warnings.join('\n'));
    assert.match(named, /rule 2 \(level None\): get, list of configmaps \(core\) in namespace\(s\) team/);
    assert.match(named, /rule 3 \(level None\): every verb of leases \(coordination\.k8s\.io\)/);
    assert.equal(report.coverage.policy?.dropping.length, 3);
    // A policy that drops nothing for the account says so.
    const clean = withPolicyFindings(
      plain.coverage,
      policyFindings(parseAuditPolicy('kind: Policy\nrules:\n- level: Metadata\n', 'ok.yaml'), 'team', 'ci'),
    );
    assert.ok(clean.warnings.some((w) => /ok\.yaml logs every request of this account/.test(w)));
  });

  it(
    'sa-kubeconfig usage --audit-policy names the rules in its warnings; ' + 'a missing policy file is exit 2',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'sak-policy-cli-'));
      const log = path.join(dir, 'audit.log');
      writeFileSync(log, `${auditLine({ verb: 'list', namespace: 'team' })}\n`);
      writeFileSync(path.join(dir, 'policy.yaml'), POLICY);
      const run = async (args: string[]) => {
        let out = '';
        let err = '';
        const io: CliIo = {
          stdout: (t) => void (out += t),
          stderr: (t) => void (err += t),
          interactive: false,
          confirm: async () => false,
          env: {},
        };
        const base = ['usage', '-n', 'team', '-s', 'ci', '--audit-log', log, '-o', 'json'];
        return { code: await runCli([...base, ...args], io), out, err };
      };
      const r = await run(['--audit-policy', path.join(dir, 'policy.yaml')]);
      assert.equal(r.code, EXIT.ok, r.err);
      const doc = JSON.parse(r.out) as { coverage: { warnings: string[] } };
      assert.ok(
        doc.coverage.warnings.some((w) => /policy\.yaml logs some of this account's requests at level None/.test(w)),
      );
      assert.ok(doc.coverage.warnings.some((w) => /rule 3 \(level None\): every verb of leases/.test(w)));
      const missing = await run(['--audit-policy', path.join(dir, 'nope.yaml')]);
      assert.equal(missing.code, EXIT.usage);
      assert.match(missing.err, /Cannot read the audit policy .*nope\.yaml/);
    },
  );

  it('a file that is not a policy, or cannot be read, is a clear error', async () => {
    assert.throws(() => parseAuditPolicy('kind: Pod\n', 'x.yaml'), /x\.yaml is not an audit policy/);
    assert.throws(() => parseAuditPolicy('kind: Policy\nrules:\n- verbs: [get]\n', 'x'), /rule 1 has no level/);
    await assert.rejects(readAuditPolicy('/nonexistent/policy.yaml'), ValidationError);
  });
});

describe('usage report as Markdown (Show Usage)', () => {
  let marked: typeof Marked;
  before(async () => {
    ({ marked } = await import('marked'));
  });

  function report() {
    const usage = new UsageAccumulator();
    const m = new AuditLineMatcher(FILTER, (r) => usage.add(r), ['audit.log']);
    const hostile = '[click](command:saKubeconfig.deleteServiceAccount) <img src=x> *kubectl*';
    m.line(auditLine({ verb: 'list', namespace: 'team', userAgent: hostile }));
    m.line(auditLine({ verb: 'get', namespace: 'team', name: 'web-1', time: '2026-12-01T10:05:00Z' }));
    m.line(auditLine({ verb: 'list', resource: 'secrets', namespace: 'team', code: 403 }));
    return usage.report(FILTER, m.finish());
  }

  it('lists allowed and denied requests apart, warnings first, log text literal', () => {
    const md = usageMarkdown(report());
    const html = marked.parse(md, { async: false });
    assert.ok(md.indexOf('⚠') < md.indexOf('## Allowed'), 'the warnings come before the tables');
    assert.match(md, /## Allowed: 2 request\(s\) in 2 group\(s\)/);
    assert.match(md, /## Denied: 1 request\(s\) in 1 group\(s\)/);
    const denied = md.slice(md.indexOf('## Denied'));
    assert.match(denied, /\| 1 \| list \| secrets \| team \|/);
    assert.match(md, /less than 24 h/);
    // The hostile user agent is text: no link, image or emphasis made of it.
    assert.doesNotMatch(html, /<a |<img|<em>/);
    assert.match(html, /\[click\]/);
  });

  it('a time window is a duration back or an RFC 3339 time', () => {
    const now = new Date('2026-12-02T00:00:00Z');
    assert.equal(timeFromText('24h', now)?.toISOString(), '2026-12-01T00:00:00.000Z');
    assert.equal(timeFromText('2026-11-30T08:00:00Z', now)?.toISOString(), '2026-11-30T08:00:00.000Z');
    assert.equal(timeFromText('yesterday', now), undefined);
  });
});
