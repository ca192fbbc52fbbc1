// What exists for service accounts, and the life-cycle operations on what sa-kubeconfig made:
//   listServiceAccounts  service accounts of a namespace with their bindings, the bound roles' rules and token Secrets
//   rotate               a new token (replacing the long-lived or binding Secret, which revokes the old token)
//   revoke               delete the token Secrets we made (long-lived, or the Secret time-bound tokens are bound to)
//   deleteManaged        delete everything we made for one service account, found by label + annotation, nothing else
// Parsing is pure; the functions that send are thin.

import {
  MANAGED_BY_LABEL, MANAGED_BY_VALUE, type KubeconfigOptions, type KubeObject, type OperationOptions, type PolicyRule, type RoleReference,
} from '../types';
import type { Connection } from '../cluster/connect';
import { isSaKubeconfigError, SaKubeconfigError } from '../cluster/errors';
import { mapLimit } from '../cluster/util';
import { describeRef, isManaged, managedFor, objectPath, type ObjectRef } from '../apply/objects';
import { serviceAccountKey, tokenBindingSecretName } from '../plan/names';
import { SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, requestToken, waitForTokenSecret, type SecretObject, type ServiceAccountObject, type TokenResult } from '../token/token';
import { kubeconfigFor, type KubeconfigForResult } from '../token/kubeconfigFor';

const RBAC = '/apis/rbac.authorization.k8s.io/v1';
const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;

export interface BindingInfo {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  namespace?: string;
  roleRef: RoleReference;
  managed: boolean;
  /** Rules of the bound role; undefined when it could not be read. */
  rules?: PolicyRule[];
  rulesError?: string;
}

export interface TokenSecretInfo {
  name: string;
  type: string;
  /** `longLived`: a service-account-token Secret; `binding`: the Secret time-bound tokens are bound to. */
  role: 'longLived' | 'binding';
  managed: boolean;
  createdAt?: string;
  /** The token controller has filled it (long-lived only). */
  filled?: boolean;
}

export interface ServiceAccountInfo {
  namespace: string;
  name: string;
  managed: boolean;
  createdAt?: string;
  bindings: BindingInfo[];
  tokenSecrets: TokenSecretInfo[];
}

export interface InventoryResult {
  namespace: string;
  serviceAccounts: ServiceAccountInfo[];
  /** What could not be listed (Forbidden) and so may be missing. */
  incomplete: string[];
  requests: number;
}

interface BindingObject extends KubeObject {
  roleRef: { kind: string; name: string; apiGroup?: string };
  subjects?: { kind: string; name: string; namespace?: string }[];
}

/** Whether a binding's subjects include the service account. Pure. */
export function bindsServiceAccount(binding: BindingObject, namespace: string, name: string): boolean {
  return (binding.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === name && (s.namespace ?? binding.metadata.namespace) === namespace);
}

/** Token Secrets of a service account, long-lived ones and our binding Secret. Pure. */
export function tokenSecretsFor(sa: ServiceAccountObject, secrets: SecretObject[]): TokenSecretInfo[] {
  const namespace = sa.metadata.namespace ?? '';
  const listed = new Set((sa.secrets ?? []).map((s) => s.name));
  const key = serviceAccountKey(namespace, sa.metadata.name);
  const out: TokenSecretInfo[] = [];
  for (const s of secrets) {
    const managed = isManaged(s);
    if (s.type === SERVICE_ACCOUNT_TOKEN_TYPE && (s.metadata.annotations?.[SA_NAME_ANNOTATION] === sa.metadata.name || listed.has(s.metadata.name))) {
      out.push({ name: s.metadata.name, type: s.type, role: 'longLived', managed, createdAt: s.metadata.creationTimestamp, filled: Boolean(s.data?.token) });
    } else if (managed && managedFor(s) === key) {
      out.push({ name: s.metadata.name, type: s.type ?? 'Opaque', role: 'binding', managed, createdAt: s.metadata.creationTimestamp });
    }
  }
  return out.sort((a, b) => a.name.localeCompare(b.name));
}

