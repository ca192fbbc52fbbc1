// Entry point of the VS Code extension. Activation only wires things up: no cluster call, no file read beyond
// what VS Code does for us. The tree loads when it is shown; commands connect when they run.
// The services (src/services), the editor parts (src/editor) and the Kubernetes-extension integration are made here,
// once, and handed to the tree, the commands and the wizard host.
import * as vscode from 'vscode';

import type { CommandDeps } from './commands/deps';
import { COMMANDS, registerCommands } from './commands/registerCommands';
import { closeAllSessions } from './core/cluster/http2';
import { recordCredentials } from './core/credentials/ledger';
import { ledgerEntryFor } from './core/credentials/record';
import { KubeconfigDocuments } from './editor/kubeconfigDocuments';
import { vscodePrompts } from './editor/prompts';
import { KubernetesToolsIntegration } from './integrations/kubernetesTools';
import { ExtensionLogger } from './logging';
import { ConnectionPool } from './services/connections';
import { ExpiryWatch } from './services/expiryWatch';
import { KubeconfigLocation } from './services/kubeconfigLocation';
import { TokenMemory } from './services/tokenMemory';
import { ClusterTreeModel } from './tree/model';
import { ClusterTreeDataProvider } from './tree/provider';
import { bindViewStatus } from './tree/viewStatus';

/** What activate() returns: for the extension-host tests (and nothing else relies on it). */
export interface SaKubeconfigApi {
  activationMs: number;
  deps: CommandDeps;
  provider: ClusterTreeDataProvider;
  commands: typeof COMMANDS;
  /** Settles when the optional Kubernetes extension integration has been tried. */
  kubernetesToolsReady: Promise<boolean>;
  /** The Clusters view (tests read its message and description). */
  view: vscode.TreeView<unknown>;
}

export function activate(context: vscode.ExtensionContext): SaKubeconfigApi {
  const started = performance.now();
  const logger = ExtensionLogger.create();
  const location = new KubeconfigLocation();
  const connections = new ConnectionPool(location, logger);
  const tokens = new TokenMemory(context.globalState);
  const expiry = new ExpiryWatch({ logger, state: context.globalState });
  const tree = new ClusterTreeModel(connections, location, tokens, context.workspaceState, logger);
  const provider = new ClusterTreeDataProvider(tree, logger);
  const view = vscode.window.createTreeView('saKubeconfig.clusters', {
    treeDataProvider: provider,
    showCollapseAll: true,
  });
  const documents = new KubeconfigDocuments(logger, async (info, destination) => {
    const conn = await connections.get(info.sourceContext);
    await recordCredentials([ledgerEntryFor(conn, info.credential, [destination])]);
  });
  context.subscriptions.push(logger, location, connections, tree, provider, view, documents);
  context.subscriptions.push(expiry);
  context.subscriptions.push(bindViewStatus(view, tree, () => location.path));

  const kubernetesTools = new KubernetesToolsIntegration({
    logger,
    location,
    onChange: () => tree.refresh(),
    subscriptions: context.subscriptions,
  });

  // One object for every command and the wizard host (tests swap its `prompts`).
  const deps: CommandDeps = {
    context,
    logger,
    location,
    connections,
    tree,
    tokens,
    documents,
    prompts: vscodePrompts,
    kubernetesTools,
    expiry,
  };
  registerCommands(context, deps);

  const kubernetesToolsReady = kubernetesTools.start();
  expiry.start();

  const activationMs = performance.now() - started;
  logger.info(`Activated in ${activationMs.toFixed(1)} ms`);
  return { activationMs, deps, provider, commands: COMMANDS, kubernetesToolsReady, view };
}

/** The HTTP/2 connections to API servers are shared by every connection of the extension host: close them. */
export function deactivate(): void {
  closeAllSessions();
}
