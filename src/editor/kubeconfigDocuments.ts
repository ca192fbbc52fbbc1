// Generated kubeconfigs open as read-only virtual documents of our own scheme (`sa-kubeconfig:`), served from memory
// by a FileSystemProvider: nothing reaches the disk until the user asks (Save as… writes 0600 from the first byte,
// Merge writes through core's merge). A read-only document is never dirty, so VS Code's hot exit has nothing to
// back up, and the text is dropped from memory when its last tab closes (after a window reload the tab is gone).
// We keep track of those documents to offer Save as… / Merge / Test connection on them (CodeLens and editor title),
// and so that a Save of one through VS Code's own "Save As" still ends in an owner-only (0600) file.
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';

import type { Credential, CredentialDestination } from '../core/credentials/model';
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
  /** The credential the kubeconfig holds (no token): where it is written goes into the local ledger. */
  credential?: Credential;
  /** Set when sa-kubeconfig revoked or replaced that credential while the tab was open (the tab says so). */
  revoked?: 'revoked' | 'replaced';
}

/** Notes in the local ledger (never a token) where this machine wrote a credential. */
export type RecordDestination = (
  info: GeneratedKubeconfigInfo & { credential: Credential },
  destination: CredentialDestination,
) => Promise<void>;

export const KUBECONFIG_EDITOR_CONTEXT_KEY = 'saKubeconfig.kubeconfigEditor';
/** The URI scheme of our in-memory kubeconfig documents. package.json's keybinding names it too. */
export const KUBECONFIG_SCHEME = 'sa-kubeconfig';

/**
 * The tab title: "kubeconfig for <namespace>/<service account>". A tab is titled with its URI's last path segment,
 * which cannot hold a "/", so the title uses the look-alike DIVISION SLASH (U+2215). Kubernetes names hold neither.
 */
export function kubeconfigTabTitle(namespace: string, serviceAccount: string): string {
  return `kubeconfig for ${namespace}\u2215${serviceAccount}`;
}

const hash = (text: string) => createHash('sha256').update(text).digest('hex');

/** In-memory, read-only files: `/<n>/<title>`. Writes from VS Code are refused; we add and drop entries ourselves. */
export class KubeconfigFileSystem implements vscode.FileSystemProvider {
  private readonly files = new Map<string, { data: Uint8Array; ctime: number }>();
  private readonly changed = new vscode.EventEmitter<vscode.FileChangeEvent[]>();
  readonly onDidChangeFile = this.changed.event;

  add(uri: vscode.Uri, text: string): void {
    this.files.set(uri.path, { data: new TextEncoder().encode(text), ctime: Date.now() });
  }

  has(uri: vscode.Uri): boolean {
    return this.files.has(uri.path);
  }

  /** Forgets the text (the token with it). The buffer is zeroed first: nothing in this process keeps it. */
  drop(uri: vscode.Uri): void {
    const entry = this.files.get(uri.path);
    if (!entry) return;
    entry.data.fill(0);
    this.files.delete(uri.path);
    this.changed.fire([{ type: vscode.FileChangeType.Deleted, uri }]);
  }

  text(uri: vscode.Uri): string | undefined {
    const entry = this.files.get(uri.path);
    return entry ? new TextDecoder().decode(entry.data) : undefined;
  }

  get size(): number {
    return this.files.size;
  }

  watch(): vscode.Disposable {
    return new vscode.Disposable(() => undefined);
  }

  stat(uri: vscode.Uri): vscode.FileStat {
    const entry = this.files.get(uri.path);
    if (entry)
      return { type: vscode.FileType.File, ctime: entry.ctime, mtime: entry.ctime, size: entry.data.byteLength };
    const dir = uri.path.endsWith('/') ? uri.path : `${uri.path}/`;
    if ([...this.files.keys()].some((p) => p.startsWith(dir)))
      return { type: vscode.FileType.Directory, ctime: 0, mtime: 0, size: 0 };
    throw vscode.FileSystemError.FileNotFound(uri);
  }

