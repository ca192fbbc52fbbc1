// The life-cycle operations on what sa-kubeconfig made, found by its label and annotation:
//   findManagedObjects  everything we made for one service account (Secrets read metadata only: never their data)
//   deleteManaged       delete exactly that, bindings first, nothing else (credential Secrets included)
// Credentials (issue, list, revoke, rotate) are core/credentials'. Reading service accounts is read.ts's; the pure
// parts are in parse.ts.
//
// Cancellation is cooperative, as in apply: reads and waits get the signal, a request that changes the cluster
// never does (an aborted DELETE or POST may still be carried out by the server without this run learning of it),
// and the signal is checked between steps.

import type { KubeObject, OperationOptions } from '../types';
import type { Connection } from '../cluster/connect';
import { redact } from '../redact';
import { isSaKubeconfigError, SaKubeconfigError } from '../cluster/errors';
import { mapLimit, METADATA_ONLY_LIST } from '../cluster/util';
import { describeRef, isManaged, managedFor, objectPath, type ObjectRef } from '../apply/objects';
import { serviceAccountKey } from '../plan/names';
import { ForbiddenNotes, MANAGED_SELECTOR, RBAC_PATH as RBAC } from './read';

export interface ManagedObjects {
  objects: (ObjectRef & { object: KubeObject })[];
  /** Places we could not search (Forbidden): objects there may remain. */
  incomplete: string[];
}

/** Everything labelled as ours and annotated for this service account. */
export async function findManagedObjects(conn: Connection, namespace: string, serviceAccount: string, options: OperationOptions = {}): Promise<ManagedObjects> {
  const key = serviceAccountKey(namespace, serviceAccount);
  const ns = encodeURIComponent(namespace);
  const q = { labelSelector: MANAGED_SELECTOR };
  const sources: { apiVersion: string; kind: string; all?: string; local?: string; metadataOnly?: boolean }[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', all: `${RBAC}/rolebindings`, local: `${RBAC}/namespaces/${ns}/rolebindings` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', all: `${RBAC}/clusterrolebindings` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', all: `${RBAC}/roles`, local: `${RBAC}/namespaces/${ns}/roles` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', all: `${RBAC}/clusterroles` },
    // Metadata only: a Secret's data never crosses the wire; what we made is shown and deleted by its metadata.
    { apiVersion: 'v1', kind: 'Secret', local: `/api/v1/namespaces/${ns}/secrets`, metadataOnly: true },
    { apiVersion: 'v1', kind: 'ServiceAccount', local: `/api/v1/namespaces/${ns}/serviceaccounts` },
    { apiVersion: 'v1', kind: 'Namespace', all: '/api/v1/namespaces' },
  ];
  const forbidden = new ForbiddenNotes((what) => what);
  const list = (path: string, metadataOnly?: boolean) => () => conn.client.request<{ items?: KubeObject[] }>({
    method: 'GET', path, query: q, ...(metadataOnly ? { accept: METADATA_ONLY_LIST } : {}), action: `list ${path}`,
  }, options).then((l) => l.items ?? []);
  const lists = await mapLimit(sources, 7, async (src) => {
    let items: KubeObject[] | undefined;
    if (src.all) items = await forbidden.attempt(`${src.kind}s in all namespaces`, list(src.all), Boolean(src.local));
    if (!items && src.local) {
      items = await forbidden.attempt(`${src.kind}s in namespace "${namespace}"`, list(src.local, src.metadataOnly));
      if (items && src.all) forbidden.notes.push(`${src.kind}s in other namespaces`);
    }
    return (items ?? []).map((object) => ({
      apiVersion: src.apiVersion, kind: src.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}),
      object: { ...object, apiVersion: src.apiVersion, kind: src.kind } as KubeObject,
    }));
  });
  const objects = lists.flat().filter((o) => isManaged(o.object) && managedFor(o.object) === key);
  return { objects, incomplete: forbidden.notes };
}

// ---- delete ----

export interface DeleteResult {
  deleted: ObjectRef[];
  /** Found but not deleted, with the reason (e.g. the namespace, unless includeNamespace). */
  kept: { ref: ObjectRef; reason: string }[];
  failed: { ref: ObjectRef; message: string }[];
  incomplete: string[];
  dryRun: boolean;
}

const DELETE_ORDER = ['RoleBinding', 'ClusterRoleBinding', 'Role', 'ClusterRole', 'Secret', 'ServiceAccount', 'Namespace'];

/**
 * Deletes everything sa-kubeconfig made for the service account (label + annotation), bindings first so the
 * credential loses its rights before anything else. The namespace only with includeNamespace: deleting it
 * deletes everything in it, including what others put there. A service account sa-kubeconfig did not make (one it
 * used as it is) is never deleted: it is listed under `kept`, with why.
 */
export async function deleteManaged(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; includeNamespace?: boolean; dryRun?: boolean },
  options: OperationOptions = {},
): Promise<DeleteResult> {
  const found = await findManagedObjects(conn, args.namespace, args.serviceAccount, options);
  const result: DeleteResult = { deleted: [], kept: [], failed: [], incomplete: found.incomplete, dryRun: args.dryRun === true };
  if (!found.objects.some((o) => o.kind === 'ServiceAccount')) {
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'ServiceAccount', name: args.serviceAccount, namespace: args.namespace };
    const live = await conn.client.getOptional<KubeObject>({ path: objectPath(ref), action: `read ${describeRef(ref)}` }, options)
      .catch((err: unknown) => { if (isSaKubeconfigError(err, 'forbidden')) return undefined; throw err; });
    if (live) {
      result.kept.push({
        ref, reason: isManaged(live)
          ? `it was made by sa-kubeconfig for ${managedFor(live) ?? 'another service account'}`
          : 'it was not made by sa-kubeconfig (it was used as it is), so only what sa-kubeconfig made for it is deleted',
      });
    }
  }
  const sorted = [...found.objects].sort((a, b) => DELETE_ORDER.indexOf(a.kind) - DELETE_ORDER.indexOf(b.kind));
  const writes: OperationOptions = { logger: options.logger };
  for (const o of sorted) {
    const ref: ObjectRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) };
    if (o.kind === 'Namespace' && !args.includeNamespace) {
      result.kept.push({ ref, reason: 'namespaces are only deleted when asked (it would delete everything in it)' });
      continue;
    }
    if (args.dryRun) { result.deleted.push(ref); continue; }
    if (options.signal?.aborted) throw cancelledDeleting(result);
    try {
      const res = await conn.client.requestRaw({ method: 'DELETE', path: objectPath(ref), query: { propagationPolicy: 'Background' }, action: `delete ${describeRef(ref)}` }, writes);
      if (res.status === 404 || (res.status >= 200 && res.status < 300)) result.deleted.push(ref);
      else result.failed.push({ ref, message: `HTTP ${res.status}` });
      options.logger?.info(`deleted ${describeRef(ref)}`);
    } catch (err) {
      result.failed.push({ ref, message: redact((err as Error).message) });
    }
  }
  return result;
}

/** A cancel part-way through deleteManaged: says what is already gone, and carries the result in `details.deleteResult`. */
function cancelledDeleting(result: DeleteResult): SaKubeconfigError {
  const done = result.deleted.length > 0 ? ` Already deleted: ${result.deleted.map(describeRef).join(', ')}.` : ' Nothing was deleted.';
  return new SaKubeconfigError('aborted', `Cancelled.${done}`, { details: { deleteResult: result } });
}
