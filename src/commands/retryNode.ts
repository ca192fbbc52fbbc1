import { ErrorNode } from '../tree/nodes';
import type { CommandDeps } from './deps';

/** Loads again what an error node stands for. */
export function retryNode(deps: CommandDeps, node?: unknown): void {
  const key = node instanceof ErrorNode ? node.failedKey : undefined;
  deps.tree.refresh(key ? key : undefined);
}
