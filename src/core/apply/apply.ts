// Applying a checked plan: create or update only what the preflight marked, idempotently. Objects the plan uses
// as they are (an existing service account) are never sent, and so never rolled back.
//
// Objects go out in stages (applyStages): the Namespace, then the ServiceAccount and roles together, then the
// bindings together; one round trip per stage, whatever the number of namespaces.
//
// Cancellation is cooperative: the signal is checked between stages, never handed to a create, patch or delete
// in flight. An aborted POST may still have made its object on the server without this run learning of it, and
// rollback, which deletes only what the run recorded, would miss it.
//
// Failure part-way: we ROLL BACK. Every object this run created is deleted again (newest first), so no
// half-made credential (a ServiceAccount with a binding but no kubeconfig, a token Secret nobody knows
// about) stays behind. Objects this run only updated are managed by us (or adopted with consent) and are
// left as updated: a re-run of the same request converges them. The result lists what was rolled back and
// what could not be (a rollback that fails is reported, never hidden).
//
// Convergence (prune.ts): after the planned objects, the earlier grants the plan no longer has are removed,
// bindings before roles. A failure deletes what this run created and still removes those grants; nothing removed is
// put back. So a failed run leaves the account with at most what the new request grants.

import type { Connection } from '../cluster/connect';
import { throwIfAborted } from '../cluster/util';
import { isRetriedCreateConflict, isSaKubeconfigError, SaKubeconfigError } from '../errors';
import { describeRef, isManaged, objectPath, refOf, type ObjectRef } from '../objects';
import { redact } from '../redact';
import type { KubeObject, Logger, OperationOptions, Plan, PlannedObject } from '../types';
import { createBody, diffOwned, immutableChanges, ownedMergePatch } from './diff';
import { classify, explainRefusal, preflight, type PreflightReport } from './preflight';
import { removeStale } from './prune';

export interface ApplyResult {
  created: ObjectRef[];
  updated: ObjectRef[];
  unchanged: ObjectRef[];
  /** Used as they are, never sent or changed (an existing service account). */
  used: ObjectRef[];
  /** Created by this run, then deleted again because a later step failed. */
  rolledBack: ObjectRef[];
  /** Rollback deletions that failed: these objects still exist. */
  rollbackFailed: { ref: ObjectRef; message: string }[];
  /** Earlier grants of the service account this request no longer has, removed (see prune.ts). */
  removed: ObjectRef[];
  /** Such grants that could not be removed: they still exist and still grant. */
  removeFailed: { ref: ObjectRef; message: string }[];
  /** Such grants kept because the request said so (keepExtra). */
  kept: ObjectRef[];
  /** Requests the apply sent (without the preflight). */
  requests: number;
}

export interface ApplyOptions extends OperationOptions {
  /** A preflight already run for this plan; otherwise apply runs one. */
  preflight?: PreflightReport;
  /** Called once the planned Namespace / ServiceAccount exists (created, updated or found): issuing may go on. */
  onReady?: (kind: 'Namespace' | 'ServiceAccount') => void;
}

const BINDING_KINDS = new Set(['RoleBinding', 'ClusterRoleBinding']);

/**
 * The planned objects in the order they can be sent: the Namespace, then everything in it that depends on nothing
 * else (ServiceAccount, Roles, ClusterRoles), then the bindings (RBAC checks a binding against its role, so the role
 * must exist first). Objects of one stage go out together. Pure.
 */
export function applyStages(objects: PlannedObject[]): PlannedObject[][] {
  const stages: PlannedObject[][] = [
    objects.filter((p) => p.object.kind === 'Namespace'),
    objects.filter((p) => p.object.kind !== 'Namespace' && !BINDING_KINDS.has(p.object.kind)),
    objects.filter((p) => BINDING_KINDS.has(p.object.kind)),
  ];
  return stages.filter((stage) => stage.length > 0);
}

/**
 * Applies the plan. Refuses (throws, creating nothing) when the preflight found conflicts, missing
 * permissions or dry-run failures. On a failure part-way it rolls back what it created and throws the
 * error with `details.applyResult`.
 */
