// Issue 9 (items 1, 3, 8, 10): where a rule is granted, what workload creation really allows, what verification
// expects for cluster-scoped grants, and how long generated names may get. Pure: no cluster.
import * as assert from 'node:assert/strict';

import { ValidationError } from '../../src/core/errors';
import { bindingName, generatedRoleName } from '../../src/core/plan/names';
import { buildPlan } from '../../src/core/plan/plan';
import { findPreset } from '../../src/core/plan/presets';
import { formatRule, parseRules } from '../../src/core/plan/rules';
import { namespacedLookupFrom } from '../../src/core/plan/scope';
import { riskWarnings } from '../../src/core/plan/warnings';
import type { DiscoveredResource, KubeObject, PolicyRule, ProvisionRequest } from '../../src/core/types';
import { expectationsFromPlan, expectationsFromRequest, plannedChecks } from '../../src/core/verify/verify';
import { tutorialRequest } from '../support/requests';

const crd = (group: string, namespaced: boolean): DiscoveredResource => ({
  group,
  version: 'v1',
  resource: 'builds',
  kind: 'Build',
  namespaced,
  verbs: ['get', 'list'],
  subresources: [],
});
/** What discovery says with OpenShift's two `builds`: config.example.io cluster-scoped, build.example.io namespaced. */
const BUILDS = namespacedLookupFrom([crd('config.example.io', false), crd('build.example.io', true)]);
const teamA = (rules: string[], extra: Partial<ProvisionRequest> = {}) =>
  tutorialRequest({
    namespace: 'team-a',
    createNamespace: false,
    rules: parseRules(rules),
    scope: { kind: 'namespaces', namespaces: ['team-a'] },
    ...extra,
  });
const rulesOf = (objects: KubeObject[], kind: string) =>
  objects.filter((o) => o.kind === kind).flatMap((o) => (o.rules as PolicyRule[]).map(formatRule));
/** The planned objects for team-a with these rules, with BUILDS as discovery unless said otherwise. */
const planned = (rules: string[], extra: Partial<ProvisionRequest> = {}, isNamespaced = BUILDS) =>
  buildPlan(teamA(rules, extra), { isNamespaced }).objects.map((p) => p.object);
const kinds = (objects: KubeObject[]) => objects.map((o) => o.kind);

describe('plan: a rule for every API group (*) in a namespaced request', () => {
  it('is refused when it also matches a cluster-scoped resource not asked for by name, saying how to ask', () => {
    assert.throws(
      () => buildPlan(teamA(['builds.*:get']), { isNamespaced: BUILDS }),
      (error: unknown) => {
        assert.ok(error instanceof ValidationError);
        const text = error.problems.join('\n');
        assert.match(text, /"builds\.\*:get"/);
        assert.match(text, /builds\.config\.example\.io.*cluster-scoped/);
        assert.match(text, /builds\.config\.example\.io:get/, 'names the rule that grants it explicitly');
        assert.match(text, /--cluster-wide/);
        assert.match(text, /builds\.build\.example\.io:get/, 'names the rule for the namespaced group alone');
        return true;
      },
    );
  });

  it('keeps the namespaced part in the Role; grants the cluster-scoped group named, and only it, cluster-wide', () => {
    const objects = planned(['builds.*:get', 'builds.config.example.io:get']);
    assert.deepEqual(kinds(objects), ['ServiceAccount', 'Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding']);
    assert.deepEqual(rulesOf(objects, 'Role'), ['builds.*:get']);
    assert.deepEqual(rulesOf(objects, 'ClusterRole'), ['builds.config.example.io:get']);
  });

  it('is refused when the explicit rule grants fewer verbs than the wildcard asks for', () => {
    const rules = ['builds.*:get,list', 'builds.config.example.io:get'];
    assert.throws(() => planned(rules), /builds\.config\.example\.io:list/);
  });

  it('grants the namespaced builds in the namespace only when no group has cluster-scoped builds', () => {
    const onlyNamespaced = namespacedLookupFrom([crd('build.example.io', true)]);
    const objects = planned(['builds.*:get', 'builds.*/log:get'], {}, onlyNamespaced);
    assert.deepEqual(kinds(objects), ['ServiceAccount', 'Role', 'RoleBinding']);
  });

  it('is granted as asked when the request is cluster-wide', () => {
    const objects = planned(['builds.*:get'], { scope: { kind: 'cluster' } });
    assert.deepEqual(rulesOf(objects, 'ClusterRole'), ['builds.*:get']);
  });

  it('is refused for a built-in cluster-scoped resource without discovery (nodes.*), pointing at nodes', () => {
    assert.throws(() => buildPlan(teamA(['nodes.*:get'])), /"nodes:get"/);
  });

  it('leaves "*" resources as they were: a Role grants only the namespaced ones', () => {
    const objects = buildPlan(teamA(['*.*:get']), { isNamespaced: BUILDS }).objects.map((p) => p.object);
    assert.deepEqual(kinds(objects), ['ServiceAccount', 'Role', 'RoleBinding']);
  });
});

