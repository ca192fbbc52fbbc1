// Checks before acting, sending nothing that changes the cluster:
//  1. existence and ownership of every planned object (same-named objects we did not make are conflicts
//     unless the request agrees to adopt them) and what would change;
//  2. a server-side dry run (dryRun=All) of every create/update: admission, validation, authorization and
//     RBAC's escalation check exactly as the real request would meet them;
//  3. SelfSubjectAccessReviews for the verbs the apply will use;
//  4. the escalation pre-check: which requested rules the caller does not hold (SelfSubjectRulesReview per
//     namespace + missingRules), unless it may `escalate` roles / `bind` the referenced role.
// Alongside 1, the earlier grants of this service account that the plan no longer has (prune.ts): they go into
// plan.removals, and 3 checks that they may be deleted.
// The result says exactly what is missing, so that a refused request creates nothing.

import type { Connection } from '../cluster/connect';
import {
  accessReview,
  rulesReview,
  type AccessAttributes,
  type AccessDecision,
  type RulesReview,
} from '../cluster/reviews';
import { mapLimit } from '../cluster/util';
import { issueAccessChecks, issueSpecForTokenMode } from '../credentials/issue';
import { isSaKubeconfigError, SaKubeconfigError } from '../errors';
import { describeRef, groupOf, isManaged, managedFor, objectPath, pluralOf, refOf, type ObjectRef } from '../objects';
import { breakdownRule, formatRule, missingRules } from '../plan/rules';
import type { KubeObject, OperationOptions, Plan, PlannedObject, PolicyRule } from '../types';
import { createBody, diffOwned, immutableChanges, ownedMergePatch } from './diff';
import { NOT_OURS } from './ownership';
import { findStale } from './prune';

export interface DryRunOutcome {
  ref: ObjectRef;
  ok: boolean;
  /** Why no dry run was possible (e.g. its namespace is created by this plan). */
  skipped?: string;
  error?: { code: string; message: string };
}

export interface DeniedAction extends AccessAttributes {
  /** `create roles in namespace "x"` */
  description: string;
  reason?: string;
}

export interface MissingRulesEntry {
  /** Namespace where the rules would apply; undefined = cluster-wide. */
  namespace?: string;
  /** The objects that need these rules: `Role x/y`, `RoleBinding x/z`. */
  neededFor: string[];
  rules: PolicyRule[];
}

export interface PreflightReport {
  /** The plan with each object's status and detail filled in. */
  plan: Plan;
  ok: boolean;
  conflicts: { ref: ObjectRef; detail: string }[];
  /** Objects the request uses as they are (an existing service account) that do not exist. */
  missing: { ref: ObjectRef; detail: string }[];
  dryRun: DryRunOutcome[];
  denied: DeniedAction[];
  missingRules: MissingRulesEntry[];
  /** Some answer was incomplete (rules review incomplete, a referenced role unreadable): the dry run decides. */
  incomplete: boolean;
  notes: string[];
  /** Requests this preflight sent. */
  requests: number;
}

interface Live {
  planned: PlannedObject;
  live?: KubeObject;
  unknown?: boolean;
}

/** What to tell someone whose existing service account (used as it is) is not there. Pure. */
export function missingServiceAccountDetail(ref: ObjectRef): string {
  return (
    `service account "${ref.name}" does not exist in namespace "${ref.namespace ?? ''}"; ` +
    'create it, or choose a new service account'
  );
}