export async function apply(conn: Connection, plan: Plan, options: ApplyOptions = {}): Promise<ApplyResult> {
  const report = options.preflight ?? (await preflight(conn, plan, options));
  refuseUnlessOk(report);
  const before = conn.client.requestCount;
  const removals = report.plan.removals ?? [];
  const result: ApplyResult = {
    created: [],
    updated: [],
    unchanged: [],
    used: [],
    rolledBack: [],
    rollbackFailed: [],
    removed: [],
    removeFailed: [],
    kept: removals.filter((r) => r.action === 'keep').map((r) => refOf(r.object)),
    requests: 0,
  };
  const refKey = (r: ObjectRef) => `${r.kind}/${r.namespace ?? ''}/${r.name}`;
  const order = new Map(report.plan.objects.map((p, i) => [refKey(refOf(p.object)), i]));
  const planIndex = (r: ObjectRef) => order.get(refKey(r)) ?? order.size;
  // Requests that change the cluster get no signal (see the top of this file); reads do.
  const writes: OperationOptions = { logger: options.logger };
  try {
    for (const stage of applyStages(report.plan.objects)) {
      throwIfAborted(options.signal);
      // Objects of one stage go out together; a failure waits for the others, so that rollback knows them all.
      const sent = await Promise.allSettled(
        stage.map((p) => applyOne(conn, p, plan.request.adoptUnmanaged === true, result, writes)),
      );
      // In plan order whatever the order the answers came in: rollback deletes newest first.
      result.created.sort((a, b) => planIndex(a) - planIndex(b));
      const failed = sent.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      for (const kind of ['Namespace', 'ServiceAccount'] as const)
        if (stage.some((p) => p.object.kind === kind)) options.onReady?.(kind);
    }
    throwIfAborted(options.signal);
    await removeStale(conn, removals, result, options.logger);
    if (result.removeFailed.length > 0) {
      const why = result.removeFailed.map((f) => f.message).join('; ');
      const count = result.removeFailed.length;
      const message = `Could not remove ${count} earlier grant(s) the request no longer has (${why}).`;
      throw new SaKubeconfigError('server', message, {
        hint: 'They still grant what they held. Run the request again, or delete them by hand.',
      });
    }
  } catch (err) {
    options.logger?.error(`Apply failed: ${redact((err as Error).message)}; rolling back what this run created.`);
    await rollback(conn, result, options.logger);
    // Never put back what was removed, and finish removing: see the top of this file.
    await removeStale(conn, removals, result, options.logger);
    result.requests = conn.client.requestCount - before;
    throw withApplyResult(err, result);
  }
  result.requests = conn.client.requestCount - before;
  return result;
}

/** Namespaces the server's dry run said do not exist, in plan order. Pure. */
export function missingNamespaces(report: Pick<PreflightReport, 'dryRun'>): string[] {
  const names = report.dryRun
    .filter((d) => !d.ok && d.error?.code === 'notFound' && /namespace/i.test(d.error.message ?? '') && d.ref.namespace)
    .map((d) => d.ref.namespace as string);
  return [...new Set(names)];
}

/**
 * Says which namespaces are missing and what to do. Only the service account's own namespace can be created by
 * sa-kubeconfig (--create-namespace); the other namespaces permissions are granted in must exist already. Pure.
 */
export function describeMissingNamespaces(
  serviceAccountNamespace: string,
  missing: string[],
): { message: string; hint: string } {
  const own = missing.includes(serviceAccountNamespace);
  const others = missing.filter((n) => n !== serviceAccountNamespace);
  const quoted = (names: string[]) => names.map((n) => `"${n}"`).join(', ');
  const parts: string[] = [];
  const hints: string[] = [];
  if (own) {
    parts.push(`the service account's namespace "${serviceAccountNamespace}" does not exist`);
    hints.push(
      `Ask sa-kubeconfig to create "${serviceAccountNamespace}" (--create-namespace), or pick an existing namespace.`,
    );
  }
  if (others.length > 0) {
    parts.push(
      `${others.length === 1 ? 'namespace' : 'namespaces'} ${quoted(others)}, ` +
        `where permissions were to be granted (--namespaces), ${others.length === 1 ? 'does' : 'do'} not exist`,
    );
    hints.push(
      `Create ${others.length === 1 ? 'it' : 'them'} first (kubectl create namespace ${others.join(' ')}) or ` +
        `leave ${others.length === 1 ? 'it' : 'them'} out of --namespaces; ` +
        "--create-namespace only creates the service account's own " +
        `namespace${own ? '' : ` ("${serviceAccountNamespace}")`}.`,
    );
  }
  return { message: `Nothing was created: ${parts.join(', and ')}.`, hint: hints.join(' ') };
}

