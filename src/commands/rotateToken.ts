import { rotateCredentials, type RotateCredentialsResult } from '../core/credentials/rotate';
import type { CommandDeps } from './deps';
import { rememberToken, suggestedFileName } from './support/issue';
import { pickTokenMode } from './support/lifetimes';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount, type Target } from './support/targets';

/**
 * Rotates a service account's credentials, make before break (core rotateCredentials): a new credential is issued
 * and verified, its kubeconfig opens in a tab, and only then are the old credentials revoked (they stop working
 * within about 10 seconds). If anything fails before that, the old credential is intact.
 */
export async function rotateToken(deps: CommandDeps, node?: unknown): Promise<RotateCredentialsResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const which = t.credentialId ?? t.tokenSecret;
  const { message, detail } = rotateConfirmation(t, which);
  const go = await deps.prompts.confirm(message, detail, 'Rotate');
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
  await deps.documents.markRevoked(
    t,
    (result.revokeResult?.revoked ?? []).flatMap((c) => [c.id, c.secretName]),
    'replaced',
  );
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

const KIND_WORDS: Record<string, string> = {
  bound: 'time-bound token',
  longLived: 'long-lived token Secret',
  legacy: 'token Secret (not made by sa-kubeconfig)',
  unbound: 'unbound token',
};

/** The confirmation names the one credential clicked and what happens to it; a non-revocable one stays valid. */
export function rotateConfirmation(t: Target & { namespace: string; serviceAccount: string }, which?: string) {
  const c = t.credential;
  const after = 'kubeconfigs holding it get 401 within about 10 seconds';
  const intact = 'If anything fails before that, the old credential keeps working.';
  if (!which || !c) {
    return {
      message: `Rotate the credentials of ${t.namespace}/${t.serviceAccount}?`,
      detail:
        `A new time-bound token is issued and opened first; then every credential sa-kubeconfig made for ` +
        `${t.serviceAccount} is revoked (${after}). ${intact}`,
    };
  }
  const kind = KIND_WORDS[c.kind] ?? 'credential';
  const fresh = c.kind === 'longLived' ? 'long-lived token Secret' : 'time-bound token';
  if (!c.revocable) {
    const until = c.expiresAt ? `until ${new Date(c.expiresAt).toLocaleString()}` : 'until it expires';
    return {
      message: `Rotate the ${kind} ${which} of ${t.namespace}/${t.serviceAccount}?`,
      detail:
        `This ${kind} cannot be revoked: it stays valid ${until} whatever you do here (only deleting the service ` +
        'account ends it early). Rotate issues a new time-bound token and opens its kubeconfig; ' +
        'the old one is not cut off.',
    };
  }
  return {
    message: `Rotate the ${kind} ${which} of ${t.namespace}/${t.serviceAccount}?`,
    detail:
      `A new ${fresh} is issued and opened first; then this ${kind} is revoked by deleting its Secret ` +
      `${which} (${after}). Other credentials of ${t.serviceAccount} keep working. ${intact}`,
  };
}
