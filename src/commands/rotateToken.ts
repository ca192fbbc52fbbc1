import { rotateCredentials, type RotateCredentialsResult } from '../core/credentials/rotate';
import type { CommandDeps } from './deps';
import { rememberToken, suggestedFileName } from './support/issue';
import { pickTokenMode } from './support/lifetimes';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Rotates a service account's credentials, make before break (core rotateCredentials): a new credential is issued
 * and verified, its kubeconfig opens in a tab, and only then are the old credentials revoked (they stop working
 * within about 10 seconds). If anything fails before that, the old credential is intact.
 */
export async function rotateToken(deps: CommandDeps, node?: unknown): Promise<RotateCredentialsResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const which = t.credentialId ?? t.tokenSecret;
  const go = await deps.prompts.confirm(
    `Rotate the token of ${t.namespace}/${t.serviceAccount}?`,
    'A new credential is issued and opened first; ' +
      `then ${which ? `credential ${which}` : 'every credential sa-kubeconfig made for it'} is revoked ` +
      '(kubeconfigs holding the old token get 401 within about 10 seconds). ' +
      'If anything fails before that, the old credential keeps working.',
    'Rotate',
  );
  if (go !== 'Rotate') return undefined;
  const mode = await pickTokenMode(deps, {
    allowLongLived: false,
    title: 'Lifetime of the new token (not used for long-lived Secret tokens)',
  });
  if (!mode || mode.kind !== 'timeBound') return undefined;
  const result = await withCancellableProgress(
    `Rotating the token of ${t.namespace}/${t.serviceAccount}`,
    async (signal) => {
      const conn = await deps.connections.get(t.context);
      return rotateCredentials(
        conn,
        {
          namespace: t.namespace,
          serviceAccount: t.serviceAccount,
          durationSeconds: mode.durationSeconds,
          ...(which ? { credentialIds: [which] } : {}),
        },
        async (fresh) => {
          await deps.documents.open(fresh.kubeconfigYaml, {
            sourceContext: t.context,
            namespace: t.namespace,
            serviceAccount: t.serviceAccount,
            suggestedFileName: suggestedFileName(t.context, t.serviceAccount),
            credential: fresh.credential,
          });
          return [{ kind: 'editor' }];
        },
        { signal, logger: deps.logger },
      );
    },
  );
  const revoked = (result.revokeResult?.revoked ?? []).map((c) => c.secretName);
  await deps.tokens.forgetBoundTo(t, revoked);
  await rememberToken(deps, t, result.token);
  deps.logger.info(
    `Rotated the token of ${t.namespace}/${t.serviceAccount}: new credential ${result.credential.id}; ` +
      `revoked ${revoked.join(', ') || 'nothing'}`,
  );
  const failed = result.revokeResult?.failed ?? [];
  if (failed.length > 0)
    void deps.prompts.warn(
      `The new credential is in place, but ${failed.map((f) => `${f.credential.id}: ${f.message}`).join('; ')} ` +
        'could not be revoked.',
    );
  else if (revoked.length > 0)
    void deps.prompts.info(
      `Rotated: the old credential(s) ${result.replaced.map((c) => c.id).join(', ')} stop working ` +
        'within about 10 seconds.',
    );
  if (result.warnings.length > 0) void deps.prompts.warn(result.warnings.join(' '));
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}
