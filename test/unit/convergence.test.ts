// Issue 9 (items 2 and 7): what counts as ours (not just the label), and which earlier grants a re-run removes, how
// dry run, CLI output and the wizard's Review show them. Pure: no cluster (the cluster tests are convergence.test.ts).
import * as assert from 'node:assert/strict';
import * as yaml from 'js-yaml';

import { parseArgs } from '../../src/cli/args';
import { createCommand } from '../../src/cli/commands/create';
import { requestFromFlags } from '../../src/cli/createRequest';
import { notOursBecause } from '../../src/core/apply/ownership';
import { actionsToCheck, type PreflightReport } from '../../src/core/apply/preflight';
import { staleRemovals } from '../../src/core/apply/prune';
import { bindingName, generatedRoleName } from '../../src/core/plan/names';
import { buildPlan } from '../../src/core/plan/plan';
import { renderPlanYaml } from '../../src/core/plan/render';
import {
  FOR_SERVICE_ACCOUNT_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type KubeObject,
  type Plan,
} from '../../src/core/types';
import { reviewFromReport } from '../../src/webview/host/reviewInfo';
import { tutorialRequest } from '../support/requests';

const NS = 'myexample';
const SA = 'myexample-sa';
const RBAC = 'rbac.authorization.k8s.io';
const meta = (name: string, namespace?: string, forKey = `${NS}/${SA}`) => ({
  name,
  ...(namespace ? { namespace } : {}),
  labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
  annotations: { [FOR_SERVICE_ACCOUNT_ANNOTATION]: forKey } as Record<string, string>,
  uid: `uid-${name}-${namespace ?? ''}`,
  resourceVersion: '7',
});
const subjects = [{ kind: 'ServiceAccount', name: SA, namespace: NS }];
type Ref = { kind: string; name: string };
const roleBinding = (namespace: string, name: string, roleRef: Ref, subs: unknown[] = subjects): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'RoleBinding',
  metadata: meta(name, namespace),
  roleRef: { apiGroup: RBAC, ...roleRef },
  subjects: subs,
});
const clusterRoleBinding = (name: string, roleRef: { kind: string; name: string }): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'ClusterRoleBinding',
  metadata: meta(name),
  roleRef: { apiGroup: RBAC, ...roleRef },
  subjects,
});
const role = (namespace: string, name = generatedRoleName(NS, SA)): KubeObject => ({
  apiVersion: `${RBAC}/v1`,
  kind: 'Role',
  metadata: meta(name, namespace),
  rules: PODS_GET,
});
const GENERATED = generatedRoleName(NS, SA);
const PODS_GET = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
const VIEW = bindingName(NS, SA, { kind: 'ClusterRole', name: 'view' });

describe('ownership: the label is not enough', () => {
  const ours = (o: KubeObject) => notOursBecause(o, NS, SA);

  it('our generated Role, its RoleBinding, and the binding of an existing role named after it are ours', () => {
    assert.equal(ours(role('team-a')), undefined);
    assert.equal(ours(roleBinding('team-a', GENERATED, { kind: 'Role', name: GENERATED })), undefined);
    assert.equal(ours(roleBinding('team-a', VIEW, { kind: 'ClusterRole', name: 'view' })), undefined);
    assert.equal(ours(clusterRoleBinding(GENERATED, { kind: 'ClusterRole', name: GENERATED })), undefined);
  });

  it('a foreign binding labelled and annotated as ours is not: other name, other subjects, other roleRef', () => {
    const admin = { kind: 'ClusterRole', name: 'admin' };
    const group = { kind: 'Group', apiGroup: RBAC, name: 'team-a-admins' };
    const foreign = roleBinding('team-a', 'team-admins', admin, [group]);
    assert.match(ours(foreign)!, /subjects/);
    assert.match(
      ours(roleBinding('team-a', 'team-admins', admin))!,
      /name is not "sa-kubeconfig:myexample:myexample-sa:clusterrole:admin"/,
    );
    const clusterAdmin = { kind: 'ClusterRole', name: 'cluster-admin' };
    assert.match(ours(roleBinding('team-a', GENERATED, clusterAdmin))!, /name is not/);
    const bob = { kind: 'User', name: 'bob' };
    const shared = roleBinding('team-a', GENERATED, { kind: 'Role', name: GENERATED }, [...subjects, bob]);
    assert.match(ours(shared)!, /subjects/);
    assert.match(ours(clusterRoleBinding(GENERATED, { kind: 'Role', name: GENERATED }))!, /roleRef/);
  });

  it('a role needs the generated name; a label for another account or none at all is not ours', () => {
    assert.match(ours(role('team-a', 'edit-things'))!, /generated/);
    assert.match(notOursBecause(role('team-a'), NS, 'other-sa')!, /annotation/);
    const unlabelled = role('team-a');
    unlabelled.metadata.labels = {};
    assert.match(ours(unlabelled)!, /label/);
  });

  it('Secrets: a token of another account, or one holding data, is not ours; the empty binding Secret is', () => {
    const secret = (extra: Partial<KubeObject>): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Secret',
      metadata: meta(`${SA}-token`, NS),
      ...extra,
    });
    const tokenOf = (account: string): KubeObject => {
      const metadata = meta(`${SA}-token`, NS);
      metadata.annotations['kubernetes.io/service-account.name'] = account;
      return secret({ type: 'kubernetes.io/service-account-token', metadata });
    };
    assert.equal(ours(tokenOf(SA)), undefined);
    assert.match(ours(tokenOf('deployer'))!, /deployer/);
    assert.match(ours(secret({ type: 'Opaque', data: { password: 'c2VjcmV0' } }))!, /holds data/);
    assert.equal(ours(secret({ type: 'Opaque' })), undefined);
  });
});

