// The credential audit's pure assembly (core/hygiene/assess.ts) and its reports (report.ts): subjects, aggregation,
// findings against the thresholds, the shrink remedy, filters, and a Markdown report without credentials.
import * as assert from 'node:assert/strict';

import {
  assembleAudit,
  DEFAULT_THRESHOLDS,
  expandClusterRole,
  filterReport,
  selectorMatches,
  subjectFor,
  withoutRiskyRules,
  type AuditReport,
} from '../../src/core/hygiene/assess';
import type { AuditInput, RawRole } from '../../src/core/hygiene/read';
import { auditMarkdown, auditTable, escapeMarkdown } from '../../src/core/hygiene/report';
import { formatRule } from '../../src/core/plan/rules';

const NOW = new Date('2026-12-01T12:00:00Z');
const TOKEN_TYPE = 'kubernetes.io/service-account-token';

function legacy(
  ns: string,
  name: string,
  sa: string,
  labels: Record<string, string> = {},
  created = '2026-01-01T00:00:00Z',
) {
  return {
    metadata: {
      name,
      namespace: ns,
      labels,
      creationTimestamp: created,
      annotations: { 'kubernetes.io/service-account.name': sa },
    },
    type: TOKEN_TYPE,
  };
}

function input(partial: Partial<AuditInput>): AuditInput {
  return {
    serviceAccounts: [],
    secrets: [],
    roleBindings: [],
    clusterRoleBindings: [],
    roles: [],
    clusterRoles: [],
    pods: [],
    notes: [],
    ...partial,
  };
}

function assemble(i: AuditInput): AuditReport {
  return assembleAudit(i, {
    context: 'ctx',
    server: 'https://k',
    ledger: [],
    thresholds: DEFAULT_THRESHOLDS,
    now: NOW,
  });
}

