// Which kubeconfig file the extension reads. Default: what kubectl reads (KUBECONFIG, else ~/.kube/config).
// When Microsoft's Kubernetes extension is installed its configured kubeconfig path wins, so both trees agree.
import * as vscode from 'vscode';

export class KubeconfigLocation implements vscode.Disposable {
  private override: string | undefined;
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChange = this.changed.event;

  /** An explicit kubeconfig file, or undefined for kubectl's rules. */
  get path(): string | undefined {
    return this.override;
  }

  setOverride(path: string | undefined): void {
    const next = path || undefined;
    if (next === this.override) return;
    this.override = next;
    this.changed.fire();
  }

  dispose(): void {
    this.changed.dispose();
  }
}