describe('warnings: creating workloads is creating pods', () => {
  const workloads = [
    'deployments.apps',
    'statefulsets.apps',
    'daemonsets.apps',
    'replicasets.apps',
    'jobs.batch',
    'cronjobs.batch',
    'replicationcontrollers',
  ];
  const warns = (rules: string[], extra: Partial<ProvisionRequest> = {}) =>
    riskWarnings({ request: teamA(rules, extra) }).some((w) => w.code === 'create-workloads');
  const messages = (rules: string[]) => riskWarnings({ request: teamA(rules) });

  for (const resource of workloads) {
    for (const verb of ['create', 'update', 'patch', '*']) {
      it(`warns for ${resource}:${verb}`, () => {
        const w = messages([`${resource}:${verb}`]).find((x) => x.code === 'create-workloads');
        assert.ok(w, `no create-workloads warning for ${resource}:${verb}`);
        assert.match(w.message, /any service account of the namespace/);
        assert.match(w.message, /Secret/);
      });
    }
  }

  it('warns for every resource (*) and every group (*) too, and not for reading workloads', () => {
    assert.ok(warns(['*.*:create']));
    assert.ok(warns(['deployments.*:patch']));
    assert.ok(!warns(['deployments.apps,jobs.batch:get,list,watch,delete']));
    assert.ok(!warns(['deployments.apps/scale:update']));
  });

  it('the Deploy and CI presets say that their workloads can mount Secrets, and warn', () => {
    for (const id of ['deploy', 'ci-apply']) {
      const preset = findPreset(id);
      assert.doesNotMatch(preset.description, /No Secrets/i, id);
      assert.match(preset.description, /mount/i, id);
      assert.ok(warns([], { rules: preset.rules }), id);
    }
  });
});

describe('verify: expectations follow the split between namespaced and cluster-scoped rules', () => {
  it('nodes:get in team-a is checked cluster-wide and never expected denied in another namespace', () => {
    const { checks } = plannedChecks(expectationsFromRequest(teamA(['nodes:get'])));
    assert.ok(checks.some((c) => c.resource === 'nodes' && c.namespace === undefined && c.expected === 'allowed'));
    assert.deepEqual(
      checks.filter((c) => c.resource === 'nodes' && c.namespace !== undefined),
      [],
    );
    assert.ok(checks.some((c) => c.resource === 'secrets' && c.namespace === 'team-a' && c.expected === 'denied'));
  });

  it('namespaced rules beside it keep their per-namespace and outside-namespace checks', () => {
    const { checks } = plannedChecks(expectationsFromRequest(teamA(['nodes:get', 'pods:list'])));
    assert.ok(checks.some((c) => c.resource === 'pods' && c.namespace === 'team-a' && c.expected === 'allowed'));
    assert.ok(checks.some((c) => c.resource === 'pods' && c.namespace === 'default' && c.expected === 'denied'));
    const nodes = checks.filter((c) => c.resource === 'nodes').map((c) => [c.namespace, c.expected]);
    assert.deepEqual(nodes, [[undefined, 'allowed']]);
  });

  it('a plan made with discovery brings its split along (what provision and Test connection verify against)', () => {
    const plan = buildPlan(teamA(['builds.config.example.io:get', 'pods:get']), { isNamespaced: BUILDS });
    const exp = expectationsFromPlan(plan);
    assert.deepEqual(exp.rules.map(formatRule), ['pods:get']);
    assert.deepEqual(exp.clusterRules?.map(formatRule), ['builds.config.example.io:get']);
    const wide = expectationsFromPlan(buildPlan(teamA(['pods:get'], { scope: { kind: 'cluster' } })));
    assert.deepEqual(
      [wide.clusterWide, wide.rules.map(formatRule), wide.clusterRules],
      [true, ['pods:get'], undefined],
    );
  });

  it('a CRD that discovery says is cluster-scoped is checked cluster-wide', () => {
    const exp = expectationsFromRequest(teamA(['builds.config.example.io:get']), { isNamespaced: BUILDS });
    const builds = plannedChecks(exp)
      .checks.filter((c) => c.resource === 'builds')
      .map((c) => [c.group, c.namespace, c.expected]);
    assert.deepEqual(builds, [['config.example.io', undefined, 'allowed']]);
  });
});

describe('names: at most 253 characters, deterministic and readable', () => {
  const longRole = `role-${'x'.repeat(240)}`;
  it('keeps short names as they were', () => {
    const view = bindingName('team-a', 'ci', { kind: 'ClusterRole', name: 'view' });
    assert.equal(view, 'sa-kubeconfig:team-a:ci:clusterrole:view');
    assert.equal(generatedRoleName('team-a', 'ci'), 'sa-kubeconfig:team-a:ci');
  });

  it('shortens a binding name for a long role name with a hash: the same every time, another for another role', () => {
    const name = bindingName('team-a', 'ci', { kind: 'ClusterRole', name: longRole });
    assert.ok(name.length <= 253, `${name.length} characters`);
    assert.ok(name.startsWith('sa-kubeconfig:team-a:ci:clusterrole:role-xxx'), name);
    assert.match(name, /^[^/%]+$/);
    assert.equal(name, bindingName('team-a', 'ci', { kind: 'ClusterRole', name: longRole }));
    assert.notEqual(name, bindingName('team-a', 'ci', { kind: 'ClusterRole', name: `${longRole}y` }));
    assert.notEqual(name, bindingName('team-a', 'ci', { kind: 'Role', name: longRole }));
  });

  it('shortens the generated role name of a long service account name too', () => {
    const sa = `a${'b'.repeat(251)}c`;
    const role = generatedRoleName('team-a', sa);
    assert.ok(role.length <= 253);
    assert.ok(bindingName('team-a', sa).length <= 253);
    assert.ok(bindingName('team-a', sa, { kind: 'ClusterRole', name: 'view' }).length <= 253);
  });
});
