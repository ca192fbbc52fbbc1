import type { CommandDeps } from './deps';

export function clearFilter(deps: CommandDeps): void {
  deps.tree.setFilter('');
}
