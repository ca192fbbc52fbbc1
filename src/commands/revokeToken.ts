import { revoke, type RevokeResult } from '../core/inventory';
import type { CommandDeps } from './support/deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Revokes tokens by deleting the Secret behind them (core revoke): a token Secret, the Secret a time-bound token
 * is bound to, or (on a service account) every token Secret sa-kubeconfig made for it.
 */
export async function revokeToken(deps: CommandDeps, node?: unknown): Promise<RevokeResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  if (t.issuedToken && !t.issuedToken.boundSecret) {
    void deps.prompts.info('This token is not bound to a Secret: it cannot be revoked before it expires. Delete the service account (or its bindings) to cut it off (within about 10 seconds: the API server caches tokens it has checked).');
    return undefined;
  }
  const secretName = t.tokenSecret ?? t.issuedToken?.boundSecret;
  const what = secretName ? `Secret ${t.namespace}/${secretName}` : `every token Secret sa-kubeconfig made for ${t.namespace}/${t.serviceAccount}`;
  const go = await deps.prompts.confirm(`Revoke by deleting ${what}?`, 'Every token issued through it stops working within about 10 seconds (the API server caches tokens it has checked); kubeconfigs holding it then get 401 Unauthorized.', 'Revoke');
  if (go !== 'Revoke') return undefined;
  const result = await withCancellableProgress(`Revoking ${what}`, async (signal) => {
    const conn = await deps.connections.get(t.context);
    return revoke(conn, { namespace: t.namespace, serviceAccount: t.serviceAccount, secretName }, { signal, logger: deps.logger });
  });
  const deleted = result.deleted.map((r) => r.name);
  await deps.tokens.forget((r) => r.context === t.context && r.namespace === t.namespace && r.serviceAccount === t.serviceAccount && r.boundSecret !== undefined && deleted.includes(r.boundSecret));
  deps.logger.info(`Revoked: deleted ${deleted.join(', ') || 'nothing'}${result.notes.length ? `; ${result.notes.join(' ')}` : ''}`);
  void deps.prompts.info(deleted.length ? `Revoked: deleted Secret ${deleted.join(', ')}. Tokens bound to it stop working within about 10 seconds.` : result.notes.join(' '));
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}
