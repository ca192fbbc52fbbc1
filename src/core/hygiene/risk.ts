// The risk rule table of the credential audit: what a service account may do, graded. ONE table, every rule
// unit-tested (test/unit/hygieneRisk.test.ts). Pure: no requests, no clock.
//
// A grant is a PolicyRule plus where it applies (one namespace, or the whole cluster) and the role it came from.
// Each table row looks at one grant and answers with a grade and a reason; an account's grade is its worst row.
// Rows are written for the attacks a security review asks about: reading Secrets (every token of the namespace),
// escalation (escalate, bind, impersonate, writing RBAC), minting tokens (serviceaccounts/token), running code as
// another identity (creating pods or any workload kind, exec/attach/port-forward, nodes/proxy), and cluster-wide
// control (admission webhooks, CRDs, cluster-admin, wildcards). A row may grade a cluster-wide grant higher.

import type { PolicyRule } from '../types';

export type RiskGrade = 'critical' | 'high' | 'medium' | 'low' | 'none';

export const GRADES: readonly RiskGrade[] = ['none', 'low', 'medium', 'high', 'critical'];

/** A number to compare grades by: none 0 … critical 4. Pure. */
export function gradeRank(grade: RiskGrade): number {
  return GRADES.indexOf(grade);
}

/** The worse of two grades. Pure. */
export function worseGrade(a: RiskGrade, b: RiskGrade): RiskGrade {
  return gradeRank(a) >= gradeRank(b) ? a : b;
}

/** Parses a grade given by a person (`--min-risk high`); undefined when it is none of them. Pure. */
export function parseGrade(text: string): RiskGrade | undefined {
  const t = text.trim().toLowerCase();
  return (GRADES as readonly string[]).includes(t) ? (t as RiskGrade) : undefined;
}

/** One rule an account holds, where it applies and where it came from. */
export interface Grant {
  rule: PolicyRule;
  /** The namespace a RoleBinding grants it in; undefined: cluster-wide (a ClusterRoleBinding). */
  namespace?: string;
  /** The bound role, e.g. `ClusterRole/cluster-admin`. */
  role: string;
}

export interface RiskReason {
  /** The table row, e.g. `secrets-read`. */
  id: string;
  grade: RiskGrade;
  /** For people: "may read Secrets in namespace ci (ClusterRole/edit)". */
  text: string;
}

export interface RiskAssessment {
  grade: RiskGrade;
  /** Worst first, one per row and place. */
  reasons: RiskReason[];
}

const WRITE_VERBS = ['create', 'update', 'patch', 'delete', 'deletecollection'];
const READ_VERBS = ['get', 'list', 'watch'];
const WORKLOADS: readonly [string, string][] = [
  ['', 'pods'],
  ['', 'replicationcontrollers'],
  ['apps', 'deployments'],
  ['apps', 'daemonsets'],
  ['apps', 'statefulsets'],
  ['apps', 'replicasets'],
  ['batch', 'jobs'],
  ['batch', 'cronjobs'],
];
const RBAC_GROUP = 'rbac.authorization.k8s.io';
const RBAC_RESOURCES = ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'];

function hasVerb(rule: PolicyRule, verbs: readonly string[]): boolean {
  return rule.verbs.some((v) => v === '*' || verbs.includes(v.toLowerCase()));
}

function hasGroup(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes('*') || rule.apiGroups.includes(group);
}

// Whether the rule names the resource (or "*", or "*/sub" for a subresource).
function hasResource(rule: PolicyRule, resource: string): boolean {
  if (rule.resources.includes('*') || rule.resources.includes(resource)) return true;
  const slash = resource.indexOf('/');
  return slash !== -1 && rule.resources.includes(`*/${resource.slice(slash + 1)}`);
}

function covers(rule: PolicyRule, group: string, resource: string, verbs: readonly string[]): boolean {
  return hasGroup(rule, group) && hasResource(rule, resource) && hasVerb(rule, verbs);
}

function where(grant: Grant): string {
  return grant.namespace === undefined ? 'in every namespace' : `in namespace ${grant.namespace}`;
}

