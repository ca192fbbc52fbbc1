// One core Connection per context, made on first use and dropped on refresh or when the kubeconfig changes.
import * as vscode from 'vscode';

import { connect, type Connection } from '../core/cluster/connect';
import type { Logger } from '../core/types';
import type { KubeconfigLocation } from './kubeconfigLocation';

export class ConnectionPool implements vscode.Disposable {
  private readonly connections = new Map<string, Promise<Connection>>();

  constructor(
    private readonly location: KubeconfigLocation,
    private readonly logger: Logger,
  ) {}

  get(context: string): Promise<Connection> {
    let pending = this.connections.get(context);
    if (!pending) {
      pending = connect({ context, kubeconfigPath: this.location.path, logger: this.logger });
      // A failed connect (bad kubeconfig) must not stick: the next try reads the file again.
      pending.catch(() => this.connections.delete(context));
      this.connections.set(context, pending);
    }
    return pending;
  }

  /** Closes every connection (or one context's) so the next call reads the kubeconfig afresh. */
  clear(context?: string): void {
    for (const [name, pending] of [...this.connections]) {
      if (context !== undefined && name !== context) continue;
      this.connections.delete(name);
      pending.then(
        (c) => c.close(),
        () => undefined,
      );
    }
  }

  dispose(): void {
    this.clear();
  }
}
