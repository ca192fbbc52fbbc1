// The credential audit, end to end: read (read.ts: a handful of lists, Secrets metadata only), join the local
// ledger (where this machine wrote credentials, and the time-bound tokens it issued), assemble and grade
// (assess.ts). The faces (CLI `audit`, the extension's Audit view) call auditCredentials and format the report.

import type { Connection } from '../cluster/connect';
import { ledgerPath, readLedger, type LedgerEntry } from '../credentials/ledger';
import type { OperationOptions } from '../types';
import { assembleAudit, DEFAULT_THRESHOLDS, type AuditReport, type AuditThresholds } from './assess';
import { readAuditInput } from './read';

export interface AuditArgs {
  /** One namespace; undefined: every namespace. */
  namespace?: string;
  thresholds?: Partial<AuditThresholds>;
  /** The ledger file (default ledgerPath()); false: none. */
  ledger?: string | false;
  now?: Date;
}

/** Audits the service accounts in scope (see the top of this file). Never reads a token. */
export async function auditCredentials(
  conn: Connection,
  args: AuditArgs,
  options: OperationOptions = {},
): Promise<AuditReport> {
  const before = conn.client.requestCount;
  const notes: string[] = [];
  const [input, ledger] = await Promise.all([
    readAuditInput(conn, args.namespace, options),
    args.ledger === false
      ? Promise.resolve<LedgerEntry[]>([])
      : readLedger(args.ledger ?? ledgerPath()).then(
          (l) => l.entries,
          (err: Error) => {
            notes.push(
              `The local ledger could not be read (${err.message}): time-bound tokens issued here are not shown.`,
            );
            return [];
          },
        ),
  ]);
  const report = assembleAudit(
    { ...input, notes: [...input.notes, ...notes] },
    {
      context: conn.contextName,
      server: conn.server,
      ledger,
      thresholds: { ...DEFAULT_THRESHOLDS, ...args.thresholds },
      now: args.now ?? new Date(),
    },
  );
  report.notes.push(
    'Tokens issued with TokenRequest by other tools (kubectl create token, pods) are not stored in the cluster and ' +
      'are not listed; time-bound tokens sa-kubeconfig issued on this machine are (from its ledger).',
  );
  return { ...report, requests: conn.client.requestCount - before };
}
