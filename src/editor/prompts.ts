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

export interface Prompts {
  pick<T>(
    title: string,
    items: PickItem<T>[],
    options?: { placeholder?: string; step?: StepInfo },
  ): Promise<T | undefined>;
  input(
    title: string,
    options?: {
      value?: string;
      prompt?: string;
      placeholder?: string;
      step?: StepInfo;
      validate?: (value: string) => string | undefined;
    },
  ): Promise<string | undefined>;
  /** A modal confirmation; resolves to the chosen action or undefined. */
  confirm(message: string, detail: string, ...actions: string[]): Promise<string | undefined>;
  saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined>;
  info(message: string, ...actions: string[]): Promise<string | undefined>;
  warn(message: string, ...actions: string[]): Promise<string | undefined>;
}

/** The real UI: QuickPick/InputBox with step counters, modal messages, the native save dialog. */
export const vscodePrompts: Prompts = {
  pick<T>(
    title: string,
    items: PickItem<T>[],
    options: { placeholder?: string; step?: StepInfo } = {},
  ): Promise<T | undefined> {
    return new Promise((resolve) => {
      const qp = vscode.window.createQuickPick<PickItem<T>>();
      qp.title = title;
      qp.placeholder = options.placeholder;
      qp.items = items;
      qp.matchOnDescription = true;
      qp.ignoreFocusOut = true;
      if (options.step) {
        qp.step = options.step.step;
        qp.totalSteps = options.step.totalSteps;
      }
      let done = false;
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
    return new Promise((resolve) => {
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
};
