// "Show Usage": what a service account (or, from a credential node, one credential) did, read from the API server's
// audit log: requests grouped by verb, resource, namespace and object, the denied ones apart, and what the log
// cannot show (its window, the audit policy). A read-only Markdown report; no cluster is contacted.
import { serviceAccountUsername } from '../core/audit/reader';
import type { UsageReport } from '../core/audit/usage';
import { usageMarkdown } from '../editor/auditMarkdown';
import { reportDocuments } from '../editor/reportDocuments';
import { CredentialNode } from '../tree/nodes';
import type { CommandDeps } from './deps';
import { askAuditQuery, readUsage } from './support/auditQuery';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

export async function showUsage(deps: CommandDeps, node?: unknown): Promise<UsageReport | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  // Only bound tokens carry their id (the jti) into the audit log; a Secret's token is known by its user only.
  const credential = node instanceof CredentialNode ? node.credential : undefined;
  if (credential && !credential.jti) {
    void deps.prompts.info(
      `The audit log does not identify credential ${credential.id} (only bound tokens carry an id into it): ` +
        `showing every request of ${t.namespace}/${t.serviceAccount}.`,
    );
  }
  const query = await askAuditQuery(deps, {
    namespace: t.namespace,
    serviceAccount: t.serviceAccount,
    ...(credential?.jti ? { credential: credential.jti } : {}),
  });
  if (!query) return undefined;
  const who = serviceAccountUsername(t.namespace, t.serviceAccount);
  const report = await withCancellableProgress(`Reading the audit log for ${who}`, (signal) =>
    readUsage(query, signal),
  );
  deps.logger.info(
    `Usage of ${t.namespace}/${t.serviceAccount}: ${report.coverage.matched} request(s) matched in ` +
      `${report.coverage.lines} line(s) of ${report.coverage.files.join(', ')}`,
  );
  const title = `Usage of ${t.namespace}/${t.serviceAccount}${credential?.jti ? ` (${credential.id})` : ''}`;
  await reportDocuments(deps.context).show(title, usageMarkdown(report));
  return report;
}
