// Reading service accounts, the one way every face does it (the tree, the wizard host, the CLI's `list`):
//   fetchServiceAccountPage    one page of a namespace's service accounts (limit/continue: there may be thousands)
//   fetchTokenSecretOwners     token Secret counts per service account, metadata only
//   fetchBindingIndex          the cluster's bindings, listed once and shared by many accounts (the tree's per context)
//   fetchServiceAccountDetails one account's bindings and token Secrets; what is Forbidden becomes a note
//   fetchRoleRules             the rules of one binding's role
//   fetchRulesOfRoles          the rules of many bindings' roles, each read once; missing or Forbidden ones say why
//   fetchServiceAccountHoldings one account's details with its roles' rules: what the wizard's Target step shows
//   listServiceAccounts        all of a namespace's accounts with bindings, the bound rules and token Secrets
// Secret data never leaves this module: token Secrets are reduced to "has a token" on arrival, and every other
// Secret is read metadata-only. The pure parts are in parse.ts.

import type { Connection } from '../cluster/connect';
import { mapLimit, METADATA_ONLY_LIST } from '../cluster/util';
import { isSaKubeconfigError } from '../errors';
import { SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import { MANAGED_BY_LABEL, MANAGED_BY_VALUE, type OperationOptions, type PolicyRule } from '../types';
import {
  assembleInventory,
  bindingsFor,
  countTokenSecretsByOwner,
  normalizeRule,
  parseServiceAccountPage,
  roleKeyOf,
  secretMeta,
  tokenSecretsFor,
  unreadableRoleReason,
  withRules,
  type BindingSummary,
  type ListAnswer,
  type OtherRoleErrors,
  type RawBinding,
  type RawSecret,
  type RawServiceAccount,
  type SecretMeta,
  type ServiceAccountDetails,
  type ServiceAccountHoldings,
  type ServiceAccountInfo,
  type ServiceAccountPage,
} from './parse';

export const RBAC_PATH = '/apis/rbac.authorization.k8s.io/v1';
export const MANAGED_SELECTOR = `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`;
const DEFAULT_PAGE_SIZE = 200;

export interface PageRequest {
  /** Page size (default 200). */
  limit?: number;
  continueToken?: string;
}

/** Collects what could not be read because it is Forbidden, as sentences a user can act on. */
export class ForbiddenNotes {
  readonly notes: string[] = [];
  constructor(private readonly say: (what: string) => string = (what) => `Not allowed to ${what}.`) {}
  /** Runs `fetch`; on Forbidden notes what could not be done (unless quiet) and returns undefined. */
  async attempt<T>(what: string, fetch: () => Promise<T>, quiet = false): Promise<T | undefined> {
    try {
      return await fetch();
    } catch (err) {
      if (!isSaKubeconfigError(err, 'forbidden')) throw err;
      if (!quiet) this.notes.push(this.say(what));
      return undefined;
    }
  }
}

const ns = (namespace: string) => encodeURIComponent(namespace);

/** One page of the namespace's service accounts, in the API server's (name) order. */
export async function fetchServiceAccountPage(
  conn: Connection,
  namespace: string,
  page: PageRequest = {},
  options: OperationOptions = {},
): Promise<ServiceAccountPage> {
  const answer = await fetchRawServiceAccountPage(conn, namespace, page, options);
  return parseServiceAccountPage(answer, namespace);
}

function fetchRawServiceAccountPage(
  conn: Connection,
  namespace: string,
  page: PageRequest,
  options: OperationOptions,
): Promise<ListAnswer<RawServiceAccount>> {
  return conn.client.request<ListAnswer<RawServiceAccount>>(
    {
      method: 'GET',
      path: `/api/v1/namespaces/${ns(namespace)}/serviceaccounts`,
      query: { limit: page.limit ?? DEFAULT_PAGE_SIZE, continue: page.continueToken },
      action: `list service accounts in namespace "${namespace}"`,
    },
    options,
  );
}

/** Every service account of the namespace, page by page. */
async function fetchAllServiceAccounts(
  conn: Connection,
  namespace: string,
  options: OperationOptions,
): Promise<RawServiceAccount[]> {
  const all: RawServiceAccount[] = [];
  let continueToken: string | undefined;
  do {
    const answer = await fetchRawServiceAccountPage(conn, namespace, { continueToken }, options);
    all.push(...(answer.items ?? []));
    continueToken = answer.metadata?.continue || undefined;
  } while (continueToken);
  return all;
}

/** Token Secrets of the namespace, metadata only. */
function fetchTokenSecretMetadata(
  conn: Connection,
  namespace: string,
  options: OperationOptions,
): Promise<SecretMeta[]> {
  return conn.client
    .request<ListAnswer<RawSecret>>(
      {
        method: 'GET',
        path: `/api/v1/namespaces/${ns(namespace)}/secrets`,
        query: { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` },
        accept: METADATA_ONLY_LIST,
        action: `list secrets in namespace "${namespace}"`,
      },
      options,
    )
    .then((l) =>
      (l.items ?? []).map((s) => ({ ...secretMeta({ metadata: s.metadata }), type: SERVICE_ACCOUNT_TOKEN_TYPE })),
    );
}

/** Token Secret counts per service account in a namespace; undefined when listing Secrets is Forbidden. */
export async function fetchTokenSecretOwners(
  conn: Connection,
  namespace: string,
  options: OperationOptions = {},
): Promise<Map<string, number> | undefined> {
  const secrets = await new ForbiddenNotes().attempt('list Secrets', () =>
    fetchTokenSecretMetadata(conn, namespace, options),
  );
  return secrets ? countTokenSecretsByOwner(secrets) : undefined;
}

/**
 * The Secrets the inventory needs from a namespace: token Secrets (read whole, because only the data says whether
 * the controller filled them, and reduced to that at once) and, metadata only, the Secrets we made.
 */
export async function fetchInventorySecrets(
  conn: Connection,
  namespace: string,
  forbidden: ForbiddenNotes | undefined,
  options: OperationOptions,
  what: { bindingSecrets: boolean } = { bindingSecrets: true },
): Promise<SecretMeta[]> {
  const list = (query: Record<string, string>, accept?: string) =>
    conn.client
      .request<ListAnswer<RawSecret>>(
        {
          method: 'GET',
          path: `/api/v1/namespaces/${ns(namespace)}/secrets`,
          query,
          ...(accept ? { accept } : {}),
          action: `list secrets in namespace "${namespace}"`,
        },
        options,
      )
      .then((l) => (l.items ?? []).map(secretMeta));
  const fetch = () =>
    Promise.all([
      list({ fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` }),
      what.bindingSecrets
        ? list(
            { labelSelector: MANAGED_SELECTOR, fieldSelector: `type!=${SERVICE_ACCOUNT_TOKEN_TYPE}` },
            METADATA_ONLY_LIST,
          )
        : Promise.resolve([]),
    ]);
  const both = forbidden ? await forbidden.attempt(`list Secrets in namespace "${namespace}"`, fetch) : await fetch();
  return both ? [...both[0].map((s) => ({ ...s, type: s.type ?? SERVICE_ACCOUNT_TOKEN_TYPE })), ...both[1]] : [];
}

