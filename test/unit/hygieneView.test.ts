// The Audit webview's protocol checks (every page message validated) and the view the host posts (no credential).
import * as assert from 'node:assert/strict';

import { assembleAudit, DEFAULT_THRESHOLDS } from '../../src/core/hygiene/assess';
import { auditView } from '../../src/webview/audit/auditView';
import { parseAuditPageMessage } from '../../src/webview/auditProtocol';

describe('hygiene: the Audit view and its protocol', () => {
  it('accepts well-formed page messages and nothing else', () => {
    assert.deepEqual(parseAuditPageMessage({ type: 'ready' }), { type: 'ready' });
    assert.deepEqual(parseAuditPageMessage({ type: 'refresh', allNamespaces: false, namespace: 'ci' }), {
      type: 'refresh',
      allNamespaces: false,
      namespace: 'ci',
    });
    const remedy = {
      type: 'remedy',
      remedy: 'revoke',
      namespace: 'ci',
      serviceAccount: 'bot',
      secretName: 'bot-token',
    };
    assert.deepEqual(parseAuditPageMessage(remedy), remedy);
    for (const bad of [
      null,
      'ready',
      { type: 'refresh' },
      { type: 'refresh', allNamespaces: true, namespace: '../x' },
      { ...remedy, remedy: 'delete' },
      { ...remedy, secretName: undefined },
      { ...remedy, namespace: 'Bad Name' },
      { type: 'run', command: 'rm -rf /' },
    ])
      assert.equal(parseAuditPageMessage(bad), undefined, JSON.stringify(bad));
    assert.deepEqual(
      parseAuditPageMessage({ type: 'remedy', remedy: 'shrink', namespace: 'ci', serviceAccount: 'bot' }),
      {
        type: 'remedy',
        remedy: 'shrink',
        namespace: 'ci',
        serviceAccount: 'bot',
      },
    );
  });

  it('posts lines and grades, hiding accounts with nothing to report', () => {
    const report = assembleAudit(
      {
        serviceAccounts: [
          { metadata: { name: 'bot', namespace: 'ci' } },
          { metadata: { name: 'default', namespace: 'ci' } },
        ],
        secrets: [
          {
            metadata: {
              name: 'bot-token',
              namespace: 'ci',
              creationTimestamp: '2026-11-01T00:00:00Z',
              annotations: { 'kubernetes.io/service-account.name': 'bot' },
            },
            type: 'kubernetes.io/service-account-token',
          },
        ],
        roleBindings: [],
        clusterRoleBindings: [],
        roles: [],
        clusterRoles: [],
        pods: [],
        notes: [],
      },
      { context: 'ctx', server: 'https://k', ledger: [], thresholds: DEFAULT_THRESHOLDS, now: new Date('2026-12-01') },
    );
    const view = auditView(report);
    assert.deepEqual(
      view.accounts.map((a) => a.name),
      ['bot'],
    );
    assert.match(view.summary, /1 with nothing to report are not listed/);
    assert.match(view.accounts[0].credentials[0], /legacy \(not ours\), bot-token, no recorded use, never expires/);
    assert.deepEqual(view.accounts[0].findings.map((f) => f.kind).sort(), ['legacyNeverUsed', 'unusedAccount']);
  });
});