/** Assembles the inventory from lists. Pure. `roleRules` maps "Kind/namespace/name" to rules (or an error text). */
export function assembleInventory(
  namespace: string,
  serviceAccounts: ServiceAccountObject[],
  bindings: BindingObject[],
  secrets: SecretObject[],
  roleRules: Map<string, PolicyRule[] | string>,
): ServiceAccountInfo[] {
  return serviceAccounts.map((sa) => {
    const name = sa.metadata.name;
    const own = bindings.filter((b) => bindsServiceAccount(b, namespace, name));
    return {
      namespace, name, managed: isManaged(sa), createdAt: sa.metadata.creationTimestamp,
      bindings: own.map((b): BindingInfo => {
        const roleKey = roleKeyOf(b);
        const rules = roleRules.get(roleKey);
        return {
          kind: b.kind as BindingInfo['kind'], name: b.metadata.name, ...(b.metadata.namespace ? { namespace: b.metadata.namespace } : {}),
          roleRef: { kind: b.roleRef.kind as RoleReference['kind'], name: b.roleRef.name }, managed: isManaged(b),
          ...(Array.isArray(rules) ? { rules } : typeof rules === 'string' ? { rulesError: rules } : {}),
        };
      }).sort((a, b) => `${a.kind}/${a.namespace}/${a.name}`.localeCompare(`${b.kind}/${b.namespace}/${b.name}`)),
      tokenSecrets: tokenSecretsFor({ ...sa, metadata: { ...sa.metadata, namespace } }, secrets),
    };
  }).sort((a, b) => a.name.localeCompare(b.name));
}

function roleKeyOf(b: BindingObject): string {
  return b.roleRef.kind === 'Role' ? `Role/${b.metadata.namespace}/${b.roleRef.name}` : `ClusterRole//${b.roleRef.name}`;
}

async function listOrForbidden<T>(conn: Connection, path: string, what: string, incomplete: string[], options: OperationOptions, query?: Record<string, string>): Promise<T[] | undefined> {
  try {
    const list = await conn.client.request<{ items?: T[] }>({ method: 'GET', path, query, action: `list ${what}` }, options);
    return list.items ?? [];
  } catch (err) {
    if (!isSaKubeconfigError(err, 'forbidden')) throw err;
    incomplete.push(`${what} (Forbidden)`);
    return undefined;
  }
}

