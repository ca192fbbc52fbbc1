import { loadKubeconfigFromString } from '../core/cluster/loadKubeconfig';
import { verifyKubeconfig, type VerificationReport } from '../core/verify/verify';
import { openMarkdownReport, verificationMarkdown } from '../editor/reports';
import type { CommandDeps } from './deps';
import { kubeconfigDocumentOf } from './support/documents';
import { withCancellableProgress } from './support/progress';

/**
 * Tests the generated kubeconfig with its own credentials (core verify): who the server says it is, what it may
 * do in each of its namespaces, and what it must not. The report opens beside the kubeconfig.
 */
export async function testConnection(deps: CommandDeps, arg?: unknown): Promise<VerificationReport> {
  const { info, text } = kubeconfigDocumentOf(deps, arg);
  const loaded = loadKubeconfigFromString(text, undefined, 'the generated kubeconfig');
  const namespaces = [...new Set((loaded.raw.contexts ?? []).map((c) => c.context?.namespace || 'default'))];
  const expectations = info?.expectations ?? { namespaces, rules: [], hasRoleRefs: true };
  const report = await withCancellableProgress('Testing the kubeconfig', (signal) =>
    verifyKubeconfig(text, expectations, { signal, logger: deps.logger }),
  );
  deps.logger.info(
    `Test connection of ${loaded.contextName}: ${report.ok ? 'ok' : 'problems'} ` +
      `(${report.checks.length} checks, ${report.requests} requests)`,
  );
  await openMarkdownReport(verificationMarkdown(`Test connection: ${loaded.contextName}`, report));
  void (report.ok
    ? deps.prompts.info(`The kubeconfig works: ${report.whoami?.username ?? loaded.contextName}.`)
    : deps.prompts.warn('The kubeconfig connects, but some checks failed: see the report.'));
  return report;
}
