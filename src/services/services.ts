// The long-lived services activate() makes once and hands around: to the tree, the commands, the wizard host and
// the Kubernetes-extension integration. Nothing here knows about those consumers: services import core (and each
// other), never commands, tree, webview, editor or integrations (eslint.config.mjs says so).
import type * as vscode from 'vscode';

import type { ExtensionLogger } from '../logging';
import type { ConnectionPool } from './connections';
import type { ExpiryWatch } from './expiryWatch';
import type { KubeconfigLocation } from './kubeconfigLocation';
import type { TokenMemory } from './tokenMemory';

export interface Services {
  context: vscode.ExtensionContext;
  logger: ExtensionLogger;
  /** Which kubeconfig file is read (kubectl's rules, or the file chosen in the Kubernetes extension). */
  location: KubeconfigLocation;
  /** One core Connection per context. */
  connections: ConnectionPool;
  /** When we issued time-bound tokens (never the tokens). */
  tokens: TokenMemory;
  /** Credentials in kubeconfig files written here that expire soon: the status bar item and notices. */
  expiry: ExpiryWatch;
}