/** Status and detail of one planned object given what exists. Pure. */
export function classify(
  planned: KubeObject,
  live: KubeObject | undefined,
  adoptUnmanaged: boolean,
): Pick<PlannedObject, 'status' | 'detail'> {
  if (!isManaged(planned)) {
    // Planned without our label: an object the request uses as it is (an existing service account).
    if (!live) return { status: 'missing', detail: missingServiceAccountDetail(refOf(planned)) };
    return {
      status: 'use',
      detail: isManaged(live)
        ? 'exists (made by sa-kubeconfig); used as it is'
        : 'exists (not made by sa-kubeconfig); used as it is: never labelled, changed or deleted by sa-kubeconfig',
    };
  }
  if (!live) return { status: 'create' };
  if (planned.kind === 'Namespace') {
    return {
      status: 'unchanged',
      detail: isManaged(live)
        ? 'exists'
        : 'exists already (not made by sa-kubeconfig); used as it is, never deleted by sa-kubeconfig',
    };
  }
  const ours = isManaged(live);
  const wantedFor = planned.metadata.annotations?.['sa-kubeconfig.io/service-account'];
  const liveFor = managedFor(live);
  if (!ours && !adoptUnmanaged) {
    const useInstead =
      planned.kind === 'ServiceAccount'
        ? '; to use it as it is, choose the existing service account (--existing-service-account; ' +
          '"Existing" in the wizard)'
        : '';
    return {
      status: 'conflict',
      detail:
        `${describeRef(refOf(planned))} already exists and was not made by sa-kubeconfig; ` +
        `it will not be changed unless you agree to adopt it${useInstead}`,
    };
  }
  if (ours && liveFor && wantedFor && liveFor !== wantedFor && !adoptUnmanaged) {
    return {
      status: 'conflict',
      detail:
        `${describeRef(refOf(planned))} was made by sa-kubeconfig for service account ` +
        `${liveFor}, not ${wantedFor}`,
    };
  }
  const immutable = immutableChanges(planned, live);
  const changes = diffOwned(planned, live);
  if (changes.length === 0) return { status: 'unchanged' };
  const adopt = ours ? '' : 'adopt (add the sa-kubeconfig label); ';
  const replace = immutable.length > 0 ? `replace (${immutable.join(', ')} cannot change in place); ` : '';
  return { status: 'update', detail: `${adopt}${replace}change ${changes.join(', ')}` };
}

/** The verbs the apply will use, as access checks. Pure. */
export function actionsToCheck(plan: Plan): (AccessAttributes & { description: string })[] {
  const seen = new Map<string, AccessAttributes & { description: string }>();
  const add = (a: AccessAttributes, description: string) => {
    const k = JSON.stringify([a.verb, a.group, a.resource, a.subresource, a.namespace]);
    if (!seen.has(k)) seen.set(k, { ...a, description });
  };
  const where = (ns?: string) => (ns ? ` in namespace "${ns}"` : ' (cluster-wide)');
  for (const p of plan.objects) {
    const o = p.object;
    const resource = pluralOf(o.kind);
    const group = groupOf(o.apiVersion);
    if (p.status === 'create')
      add(
        { verb: 'create', group, resource, namespace: o.metadata.namespace },
        `create ${resource}${where(o.metadata.namespace)}`,
      );
    if (p.status === 'update')
      add(
        { verb: 'patch', group, resource, namespace: o.metadata.namespace },
        `patch ${resource}${where(o.metadata.namespace)}`,
      );
  }
  for (const r of plan.removals ?? []) {
    if (r.action !== 'remove') continue;
    const o = r.object;
    const resource = pluralOf(o.kind);
    const ns = o.metadata.namespace;
    add(
      { verb: 'delete', group: groupOf(o.apiVersion), resource, namespace: ns, name: o.metadata.name },
      `delete ${resource}${where(ns)} (to remove ${describeRef(refOf(o))}, no longer requested; or keep it: ` +
        '--keep-extra)',
    );
  }
  // Issuing the credential (core/credentials/issue.ts) needs these too; asked here so that a refusal changes nothing.
  const spec = issueSpecForTokenMode(plan.request.namespace, plan.request.serviceAccount, plan.request.token);
  for (const { description, ...a } of issueAccessChecks(spec)) add(a, description);
  if (plan.request.token.kind === 'existingSecret') {
    add(
      { verb: 'get', group: '', resource: 'serviceaccounts', namespace: plan.request.namespace },
      `get serviceaccounts in namespace "${plan.request.namespace}"`,
    );
  }
  return [...seen.values()];
}

const MAX_CLUSTER_ATOM_CHECKS = 64;

export interface PreflightOptions extends OperationOptions {
  /**
   * More checks to run in the same round trip as the dry runs (provision: the credential's own pre-check), given the
   * plan with each object's status. Preflight waits for it to settle, so nothing it sent is in flight afterwards;
   * its outcome is the caller's to read.
   */
  alongsideDryRun?: (plan: Plan) => Promise<unknown>;
}

const actionKey = (a: AccessAttributes) =>
  JSON.stringify([a.verb, a.group, a.resource, a.subresource, a.namespace, a.name]);

/**
 * Everything is asked in two waves of requests sent together (a far-away cluster pays one round trip per wave):
 * first what needs only the plan (existing objects, earlier grants, the access reviews a create would need, rules
 * reviews, referenced roles), then what needs their answers (dry runs, access reviews for updates and removals, the
 * escalate/bind checks).
 */