export function refuseUnlessOk(report: PreflightReport): void {
  if (report.ok) return;
  const why = explainRefusal(report);
  if (report.conflicts.length > 0 && report.missingRules.length === 0 && report.denied.length === 0) {
    throw new SaKubeconfigError(
      'unmanagedConflict',
      `Nothing was created: objects with the same names already exist.\n${why}`,
      { details: report },
    );
  }
  const missing = missingNamespaces(report);
  const missingAccounts = report.missing;
  if (missingAccounts.length > 0 && !missing.includes(report.plan.request.namespace)) {
    const others = why.split('\n').filter((line) => !missingAccounts.some((m) => line === `- ${m.detail}`));
    const ref = missingAccounts[0].ref;
    throw new SaKubeconfigError(
      'notFound',
      `Nothing was created: service account "${ref.name}" does not exist in namespace ` +
        `"${ref.namespace ?? ''}".${others.length > 0 ? `\n${others.join('\n')}` : ''}`,
      {
        details: report,
        hint:
          `Create it first (kubectl create serviceaccount ${ref.name} -n ${ref.namespace ?? ''}), ` +
          'or choose a new service account ' +
          '(leave out --existing-service-account and --existing-secret; ' +
          '"New" in the wizard) that sa-kubeconfig makes for you.',
      },
    );
  }
  if (
    missing.length > 0 &&
    report.missingRules.length === 0 &&
    report.denied.length === 0 &&
    report.conflicts.length === 0
  ) {
    const { message, hint } = describeMissingNamespaces(report.plan.request.namespace, missing);
    throw new SaKubeconfigError('notFound', message, { details: report, hint });
  }
  if (report.missingRules.length > 0 || report.denied.length > 0) {
    throw new SaKubeconfigError('escalation', `Nothing was created: you lack permissions this request needs.\n${why}`, {
      details: report,
    });
  }
  throw new SaKubeconfigError('invalid', `Nothing was created: the server's dry run rejected the plan.\n${why}`, {
    details: report,
    hint: 'Fix what the server names and try again.',
  });
}

async function applyOne(
  conn: Connection,
  p: PlannedObject,
  adopt: boolean,
  result: ApplyResult,
  options: OperationOptions,
): Promise<void> {
  const ref = refOf(p.object);
  const logger = options.logger;
  switch (p.status) {
    case 'unchanged':
      result.unchanged.push(ref);
      return;
    case 'use':
      result.used.push(ref);
      return;
    case 'missing':
      throw new SaKubeconfigError(
        'notFound',
        `Nothing was created: ${p.detail ?? `${describeRef(ref)} does not exist`}.`,
      );
    case 'conflict':
      throw new SaKubeconfigError('unmanagedConflict', p.detail ?? `${describeRef(ref)} conflicts`);
    case 'update':
      await update(conn, p.object, undefined, result, options);
      return;
    case 'create':
    default: {
      try {
        await conn.client.request(
          {
            method: 'POST',
            path: objectPath(ref, false),
            body: createBody(p.object),
            action: `create ${describeRef(ref)}`,
          },
          options,
        );
        logger?.info(`created ${describeRef(ref)}`);
        result.created.push(ref);
      } catch (err) {
        if (!isSaKubeconfigError(err, 'conflict')) throw err;
        // Someone made it between preflight and now: look again, as the preflight would have.
        const live = await conn.client.getOptional<KubeObject>(
          { path: objectPath(ref), action: `read ${describeRef(ref)}` },
          options,
        );
        const again = classify(p.object, live, adopt);
        if (again.status === 'conflict')
          throw new SaKubeconfigError('unmanagedConflict', again.detail ?? `${describeRef(ref)} appeared meanwhile`);
        // Sent again after a busy answer: an equal object of ours is what our first attempt made (rollback needs it).
        if (again.status === 'unchanged') (isRetriedCreateConflict(err) ? result.created : result.unchanged).push(ref);
        else await update(conn, p.object, live, result, options);
      }
    }
  }
}

