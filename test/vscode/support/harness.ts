// Helpers for the extension-host tests: the extension's exports, scripted answers for its prompts, and a real
// kubectl against the test cluster (test/support/kubectl.ts) to set things up and to check what commands did.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';

import { GoBack, type PickItem, type PickOptions, type Prompts, type StepInfo } from '../../../src/editor/prompts';
import type { SaKubeconfigApi } from '../../../src/extension';
import type { TreeNode } from '../../../src/tree/nodes';
import { kubectlOkSync } from '../../support/kubectl';

export const EXTENSION_ID = 'sa-kubeconfig.sa-kubeconfig';

export async function api(): Promise<SaKubeconfigApi> {
  const ext = vscode.extensions.getExtension<SaKubeconfigApi>(EXTENSION_ID);
  assert.ok(ext, `${EXTENSION_ID} is not loaded`);
  return ext.activate();
}

export function haveCluster(): boolean {
  return Boolean(process.env.SAK_ADMIN_KUBECONFIG && process.env.SAK_KUBECTL);
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e4)}`;
}

type Answer = unknown | ((items: PickItem<unknown>[]) => unknown);

/** A scripted answer that presses the Back button (the prompt must have been asked with `back: true`). */
export const BACK = Symbol('back');

/**
 * Prompts that answer from a script: each call takes the first entry whose pattern matches the title (or the
 * message), and fails the test when none does. Picks may answer with a value, a label, or a function of the items.
 */
export class ScriptedPrompts implements Prompts {
  readonly asked: string[] = [];
  readonly messages: string[] = [];
  /** Each question as asked: its title, step counter, whether it had Back, the prefilled value / highlighted item. */
  readonly questions: { title: string; step?: StepInfo; back?: boolean; value?: string; active?: unknown }[] = [];
  /** Error notifications: the text and the actions offered. */
  readonly errors: { message: string; actions: string[] }[] = [];
  /** The action to choose on the next error notification (e.g. "Show Details"). */
  errorChoice: string | undefined;
  constructor(private readonly script: [RegExp, Answer][]) {}

  private take(title: string): Answer {
    this.asked.push(title);
    const i = this.script.findIndex(([pattern]) => pattern.test(title));
    assert.ok(i >= 0, `unexpected prompt "${title}" (asked so far: ${this.asked.join(' | ')})`);
    const [, answer] = this.script.splice(i, 1)[0];
    return answer;
  }

  async pick<T>(title: string, items: PickItem<T>[], options: PickOptions = {}): Promise<T | undefined> {
    this.questions.push({ title, step: options.step, back: options.back, active: options.active });
    const answer = this.take(title);
    if (answer === BACK) {
      assert.ok(options.back, `prompt "${title}" has no Back button`);
      throw new GoBack();
    }
    if (answer === undefined) return undefined; // Escape
    if (typeof answer === 'function') return (answer as (i: PickItem<T>[]) => T | undefined)(items);
    const byLabel = items.find((i) => i.label === answer);
    if (byLabel) return byLabel.value;
    const byValue = items.find((i) => JSON.stringify(i.value) === JSON.stringify(answer));
    assert.ok(
      byValue,
      `prompt "${title}": no item ${JSON.stringify(answer)} among ${items.map((i) => i.label).join(', ')}`,
    );
    return byValue.value;
  }
  async input(
    title: string,
    options: { value?: string; step?: StepInfo; back?: boolean; validate?: (v: string) => string | undefined } = {},
  ): Promise<string | undefined> {
    this.questions.push({ title, step: options.step, back: options.back, value: options.value });
    const answer = this.take(title);
    if (answer === BACK) {
      assert.ok(options.back, `prompt "${title}" has no Back button`);
      throw new GoBack();
    }
    if (typeof answer === 'string') {
      const problem = options.validate?.(answer);
      assert.equal(problem, undefined, `prompt "${title}" refuses ${JSON.stringify(answer)}`);
    }
    return answer as string | undefined;
  }
  /** The detail text of each confirmation, in order. */
  readonly details: string[] = [];
  async confirm(message: string, detail = ''): Promise<string | undefined> {
    this.details.push(detail);
    return this.take(message) as string | undefined;
  }
  async saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined> {
    this.asked.push(`save dialog (default ${options.defaultUri?.fsPath})`);
    return this.take('save dialog') as vscode.Uri | undefined;
  }
  async info(message: string, ...actions: string[]): Promise<string | undefined> {
    this.messages.push(message);
    return this.choose(actions);
  }
  /** The action to choose on the next info/warning that offers it. */
  messageChoice: string | undefined;
  async warn(message: string, ...actions: string[]): Promise<string | undefined> {
    this.messages.push(`warning: ${message}`);
    return this.choose(actions);
  }
  async error(message: string, ...actions: string[]): Promise<string | undefined> {
    this.errors.push({ message, actions });
    const choice = this.errorChoice && actions.includes(this.errorChoice) ? this.errorChoice : undefined;
    this.errorChoice = undefined;
    return choice;
  }
  /** The actions each info/warning offered, in the order of `messages`. */
  readonly messageActions: string[][] = [];
  private choose(actions: string[]): string | undefined {
    this.messageActions.push(actions);
    if (!this.messageChoice || !actions.includes(this.messageChoice)) return undefined;
    const choice = this.messageChoice;
    this.messageChoice = undefined;
    return choice;
  }

  /** Every scripted answer was used. */
  assertDone(): void {
    assert.deepEqual(
      this.script.map(([p]) => String(p)),
      [],
      'scripted answers left unused',
    );
  }
}

/** Runs fn with scripted prompts in place of the real ones. */
export async function withPrompts<T>(a: SaKubeconfigApi, prompts: Prompts, fn: () => Promise<T>): Promise<T> {
  const real = a.deps.prompts;
  a.deps.prompts = prompts;
  try {
    return await fn();
  } finally {
    a.deps.prompts = real;
  }
}

/** Runs the extension's command `id` with `args`, its prompts answered by `prompts`; resolves with its result. */
export function runCommand<T = unknown>(
  a: SaKubeconfigApi,
  prompts: Prompts,
  id: string,
  ...args: unknown[]
): Promise<T> {
  return withPrompts(a, prompts, async () => (await a.commands[id](a.deps, ...args)) as T);
}

export async function children(a: SaKubeconfigApi, node?: TreeNode): Promise<TreeNode[]> {
  return a.provider.getChildren(node);
}

export function label(node: TreeNode): string {
  const l = node.getTreeItem().label;
  return typeof l === 'string' ? l : (l?.label ?? '');
}

export function contextValue(node: TreeNode): string {
  return node.getTreeItem().contextValue ?? '';
}

export async function childByLabel(a: SaKubeconfigApi, parent: TreeNode | undefined, name: string): Promise<TreeNode> {
  const kids = await children(a, parent);
  const found = kids.find((k) => label(k) === name);
  assert.ok(found, `no child "${name}" under ${parent ? label(parent) : 'the root'}: ${kids.map(label).join(', ')}`);
  return found;
}

/** The admin context's name (the current context of the test cluster's admin kubeconfig). */
export function adminContext(): string {
  return kubectlOkSync(['config', 'current-context']).trim();
}
