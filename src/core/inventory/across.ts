// The inventory across namespaces, O(what sa-kubeconfig made) in requests: what the CLI's `list` reads for -A,
// -n and --namespaces. One wave of cluster-wide lists, all in parallel, whatever the number of namespaces:
//   service accounts   ours (managed-by label), plus the one -s names; every account only with --all
//   RoleBindings, ClusterRoleBindings   all of them: a binding someone else made for one of our accounts is shown too
//   Roles, ClusterRoles                  ours (label): the roles most of those bindings reference
//   Secrets            token Secrets (read whole, reduced at once to "holds a token"), ours metadata only
// then one more wave for the roles the bindings reference that are not ours (e.g. ClusterRole view), each read once.
// A cluster-wide list that is Forbidden makes it return undefined: the caller then reads namespace by namespace
// (listServiceAccounts), as a user confined to namespaces must. Pure parts are in parse.ts.

import type { Connection } from '../cluster/connect';
import { METADATA_ONLY_LIST } from '../cluster/util';
import type { SecretMetadataLike } from '../credentials/model';
import { isSaKubeconfigError } from '../errors';
import { SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import type { OperationOptions, PolicyRule } from '../types';
import {
  assembleInventory,
  bindingsFor,
  normalizeRule,
  roleKeyOf,
  secretMeta,
  type RawSecret,
  type RawServiceAccount,
  type SecretMeta,
  type ServiceAccountInfo,
} from './parse';
import { fetchBindingIndex, fetchRulesOfRoles, listAllPages, MANAGED_SELECTOR, RBAC_PATH } from './read';

export interface InventoryScope {
  /** Only these namespaces; undefined: every namespace. */
  namespaces?: string[];
  /** 'managed': our accounts (and `serviceAccount`, ours or not); 'all': every account. */
  include: 'managed' | 'all';
  serviceAccount?: string;
}

export interface InventoryAcross {
  /** Ordered by namespace (in `scope.namespaces` order when given, else by name), then by name. */
  serviceAccounts: ServiceAccountInfo[];
  /** Credential Secrets (metadata and type only) by namespace, for credentials/list's assembleCredentials. */
  credentialSecrets: Map<string, SecretMetadataLike[]>;
  requests: number;
}

interface RawRole {
  metadata?: { name?: string; namespace?: string };
  rules?: Partial<PolicyRule>[];
}

function fetchServiceAccounts(
  conn: Connection,
  scope: InventoryScope,
  options: OperationOptions,
): Promise<RawServiceAccount[]> {
  const path = '/api/v1/serviceaccounts';
  const action = 'list service accounts in all namespaces';
  if (scope.include === 'all') return listAllPages(conn, path, {}, action, options);
  return Promise.all([
    listAllPages<RawServiceAccount>(conn, path, { labelSelector: MANAGED_SELECTOR }, action, options),
    scope.serviceAccount
      ? listAllPages<RawServiceAccount>(
          conn,
          path,
          { fieldSelector: `metadata.name=${scope.serviceAccount}` },
          action,
          options,
        )
      : Promise.resolve([]),
  ]).then(([ours, named]) => {
    const seen = new Set(ours.map((sa) => `${sa.metadata?.namespace}/${sa.metadata?.name}`));
    return [...ours, ...named.filter((sa) => !seen.has(`${sa.metadata?.namespace}/${sa.metadata?.name}`))];
  });
}

/**
 * Service accounts with their bindings, the bound rules and token Secrets, and the credential Secrets, read with
 * cluster-wide lists; undefined when one of those lists is Forbidden (read namespace by namespace instead).
 */
export async function listInventoryAcross(
  conn: Connection,
  scope: InventoryScope,
  options: OperationOptions = {},
): Promise<InventoryAcross | undefined> {
  const before = conn.client.requestCount;
  const roles = (plural: string) =>
    listAllPages<RawRole>(
      conn,
      `${RBAC_PATH}/${plural}`,
      { labelSelector: MANAGED_SELECTOR },
      `list ${plural}`,
      options,
    );
  const secrets = (query: Record<string, string>, accept?: string) =>
    listAllPages<RawSecret>(conn, '/api/v1/secrets', query, 'list secrets in all namespaces', options, accept);
  let lists;
  try {
    lists = await Promise.all([
      fetchServiceAccounts(conn, scope, options),
      fetchBindingIndex(conn, options),
      roles('roles'),
      roles('clusterroles'),
      secrets({ fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` }),
      secrets(
        { labelSelector: MANAGED_SELECTOR, fieldSelector: `type!=${SERVICE_ACCOUNT_TOKEN_TYPE}` },
        METADATA_ONLY_LIST,
      ),
    ]);
  } catch (err) {
    if (isSaKubeconfigError(err, 'forbidden')) return undefined;
    throw err;
  }
  const [rawAccounts, index, ourRoles, ourClusterRoles, tokenSecrets, ourSecrets] = lists;
  if (!index.roleBindings || index.notes.length > 0) return undefined;
  const wanted = scope.namespaces ? new Set(scope.namespaces) : undefined;
  const accounts = rawAccounts.filter(
    (sa) => sa.metadata?.name && sa.metadata.namespace && (!wanted || wanted.has(sa.metadata.namespace)),
  );
  const bindings = [...index.roleBindings, ...index.clusterRoleBindings];

  const roleRules = new Map<string, PolicyRule[] | string>();
  for (const r of ourRoles)
    roleRules.set(`Role/${r.metadata?.namespace ?? ''}/${r.metadata?.name ?? ''}`, (r.rules ?? []).map(normalizeRule));
  for (const r of ourClusterRoles)
    roleRules.set(`ClusterRole//${r.metadata?.name ?? ''}`, (r.rules ?? []).map(normalizeRule));
  const bound = accounts.flatMap((sa) => bindingsFor(bindings, sa.metadata!.namespace!, sa.metadata!.name!));
  const unread = bound.filter((b) => !roleRules.has(roleKeyOf(b)));
  for (const [key, rules] of await fetchRulesOfRoles(conn, unread, options)) roleRules.set(key, rules);

  const byNamespace = <T>(items: T[], namespaceOf: (item: T) => string | undefined) => {
    const out = new Map<string, T[]>();
    for (const item of items) {
      const ns = namespaceOf(item);
      if (ns === undefined || (wanted && !wanted.has(ns))) continue;
      out.set(ns, [...(out.get(ns) ?? []), item]);
    }
    return out;
  };
  const tokens = tokenSecrets.map((s): SecretMeta => ({ ...secretMeta(s), type: SERVICE_ACCOUNT_TOKEN_TYPE }));
  const ours = ourSecrets.map(secretMeta);
  const inventorySecrets = byNamespace([...tokens, ...ours], (s) => s.metadata.namespace);
  const credentialSecrets = new Map<string, SecretMetadataLike[]>();
  for (const [ns, list] of inventorySecrets)
    credentialSecrets.set(
      ns,
      list.map((s) => ({ metadata: s.metadata, ...(s.type ? { type: s.type } : {}) })),
    );

  const accountsByNamespace = byNamespace(accounts, (sa) => sa.metadata?.namespace);
  const order = scope.namespaces ?? [...accountsByNamespace.keys()].sort();
  const serviceAccounts = order.flatMap((ns) =>
    assembleInventory(ns, accountsByNamespace.get(ns) ?? [], bindings, inventorySecrets.get(ns) ?? [], roleRules),
  );
  return { serviceAccounts, credentialSecrets, requests: conn.client.requestCount - before };
}
