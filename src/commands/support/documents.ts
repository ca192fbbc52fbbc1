import * as vscode from 'vscode';

import type { GeneratedKubeconfigInfo } from '../../editor/kubeconfigDocuments';
import type { CommandDeps } from '../deps';

/** The generated-kubeconfig document a command was invoked on (CodeLens URI, editor title, or the active editor). */
export function kubeconfigDocumentOf(
  deps: CommandDeps,
  arg: unknown,
): { doc: vscode.TextDocument; info: GeneratedKubeconfigInfo | undefined; text: string } {
  const uri = arg instanceof vscode.Uri ? arg : vscode.window.activeTextEditor?.document.uri;
  const doc = uri ? vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString()) : undefined;
  if (!doc) throw new Error('Open a generated kubeconfig first (Generate kubeconfig or Quick create).');
  return { doc, info: deps.documents.infoFor(doc), text: deps.documents.textOf(doc) };
}
