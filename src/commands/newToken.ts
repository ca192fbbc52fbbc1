import type { CommandDeps } from './support/deps';

export async function newToken(deps: CommandDeps, _node?: unknown): Promise<void> {
  void deps.prompts.info('Not available yet.');
}
