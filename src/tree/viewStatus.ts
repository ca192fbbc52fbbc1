// What the Clusters view says above its rows (TreeView.message, which wraps instead of being cut off like a node
// label in a narrow sidebar) and beside its title (TreeView.description): the active filter, and which kubeconfig
// file was read when it holds no context (its one row, "Open Kubeconfig File", opens it; see provider.ts).
import * as vscode from 'vscode';

import { kubeconfigPaths } from '../core/cluster/loadKubeconfig';
import type { ClusterTreeModel } from './model';

/** The view's message for a filter and a kubeconfig without contexts (undefined: nothing to say). Pure. */
export function viewMessage(filter: string, contextCount: number | undefined, paths: string[]): string | undefined {
  const lines: string[] = [];
  // No kubeconfig at all: no message, so that the viewsWelcome speaks (a message would hide it).
  if (contextCount === 0) lines.push(`No contexts in ${paths.join(', ') || 'your kubeconfig'}.`);
  if (filter) lines.push(`Filter "${filter}": namespaces and service accounts whose name contains it.`);
  return lines.length > 0 ? lines.join(' ') : undefined;
}

/** Keeps the view's message and description in step with the model. */
export function bindViewStatus(
  view: vscode.TreeView<unknown>,
  model: ClusterTreeModel,
  kubeconfigPath: () => string | undefined,
): vscode.Disposable {
  const update = () => {
    let count: number | undefined;
    try {
      count = model.contexts().length;
    } catch {
      count = undefined;
    }
    view.message = viewMessage(model.filter, count, kubeconfigPaths(kubeconfigPath()).paths);
    view.description = model.filter ? `filter: ${model.filter}` : undefined;
  };
  update();
  return model.onDidChange(update);
}
