import * as assert from 'node:assert/strict';

import type { PreflightReport } from '../../src/core/apply/preflight';
import { SaKubeconfigError } from '../../src/core/errors';
import { buildPlan } from '../../src/core/plan/plan';
import type { ProvisionResult } from '../../src/core/provision';
import {
  applyProgress,
  initialSteps,
  kubectlLine,
  resultFromProvision,
  shellQuote,
} from '../../src/webview/host/resultInfo';
import { failedReview, reviewFromReport } from '../../src/webview/host/reviewInfo';
import { toErrorInfo } from '../../src/webview/host/runApply';
import { tutorialRequest } from '../support/requests';

const request = tutorialRequest({ context: 'admin', createNamespace: false });

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

function report(overrides: Partial<PreflightReport> = {}): PreflightReport {
  const plan = buildPlan(request);
  return {
    plan: { ...plan, objects: plan.objects.map((o) => ({ ...o, status: 'create' as const })) },
    ok: true,
    conflicts: [],
    missing: [],
    dryRun: [],
    denied: [],
    missingRules: [],
    incomplete: false,
    notes: [],
    requests: 9,
    ...overrides,
  };
}

describe("wizard review from core's preflight", () => {
  it('shows every object with its exact YAML and status, and allows applying', () => {
    const plan = buildPlan(request);
    const review = reviewFromReport(plan, report());
    assert.deepEqual(
      review.objects.map((o) => [o.kind, o.status]),
      [
        ['ServiceAccount', 'create'],
        ['Role', 'create'],
        ['RoleBinding', 'create'],
      ],
    );
    assert.match(review.objects[1].yaml, /kind: Role\n/);
    assert.match(review.objects[1].yaml, /- pods\/exec/);
    assert.equal(review.escalation.allowed, true);
    assert.equal(review.canApply, true);
    assert.ok(review.warnings.some((w) => /pods\/exec/.test(w)));
  });

  it('lists the missing rules and permissions when the escalation pre-check refuses', () => {
    const plan = buildPlan(request);
    const review = reviewFromReport(
      plan,
      report({
        ok: false,
        missingRules: [
          {
            namespace: 'myexample',
            neededFor: ['Role myexample/x'],
            rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
          },
        ],
        denied: [
          {
            verb: 'create',
            group: 'rbac.authorization.k8s.io',
            resource: 'roles',
            namespace: 'myexample',
            description: 'create roles in namespace "myexample"',
          },
        ],
      }),
    );
    assert.equal(review.canApply, false);
    assert.equal(review.escalation.allowed, false);
    assert.deepEqual(review.escalation.missingRules, ['pods/exec:create in namespace "myexample"']);
    assert.deepEqual(review.escalation.missingPermissions, ['create roles in namespace "myexample"']);
  });

  it('asks for consent when objects exist that sa-kubeconfig did not make', () => {
    const review = reviewFromReport(
      buildPlan(request),
      report({
        ok: false,
        conflicts: [
          {
            ref: { apiVersion: 'v1', kind: 'ServiceAccount', name: 'myexample-sa', namespace: 'myexample' },
            detail: 'exists',
          },
        ],
      }),
    );
    assert.equal(review.needsAdoption, true);
    assert.equal(review.canApply, false);
  });

  it('an existing service account shows as "use as it is"; a missing one is the problem to fix', () => {
    const existing = { ...request, serviceAccountMode: 'existing' as const };
    const plan = buildPlan(existing);
    const used = reviewFromReport(plan, {
      ...report(),
      plan: {
        ...plan,
        objects: plan.objects.map((o, i) => ({
          ...o,
          status: i === 0 ? ('use' as const) : ('create' as const),
          ...(i === 0 ? { detail: 'exists (not made by sa-kubeconfig); used as it is' } : {}),
        })),
      },
    });
    assert.deepEqual(
      used.objects.map((o) => [o.kind, o.status]),
      [
        ['ServiceAccount', 'use'],
        ['Role', 'create'],
        ['RoleBinding', 'create'],
      ],
    );
    assert.doesNotMatch(used.objects[0].yaml, /managed-by/);
    assert.equal(used.needsAdoption, false);
    assert.equal(used.canApply, true);
    const missing = reviewFromReport(
      plan,
      report({
        ok: false,
        missing: [
          {
            ref: { apiVersion: 'v1', kind: 'ServiceAccount', name: 'myexample-sa', namespace: 'myexample' },
            detail:
              'service account "myexample-sa" does not exist in namespace "myexample"; ' +
              'create it, or choose a new service account',
          },
        ],
      }),
    );
    assert.deepEqual(missing.problems, [
      'Service account "myexample-sa" does not exist in namespace "myexample"; ' +
        'create it, or choose a new service account.',
    ]);
    assert.equal(missing.canApply, false);
  });

  it('lists dry-run rejections on their own', () => {
    const review = reviewFromReport(
      buildPlan(request),
      report({
        ok: false,
        dryRun: [
          {
            ref: { apiVersion: 'v1', kind: 'ServiceAccount', name: 'myexample-sa', namespace: 'myexample' },
            ok: false,
            error: { code: 'invalid', message: 'bad name' },
          },
        ],
      }),
    );
    assert.match(review.dryRunRejections[0], /dry run rejected .*myexample-sa.*bad name/);
    assert.deepEqual(review.problems, []);
  });

  it('a failed review cannot be applied', () => {
    const review = failedReview(['Namespace is empty'], { message: 'boom' });
    assert.equal(review.canApply, false);
    assert.deepEqual(review.problems, ['Namespace is empty']);
  });
});

