import type { ServiceAccountKubeconfig } from '../core/kubeconfig/forServiceAccount';
import { formatDuration } from '../core/plan/duration';
import type { PickItem } from '../editor/prompts';
import type { CommandDeps } from './deps';
import { openKubeconfigForServiceAccount } from './support/issue';
import { pickTokenMode } from './support/lifetimes';
import { resolveServiceAccount } from './support/targets';

type Source = { kind: 'timeBound' } | { kind: 'secret'; name: string };

/** A new token for the service account, from a TokenRequest or one of its token Secrets, in a new kubeconfig tab. */
export async function newToken(deps: CommandDeps, node?: unknown): Promise<ServiceAccountKubeconfig | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const details = await deps.tree.serviceAccountDetails(t.context, t.namespace, t.serviceAccount);
  const secrets = details.tokenSecrets.filter((s) => s.populated);
  let source: Source | undefined = { kind: 'timeBound' };
  if (secrets.length > 0) {
    source = await deps.prompts.pick<Source>(`New token for ${t.serviceAccount}`, [
      { label: 'A time-bound token (TokenRequest)', description: 'recommended', value: { kind: 'timeBound' } },
      ...secrets.map((s): PickItem<Source> => ({
        label: `The token of Secret ${s.name}`,
        description: 'long-lived',
        value: { kind: 'secret', name: s.name },
      })),
    ]);
  }
  if (!source) return undefined;
  if (source.kind === 'secret')
    return openKubeconfigForServiceAccount(deps, t, { kind: 'existingSecret', secretName: source.name });
  const mode = await pickTokenMode(deps, { allowLongLived: false, title: `Token lifetime for ${t.serviceAccount}` });
  if (!mode || mode.kind !== 'timeBound') return undefined;
  deps.logger.info(`New ${formatDuration(mode.durationSeconds)} token for ${t.namespace}/${t.serviceAccount}`);
  return openKubeconfigForServiceAccount(deps, t, { kind: 'timeBound', durationSeconds: mode.durationSeconds });
}
