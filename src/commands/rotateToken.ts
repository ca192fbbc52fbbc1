import { rotate, type RotateResult } from '../core/inventory';
import type { CommandDeps } from './support/deps';
import { rememberToken, suggestedFileName } from './support/issue';
import { pickTokenMode } from './support/lifetimes';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Rotates the token of a service account sa-kubeconfig made (core rotate): a long-lived token Secret is
 * replaced, a binding Secret is made again (revoking every token bound to it), else a new time-bound token is
 * issued. The new kubeconfig opens in a tab.
 */
export async function rotateToken(deps: CommandDeps, node?: unknown): Promise<RotateResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const go = await deps.prompts.confirm(
    `Rotate the token of ${t.namespace}/${t.serviceAccount}?`,
    'A long-lived token Secret is replaced and a token-binding Secret is made again: tokens issued through them stop working within about 10 seconds, '
      + 'so every kubeconfig that holds them must be replaced by the new one. Time-bound tokens that are not bound to a Secret stay valid until they expire.',
    'Rotate',
  );
  if (go !== 'Rotate') return undefined;
  const mode = await pickTokenMode(deps, { allowLongLived: false, title: 'Lifetime of the new token (not used for long-lived Secret tokens)' });
  if (!mode || mode.kind !== 'timeBound') return undefined;
  const result = await withCancellableProgress(`Rotating the token of ${t.namespace}/${t.serviceAccount}`, async (signal) => {
    const conn = await deps.connections.get(t.context);
    return rotate(conn, { namespace: t.namespace, serviceAccount: t.serviceAccount, durationSeconds: mode.durationSeconds }, { signal, logger: deps.logger });
  });
  await deps.tokens.forget((r) => r.context === t.context && r.namespace === t.namespace && r.serviceAccount === t.serviceAccount
    && r.boundSecret !== undefined && result.replacedSecrets.includes(r.boundSecret));
  await rememberToken(deps, t, result.token);
  deps.logger.info(`Rotated the token of ${t.namespace}/${t.serviceAccount}; replaced ${result.replacedSecrets.join(', ') || 'no Secret'}`);
  await deps.documents.open(result.kubeconfigYaml, { sourceContext: t.context, namespace: t.namespace, serviceAccount: t.serviceAccount, suggestedFileName: suggestedFileName(t.context, t.serviceAccount) });
  if (result.warnings.length > 0) void deps.prompts.warn(result.warnings.join(' '));
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}
