import * as vscode from 'vscode';

import { kubeconfigPaths } from '../core/cluster/loadKubeconfig';
import type { CommandDeps } from './deps';

/** Opens the kubeconfig file the tree reads (the first one, when KUBECONFIG lists several). */
export async function openKubeconfigFile(deps: CommandDeps): Promise<void> {
  const { paths } = kubeconfigPaths(deps.location.path);
  await vscode.window.showTextDocument(vscode.Uri.file(paths[0]));
}
