// Shrink: the least rules that cover what a service account was seen doing (its allowed requests in the audit log),
// shown against what it holds now, and applied through the normal pipeline (provision: dry run, escalation
// pre-check, convergence) without issuing a credential: the account's existing tokens keep working, only its RBAC
// shrinks. Afterwards every observed request is checked to be still allowed, and what was dropped to be denied
// (SubjectAccessReview for the account). Grants sa-kubeconfig did not make are never changed: when the account has
// any, nothing is applied and the Role it would use is shown instead.
//
//   rulesFromUsage   pure: observed allowed requests -> rules (verbs as seen; resourceNames only when asked and
//                    every request of that rule named an object; never for list, watch, create, deletecollection)
//   diffRules        pure: current rules -> keep / drop, plus rules to add and observed denials to consider
//   planShrink       reads the account (bindings, rules, which are ours) and builds the provision request
//   applyShrink      provision without a credential, then the access checks
import type { Connection } from '../cluster/connect';
import { mapLimit } from '../cluster/util';
import { isSaKubeconfigError, SaKubeconfigError } from '../errors';
import { findManagedObjects } from '../inventory/lifecycle';
import type { BindingInfo } from '../inventory/parse';
import { fetchServiceAccountHoldings } from '../inventory/read';
import { isManaged } from '../objects';
import { generatedRoleName } from '../plan/names';
import { breakdownRule, formatRule, missingRules, normalizeRules } from '../plan/rules';
import { builtInNamespacedLookup } from '../plan/scope';
import { provision, type ProvisionResult } from '../provision';
import type { KubeObject, OperationOptions, PermissionScope, PolicyRule, ProvisionRequest } from '../types';
import { serviceAccountUsername } from './reader';
import { describeGroup, type UsageGroup } from './usage';

const RBAC_API = 'rbac.authorization.k8s.io/v1';
/** Verbs RBAC cannot restrict to named objects (the request names none). */
export const UNNAMEABLE_VERBS: readonly string[] = ['list', 'watch', 'create', 'deletecollection'];
/**
 * Subresources that stream (exec, attach, port-forward): kubectl asks for them with POST (create) over SPDY and with
 * GET over WebSockets, and newer API servers check create for the WebSocket upgrade too; both are granted together.
 */
export const STREAMING_SUBRESOURCES: readonly string[] = ['exec', 'attach', 'portforward'];
/** Granted to every authenticated user by the default ClusterRoles (system:basic-user): never part of the rules. */
const GRANTED_TO_EVERYONE: readonly string[] = [
  'authorization.k8s.io/selfsubjectaccessreviews',
  'authorization.k8s.io/selfsubjectrulesreviews',
  'authentication.k8s.io/selfsubjectreviews',
];

export interface ObservedRules {
  rules: PolicyRule[];
  /** Observed requests left out of the rules, and why. */
  leftOut: string[];
}

/** The least rules covering the allowed requests. Pure. */
export function rulesFromUsage(allowed: UsageGroup[], options: { names?: boolean } = {}): ObservedRules {
  const leftOut: string[] = [];
  // group + resource(/subresource) -> verb -> names seen (undefined once a request of that verb named no object)
  type Target = { apiGroup: string; resource: string; verbs: Map<string, Set<string> | undefined> };
  const byTarget = new Map<string, Target>();
  for (const g of allowed) {
    const resource = g.subresource ? `${g.resource}/${g.subresource}` : g.resource;
    if (GRANTED_TO_EVERYONE.includes(`${g.apiGroup}/${g.resource}`)) {
      if (!leftOut.some((l) => l.startsWith(`${g.verb} ${g.resource}.${g.apiGroup}`))) {
        const what = `${g.verb} ${g.resource}.${g.apiGroup}`;
        leftOut.push(`${what}: every authenticated user may do this (ClusterRole system:basic-user)`);
      }
      continue;
    }
    const key = `${g.apiGroup}\u0000${resource}`;
    let target = byTarget.get(key);
    if (!target) byTarget.set(key, (target = { apiGroup: g.apiGroup, resource, verbs: new Map() }));
    const streaming =
      g.subresource !== undefined &&
      STREAMING_SUBRESOURCES.includes(g.subresource) &&
      (g.verb === 'get' || g.verb === 'create');
    const verbs = streaming ? ['create', 'get'] : [g.verb];
    for (const verb of verbs) {
      const names = target.verbs.has(verb) ? target.verbs.get(verb) : new Set<string>();
      if (names && g.name && verb === g.verb) names.add(g.name);
      target.verbs.set(verb, names && g.name && verb === g.verb ? names : undefined);
    }
  }
  const rules: PolicyRule[] = [];
  for (const t of byTarget.values()) {
    const unnamed: string[] = [];
    const named = new Map<string, string[]>();
    for (const [verb, names] of t.verbs) {
      if (options.names && names && names.size > 0 && !UNNAMEABLE_VERBS.includes(verb)) {
        const list = [...names].sort();
        named.set(list.join(','), [...(named.get(list.join(',')) ?? []), verb]);
      } else {
        unnamed.push(verb);
      }
    }
    if (unnamed.length > 0) rules.push({ apiGroups: [t.apiGroup], resources: [t.resource], verbs: unnamed.sort() });
    for (const [names, verbs] of named) {
      const resourceNames = names.split(',');
      rules.push({ apiGroups: [t.apiGroup], resources: [t.resource], verbs: verbs.sort(), resourceNames });
    }
  }
  return { rules: normalizeRules(rules), leftOut };
}

