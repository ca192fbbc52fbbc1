import {
  revokeCredentials as revokeInCore,
  type RevokeCredentialsResult,
  type RevokeSelection,
} from '../core/credentials/revoke';
import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Revokes several credentials of a service account at once (core revokeCredentials): every one sa-kubeconfig
 * made, the expired ones (and superseded ones past their grace period), or every superseded one. Credentials
 * sa-kubeconfig did not make are never part of such a selection.
 */
export async function revokeCredentials(
  deps: CommandDeps,
  node?: unknown,
): Promise<RevokeCredentialsResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const selection = await deps.prompts.pick<RevokeSelection>(
    `Revoke credentials of ${t.namespace}/${t.serviceAccount}`,
    [
      { label: 'Expired', description: 'and superseded ones whose grace period is over', value: { expired: true } },
      { label: 'Superseded', description: 'replaced by a rotation, grace period or not', value: { superseded: true } },
      {
        label: 'All',
        description: 'every credential sa-kubeconfig made for it: every kubeconfig of it stops working',
        value: { all: true },
      },
    ],
  );
  if (!selection) return undefined;
  if (selection.all) {
    const go = await deps.prompts.confirm(
      `Revoke every credential sa-kubeconfig made for ${t.namespace}/${t.serviceAccount}?`,
      'Every kubeconfig holding one of them gets 401 Unauthorized within about 10 seconds ' +
        '(the API server caches tokens it has validated).',
      'Revoke All',
    );
    if (go !== 'Revoke All') return undefined;
  }
  const result = await withCancellableProgress(
    `Revoking credentials of ${t.namespace}/${t.serviceAccount}`,
    async (signal) => {
      const conn = await deps.connections.get(t.context);
      return revokeInCore(
        conn,
        { namespace: t.namespace, serviceAccount: t.serviceAccount, selection },
        { signal, logger: deps.logger },
      );
    },
  );
  const secrets = result.revoked.map((c) => c.secretName);
  await deps.tokens.forgetBoundTo({ context: t.context, namespace: t.namespace }, secrets);
  await deps.documents.markRevoked(
    t,
    result.revoked.flatMap((c) => [c.id, c.secretName]),
    'revoked',
  );
  deps.logger.info(
    `Revoked ${result.revoked.length} credential(s) of ${t.namespace}/${t.serviceAccount}: ` +
      `${result.revoked.map((c) => c.id).join(', ') || 'none'}`,
  );
  const failed = result.failed.map((f) => `${f.credential.id}: ${f.message}`);
  if (failed.length > 0) void deps.prompts.warn(`Not revoked (still working): ${failed.join('; ')}.`);
  if (result.revoked.length > 0) {
    void deps.prompts.info(
      `Revoked ${result.revoked.map((c) => c.id).join(', ')}: they stop working within about 10 seconds.`,
    );
  } else if (failed.length === 0) {
    void deps.prompts.info(result.notes.join(' ') || 'Nothing to revoke.');
  }
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}
