// What the extension's tree shows below a namespace: service accounts one page at a time (a namespace may hold
// thousands), and, when one is expanded, its bindings (with their role's rules) and its token Secrets.
// Each "parse" function is pure; the "fetch" functions send the requests.
import type { Connection } from '../cluster/connect';
import { isSaKubeconfigError } from '../cluster/errors';
import { FOR_SERVICE_ACCOUNT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type OperationOptions, type PolicyRule } from '../types';

const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const TOKEN_SECRET_TYPE = 'kubernetes.io/service-account-token';

interface Meta {
  name?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}
interface ListAnswer<T> { metadata?: { continue?: string }; items?: T[] }
interface RawServiceAccount { metadata?: Meta; secrets?: { name?: string }[] }
interface RawSecret { metadata?: Meta; type?: string; data?: Record<string, string> }
interface RawBinding {
  kind?: string;
  metadata?: Meta;
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}
interface RawRole { rules?: PolicyRule[] }

export interface ServiceAccountSummary {
  namespace: string;
  name: string;
  /** Carries sa-kubeconfig's managed-by label. */
  managed: boolean;
  createdAt?: string;
}

export interface ServiceAccountPage {
  items: ServiceAccountSummary[];
  /** Pass back to get the next page; undefined on the last page. */
  continueToken?: string;
}

export interface PageRequest {
  /** Page size (default 200). */
  limit?: number;
  continueToken?: string;
}

