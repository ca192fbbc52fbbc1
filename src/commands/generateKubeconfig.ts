import type { ServiceAccountKubeconfig } from '../core/kubeconfig/forServiceAccount';
import type { CommandDeps } from './deps';
import { openKubeconfigForServiceAccount } from './support/issue';
import { pickTokenMode } from './support/lifetimes';
import { resolveServiceAccount } from './support/targets';

/**
 * A kubeconfig for an existing service account, with a fresh time-bound token (or, on a token Secret node, that
 * Secret's token), opened in a read-only in-memory tab. Nothing about the account's permissions changes.
 */
export async function generateKubeconfig(
  deps: CommandDeps,
  node?: unknown,
): Promise<ServiceAccountKubeconfig | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  if (t.tokenSecret)
    return openKubeconfigForServiceAccount(deps, t, { kind: 'existingSecret', secretName: t.tokenSecret });
  const mode = await pickTokenMode(deps, { allowLongLived: false, title: `Token lifetime for ${t.serviceAccount}` });
  if (!mode || mode.kind !== 'timeBound') return undefined;
  return openKubeconfigForServiceAccount(deps, t, { kind: 'timeBound', durationSeconds: mode.durationSeconds });
}
