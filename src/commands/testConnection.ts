import * as vscode from 'vscode';

import { loadKubeconfigFromString, selectedEntries } from '../core/cluster/loadKubeconfig';
import { tokenClaims } from '../core/credentials/model';
import { isSaKubeconfigError } from '../core/errors';
import { verifyKubeconfig, type VerificationReport } from '../core/verify/verify';
import { openMarkdownReport, verificationMarkdown } from '../editor/reports';
import type { CommandDeps } from './deps';
import { kubeconfigDocumentOf } from './support/documents';
import { withCancellableProgress } from './support/progress';

const SA_SUBJECT = /^system:serviceaccount:([^:]+):([^:]+)$/;

/**
 * Tests the generated kubeconfig with its own credentials (core verify): who the server says it is, what it may
 * do in each of its namespaces, and what it must not. The report opens beside the kubeconfig, rendered. A
 * service-account token the server rejects was revoked or has expired: that is what we say, with New Token / Rotate
 * (not a person's "log in again").
 */
export async function testConnection(deps: CommandDeps, arg?: unknown): Promise<VerificationReport | undefined> {
  const { info, text } = kubeconfigDocumentOf(deps, arg);
  const loaded = loadKubeconfigFromString(text, undefined, 'the generated kubeconfig');
  const namespaces = [...new Set((loaded.raw.contexts ?? []).map((c) => c.context?.namespace || 'default'))];
  const expectations = info?.expectations ?? { namespaces, rules: [], hasRoleRefs: true };
  let report: VerificationReport;
  try {
    report = await withCancellableProgress('Testing the kubeconfig', (signal) =>
      verifyKubeconfig(text, expectations, { signal, logger: deps.logger }),
    );
  } catch (err) {
    const token = selectedEntries(loaded).user.token;
    const claims = typeof token === 'string' ? tokenClaims(token) : {};
    const account = SA_SUBJECT.exec(claims.sub ?? '');
    if (!isSaKubeconfigError(err, 'unauthorized') || !account) throw err;
    return deadToken(deps, { namespace: account[1], serviceAccount: account[2], context: info?.sourceContext }, claims);
  }
  deps.logger.info(
    `Test connection of ${loaded.contextName}: ${report.ok ? 'ok' : 'problems'} ` +
      `(${report.checks.length} checks, ${report.requests} requests)`,
  );
  await openMarkdownReport(
    deps.context,
    `Test connection ${loaded.contextName}`,
    verificationMarkdown(`Test connection: ${loaded.contextName}`, report),
  );
  const n = report.checks.length;
  void (report.ok
    ? deps.prompts.info(
        `The kubeconfig works as ${report.whoami?.username ?? loaded.contextName}` +
          (n > 0 ? `: all ${n} checks gave the expected answer.` : '.'),
      )
    : deps.prompts.warn('The kubeconfig connects, but some checks failed: see the report.'));
  return report;
}

/** The server rejected a service-account token: it expired, or its Secret was deleted (Revoke, Rotate). */
async function deadToken(
  deps: CommandDeps,
  t: { namespace: string; serviceAccount: string; context?: string },
  claims: { exp?: number },
): Promise<undefined> {
  const expired = claims.exp !== undefined && claims.exp * 1000 <= Date.now();
  const what = expired
    ? `has expired (${new Date(claims.exp! * 1000).toLocaleString()})`
    : 'was revoked (its Secret was deleted, e.g. by Revoke or Rotate) or the service account is gone';
  deps.logger.warn(`Test connection: the token of ${t.namespace}/${t.serviceAccount} ${what}.`);
  const message =
    'The cluster rejected this kubeconfig: ' +
    `the token of service account ${t.namespace}/${t.serviceAccount} ${what}.`;
  if (!t.context) {
    void deps.prompts.warn(`${message} Issue a new token for it (New Token… on the account in the tree).`);
    return undefined;
  }
  const choice = await deps.prompts.warn(
    `${message} Issue a new token, or rotate its credentials.`,
    'New Token…',
    'Rotate…',
  );
  const target = { context: t.context, namespace: t.namespace, serviceAccount: t.serviceAccount };
  if (choice === 'New Token…') await vscode.commands.executeCommand('saKubeconfig.newToken', target);
  else if (choice === 'Rotate…') await vscode.commands.executeCommand('saKubeconfig.rotateToken', target);
  return undefined;
}
