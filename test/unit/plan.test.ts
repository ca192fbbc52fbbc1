import * as assert from 'node:assert/strict';
import * as yaml from 'js-yaml';

import { ValidationError } from '../../src/core/errors';
import { buildPlan, partitionRules, targetNamespaces } from '../../src/core/plan/plan';
import { parseObjectsYaml, renderPlanYaml } from '../../src/core/plan/render';
import { namespacedLookupFrom } from '../../src/core/plan/scope';
import { riskWarnings, type RiskCode } from '../../src/core/plan/warnings';
import {
  FOR_SERVICE_ACCOUNT_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type KubeObject,
  type PolicyRule,
  type ProvisionRequest,
} from '../../src/core/types';
import { tutorialRequest } from '../support/requests';

const objectsOf = (request: ProvisionRequest, options = {}) => buildPlan(request, options).objects.map((p) => p.object);
const summary = (objects: KubeObject[]) =>
  objects.map((o) => `${o.kind}/${o.metadata.namespace ? `${o.metadata.namespace}/` : ''}${o.metadata.name}`);
const BASE = 'sa-kubeconfig:myexample:myexample-sa';

describe('buildPlan', () => {
  it('plans the tutorial: Namespace, ServiceAccount, Role with its rules, RoleBinding, in that order', () => {
    const objects = objectsOf(tutorialRequest());
    assert.deepEqual(summary(objects), [
      'Namespace/myexample',
      'ServiceAccount/myexample/myexample-sa',
      `Role/myexample/${BASE}`,
      `RoleBinding/myexample/${BASE}`,
    ]);
    assert.deepEqual(objects[2].rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
    ]);
    assert.deepEqual(objects[3].roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: BASE });
    assert.deepEqual(objects[3].subjects, [{ kind: 'ServiceAccount', name: 'myexample-sa', namespace: 'myexample' }]);
  });

  it('leaves the Namespace out unless asked to create it', () => {
    assert.ok(!summary(objectsOf(tutorialRequest({ createNamespace: false }))).some((s) => s.startsWith('Namespace/')));
  });

  it('labels and annotates every object', () => {
    const request = tutorialRequest({
      token: { kind: 'longLived' },
      roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
    });
    for (const object of objectsOf(request)) {
      assert.equal(object.metadata.labels?.[MANAGED_BY_LABEL], MANAGED_BY_VALUE, `${object.kind} label`);
      assert.equal(
        object.metadata.annotations?.[FOR_SERVICE_ACCOUNT_ANNOTATION],
        'myexample/myexample-sa',
        `${object.kind} annotation`,
      );
    }
  });

  it('gives several namespaces a Role and RoleBinding each, and keeps the ServiceAccount in its own namespace', () => {
    const objects = objectsOf(
      tutorialRequest({ createNamespace: false, scope: { kind: 'namespaces', namespaces: ['team-a', 'team-b'] } }),
    );
    assert.deepEqual(summary(objects), [
      'ServiceAccount/myexample/myexample-sa',
      `Role/team-a/${BASE}`,
      `Role/team-b/${BASE}`,
      `RoleBinding/team-a/${BASE}`,
      `RoleBinding/team-b/${BASE}`,
    ]);
    for (const binding of objects.filter((o) => o.kind === 'RoleBinding')) {
      assert.deepEqual(binding.subjects, [{ kind: 'ServiceAccount', name: 'myexample-sa', namespace: 'myexample' }]);
    }
  });

  it('uses the service account namespace when the namespace list is empty', () => {
    assert.deepEqual(targetNamespaces(tutorialRequest({ scope: { kind: 'namespaces', namespaces: [] } })), [
      'myexample',
    ]);
  });

  it(
    'grants a cluster-scoped resource with a ClusterRole and ClusterRoleBinding, ' +
      'keeping namespaced rules in the Role',
    () => {
      const request = tutorialRequest({
        createNamespace: false,
        rules: [{ apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get', 'list'] }],
      });
      const objects = objectsOf(request);
      assert.deepEqual(summary(objects), [
        'ServiceAccount/myexample/myexample-sa',
        `Role/myexample/${BASE}`,
        `ClusterRole/${BASE}`,
        `RoleBinding/myexample/${BASE}`,
        `ClusterRoleBinding/${BASE}`,
      ]);
      assert.deepEqual(objects[1].rules, [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
      assert.deepEqual(objects[2].rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list'] }]);
      assert.deepEqual(objects[4].roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: BASE });
      assert.ok(buildPlan(request).warnings.some((w) => /cluster-scoped/.test(w)));
    },
  );

  it('asks the caller-supplied lookup which resources are namespaced (CRDs)', () => {
    const isNamespaced = namespacedLookupFrom([
      {
        group: 'example.com',
        version: 'v1',
        resource: 'clusterwidgets',
        kind: 'ClusterWidget',
        namespaced: false,
        verbs: ['get'],
        subresources: [],
      },
    ]);
    const request = tutorialRequest({
      createNamespace: false,
      rules: [{ apiGroups: ['example.com'], resources: ['clusterwidgets'], verbs: ['get'] }],
    });
    assert.deepEqual(summary(objectsOf(request, { isNamespaced })), [
      'ServiceAccount/myexample/myexample-sa',
      `ClusterRole/${BASE}`,
      `ClusterRoleBinding/${BASE}`,
    ]);
    assert.deepEqual(summary(objectsOf(request)).length, 3 /* SA, Role, RoleBinding: unknown is namespaced */);
    assert.ok(summary(objectsOf(request)).includes(`Role/myexample/${BASE}`));
  });

  it('uses the base resource of a subresource for the scope decision (nodes/proxy is cluster-scoped)', () => {
    const { namespaced, clusterScoped } = partitionRules(
      [{ apiGroups: [''], resources: ['nodes/proxy', 'pods/log'], verbs: ['get'] }],
      () => undefined,
    );
    assert.deepEqual([namespaced.length, clusterScoped.length], [1, 0]);
    const withTable = partitionRules(
      [{ apiGroups: [''], resources: ['nodes/proxy', 'pods/log'], verbs: ['get'] }],
      (_g, resource) => resource !== 'nodes',
    );
    assert.deepEqual(withTable.clusterScoped, [{ apiGroups: [''], resources: ['nodes/proxy'], verbs: ['get'] }]);
  });

  it('puts everything in a ClusterRole with a ClusterRoleBinding when the scope is the cluster', () => {
    const objects = objectsOf(tutorialRequest({ createNamespace: false, scope: { kind: 'cluster' } }));
    assert.deepEqual(summary(objects), [
      'ServiceAccount/myexample/myexample-sa',
      `ClusterRole/${BASE}`,
      `ClusterRoleBinding/${BASE}`,
    ]);
  });

  it('binds existing roles with one RoleBinding per namespace and reference', () => {
    const objects = objectsOf(
      tutorialRequest({
        createNamespace: false,
        rules: [],
        roleRefs: [
          { kind: 'ClusterRole', name: 'view' },
          { kind: 'Role', name: 'deployer' },
        ],
        scope: { kind: 'namespaces', namespaces: ['a', 'b'] },
      }),
    );
    assert.deepEqual(summary(objects), [
      'ServiceAccount/myexample/myexample-sa',
      `RoleBinding/a/${BASE}:clusterrole:view`,
      `RoleBinding/b/${BASE}:clusterrole:view`,
      `RoleBinding/a/${BASE}:role:deployer`,
      `RoleBinding/b/${BASE}:role:deployer`,
    ]);
    assert.deepEqual(objects[1].roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' });
    assert.deepEqual(objects[3].roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'deployer' });
  });

  it('binds a ClusterRole reference cluster-wide with a ClusterRoleBinding when the scope is the cluster', () => {
    const objects = objectsOf(
      tutorialRequest({
        createNamespace: false,
        rules: [],
        roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
        scope: { kind: 'cluster' },
      }),
    );
    assert.deepEqual(summary(objects), [
      'ServiceAccount/myexample/myexample-sa',
      `ClusterRoleBinding/${BASE}:clusterrole:view`,
    ]);
  });

  it(
    'never plans a credential Secret: each credential is issued on its own (core/credentials), ' +
      'never converged or pruned',
    () => {
      for (const token of [
        { kind: 'longLived' as const },
        { kind: 'longLived' as const, secretName: 'ci-token' },
        { kind: 'timeBound' as const, durationSeconds: 3600, bindToSecret: true },
        { kind: 'timeBound' as const, durationSeconds: 3600 },
        { kind: 'existingSecret' as const, secretName: 'old-token' },
      ]) {
        assert.ok(!objectsOf(tutorialRequest({ token })).some((o) => o.kind === 'Secret'), JSON.stringify(token));
      }
    },
  );

  it('is deterministic', () => {
    assert.deepEqual(buildPlan(tutorialRequest()), buildPlan(tutorialRequest()));
  });

  it('refuses an invalid request with every problem listed', () => {
    const request = tutorialRequest({ namespace: 'My_NS', serviceAccount: '-sa', rules: [], roleRefs: [] });
    assert.throws(
      () => buildPlan(request),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        assert.equal(error.problems.length, 3);
        assert.match(error.problems[0], /Namespace "My_NS".*lower case.*Try "my-ns"/);
        assert.match(error.problems[1], /Service account name "-sa".*start and end/);
        assert.match(error.problems[2], /No permissions/);
        return true;
      },
    );
  });

  it('refuses a Role reference with cluster scope', () => {
    assert.throws(
      () => buildPlan(tutorialRequest({ roleRefs: [{ kind: 'Role', name: 'x' }], scope: { kind: 'cluster' } })),
      /cannot be bound cluster-wide/,
    );
  });

  it('refuses tokens shorter than ten minutes', () => {
    assert.throws(
      () => buildPlan(tutorialRequest({ token: { kind: 'timeBound', durationSeconds: 60 } })),
      /at least 10m/,
    );
  });
});

describe('renderPlanYaml', () => {
  it('round-trips: parsing the YAML gives back the planned objects', () => {
    const plan = buildPlan(
      tutorialRequest({ token: { kind: 'longLived' }, roleRefs: [{ kind: 'ClusterRole', name: 'view' }] }),
    );
    const text = renderPlanYaml(plan);
    assert.deepEqual(
      parseObjectsYaml(text),
      plan.objects.map((p) => p.object),
    );
    assert.equal(text.split(/^---$/m).length, plan.objects.length);
  });

  it('orders keys as kubectl users expect', () => {
    const text = renderPlanYaml(buildPlan(tutorialRequest({ createNamespace: false })));
    const role = text.split('---\n')[1];
    assert.match(role, /^apiVersion: .*\nkind: Role\nmetadata:\n {2}name: .*\n {2}namespace: myexample\n {2}labels:/);
    assert.match(role, /rules:\n {2}- apiGroups:\n {6}- ''\n {4}resources:\n {6}- pods\n {4}verbs:/);
  });

  it('never contains Secret data', () => {
    const plan = buildPlan(tutorialRequest({ token: { kind: 'longLived' } }));
    plan.objects.push({
      object: {
        apiVersion: 'v1',
        kind: 'Secret',
        metadata: { name: 's', namespace: 'myexample' },
        data: { token: Buffer.from('super-secret-token').toString('base64') },
      },
    });
    const text = renderPlanYaml(plan);
    assert.ok(!text.includes(Buffer.from('super-secret-token').toString('base64')));
    assert.ok(!/^data:/m.test(text));
  });

  it('adds status and warning comments when asked, which YAML parsers ignore', () => {
    const plan = buildPlan(tutorialRequest({ kubeconfig: { insecureSkipTlsVerify: true } }));
    plan.objects[0].status = 'create';
    plan.objects[1].status = 'conflict';
    plan.objects[1].detail = 'exists and is not managed by sa-kubeconfig';
    const text = renderPlanYaml(plan, { statusComments: true, warningComments: true });
    assert.match(text, /^# WARNING: TLS verification is off/m);
    assert.match(
      text,
      /^# conflict: exists and is not managed by sa-kubeconfig\napiVersion: v1\nkind: ServiceAccount/m,
    );
    assert.equal(yaml.loadAll(text).length, plan.objects.length);
  });
});

describe('riskWarnings', () => {
  const codes = (rules: PolicyRule[], overrides: Partial<ProvisionRequest> = {}): RiskCode[] =>
    riskWarnings({ request: tutorialRequest({ rules, ...overrides }) }).map((w) => w.code);
  const rule = (resources: string[], verbs: string[], apiGroups = ['']): PolicyRule => ({
    apiGroups,
    resources,
    verbs,
  });

  it('flags wildcards in verbs, resources and groups', () => {
    assert.deepEqual(codes([rule(['*'], ['*'], ['*'])]).slice(0, 3), [
      'wildcard-verbs',
      'wildcard-resources',
      'wildcard-groups',
    ]);
  });

  it('flags reading Secrets, directly or through *', () => {
    assert.ok(codes([rule(['secrets'], ['list'])]).includes('read-secrets'));
    assert.ok(codes([rule(['*'], ['get'])]).includes('read-secrets'));
    assert.ok(!codes([rule(['secrets'], ['create'])]).includes('read-secrets'));
    assert.ok(!codes([rule(['secrets'], ['get'], ['apps'])]).includes('read-secrets'));
  });

  it('flags escalate, bind and impersonate', () => {
    assert.ok(
      codes([rule(['clusterroles'], ['bind'], ['rbac.authorization.k8s.io'])]).includes('privilege-escalation'),
    );
    assert.ok(codes([rule(['users'], ['impersonate'])]).includes('privilege-escalation'));
  });

  it('flags exec and attach as remote code execution, and pod creation', () => {
    const tutorial = codes(tutorialRequest().rules);
    assert.ok(tutorial.includes('remote-exec'));
    assert.ok(tutorial.includes('create-pods'));
    assert.ok(codes([rule(['pods/attach'], ['create'])]).includes('remote-exec'));
    assert.ok(!codes([rule(['pods/log'], ['get'])]).includes('remote-exec'));
  });

  it('flags nodes/proxy and minting tokens', () => {
    assert.ok(codes([rule(['nodes/proxy'], ['get'])]).includes('node-proxy'));
    assert.ok(codes([rule(['serviceaccounts/token'], ['create'])]).includes('mint-tokens'));
  });

  it('flags cluster-wide grants, powerful roles, insecure TLS and long-lived tokens', () => {
    assert.ok(codes([rule(['pods'], ['get'])], { scope: { kind: 'cluster' } }).includes('cluster-wide'));
    assert.ok(codes([], { roleRefs: [{ kind: 'ClusterRole', name: 'edit' }] }).includes('powerful-role'));
    assert.ok(
      codes([rule(['pods'], ['get'])], { kubeconfig: { insecureSkipTlsVerify: true } }).includes('insecure-tls'),
    );
    const longLived = riskWarnings({ request: tutorialRequest({ token: { kind: 'longLived' } }) });
    // Each long-lived credential's Secret has a generated name: the warning says how to end it, not a guessed name.
    assert.match(
      longLived.find((w) => w.code === 'long-lived-token')!.message,
      /until its Secret is deleted \(sa-kubeconfig revoke\)/,
    );
    const existing = riskWarnings({
      request: tutorialRequest({ token: { kind: 'existingSecret', secretName: 'legacy-tok' } }),
    });
    assert.match(existing.find((w) => w.code === 'long-lived-token')!.message, /the Secret "myexample\/legacy-tok"/);
  });

  it('says nothing about a harmless read-only request', () => {
    assert.deepEqual(codes([rule(['pods', 'pods/log'], ['get', 'list', 'watch'])]), []);
  });
});
