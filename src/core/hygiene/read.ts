// What the credential audit reads: a handful of cluster-wide lists (or namespaced ones for one namespace), never a
// loop over namespaces, and Secrets METADATA ONLY (PartialObjectMetadataList: no token crosses the wire). With -A:
//
//   serviceaccounts, token Secrets (fieldSelector type=…service-account-token), our credential Secrets (label),
//   rolebindings, clusterrolebindings, roles, clusterroles, pods, and the ConfigMap
//   kube-system/kube-apiserver-legacy-service-account-token-tracking (when legacy token use is tracked from)
//
// nine requests on a small cluster (lists are paged at LIST_PAGE items). RoleBindings and Roles are listed
// cluster-wide even for one namespace: a RoleBinding elsewhere may name one of its accounts; when that is Forbidden,
// the namespace's own are read and a note says so. Whatever else is Forbidden becomes a note, not a failure, except
// the service accounts themselves.

import type { Connection } from '../cluster/connect';
import { METADATA_ONLY_LIST } from '../cluster/util';
import { isSaKubeconfigError } from '../errors';
import type { ListAnswer, ObjectMeta, RawBinding, RawServiceAccount } from '../inventory/parse';
import { SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type OperationOptions, type PolicyRule } from '../types';

export const RBAC = '/apis/rbac.authorization.k8s.io/v1';
export const LIST_PAGE = 2000;
export const TRACKING_CONFIGMAP = 'kube-apiserver-legacy-service-account-token-tracking';