export function isManaged(meta: Meta | undefined): boolean {
  return meta?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

/** Pure. */
export function parseServiceAccountPage(answer: ListAnswer<RawServiceAccount>, namespace: string): ServiceAccountPage {
  const items = (answer.items ?? [])
    .filter((sa) => sa.metadata?.name)
    .map((sa) => ({ namespace, name: sa.metadata?.name ?? '', managed: isManaged(sa.metadata), createdAt: sa.metadata?.creationTimestamp }));
  const next = answer.metadata?.continue;
  return { items, continueToken: next ? next : undefined };
}

/** One page of the namespace's service accounts, in the API server's (name) order. */
export async function fetchServiceAccountPage(conn: Connection, namespace: string, page: PageRequest = {}, options: OperationOptions = {}): Promise<ServiceAccountPage> {
  const answer = await conn.client.request<ListAnswer<RawServiceAccount>>({
    method: 'GET',
    path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts`,
    query: { limit: page.limit ?? 200, continue: page.continueToken },
    action: `list service accounts in namespace "${namespace}"`,
  }, options);
  return parseServiceAccountPage(answer, namespace);
}

export interface TokenSecretSummary {
  name: string;
  namespace: string;
  type: string;
  /** Whether the token controller has filled it. */
  populated: boolean;
  managed: boolean;
  createdAt?: string;
}

export interface BindingSummary {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  /** Where a RoleBinding lives; undefined for ClusterRoleBindings. */
  namespace?: string;
  roleRef: { kind: 'Role' | 'ClusterRole'; name: string };
  managed: boolean;
}

export interface ServiceAccountDetails {
  bindings: BindingSummary[];
  tokenSecrets: TokenSecretSummary[];
  /** What could not be read (Forbidden), said in words for the tree. */
  notes: string[];
}

/** Token Secrets of one service account: type service-account-token and annotated with its name. Pure. */
export function parseTokenSecrets(answer: ListAnswer<RawSecret>, serviceAccount: string): TokenSecretSummary[] {
  return (answer.items ?? [])
    .filter((s) => s.type === TOKEN_SECRET_TYPE && s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION] === serviceAccount)
    .map((s) => ({
      name: s.metadata?.name ?? '',
      namespace: s.metadata?.namespace ?? '',
      type: s.type ?? '',
      populated: Boolean(s.data?.token),
      managed: isManaged(s.metadata),
      createdAt: s.metadata?.creationTimestamp,
    }));
}

/** Bindings whose subjects include the service account. Pure. */
export function parseBindingsFor(answer: ListAnswer<RawBinding>, kind: BindingSummary['kind'], namespace: string, serviceAccount: string): BindingSummary[] {
  return (answer.items ?? [])
    .filter((b) => (b.subjects ?? []).some((s) => s.kind === 'ServiceAccount' && s.name === serviceAccount && (s.namespace ?? b.metadata?.namespace) === namespace))
    .map((b): BindingSummary => ({
      kind,
      name: b.metadata?.name ?? '',
      namespace: kind === 'RoleBinding' ? b.metadata?.namespace : undefined,
      roleRef: { kind: b.roleRef?.kind === 'Role' ? 'Role' : 'ClusterRole', name: b.roleRef?.name ?? '' },
      managed: isManaged(b.metadata) || b.metadata?.annotations?.[FOR_SERVICE_ACCOUNT_ANNOTATION] === `${namespace}/${serviceAccount}`,
    }))
    .sort((a, b) => `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.kind}/${b.namespace ?? ''}/${b.name}`));
}

/**
 * Bindings and token Secrets of one service account. RoleBindings are looked for in every namespace when the
 * caller may list them cluster-wide, else in the service account's namespace; whatever is Forbidden becomes a note.
 */
export async function fetchServiceAccountDetails(conn: Connection, namespace: string, serviceAccount: string, options: OperationOptions = {}): Promise<ServiceAccountDetails> {
  const notes: string[] = [];
  const bindings: BindingSummary[] = [];
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const forbiddenAs = async <T>(what: string, fetch: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fetch();
    } catch (err) {
      if (isSaKubeconfigError(err, 'forbidden')) {
        notes.push(`Not allowed to ${what}.`);
        return undefined;
      }
      throw err;
    }
  };
  let roleBindings = await forbiddenAs('list RoleBindings in all namespaces', () =>
    conn.client.request<ListAnswer<RawBinding>>({ method: 'GET', path: `${rbac}/rolebindings`, action: 'list rolebindings' }, options));
  if (!roleBindings) {
    notes.pop();
    roleBindings = await forbiddenAs(`list RoleBindings in namespace "${namespace}"`, () =>
      conn.client.request<ListAnswer<RawBinding>>({ method: 'GET', path: `${rbac}/namespaces/${encodeURIComponent(namespace)}/rolebindings`, action: 'list rolebindings' }, options));
    if (roleBindings) notes.push(`Showing RoleBindings of namespace "${namespace}" only (listing them in all namespaces is not allowed).`);
  }
  if (roleBindings) bindings.push(...parseBindingsFor(roleBindings, 'RoleBinding', namespace, serviceAccount));
  const clusterRoleBindings = await forbiddenAs('list ClusterRoleBindings', () =>
    conn.client.request<ListAnswer<RawBinding>>({ method: 'GET', path: `${rbac}/clusterrolebindings`, action: 'list clusterrolebindings' }, options));
  if (clusterRoleBindings) bindings.push(...parseBindingsFor(clusterRoleBindings, 'ClusterRoleBinding', namespace, serviceAccount));
  const secrets = await forbiddenAs(`list Secrets in namespace "${namespace}"`, () =>
    conn.client.request<ListAnswer<RawSecret>>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
      query: { fieldSelector: `type=${TOKEN_SECRET_TYPE}` },
      action: `list secrets in namespace "${namespace}"`,
    }, options));
  // Secret data is dropped right here: only whether a token is present leaves this function.
  const tokenSecrets = secrets ? parseTokenSecrets(secrets, serviceAccount) : [];
  return { bindings, tokenSecrets, notes };
}

/** The rules of a binding's role (a Role in the binding's namespace, or a ClusterRole). */
export async function fetchRoleRules(conn: Connection, roleRef: BindingSummary['roleRef'], bindingNamespace: string | undefined, options: OperationOptions = {}): Promise<PolicyRule[] | undefined> {
  const rbac = '/apis/rbac.authorization.k8s.io/v1';
  const path = roleRef.kind === 'Role'
    ? `${rbac}/namespaces/${encodeURIComponent(bindingNamespace ?? '')}/roles/${encodeURIComponent(roleRef.name)}`
    : `${rbac}/clusterroles/${encodeURIComponent(roleRef.name)}`;
  const role = await conn.client.getOptional<RawRole>({ path, action: `get ${roleRef.kind} "${roleRef.name}"` }, options);
  return role ? role.rules ?? [] : undefined;
}

/** How many populated-or-pending token Secrets each service account of a namespace has. Pure. */
export function countTokenSecretsByOwner(answer: ListAnswer<RawSecret>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of answer.items ?? []) {
    const owner = s.metadata?.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION];
    // Metadata-only answers carry no type; the field selector already chose token Secrets.
    if ((s.type !== undefined && s.type !== TOKEN_SECRET_TYPE) || !owner) continue;
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

/** Token Secret counts per service account in a namespace; undefined when listing Secrets is Forbidden. */
export async function fetchTokenSecretOwners(conn: Connection, namespace: string, options: OperationOptions = {}): Promise<Map<string, number> | undefined> {
  try {
    const answer = await conn.client.request<ListAnswer<RawSecret>>({
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
      query: { fieldSelector: `type=${TOKEN_SECRET_TYPE}` },
      // Metadata only: no Secret data crosses the wire for a count.
      accept: 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json',
      action: `list secrets in namespace "${namespace}"`,
    }, options);
    return countTokenSecretsByOwner(answer);
  } catch (err) {
    if (isSaKubeconfigError(err, 'forbidden')) return undefined;
    throw err;
  }
}