type TaggedBinding = RawBinding & { kind: BindingSummary['kind'] };

/**
 * The cluster's bindings, read once and shared by every namespace (the tree keeps one per context until a refresh).
 * `roleBindings` is undefined when listing them in all namespaces is Forbidden: each namespace then reads its own.
 */
export interface BindingIndex {
  roleBindings?: TaggedBinding[];
  clusterRoleBindings: TaggedBinding[];
  /** What could not be listed (Forbidden), in words. */
  notes: string[];
}

/** Every item of a list, page by page (500 a page). */
export async function listAllPages<T>(
  conn: Connection,
  path: string,
  query: Record<string, string>,
  action: string,
  options: OperationOptions,
  accept?: string,
): Promise<T[]> {
  const items: T[] = [];
  let continueToken: string | undefined;
  do {
    const answer = await conn.client.request<ListAnswer<T>>(
      {
        method: 'GET',
        path,
        query: { ...query, limit: 500, ...(continueToken ? { continue: continueToken } : {}) },
        ...(accept ? { accept } : {}),
        action,
      },
      options,
    );
    items.push(...(answer.items ?? []));
    continueToken = answer.metadata?.continue || undefined;
  } while (continueToken);
  return items;
}

/** RoleBindings in all namespaces and ClusterRoleBindings: two lists, together. */
export async function fetchBindingIndex(conn: Connection, options: OperationOptions = {}): Promise<BindingIndex> {
  const forbidden = new ForbiddenNotes();
  const list = (plural: string, kind: BindingSummary['kind']) =>
    listAllPages<RawBinding>(conn, `${RBAC_PATH}/${plural}`, {}, `list ${plural}`, options).then((items) =>
      items.map((b): TaggedBinding => ({ ...b, kind })),
    );
  const [roleBindings, clusterRoleBindings] = await Promise.all([
    forbidden.attempt('list RoleBindings in all namespaces', () => list('rolebindings', 'RoleBinding'), true),
    forbidden.attempt('list ClusterRoleBindings', () => list('clusterrolebindings', 'ClusterRoleBinding')),
  ]);
  return {
    ...(roleBindings ? { roleBindings } : {}),
    clusterRoleBindings: clusterRoleBindings ?? [],
    notes: forbidden.notes,
  };
}

