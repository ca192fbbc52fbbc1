// Runs a ProvisionRequest through core and opens the resulting kubeconfig in an untitled tab.
import { buildKubeconfig, defaultNamePrefix, renderKubeconfigYaml } from '../../core/kubeconfig/build';
import { apply } from '../../core/apply/apply';
import { buildPlan, targetNamespaces } from '../../core/plan/plan';
import { longLivedTokenSecretName } from '../../core/plan/names';
import { findCa, requestToken, waitForTokenSecret, type TokenResult } from '../../core/token/token';
import type { ProvisionRequest } from '../../core/types';
import type { CommandDeps } from './deps';
import { rememberToken, suggestedFileName } from './issue';
import { withCancellableProgress, type ProgressReport } from './progress';

export interface ProvisionOutcome {
  request: ProvisionRequest;
  /** The kubeconfig text (holds the token; it lives only in the untitled document). */
  kubeconfigYaml: string;
  expiresAt?: string;
  created: string[];
}

async function runProvision(deps: CommandDeps, request: ProvisionRequest, signal: AbortSignal, report: ProgressReport): Promise<ProvisionOutcome> {
  const conn = await deps.connections.get(request.context);
  const options = { signal, logger: deps.logger };
  report('checking and creating objects');
  const plan = buildPlan(request);
  const applied = await apply(conn, plan, options);
  report('issuing the token');
  let token: TokenResult;
  if (request.token.kind === 'timeBound') {
    token = await requestToken(conn, { namespace: request.namespace, serviceAccount: request.serviceAccount, durationSeconds: request.token.durationSeconds }, options);
  } else {
    const secretName = request.token.kind === 'longLived' ? request.token.secretName ?? longLivedTokenSecretName(request.serviceAccount) : request.token.secretName;
    token = await waitForTokenSecret(conn, { namespace: request.namespace, secretName }, options);
  }
  const ca = request.kubeconfig.insecureSkipTlsVerify ? undefined : await findCa(conn, { namespace: request.namespace, secretCaPem: token.secretCaPem }, options);
  const namespaces = targetNamespaces(request);
  const doc = buildKubeconfig({
    server: request.kubeconfig.server ?? conn.server,
    certificateAuthority: ca?.pem,
    insecureSkipTlsVerify: request.kubeconfig.insecureSkipTlsVerify,
    token: token.token,
    namePrefix: request.kubeconfig.namePrefix ?? defaultNamePrefix(request.context, request.serviceAccount),
    namespaces,
  });
  const kubeconfigYaml = renderKubeconfigYaml(doc, {
    serviceAccount: request.serviceAccount, serviceAccountNamespace: request.namespace, sourceContext: request.context,
    namespaces, clusterWide: request.scope.kind === 'cluster', rules: request.rules, roleRefs: request.roleRefs,
    expiresAt: token.expiresAt ? new Date(token.expiresAt) : undefined,
    tokenSecret: token.mode === 'timeBound' ? undefined : token.secretName, generatedAt: new Date(),
  });
  await rememberToken(deps, request, token);
  return { request, kubeconfigYaml, expiresAt: token.expiresAt, created: applied.created.map((r) => `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name}`) };
}

/** Provisions with progress and cancellation, then opens the kubeconfig and refreshes the tree. */
export async function provisionAndOpen(deps: CommandDeps, request: ProvisionRequest): Promise<ProvisionOutcome> {
  const outcome = await withCancellableProgress(`Creating ${request.namespace}/${request.serviceAccount}`, (signal, report) => runProvision(deps, request, signal, report));
  deps.logger.info(`Provisioned ${request.namespace}/${request.serviceAccount} in ${request.context}: created ${outcome.created.join(', ') || 'nothing (all existed)'}`);
  await deps.documents.open(outcome.kubeconfigYaml, {
    sourceContext: request.context, namespace: request.namespace, serviceAccount: request.serviceAccount,
    suggestedFileName: suggestedFileName(request.context, request.serviceAccount),
  });
  deps.tree.refresh(`ctx/${request.context}`);
  return outcome;
}