/** Service accounts of a namespace with their bindings (in any namespace we may list), rules and token Secrets. */
export async function listServiceAccounts(conn: Connection, namespace: string, options: OperationOptions = {}): Promise<InventoryResult> {
  const before = conn.client.requestCount;
  const incomplete: string[] = [];
  const ns = encodeURIComponent(namespace);
  const [sas, allRoleBindings, clusterBindings, secrets] = await Promise.all([
    conn.client.request<{ items?: ServiceAccountObject[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/serviceaccounts`, action: `list service accounts in namespace "${namespace}"` }, options).then((l) => l.items ?? []),
    // RoleBindings anywhere can bind the service account; fall back to its own namespace when listing all is Forbidden.
    listOrForbidden<BindingObject>(conn, `${RBAC}/rolebindings`, 'role bindings in all namespaces', [], options),
    listOrForbidden<BindingObject>(conn, `${RBAC}/clusterrolebindings`, 'cluster role bindings', incomplete, options),
    listOrForbidden<SecretObject>(conn, `/api/v1/namespaces/${ns}/secrets`, `secrets in namespace "${namespace}"`, incomplete, options),
  ]);
  let roleBindings = allRoleBindings;
  if (!roleBindings) {
    roleBindings = await listOrForbidden<BindingObject>(conn, `${RBAC}/namespaces/${ns}/rolebindings`, `role bindings in namespace "${namespace}"`, incomplete, options);
    if (roleBindings) incomplete.push('role bindings in other namespaces (Forbidden)');
  }
  const bindings = [
    ...(roleBindings ?? []).map((b) => ({ ...b, kind: 'RoleBinding' })),
    ...(clusterBindings ?? []).map((b) => ({ ...b, kind: 'ClusterRoleBinding' })),
  ].filter((b) => sas.some((sa) => bindsServiceAccount(b, namespace, sa.metadata.name)));
  const roleKeys = [...new Set(bindings.map(roleKeyOf))];
  const roleRules = new Map<string, PolicyRule[] | string>();
  await mapLimit(roleKeys, 8, async (key) => {
    const [kind, roleNs, name] = key.split('/');
    const path = kind === 'Role' ? `${RBAC}/namespaces/${encodeURIComponent(roleNs)}/roles/${encodeURIComponent(name)}` : `${RBAC}/clusterroles/${encodeURIComponent(name)}`;
    try {
      const role = await conn.client.getOptional<{ rules?: PolicyRule[] }>({ path, action: `read ${kind} "${name}"` }, options);
      roleRules.set(key, role ? (role.rules ?? []).map(normalizeRule) : `${kind} "${name}" does not exist`);
    } catch (err) {
      if (!isSaKubeconfigError(err, 'forbidden')) throw err;
      roleRules.set(key, `you may not read ${kind} "${name}"`);
    }
  });
  return { namespace, serviceAccounts: assembleInventory(namespace, sas, bindings, secrets ?? [], roleRules), incomplete, requests: conn.client.requestCount - before };
}

function normalizeRule(r: Partial<PolicyRule>): PolicyRule {
  return { apiGroups: r.apiGroups ?? [], resources: r.resources ?? [], verbs: r.verbs ?? [], ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}) };
}

// ---- finding what we made ----

export interface ManagedObjects {
  objects: (ObjectRef & { object: KubeObject })[];
  /** Places we could not search (Forbidden): objects there may remain. */
  incomplete: string[];
}

/** Everything labelled as ours and annotated for this service account. */
export async function findManagedObjects(conn: Connection, namespace: string, serviceAccount: string, options: OperationOptions = {}): Promise<ManagedObjects> {
  const key = serviceAccountKey(namespace, serviceAccount);
  const incomplete: string[] = [];
  const ns = encodeURIComponent(namespace);
  const q = { labelSelector: MANAGED_SELECTOR };
  const sources: { apiVersion: string; kind: string; all?: string; local?: string }[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', all: `${RBAC}/rolebindings`, local: `${RBAC}/namespaces/${ns}/rolebindings` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', all: `${RBAC}/clusterrolebindings` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', all: `${RBAC}/roles`, local: `${RBAC}/namespaces/${ns}/roles` },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', all: `${RBAC}/clusterroles` },
    { apiVersion: 'v1', kind: 'Secret', local: `/api/v1/namespaces/${ns}/secrets` },
    { apiVersion: 'v1', kind: 'ServiceAccount', local: `/api/v1/namespaces/${ns}/serviceaccounts` },
    { apiVersion: 'v1', kind: 'Namespace', all: '/api/v1/namespaces' },
  ];
  const lists = await mapLimit(sources, 7, async (src) => {
    let items: KubeObject[] | undefined;
    if (src.all) items = await listOrForbidden<KubeObject>(conn, src.all, `${src.kind}s in all namespaces`, src.local ? [] : incomplete, options, q);
    if (!items && src.local) {
      items = await listOrForbidden<KubeObject>(conn, src.local, `${src.kind}s in namespace "${namespace}"`, incomplete, options, q);
      if (items && src.all) incomplete.push(`${src.kind}s in other namespaces (Forbidden)`);
    }
    return (items ?? []).map((object) => ({ apiVersion: src.apiVersion, kind: src.kind, name: object.metadata.name, ...(object.metadata.namespace ? { namespace: object.metadata.namespace } : {}), object: { ...object, apiVersion: src.apiVersion, kind: src.kind } }));
  });
  const objects = lists.flat().filter((o) => isManaged(o.object) && managedFor(o.object) === key);
  return { objects, incomplete };
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
 * deletes everything in it, including what others put there.
 */
export async function deleteManaged(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; includeNamespace?: boolean; dryRun?: boolean },
  options: OperationOptions = {},
): Promise<DeleteResult> {
  const found = await findManagedObjects(conn, args.namespace, args.serviceAccount, options);
  const result: DeleteResult = { deleted: [], kept: [], failed: [], incomplete: found.incomplete, dryRun: args.dryRun === true };
  const sorted = [...found.objects].sort((a, b) => DELETE_ORDER.indexOf(a.kind) - DELETE_ORDER.indexOf(b.kind));
  for (const o of sorted) {
    const ref: ObjectRef = { apiVersion: o.apiVersion, kind: o.kind, name: o.name, ...(o.namespace ? { namespace: o.namespace } : {}) };
    if (o.kind === 'Namespace' && !args.includeNamespace) {
      result.kept.push({ ref, reason: 'namespaces are only deleted when asked (it would delete everything in it)' });
      continue;
    }
    if (args.dryRun) { result.deleted.push(ref); continue; }
    try {
      const res = await conn.client.requestRaw({ method: 'DELETE', path: objectPath(ref), query: { propagationPolicy: 'Background' }, action: `delete ${describeRef(ref)}` }, options);
      if (res.status === 404 || (res.status >= 200 && res.status < 300)) result.deleted.push(ref);
      else result.failed.push({ ref, message: `HTTP ${res.status}` });
      options.logger?.info(`deleted ${describeRef(ref)}`);
    } catch (err) {
      if (isSaKubeconfigError(err, 'aborted')) throw err;
      result.failed.push({ ref, message: (err as Error).message });
    }
  }
  return result;
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
  const secrets = await conn.client.request<{ items?: SecretObject[] }>({ method: 'GET', path: `/api/v1/namespaces/${ns}/secrets`, action: `list secrets in namespace "${args.namespace}"` }, options);
  const candidates = tokenSecretsFor({ ...sa, metadata: { ...sa.metadata, namespace: args.namespace } }, secrets.items ?? [])
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
    const ref: ObjectRef = { apiVersion: 'v1', kind: 'Secret', name: s.name, namespace: args.namespace };
    await conn.client.requestRaw({ method: 'DELETE', path: objectPath(ref), action: `delete ${describeRef(ref)}` }, options).then((res) => {
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
  if (!found.objects.some((o) => o.kind === 'ServiceAccount')) {
    throw new SaKubeconfigError('notFound', `Service account "${args.serviceAccount}" in namespace "${args.namespace}" was not made by sa-kubeconfig (or does not exist).`, {
      hint: 'Rotate only works for service accounts sa-kubeconfig created; use `create` to set one up.',
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
  const deleteSecret = async (o: ObjectRef) => {
    await conn.client.request({ method: 'DELETE', path: objectPath(o), action: `delete ${describeRef(o)}` }, options);
    replacedSecrets.push(o.name);
  };
  let token: TokenResult;
  if (longLived) {
    // A legacy token is a JWT over (namespace, service account name and uid, Secret name) only: a Secret made
    // again under the same name would carry the very same token. So the new Secret gets a new name, and the
    // old one is deleted once the new token is there (which revokes the old token).
    const newName = rotatedSecretName(longLived.name);
    await conn.client.request({ method: 'POST', path: objectPath(longLived, false), body: secretBody(longLived, newName), action: `create Secret "${newName}"` }, options);
    try {
      token = await waitForTokenSecret(conn, { namespace: args.namespace, secretName: newName, timeoutMs: args.tokenTimeoutMs }, options);
    } catch (err) {
      await conn.client.requestRaw({ method: 'DELETE', path: objectPath({ ...longLived, name: newName }) }).catch(() => undefined);
      throw err;
    }
    await deleteSecret(longLived);
  } else {
    if (binding) {
      // Bound tokens carry the Secret's uid: a Secret made again under the same name revokes them all.
      await deleteSecret(binding);
      await waitGone(conn, binding, options);
      await conn.client.request({ method: 'POST', path: objectPath(binding, false), body: secretBody(binding, binding.name), action: `create ${describeRef(binding)}` }, options);
    }
    token = await requestToken(conn, { namespace: args.namespace, serviceAccount: args.serviceAccount, durationSeconds: args.durationSeconds ?? 3600, ...(binding ? { boundSecretName: binding.name } : {}) }, options);
  }
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
  }, token, options);
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

/** After DELETE, a Secret may linger a moment (finalizers); wait so the create that follows does not 409. */
async function waitGone(conn: Connection, ref: ObjectRef, options: OperationOptions): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const live = await conn.client.getOptional({ path: objectPath(ref) }, options);
    if (!live) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new SaKubeconfigError('timeout', `${describeRef(ref)} was not deleted within 5 s.`);
}