describe('hygiene assessment', () => {
  it('matches label selectors as Kubernetes does (an empty one selects nothing)', () => {
    assert.ok(selectorMatches({ matchLabels: { a: '1' } }, { a: '1', b: '2' }));
    assert.ok(!selectorMatches({ matchLabels: { a: '1' } }, { a: '2' }));
    assert.ok(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '3'] }] }, { a: '3' }));
    assert.ok(!selectorMatches({ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: '3' }));
    assert.ok(selectorMatches({ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}));
    assert.ok(!selectorMatches({}, { a: '1' }));
  });

  it('expands aggregated ClusterRoles recursively, also when the controller has not filled the rules', () => {
    const roles = new Map<string, RawRole>([
      [
        'top',
        { metadata: { name: 'top' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { to: 'top' } }] } },
      ],
      [
        'mid',
        {
          metadata: { name: 'mid', labels: { to: 'top' } },
          aggregationRule: { clusterRoleSelectors: [{ matchLabels: { to: 'mid' } }] },
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
        },
      ],
      [
        'leaf',
        {
          metadata: { name: 'leaf', labels: { to: 'mid' } },
          rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }],
        },
      ],
    ]);
    const expanded = expandClusterRole('top', roles);
    assert.deepEqual(expanded?.aggregatedFrom, ['leaf', 'mid']);
    assert.deepEqual(expanded?.rules.map((r) => r.resources[0]).sort(), ['configmaps', 'secrets']);
    assert.equal(expandClusterRole('absent', roles), undefined);
  });

  it('finds the account in binding subjects: ServiceAccount (namespace defaulted), User, groups', () => {
    const rb = (subjects: object[]) => ({ metadata: { name: 'b', namespace: 'ci' }, subjects }) as never;
    assert.deepEqual(subjectFor(rb([{ kind: 'ServiceAccount', name: 'bot' }]), 'ci', 'bot'), {
      kind: 'serviceAccount',
    });
    assert.equal(subjectFor(rb([{ kind: 'ServiceAccount', name: 'bot' }]), 'other', 'bot'), undefined);
    assert.deepEqual(subjectFor(rb([{ kind: 'User', name: 'system:serviceaccount:ci:bot' }]), 'ci', 'bot'), {
      kind: 'user',
      name: 'system:serviceaccount:ci:bot',
    });
    for (const g of ['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated'])
      assert.deepEqual(subjectFor(rb([{ kind: 'Group', name: g }]), 'ci', 'bot'), { kind: 'group', name: g });
    assert.equal(subjectFor(rb([{ kind: 'Group', name: 'system:serviceaccounts:qa' }]), 'ci', 'bot'), undefined);
  });

  it('grades accounts, finds legacy tokens never used, stale, invalid, old, unused accounts and powerful ones', () => {
    const scenario = input({
      trackingSince: '2026-01-01',
      serviceAccounts: ['fresh', 'never', 'stale', 'invalid', 'boss'].map((name) => ({
        metadata: { name, namespace: 'ci' },
      })),
      secrets: [
        legacy(
          'ci',
          'fresh-token',
          'fresh',
          { 'kubernetes.io/legacy-token-last-used': '2026-11-30' },
          '2026-11-01T00:00:00Z',
        ),
        legacy('ci', 'never-token', 'never', {}, '2026-11-01T00:00:00Z'),
        legacy(
          'ci',
          'stale-token',
          'stale',
          { 'kubernetes.io/legacy-token-last-used': '2026-08-01' },
          '2026-11-01T00:00:00Z',
        ),
        legacy('ci', 'invalid-token', 'invalid', { 'kubernetes.io/legacy-token-invalid-since': '2026-10-01' }),
        legacy(
          'ci',
          'boss-token',
          'boss',
          { 'kubernetes.io/legacy-token-last-used': '2026-12-01' },
          '2026-01-01T00:00:00Z',
        ),
      ],
      pods: [
        { metadata: { namespace: 'ci' }, spec: { serviceAccountName: 'fresh' } },
        { metadata: { namespace: 'ci' }, spec: { serviceAccountName: 'boss' } },
      ],
      roles: [
        {
          metadata: { name: 'deployer', namespace: 'ci' },
          rules: [
            { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'create', 'patch'] },
            { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
          ],
        },
      ],
      roleBindings: [
        {
          kind: 'RoleBinding',
          metadata: { name: 'boss', namespace: 'ci' },
          roleRef: { kind: 'Role', name: 'deployer' },
          subjects: [{ kind: 'ServiceAccount', name: 'boss', namespace: 'ci' }],
        },
      ],
    });
    const report = assemble(scenario);
    const by = (n: string) => report.serviceAccounts.find((a) => a.name === n)!;
    const kinds = (n: string) =>
      by(n)
        .findings.map((f) => f.kind)
        .sort();
    assert.deepEqual(kinds('fresh'), []);
    assert.deepEqual(kinds('never'), ['legacyNeverUsed', 'unusedAccount']);
    assert.match(
      by('never').findings.find((f) => f.kind === 'legacyNeverUsed')!.text,
      /since tracking began on 2026-01-01/,
    );
    assert.deepEqual(kinds('stale'), ['legacyStale', 'unusedAccount']);
    assert.deepEqual(kinds('invalid'), ['legacyInvalid']);
    assert.deepEqual(kinds('boss'), ['longLivedOld', 'powerfulLongLived']);
    assert.equal(by('boss').grade, 'high');
    assert.equal(report.serviceAccounts[0].name, 'boss', 'worst first');
    const shrink = by('boss')
      .findings.find((f) => f.kind === 'powerfulLongLived')!
      .remedies.find((r) => r.kind === 'shrink')!;
    assert.deepEqual(shrink.namespaces, ['ci']);
    assert.match(shrink.command, /--existing-service-account boss --namespaces ci/);
    assert.match(shrink.command, /--rule configmaps:get/);
    assert.match(shrink.command, /--rule deployments\.apps:get,patch/);
    assert.doesNotMatch(shrink.command, /deployments\.apps:[a-z,]*create/);
    assert.deepEqual(report.summary.serviceAccounts, 5);

    // Thresholds move the findings.
    const lenient = assembleAudit(scenario, {
      context: 'ctx',
      server: 'https://k',
      ledger: [],
      thresholds: { staleDays: 365, maxAgeDays: 365 },
      now: NOW,
    });
    const lenientKinds = (n: string) =>
      lenient.serviceAccounts
        .find((a) => a.name === n)!
        .findings.map((f) => f.kind)
        .sort();
    assert.deepEqual(lenientKinds('stale'), ['unusedAccount']);
    assert.deepEqual(lenientKinds('boss'), ['powerfulLongLived']);

    const high = filterReport(report, { minRisk: 'high' });
    assert.deepEqual(
      high.serviceAccounts.map((a) => a.name),
      ['boss'],
    );
    const md = auditMarkdown(report);
    assert.match(md, /\| high \| ci\/boss \| 1 \| 1 \| 2 \|/);
    assert.match(md, /sa-kubeconfig migrate -n ci --secret boss-token/);
    const table = auditTable(report);
    assert.match(table, /HIGH\s+ci\/boss/);
  });

  it('drops every risky piece of a rule for the shrink remedy, keeping the rest', () => {
    const shrunk = withoutRiskyRules([
      {
        rule: { apiGroups: [''], resources: ['pods', 'secrets', 'pods/exec'], verbs: ['get', 'list', 'create'] },
        namespace: 'ci',
        role: 'Role/x',
      },
      { rule: { apiGroups: ['*'], resources: ['*'], verbs: ['*'] }, namespace: 'qa', role: 'Role/y' },
    ]);
    const kept = shrunk.rules.map(formatRule).sort();
    assert.ok(kept.includes('pods:get,list'), kept.join(' '));
    assert.ok(kept.includes('secrets:create'), kept.join(' '));
    assert.ok(!kept.some((r) => /secrets:.*(get|list)|pods\/exec:.*create|\*/.test(r)), kept.join(' '));
    assert.deepEqual(shrunk.namespaces, ['ci']);
  });

  it('escapes names from the cluster in Markdown', () => {
    assert.equal(escapeMarkdown('a|b*c\n`d`'), 'a\\|b\\*c \\`d\\`');
  });
});