  readDirectory(uri: vscode.Uri): [string, vscode.FileType][] {
    const dir = uri.path.endsWith('/') ? uri.path : `${uri.path}/`;
    const names = new Map<string, vscode.FileType>();
    for (const p of this.files.keys()) {
      if (!p.startsWith(dir)) continue;
      const rest = p.slice(dir.length);
      const slash = rest.indexOf('/');
      names.set(slash < 0 ? rest : rest.slice(0, slash), slash < 0 ? vscode.FileType.File : vscode.FileType.Directory);
    }
    return [...names.entries()];
  }

  readFile(uri: vscode.Uri): Uint8Array {
    const entry = this.files.get(uri.path);
    if (!entry) throw vscode.FileSystemError.FileNotFound(uri);
    return entry.data.slice();
  }

  createDirectory(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  writeFile(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  delete(uri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(uri);
  }

  rename(oldUri: vscode.Uri): void {
    throw vscode.FileSystemError.NoPermissions(oldUri);
  }

  dispose(): void {
    for (const entry of this.files.values()) entry.data.fill(0);
    this.files.clear();
    this.changed.dispose();
  }
}

const READONLY_MESSAGE = new vscode.MarkdownString(
  'A kubeconfig generated by sa-kubeconfig: it is kept in memory only. ' +
    'Use **Save as…** (mode 0600) or **Merge into my kubeconfig…**.',
);
READONLY_MESSAGE.isTrusted = false;

export class KubeconfigDocuments implements vscode.Disposable, vscode.CodeLensProvider {
  readonly fileSystem = new KubeconfigFileSystem();
  private readonly byUri = new Map<string, GeneratedKubeconfigInfo>();
  /** Content hashes of our documents: VS Code's own Save As writes a file with a new URI and the same text. */
  private readonly byContent = new Map<string, GeneratedKubeconfigInfo>();
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.lensesChanged.event;
  private readonly subscriptions: vscode.Disposable[] = [];
  private counter = 0;

  constructor(
    private readonly logger: Logger,
    private readonly record?: RecordDestination,
  ) {
    this.subscriptions.push(
      this.lensesChanged,
      this.fileSystem,
      vscode.workspace.registerFileSystemProvider(KUBECONFIG_SCHEME, this.fileSystem, {
        isCaseSensitive: true,
        isReadonly: READONLY_MESSAGE,
      }),
      vscode.languages.registerCodeLensProvider([{ language: 'yaml' }, { scheme: KUBECONFIG_SCHEME }], this),
      vscode.workspace.onDidSaveTextDocument((doc) => this.saved(doc)),
      vscode.window.onDidChangeActiveTextEditor((editor) => this.updateContextKey(editor)),
      vscode.window.tabGroups.onDidChangeTabs((e) => this.tabsClosed(e.closed)),
    );
    // Tabs of ours restored by a window reload have nothing behind them any more: close them.
    void this.closeStaleTabs();
  }

  /** Opens the kubeconfig text in a new read-only tab titled "kubeconfig for <ns>/<sa>". */
  async open(text: string, info: GeneratedKubeconfigInfo): Promise<vscode.TextEditor> {
    this.counter += 1;
    const uri = vscode.Uri.from({
      scheme: KUBECONFIG_SCHEME,
      path: `/${this.counter}/${kubeconfigTabTitle(info.namespace, info.serviceAccount)}`,
    });
    this.fileSystem.add(uri, text);
    const doc = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(uri), 'yaml');
    this.track(doc, info);
    const editor = await vscode.window.showTextDocument(doc, { preview: false });
    this.updateContextKey(editor);
    await this.recordWritten(info, { kind: 'editor' });
    return editor;
  }

  /**
   * Marks the open tabs whose credential sa-kubeconfig just revoked or replaced (matched by the credential's Secret
   * name or id): each is reopened in place with a banner comment at the top of the read-only text and " (revoked)"
   * after its title, so nobody saves or merges a dead token unawares. Returns how many tabs were marked.
   */
  async markRevoked(
    t: { namespace: string; serviceAccount: string },
    credentials: (string | undefined)[],
    how: 'revoked' | 'replaced',
  ): Promise<number> {
    const wanted = new Set(credentials.filter((c): c is string => Boolean(c)));
    const before = vscode.window.activeTextEditor;
    const replaced = new Set<string>();
    let marked = 0;
    for (const doc of this.openDocuments()) {
      const info = this.infoFor(doc);
      const c = info?.credential;
      if (!info || !c || !this.isVirtual(doc) || info.revoked) continue;
      if (info.namespace !== t.namespace || info.serviceAccount !== t.serviceAccount) continue;
      if (!wanted.has(c.id) && !(c.secretName && wanted.has(c.secretName))) continue;
      const text = this.textOf(doc);
      const when = new Date().toISOString();
      const banner =
        `# REVOKED: sa-kubeconfig ${how === 'replaced' ? 'rotated' : 'revoked'} this credential ` +
        `(${c.id}) at ${when}.\n` +
        '# The token below no longer works. Use New Token or Rotate on the service account for a working kubeconfig.\n';
      const tabs = this.tabsOf(doc.uri);
      const column = tabs[0]?.group.viewColumn;
      this.counter += 1;
      const uri = vscode.Uri.from({
        scheme: KUBECONFIG_SCHEME,
        path: `/${this.counter}/${kubeconfigTabTitle(info.namespace, info.serviceAccount)} (revoked)`,
      });
      this.fileSystem.add(uri, banner + text);
      const fresh = await vscode.languages.setTextDocumentLanguage(
        await vscode.workspace.openTextDocument(uri),
        'yaml',
      );
      this.track(fresh, { ...info, revoked: how });
      await vscode.window.showTextDocument(fresh, { preview: false, preserveFocus: true, viewColumn: column });
      replaced.add(doc.uri.toString());
      await this.close(doc.uri);
      marked++;
    }
    // Reopening a tab makes it the active one in its group: give the focus back to what the user was looking at.
    if (marked > 0 && before && !before.document.isClosed && !replaced.has(before.document.uri.toString()))
      await vscode.window.showTextDocument(before.document, { preview: false, viewColumn: before.viewColumn });
    if (marked > 0)
      this.logger.info(`Marked ${marked} open kubeconfig tab(s) of ${t.namespace}/${t.serviceAccount} as ${how}`);
    return marked;
  }

  /** Records in the local ledger where the document's credential went (a file, a merge, the editor). Never throws. */
  async recordWritten(info: GeneratedKubeconfigInfo | undefined, destination: CredentialDestination): Promise<void> {
    if (!info?.credential || !this.record) return;
    try {
      await this.record({ ...info, credential: info.credential }, destination);
    } catch (err) {
      this.logger.warn(
        `Could not note in the local ledger where credential ${info.credential.id} went: ${(err as Error).message}`,
      );
    }
  }

  track(doc: vscode.TextDocument, info: GeneratedKubeconfigInfo): void {
    this.byUri.set(doc.uri.toString(), info);
    if (doc.uri.scheme === KUBECONFIG_SCHEME) this.byContent.set(hash(doc.getText()), info);
    this.lensesChanged.fire();
  }

  infoFor(doc: vscode.TextDocument): GeneratedKubeconfigInfo | undefined {
    return this.byUri.get(doc.uri.toString());
  }

  /** Whether the document is one of our in-memory kubeconfigs (not a saved file). */
  isVirtual(doc: vscode.TextDocument): boolean {
    return doc.uri.scheme === KUBECONFIG_SCHEME;
  }

  /** Whether the text behind one of our documents is still held (its tab has not been closed). */
  holds(uri: vscode.Uri): boolean {
    return uri.scheme === KUBECONFIG_SCHEME && this.fileSystem.has(uri);
  }

  /**
   * The kubeconfig a document holds. For ours, the text we generated: the user cannot type into the tab, but another
   * extension's WorkspaceEdit can still change the editor's copy (it does not make it dirty, so nothing is backed up).
   */
  textOf(doc: vscode.TextDocument): string {
    return this.isVirtual(doc) ? (this.fileSystem.text(doc.uri) ?? doc.getText()) : doc.getText();
  }

  /** Our documents that are open now. */
  openDocuments(): vscode.TextDocument[] {
    return vscode.workspace.textDocuments.filter((d) => this.byUri.has(d.uri.toString()));
  }

  /** How many kubeconfig texts are held in memory now (for the tests: closing the tab drops it). */
  get inMemory(): number {
    return this.fileSystem.size;
  }

  /** Closes every tab showing the document; its text is then dropped from memory. */
  async close(uri: vscode.Uri): Promise<void> {
    const tabs = this.tabsOf(uri);
    if (tabs.length > 0) await vscode.window.tabGroups.close(tabs);
    this.forget(uri);
  }

  provideCodeLenses(doc: vscode.TextDocument): vscode.CodeLens[] {
    if (!this.infoFor(doc)) return [];
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: '$(save-as) Save as…',
        command: 'saKubeconfig.saveKubeconfigAs',
        arguments: [doc.uri],
      }),
      new vscode.CodeLens(top, {
        title: '$(merge) Merge into my kubeconfig…',
        command: 'saKubeconfig.mergeKubeconfig',
        arguments: [doc.uri],
      }),
      new vscode.CodeLens(top, {
        title: '$(plug) Test connection',
        command: 'saKubeconfig.testConnection',
        arguments: [doc.uri],
      }),
    ];
  }

  private tabsOf(uri: vscode.Uri): vscode.Tab[] {
    const key = uri.toString();
    return vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === key);
  }

  private tabsClosed(closed: readonly vscode.Tab[]): void {
    for (const tab of closed) {
      if (!(tab.input instanceof vscode.TabInputText) || tab.input.uri.scheme !== KUBECONFIG_SCHEME) continue;
      if (this.tabsOf(tab.input.uri).length === 0) this.forget(tab.input.uri);
    }
  }

  private forget(uri: vscode.Uri): void {
    if (!this.fileSystem.has(uri)) return;
    this.fileSystem.drop(uri);
    const info = this.byUri.get(uri.toString());
    this.byUri.delete(uri.toString());
    // A file saved from it keeps its info; the content hash stays only while a document of ours has that info.
    if (info && ![...this.byUri.values()].includes(info)) {
      for (const [h, i] of this.byContent) if (i === info) this.byContent.delete(h);
    }
    this.logger.info(`Closed ${uri.path.split('/').pop() ?? ''}: its text is no longer held in memory`);
    this.lensesChanged.fire();
  }

  private async closeStaleTabs(): Promise<void> {
    const stale = vscode.window.tabGroups.all
      .flatMap((g) => g.tabs)
      .filter(
        (t) =>
          t.input instanceof vscode.TabInputText &&
          t.input.uri.scheme === KUBECONFIG_SCHEME &&
          !this.fileSystem.has(t.input.uri),
      );
    if (stale.length === 0) return;
    await vscode.window.tabGroups
      .close(stale)
      .then(undefined, (err: unknown) => this.logger.warn(`Could not close old kubeconfig tabs: ${String(err)}`));
    this.logger.info(
      `Closed ${stale.length} kubeconfig tab(s) left from before the reload: their text was never stored`,
    );
  }

  /** VS Code's own Save As of one of our documents: the file it wrote gets mode 0600 at once. */
  private async saved(doc: vscode.TextDocument): Promise<void> {
    if (doc.uri.scheme !== 'file') return;
    const info = this.infoFor(doc) ?? this.byContent.get(hash(doc.getText()));
    if (!info) return;
    try {
      await fs.chmod(doc.uri.fsPath, 0o600);
      this.logger.info(`Saved ${doc.uri.fsPath} with mode 0600`);
    } catch (err) {
      this.logger.warn(`Could not make ${doc.uri.fsPath} owner-only: ${(err as Error).message}`);
      void vscode.window.showWarningMessage(
        `${doc.uri.fsPath} holds a credential but its permissions could not be narrowed to 0600: ` +
          `${(err as Error).message}`,
      );
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
