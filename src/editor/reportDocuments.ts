// Reports (usage, shrink, Test Connection, Check Access, error details) as read-only Markdown documents of our own
// scheme, `sa-kubeconfig-report:`, served from memory by a TextDocumentContentProvider and shown in the Markdown
// preview. Such a document is never dirty: closing it asks nothing, and nothing reaches the disk. Showing a report
// again under the same name replaces its text (the open preview follows).
// One provider per extension context, registered on first use.
import * as vscode from 'vscode';

export const REPORT_SCHEME = 'sa-kubeconfig-report';

export class ReportDocuments implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? '';
  }

  /** The report's text, for tests and for the preview. */
  textOf(uri: vscode.Uri): string | undefined {
    return this.texts.get(uri.path);
  }

  /**
   * Shows `markdown` as the read-only report `title` (its tab title; "/" becomes U+2215, as a file name cannot hold
   * it): the rendered preview beside the current editor, or the open one updated. Resolves to the report's URI.
   */
  async show(title: string, markdown: string): Promise<vscode.Uri> {
    const uri = vscode.Uri.from({ scheme: REPORT_SCHEME, path: `/${title.replace(/\//g, '\u2215')}.md` });
    const known = this.texts.has(uri.path);
    this.texts.set(uri.path, markdown);
    // An open preview of the report follows the document's change: it is updated in place, not opened again.
    if (known) this.changed.fire(uri);
    await vscode.workspace.openTextDocument(uri);
    const previewLabel = `Preview ${uri.path.slice(1)}`;
    const open = vscode.window.tabGroups.all.some((g) => g.tabs.some((t) => t.label === previewLabel));
    if (open) return uri;
    const rendered = await vscode.commands.executeCommand('markdown.showPreviewToSide', uri).then(
      () => true,
      () => false,
    );
    // Without the Markdown extension the source opens, still read-only.
    if (!rendered) await vscode.window.showTextDocument(uri, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    return uri;
  }

  dispose(): void {
    this.texts.clear();
    this.changed.dispose();
  }
}

const registered = new WeakMap<vscode.ExtensionContext, ReportDocuments>();

/** The context's report documents; the provider is registered (and disposed with the context) on first use. */
export function reportDocuments(context: vscode.ExtensionContext): ReportDocuments {
  let reports = registered.get(context);
  if (!reports) {
    reports = new ReportDocuments();
    registered.set(context, reports);
    context.subscriptions.push(reports, vscode.workspace.registerTextDocumentContentProvider(REPORT_SCHEME, reports));
  }
  return reports;
}
