import type { CommandDeps } from './support/deps';

export async function deleteServiceAccount(deps: CommandDeps, _node?: unknown): Promise<void> {
  void deps.prompts.info('Not available yet.');
}
