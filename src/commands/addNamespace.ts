import { checkDns1123Label } from '../core/plan/validate';
import type { CommandDeps } from './deps';
import { pickContext, targetOf } from './support/targets';

/** Adds a namespace to the tree by hand, for users who may not list namespaces. */
export async function addNamespace(deps: CommandDeps, node?: unknown): Promise<string | undefined> {
  const context = await pickContext(deps, await targetOf(deps, node));
  if (!context) return undefined;
  const name = await deps.prompts.input('Add namespace', {
    prompt: `A namespace of ${context} you work in (listing namespaces is not allowed for you)`,
    validate: (v) => checkDns1123Label(v.trim(), 'Namespace'),
  });
  if (!name) return undefined;
  await deps.tree.addNamespace(context, name.trim());
  return name.trim();
}
