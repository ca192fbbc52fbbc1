import type { CommandDeps } from './deps';
import { targetOf } from './support/targets';

/**
 * Chooses the context palette commands act on. The kubeconfig's own current-context is left alone: switching
 * here must not change what kubectl does in the user's terminals.
 */
export async function selectContext(deps: CommandDeps, node?: unknown): Promise<string | undefined> {
  let context = (await targetOf(deps, node)).context;
  if (!context) {
    const selected = deps.tree.selectedContext();
    context = await deps.prompts.pick(
      'Select context',
      deps.tree.contexts().map((c) => ({
        label: c.name,
        description:
          [c.name === selected ? 'selected' : '', c.current ? 'current-context' : ''].filter(Boolean).join(' · ') ||
          undefined,
        detail: c.server,
        value: c.name,
      })),
      { placeholder: 'Context for sa-kubeconfig commands' },
    );
  }
  if (!context) return undefined;
  await deps.tree.selectContext(context);
  deps.logger.info(`Selected context ${context}`);
  return context;
}
