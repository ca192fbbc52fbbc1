import * as vscode from 'vscode';
import { readExistingTokenSecret, requestToken } from '../core/token/token';
import type { CommandDeps } from './support/deps';
import { rememberToken } from './support/issue';
import { pickTokenMode } from './support/lifetimes';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Puts a bearer token on the clipboard after a warning: a token Secret's own token (on a token node), or a new
 * time-bound one. The token is never shown, logged or kept.
 */
export async function copyToken(deps: CommandDeps, node?: unknown): Promise<boolean> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return false;
  const go = await deps.prompts.confirm(
    `Copy a token of ${t.namespace}/${t.serviceAccount} to the clipboard?`,
    'Anyone holding it can act as this service account until it expires or is revoked. Other applications can read the clipboard; paste it only where it must go, and clear the clipboard afterwards.',
    'Copy Token',
  );
  if (go !== 'Copy Token') return false;
  let durationSeconds = 0;
  if (!t.tokenSecret) {
    const mode = await pickTokenMode(deps, { allowLongLived: false, title: 'Lifetime of the copied token' });
    if (!mode || mode.kind !== 'timeBound') return false;
    durationSeconds = mode.durationSeconds;
  }
  const result = await withCancellableProgress(`Getting a token for ${t.namespace}/${t.serviceAccount}`, async (signal) => {
    const conn = await deps.connections.get(t.context);
    const options = { signal, logger: deps.logger };
    return t.tokenSecret
      ? readExistingTokenSecret(conn, { namespace: t.namespace, serviceAccount: t.serviceAccount, secretName: t.tokenSecret }, options)
      : requestToken(conn, { namespace: t.namespace, serviceAccount: t.serviceAccount, durationSeconds }, options);
  });
  await vscode.env.clipboard.writeText(result.token);
  await rememberToken(deps, t, result);
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  deps.logger.info(`Copied a ${result.mode} token of ${t.namespace}/${t.serviceAccount} to the clipboard${result.expiresAt ? ` (expires ${result.expiresAt})` : ''}`);
  void deps.prompts.info(`Token copied${result.expiresAt ? `; it expires ${new Date(result.expiresAt).toLocaleString()}` : ''}.`);
  return true;
}