/**
 * RoleBindings (in every namespace when allowed, else in `namespace`) and ClusterRoleBindings, from `index` when
 * given (else read now).
 */
async function fetchBindings(
  conn: Connection,
  namespace: string,
  forbidden: ForbiddenNotes,
  options: OperationOptions,
  index?: Promise<BindingIndex>,
): Promise<TaggedBinding[]> {
  const shared = await (index ?? fetchBindingIndex(conn, options));
  forbidden.notes.push(...shared.notes);
  let roleBindings = shared.roleBindings;
  if (!roleBindings) {
    roleBindings = await forbidden.attempt(`list RoleBindings in namespace "${namespace}"`, () =>
      conn.client
        .request<ListAnswer<RawBinding>>(
          { method: 'GET', path: `${RBAC_PATH}/namespaces/${ns(namespace)}/rolebindings`, action: 'list rolebindings' },
          options,
        )
        .then((l) => (l.items ?? []).map((b): TaggedBinding => ({ ...b, kind: 'RoleBinding' }))),
    );
    if (roleBindings)
      forbidden.notes.push(
        `Showing RoleBindings of namespace "${namespace}" only (listing them in all namespaces is not allowed).`,
      );
  }
  return [...(roleBindings ?? []), ...shared.clusterRoleBindings];
}

/**
 * Bindings and long-lived token Secrets of one service account (the Secret our time-bound tokens are bound to is
 * shown with those tokens, not here); whatever is Forbidden becomes a note.
 */
export async function fetchServiceAccountDetails(
  conn: Connection,
  namespace: string,
  serviceAccount: string,
  options: OperationOptions = {},
  /** The cluster's bindings, read once for many accounts (fetchBindingIndex); read now when absent. */
  index?: Promise<BindingIndex>,
): Promise<ServiceAccountDetails> {
  const forbidden = new ForbiddenNotes();
  const [bindings, secrets] = await Promise.all([
    fetchBindings(conn, namespace, forbidden, options, index),
    fetchInventorySecrets(conn, namespace, forbidden, options, { bindingSecrets: false }),
  ]);
  return {
    bindings: bindingsFor(bindings, namespace, serviceAccount),
    tokenSecrets: tokenSecretsFor(namespace, serviceAccount, secrets),
    notes: forbidden.notes,
  };
}

/**
 * The rules of a binding's role (a Role in the binding's namespace, or a ClusterRole);
 * undefined when it does not exist.
 */
