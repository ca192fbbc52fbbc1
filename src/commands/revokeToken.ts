import { UNBOUND_NOTE } from '../core/credentials/model';
import { revokeCredentials, type RevokeCredentialsResult } from '../core/credentials/revoke';
import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Revokes credentials by deleting the Secret behind them (core revokeCredentials): one credential (a token Secret
 * node, an issued bound token, or `credentialId`), or on a service account every credential sa-kubeconfig made for it.
 * The API server may accept a token it has already validated for about 10 seconds: the message says so.
 */
export async function revokeToken(deps: CommandDeps, node?: unknown): Promise<RevokeCredentialsResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  if (t.issuedToken && !t.issuedToken.boundSecret) {
    void deps.prompts.info(`This token is not bound to a Secret. ${UNBOUND_NOTE}`);
    return undefined;
  }
  const id = t.credentialId ?? t.tokenSecret ?? t.issuedToken?.boundSecret;
  const what = id
    ? `Secret ${t.namespace}/${id}`
    : `every credential sa-kubeconfig made for ${t.namespace}/${t.serviceAccount}`;
  const go = await deps.prompts.confirm(
    `Revoke by deleting ${what}?`,
    'Kubeconfigs holding the token get 401 Unauthorized within about 10 seconds ' +
      '(the API server caches tokens it has validated).',
    'Revoke',
  );
  if (go !== 'Revoke') return undefined;
  const result = await withCancellableProgress(`Revoking ${what}`, async (signal) => {
    const conn = await deps.connections.get(t.context);
    return revokeCredentials(
      conn,
      { namespace: t.namespace, serviceAccount: t.serviceAccount, selection: id ? { ids: [id] } : { all: true } },
      { signal, logger: deps.logger },
    );
  });
  const deleted = result.revoked.map((c) => c.secretName ?? c.id);
  await deps.tokens.forgetBoundTo(t, deleted);
  await deps.documents.markRevoked(
    t,
    result.revoked.flatMap((c) => [c.id, c.secretName]),
    'revoked',
  );
  deps.logger.info(
    `Revoked: deleted ${deleted.join(', ') || 'nothing'}${result.notes.length ? `; ${result.notes.join(' ')}` : ''}`,
  );
  void deps.prompts.info(
    deleted.length
      ? `Revoked ${result.revoked.map((c) => c.id).join(', ')} (deleted Secret ${deleted.join(', ')}): ` +
          'it stops working within about 10 seconds.'
      : result.notes.join(' '),
  );
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}