describe('convergence: earlier grants the new plan no longer has', () => {
  const narrowed = buildPlan(
    tutorialRequest({
      createNamespace: false,
      scope: { kind: 'namespaces', namespaces: ['a'] },
    }),
  );
  const found: KubeObject[] = [
    role('a'),
    roleBinding('a', GENERATED, { kind: 'Role', name: GENERATED }),
    role('b'),
    roleBinding('b', GENERATED, { kind: 'Role', name: GENERATED }),
    roleBinding('a', VIEW, { kind: 'ClusterRole', name: 'view' }),
    {
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: meta(GENERATED),
      rules: [{ ...PODS_GET[0], resources: ['nodes'] }],
    },
    clusterRoleBinding(GENERATED, { kind: 'ClusterRole', name: GENERATED }),
    { apiVersion: 'v1', kind: 'Secret', metadata: meta(`${SA}-token`, NS), type: 'Opaque' },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: meta(SA, NS) },
  ];
  const shown = (p: Pick<Plan, 'objects' | 'request'>) =>
    staleRemovals(p, found).map(
      (r) => `${r.action} ${r.object.kind} ${r.object.metadata.namespace ?? ''}/${r.object.metadata.name}`,
    );
  const keeping = { ...narrowed, request: { ...narrowed.request, keepExtra: true } };

  it('removes what is not planned any more, bindings before roles, and never a Secret or the ServiceAccount', () => {
    assert.deepEqual(shown(narrowed), [
      `remove RoleBinding a/${VIEW}`,
      `remove RoleBinding b/${GENERATED}`,
      `remove ClusterRoleBinding /${GENERATED}`,
      `remove Role b/${GENERATED}`,
      `remove ClusterRole /${GENERATED}`,
    ]);
  });

  it('keeps them when the request says so, and says what each grants', () => {
    const kept = staleRemovals(keeping, found);
    assert.ok(kept.every((r) => r.action === 'keep'));
    assert.match(kept[0].detail, /binds ClusterRole "view" in namespace "a"/);
    assert.match(kept.find((r) => r.object.kind === 'ClusterRole')!.detail, /holds nodes:get/);
  });

  it('finds nothing to remove when the plan still has everything', () => {
    const wide = buildPlan(
      tutorialRequest({
        createNamespace: false,
        scope: { kind: 'namespaces', namespaces: ['a', 'b'] },
        roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
        rules: [{ apiGroups: [''], resources: ['pods', 'nodes'], verbs: ['get'] }],
      }),
    );
    assert.deepEqual(shown(wide), []);
  });

  it('the preflight asks whether each removal may be deleted', () => {
    const plan: Plan = { ...narrowed, removals: staleRemovals(narrowed, found) };
    const deletes = actionsToCheck(plan).filter((a) => a.verb === 'delete');
    assert.deepEqual(
      deletes.map((d) => [d.resource, d.namespace, d.name]),
      [
        ['rolebindings', 'a', VIEW],
        ['rolebindings', 'b', GENERATED],
        ['clusterrolebindings', undefined, GENERATED],
        ['roles', 'b', GENERATED],
        ['clusterroles', undefined, GENERATED],
      ],
    );
    assert.match(deletes[0].description, /--keep-extra/);
    const keep: Plan = { ...narrowed, removals: staleRemovals(keeping, found) };
    assert.deepEqual(
      actionsToCheck(keep).filter((a) => a.verb === 'delete'),
      [],
    );
  });

  it('the dry-run YAML lists them as comments, never as documents kubectl would apply', () => {
    const plan: Plan = { ...narrowed, removals: staleRemovals(narrowed, found) };
    const text = renderPlanYaml(plan, { statusComments: true });
    const line =
      `# remove: RoleBinding b/${GENERATED}: no longer requested: ` + `binds Role "${GENERATED}" in namespace "b"`;
    assert.ok(text.split('\n').includes(line), text);
    assert.equal(yaml.loadAll(text).filter((d) => d !== null).length, plan.objects.length);
  });

  it("the wizard's Review shows them with their status and YAML, without uid or resourceVersion", () => {
    const objects = narrowed.objects.map((o) => ({ ...o, status: 'create' as const }));
    const plan: Plan = { ...narrowed, objects, removals: staleRemovals(narrowed, found) };
    const report: PreflightReport = {
      plan,
      ok: true,
      conflicts: [],
      missing: [],
      dryRun: [],
      denied: [],
      missingRules: [],
      incomplete: false,
      notes: [],
      requests: 1,
    };
    const review = reviewFromReport(narrowed, report);
    assert.deepEqual(
      review.removals!.map((r) => [r.status, r.kind, r.namespace ?? '']),
      [
        ['remove', 'RoleBinding', 'a'],
        ['remove', 'RoleBinding', 'b'],
        ['remove', 'ClusterRoleBinding', ''],
        ['remove', 'Role', 'b'],
        ['remove', 'ClusterRole', ''],
      ],
    );
    assert.match(review.removals![1].yaml, /kind: RoleBinding/);
    assert.doesNotMatch(review.removals![1].yaml, /uid|resourceVersion/);
  });

  it("the CLI's --keep-extra asks to keep them; without it they go", () => {
    const flags = (args: string[]) => parseArgs(args, createCommand.flags).flags;
    const defaults = { context: 'c', namespace: NS };
    assert.equal(requestFromFlags(flags(['-s', SA, '--rule', 'pods:get', '--keep-extra']), defaults).keepExtra, true);
    assert.equal(requestFromFlags(flags(['-s', SA, '--rule', 'pods:get']), defaults).keepExtra, undefined);
  });
});
