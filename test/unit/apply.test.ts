// core/apply without a cluster: paths, ownership, what changed, what to check, why refused.
import * as assert from 'node:assert/strict';

import { describeMissingNamespaces, missingNamespaces } from '../../src/core/apply/apply';
import { diffOwned, immutableChanges, ownedMergePatch, sameValue } from '../../src/core/apply/diff';
import { actionsToCheck, classify, explainRefusal, type PreflightReport } from '../../src/core/apply/preflight';
import { objectPath } from '../../src/core/objects';
import { buildPlan } from '../../src/core/plan/plan';
import type { KubeObject, ProvisionRequest } from '../../src/core/types';

const LABELS = { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' };
const ANN = { 'sa-kubeconfig.io/service-account': 'ns/sa' };
const role = (
  rules: unknown,
  labels: Record<string, string> = LABELS,
  annotations: Record<string, string> = ANN,
): KubeObject => ({
  apiVersion: 'rbac.authorization.k8s.io/v1',
  kind: 'Role',
  metadata: { name: 'r', namespace: 'ns', labels, annotations },
  rules,
});

describe('apply: objects', function () {
  it('REST paths for every kind we manage', function () {
    assert.equal(objectPath({ apiVersion: 'v1', kind: 'Namespace', name: 'a' }), '/api/v1/namespaces/a');
    assert.equal(
      objectPath({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'sa', namespace: 'a' }, false),
      '/api/v1/namespaces/a/serviceaccounts',
    );
    assert.equal(
      objectPath({
        apiVersion: 'rbac.authorization.k8s.io/v1',
        kind: 'Role',
        name: 'sa-kubeconfig:a:b',
        namespace: 'a',
      }),
      '/apis/rbac.authorization.k8s.io/v1/namespaces/a/roles/sa-kubeconfig%3Aa%3Ab',
    );
    assert.equal(
      objectPath({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', name: 'x' }),
      '/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x',
    );
  });

  it('the server dropping empty fields is no change; a different verb is', function () {
    const planned = role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'], resourceNames: [] }]);
    const live = {
      ...role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]),
      metadata: { ...planned.metadata, uid: 'u', resourceVersion: '5', labels: { ...LABELS, extra: 'kept' } },
    };
    assert.deepEqual(diffOwned(planned, live), []);
    assert.deepEqual(diffOwned(role([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]), live), [
      'rules',
    ]);
    assert.deepEqual(diffOwned(planned, { ...live, metadata: { ...live.metadata, labels: {} } }), [
      'label app.kubernetes.io/managed-by',
    ]);
    assert.equal(sameValue({ a: [] }, {}), true);
  });

  it('roleRef and Secret type cannot change in place', function () {
    const rb = (name: string): KubeObject => ({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'b' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    });
    assert.deepEqual(immutableChanges(rb('x'), rb('y')), ['roleRef']);
    assert.deepEqual(immutableChanges(rb('x'), rb('x')), []);
    const secret = (type?: string): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: { name: 's' },
      ...(type ? { type } : {}),
    });
    assert.deepEqual(immutableChanges(secret('Opaque'), secret()), []);
    assert.deepEqual(immutableChanges(secret('kubernetes.io/service-account-token'), secret('Opaque')), ['type']);
  });

  it('the merge patch sets only our labels, annotations and fields', function () {
    assert.deepEqual(ownedMergePatch(role([{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }])), {
      metadata: { labels: LABELS, annotations: ANN },
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
    });
  });
});

