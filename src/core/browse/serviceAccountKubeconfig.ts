// A kubeconfig for a service account that already exists (the tree's "Generate kubeconfig" and "New token"):
// a fresh token, the context's server and CA, one context per namespace its RoleBindings reach, and a header
// that says what the account may do. Changes nothing in the cluster except issuing the token.
import type { Connection } from '../cluster/connect';
import { buildKubeconfig, contextNames, defaultNamePrefix, renderKubeconfigYaml } from '../kubeconfig/build';
import { findCa, readExistingTokenSecret, requestToken, type TokenResult } from '../token/token';
import type { OperationOptions, RoleReference } from '../types';
import { fetchServiceAccountDetails, type BindingSummary } from './serviceAccounts';

export type ExistingAccountToken =
  | { kind: 'timeBound'; durationSeconds: number; boundSecretName?: string }
  | { kind: 'existingSecret'; secretName?: string };

export interface ServiceAccountKubeconfigRequest {
  namespace: string;
  serviceAccount: string;
  token: ExistingAccountToken;
  /** Namespaces to make contexts for; defaults to those its RoleBindings reach (its own first). */
  namespaces?: string[];
  namePrefix?: string;
  insecureSkipTlsVerify?: boolean;
}

export interface ServiceAccountKubeconfig {
  /** Contains the token: never log it. */
  yaml: string;
  contextNames: string[];
  namespaces: string[];
  /** Everything about the token but the token. */
  token: Omit<TokenResult, 'token'>;
}

/** Namespaces a kubeconfig should have contexts for: the account's own, then those of its RoleBindings. Pure. */
export function namespacesFromBindings(ownNamespace: string, bindings: BindingSummary[]): string[] {
  const others = bindings.filter((b) => b.kind === 'RoleBinding' && b.namespace && b.namespace !== ownNamespace).map((b) => b.namespace as string);
  return [ownNamespace, ...[...new Set(others)].sort()];
}

/** Distinct role references of the bindings. Pure. */
export function roleRefsOf(bindings: BindingSummary[]): RoleReference[] {
  const seen = new Map<string, RoleReference>();
  for (const b of bindings) seen.set(`${b.roleRef.kind}/${b.roleRef.name}`, b.roleRef);
  return [...seen.values()];
}

export async function kubeconfigForServiceAccount(conn: Connection, req: ServiceAccountKubeconfigRequest, options: OperationOptions = {}): Promise<ServiceAccountKubeconfig> {
  const details = await fetchServiceAccountDetails(conn, req.namespace, req.serviceAccount, options);
  const namespaces = req.namespaces && req.namespaces.length > 0 ? req.namespaces : namespacesFromBindings(req.namespace, details.bindings);
  const tokenResult: TokenResult = req.token.kind === 'timeBound'
    ? await requestToken(conn, { namespace: req.namespace, serviceAccount: req.serviceAccount, durationSeconds: req.token.durationSeconds, boundSecretName: req.token.boundSecretName }, options)
    : await readExistingTokenSecret(conn, { namespace: req.namespace, serviceAccount: req.serviceAccount, secretName: req.token.secretName }, options);
  const ca = req.insecureSkipTlsVerify ? undefined : await findCa(conn, { namespace: req.namespace, secretCaPem: tokenResult.secretCaPem }, options);
  const namePrefix = req.namePrefix ?? defaultNamePrefix(conn.contextName, req.serviceAccount);
  const doc = buildKubeconfig({
    server: conn.server,
    certificateAuthority: ca?.pem,
    insecureSkipTlsVerify: req.insecureSkipTlsVerify,
    token: tokenResult.token,
    namePrefix,
    namespaces,
  });
  const yaml = renderKubeconfigYaml(doc, {
    serviceAccount: req.serviceAccount,
    serviceAccountNamespace: req.namespace,
    sourceContext: conn.contextName,
    namespaces,
    clusterWide: details.bindings.some((b) => b.kind === 'ClusterRoleBinding'),
    rules: [],
    roleRefs: roleRefsOf(details.bindings),
    expiresAt: tokenResult.expiresAt ? new Date(tokenResult.expiresAt) : undefined,
    tokenSecret: tokenResult.mode === 'timeBound' ? undefined : tokenResult.secretName,
    generatedAt: new Date(),
  });
  const { token: _secret, ...token } = tokenResult;
  return { yaml, contextNames: contextNames(namePrefix, namespaces), namespaces, token };
}