/** Where a current rule comes from. */
export interface RuleSource {
  binding: string;
  role: string;
  /** sa-kubeconfig made the binding (and, for the generated role, the role). */
  ours: boolean;
}

export interface RuleDiff {
  /** Parts of current rules the observed use needs. */
  keep: { rule: PolicyRule; source: RuleSource }[];
  /** Parts of current rules nothing in the log used. */
  drop: { rule: PolicyRule; source: RuleSource }[];
  /** Observed rules no current rule grants (requests allowed by other means, e.g. a grant to a group). */
  add: PolicyRule[];
  /** Rules that would allow the denied requests: not added; the user decides. */
  consider: PolicyRule[];
}

/** Splits every current rule into what the observed rules still need and what they do not. Pure. */
export function diffRules(
  current: { rule: PolicyRule; source: RuleSource }[],
  observed: PolicyRule[],
  denied: PolicyRule[] = [],
): RuleDiff {
  const keep: RuleDiff['keep'] = [];
  const drop: RuleDiff['drop'] = [];
  const observedAtoms = observed.flatMap(breakdownRule);
  for (const { rule, source } of current) {
    // A held atom is kept when some observed request falls under it; wildcards stay whole (kept if anything used them).
    const atoms = breakdownRule(rule);
    const used = atoms.filter((atom) => observedAtoms.some((o) => missingRules([atom], [o]).length === 0));
    const unused = atoms.filter((atom) => !used.includes(atom));
    for (const r of normalizeRules(used)) keep.push({ rule: r, source });
    for (const r of normalizeRules(unused)) drop.push({ rule: r, source });
  }
  const currentRules = current.map((c) => c.rule);
  return { keep, drop, add: missingRules(currentRules, observed), consider: missingRules(observed, denied) };
}

/** Rules that would allow the denied requests, as they were asked (verb, resource, name). Pure. */
export function rulesForDenied(denied: UsageGroup[]): PolicyRule[] {
  return normalizeRules(
    denied.map((g) => ({
      apiGroups: [g.apiGroup],
      verbs: [g.verb],
      resources: [g.subresource ? `${g.resource}/${g.subresource}` : g.resource],
    })),
  );
}

export interface ShrinkPlan {
  namespace: string;
  serviceAccount: string;
  observed: ObservedRules;
  diff: RuleDiff;
  /** Bindings of the account sa-kubeconfig did not make: when any, nothing is applied. */
  foreign: string[];
  /** What provision gets; also the Role shown when the shrink cannot be applied. */
  request: ProvisionRequest;
  /** The Role (one per namespace of the scope) that would hold the observed rules, as YAML-ready objects. */
  roles: KubeObject[];
  /** Namespaces of the scope where no request was seen. */
  idleNamespaces: string[];
  notes: string[];
}

function describeBinding(b: BindingInfo): string {
  return `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}`;
}

/**
 * Reads what the account holds and plans the shrink. Throws notFound when the account does not exist, and
 * invalidInput when no allowed request was observed (a Role with no rules is not a shrink, it is a delete).
 */
