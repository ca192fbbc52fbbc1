// The expiry watch of the editor: a status bar item "$(key) 2 expiring" while credentials this machine wrote into
// kubeconfig files (core findExpiring, from the local ledger) expire within `saKubeconfig.expiryWarningDays`, and a
// notification once per credential per day (remembered in globalState, so reloads do not repeat it).
// It re-checks hourly, when the ledger file changes (fs.watch on its folder: the ledger is replaced by a rename) and
// when the setting changes. Activation stays cheap: the first check runs a moment after it, off the critical path.
// No cluster is contacted; no token is read beyond the jti comparison in core.
import { watch, type FSWatcher } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';

import {
  describeExpiresIn,
  describePlaces,
  findExpiring,
  localDay,
  noticesDue,
  type ExpiryReport,
  type WatchedCredential,
} from '../core/credentials/expiry';
import { ledgerPath } from '../core/credentials/ledger';
import type { Logger } from '../core/types';

export const EXPIRY_SETTING = 'saKubeconfig.expiryWarningDays';
export const SHOW_EXPIRING_COMMAND = 'saKubeconfig.showExpiring';
export const RENEW_COMMAND = 'saKubeconfig.renewCredential';
const NOTICED_KEY = 'saKubeconfig.expiryNoticed';
const HOUR_MS = 3600_000;

export interface ExpiryWatchOptions {
  logger: Logger;
  state: vscode.Memento;
  /** Shows a notice; resolves to the action chosen (tests swap it). */
  notify?: (message: string, ...actions: string[]) => Thenable<string | undefined>;
  /** Delay of the first check after activation (ms). */
  firstCheckMs?: number;
}

export class ExpiryWatch implements vscode.Disposable {
  readonly statusBar: vscode.StatusBarItem;
  private report: ExpiryReport | undefined;
  /** Whether the status bar item is shown (VS Code's item does not say). */
  visible = false;
  private running: Promise<ExpiryReport> | undefined;
  private again = false;
  private watcher: FSWatcher | undefined;
  private debounce: NodeJS.Timeout | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly disposables: vscode.Disposable[] = [];
  private readonly changed = new vscode.EventEmitter<ExpiryReport>();
  /** Fires after each check. */
  readonly onDidChange = this.changed.event;
  notify: (message: string, ...actions: string[]) => Thenable<string | undefined>;

  constructor(private readonly options: ExpiryWatchOptions) {
    this.notify = options.notify ?? ((m, ...a) => vscode.window.showWarningMessage(m, ...a));
    this.statusBar = vscode.window.createStatusBarItem('saKubeconfig.expiry', vscode.StatusBarAlignment.Left, 50);
    this.statusBar.name = 'Expiring credentials';
    this.statusBar.command = SHOW_EXPIRING_COMMAND;
    this.disposables.push(
      this.statusBar,
      this.changed,
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration(EXPIRY_SETTING)) void this.refresh();
      }),
    );
  }

  /** Starts the timers and the ledger watch; the first check runs after `firstCheckMs`. */
  start(): void {
    this.timers.push(setTimeout(() => void this.refresh(), this.options.firstCheckMs ?? 3000));
    this.timers.push(setInterval(() => void this.refresh(), HOUR_MS));
  }

  /** The window in seconds, from the setting (days, at least 1). */
  windowSeconds(): number {
    const days = vscode.workspace.getConfiguration().get<number>(EXPIRY_SETTING, 7);
    return Math.max(1, Number.isFinite(days) ? days : 7) * 86400;
  }

  /** The last check's result (undefined before the first). */
  get last(): ExpiryReport | undefined {
    return this.report;
  }

  /** Checks now (calls while a check runs share it, and one more runs after it). */
  refresh(): Promise<ExpiryReport> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.check().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        void this.refresh();
      }
    });
    return this.running;
  }

  private async check(): Promise<ExpiryReport> {
    this.watchLedger();
    let report: ExpiryReport;
    try {
      report = await findExpiring(this.windowSeconds());
    } catch (err) {
      this.options.logger.warn(`Checking credential expiry failed: ${(err as Error).message}`);
      report = { now: new Date().toISOString(), withinSeconds: this.windowSeconds(), expiring: [], expired: [] };
    }
    this.report = report;
    this.render(report);
    await this.noticeOncePerDay(report.expiring);
    this.changed.fire(report);
    return report;
  }

  private render(report: ExpiryReport): void {
    const n = report.expiring.length;
    this.visible = n > 0;
    if (n === 0) {
      this.statusBar.hide();
      return;
    }
    this.statusBar.text = `$(key) ${n} expiring`;
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.isTrusted = false;
    tooltip.appendText(`${n} credential${n === 1 ? '' : 's'} in kubeconfig files expire soon:\n\n`);
    for (const c of report.expiring) tooltip.appendText(`• ${describe(c)}\n`);
    tooltip.appendText('\nClick to renew, reveal or open one.');
    this.statusBar.tooltip = tooltip;
    this.statusBar.show();
  }

  private async noticeOncePerDay(expiring: WatchedCredential[]): Promise<void> {
    const noticed = this.options.state.get<Record<string, string>>(NOTICED_KEY, {});
    const { due, remember } = noticesDue(expiring, noticed, localDay(new Date()));
    await this.options.state.update(NOTICED_KEY, remember);
    if (due.length === 0) return;
    const message =
      due.length === 1
        ? `Credential ${describe(due[0])}.`
        : `${due.length} credentials in kubeconfig files expire ` +
          `${describeExpiresIn(due[0].expiresInSeconds)} or later ` +
          `(within ${Math.round(this.windowSeconds() / 86400)} days).`;
    // Not awaited by the check: the notice stays until the user answers or dismisses it.
    void Promise.resolve(this.notify(message, ...(due.length === 1 ? ['Renew', 'Show All'] : ['Show All']))).then(
      (choice) => {
        if (choice === 'Renew') void vscode.commands.executeCommand(RENEW_COMMAND, due[0].entry.id);
        else if (choice === 'Show All') void vscode.commands.executeCommand(SHOW_EXPIRING_COMMAND);
      },
    );
  }

  /** Watches the ledger's folder (the file is replaced by a rename); retried on each check until it exists. */
  private watchLedger(): void {
    if (this.watcher) return;
    const file = ledgerPath();
    try {
      this.watcher = watch(path.dirname(file), (_event, name) => {
        if (name !== null && name !== path.basename(file)) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => void this.refresh(), 300);
      });
      this.watcher.on('error', () => {
        this.watcher?.close();
        this.watcher = undefined;
      });
    } catch {
      // No ledger folder yet: nothing was written; the next check tries again.
    }
  }

  dispose(): void {
    for (const t of this.timers) clearTimeout(t);
    clearTimeout(this.debounce);
    this.watcher?.close();
    for (const d of this.disposables) d.dispose();
  }
}

/** "ci/deployer 1a2b3c4d expires in 3h (ci.kubeconfig)". Pure. */
export function describe(c: WatchedCredential): string {
  return (
    `${c.entry.namespace}/${c.entry.serviceAccount} ${c.entry.id} ` +
    `${c.expiresInSeconds > 0 ? 'expires' : 'expired'} ${describeExpiresIn(c.expiresInSeconds)} ` +
    `(${describePlaces(c.places)})`
  );
}