describe('apply: preflight decisions', function () {
  const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];

  it('missing -> create; ours and equal -> unchanged; ours and different -> update', function () {
    assert.deepEqual(classify(role(rules), undefined, false), { status: 'create' });
    assert.deepEqual(classify(role(rules), role(rules), false), { status: 'unchanged' });
    const u = classify(role(rules), role([]), false);
    assert.equal(u.status, 'update');
    assert.match(u.detail!, /change rules/);
  });

  it('not ours -> conflict unless adopting; ours for another service account -> conflict', function () {
    const c = classify(role(rules), role(rules, {}), false);
    assert.equal(c.status, 'conflict');
    assert.match(c.detail!, /Role ns\/r already exists and was not made by sa-kubeconfig/);
    const adopt = classify(role(rules), role(rules, {}), true);
    assert.equal(adopt.status, 'update');
    assert.match(adopt.detail!, /^adopt/);
    const other = classify(
      role(rules),
      role(rules, LABELS, { 'sa-kubeconfig.io/service-account': 'ns/someone-else' }),
      false,
    );
    assert.equal(other.status, 'conflict');
    assert.match(other.detail!, /for service account ns\/someone-else/);
  });

  it('an existing namespace is used as it is, never a conflict', function () {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns', labels: LABELS } };
    const c = classify(ns, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'ns' } }, false);
    assert.equal(c.status, 'unchanged');
    assert.match(c.detail!, /never deleted by sa-kubeconfig/);
  });

  it(
    'an existing service account (serviceAccountMode "existing") is planned without our label and used as it ' +
      'is, never a conflict',
    function () {
      const request: ProvisionRequest = {
        context: 'c',
        namespace: 'ns',
        serviceAccount: 'app',
        serviceAccountMode: 'existing',
        rules,
        roleRefs: [],
        scope: { kind: 'namespaces', namespaces: ['ns'] },
        token: { kind: 'longLived' },
        kubeconfig: {},
      };
      const plan = buildPlan(request);
      const sa = plan.objects[0].object;
      assert.deepEqual(sa, { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'ns' } });
      // Everything else is ours, labelled and annotated for the account.
      for (const o of plan.objects.slice(1))
        assert.equal(o.object.metadata.labels?.['app.kubernetes.io/managed-by'], 'sa-kubeconfig', o.object.kind);
      const handmade: KubeObject = {
        apiVersion: 'v1',
        kind: 'ServiceAccount',
        metadata: { name: 'app', namespace: 'ns', labels: { team: 'blue' } },
      };
      const used = classify(sa, handmade, false);
      assert.equal(used.status, 'use');
      assert.match(used.detail!, /not made by sa-kubeconfig\); used as it is: never labelled, changed or deleted/);
      assert.equal(
        classify(sa, { ...handmade, metadata: { ...handmade.metadata, labels: LABELS } }, false).status,
        'use',
      );
      assert.deepEqual(classify(sa, undefined, false), {
        status: 'missing',
        detail: 'service account "app" does not exist in namespace "ns"; create it, or choose a new service account',
      });
      plan.objects.forEach((o, i) => {
        o.status = i === 0 ? 'use' : 'create';
      });
      const checks = actionsToCheck(plan).map((a) => `${a.verb} ${a.resource} ${a.namespace ?? '-'}`);
      assert.ok(!checks.some((c) => c.includes('serviceaccounts')), checks.join('; '));
    },
  );

  it('a new service account whose name exists unmanaged stays a conflict, and says how to use it instead', function () {
    const plan = buildPlan({
      context: 'c',
      namespace: 'ns',
      serviceAccount: 'app',
      rules,
      roleRefs: [],
      scope: { kind: 'namespaces', namespaces: ['ns'] },
      token: { kind: 'timeBound', durationSeconds: 3600 },
      kubeconfig: {},
    });
    const c = classify(
      plan.objects[0].object,
      { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'app', namespace: 'ns' } },
      false,
    );
    assert.equal(c.status, 'conflict');
    assert.match(
      c.detail!,
      new RegExp(
        /to use it as it is, choose the existing service account /.source +
          /\(--existing-service-account; "Existing" in the wizard\)/.source,
      ),
    );
  });

  it('checks create for new objects, patch for updates, and the token subresource', function () {
    const request: ProvisionRequest = {
      context: 'c',
      namespace: 'ns',
      createNamespace: true,
      serviceAccount: 'sa',
      rules,
      roleRefs: [],
      scope: { kind: 'namespaces', namespaces: ['ns'] },
      token: { kind: 'timeBound', durationSeconds: 3600 },
      kubeconfig: {},
    };
    const plan = buildPlan(request);
    plan.objects.forEach((o) => {
      o.status = o.object.kind === 'Role' ? 'update' : 'create';
    });
    const checks = actionsToCheck(plan).map(
      (a) => `${a.verb} ${a.resource}${a.subresource ? `/${a.subresource}` : ''} ${a.namespace ?? '-'}`,
    );
    // The credential (a Secret of its own, then a token bound to it) is not in the plan,
    // but its rights are checked with it.
    assert.deepEqual(checks, [
      'create namespaces -',
      'create serviceaccounts ns',
      'patch roles ns',
      'create rolebindings ns',
      'create secrets ns',
      'create serviceaccounts/token ns',
    ]);
    const unbound = actionsToCheck({
      ...plan,
      request: { ...request, token: { kind: 'timeBound', durationSeconds: 3600, unbound: true } },
    });
    assert.ok(!unbound.some((a) => a.resource === 'secrets'));
  });

  it('explains a refusal line by line', function () {
    const report = {
      conflicts: [
        {
          ref: { apiVersion: 'v1', kind: 'ServiceAccount', name: 'sa', namespace: 'ns' },
          detail: 'ServiceAccount ns/sa already exists and was not made by sa-kubeconfig',
        },
      ],
      missingRules: [
        {
          namespace: 'ns',
          neededFor: ['Role ns/r'],
          rules: [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
        },
      ],
      denied: [
        {
          verb: 'create',
          group: '',
          resource: 'secrets',
          namespace: 'ns',
          description: 'create secrets in namespace "ns"',
        },
      ],
      dryRun: [],
      missing: [
        {
          ref: { apiVersion: 'v1', kind: 'ServiceAccount', name: 'app', namespace: 'ns' },
          detail: 'service account "app" does not exist in namespace "ns"; create it, or choose a new service account',
        },
      ],
    } as unknown as PreflightReport;
    assert.equal(
      explainRefusal(report),
      [
        '- service account "app" does not exist in namespace "ns"; create it, or choose a new service account',
        '- ServiceAccount ns/sa already exists and was not made by sa-kubeconfig',
        '- You cannot grant rules you do not hold in namespace "ns" (needed for Role ns/r): pods/exec:create',
        '- You may not create secrets in namespace "ns"',
      ].join('\n'),
    );
  });
});