export async function fetchRoleRules(
  conn: Connection,
  roleRef: BindingSummary['roleRef'],
  bindingNamespace: string | undefined,
  options: OperationOptions = {},
): Promise<PolicyRule[] | undefined> {
  const path =
    roleRef.kind === 'Role'
      ? `${RBAC_PATH}/namespaces/${ns(bindingNamespace ?? '')}/roles/${encodeURIComponent(roleRef.name)}`
      : `${RBAC_PATH}/clusterroles/${encodeURIComponent(roleRef.name)}`;
  const role = await conn.client.getOptional<{ rules?: Partial<PolicyRule>[] }>(
    { path, action: `read ${roleRef.kind} "${roleRef.name}"` },
    options,
  );
  return role ? (role.rules ?? []).map(normalizeRule) : undefined;
}

/**
 * The rules of the bindings' roles, each role read once, keyed by roleKeyOf. A role that does not exist or may not be
 * read (Forbidden) gets the reason instead of rules; any other error throws, or with `otherErrors` 'note' becomes that
 * role's reason too (see unreadableRoleReason).
 */
export async function fetchRulesOfRoles(
  conn: Connection,
  bindings: BindingSummary[],
  options: OperationOptions = {},
  otherErrors: OtherRoleErrors = 'throw',
): Promise<Map<string, PolicyRule[] | string>> {
  const roles = new Map<string, BindingSummary>();
  for (const b of bindings) roles.set(roleKeyOf(b), b);
  const roleRules = new Map<string, PolicyRule[] | string>();
  await mapLimit([...roles.entries()], 8, async ([key, b]) => {
    try {
      const rules = await fetchRoleRules(conn, b.roleRef, b.namespace, options);
      roleRules.set(key, rules ?? `${b.roleRef.kind} "${b.roleRef.name}" does not exist`);
    } catch (err) {
      const reason = unreadableRoleReason(b.roleRef, err, otherErrors);
      if (reason === undefined) throw err;
      roleRules.set(key, reason);
    }
  });
  return roleRules;
}

/**
 * What one account already holds: its bindings with their roles' rules, and its token Secrets. Nothing it could not
 * read stops it: Forbidden lists become notes, and a role that is missing or could not be read (for whatever reason)
 * says why on its binding.
 */
export async function fetchServiceAccountHoldings(
  conn: Connection,
  namespace: string,
  serviceAccount: string,
  options: OperationOptions = {},
): Promise<ServiceAccountHoldings> {
  const details = await fetchServiceAccountDetails(conn, namespace, serviceAccount, options);
  const roleRules = await fetchRulesOfRoles(conn, details.bindings, options, 'note');
  return { ...details, bindings: withRules(details.bindings, roleRules) };
}

export interface InventoryResult {
  namespace: string;
  serviceAccounts: ServiceAccountInfo[];
  /** What could not be listed (Forbidden) and so may be missing, in words. */
  incomplete: string[];
  requests: number;
}

/**
 * Every service account of a namespace with its bindings (in any namespace we may list), their rules and token Secrets.
 */
export async function listServiceAccounts(
  conn: Connection,
  namespace: string,
  options: OperationOptions = {},
): Promise<InventoryResult> {
  const before = conn.client.requestCount;
  const forbidden = new ForbiddenNotes();
  const [serviceAccounts, allBindings, secrets] = await Promise.all([
    fetchAllServiceAccounts(conn, namespace, options),
    fetchBindings(conn, namespace, forbidden, options),
    fetchInventorySecrets(conn, namespace, forbidden, options),
  ]);
  const names = serviceAccounts.map((sa) => sa.metadata?.name ?? '');
  const bindings = allBindings.filter((b) => names.some((name) => bindingsFor([b], namespace, name).length > 0));
  const roleRules = await fetchRulesOfRoles(
    conn,
    names.flatMap((name) => bindingsFor(bindings, namespace, name)),
    options,
  );
  return {
    namespace,
    serviceAccounts: assembleInventory(namespace, serviceAccounts, bindings, secrets, roleRules),
    incomplete: forbidden.notes,
    requests: conn.client.requestCount - before,
  };
}
