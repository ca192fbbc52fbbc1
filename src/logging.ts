// The extension's one log: a LogOutputChannel behind core's Logger interface. Every line passes through
// redact() first, so a token or key that slipped into an error message never reaches the channel.
import * as vscode from 'vscode';

import { redact } from './core/redact';
import type { Logger } from './core/types';

export const LOG_CHANNEL_NAME = 'Service Account Kubeconfig';

export class ExtensionLogger implements Logger, vscode.Disposable {
  constructor(private readonly channel: vscode.LogOutputChannel) {}

  static create(): ExtensionLogger {
    return new ExtensionLogger(vscode.window.createOutputChannel(LOG_CHANNEL_NAME, { log: true }));
  }

  debug(message: string): void {
    this.channel.debug(redact(message));
  }
  info(message: string): void {
    this.channel.info(redact(message));
  }
  warn(message: string): void {
    this.channel.warn(redact(message));
  }
  error(message: string): void {
    this.channel.error(redact(message));
  }

  /** Logs an error with its hint and cause chain (each redacted). */
  logError(what: string, err: unknown): void {
    this.error(`${what}: ${describeError(err)}`);
    const stack = err instanceof Error ? err.stack : undefined;
    if (stack) this.debug(stack);
  }

  show(): void {
    this.channel.show(true);
  }

  dispose(): void {
    this.channel.dispose();
  }
}

/** A one-line description of any thrown value, with core's hint when it has one. Redacted. */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const hint = (err as { hint?: unknown }).hint;
    // "…: Unauthorized" + hint reads as "Unauthorized Your credentials…" without a full stop between them.
    const message = /[.!?:]$/.test(err.message.trim()) ? err.message.trim() : `${err.message.trim()}.`;
    return redact(typeof hint === 'string' && hint ? `${message} ${hint}` : err.message);
  }
  return redact(String(err));
}
