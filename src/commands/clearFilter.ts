import type { CommandDeps } from './support/deps';

export function clearFilter(deps: CommandDeps): void {
  deps.tree.setFilter('');
}