export async function preflight(
  conn: Connection,
  plan: Plan,
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const { alongsideDryRun, ...opts } = options;
  options = opts;
  const before = conn.client.requestCount;
  const adopt = plan.request.adoptUnmanaged === true;
  const notes: string[] = [];
  let incomplete = false;
  /** Requests started now and awaited later (a rejection is never unhandled meanwhile); all settle before the end. */
  const started: Promise<unknown>[] = [];
  const early = <T>(promise: Promise<T>): Promise<T> => {
    started.push(promise.catch(() => undefined));
    return promise;
  };

  // Wave 1. Access reviews: those a create of every planned object would need (most runs create), asked now.
  const reviewsAsked = new Map<string, Promise<AccessDecision>>();
  const askAccess = (a: AccessAttributes): Promise<AccessDecision> => {
    const k = actionKey(a);
    let answer = reviewsAsked.get(k);
    if (!answer) {
      answer = early(accessReview(conn, a, options));
      reviewsAsked.set(k, answer);
    }
    return answer;
  };
  const assumeCreated: Plan = {
    ...plan,
    objects: plan.objects.map((p) => ({ ...p, status: isManaged(p.object) ? 'create' : 'use' })),
    removals: [],
  };
  for (const { description: _d, ...a } of actionsToCheck(assumeCreated)) void askAccess(a);

  // Rules reviews of the namespaces where roles are made or bound, and the cluster-wide rules of planned ClusterRoles.
  const reviews = new Map<string, Promise<RulesReview>>();
  const review = (ns: string) => {
    let r = reviews.get(ns);
    if (!r) {
      r = early(rulesReview(conn, ns, options));
      reviews.set(ns, r);
    }
    return r;
  };
  const clusterChecks = new Map<string, Promise<{ lacking: PolicyRule[]; tooMany?: number }>>();
  /** Rules in `wanted` the caller does not hold in ns (or cluster-wide when ns is undefined). */
  const notHeld = async (ns: string | undefined, wanted: PolicyRule[]): Promise<PolicyRule[]> => {
    if (ns) {
      const r = await review(ns);
      if (r.incomplete) incomplete = true;
      return missingRules(r.resourceRules, wanted);
    }
    const k = JSON.stringify(wanted);
    let check = clusterChecks.get(k);
    if (!check) {
      check = early(clusterWideLacking(wanted));
      clusterChecks.set(k, check);
    }
    const { lacking, tooMany } = await check;
    if (tooMany !== undefined) {
      incomplete = true;
      const note = `Too many cluster-wide rules to check one by one (${tooMany}); the dry run decides.`;
      if (!notes.includes(note)) notes.push(note);
    }
    return lacking;
  };
  const clusterWideLacking = async (wanted: PolicyRule[]): Promise<{ lacking: PolicyRule[]; tooMany?: number }> => {
    const atoms = wanted.flatMap(breakdownRule);
    if (atoms.length > MAX_CLUSTER_ATOM_CHECKS) return { lacking: [], tooMany: atoms.length };
    const checks = await Promise.all(
      atoms.map((atom) => {
        const { resource, subresource } = splitRes(atom.resources[0]);
        return askAccess({
          verb: atom.verbs[0],
          group: atom.apiGroups[0],
          resource,
          subresource,
          name: atom.resourceNames?.[0],
        });
      }),
    );
    // missingRules against nothing held regroups the denied atoms into compact rules.
    return {
      lacking: missingRules(
        [],
        atoms.filter((_, i) => !checks[i].allowed),
      ),
    };
  };
  const roleReads = new Map<string, Promise<RoleRead>>();
  const readRole = (roleRef: { kind: 'Role' | 'ClusterRole'; name: string }, ns: string | undefined) => {
    const k = `${roleRef.kind}/${roleRef.kind === 'Role' ? (ns ?? '') : ''}/${roleRef.name}`;
    let read = roleReads.get(k);
    if (!read) {
      read = early(readReferencedRole(conn, roleRef, ns, options));
      roleReads.set(k, read);
    }
    return read;
  };
  const planRole = (roleRef: { kind: string; name: string }, ns: string | undefined) =>
    plan.objects.find(
      (x) =>
        x.object.kind === roleRef.kind &&
        x.object.metadata.name === roleRef.name &&
        (roleRef.kind === 'ClusterRole' || x.object.metadata.namespace === ns),
    );
  for (const { object: o } of plan.objects) {
    if (!isManaged(o)) continue;
    const ns = o.metadata.namespace;
    if (o.kind === 'Role' && ns) void review(ns);
    if (o.kind === 'ClusterRole') void notHeld(undefined, (o.rules as PolicyRule[]) ?? []).catch(() => undefined);
    if (o.kind === 'RoleBinding' || o.kind === 'ClusterRoleBinding') {
      const roleRef = o.roleRef as { kind: 'Role' | 'ClusterRole'; name: string };
      if (o.kind === 'RoleBinding' && ns) void review(ns);
      if (!planRole(roleRef, ns)) void readRole(roleRef, ns);
    }
  }

  // 1. existence and ownership, and the earlier grants of this service account the plan no longer has (prune.ts)
  const [lives, stale] = await Promise.all([
    mapLimit(plan.objects, 16, async (planned): Promise<Live> => {
      try {
        const ref = refOf(planned.object);
        const spec = { path: objectPath(ref), action: `read ${describeRef(ref)}` };
        const live = await conn.client.getOptional<KubeObject>(spec, options);
        return { planned, live };
      } catch (err) {
        if (isSaKubeconfigError(err, 'forbidden')) return { planned, unknown: true };
        throw err;
      }
    }),
    findStale(conn, plan, options),
  ]);
  for (const n of stale.notOurs) notes.push(`${describeRef(n.ref)}: ${NOT_OURS} (${n.reason}).`);
  if (stale.incomplete.length > 0) {
    notes.push(
      'Could not search for earlier grants of the service account that the request no longer has (Forbidden): ' +
        `${stale.incomplete.join('; ')}.`,
    );
  }
  const objects: PlannedObject[] = lives.map(({ planned, live, unknown }) => {
    if (unknown && !isManaged(planned.object)) {
      notes.push(
        `You may not read ${describeRef(refOf(planned.object))}; ` +
          'assuming it exists, to be used as it is (the token step checks).',
      );
      return {
        object: planned.object,
        status: 'use',
        detail: 'used as it is (you may not read it to check it exists)',
      };
    }
    const c = classify(planned.object, live, adopt);
    if (unknown) {
      notes.push(
        `You may not read ${describeRef(refOf(planned.object))}; assuming it does not exist (the dry run checks).`,
      );
    }
    return { object: planned.object, ...c };
  });
  const planWithStatus: Plan = { ...plan, objects, removals: stale.removals };
  const conflicts = objects
    .filter((o) => o.status === 'conflict')
    .map((o) => ({ ref: refOf(o.object), detail: o.detail ?? 'conflict' }));
  const missing = objects
    .filter((o) => o.status === 'missing')
    .map((o) => ({ ref: refOf(o.object), detail: o.detail ?? 'does not exist' }));

  // Wave 2, all together: dry runs, the access reviews not asked yet, the escalation check, the caller's extra checks.
  const alongside = alongsideDryRun ? early(alongsideDryRun(planWithStatus)) : undefined;
  // 2. dry run
  const createdNamespaces = new Set(
    objects.filter((o) => o.object.kind === 'Namespace' && o.status === 'create').map((o) => o.object.metadata.name),
  );
  const createdRoles = new Set(
    objects
      .filter((o) => (o.object.kind === 'Role' || o.object.kind === 'ClusterRole') && o.status === 'create')
      .map((o) => `${o.object.kind}/${o.object.metadata.namespace ?? ''}/${o.object.metadata.name}`),
  );
  const dryRunDone: Promise<DryRunOutcome[]> = early(
    mapLimit(objects, 16, async (p): Promise<DryRunOutcome> => {
      const ref = refOf(p.object);
      if (p.status === 'unchanged' || p.status === 'conflict' || p.status === 'use' || p.status === 'missing')
        return { ref, ok: true, skipped: p.status };
      if (ref.namespace && createdNamespaces.has(ref.namespace))
        return { ref, ok: true, skipped: `namespace "${ref.namespace}" is created by this plan` };
      const roleRef = p.object.roleRef as { kind?: string; name?: string } | undefined;
      if (
        roleRef &&
        createdRoles.has(`${roleRef.kind}/${roleRef.kind === 'Role' ? (ref.namespace ?? '') : ''}/${roleRef.name}`)
      ) {
        return {
          ref,
          ok: true,
          skipped: `its ${roleRef.kind} is created by this plan (the escalation check below covers it)`,
        };
      }
      if (p.status === 'update' && (p.detail ?? '').includes('replace ('))
        return { ref, ok: true, skipped: 'replaced: checked by the access review' };
      try {
        if (p.status === 'create') {
          await conn.client.request(
            {
              method: 'POST',
              path: objectPath(ref, false),
              query: { dryRun: 'All' },
              body: createBody(p.object),
              action: `create ${describeRef(ref)} (dry run)`,
            },
            options,
          );
        } else {
          await conn.client.request(
            {
              method: 'PATCH',
              path: objectPath(ref),
              query: { dryRun: 'All' },
              body: ownedMergePatch(p.object),
              contentType: 'application/merge-patch+json',
              action: `update ${describeRef(ref)} (dry run)`,
            },
            options,
          );
        }
        return { ref, ok: true };
      } catch (err) {
        if (
          !(err instanceof SaKubeconfigError) ||
          err.code === 'aborted' ||
          err.code === 'unreachable' ||
          err.code === 'unauthorized' ||
          err.code === 'tls'
        )
          throw err;
        return { ref, ok: false, error: { code: err.code, message: err.message } };
      }
    }),
  );

  // 3. access checks for the verbs we will use (most were asked in wave 1)
  const actions = actionsToCheck(planWithStatus);
  const decisionsDone = early(Promise.all(actions.map((a) => askAccess(a))));

  // 4. escalation, for every created or updated role and binding at once; results in plan order
  const mayDo = (verb: string, resource: string, ns: string | undefined, name?: string) =>
    askAccess({ verb, group: 'rbac.authorization.k8s.io', resource, namespace: ns, name }).then((d) => d.allowed);
  interface Escalation {
    missing?: { namespace: string | undefined; neededFor: string; rules: PolicyRule[] };
    denied?: DeniedAction;
    note?: string;
  }
  const escalation = async (p: PlannedObject): Promise<Escalation> => {
    const o = p.object;
    const ns = o.metadata.namespace;
    if (o.kind === 'Role' || o.kind === 'ClusterRole') {
      const roleNs = o.kind === 'Role' ? ns : undefined;
      const lacking = await notHeld(roleNs, (o.rules as PolicyRule[]) ?? []);
      const resource = o.kind === 'Role' ? 'roles' : 'clusterroles';
      if (lacking.length > 0 && !(await mayDo('escalate', resource, roleNs, o.metadata.name)))
        return { missing: { namespace: roleNs, neededFor: describeRef(refOf(o)), rules: lacking } };
      return {};
    }
    if (o.kind !== 'RoleBinding' && o.kind !== 'ClusterRoleBinding') return {};
    const roleRef = o.roleRef as { kind: 'Role' | 'ClusterRole'; name: string };
    const bindNs = o.kind === 'RoleBinding' ? ns : undefined;
    const roleResource = roleRef.kind === 'Role' ? 'roles' : 'clusterroles';
    let roleRules: PolicyRule[];
    const inPlan = planRole(roleRef, ns);
    if (inPlan) {
      roleRules = (inPlan.object.rules as PolicyRule[]) ?? [];
    } else {
      const read = await readRole(roleRef, ns);
      if (read.forbidden) {
        incomplete = true;
        return {
          note:
            `You may not read ${roleRef.kind} "${roleRef.name}", so whether you hold its rules is left to ` +
            "the server's dry run.",
        };
      }
      if (!read.rules) {
        return {
          denied: {
            verb: 'bind',
            group: 'rbac.authorization.k8s.io',
            resource: roleResource,
            namespace: bindNs,
            name: roleRef.name,
            description: `bind ${roleRef.kind} "${roleRef.name}"`,
            reason:
              `${roleRef.kind} "${roleRef.name}" does not ` +
              `exist${roleRef.kind === 'Role' ? ` in namespace "${ns}"` : ''}`,
          },
        };
      }
      roleRules = read.rules;
    }
    // Non-resource rules (nonResourceURLs) are compared by the server only; we check resource rules.
    const resourceRules = roleRules.filter((r) => (r.resources ?? []).length > 0);
    const lacking = await notHeld(bindNs, resourceRules);
    if (lacking.length > 0 && !(await mayDo('bind', roleResource, bindNs, roleRef.name)))
      return { missing: { namespace: bindNs, neededFor: describeRef(refOf(o)), rules: lacking } };
    return {};
  };
  const changing = objects.filter((o) => o.status === 'create' || o.status === 'update');
  const [dryRun, decisions, escalations] = await Promise.all([
    dryRunDone,
    decisionsDone,
    Promise.all(changing.map(escalation)),
    alongside?.then(
      () => undefined,
      () => undefined,
    ),
  ]);
  const denied: DeniedAction[] = actions
    .map((a, i) => ({ a, d: decisions[i] }))
    .filter(({ d }) => !d.allowed)
    .map(({ a, d }) => ({ ...a, ...(d.reason ? { reason: d.reason } : {}) }));
  const missingRulesFound: MissingRulesEntry[] = [];
  for (const e of escalations) {
    if (e.note) notes.push(e.note);
    if (e.denied) denied.push(e.denied);
    if (!e.missing) continue;
    const { namespace, neededFor, rules } = e.missing;
    if (rules.length === 0) continue;
    const key = JSON.stringify(rules);
    const existing = missingRulesFound.find((m) => m.namespace === namespace && JSON.stringify(m.rules) === key);
    if (existing) existing.neededFor.push(neededFor);
    else missingRulesFound.push({ ...(namespace ? { namespace } : {}), neededFor: [neededFor], rules });
  }
  const roleCreateDenied = (ns?: string) =>
    denied.some(
      (d) => d.verb === 'create' && (d.resource === 'roles' || d.resource === 'clusterroles') && d.namespace === ns,
    );
  if (missingRulesFound.length > 0 && missingRulesFound.every((m) => roleCreateDenied(m.namespace)))
    notes.push('You may not create the roles at all; see the denied actions.');

  // Speculative asks whose answer turned out not to matter may still be in flight: nothing outlives the preflight.
  await Promise.all(started);
  const dryRunFailed = dryRun.some((d) => !d.ok);
  const ok =
    conflicts.length === 0 &&
    missing.length === 0 &&
    !dryRunFailed &&
    denied.length === 0 &&
    missingRulesFound.length === 0;
  return {
    plan: planWithStatus,
    ok,
    conflicts,
    missing,
    dryRun,
    denied,
    missingRules: missingRulesFound,
    incomplete,
    notes,
    requests: conn.client.requestCount - before,
  };
}

