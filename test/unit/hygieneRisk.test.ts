// The risk rule table of the credential audit (core/hygiene/risk.ts): every row, with a grant it must match, one it
// must not, and the grade in a namespace and cluster-wide.
import * as assert from 'node:assert/strict';

import {
  assessGrant,
  assessGrants,
  grantGrade,
  parseGrade,
  RISK_RULES,
  worseGrade,
  type Grant,
} from '../../src/core/hygiene/risk';
import type { PolicyRule } from '../../src/core/types';

function rule(apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule {
  return { apiGroups, resources, verbs, ...(resourceNames ? { resourceNames } : {}) };
}

function inNs(r: PolicyRule, role = 'Role/r'): Grant {
  return { rule: r, namespace: 'ci', role };
}

function clusterWide(r: PolicyRule, role = 'ClusterRole/r'): Grant {
  return { rule: r, role };
}

function ids(g: Grant): string[] {
  return assessGrant(g).map((r) => r.id);
}

interface RowCase {
  id: string;
  hit: PolicyRule;
  miss: PolicyRule;
  grade: string;
  clusterGrade: string;
  role?: string;
}

const CASES: RowCase[] = [
  {
    id: 'cluster-admin',
    hit: rule([''], ['pods'], ['get']),
    miss: rule([''], ['pods'], ['get']),
    grade: 'critical',
    clusterGrade: 'critical',
    role: 'ClusterRole/cluster-admin',
  },
  {
    id: 'wildcard-all',
    hit: rule(['*'], ['*'], ['*']),
    miss: rule([''], ['*'], ['*']),
    grade: 'critical',
    clusterGrade: 'critical',
  },
  {
    id: 'wildcard-verbs',
    hit: rule(['apps'], ['deployments'], ['*']),
    miss: rule(['apps'], ['deployments'], ['get', 'update']),
    grade: 'high',
    clusterGrade: 'critical',
  },
  {
    id: 'wildcard-resources',
    hit: rule([''], ['*'], ['get']),
    miss: rule(['*'], ['pods'], ['get']),
    grade: 'high',
    clusterGrade: 'critical',
  },
  {
    id: 'secrets-read',
    hit: rule([''], ['secrets'], ['list']),
    miss: rule([''], ['secrets'], ['create']),
    grade: 'high',
    clusterGrade: 'critical',
  },
  {
    id: 'escalate-bind',
    hit: rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['bind']),
    miss: rule(['rbac.authorization.k8s.io'], ['clusterroles'], ['get']),
    grade: 'critical',
    clusterGrade: 'critical',
  },
  {
    id: 'impersonate',
    hit: rule([''], ['serviceaccounts'], ['impersonate']),
    miss: rule([''], ['serviceaccounts'], ['get']),
    grade: 'critical',
    clusterGrade: 'critical',
  },
  {
    id: 'token-create',
    hit: rule([''], ['serviceaccounts/token'], ['create']),
    miss: rule([''], ['serviceaccounts'], ['create']),
    grade: 'high',
    clusterGrade: 'critical',
  },
  {
    id: 'pod-exec',
    hit: rule([''], ['pods/portforward'], ['create']),
    miss: rule([''], ['pods/log'], ['get']),
    grade: 'high',
    clusterGrade: 'high',
  },
  {
    id: 'workload-create',
    hit: rule(['batch'], ['cronjobs'], ['create']),
    miss: rule(['batch'], ['cronjobs'], ['delete']),
    grade: 'high',
    clusterGrade: 'high',
  },
  {
    id: 'nodes-proxy',
    hit: rule([''], ['nodes/proxy'], ['get']),
    miss: rule([''], ['nodes'], ['get']),
    grade: 'critical',
    clusterGrade: 'critical',
  },
  {
    id: 'rbac-write',
    hit: rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['create']),
    miss: rule(['rbac.authorization.k8s.io'], ['rolebindings'], ['list']),
    grade: 'high',
    clusterGrade: 'critical',
  },
  {
    id: 'webhook-write',
    hit: rule(['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations'], ['patch']),
    miss: rule(['admissionregistration.k8s.io'], ['mutatingwebhookconfigurations'], ['get']),
    grade: 'critical',
    clusterGrade: 'critical',
  },
  {
    id: 'crd-write',
    hit: rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['update']),
    miss: rule(['apiextensions.k8s.io'], ['customresourcedefinitions'], ['list']),
    grade: 'high',
    clusterGrade: 'high',
  },
  {
    id: 'write',
    hit: rule([''], ['configmaps'], ['update']),
    miss: rule([''], ['configmaps'], ['get']),
    grade: 'medium',
    clusterGrade: 'medium',
  },
  {
    id: 'read',
    hit: rule([''], ['configmaps'], ['watch']),
    miss: rule([''], ['configmaps'], ['update']),
    grade: 'low',
    clusterGrade: 'low',
  },
];