describe('missing namespaces', function () {
  const ref = (namespace: string) => ({ apiVersion: 'v1', kind: 'ServiceAccount', name: 'x', namespace });
  const notFound = (namespace: string) => ({
    ref: ref(namespace),
    ok: false,
    error: { code: 'notFound', message: `namespaces "${namespace}" not found` },
  });

  it('names each missing namespace once, from the dry run', function () {
    const missing = missingNamespaces({
      dryRun: [notFound('a'), notFound('b'), notFound('a'), { ref: ref('c'), ok: true }],
    } as never);
    assert.deepEqual(missing, ['a', 'b']);
  });

  it("the service account's own namespace: --create-namespace", function () {
    assert.deepEqual(describeMissingNamespaces('own', ['own']), {
      message: 'Nothing was created: the service account\'s namespace "own" does not exist.',
      hint: 'Ask sa-kubeconfig to create "own" (--create-namespace), or pick an existing namespace.',
    });
  });

  it('other namespaces: create them first or leave them out; --create-namespace does not make them', function () {
    const one = describeMissingNamespaces('own', ['team-b']);
    assert.equal(
      one.message,
      'Nothing was created: namespace "team-b", where permissions were to be granted (--namespaces), does not exist.',
    );
    assert.equal(
      one.hint,
      'Create it first (kubectl create namespace team-b) or leave it out of --namespaces; ' +
        '--create-namespace only creates the service account\'s own namespace ("own").',
    );
    const both = describeMissingNamespaces('own', ['own', 'b', 'c']);
    assert.match(
      both.message,
      new RegExp(
        /namespace "own" does not exist, and namespaces "b", "c", /.source +
          /where permissions were to be granted \(--namespaces\), do not exist\.$/.source,
      ),
    );
    assert.match(
      both.hint,
      /--create-namespace\), or pick an existing namespace\. Create them first \(kubectl create namespace b c\)/,
    );
  });
});