interface RiskRow {
  id: string;
  /** Grade for a grant in one namespace. */
  grade: RiskGrade;
  /** Grade for a cluster-wide grant (default: `grade`). */
  clusterGrade?: RiskGrade;
  /** The reason's words, or undefined when the row does not apply to this grant. */
  match(grant: Grant): string | undefined;
}

/** The table. Order matters only for reading: every matching row counts, the worst decides. */
export const RISK_RULES: readonly RiskRow[] = [
  {
    id: 'cluster-admin',
    grade: 'critical',
    match: (g) => (g.role === 'ClusterRole/cluster-admin' ? `is bound to cluster-admin ${where(g)}` : undefined),
  },
  {
    id: 'wildcard-all',
    grade: 'critical',
    match: (g) =>
      g.rule.verbs.includes('*') && g.rule.resources.includes('*') && g.rule.apiGroups.includes('*')
        ? `may do anything to every resource ${where(g)} (* verbs on * resources)`
        : undefined,
  },
  {
    id: 'wildcard-verbs',
    grade: 'high',
    clusterGrade: 'critical',
    match: (g) =>
      g.rule.verbs.includes('*') && !(g.rule.resources.includes('*') && g.rule.apiGroups.includes('*'))
        ? `may use every verb (*) on ${g.rule.resources.join(', ')} ${where(g)}`
        : undefined,
  },
  {
    id: 'wildcard-resources',
    grade: 'high',
    clusterGrade: 'critical',
    match: (g) =>
      g.rule.resources.includes('*') && !g.rule.verbs.includes('*')
        ? `may ${g.rule.verbs.join(', ')} every ` +
          `resource${g.rule.apiGroups.includes('*') ? ' of every API group' : ''} ${where(g)}`
        : undefined,
  },
  {
    id: 'secrets-read',
    grade: 'high',
    clusterGrade: 'critical',
    match: (g) =>
      covers(g.rule, '', 'secrets', READ_VERBS)
        ? 'may read Secrets ' +
          `${where(g)}${g.rule.resourceNames?.length ? ` (named: ${g.rule.resourceNames.join(', ')})` : ''}`
        : undefined,
  },
  {
    id: 'escalate-bind',
    grade: 'critical',
    match: (g) =>
      RBAC_RESOURCES.some((r) => covers(g.rule, RBAC_GROUP, r, ['escalate', 'bind']))
        ? `may escalate or bind roles ${where(g)} (grant itself any permission)`
        : undefined,
  },
  {
    id: 'impersonate',
    grade: 'critical',
    match: (g) =>
      ['users', 'groups', 'serviceaccounts', 'uids', 'userextras/*'].some(
        (r) =>
          (hasGroup(g.rule, '') || hasGroup(g.rule, 'authentication.k8s.io')) &&
          hasResource(g.rule, r) &&
          hasVerb(g.rule, ['impersonate']),
      )
        ? `may impersonate users, groups or service accounts ${where(g)}`
        : undefined,
  },
  {
    id: 'token-create',
    grade: 'high',
    clusterGrade: 'critical',
    match: (g) =>
      covers(g.rule, '', 'serviceaccounts/token', ['create'])
        ? `may create tokens for service accounts ${where(g)} (serviceaccounts/token)`
        : undefined,
  },
  {
    id: 'pod-exec',
    grade: 'high',
    match: (g) => {
      const subs = ['pods/exec', 'pods/attach', 'pods/portforward'].filter((r) =>
        covers(g.rule, '', r, ['create', 'get']),
      );
      return subs.length > 0 ? `may ${subs.join(', ')} ${where(g)} (run commands in containers)` : undefined;
    },
  },
  {
    id: 'workload-create',
    grade: 'high',
    match: (g) => {
      const kinds = WORKLOADS.filter(([group, r]) => covers(g.rule, group, r, ['create'])).map(([, r]) => r);
      return kinds.length > 0
        ? `may create ${kinds.join(', ')} ${where(g)} (run pods as any service account there, mount its Secrets)`
        : undefined;
    },
  },
  {
    id: 'nodes-proxy',
    grade: 'critical',
    match: (g) =>
      covers(g.rule, '', 'nodes/proxy', ['get', 'create'])
        ? `may use nodes/proxy ${where(g)} (the kubelet API: exec into any pod on a node)`
        : undefined,
  },
  {
    id: 'rbac-write',
    grade: 'high',
    clusterGrade: 'critical',
    match: (g) => {
      const what = RBAC_RESOURCES.filter((r) => covers(g.rule, RBAC_GROUP, r, WRITE_VERBS));
      return what.length > 0 ? `may change RBAC (${what.join(', ')}) ${where(g)}` : undefined;
    },
  },
  {
    id: 'webhook-write',
    grade: 'critical',
    match: (g) => {
      const what = ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'].filter((r) =>
        covers(g.rule, 'admissionregistration.k8s.io', r, WRITE_VERBS),
      );
      return what.length > 0 ? `may change admission webhooks (${what.join(', ')})` : undefined;
    },
  },
  {
    id: 'crd-write',
    grade: 'high',
    match: (g) =>
      covers(g.rule, 'apiextensions.k8s.io', 'customresourcedefinitions', WRITE_VERBS)
        ? 'may change CustomResourceDefinitions'
        : undefined,
  },
  {
    id: 'write',
    grade: 'medium',
    match: (g) => (hasVerb(g.rule, WRITE_VERBS) ? `may change ${g.rule.resources.join(', ')} ${where(g)}` : undefined),
  },
  {
    id: 'read',
    grade: 'low',
    match: (g) =>
      hasVerb(g.rule, READ_VERBS) && g.rule.resources.length > 0
        ? `may read ${g.rule.resources.join(', ')} ${where(g)}`
        : undefined,
  },
];