describe('hygiene risk rules (one table)', () => {
  it('has a test case for every row', () => {
    assert.deepEqual(CASES.map((c) => c.id).sort(), RISK_RULES.map((r) => r.id).sort());
  });

  for (const c of CASES) {
    it(`${c.id}: matches, grades ${c.grade} in a namespace and ${c.clusterGrade} cluster-wide`, () => {
      const role = c.role ?? 'Role/r';
      const ns = assessGrant(inNs(c.hit, role)).find((r) => r.id === c.id);
      assert.ok(ns, `${c.id} matches ${JSON.stringify(c.hit)}`);
      assert.equal(ns.grade, c.grade);
      assert.match(ns.text, new RegExp(role.replace(/[/]/g, '\\/')));
      const cl = assessGrant(clusterWide(c.hit, c.role ?? 'ClusterRole/r')).find((r) => r.id === c.id);
      assert.equal(cl?.grade, c.clusterGrade);
      if (c.id !== 'cluster-admin') assert.ok(!ids(inNs(c.miss)).includes(c.id), `${c.id} must not match the miss`);
      else assert.ok(!ids(inNs(c.miss, 'ClusterRole/admin')).includes(c.id));
    });
  }

  it('treats a * resource as covering subresources (exec, token, nodes/proxy)', () => {
    const g = clusterWide(rule([''], ['*'], ['get', 'create']));
    assert.ok(ids(g).includes('pod-exec'));
    assert.ok(ids(g).includes('nodes-proxy'));
    assert.ok(ids(g).includes('token-create'));
    assert.ok(ids(inNs(rule(['apps'], ['*/scale'], ['get']))).includes('read'));
  });

  it('ignores what every authenticated user may do (self reviews, non-resource URLs)', () => {
    assert.equal(grantGrade(inNs(rule(['authorization.k8s.io'], ['selfsubjectaccessreviews'], ['create']))), 'none');
    assert.equal(grantGrade(inNs(rule([], [], ['get']))), 'none');
  });

  it('grades an account by its worst grant and keeps the specific reasons first', () => {
    const a = assessGrants([
      inNs(rule([''], ['configmaps'], ['get'])),
      inNs(rule([''], ['secrets'], ['get'], ['app-secret'])),
      clusterWide(rule([''], ['pods/exec'], ['create'])),
    ]);
    assert.equal(a.grade, 'high');
    assert.deepEqual(
      a.reasons.map((r) => r.id),
      ['pod-exec', 'secrets-read'],
    );
    assert.match(a.reasons[1].text, /named: app-secret/);
    assert.deepEqual(assessGrants([]), { grade: 'none', reasons: [] });
    assert.deepEqual(
      assessGrants([inNs(rule([''], ['configmaps'], ['get']))]).reasons.map((r) => r.id),
      ['read'],
    );
  });

  it('parses and compares grades', () => {
    assert.equal(parseGrade(' High '), 'high');
    assert.equal(parseGrade('severe'), undefined);
    assert.equal(worseGrade('low', 'critical'), 'critical');
    assert.equal(worseGrade('medium', 'none'), 'medium');
  });
});