export interface RawRole {
  metadata?: ObjectMeta;
  rules?: (Partial<PolicyRule> & { nonResourceURLs?: string[] })[];
  aggregationRule?: { clusterRoleSelectors?: LabelSelector[] };
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

export interface RawPod {
  metadata?: ObjectMeta;
  spec?: { serviceAccountName?: string; serviceAccount?: string };
  status?: { phase?: string };
}

export interface SecretMetadata {
  metadata?: ObjectMeta;
  /** Known from the field selector that listed it (metadata-only answers carry no type). */
  type?: string;
}

/** Everything the audit needs from the cluster, as read. */
export interface AuditInput {
  /** The namespace audited; undefined: all namespaces. */
  namespace?: string;
  serviceAccounts: RawServiceAccount[];
  secrets: SecretMetadata[];
  roleBindings: RawBinding[];
  clusterRoleBindings: RawBinding[];
  roles: RawRole[];
  clusterRoles: RawRole[];
  /** undefined when pods could not be read (then "no pods use it" is not claimed). */
  pods?: RawPod[];
  /** `data.since` of the tracking ConfigMap (a date), when readable. */
  trackingSince?: string;
  notes: string[];
}

function nsPath(base: string, namespace: string | undefined, resource: string): string {
  return namespace === undefined
    ? `${base}/${resource}`
    : `${base}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}

/** Every page of a list (paged at LIST_PAGE). */
async function listAll<T>(
  conn: Connection,
  path: string,
  what: string,
  options: OperationOptions,
  extra: { query?: Record<string, string>; accept?: string } = {},
): Promise<T[]> {
  const items: T[] = [];
  let cont: string | undefined;
  do {
    const page = await conn.client.request<ListAnswer<T>>(
      {
        method: 'GET',
        path,
        query: { ...extra.query, limit: LIST_PAGE, ...(cont ? { continue: cont } : {}) },
        ...(extra.accept ? { accept: extra.accept } : {}),
        action: `list ${what}`,
      },
      options,
    );
    items.push(...(page.items ?? []));
    cont = page.metadata?.continue || undefined;
  } while (cont);
  return items;
}

/** A list whose Forbidden answer becomes a note and an empty (or undefined) result. */
async function tolerant<T>(
  read: () => Promise<T[]>,
  notes: string[],
  note: string,
  onForbidden: T[] | undefined = [],
): Promise<T[] | undefined> {
  try {
    return await read();
  } catch (err) {
    if (!isSaKubeconfigError(err, 'forbidden')) throw err;
    notes.push(note);
    return onForbidden;
  }
}

/** Reads what the audit needs (see the top of this file). `namespace` undefined: every namespace. */
export async function readAuditInput(
  conn: Connection,
  namespace: string | undefined,
  options: OperationOptions = {},
): Promise<AuditInput> {
  const notes: string[] = [];
  const where = namespace === undefined ? 'in any namespace' : `in namespace "${namespace}"`;
  const secretList = (query: Record<string, string>) => () =>
    listAll<SecretMetadata>(conn, nsPath('/api/v1', namespace, 'secrets'), `secrets ${where}`, options, {
      query,
      accept: METADATA_ONLY_LIST,
    });
  const bindingsOrRoles = async (resource: 'rolebindings' | 'roles'): Promise<RawBinding[] | RawRole[]> => {
    try {
      return await listAll(conn, `${RBAC}/${resource}`, `${resource} in any namespace`, options);
    } catch (err) {
      if (!isSaKubeconfigError(err, 'forbidden') || namespace === undefined) throw err;
      notes.push(
        `Not allowed to list ${resource} in every namespace: only those in "${namespace}" were read ` +
          '(a RoleBinding in another namespace may grant its accounts more).',
      );
      return listAll(conn, nsPath(RBAC, namespace, resource), `${resource} ${where}`, options);
    }
  };
  const [serviceAccounts, tokenSecrets, ourSecrets, roleBindings, clusterRoleBindings, roles, clusterRoles, pods, cm] =
    await Promise.all([
      listAll<RawServiceAccount>(
        conn,
        nsPath('/api/v1', namespace, 'serviceaccounts'),
        `serviceaccounts ${where}`,
        options,
      ),
      tolerant(
        secretList({ fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` }),
        notes,
        `Not allowed to list Secrets ${where}: token Secrets are not shown.`,
      ),
      tolerant(
        secretList({ labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}` }),
        notes,
        `Not allowed to list Secrets ${where}: credentials sa-kubeconfig made are not shown.`,
      ),
      tolerant(
        () => bindingsOrRoles('rolebindings') as Promise<RawBinding[]>,
        notes,
        'Not allowed to list RoleBindings: permissions granted by them are not shown.',
      ),
      tolerant(
        () => listAll<RawBinding>(conn, `${RBAC}/clusterrolebindings`, 'clusterrolebindings', options),
        notes,
        'Not allowed to list ClusterRoleBindings: cluster-wide permissions are not shown.',
      ),
      tolerant(
        () => bindingsOrRoles('roles') as Promise<RawRole[]>,
        notes,
        'Not allowed to list Roles: their rules are not shown.',
      ),
      tolerant(
        () => listAll<RawRole>(conn, `${RBAC}/clusterroles`, 'clusterroles', options),
        notes,
        'Not allowed to list ClusterRoles: their rules are not shown.',
      ),
      tolerant(
        () => listAll<RawPod>(conn, nsPath('/api/v1', namespace, 'pods'), `pods ${where}`, options),
        notes,
        `Not allowed to list pods ${where}: which accounts pods use is not known.`,
        undefined,
      ),
      conn.client
        .getOptional<{ data?: { since?: string } }>(
          {
            path: `/api/v1/namespaces/kube-system/configmaps/${TRACKING_CONFIGMAP}`,
            action: 'read the legacy token tracking ConfigMap',
          },
          options,
        )
        .catch((err: unknown) => {
          if (!isSaKubeconfigError(err, 'forbidden')) throw err;
          notes.push(
            `Not allowed to read ConfigMap kube-system/${TRACKING_CONFIGMAP}: when tracking began is unknown.`,
          );
          return undefined;
        }),
    ]);
  const secrets = new Map<string, SecretMetadata>();
  const key = (s: SecretMetadata) => `${s.metadata?.namespace ?? ''}/${s.metadata?.name ?? ''}`;
  for (const s of tokenSecrets ?? []) secrets.set(key(s), { ...s, type: SERVICE_ACCOUNT_TOKEN_TYPE });
  for (const s of ourSecrets ?? []) if (!secrets.has(key(s))) secrets.set(key(s), s);
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    serviceAccounts,
    secrets: [...secrets.values()].filter((s) => s.metadata?.name),
    roleBindings: (roleBindings ?? []).map((b) => ({ ...b, kind: 'RoleBinding' })),
    clusterRoleBindings: (clusterRoleBindings ?? []).map((b) => ({ ...b, kind: 'ClusterRoleBinding' })),
    roles: roles ?? [],
    clusterRoles: clusterRoles ?? [],
    ...(pods ? { pods } : {}),
    ...(cm?.data?.since ? { trackingSince: cm.data.since } : {}),
    notes,
  };
}
