import type { CommandDeps } from './deps';

/** Shows only namespaces and service accounts whose name contains the text (a namespace found by name shows all). */
export async function filterTree(deps: CommandDeps, text?: unknown): Promise<void> {
  const value =
    typeof text === 'string'
      ? text
      : await deps.prompts.input('Filter namespaces and service accounts by name', {
          value: deps.tree.filter,
          prompt: 'Part of the name; empty shows all',
        });
  if (value === undefined) return;
  deps.tree.setFilter(value);
}
