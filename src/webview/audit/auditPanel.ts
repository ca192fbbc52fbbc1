// The Audit report webview's host: runs the credential audit (core/hygiene) for one context, shows it (page in
// src/webview/page/audit/), and carries out the remedies the page asks for, each through the normal pipeline:
//   Migrate  core migrateTokenSecret: a bound, expiring credential is issued (issueCredential), verified and opened
//            in an editor tab FIRST; the old Secret is deleted only when the user confirms afterwards
//   Revoke   the same confirmation as the tree's Revoke Credential, then core revokeCredentials
//   Shrink   the wizard, prefilled with the account and its current rules minus the risky ones
//   Save Report  the Markdown report (core/hygiene/report.ts) to a file the user picks; no credential is in it
// Every page message is validated (parseAuditPageMessage). CSP and theming as the wizard (host/html.ts).
import { promises as fs } from 'node:fs';
import * as vscode from 'vscode';

import { revokeCredentials, revokeSelected } from '../../core/credentials/revoke';
import { isSaKubeconfigError } from '../../core/errors';
import type { AuditReport } from '../../core/hygiene/assess';
import { auditCredentials } from '../../core/hygiene/audit';
import { migrateTokenSecret } from '../../core/hygiene/migrate';
import { auditMarkdown } from '../../core/hygiene/report';
import { redact } from '../../core/redact';
import { parseAuditPageMessage, type AuditHostMessage, type AuditPageMessage } from '../auditProtocol';
import { makeNonce, wizardHtml } from '../host/html';
import { WizardPanel, type WizardDeps } from '../host/wizardPanel';
import { auditView } from './auditView';

export const AUDIT_VIEW_TYPE = 'saKubeconfig.audit';

type RemedyMessage = Extract<AuditPageMessage, { type: 'remedy' }>;

