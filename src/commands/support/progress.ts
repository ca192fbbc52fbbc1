// Network work runs inside window.withProgress with a Cancel button; core takes an AbortSignal, so the
// CancellationToken is converted here, at the boundary (GitLens's toAbortSignal).
import * as vscode from 'vscode';

export function toAbortSignal(token: vscode.CancellationToken): AbortSignal {
  const controller = new AbortController();
  if (token.isCancellationRequested) controller.abort();
  else token.onCancellationRequested(() => controller.abort());
  return controller.signal;
}

export type ProgressReport = (message: string) => void;

/** Runs work with a cancellable notification progress; the work gets an AbortSignal and a way to say what it does. */
export function withCancellableProgress<T>(
  title: string,
  work: (signal: AbortSignal, report: ProgressReport) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title, cancellable: true },
    (progress, token) => work(toAbortSignal(token), (message) => progress.report({ message })),
  );
}