async function update(
  conn: Connection,
  planned: KubeObject,
  live: KubeObject | undefined,
  result: ApplyResult,
  options: OperationOptions,
): Promise<void> {
  const ref = refOf(planned);
  live ??= await conn.client.getOptional<KubeObject>(
    { path: objectPath(ref), action: `read ${describeRef(ref)}` },
    options,
  );
  if (!live) {
    await conn.client.request(
      { method: 'POST', path: objectPath(ref, false), body: createBody(planned), action: `create ${describeRef(ref)}` },
      options,
    );
    result.created.push(ref);
    return;
  }
  if (diffOwned(planned, live).length === 0) {
    result.unchanged.push(ref);
    return;
  }
  if (immutableChanges(planned, live).length > 0) {
    // roleRef / Secret type cannot change in place: replace (only ever objects we own or were allowed to adopt).
    await conn.client.request(
      { method: 'DELETE', path: objectPath(ref), action: `replace ${describeRef(ref)} (delete)` },
      options,
    );
    await conn.client.request(
      {
        method: 'POST',
        path: objectPath(ref, false),
        body: createBody(planned),
        action: `replace ${describeRef(ref)} (create)`,
      },
      options,
    );
  } else {
    await conn.client.request(
      {
        method: 'PATCH',
        path: objectPath(ref),
        body: ownedMergePatch(planned),
        contentType: 'application/merge-patch+json',
        action: `update ${describeRef(ref)}`,
      },
      options,
    );
  }
  options.logger?.info(`updated ${describeRef(ref)}${isManaged(live) ? '' : ' (adopted)'}`);
  result.updated.push(ref);
}

/**
 * Deletes what `result.created` lists, newest first, and moves each to rolledBack (or rollbackFailed).
 * Not cancellable on purpose: a rollback interrupted half-way would leave the half-made state it exists to remove.
 */
export async function rollback(conn: Connection, result: ApplyResult, logger?: Logger): Promise<void> {
  for (const ref of [...result.created].reverse()) {
    try {
      const res = await conn.client.requestRaw({
        method: 'DELETE',
        path: objectPath(ref),
        query: { propagationPolicy: 'Background' },
      });
      if (res.status >= 300 && res.status !== 404) throw new Error(`HTTP ${res.status}`);
      result.rolledBack.push(ref);
      logger?.info(`rolled back ${describeRef(ref)}`);
    } catch (err) {
      result.rollbackFailed.push({ ref, message: (err as Error).message });
      logger?.error(`could not roll back ${describeRef(ref)}: ${redact((err as Error).message)}`);
    }
  }
  result.created = result.created.filter((r) => !result.rolledBack.includes(r));
}

function withApplyResult(err: unknown, result: ApplyResult): SaKubeconfigError {
  const rolled = result.rolledBack.length > 0 ? ` Rolled back: ${result.rolledBack.map(describeRef).join(', ')}.` : '';
  const removed =
    result.removed.length > 0
      ? ` Removed as requested (not put back): ${result.removed.map(describeRef).join(', ')}.`
      : '';
  const left =
    result.rollbackFailed.length > 0
      ? ` Could NOT roll back (delete by hand): ${result.rollbackFailed.map((f) => describeRef(f.ref)).join(', ')}.`
      : '';
  const notRemoved = result.removeFailed.map((f) => describeRef(f.ref)).join(', ');
  const stale = notRemoved ? ` Could NOT remove earlier grants (delete by hand): ${notRemoved}.` : '';
  if (err instanceof SaKubeconfigError) {
    return new SaKubeconfigError(err.code, `${err.message}${rolled}${removed}${left}${stale}`, {
      hint: err.hint,
      status: err.status,
      cause: err,
      details: { applyResult: result, cause: err.details },
    });
  }
  return new SaKubeconfigError('server', `Apply failed: ${(err as Error).message}.${rolled}${removed}${left}${stale}`, {
    cause: err,
    details: { applyResult: result },
  });
}