export async function planShrink(
  conn: Connection,
  namespace: string,
  serviceAccount: string,
  allowed: UsageGroup[],
  denied: UsageGroup[],
  options: OperationOptions & { names?: boolean } = {},
): Promise<ShrinkPlan> {
  const op: OperationOptions = { signal: options.signal, logger: options.logger };
  const account = await conn.client.getOptional<KubeObject>(
    {
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}`,
      action: `read service account "${namespace}/${serviceAccount}"`,
    },
    op,
  );
  if (!account) {
    throw new SaKubeconfigError('notFound', `Service account "${namespace}/${serviceAccount}" does not exist.`);
  }
  const [holdings, managed] = await Promise.all([
    fetchServiceAccountHoldings(conn, namespace, serviceAccount, op),
    findManagedObjects(conn, namespace, serviceAccount, op, ['RoleBinding', 'ClusterRoleBinding']),
  ]);
  const ours = new Set(managed.objects.map((o) => `${o.kind}/${o.namespace ?? ''}/${o.name}`));
  const isOurs = (b: BindingInfo) => ours.has(`${b.kind}/${b.namespace ?? ''}/${b.name}`);
  const generated = generatedRoleName(namespace, serviceAccount);
  const notes = [
    ...holdings.notes,
    ...managed.incomplete.map((i) => `Could not search ${i}: bindings there are not known.`),
  ];
  const current: { rule: PolicyRule; source: RuleSource }[] = [];
  for (const b of holdings.bindings) {
    const source = { binding: describeBinding(b), role: `${b.roleRef.kind} ${b.roleRef.name}`, ours: isOurs(b) };
    if (!b.rules) {
      const why = b.rulesError ?? 'not readable';
      notes.push(`The rules of ${source.role} (bound by ${source.binding}) are unknown: ${why}.`);
    }
    for (const rule of b.rules ?? []) current.push({ rule, source });
  }
  const foreign = holdings.bindings
    .filter((b) => !isOurs(b))
    .map((b) => `${describeBinding(b)} (${b.roleRef.kind} ${b.roleRef.name})`);

  const observed = rulesFromUsage(allowed, { names: options.names });
  if (observed.rules.length === 0) {
    const user = serviceAccountUsername(namespace, serviceAccount);
    throw new SaKubeconfigError(
      'invalidInput',
      `No allowed request of ${user} needs a rule in this log: ` + 'shrinking would leave it no permissions.',
      {
        hint: 'Read a log that covers the account\'s work, or remove it with "sa-kubeconfig delete".',
      },
    );
  }
  const diff = diffRules(current, observed.rules, rulesForDenied(denied));
  const scope = scopeOf(holdings.bindings.filter(isOurs), namespace, generated);
  const inScope = scope.kind === 'namespaces' ? scope.namespaces : [];
  const seen = new Set(allowed.map((g) => g.namespace).filter((n): n is string => n !== undefined));
  const request: ProvisionRequest = {
    context: conn.contextName,
    namespace,
    serviceAccount,
    ...(isManaged(account) ? {} : { serviceAccountMode: 'existing' as const }),
    rules: observed.rules,
    roleRefs: [],
    scope,
    // Never used: the shrink issues no credential (see applyShrink).
    token: { kind: 'timeBound', durationSeconds: 3600 },
    kubeconfig: {},
  };
  const roleNamespaces = scope.kind === 'namespaces' ? scope.namespaces : [];
  const roles: KubeObject[] =
    scope.kind === 'cluster'
      ? [{ apiVersion: RBAC_API, kind: 'ClusterRole', metadata: { name: generated }, rules: observed.rules }]
      : roleNamespaces.map((ns) => ({
          apiVersion: RBAC_API,
          kind: 'Role',
          metadata: { name: generated, namespace: ns },
          rules: observed.rules,
        }));
  return {
    namespace,
    serviceAccount,
    observed,
    diff,
    foreign,
    request,
    roles,
    notes,
    idleNamespaces: inScope.filter((ns) => !seen.has(ns)),
  };
}

/**
 * The scope the account's grants have now: cluster-wide when one of our ClusterRoleBindings binds an existing role or
 * a generated ClusterRole that holds namespaced resources; otherwise the namespaces of our RoleBindings.
 */
export function scopeOf(ourBindings: BindingInfo[], namespace: string, generated: string): PermissionScope {
  const namespacedRule = (r: PolicyRule) =>
    r.apiGroups.some((g) => r.resources.some((res) => builtInNamespacedLookup(g, res.split('/')[0]) !== false));
  const clusterWide = ourBindings.some(
    (b) => b.kind === 'ClusterRoleBinding' && (b.roleRef.name !== generated || (b.rules ?? []).some(namespacedRule)),
  );
  if (clusterWide) return { kind: 'cluster' };
  const bound = ourBindings.filter((b) => b.kind === 'RoleBinding' && b.namespace).map((b) => b.namespace as string);
  const namespaces = [...new Set(bound)].sort();
  return { kind: 'namespaces', namespaces: namespaces.length > 0 ? namespaces : [namespace] };
}

export interface AccessCheck {
  check: string;
  expected: 'allowed' | 'denied';
  allowed: boolean;
  ok: boolean;
}

export interface ShrinkResult {
  provision: ProvisionResult;
  checks: AccessCheck[];
  /** The checks could not run (e.g. the caller may not create SubjectAccessReviews). */
  checksSkipped?: string;
  ok: boolean;
}

/**
 * Applies the plan through provision (dry run first when `dryRun`; the escalation pre-check and convergence
 * always), without a new credential, then checks as the account that each observed request is allowed and each
 * dropped rule (in the account's namespace) denied. Refuses (unmanagedConflict, nothing changed) when the
 * account holds grants sa-kubeconfig did not make.
 */
export async function applyShrink(
  conn: Connection,
  plan: ShrinkPlan,
  allowed: UsageGroup[],
  options: OperationOptions & { dryRun?: boolean } = {},
): Promise<ShrinkResult> {
  if (plan.foreign.length > 0) {
    throw new SaKubeconfigError(
      'unmanagedConflict',
      `${plan.namespace}/${plan.serviceAccount} holds grants ` +
        `sa-kubeconfig did not make (${plan.foreign.join('; ')}): shrinking only its own would not shrink what the ` +
        'account may do. Nothing was changed.',
      {
        hint:
          'Replace those grants with the Role shown (apply it and bind it yourself), or remove them and run shrink ' +
          'again.',
      },
    );
  }
  const result = await provision(plan.request, {
    connection: conn,
    dryRun: options.dryRun,
    issueCredential: false,
    signal: options.signal,
    logger: options.logger,
  });
  if (options.dryRun) return { provision: result, checks: [], ok: result.preflight.ok };
  const wanted: Omit<AccessCheck, 'allowed' | 'ok'>[] = [];
  const attrs: SubjectAttributes[] = [];
  for (const g of allowed) {
    wanted.push({ check: describeGroup(g), expected: 'allowed' });
    attrs.push({
      verb: g.verb,
      group: g.apiGroup,
      resource: g.resource,
      subresource: g.subresource,
      namespace: g.namespace,
      name: g.name,
    });
  }
  for (const { rule } of plan.diff.drop.slice(0, 50)) {
    for (const atom of breakdownRule(rule)) {
      if (atom.verbs[0] === '*' || atom.resources[0] === '*' || atom.apiGroups[0] === '*') continue;
      const [resource, subresource] = atom.resources[0].split('/');
      wanted.push({ check: `${atom.verbs[0]} ${formatRule(atom)} in ${plan.namespace}`, expected: 'denied' });
      attrs.push({
        verb: atom.verbs[0],
        group: atom.apiGroups[0],
        resource,
        subresource,
        namespace: plan.namespace,
        name: atom.resourceNames?.[0],
      });
    }
  }
  const user = {
    username: serviceAccountUsername(plan.namespace, plan.serviceAccount),
    groups: ['system:serviceaccounts', `system:serviceaccounts:${plan.namespace}`, 'system:authenticated'],
  };
  try {
    // RBAC changes reach the authorizer's cache within moments: a check that disagrees is asked again for 10 s.
    const deadline = Date.now() + 10_000;
    let checks: AccessCheck[] = [];
    for (;;) {
      checks = await mapLimit(attrs, 8, async (a, i) => {
        const allowedNow = await subjectAccessReview(conn, user, a, options);
        return { ...wanted[i], allowed: allowedNow, ok: allowedNow === (wanted[i].expected === 'allowed') };
      });
      if (checks.every((c) => c.ok) || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    return { provision: result, checks, ok: checks.every((c) => c.ok) };
  } catch (err) {
    if (!isSaKubeconfigError(err, 'forbidden')) throw err;
    const checksSkipped = 'you may not create SubjectAccessReviews, so the new rules were not checked';
    return { provision: result, checks: [], checksSkipped, ok: true };
  }
}

interface SubjectAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

async function subjectAccessReview(
  conn: Connection,
  user: { username: string; groups: string[] },
  a: SubjectAttributes,
  options: OperationOptions,
): Promise<boolean> {
  const answer = await conn.client.request<{ status?: { allowed?: boolean } }>(
    {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: user.username,
          groups: user.groups,
          resourceAttributes: {
            verb: a.verb,
            group: a.group,
            resource: a.resource,
            ...(a.subresource ? { subresource: a.subresource } : {}),
            ...(a.namespace ? { namespace: a.namespace } : {}),
            ...(a.name ? { name: a.name } : {}),
          },
        },
      },
      action: "check the service account's access (SubjectAccessReview)",
    },
    options,
  );
  return answer.status?.allowed === true;
}
