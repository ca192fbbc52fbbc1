// The whole "create" flow that every face runs: plan, check, apply, get a token, build the kubeconfig.
// Verification is a separate step (it connects with the new kubeconfig, never the caller's).
//
// A failure after the apply (no token, no CA, the token Secret never filled) rolls back what this run created,
// as apply itself does for failures part-way: no half-made credential stays behind.
import type { Connection } from '../cluster/connect';
import { SaKubeconfigError } from '../cluster/errors';
import { clusterSkipsTlsVerify } from '../cluster/kubeconfig';
import { apply, rollback, type ApplyResult } from '../apply/apply';
import { preflight, type PreflightReport } from '../apply/preflight';
import { discover } from '../discovery/discovery';
import { buildKubeconfig, contextNames, defaultNamePrefix, renderKubeconfigYaml, type KubeconfigDocument } from '../kubeconfig/build';
import { longLivedTokenSecretName, tokenBindingSecretName } from '../plan/names';
import { buildPlan, targetNamespaces } from '../plan/plan';
import { builtInNamespacedLookup, namespacedLookupFrom, type NamespacedLookup } from '../plan/scope';
import { findCa, readExistingTokenSecret, requestToken, waitForTokenSecret, type TokenResult } from '../token/token';
import type { DiscoveredResource, OperationOptions, Plan, ProvisionRequest } from '../types';
import { expectationsFromRequest, verifyKubeconfig, type VerificationReport } from '../verify/verify';

export type ProvisionStep = 'discover' | 'plan' | 'preflight' | 'apply' | 'token' | 'kubeconfig';

export interface ProvisionOptions extends OperationOptions {
  /** Discovery the face already has (the wizard's picker); otherwise discovery runs only when a rule names an unfamiliar API group. */
  discovered?: DiscoveredResource[];
  /** How long to wait for the token controller to fill a long-lived token Secret. */
  tokenSecretTimeoutMs?: number;
  /** A preflight the face already ran and showed (e.g. before asking for confirmation); otherwise one runs here. */
  preflight?: PreflightReport;
  onStep?: (step: ProvisionStep) => void;
}

export interface ProvisionResult {
  /** The plan with each object's preflight status. */
  plan: Plan;
  preflight: PreflightReport;
  apply: ApplyResult;
  /** Everything about the token except the token. */
  token: Omit<TokenResult, 'token'>;
  /** Where the embedded CA came from; undefined with --insecure or when none was found. */
  caSource?: 'kubeconfig' | 'secret' | 'kube-root-ca.crt';
  /** Contains the token: never log it. */
  kubeconfig: KubeconfigDocument;
  /** Contains the token: never log it. */
  kubeconfigYaml: string;
  contextNames: string[];
  warnings: string[];
  /** Requests sent to the API server by this run. */
  requests: number;
}

/** API groups whose resources the built-in table knows completely, so planning needs no discovery for them. */
const WELL_KNOWN_GROUPS = new Set([
  '', 'apps', 'batch', 'autoscaling', 'policy', 'networking.k8s.io', 'rbac.authorization.k8s.io', 'storage.k8s.io',
  'events.k8s.io', 'discovery.k8s.io', 'coordination.k8s.io', 'apiextensions.k8s.io', 'admissionregistration.k8s.io',
  'certificates.k8s.io', 'scheduling.k8s.io', 'node.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io',
]);

/** Whether planning this request needs discovery to know which resources are cluster-scoped. Pure. */
export function needsDiscovery(request: ProvisionRequest): boolean {
  if (request.scope.kind === 'cluster') return false;
  return request.rules.some((rule) => rule.apiGroups.some((group) => !WELL_KNOWN_GROUPS.has(group)));
}

async function namespacedLookup(conn: Connection, request: ProvisionRequest, options: ProvisionOptions): Promise<NamespacedLookup> {
  if (options.discovered) return namespacedLookupFrom(options.discovered);
  if (!needsDiscovery(request)) return builtInNamespacedLookup;
  options.onStep?.('discover');
  try {
    return namespacedLookupFrom((await discover(conn, options)).resources);
  } catch (error) {
    if (error instanceof SaKubeconfigError && (error.code === 'aborted' || error.code === 'unauthorized')) throw error;
    options.logger?.warn(`Discovery failed (${(error as Error).message}); resources of unfamiliar API groups are treated as namespaced.`);
    return builtInNamespacedLookup;
  }
}

/** Plans and checks without changing anything (for --dry-run and the wizard's review step). */
export async function planAndCheck(conn: Connection, request: ProvisionRequest, options: ProvisionOptions = {}): Promise<PreflightReport> {
  const isNamespaced = await namespacedLookup(conn, request, options);
  options.onStep?.('plan');
  const plan = buildPlan(request, { isNamespaced });
  options.onStep?.('preflight');
  return preflight(conn, plan, options);
}

async function issueToken(conn: Connection, request: ProvisionRequest, options: ProvisionOptions): Promise<TokenResult> {
  const { namespace, serviceAccount } = request;
  const token = request.token;
  switch (token.kind) {
    case 'timeBound':
      return requestToken(conn, {
        namespace, serviceAccount, durationSeconds: token.durationSeconds,
        ...(token.bindToSecret ? { boundSecretName: tokenBindingSecretName(serviceAccount) } : {}),
      }, options);
    case 'longLived':
      return waitForTokenSecret(conn, {
        namespace, secretName: token.secretName ?? longLivedTokenSecretName(serviceAccount),
        ...(options.tokenSecretTimeoutMs !== undefined ? { timeoutMs: options.tokenSecretTimeoutMs } : {}),
      }, options);
    case 'existingSecret':
      return readExistingTokenSecret(conn, { namespace, serviceAccount, secretName: token.secretName }, options);
  }
}

