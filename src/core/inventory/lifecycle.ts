// The life-cycle operations on what sa-kubeconfig made, found by its label and annotation:
//   findManagedObjects  everything we made for one service account (Secrets without their data), by label,
//                       annotation and the ownership test (apply/ownership.ts)
//   deleteManaged       delete exactly that, bindings first, nothing else
//   revoke              delete the token Secrets we made (long-lived, or the Secret time-bound tokens are bound to)
//   rotate              a new token (replacing the long-lived or binding Secret, which revokes the old token)
// Reading service accounts is read.ts's; the pure parts are in parse.ts.
//
// Cancellation is cooperative, as in apply: reads and waits get the signal, a request that changes the cluster
// never does (an aborted DELETE or POST may still be carried out by the server without this run learning of it),
// and the signal is checked between steps. Once rotate has revoked the old credential it finishes, so that a
// cancel never leaves a service account without its binding Secret or without the one token still valid.

import type { KubeconfigOptions, KubeObject, OperationOptions } from '../types';
import type { Connection } from '../cluster/connect';
import { redact } from '../redact';
import { isSaKubeconfigError, SaKubeconfigError } from '../cluster/errors';
import { mapLimit, sleep, throwIfAborted } from '../cluster/util';
import { describeRef, isManaged, managedFor, objectPath, refOf, type ObjectRef } from '../apply/objects';
import { NOT_OURS, notOursBecause } from '../apply/ownership';
import { serviceAccountKey, tokenBindingSecretName } from '../plan/names';
import { SERVICE_ACCOUNT_TOKEN_TYPE, requestToken, waitForTokenSecret, type SecretObject, type ServiceAccountObject, type TokenResult } from '../token/token';
import { kubeconfigFor, type KubeconfigForResult } from '../token/kubeconfigFor';
import { tokenSecretsFor } from './parse';
import { fetchInventorySecrets, ForbiddenNotes, MANAGED_SELECTOR, RBAC_PATH as RBAC } from './read';

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
  conn: Connection, namespace: string, serviceAccount: string, options: OperationOptions = {},
  kinds?: readonly string[],
): Promise<ManagedObjects> {
  const key = serviceAccountKey(namespace, serviceAccount);
  const ns = encodeURIComponent(namespace);
  const q = { labelSelector: MANAGED_SELECTOR };
  const allSources: { apiVersion: string; kind: string; all?: string; local?: string }[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', all: `${RBAC}/rolebindings`, local: `${RBAC}/namespaces/${ns}/rolebindings` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', all: `${RBAC}/clusterrolebindings` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', all: `${RBAC}/roles`, local: `${RBAC}/namespaces/${ns}/roles` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', all: `${RBAC}/clusterroles` },
    { apiVersion: 'v1', kind: 'Secret', local: `/api/v1/namespaces/${ns}/secrets` },
    { apiVersion: 'v1', kind: 'ServiceAccount', local: `/api/v1/namespaces/${ns}/serviceaccounts` },
    { apiVersion: 'v1', kind: 'Namespace', all: '/api/v1/namespaces' },
  ];
  const sources = kinds ? allSources.filter((src) => kinds.includes(src.kind)) : allSources;
  const forbidden = new ForbiddenNotes((what) => what);
  const list = (path: string) => () => conn.client.request<{ items?: KubeObject[] }>({ method: 'GET', path, query: q, action: `list ${path}` }, options).then((l) => l.items ?? []);
  const lists = await mapLimit(sources, 7, async (src) => {
    let items: KubeObject[] | undefined;
    if (src.all) items = await forbidden.attempt(`${src.kind}s in all namespaces`, list(src.all), Boolean(src.local));
    if (!items && src.local) {
      items = await forbidden.attempt(`${src.kind}s in namespace "${namespace}"`, list(src.local));
      if (items && src.all) forbidden.notes.push(`${src.kind}s in other namespaces`);
    }
    // A Secret's data never leaves here: what we made is shown and deleted by its metadata and type.
    const labelled = (items ?? []).filter((item) => isManaged(item) && managedFor(item) === key);
    return labelled.map(({ data, stringData: _s, ...rest }) => {
      const object = { ...rest, apiVersion: src.apiVersion, kind: src.kind } as KubeObject;
      const notOurs = notOursBecause({ ...object, data }, namespace, serviceAccount);
      return { ...refOf(object), object, ...(notOurs ? { notOurs } : {}) };
    });
  });
  const found = lists.flat();
  return {
    objects: found.filter((o) => o.notOurs === undefined).map(({ notOurs: _n, ...o }) => o),
    notOurs: found.filter((o) => o.notOurs !== undefined)
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

const DELETE_ORDER = ['RoleBinding', 'ClusterRoleBinding', 'Role', 'ClusterRole', 'Secret', 'ServiceAccount', 'Namespace'];

/**
 * Deletes everything sa-kubeconfig made for the service account (label, annotation and the ownership test of
 * apply/ownership.ts), bindings first so the credential loses its rights before anything else. Objects that carry the
 * label and annotation but fail the test are listed under `kept` and never deleted. The namespace only with
 * includeNamespace: deleting it deletes everything in it, including what others put there. A service account sa-kubeconfig did not make (one it
 * used as it is) is never deleted: it is listed under `kept`, with why.
 */
export async function deleteManaged(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; includeNamespace?: boolean; dryRun?: boolean },
  options: OperationOptions = {},
): Promise<DeleteResult> {
  const found = await findManagedObjects(conn, args.namespace, args.serviceAccount, options);
  const result: DeleteResult = { deleted: [], kept: [], failed: [], incomplete: found.incomplete, dryRun: args.dryRun === true };
  for (const o of found.notOurs) result.kept.push({ ref: o.ref, reason: `${NOT_OURS}: ${o.reason}` });
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
      // Only the object that passed the ownership test: a role or binding changed since (re-bound) fails with 409.
      // Other kinds only by uid: the API server itself updates token Secrets (legacy-token-last-used).
      const { uid, resourceVersion } = o.object.metadata as { uid?: string; resourceVersion?: string };
      const rbac = ref.apiVersion.startsWith('rbac.authorization.k8s.io/');
      const res = await conn.client.requestRaw({
        method: 'DELETE', path: objectPath(ref), action: `delete ${describeRef(ref)}`,
        body: {
          apiVersion: 'v1', kind: 'DeleteOptions', propagationPolicy: 'Background',
          ...(uid ? { preconditions: { uid, ...(rbac ? { resourceVersion } : {}) } } : {}),
        },
      }, writes);
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

/** A cancel part-way through deleteManaged: says what is already gone, and carries the result in `details.deleteResult`. */
function cancelledDeleting(result: DeleteResult): SaKubeconfigError {
  const done = result.deleted.length > 0 ? ` Already deleted: ${result.deleted.map(describeRef).join(', ')}.` : ' Nothing was deleted.';
  return new SaKubeconfigError('aborted', `Cancelled.${done}`, { details: { deleteResult: result } });
}

// ---- revoke ----

export interface RevokeResult {
  deleted: ObjectRef[];
  /** Explanations, e.g. that unbound time-limited tokens cannot be revoked before they expire. */
  notes: string[];
}

/**
 * Revokes the tokens sa-kubeconfig issued through Secrets: deletes the managed long-lived token Secret(s) and the
 * binding Secret (which invalidates every token bound to it). `secretName` limits it to one Secret.
 */
export async function revoke(conn: Connection, args: { namespace: string; serviceAccount: string; secretName?: string }, options: OperationOptions = {}): Promise<RevokeResult> {
  const ns = encodeURIComponent(args.namespace);
  const sa = await conn.client.request<ServiceAccountObject>({ method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(args.serviceAccount)}`, action: `get service account "${args.serviceAccount}"` }, options);
  const secrets = await fetchInventorySecrets(conn, args.namespace, undefined, options);
  const candidates = tokenSecretsFor(args.namespace, args.serviceAccount, secrets, (sa.secrets ?? []).map((s) => s.name))
    .filter((s) => (args.secretName ? s.name === args.secretName : s.managed));
  const notes: string[] = [];
  if (args.secretName && candidates.length === 0) {
    throw new SaKubeconfigError('notFound', `Secret "${args.secretName}" is not a token Secret of service account "${args.serviceAccount}" in namespace "${args.namespace}".`, {
      hint: 'List the service account\'s token Secrets with `sa-kubeconfig list`.',
    });
  }
  if (args.secretName && !candidates[0].managed) notes.push(`Secret "${args.secretName}" was not made by sa-kubeconfig; deleting it because you named it.`);
  const deleted: ObjectRef[] = [];
  for (const s of candidates) {
    throwIfAborted(options.signal);
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', name: s.name, namespace: args.namespace };
    await conn.client.requestRaw({ method: 'DELETE', path: objectPath(ref), action: `delete ${describeRef(ref)}` }, { logger: options.logger }).then((res) => {
      if (res.status >= 300 && res.status !== 404) throw new SaKubeconfigError(res.status === 403 ? 'forbidden' : 'server', `Could not delete ${describeRef(ref)} (HTTP ${res.status}).`);
    });
    deleted.push(ref);
  }
  if (candidates.length === 0) {
    notes.push('No token Secret made by sa-kubeconfig was found. Time-limited tokens that are not bound to a Secret stay valid until they expire; delete the service account (or its bindings) to cut them off at once.');
  }
  return { deleted, notes };
}

// ---- rotate ----

export interface RotateResult {
  token: Omit<TokenResult, 'token' | 'secretCaPem'>;
  /** SECRET: holds the new token. */
  kubeconfigYaml: string;
  contexts: string[];
  /** Secrets deleted and made again, which revoked the tokens issued through them. */
  replacedSecrets: string[];
  warnings: string[];
}

/**
 * Issues a new token and kubeconfig for a service account sa-kubeconfig made.
 *  - a managed long-lived token Secret: deleted and created again (the old token dies), then waited for;
 *  - a managed binding Secret: deleted and created again (every token bound to it dies), new token bound to it;
 *  - otherwise: a new time-limited token (older unbound ones stay valid until they expire).
 * The kubeconfig gets one context per namespace where managed RoleBindings for the service account exist.
 */
export async function rotate(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; durationSeconds?: number; kubeconfig?: KubeconfigOptions; namespaces?: string[]; tokenTimeoutMs?: number },
  options: OperationOptions = {},
): Promise<RotateResult> {
  const found = await findManagedObjects(conn, args.namespace, args.serviceAccount, options);
  // A service account sa-kubeconfig made, or one it used as it is and made bindings or a token Secret for.
  if (found.objects.length === 0) {
    throw new SaKubeconfigError('notFound', `sa-kubeconfig made nothing for service account "${args.serviceAccount}" in namespace "${args.namespace}" (or it does not exist).`, {
      hint: 'Rotate only works for service accounts set up with sa-kubeconfig; use `create` to set one up (--existing-service-account to use an account as it is).',
    });
  }
  const secrets = found.objects.filter((o) => o.kind === 'Secret');
  const longLived = secrets.find((s) => (s.object as SecretObject).type === SERVICE_ACCOUNT_TOKEN_TYPE);
  const binding = secrets.find((s) => s.name === tokenBindingSecretName(args.serviceAccount));
  const replacedSecrets: string[] = [];
  const secretBody = (o: (typeof secrets)[number], name: string) => {
    const { metadata, type } = o.object as SecretObject;
    return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace: metadata.namespace, labels: metadata.labels, annotations: metadata.annotations }, type };
  };
  // Requests that change the cluster get no signal (see the top of this file); nor does anything after the old
  // credential is revoked.
  const writes: OperationOptions = { logger: options.logger };
  const deleteSecret = async (o: ObjectRef) => {
    await conn.client.request({ method: 'DELETE', path: objectPath(o), action: `delete ${describeRef(o)}` }, writes);
    replacedSecrets.push(o.name);
  };
  let token: TokenResult;
  throwIfAborted(options.signal);
  if (longLived) {
    // A legacy token is a JWT over (namespace, service account name and uid, Secret name) only: a Secret made
    // again under the same name would carry the very same token. So the new Secret gets a new name, and the
    // old one is deleted once the new token is there (which revokes the old token).
    const newName = rotatedSecretName(longLived.name);
    await conn.client.request({ method: 'POST', path: objectPath(longLived, false), body: secretBody(longLived, newName), action: `create Secret "${newName}"` }, writes);
    try {
      token = await waitForTokenSecret(conn, { namespace: args.namespace, secretName: newName, timeoutMs: args.tokenTimeoutMs }, options);
      throwIfAborted(options.signal);
    } catch (err) {
      // Cancelled or failed before the old Secret was touched: take the new one away again, and the old token stays.
      await conn.client.requestRaw({ method: 'DELETE', path: objectPath({ ...longLived, name: newName }) }).catch(() => undefined);
      throw err;
    }
    await deleteSecret(longLived);
  } else if (binding) {
    // Bound tokens carry the Secret's uid: a Secret made again under the same name revokes them all. From the
    // delete on, nothing is cancelled: the Secret is made again and a token bound to it.
    await deleteSecret(binding);
    await waitGone(conn, binding);
    await conn.client.request({ method: 'POST', path: objectPath(binding, false), body: secretBody(binding, binding.name), action: `create ${describeRef(binding)}` }, writes);
    token = await requestToken(conn, { namespace: args.namespace, serviceAccount: args.serviceAccount, durationSeconds: args.durationSeconds ?? 3600, boundSecretName: binding.name }, writes);
  } else {
    // A TokenRequest stores nothing: cancelling it in flight loses only a token nobody has yet.
    token = await requestToken(conn, { namespace: args.namespace, serviceAccount: args.serviceAccount, durationSeconds: args.durationSeconds ?? 3600 }, options);
  }
  // The old credential may be revoked by now: the kubeconfig is finished whatever happens to the signal.
  const afterRevoke: OperationOptions = longLived || binding ? writes : options;
  const bindingNamespaces = [...new Set(found.objects.filter((o) => o.kind === 'RoleBinding').map((o) => o.namespace ?? ''))].filter(Boolean).sort();
  const clusterWide = found.objects.some((o) => o.kind === 'ClusterRoleBinding') && bindingNamespaces.length === 0;
  const namespaces = args.namespaces ?? (bindingNamespaces.length > 0 ? bindingNamespaces : [args.namespace]);
  if (namespaces.includes(args.namespace)) {
    // The service account's own namespace first: it becomes the current context.
    namespaces.splice(namespaces.indexOf(args.namespace), 1);
    namespaces.unshift(args.namespace);
  }
  const k: KubeconfigForResult = await kubeconfigFor(conn, {
    serviceAccount: args.serviceAccount, serviceAccountNamespace: args.namespace, namespaces, kubeconfig: args.kubeconfig ?? {}, clusterWide,
  }, token, afterRevoke);
  const { token: _t, secretCaPem: _c, ...summary } = token;
  const warnings = [...k.warnings];
  if (!longLived && !binding) warnings.push('Earlier time-limited tokens of this service account stay valid until they expire (they were not bound to a Secret).');
  if (token.shortened) warnings.push(`The server granted ${token.grantedSeconds} s instead of the ${token.requestedSeconds} s requested.`);
  return { token: summary, kubeconfigYaml: k.kubeconfigYaml, contexts: k.contexts, replacedSecrets, warnings };
}

/** `ci-token` -> `ci-token-r7k2pq`; `ci-token-r7k2pq` -> `ci-token-rq9a1z` (one rotation suffix, never growing). */
export function rotatedSecretName(current: string): string {
  const base = current.replace(/-r[a-z0-9]{5}$/, '');
  const suffix = Array.from({ length: 5 }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');
  return `${base.slice(0, 253 - 7)}-r${suffix}`;
}

/**
 * After DELETE, a Secret may linger a moment (finalizers); wait so the create that follows does not 409.
 * Not cancellable: the create that follows must happen.
 */
async function waitGone(conn: Connection, ref: ObjectRef): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const live = await conn.client.getOptional({ path: objectPath(ref) });
    if (!live) return;
    await sleep(100);
  }
  throw new SaKubeconfigError('timeout', `${describeRef(ref)} was not deleted within 5 s.`);
}
