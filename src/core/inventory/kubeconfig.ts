// A kubeconfig for a service account that already exists (the tree's "Generate kubeconfig", "New token" and
// "Check access"): a fresh token, one context per namespace its RoleBindings reach, a header that says what it
// may do. Changes nothing in the cluster except issuing the token. The kubeconfig itself is kubeconfigFor's, as
// for provision and rotate.
import type { Connection } from '../cluster/connect';
import { readExistingTokenSecret, requestToken, type TokenResult } from '../token/token';
import { kubeconfigFor } from '../token/kubeconfigFor';
import type { OperationOptions } from '../types';
import { namespacesFromBindings, roleRefsOf } from './parse';
import { fetchServiceAccountDetails } from './read';

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
  token: Omit<TokenResult, 'token' | 'secretCaPem'>;
  warnings: string[];
}

export async function kubeconfigForServiceAccount(conn: Connection, req: ServiceAccountKubeconfigRequest, options: OperationOptions = {}): Promise<ServiceAccountKubeconfig> {
  const details = await fetchServiceAccountDetails(conn, req.namespace, req.serviceAccount, options);
  const namespaces = req.namespaces && req.namespaces.length > 0 ? req.namespaces : namespacesFromBindings(req.namespace, details.bindings);
  const tokenResult: TokenResult = req.token.kind === 'timeBound'
    ? await requestToken(conn, { namespace: req.namespace, serviceAccount: req.serviceAccount, durationSeconds: req.token.durationSeconds, boundSecretName: req.token.boundSecretName }, options)
    : await readExistingTokenSecret(conn, { namespace: req.namespace, serviceAccount: req.serviceAccount, secretName: req.token.secretName }, options);
  const k = await kubeconfigFor(conn, {
    serviceAccount: req.serviceAccount,
    serviceAccountNamespace: req.namespace,
    namespaces,
    kubeconfig: { ...(req.namePrefix ? { namePrefix: req.namePrefix } : {}), ...(req.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}) },
    clusterWide: details.bindings.some((b) => b.kind === 'ClusterRoleBinding'),
    roleRefs: roleRefsOf(details.bindings),
  }, tokenResult, options);
  const { token: _secret, secretCaPem: _ca, ...token } = tokenResult;
  return { yaml: k.kubeconfigYaml, contextNames: k.contexts, namespaces, token, warnings: k.warnings };
}
