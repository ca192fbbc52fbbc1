import { TreeNode } from '../tree/nodes';
import type { CommandDeps } from './deps';

/** Reloads the whole tree, or the part below the clicked node. */
export function refreshTree(deps: CommandDeps, node?: unknown): void {
  deps.tree.refresh(node instanceof TreeNode ? node.key : undefined);
}