/** Self reviews (can-i, whoami): every authenticated user may ask them (system:basic-user); never a risk. */
const SELF_REVIEWS = ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'selfsubjectreviews'];

/** Whether the rule grants nothing but what every authenticated user has anyway. Pure. */
export function grantedToEveryone(rule: PolicyRule): boolean {
  return (
    rule.resources.length === 0 ||
    (rule.resources.every((r) => SELF_REVIEWS.includes(r)) &&
      rule.apiGroups.every((g) => g === 'authorization.k8s.io' || g === 'authentication.k8s.io'))
  );
}

/** The rows that match one grant, with their grades. Pure. */
export function assessGrant(grant: Grant): RiskReason[] {
  const reasons: RiskReason[] = [];
  if (grantedToEveryone(grant.rule)) return reasons;
  for (const row of RISK_RULES) {
    const text = row.match(grant);
    if (text === undefined) continue;
    const grade = grant.namespace === undefined ? (row.clusterGrade ?? row.grade) : row.grade;
    reasons.push({ id: row.id, grade, text: `${text} (${grant.role})` });
  }
  return reasons;
}

/** The grade of a single grant: its worst row, or none. Pure. */
export function grantGrade(grant: Grant): RiskGrade {
  return assessGrant(grant).reduce<RiskGrade>((g, r) => worseGrade(g, r.grade), 'none');
}

/**
 * An account's grade and reasons from all its grants. The generic rows (write, read) are kept only when nothing
 * more specific explains the grade, so the reasons list stays readable. Pure.
 */
export function assessGrants(grants: Grant[]): RiskAssessment {
  const all = grants.flatMap(assessGrant);
  const grade = all.reduce<RiskGrade>((g, r) => worseGrade(g, r.grade), 'none');
  const specific = all.filter((r) => r.id !== 'write' && r.id !== 'read');
  const chosen = specific.length > 0 ? specific : all;
  const seen = new Set<string>();
  const reasons = chosen
    .filter((r) => (seen.has(r.text) ? false : (seen.add(r.text), true)))
    .sort((a, b) => gradeRank(b.grade) - gradeRank(a.grade) || a.id.localeCompare(b.id));
  return { grade, reasons };
}