/** The namespaces that get a kubeconfig context: the scope's namespaces, or the service account's for cluster scope. */
export function contextNamespaces(request: ProvisionRequest): string[] {
  return request.scope.kind === 'cluster' ? [request.namespace] : targetNamespaces(request);
}

/** Runs the whole flow; throws SaKubeconfigError (escalation, unmanagedConflict, ...) having changed nothing, or rolled back. */
export async function provision(conn: Connection, request: ProvisionRequest, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const before = conn.client.requestCount;
  const report = options.preflight ?? await planAndCheck(conn, request, options);
  options.onStep?.('apply');
  const applied = await apply(conn, report.plan, { ...options, preflight: report });

  const warnings = [...report.plan.warnings];
  try {
    options.onStep?.('token');
    const { token, ...tokenInfo } = await issueToken(conn, request, options);
    if (tokenInfo.shortened) {
      warnings.push(`The server granted a ${tokenInfo.grantedSeconds} s token instead of the ${tokenInfo.requestedSeconds} s requested (its maximum token lifetime).`);
    }
    warnings.push(...tokenInfo.warnings);

    options.onStep?.('kubeconfig');
    const insecure = request.kubeconfig.insecureSkipTlsVerify === true;
    const ca = insecure ? undefined : await findCa(conn, { namespace: request.namespace, secretCaPem: tokenInfo.secretCaPem }, options);
    if (!insecure && !ca) {
      warnings.push(clusterSkipsTlsVerify(conn.loaded)
        ? 'Your context skips TLS verification and no cluster CA was found, so the new kubeconfig will fail TLS checks; pass --insecure only if you accept that risk.'
        : 'No cluster CA was found; the new kubeconfig relies on the system\'s trusted certificate authorities.');
    }
    const namePrefix = request.kubeconfig.namePrefix ?? defaultNamePrefix(conn.contextName, request.serviceAccount);
    const namespaces = contextNamespaces(request);
    const kubeconfig = buildKubeconfig({
      server: request.kubeconfig.server ?? conn.server,
      ...(ca ? { certificateAuthority: ca.pem } : {}),
      insecureSkipTlsVerify: insecure,
      token,
      namePrefix,
      namespaces,
    });
    const kubeconfigYaml = renderKubeconfigYaml(kubeconfig, {
      serviceAccount: request.serviceAccount,
      serviceAccountNamespace: request.namespace,
      sourceContext: conn.contextName,
      namespaces,
      clusterWide: request.scope.kind === 'cluster',
      rules: request.rules,
      roleRefs: request.roleRefs,
      ...(tokenInfo.expiresAt ? { expiresAt: new Date(tokenInfo.expiresAt) } : {}),
      ...(tokenInfo.mode !== 'timeBound' && tokenInfo.secretName ? { tokenSecret: tokenInfo.secretName } : {}),
      generatedAt: new Date(),
    });
    return {
      plan: report.plan, preflight: report, apply: applied, token: tokenInfo,
      ...(ca ? { caSource: ca.source } : {}),
      kubeconfig, kubeconfigYaml, contextNames: contextNames(namePrefix, namespaces), warnings,
      requests: conn.client.requestCount - before,
    };
  } catch (error) {
    if (applied.created.length > 0) {
      options.logger?.error(`No kubeconfig could be made (${(error as Error).message}); rolling back the objects this run created.`);
      await rollback(conn, applied, options.logger);
    }
    throw error;
  }
}

/** The parts of a result that can be printed or sent to a webview: no token, no kubeconfig. */
export function provisionSummary(result: ProvisionResult) {
  return {
    serviceAccount: `${result.plan.request.namespace}/${result.plan.request.serviceAccount}`,
    objects: result.plan.objects.map((p) => ({
      kind: p.object.kind, name: p.object.metadata.name,
      ...(p.object.metadata.namespace ? { namespace: p.object.metadata.namespace } : {}),
      status: p.status,
    })),
    created: result.apply.created.length,
    updated: result.apply.updated.length,
    unchanged: result.apply.unchanged.length,
    token: result.token,
    caSource: result.caSource ?? null,
    contexts: result.contextNames,
    warnings: result.warnings,
    requests: result.requests,
  };
}

/**
 * Verifies a freshly provisioned kubeconfig. The API server's RBAC authorizer learns about new Roles and bindings
 * from a watch, a moment after they were created, so "expected allowed" checks that fail are retried briefly
 * before the credential is reported as not working.
 */
export async function verifyProvisioned(
  result: Pick<ProvisionResult, 'kubeconfigYaml' | 'plan'>,
  options: OperationOptions & { attempts?: number; firstDelayMs?: number } = {},
): Promise<VerificationReport> {
  const expectations = expectationsFromRequest(result.plan.request);
  const attempts = options.attempts ?? 5;
  let delay = options.firstDelayMs ?? 250;
  for (let attempt = 1; ; attempt++) {
    const report = await verifyKubeconfig(result.kubeconfigYaml, expectations, options);
    const stillPropagating = report.checks.some((c) => !c.ok && c.expected === 'allowed');
    if (report.ok || !stillPropagating || attempt >= attempts) return report;
    options.logger?.debug(`Verification attempt ${attempt}: some granted permissions are not visible yet; retrying in ${delay} ms.`);
    await new Promise((resolve) => setTimeout(resolve, delay));
    delay *= 2;
  }
}