describe("wizard result from core's provision", () => {
  const result = {
    plan: buildPlan(request),
    preflight: report(),
    token: {
      mode: 'timeBound',
      expiresAt: '2026-11-30T08:00:00Z',
      requestedSeconds: 86400,
      grantedSeconds: 3600,
      shortened: true,
      warnings: [],
    },
    kubeconfigYaml: `users:\n- name: x\n  user:\n    token: ${TOKEN}\n`,
    contexts: ['admin-myexample-sa'],
    verification: {
      ok: true,
      incomplete: false,
      notes: [],
      requests: 5,
      context: 'admin-myexample-sa',
      rulesByNamespace: {},
      checks: [
        {
          verb: 'create',
          group: '',
          resource: 'pods',
          subresource: 'exec',
          namespace: 'myexample',
          expected: 'allowed',
          allowed: true,
          ok: true,
          why: 'requested',
        },
        {
          verb: 'list',
          group: '',
          resource: 'secrets',
          namespace: 'myexample',
          expected: 'denied',
          allowed: false,
          ok: true,
          why: 'not requested: secrets',
        },
      ],
    },
    warnings: [],
    requests: 20,
    durationMs: 800,
  } as unknown as ProvisionResult;

  it('carries the real expiry, the cap, and the checks, but never the token', () => {
    const info = resultFromProvision(request, result, 'https://127.0.0.1:6443');
    assert.equal(info.expiresAt, '2026-11-30T08:00:00Z');
    assert.match(info.expiryNote ?? '', /asked for 1d; .* granted 1h/);
    assert.deepEqual(
      info.checks.map((c) => [c.description, c.expected, c.actual, c.ok]),
      [
        ['create pods/exec in namespace myexample', 'allowed', 'allowed', true],
        ['list secrets in namespace myexample (not requested: secrets)', 'denied', 'denied', true],
      ],
    );
    assert.equal(info.verified, true);
    assert.equal(info.contextNames[0], 'admin-myexample-sa');
    assert.doesNotMatch(JSON.stringify(info), /eyJ|token: /);
  });

  it('builds a KUBECONFIG=… kubectl line that the grant allows', () => {
    assert.equal(
      kubectlLine(request, '/home/me/ci.kubeconfig'),
      'KUBECONFIG=/home/me/ci.kubeconfig kubectl get pods -n myexample',
    );
    assert.equal(kubectlLine(request, undefined), 'KUBECONFIG=<saved-file> kubectl get pods -n myexample');
    assert.equal(
      kubectlLine({ ...request, rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }] }, '/x'),
      'KUBECONFIG=/x kubectl auth can-i --list -n myexample',
    );
    assert.equal(
      kubectlLine({ ...request, rules: [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }] }, '/x'),
      'KUBECONFIG=/x kubectl get deployments.apps -n myexample',
    );
    assert.equal(shellQuote("/tmp/it's here"), `'/tmp/it'\\''s here'`);
  });

  it('folds progress events into the step list', () => {
    let steps = initialSteps(['plan', 'preflight', 'apply']);
    steps = applyProgress(steps, { step: 'plan', state: 'start' });
    steps = applyProgress(steps, { step: 'plan', state: 'done', message: '4 objects' });
    steps = applyProgress(steps, { step: 'preflight', state: 'failed', message: 'refused' });
    assert.deepEqual(
      steps.map((s) => [s.id, s.status, s.detail]),
      [
        ['plan', 'done', '4 objects'],
        ['preflight', 'failed', 'refused'],
        ['apply', 'pending', undefined],
      ],
    );
  });
});

describe('wizard host: nothing secret reaches the page', () => {
  const JWT = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQifQ.c2lnbmF0dXJlLW5vdC1yZWFs';

  it('error messages and hints are redacted, rule syntax kept', () => {
    const info = toErrorInfo(
      new SaKubeconfigError('unauthorized', `exec plugin said: token: ${JWT} and needs serviceaccounts/token:create`, {
        hint: `Bearer ${JWT}`,
      }),
    );
    assert.deepEqual(info, {
      message: 'exec plugin said: token: <redacted> and needs serviceaccounts/token:create',
      hint: 'Bearer <redacted>',
      code: 'unauthorized',
    });
    assert.equal(toErrorInfo(new Error(`failed for ${JWT}`)).message, 'failed for <redacted-jwt>');
  });

  it("a failed step's detail is redacted", () => {
    const steps = applyProgress(initialSteps(['token']), {
      step: 'token',
      state: 'failed',
      message: `answer had ${JWT}`,
    });
    assert.equal(steps[0].detail, 'answer had <redacted-jwt>');
  });
});
