// The questions and messages commands and the wizard's Save as / Merge put to the user, behind an interface so that
// the extension-host tests can answer them (they swap `prompts` on the one object activate() hands around).
import * as vscode from 'vscode';

import { notificationText } from './untrustedText';

export interface PickItem<T> extends vscode.QuickPickItem {
  value: T;
}

export interface StepInfo {
  step: number;
  totalSteps: number;
}

/**
 * Thrown by pick/input asked with `back: true` when the user presses the title bar's Back button
 * (QuickInputButtons.Back): the caller goes one question back. Escape still resolves to undefined.
 */
export class GoBack extends Error {
  constructor() {
    super('Back');
    this.name = 'GoBack';
  }
}

/** By name, not instanceof: the extension-host tests' scripted prompts come from another bundle. */
export function isGoBack(err: unknown): boolean {
  return err instanceof Error && err.name === 'GoBack';
}

export interface PickOptions {
  placeholder?: string;
  step?: StepInfo;
  /** Show a Back button; pressing it throws GoBack. */
  back?: boolean;
  /** The item to highlight first (by value, compared as JSON); default the first. */
  active?: unknown;
}

export interface Prompts {
  pick<T>(title: string, items: PickItem<T>[], options?: PickOptions): Promise<T | undefined>;
  input(
    title: string,
    options?: {
      value?: string;
      prompt?: string;
      placeholder?: string;
      step?: StepInfo;
      /** Show a Back button; pressing it throws GoBack. */
      back?: boolean;
      validate?: (value: string) => string | undefined;
    },
  ): Promise<string | undefined>;
  /** A modal confirmation; resolves to the chosen action or undefined. */
  confirm(message: string, detail: string, ...actions: string[]): Promise<string | undefined>;
  saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined>;
  info(message: string, ...actions: string[]): Promise<string | undefined>;
  warn(message: string, ...actions: string[]): Promise<string | undefined>;
  /** An error notification: one sentence; the details go behind an action such as "Show Details". */
  error(message: string, ...actions: string[]): Promise<string | undefined>;
}

/** The real UI: QuickPick/InputBox with step counters, modal messages, the native save dialog. */
export const vscodePrompts: Prompts = {
  pick<T>(title: string, items: PickItem<T>[], options: PickOptions = {}): Promise<T | undefined> {
    return new Promise((resolve, reject) => {
      const qp = vscode.window.createQuickPick<PickItem<T>>();
      qp.title = title;
      qp.placeholder = options.placeholder;
      qp.items = items;
      if (options.active !== undefined) {
        const key = JSON.stringify(options.active);
        const active = items.find((i) => JSON.stringify(i.value) === key);
        if (active) qp.activeItems = [active];
      }
      qp.matchOnDescription = true;
      qp.ignoreFocusOut = true;
      if (options.step) {
        qp.step = options.step.step;
        qp.totalSteps = options.step.totalSteps;
      }
      let done = false;
      if (options.back) qp.buttons = [vscode.QuickInputButtons.Back];
      qp.onDidTriggerButton((button) => {
        if (button !== vscode.QuickInputButtons.Back) return;
        done = true;
        reject(new GoBack());
        qp.dispose();
      });
      qp.onDidAccept(() => {
        const chosen = qp.selectedItems[0];
        if (!chosen) return;
        done = true;
        resolve(chosen.value);
        qp.dispose();
      });
      qp.onDidHide(() => {
        if (!done) resolve(undefined);
        qp.dispose();
      });
      qp.show();
    });
  },
  input(title, options = {}) {
    return new Promise((resolve, reject) => {
      const box = vscode.window.createInputBox();
      box.title = title;
      box.value = options.value ?? '';
      box.prompt = options.prompt;
      box.placeholder = options.placeholder;
      box.ignoreFocusOut = true;
      if (options.step) {
        box.step = options.step.step;
        box.totalSteps = options.step.totalSteps;
      }
      const check = (v: string) => options.validate?.(v);
      box.onDidChangeValue((v) => {
        box.validationMessage = check(v);
      });
      let done = false;
      if (options.back) box.buttons = [vscode.QuickInputButtons.Back];
      box.onDidTriggerButton((button) => {
        if (button !== vscode.QuickInputButtons.Back) return;
        done = true;
        reject(new GoBack());
        box.dispose();
      });
      box.onDidAccept(() => {
        const problem = check(box.value);
        if (problem) {
          box.validationMessage = problem;
          return;
        }
        done = true;
        resolve(box.value);
        box.dispose();
      });
      box.onDidHide(() => {
        if (!done) resolve(undefined);
        box.dispose();
      });
      box.show();
    });
  },
  // Messages and details quote names and server messages: notificationText keeps them from turning into links.
  async confirm(message, detail, ...actions) {
    return vscode.window.showWarningMessage(
      notificationText(message),
      { modal: true, detail: detail === undefined ? undefined : notificationText(detail) },
      ...actions,
    );
  },
  async saveDialog(options) {
    return vscode.window.showSaveDialog(options);
  },
  async info(message, ...actions) {
    return vscode.window.showInformationMessage(notificationText(message), ...actions);
  },
  async warn(message, ...actions) {
    return vscode.window.showWarningMessage(notificationText(message), ...actions);
  },
  async error(message, ...actions) {
    return vscode.window.showErrorMessage(notificationText(message), ...actions);
  },
};
