// A kubeconfig for a service account that already exists (the tree's "Generate kubeconfig", "New token" and
// "Check access"): a fresh token, one context per namespace its RoleBindings reach, a header that says what it
// may do. Changes nothing in the cluster except issuing the credential (issueCredential: by default a token bound
// to a new Secret of its own, so it can be revoked alone). The kubeconfig itself is kubeconfigFor's, as for
// provision and rotate (forToken.ts).
import type { Connection } from '../cluster/connect';
import { issueCredential } from '../credentials/issue';
import type { Credential } from '../credentials/model';
import { revokeSelected } from '../credentials/revoke';
import { namespacesFromBindings, roleRefsOf } from '../inventory/parse';
import { fetchServiceAccountDetails } from '../inventory/read';
import type { TokenResult } from '../token/token';
import type { OperationOptions } from '../types';
import { kubeconfigFor } from './forToken';

export type ExistingAccountToken =
  /** A new credential: bound to a Secret of its own unless `unbound` (then it cannot be revoked before it expires). */
  | { kind: 'timeBound'; durationSeconds: number; unbound?: boolean; note?: string }
  | { kind: 'longLived'; note?: string }
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
  /** The credential issued: its id, kind, Secret and real expiry. */
  credential: Credential;
  warnings: string[];
}

export async function kubeconfigForServiceAccount(
  conn: Connection,
  req: ServiceAccountKubeconfigRequest,
  options: OperationOptions = {},
): Promise<ServiceAccountKubeconfig> {
  const details = await fetchServiceAccountDetails(conn, req.namespace, req.serviceAccount, options);
  const namespaces =
    req.namespaces && req.namespaces.length > 0
      ? req.namespaces
      : namespacesFromBindings(req.namespace, details.bindings);
  const t = req.token;
  const issued = await issueCredential(
    conn,
    {
      namespace: req.namespace,
      serviceAccount: req.serviceAccount,
      ...(t.kind === 'timeBound'
        ? { kind: t.unbound ? 'unbound' : 'bound', durationSeconds: t.durationSeconds }
        : t.kind === 'longLived'
          ? { kind: 'longLived' }
          : { kind: 'existing', secretName: t.secretName }),
      ...(t.kind !== 'existingSecret' && t.note ? { note: t.note } : {}),
    },
    options,
  );
  const tokenResult: TokenResult = issued.token;
  let k;
  try {
    k = await kubeconfigFor(
      conn,
      {
        serviceAccount: req.serviceAccount,
        serviceAccountNamespace: req.namespace,
        namespaces,
        kubeconfig: {
          ...(req.namePrefix ? { namePrefix: req.namePrefix } : {}),
          ...(req.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
        },
        clusterWide: details.bindings.some((b) => b.kind === 'ClusterRoleBinding'),
        roleRefs: roleRefsOf(details.bindings),
      },
      tokenResult,
      options,
    );
  } catch (err) {
    // No credential nobody holds: a new one goes again (an existing Secret is left alone).
    if (issued.credential.managed && issued.credential.revocable)
      await revokeSelected(conn, [issued.credential], { logger: options.logger, ledger: false }).catch(() => undefined);
    throw err;
  }
  const { token: _secret, secretCaPem: _ca, ...token } = tokenResult;
  return {
    yaml: k.kubeconfigYaml,
    contextNames: k.contexts,
    namespaces,
    token,
    credential: issued.credential,
    warnings: [...issued.warnings, ...k.warnings],
  };
}
