// Generated kubeconfigs open as untitled YAML documents: nothing reaches the disk until the user saves. We keep
// track of those documents to offer Save as… / Merge / Test connection on them (CodeLens and editor title), and
// so that a plain Save of one still ends in an owner-only (0600) file.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';
import type { Logger } from '../core/types';
import type { Expectations } from '../core/verify/verify';

export interface GeneratedKubeconfigInfo {
  /** The caller's context it was made with. */
  sourceContext: string;
  namespace: string;
  serviceAccount: string;
  /** `<context>-<serviceaccount>.kubeconfig` */
  suggestedFileName: string;
  /** What Test connection should expect (from the request that made it); otherwise it only reports. */
  expectations?: Expectations;
}

export const KUBECONFIG_EDITOR_CONTEXT_KEY = 'saKubeconfig.kubeconfigEditor';

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

export class KubeconfigDocuments implements vscode.Disposable, vscode.CodeLensProvider {
  private readonly byUri = new Map<string, GeneratedKubeconfigInfo>();
  /** Content hashes of our untitled documents: a Save turns the untitled into a file with a new URI. */
  private readonly byContent = new Map<string, GeneratedKubeconfigInfo>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(private readonly logger: Logger) {
    this.subscriptions.push(
      this.lensesChanged,
      vscode.languages.registerCodeLensProvider([{ language: 'yaml' }], this),
      vscode.workspace.onDidChangeTextDocument((e) => this.contentChanged(e.document)),
      vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)),
      vscode.window.onDidChangeActiveTextEditor((editor) => this.updateContextKey(editor)),
    );
  }

  /** Opens the kubeconfig text in a new untitled YAML tab. */
  async open(text: string, info: GeneratedKubeconfigInfo): Promise<vscode.TextEditor> {
    const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: text });
    this.track(doc, info);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    this.updateContextKey(editor);
    return editor;
  }

  track(doc: vscode.TextDocument, info: GeneratedKubeconfigInfo): void {
    this.byUri.set(doc.uri.toString(), info);
    if (doc.isUntitled) this.byContent.set(hash(doc.getText()), info);
    this.lensesChanged.fire();
  }

  infoFor(doc: vscode.TextDocument): GeneratedKubeconfigInfo | undefined {
    return this.byUri.get(doc.uri.toString());
  }

  /** Our documents that are open now. */
  openDocuments(): vscode.TextDocument[] {
    return vscode.workspace.textDocuments.filter((d) => this.byUri.has(d.uri.toString()));
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.infoFor(doc)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, { title: '$(save-as) Save as…', command: 'saKubeconfig.saveKubeconfigAs', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: '$(merge) Merge into my kubeconfig…', command: 'saKubeconfig.mergeKubeconfig', arguments: [doc.uri] }),
      new vscode.CodeLens(top, { title: '$(plug) Test connection', command: 'saKubeconfig.testConnection', arguments: [doc.uri] }),
    ];
  }

  private contentChanged(doc: vscode.TextDocument): void {
    const info = this.infoFor(doc);
    if (!info || !doc.isUntitled) return;
    for (const [h, i] of this.byContent) if (i === info) this.byContent.delete(h);
    this.byContent.set(hash(doc.getText()), info);
  }

  /** A plain Save of one of our documents: the file VS Code wrote gets mode 0600 at once. */
  private async saved(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file') return;
    const info = this.infoFor(doc) ?? this.byContent.get(hash(doc.getText()));
    if (!info) return;
    try {
      await fs.chmod(doc.uri.fsPath, 0o600);
      this.logger.info(`Saved ${doc.uri.fsPath} with mode 0600`);
    } catch (err) {
      this.logger.warn(`Could not make ${doc.uri.fsPath} owner-only: ${(err as Error).message}`);
      void vscode.window.showWarningMessage(`${doc.uri.fsPath} holds a credential but its permissions could not be narrowed to 0600: ${(err as Error).message}`);
    }
    this.track(doc, info);
  }

  private updateContextKey(editor: vscode.TextEditor | undefined): void {
    const ours = editor ? this.byUri.has(editor.document.uri.toString()) : false;
    void vscode.commands.executeCommand('setContext', KUBECONFIG_EDITOR_CONTEXT_KEY, ours);
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }
}