interface RoleRead {
  /** The role's rules; undefined when it does not exist. */
  rules?: PolicyRule[];
  /** The caller may not read it. */
  forbidden?: boolean;
}

async function readReferencedRole(
  conn: Connection,
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string },
  ns: string | undefined,
  options: OperationOptions,
): Promise<RoleRead> {
  try {
    const role = await conn.client.getOptional<{ rules?: PolicyRule[] }>(
      {
        path:
          roleRef.kind === 'Role'
            ? `/apis/rbac.authorization.k8s.io/v1/namespaces/${encodeURIComponent(ns ?? '')}` +
              `/roles/${encodeURIComponent(roleRef.name)}`
            : `/apis/rbac.authorization.k8s.io/v1/clusterroles/${encodeURIComponent(roleRef.name)}`,
        action: `read ${roleRef.kind} "${roleRef.name}"`,
      },
      options,
    );
    if (!role) return {};
    return {
      rules: (role.rules ?? []).map((r) => ({
        apiGroups: r.apiGroups ?? [],
        resources: r.resources ?? [],
        verbs: r.verbs ?? [],
        ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
      })),
    };
  } catch (err) {
    if (!isSaKubeconfigError(err, 'forbidden')) throw err;
    return { forbidden: true };
  }
}

function splitRes(resource: string): { resource: string; subresource?: string } {
  const i = resource.indexOf('/');
  return i === -1 ? { resource } : { resource: resource.slice(0, i), subresource: resource.slice(i + 1) };
}

/** A one-paragraph explanation of why a preflight refused, for errors and CLI output. Pure. */
export function explainRefusal(report: PreflightReport): string {
  const lines: string[] = [];
  for (const m of report.missing) lines.push(`- ${m.detail}`);
  for (const c of report.conflicts) lines.push(`- ${c.detail}`);
  for (const m of report.missingRules) {
    const where = m.namespace ? `in namespace "${m.namespace}"` : 'cluster-wide';
    lines.push(
      `- You cannot grant rules you do not hold ${where} (needed for ${m.neededFor.join(', ')}): ` +
        `${m.rules.map(formatRule).join('; ')}`,
    );
  }
  for (const d of report.denied) lines.push(`- You may not ${d.description}${d.reason ? ` (${d.reason})` : ''}`);
  for (const r of report.dryRun) if (!r.ok) lines.push(`- ${describeRef(r.ref)}: ${r.error?.message}`);
  return lines.join('\n');
}
