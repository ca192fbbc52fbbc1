// What users read when something fails or is reported (issue 15 items 2 and 6), without a cluster: the one-sentence
// error notification and its details, when Retry is offered, and report verdicts that agree with the report.
import * as assert from 'node:assert/strict';

import { errorNotice, isRetryable } from '../../src/commands/support/errorNotice';
import { errorFromNetwork, errorFromResponse, SaKubeconfigError, ValidationError } from '../../src/core/errors';
import type { VerificationCheck, VerificationReport } from '../../src/core/verify/verify';
import { consistentNotes, verdict } from '../../src/editor/reportVerdict';

const forbiddenBody = JSON.stringify({
  kind: 'Status',
  message:
    'secrets is forbidden: User "restricted" cannot create resource "secrets" in API group "" in the namespace ' +
    '"restricted-ns": RBAC: role.rbac.authorization.k8s.io "sa-manager" not found and a few more words of the server',
  reason: 'Forbidden',
  code: 403,
});

const sentences = (text: string) => text.split(/(?<=[.!?])\s+/).filter(Boolean);

describe('error notifications (one sentence, details behind Show Details)', () => {
  it('a 403 from the server: our sentence in the toast, the raw API error only in the details, no Retry', () => {
    const err = errorFromResponse(403, forbiddenBody, { method: 'POST', path: '/api/v1/namespaces/x/secrets' });
    const n = errorNotice('Quick Create', err);
    assert.ok(!n.summary.includes('is forbidden: User'), n.summary);
    assert.ok(sentences(n.summary).length <= 2, n.summary);
    assert.ok(n.summary.length <= 250, n.summary);
    assert.match(n.details, /secrets is forbidden: User "restricted"/);
    assert.match(n.details, /^# Quick Create failed/);
    assert.equal(n.retryable, false);
  });

  it('a multi-line refusal keeps its bullets in the details, not in the toast', () => {
    const err = new SaKubeconfigError(
      'escalation',
      'You cannot grant all of this:\n- You may not create secrets in namespace "a"\n- You may not get ' +
        'secrets in namespace "a"',
    );
    const n = errorNotice('Quick Create', err);
    assert.ok(!n.summary.includes('- You may not'), n.summary);
    assert.match(n.details, /^- You may not create secrets in namespace "a"$/m);
    assert.match(n.details, /^- You may not get secrets in namespace "a"$/m);
  });

  it('Retry only where retrying can help: network, 5xx, 429, conflicts; not 401/403/invalid input', () => {
    const net = errorFromNetwork(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'https://x',
    );
    assert.equal(isRetryable(net), true);
    assert.equal(errorNotice('Test Connection', net).retryable, true);
    assert.equal(isRetryable(errorFromResponse(503, '{}', { method: 'GET', path: '/' })), true);
    assert.equal(isRetryable(errorFromResponse(429, '{}', { method: 'GET', path: '/' })), true);
    assert.equal(isRetryable(errorFromResponse(401, '{}', { method: 'GET', path: '/' })), false);
    assert.equal(isRetryable(errorFromResponse(422, '{}', { method: 'GET', path: '/' })), false);
    assert.equal(isRetryable(new ValidationError(['a', 'b'])), false);
    assert.equal(isRetryable(new Error('boom')), false);
  });

  it('a short message of ours is the sentence itself, with the hint as what to do', () => {
    const err = new SaKubeconfigError('kubeconfig', 'Your kubeconfig has no contexts.', { hint: 'Add a context.' });
    assert.equal(errorNotice('Quick Create', err).summary, 'Your kubeconfig has no contexts. Add a context.');
  });

  it('a 401: sentences end with a full stop (no "Unauthorized Your …")', () => {
    const err = errorFromResponse(401, JSON.stringify({ message: 'Unauthorized' }), { method: 'GET', path: '/' });
    const n = errorNotice('Test Connection', err);
    assert.doesNotMatch(n.summary, /Unauthorized [A-Z]/);
    assert.match(n.summary, /^The cluster rejected the credentials of this context\. /);
  });
});

const check = (over: Partial<VerificationCheck>): VerificationCheck => ({
  verb: 'list',
  group: '',
  resource: 'pods',
  expected: 'allowed',
  allowed: true,
  ok: true,
  why: 'requested',
  ...over,
});
const report = (over: Partial<VerificationReport>): VerificationReport =>
  ({
    ok: true,
    checks: [],
    rulesByNamespace: {},
    incomplete: false,
    notes: [],
    requests: 3,
    ...over,
  }) as VerificationReport;

describe('report verdicts agree with the report', () => {
  it('no "every check gave the expected answer" when no check ran', () => {
    const v = verdict(report({ whoami: { username: 'system:serviceaccount:a:b', groups: [] } }));
    assert.doesNotMatch(v, /every check|all \d+ check/);
    assert.match(v, /no permission checks ran/);
    assert.match(verdict(report({ checks: [check({}), check({ verb: 'get' })] })), /all 2 checks/);
    assert.match(verdict(report({ ok: false, checks: [check({ ok: false }), check({})] })), /1 of 2 checks/);
  });

  it('no "A bound role may grant reading secrets" next to a verified "list secrets: denied"', () => {
    const note = 'A bound role may grant reading secrets, so that is not checked as denied.';
    const denied = check({ resource: 'secrets', expected: 'denied', allowed: false, ok: true });
    assert.deepEqual(consistentNotes(report({ checks: [denied], notes: [note, 'other'] })), ['other']);
    // The server's complete rule list settles it too.
    const noSecrets = { a: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] };
    assert.deepEqual(consistentNotes(report({ rulesByNamespace: noSecrets, notes: [note] })), [
      'The rules the server lists grant no reading of secrets.',
    ]);
    const secrets = { a: [{ apiGroups: [''], resources: ['secrets'], verbs: ['*'] }] };
    assert.deepEqual(consistentNotes(report({ rulesByNamespace: secrets, notes: [note] })), [note]);
  });
});
