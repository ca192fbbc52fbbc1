// The life-cycle operations on what sa-kubeconfig made, found by its label and annotation:
//   findManagedObjects  everything we made for one service account, by label, annotation and the ownership test
//                       (apply/ownership.ts); Secrets are listed metadata only, never with their data
//   deleteManaged       delete exactly that, bindings first, nothing else (credential Secrets included)
// Credentials (issue, list, revoke, rotate) are core/credentials'. Reading service accounts is read.ts's; the pure
// parts are in parse.ts.
//
// Cancellation is cooperative, as in apply: reads and waits get the signal, a request that changes the cluster
// never does (an aborted DELETE or POST may still be carried out by the server without this run learning of it),
// and the signal is checked between steps.

import { NOT_OURS, notOursBecause } from '../apply/ownership';
import type { Connection } from '../cluster/connect';
import { mapLimit, METADATA_ONLY_LIST } from '../cluster/util';
import { isSaKubeconfigError, SaKubeconfigError } from '../errors';
import { describeRef, isManaged, managedFor, objectPath, refOf, type ObjectRef } from '../objects';
import { serviceAccountKey } from '../plan/names';
import { redact } from '../redact';
import { SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import type { KubeObject, OperationOptions } from '../types';
import { ForbiddenNotes, MANAGED_SELECTOR, RBAC_PATH as RBAC } from './read';

export interface ManagedObjects {
  objects: (ObjectRef & { object: KubeObject })[];
  /** Labelled as ours and annotated for this service account, but not ours (see apply/ownership.ts): never touched. */
  notOurs: { ref: ObjectRef; reason: string }[];
  /** Places we could not search (Forbidden): objects there may remain. */
  incomplete: string[];
}

/**
 * Everything sa-kubeconfig made for this service account: labelled as ours, annotated for it, and passing the
 * ownership test (generated name; bindings of only this account). `kinds` limits the search (fewer requests).
 */
export async function findManagedObjects(
  conn: Connection,
  namespace: string,
  serviceAccount: string,
  options: OperationOptions = {},
  kinds?: readonly string[],
): Promise<ManagedObjects> {
  const key = serviceAccountKey(namespace, serviceAccount);
  const ns = encodeURIComponent(namespace);
  const q = { labelSelector: MANAGED_SELECTOR };
  const allSources: { apiVersion: string; kind: string; all?: string; local?: string; secretType?: string }[] = [
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      all: `${RBAC}/rolebindings`,
      local: `${RBAC}/namespaces/${ns}/rolebindings`,
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', all: `${RBAC}/clusterrolebindings` },
    {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'Role',
      all: `${RBAC}/roles`,
      local: `${RBAC}/namespaces/${ns}/roles`,
    },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', all: `${RBAC}/clusterroles` },
    // Secrets metadata only (their data never crosses the wire in a list), one list per type: the ownership test
    // needs the type, which a metadata-only list does not carry.
    {
      apiVersion: 'v1',
      kind: 'Secret',
      local: `/api/v1/namespaces/${ns}/secrets`,
      secretType: SERVICE_ACCOUNT_TOKEN_TYPE,
    },
    { apiVersion: 'v1', kind: 'Secret', local: `/api/v1/namespaces/${ns}/secrets`, secretType: 'Opaque' },
    { apiVersion: 'v1', kind: 'ServiceAccount', local: `/api/v1/namespaces/${ns}/serviceaccounts` },
    { apiVersion: 'v1', kind: 'Namespace', all: '/api/v1/namespaces' },
  ];
  const sources = kinds ? allSources.filter((src) => kinds.includes(src.kind)) : allSources;
  const forbidden = new ForbiddenNotes((what) => what);
  const list = (path: string, secretType?: string) => () =>
    conn.client
      .request<{ items?: KubeObject[] }>(
        {
          method: 'GET',
          path,
          query: secretType ? { ...q, fieldSelector: `type=${secretType}` } : q,
          ...(secretType ? { accept: METADATA_ONLY_LIST } : {}),
          action: `list ${path}`,
        },
        options,
      )
      .then((l) => l.items ?? []);
  // An Opaque Secret is ours only when empty (ownership.ts): read in full just the labelled candidates, which are
  // empty when they are ours; what a foreign one holds is only tested for presence and dropped here.
  const withOpaqueData = async (object: KubeObject): Promise<KubeObject> => {
    if (object.kind !== 'Secret' || object.type !== 'Opaque') return object;
    const full = await conn.client.getOptional<KubeObject>(
      { path: objectPath(refOf(object)), action: `read Secret "${object.metadata.name}"` },
      options,
    );
    return full ? { ...object, data: full.data ?? {} } : object;
  };
  const lists = await mapLimit(sources, 7, async (src) => {
    let items: KubeObject[] | undefined;
    if (src.all) items = await forbidden.attempt(`${src.kind}s in all namespaces`, list(src.all), Boolean(src.local));
    if (!items && src.local) {
      items = await forbidden.attempt(`${src.kind}s in namespace "${namespace}"`, list(src.local, src.secretType));
      if (items && src.all) forbidden.notes.push(`${src.kind}s in other namespaces`);
    }
    const labelled = (items ?? []).filter((item) => isManaged(item) && managedFor(item) === key);
    return mapLimit(labelled, 4, async (item) => {
      const object = {
        ...item,
        apiVersion: src.apiVersion,
        kind: src.kind,
        ...(src.secretType ? { type: src.secretType } : {}),
      } as KubeObject;
      const notOurs = notOursBecause(await withOpaqueData(object), namespace, serviceAccount);
      return { ...refOf(object), object, ...(notOurs ? { notOurs } : {}) };
    });
  });
  const found = lists.flat();
  return {
    objects: found.filter((o) => o.notOurs === undefined).map(({ notOurs: _n, ...o }) => o),
    notOurs: found
      .filter((o) => o.notOurs !== undefined)
      .map((o) => ({ ref: refOf(o.object), reason: o.notOurs as string })),
    incomplete: forbidden.notes,
  };
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

const DELETE_ORDER = [
  'RoleBinding',
  'ClusterRoleBinding',
  'Role',
  'ClusterRole',
  'Secret',
  'ServiceAccount',
  'Namespace',
];

/**
 * Deletes everything sa-kubeconfig made for the service account (label, annotation and the ownership test of
 * apply/ownership.ts), bindings first so the credential loses its rights before anything else. Objects that carry the
 * label and annotation but fail the test are listed under `kept` and never deleted. The namespace only with
 * includeNamespace: deleting it deletes everything in it, including what others put there. A service account
 * sa-kubeconfig did not make (one it used as it is) is never deleted: it is listed under `kept`, with why.
 */
export async function deleteManaged(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; includeNamespace?: boolean; dryRun?: boolean },
  options: OperationOptions = {},
): Promise<DeleteResult> {
  const found = await findManagedObjects(conn, args.namespace, args.serviceAccount, options);
  const result: DeleteResult = {
    deleted: [],
    kept: [],
    failed: [],
    incomplete: found.incomplete,
    dryRun: args.dryRun === true,
  };
  for (const o of found.notOurs) result.kept.push({ ref: o.ref, reason: `${NOT_OURS}: ${o.reason}` });
  if (!found.objects.some((o) => o.kind === 'ServiceAccount')) {
    const ref: ObjectRef = {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      name: args.serviceAccount,
      namespace: args.namespace,
    };
    const live = await conn.client
      .getOptional<KubeObject>({ path: objectPath(ref), action: `read ${describeRef(ref)}` }, options)
      .catch((err: unknown) => {
        if (isSaKubeconfigError(err, 'forbidden')) return undefined;
        throw err;
      });
    if (live) {
      result.kept.push({
        ref,
        reason: isManaged(live)
          ? `it was made by sa-kubeconfig for ${managedFor(live) ?? 'another service account'}`
          : 'it was not made by sa-kubeconfig (it was used as it is), ' +
            'so only what sa-kubeconfig made for it is deleted',
      });
    }
  }
  const sorted = [...found.objects].sort((a, b) => DELETE_ORDER.indexOf(a.kind) - DELETE_ORDER.indexOf(b.kind));
  const writes: OperationOptions = { logger: options.logger };
  for (const o of sorted) {
    const ref: ObjectRef = {
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.name,
      ...(o.namespace ? { namespace: o.namespace } : {}),
    };
    if (o.kind === 'Namespace' && !args.includeNamespace) {
      result.kept.push({ ref, reason: 'namespaces are only deleted when asked (it would delete everything in it)' });
      continue;
    }
    if (args.dryRun) {
      result.deleted.push(ref);
      continue;
    }
    if (options.signal?.aborted) throw cancelledDeleting(result);
    try {
      // Only the object that passed the ownership test: a role or binding changed since (re-bound) fails with 409.
      // Other kinds only by uid: the API server itself updates token Secrets (legacy-token-last-used).
      const { uid, resourceVersion } = o.object.metadata as { uid?: string; resourceVersion?: string };
      const rbac = ref.apiVersion.startsWith('rbac.authorization.k8s.io/');
      const res = await conn.client.requestRaw(
        {
          method: 'DELETE',
          path: objectPath(ref),
          action: `delete ${describeRef(ref)}`,
          body: {
            apiVersion: 'v1',
            kind: 'DeleteOptions',
            propagationPolicy: 'Background',
            ...(uid ? { preconditions: { uid, ...(rbac ? { resourceVersion } : {}) } } : {}),
          },
        },
        writes,
      );
      if (res.status === 404 || (res.status >= 200 && res.status < 300)) result.deleted.push(ref);
      else if (res.status === 409) result.failed.push({ ref, message: 'it changed after it was checked; left alone' });
      else result.failed.push({ ref, message: `HTTP ${res.status}` });
      options.logger?.info(`deleted ${describeRef(ref)}`);
    } catch (err) {
      result.failed.push({ ref, message: redact((err as Error).message) });
    }
  }
  return result;
}

/**
 * A cancel part-way through deleteManaged: says what is already gone, and carries the result in `details.deleteResult`.
 */
function cancelledDeleting(result: DeleteResult): SaKubeconfigError {
  const done =
    result.deleted.length > 0
      ? ` Already deleted: ${result.deleted.map(describeRef).join(', ')}.`
      : ' Nothing was deleted.';
  return new SaKubeconfigError('aborted', `Cancelled.${done}`, { details: { deleteResult: result } });
}
