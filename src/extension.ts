// Entry point of the VS Code extension. Activation only registers things; no cluster call happens here.
import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Service Account Kubeconfig', { log: true });
  context.subscriptions.push(log);
  context.subscriptions.push(
    vscode.commands.registerCommand('saKubeconfig.showLog', () => log.show()),
    vscode.commands.registerCommand('saKubeconfig.refresh', () => undefined),
  );
}

export function deactivate(): void {}
