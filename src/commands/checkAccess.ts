import { kubeconfigForServiceAccount } from '../core/kubeconfig/forServiceAccount';
import { MIN_TOKEN_SECONDS } from '../core/plan/validate';
import { verifyKubeconfig, type VerificationReport } from '../core/verify/verify';
import { openMarkdownReport, verificationMarkdown } from '../editor/reports';
import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * The service account's access matrix: a short-lived token (the minimum lifetime, discarded afterwards) asks the
 * server what the account may do in each namespace it is bound in. Nothing is changed or kept.
 */
export async function checkAccess(deps: CommandDeps, node?: unknown): Promise<VerificationReport | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const report = await withCancellableProgress(
    `Checking what ${t.namespace}/${t.serviceAccount} may do`,
    async (signal, say) => {
      const conn = await deps.connections.get(t.context);
      const options = { signal, logger: deps.logger };
      say('issuing a short-lived token for the check');
      const k = await kubeconfigForServiceAccount(
        conn,
        {
          namespace: t.namespace,
          serviceAccount: t.serviceAccount,
          token: { kind: 'timeBound', durationSeconds: MIN_TOKEN_SECONDS, unbound: true },
        },
        options,
      );
      say('asking the server');
      return verifyKubeconfig(k.yaml, { namespaces: k.namespaces, rules: [], hasRoleRefs: true }, options);
    },
  );
  await openMarkdownReport(
    deps.context,
    `Access of ${t.namespace}/${t.serviceAccount}`,
    verificationMarkdown(`Access of ${t.namespace}/${t.serviceAccount} (context ${t.context})`, report),
  );
  return report;
}