export class AuditPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, AuditPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private report: AuditReport | undefined;
  private loading = false;
  private error: string | undefined;
  private allNamespaces: boolean;
  private namespace: string;
  private abort: AbortController | undefined;

  /** Opens the audit of a context (one namespace, or all), or reveals the one already open. */
  static show(deps: WizardDeps, context: string, namespace: string | undefined): AuditPanel {
    const existing = AuditPanel.panels.get(context);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const root = vscode.Uri.joinPath(deps.context.extensionUri, 'dist', 'webview');
    const panel = vscode.window.createWebviewPanel(AUDIT_VIEW_TYPE, `Audit: ${context}`, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [root],
    });
    const audit = new AuditPanel(panel, deps, context, namespace, root);
    AuditPanel.panels.set(context, audit);
    return audit;
  }

  /** Every open audit (tests use it). */
  static all(): AuditPanel[] {
    return [...AuditPanel.panels.values()];
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: WizardDeps,
    readonly context: string,
    namespace: string | undefined,
    root: vscode.Uri,
  ) {
    this.allNamespaces = namespace === undefined;
    this.namespace = namespace ?? '';
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'activity-bar.svg');
    panel.webview.html = wizardHtml({
      cspSource: panel.webview.cspSource,
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'audit.js')).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(root, 'audit.css')).toString(),
      nonce: makeNonce(),
      title: `Audit: ${context}`,
    });
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => void this.receive(raw)),
    );
    void this.refresh();
  }

  /** The last report (tests read it). */
  get lastReport(): AuditReport | undefined {
    return this.report;
  }

  private post(message: AuditHostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private postState(): void {
    this.post({
      type: 'state',
      context: this.context,
      namespace: this.namespace,
      allNamespaces: this.allNamespaces,
      loading: this.loading,
      ...(this.report ? { view: auditView(this.report) } : {}),
      ...(this.error ? { error: this.error } : {}),
    });
  }

  private async receive(raw: unknown): Promise<void> {
    const message = parseAuditPageMessage(raw);
    if (!message) {
      this.deps.logger.warn('Audit: ignored a malformed message from the page');
      return;
    }
    try {
      switch (message.type) {
        case 'ready':
          this.postState();
          return;
        case 'refresh':
          this.allNamespaces = message.allNamespaces;
          if (message.namespace) this.namespace = message.namespace;
          await this.refresh();
          return;
        case 'saveReport':
          await this.saveReport();
          return;
        case 'remedy':
          await this.remedy(message);
          return;
      }
    } catch (err) {
      const text = redact(isSaKubeconfigError(err) ? err.toDisplayString() : (err as Error).message);
      this.deps.logger.error(`Audit: ${text}`);
      this.post({ type: 'outcome', ok: false, text });
    }
  }

  /** Runs the audit again and shows it. */
  async refresh(): Promise<AuditReport | undefined> {
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.loading = true;
    this.error = undefined;
    this.postState();
    try {
      const conn = await this.deps.connections.get(this.context);
      if (!this.namespace) this.namespace = conn.namespace;
      const report = await auditCredentials(
        conn,
        { ...(this.allNamespaces ? {} : { namespace: this.namespace }) },
        { signal: abort.signal, logger: this.deps.logger },
      );
      if (abort.signal.aborted) return undefined;
      this.report = report;
      this.deps.logger.info(
        `Audit of ${this.context} (${this.allNamespaces ? 'all namespaces' : this.namespace}): ` +
          `${report.summary.serviceAccounts} accounts, ${report.summary.findings} findings, ` +
          `${report.requests} requests`,
      );
    } catch (err) {
      if (abort.signal.aborted) return undefined;
      this.error = redact(isSaKubeconfigError(err) ? err.toDisplayString() : (err as Error).message);
    } finally {
      if (this.abort === abort) {
        this.loading = false;
        this.postState();
      }
    }
    return this.report;
  }

  private async saveReport(): Promise<void> {
    if (!this.report) return;
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const name = `audit-${this.context.replace(/[^\w.-]+/g, '_')}-${this.report.generatedAt.slice(0, 10)}.md`;
    const uri = await this.deps.prompts.saveDialog({
      title: 'Save Audit Report',
      saveLabel: 'Save Report',
      filters: { Markdown: ['md'] },
      ...(folder ? { defaultUri: vscode.Uri.joinPath(folder, name) } : {}),
    });
    if (!uri) return;
    await fs.writeFile(uri.fsPath, auditMarkdown(this.report));
    this.deps.logger.info(`Audit: report saved to ${uri.fsPath}`);
    this.post({ type: 'outcome', ok: true, text: `Report saved to ${uri.fsPath}.` });
  }

  private async remedy(m: RemedyMessage): Promise<void> {
    switch (m.remedy) {
      case 'revoke':
        return this.revoke(m, m.secretName as string);
      case 'migrate':
        return this.migrate(m, m.secretName as string);
      case 'shrink':
        return this.shrink(m);
    }
  }

  private async revoke(m: RemedyMessage, secret: string): Promise<void> {
    const go = await this.deps.prompts.confirm(
      `Revoke credential ${secret} of ${m.namespace}/${m.serviceAccount}?`,
      `Deletes Secret ${m.namespace}/${secret}. Kubeconfigs holding this token get 401 Unauthorized within about ` +
        "10 seconds (the API server caches tokens it has validated). The account's other credentials keep working.",
      'Revoke',
    );
    if (go !== 'Revoke') return;
    this.post({ type: 'busy', text: `Revoking ${secret}…` });
    const conn = await this.deps.connections.get(this.context);
    const result = await revokeCredentials(
      conn,
      { namespace: m.namespace, serviceAccount: m.serviceAccount, selection: { ids: [secret] } },
      { logger: this.deps.logger },
    );
    await this.deps.tokens.forgetBoundTo(
      { context: this.context, namespace: m.namespace },
      result.revoked.map((c) => c.secretName),
    );
    const ok = result.failed.length === 0 && result.revoked.length > 0;
    this.post({
      type: 'outcome',
      ok,
      text: ok
        ? `Revoked ${secret} (Secret deleted): it stops working within about 10 seconds.`
        : `${secret} was not revoked: ${[...result.failed.map((f) => f.message), ...result.notes].join(' ')}`,
    });
    await this.refresh();
  }

  private async migrate(m: RemedyMessage, secret: string): Promise<void> {
    this.post({ type: 'busy', text: `Migrating ${secret}: issuing and verifying a new credential…` });
    const conn = await this.deps.connections.get(this.context);
    const result = await migrateTokenSecret(
      conn,
      { namespace: m.namespace, secretName: secret, serviceAccount: m.serviceAccount, deleteOld: false },
      async (fresh) => {
        // The editor records the destination in the ledger itself.
        await this.deps.documents.open(fresh.kubeconfigYaml, {
          sourceContext: this.context,
          namespace: m.namespace,
          serviceAccount: m.serviceAccount,
          suggestedFileName: `${this.context}-${m.serviceAccount}.kubeconfig`,
          credential: fresh.credential,
        });
        return [];
      },
      { logger: this.deps.logger },
    );
    const expires = result.credential.expiresAt ? `expires ${result.credential.expiresAt}` : 'expiring';
    const go = await this.deps.prompts.confirm(
      `The new kubeconfig for ${m.namespace}/${m.serviceAccount} is open in an editor tab. ` +
        `Delete the old Secret ${secret} now?`,
      `The new credential (${result.credential.id}, ${expires}) is verified: the cluster accepts it as ` +
        `${result.verifiedAs}. Save the new kubeconfig where the old one was used first. Deleting ${secret} revokes ` +
        'the old token within about 10 seconds; if you keep it, revoke it later from this report.',
      'Delete Old Secret',
    );
    let text =
      `New credential ${result.credential.id} (${expires}) is open in an editor tab; ` +
      `Secret ${secret} still works.`;
    if (go === 'Delete Old Secret') {
      const revoked = await revokeSelected(conn, [result.old], { logger: this.deps.logger });
      text =
        revoked.revoked.length > 0
          ? `Migrated: new credential ${result.credential.id} (${expires}); Secret ${secret} deleted.`
          : `New credential ${result.credential.id} is in place, but ${secret} was not deleted: ` +
            revoked.failed.map((f) => f.message).join('; ');
    }
    this.post({ type: 'outcome', ok: true, text });
    await this.refresh();
  }

  private shrink(m: RemedyMessage): void {
    const account = this.report?.serviceAccounts.find(
      (a) => a.namespace === m.namespace && a.name === m.serviceAccount,
    );
    const remedy = account?.findings.flatMap((f) => f.remedies).find((r) => r.kind === 'shrink');
    WizardPanel.show(this.deps, {
      context: this.context,
      namespace: m.namespace,
      serviceAccount: m.serviceAccount,
      ...(remedy?.rules ? { rules: remedy.rules } : {}),
      ...(remedy ? (remedy.namespaces ? { namespaces: remedy.namespaces } : { clusterWide: true }) : {}),
    });
    this.post({
      type: 'outcome',
      ok: true,
      text: `Opened the wizard for ${m.namespace}/${m.serviceAccount} with its low-risk rules; review and apply there.`,
    });
  }

  dispose(): void {
    this.abort?.abort();
    AuditPanel.panels.delete(this.context);
    for (const d of this.disposables.splice(0)) d.dispose();
    this.panel.dispose();
  }
}
