import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { targetOf } from './support/targets';

/** Fetches the next page of a namespace's service accounts. */
export async function loadMore(deps: CommandDeps, node?: unknown): Promise<void> {
  const { context, namespace } = await targetOf(deps, node);
  if (!context || !namespace) return;
  await withCancellableProgress(`Loading more service accounts in ${namespace}`, () =>
    deps.tree.loadMore(context, namespace),
  );
}
