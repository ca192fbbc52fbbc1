// Shared by the commands that hand out a kubeconfig for an existing service account.
import {
  kubeconfigForServiceAccount,
  type ExistingAccountToken,
  type ServiceAccountKubeconfig,
} from '../../core/kubeconfig/forServiceAccount';
import type { CommandDeps } from '../deps';
import { withCancellableProgress } from './progress';

export function suggestedFileName(context: string, serviceAccount: string): string {
  return `${context}-${serviceAccount}.kubeconfig`.replace(/[^A-Za-z0-9._-]+/g, '_');
}

/**
 * Issues the token, opens the kubeconfig in a read-only in-memory tab (which notes it in the ledger), remembers the
 * token's expiry (not the token).
 */
export async function openKubeconfigForServiceAccount(
  deps: CommandDeps,
  t: { context: string; namespace: string; serviceAccount: string },
  token: ExistingAccountToken,
): Promise<ServiceAccountKubeconfig> {
  const result = await withCancellableProgress(
    `Issuing a token for ${t.namespace}/${t.serviceAccount}`,
    async (signal) => {
      const conn = await deps.connections.get(t.context);
      return kubeconfigForServiceAccount(
        conn,
        { namespace: t.namespace, serviceAccount: t.serviceAccount, token },
        { signal, logger: deps.logger },
      );
    },
  );
  await rememberToken(deps, t, result.token);
  await deps.documents.open(result.yaml, {
    sourceContext: t.context,
    namespace: t.namespace,
    serviceAccount: t.serviceAccount,
    suggestedFileName: suggestedFileName(t.context, t.serviceAccount),
    credential: result.credential,
  });
  if (result.token.shortened) {
    void deps.prompts.warn(
      `The cluster granted a shorter lifetime than asked: the token expires ${result.token.expiresAt}.`,
    );
  }
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}

export async function rememberToken(
  deps: CommandDeps,
  t: { context: string; namespace: string; serviceAccount: string },
  token: { mode: string; expiresAt?: string; secretName?: string },
): Promise<void> {
  if (token.mode !== 'timeBound' || !token.expiresAt) return;
  const conn = await deps.connections.get(t.context);
  await deps.tokens.remember({
    context: t.context,
    server: conn.server,
    namespace: t.namespace,
    serviceAccount: t.serviceAccount,
    issuedAt: new Date().toISOString(),
    expiresAt: token.expiresAt,
    ...(token.secretName ? { boundSecret: token.secretName } : {}),
  });
}
