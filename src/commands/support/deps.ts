// What every command gets: the services made once at activation. Tests reach the same object through the
// extension's exports and may swap `prompts` to answer the UI.
import type * as vscode from 'vscode';
import type { ExtensionLogger } from '../../logging';
import type { ClusterTreeModel } from '../../tree/model';
import type { KubeconfigDocuments } from '../../editor/kubeconfigDocuments';
import type { ConnectionPool } from './connections';
import type { KubeconfigLocation } from './kubeconfigLocation';
import type { Prompts } from './prompts';
import type { TokenMemory } from './tokenMemory';

export interface CommandDeps {
  context: vscode.ExtensionContext;
  logger: ExtensionLogger;
  location: KubeconfigLocation;
  connections: ConnectionPool;
  tree: ClusterTreeModel;
  tokens: TokenMemory;
  documents: KubeconfigDocuments;
  prompts: Prompts;
}
