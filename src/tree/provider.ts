// Renders the model: roots are the kubeconfig's contexts; node classes do the rest. A failure to load a node's
// children becomes an error node in its place, never an exception in VS Code's tree.
import * as vscode from 'vscode';

import type { Logger } from '../core/types';
import { describeError } from '../logging';
import { ClusterTreeModel } from './model';
import { ContextNode, ErrorNode, OpenKubeconfigNode, TreeNode } from './nodes';

export class ClusterTreeDataProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  /** The nodes last handed to VS Code, by key, so that a model event can name the node object VS Code knows. */
  private readonly nodes = new Map<string, TreeNode>();
  private readonly subscription: vscode.Disposable;

  constructor(
    readonly model: ClusterTreeModel,
    private readonly logger: Logger,
  ) {
    this.subscription = model.onDidChange((key) => {
      const node = key === undefined ? undefined : this.nodes.get(key);
      this.changed.fire(node);
    });
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return node.getTreeItem();
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.parent;
  }

  async getChildren(node?: TreeNode): Promise<TreeNode[]> {
    let children: TreeNode[];
    try {
      children = node ? await node.getChildren() : this.roots();
    } catch (err) {
      this.logger.warn(`Loading ${node?.key ?? 'contexts'} failed: ${describeError(err)}`);
      children = [new ErrorNode(node?.key ?? '', err)];
    }
    for (const child of children) {
      child.parent = node;
      this.nodes.set(child.key, child);
    }
    return children;
  }

  /** A context with a given name, as last rendered. */
  find(key: string): TreeNode | undefined {
    return this.nodes.get(key);
  }

  private roots(): TreeNode[] {
    // No kubeconfig at all: an empty tree lets the viewsWelcome speak.
    let contexts;
    try {
      contexts = this.model.contexts();
    } catch (err) {
      this.logger.info(`No kubeconfig to show: ${describeError(err)}`);
      void vscode.commands.executeCommand('setContext', 'saKubeconfig.noKubeconfig', true);
      return [];
    }
    void vscode.commands.executeCommand('setContext', 'saKubeconfig.noKubeconfig', contexts.length === 0);
    // A kubeconfig without contexts: the view's message says which file was read (viewStatus.ts), and the one row
    // opens it (a message hides the viewsWelcome, so the action cannot live there).
    if (contexts.length === 0) return [new OpenKubeconfigNode()];
    const selected = this.model.selectedContext();
    return contexts.map((c) => new ContextNode(this.model, c, c.name === selected));
  }

  dispose(): void {
    this.subscription.dispose();
    this.changed.dispose();
  }
}
