import * as vscode from 'vscode';

import { issueCredential } from '../core/credentials/issue';
import type { CommandDeps } from './deps';
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
    'Anyone holding it can act as this service account until it expires or is revoked. ' +
      'Other applications can read the clipboard; paste it only where it must go, and clear the clipboard afterwards.',
    'Copy Token',
  );
  if (go !== 'Copy Token') return false;
  let durationSeconds = 0;
  if (!t.tokenSecret) {
    const mode = await pickTokenMode(deps, { allowLongLived: false, title: 'Lifetime of the copied token' });
    if (!mode || mode.kind !== 'timeBound') return false;
    durationSeconds = mode.durationSeconds;
  }
  const issued = await withCancellableProgress(
    `Getting a token for ${t.namespace}/${t.serviceAccount}`,
    async (signal) => {
      const conn = await deps.connections.get(t.context);
      // A new token is a credential of its own (bound to a new Secret): it can be revoked alone.
      return issueCredential(
        conn,
        t.tokenSecret
          ? { namespace: t.namespace, serviceAccount: t.serviceAccount, kind: 'existing', secretName: t.tokenSecret }
          : {
              namespace: t.namespace,
              serviceAccount: t.serviceAccount,
              kind: 'bound',
              durationSeconds,
              note: 'copied to the clipboard',
            },
        { signal, logger: deps.logger },
      );
    },
  );
  const result = issued.token;
  await vscode.env.clipboard.writeText(result.token);
  await rememberToken(deps, t, result);
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  deps.logger.info(
    `Copied a ${result.mode} token of ${t.namespace}/${t.serviceAccount} to the ` +
      `clipboard${result.expiresAt ? ` (expires ${result.expiresAt})` : ''}`,
  );
  void deps.prompts.info(
    `Token copied${result.expiresAt ? `; it expires ${new Date(result.expiresAt).toLocaleString()}` : ''}.`,
  );
  return true;
}
