// Convergence: a re-run of `create` leaves the service account with what the new request grants, and no more.
// The preflight looks for the Roles, ClusterRoles and bindings sa-kubeconfig made for this service account earlier
// (label, annotation and the ownership test of ownership.ts) that the new plan no longer has: narrowed namespaces,
// a dropped --cluster-role, rules that no longer need the ClusterRole. Review, dry run and CLI output list them as
// "remove"; the apply deletes them unless the request keeps them (ProvisionRequest.keepExtra).
//
// Never pruned: Secrets (credentials are issued and revoked on their own), the ServiceAccount and the Namespace.
// Objects that carry our label but fail the ownership test are reported, never touched.
//
// Order and failure. The apply creates and updates the new objects first, then removes the stale ones: bindings
// before roles, so access goes with the binding and no binding is left pointing at a missing role. A failed apply
// deletes what it created and still removes the stale grants; nothing removed is ever put back. Removing a grant
// the new request does not have never widens access, and putting it back would re-grant what the user asked to
// drop; so after a failure the account holds at most what the new request grants. Each delete carries the uid and
// resourceVersion the preflight saw as preconditions: an object changed since (re-labelled, re-bound) is left alone.

import type { Connection } from '../cluster/connect';
import { findManagedObjects } from '../inventory/lifecycle';
import { describeRef, objectPath, refOf, type ObjectRef } from '../objects';
import { formatRule } from '../plan/rules';
import { redact } from '../redact';
import type { KubeObject, Logger, OperationOptions, Plan, PlannedRemoval, PolicyRule } from '../types';

/** The kinds a re-run may remove, in removal order. */
export const PRUNABLE_KINDS: readonly string[] = ['RoleBinding', 'ClusterRoleBinding', 'Role', 'ClusterRole'];

export interface StaleSearch {
  removals: PlannedRemoval[];
  /** Labelled and annotated for this service account, but not ours: reported, never touched. */
  notOurs: { ref: ObjectRef; reason: string }[];
  /** Places that could not be searched (Forbidden): stale grants there may remain. */
  incomplete: string[];
  requests: number;
}

const refKey = (r: { kind: string; namespace?: string; name: string }) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
const key = (o: { kind: string; metadata: { name: string; namespace?: string } }) =>
  refKey({ kind: o.kind, ...o.metadata });

/** What an RBAC object grants, in words (for the review). Pure. */
export function describeGrant(object: KubeObject): string {
  const roleRef = object.roleRef as { kind?: string; name?: string } | undefined;
  const ns = object.metadata.namespace;
  if (roleRef) return `binds ${roleRef.kind} "${roleRef.name}" ${ns ? `in namespace "${ns}"` : 'cluster-wide'}`;
  const rules = ((object.rules as PolicyRule[] | undefined) ?? []).map(formatRule);
  return rules.length > 0 ? `holds ${rules.join('; ')}` : 'holds no rules';
}

/**
 * The found objects (all ours: see findManagedObjects) the plan does not have, in removal order, as removals: kept
 * when the request says keepExtra. Only PRUNABLE_KINDS. Pure.
 */
export function staleRemovals(plan: Pick<Plan, 'objects' | 'request'>, found: KubeObject[]): PlannedRemoval[] {
  const planned = new Set(plan.objects.map((p) => key(p.object)));
  const keep = plan.request.keepExtra === true;
  return found
    .filter((o) => PRUNABLE_KINDS.includes(o.kind) && !planned.has(key(o)))
    .sort((a, b) => PRUNABLE_KINDS.indexOf(a.kind) - PRUNABLE_KINDS.indexOf(b.kind) || key(a).localeCompare(key(b)))
    .map((o) => ({
      object: trimmed(o),
      action: keep ? 'keep' : 'remove',
      detail: `no longer requested${keep ? ', kept as asked (keep extra grants)' : ''}: ${describeGrant(o)}`,
    }));
}

/** The parts of a found object the review shows and the delete needs (no managedFields, no status). */
function trimmed(o: KubeObject): KubeObject {
  const { name, namespace, labels, annotations, uid, resourceVersion } = o.metadata;
  const body: KubeObject = {
    apiVersion: o.apiVersion,
    kind: o.kind,
    metadata: {
      name,
      ...(namespace ? { namespace } : {}),
      ...(labels ? { labels } : {}),
      ...(annotations ? { annotations } : {}),
      uid,
      resourceVersion,
    },
  };
  for (const field of ['rules', 'aggregationRule', 'roleRef', 'subjects']) {
    if (o[field] !== undefined) body[field] = o[field];
  }
  return body;
}

/** Finds this service account's earlier grants that the plan no longer has (4 list requests). */
export async function findStale(conn: Connection, plan: Plan, options: OperationOptions = {}): Promise<StaleSearch> {
  const before = conn.client.requestCount;
  const { namespace, serviceAccount } = plan.request;
  const found = await findManagedObjects(conn, namespace, serviceAccount, options, PRUNABLE_KINDS);
  return {
    removals: staleRemovals(
      plan,
      found.objects.map((o) => o.object),
    ),
    notOurs: found.notOurs.filter((n) => PRUNABLE_KINDS.includes(n.ref.kind)),
    incomplete: found.incomplete,
    requests: conn.client.requestCount - before,
  };
}

export interface RemovalOutcome {
  removed: ObjectRef[];
  /** Removals that failed, or were skipped because the object changed since the preflight: these still exist. */
  removeFailed: { ref: ObjectRef; message: string }[];
}

/**
 * Deletes the removals marked 'remove' that `outcome` does not list yet, in order (bindings before roles), each only
 * if it is still the object the preflight saw. Not cancellable: a half-done removal is what it exists to avoid.
 */
export async function removeStale(
  conn: Connection,
  removals: PlannedRemoval[],
  outcome: RemovalOutcome,
  logger?: Logger,
): Promise<void> {
  const done = new Set([...outcome.removed, ...outcome.removeFailed.map((f) => f.ref)].map(refKey));
  const pending = removals
    .filter((r) => r.action === 'remove' && !done.has(key(r.object)))
    .sort((a, b) => PRUNABLE_KINDS.indexOf(a.object.kind) - PRUNABLE_KINDS.indexOf(b.object.kind));
  for (const removal of pending) {
    const ref = refOf(removal.object);
    const { uid, resourceVersion } = removal.object.metadata as { uid?: string; resourceVersion?: string };
    try {
      const res = await conn.client.requestRaw(
        {
          method: 'DELETE',
          path: objectPath(ref),
          action: `remove ${describeRef(ref)}`,
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
            ...(uid ? { preconditions: { uid, resourceVersion } } : {}),
          },
        },
        { logger },
      );
      if (res.status === 409) {
        outcome.removeFailed.push({ ref, message: 'it changed after the check; left alone (run again to see it)' });
        logger?.warn(`left ${describeRef(ref)} alone: it changed after the check`);
        continue;
      }
      if (res.status >= 300 && res.status !== 404) throw new Error(`HTTP ${res.status}`);
      outcome.removed.push(ref);
      logger?.info(`removed ${describeRef(ref)} (no longer requested)`);
    } catch (err) {
      outcome.removeFailed.push({ ref, message: redact((err as Error).message) });
      logger?.error(`could not remove ${describeRef(ref)}: ${redact((err as Error).message)}`);
    }
  }
}
