// The whole flow the CLI's `create`, the extension's quick create and the wizard all run:
//   connect -> plan -> preflight (dry run, ownership, escalation) -> apply -> token -> kubeconfig -> verify
// A refused preflight creates nothing. If the token or kubeconfig step fails after apply, what this run
// created is rolled back (see apply.ts) so no half-made credential stays. A verification that finds a
// problem does not roll back: its report says what is wrong and the caller decides.

import { FOR_SERVICE_ACCOUNT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type DiscoveredResource, type OperationOptions, type Plan, type ProvisionRequest } from './types';
import { connect, type Connection } from './cluster/connect';
import { SaKubeconfigError } from './cluster/errors';
import { buildPlan, targetNamespaces } from './plan/plan';
import { namespacedLookupFrom } from './plan/scope';
import { ValidationError } from './plan/validate';
import { preflight, type PreflightReport } from './apply/preflight';
import { apply, refuseUnlessOk, rollback, type ApplyResult } from './apply/apply';
import { describeRef } from './apply/objects';
import { kubeconfigFor } from './token/kubeconfigFor';
import { SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE, readExistingTokenSecret, type SecretObject, requestToken, waitForTokenSecret, type TokenResult } from './token/token';
import { expectationsFromPlan, verifyKubeconfig, type VerificationReport } from './verify/verify';
import { longLivedTokenSecretName, serviceAccountKey, tokenBindingSecretName } from './plan/names';

export type ProvisionStep = 'connect' | 'plan' | 'preflight' | 'apply' | 'token' | 'kubeconfig' | 'verify';
export const PROVISION_STEPS: readonly ProvisionStep[] = ['connect', 'plan', 'preflight', 'apply', 'token', 'kubeconfig', 'verify'];

export interface ProvisionProgress {
  step: ProvisionStep;
  state: 'start' | 'done' | 'skipped' | 'failed';
  /** One line for a progress UI; never secret. */
  message?: string;
}

export interface ProvisionOptions extends OperationOptions {
  /** An open connection to reuse (its context wins over request.context). */
  connection?: Connection;
  /** Explicit kubeconfig file; else KUBECONFIG / ~/.kube/config, merged like kubectl. */
  kubeconfigPath?: string;
  onProgress?: (progress: ProvisionProgress) => void;
  /** Stop after the preflight: nothing is created; the result has plan and preflight only. */
  dryRun?: boolean;
  /** Verify the new kubeconfig (default true). */
  verify?: boolean;
  /** How long to wait for the token controller to fill a long-lived token Secret (default 30 s). */
  tokenTimeoutMs?: number;
  /** Discovery results, to tell namespaced from cluster-scoped resources (CRDs). */
  discovered?: DiscoveredResource[];
}

/** The token step's outcome without the token itself (that is only inside kubeconfigYaml). */
export type TokenSummary = Omit<TokenResult, 'token' | 'secretCaPem'>;

export interface ProvisionResult {
  plan: Plan;
  preflight: PreflightReport;
  /** Absent for dry runs. */
  applyResult?: ApplyResult;
  token?: TokenSummary;
  /** The generated kubeconfig. SECRET: it holds the token; write it with mode 0600, never log it. */
  kubeconfigYaml?: string;
  /** Context names in the generated kubeconfig (one per namespace). */
  contexts?: string[];
  caSource?: 'kubeconfig' | 'secret' | 'kube-root-ca.crt' | 'none' | 'insecure';
  verification?: VerificationReport;
  /** Verification could not run (e.g. the server went away); the kubeconfig is still returned. */
  verificationError?: { code: string; message: string; hint: string };
  /** Plan warnings plus anything learnt on the way (shortened token lifetime, no CA...). */
  warnings: string[];
  /** Requests sent with the caller's credentials (the verification's are in verification.requests). */
  requests: number;
  durationMs: number;
}

export async function provision(request: ProvisionRequest, options: ProvisionOptions = {}): Promise<ProvisionResult> {
  const started = Date.now();
  const { signal, logger } = options;
  const op: OperationOptions = { signal, logger };
  const progress = (step: ProvisionStep, state: ProvisionProgress['state'], message?: string) => {
    options.onProgress?.({ step, state, ...(message ? { message } : {}) });
  };
  const runStep = async <T>(step: ProvisionStep, fn: () => Promise<T> | T, doneMessage?: (value: T) => string | undefined): Promise<T> => {
    progress(step, 'start');
    try {
      const value = await fn();
      progress(step, 'done', doneMessage?.(value));
      return value;
    } catch (err) {
      progress(step, 'failed', err instanceof Error ? err.message.split('\n')[0] : String(err));
      throw err;
    }
  };

  const conn = options.connection ?? await runStep('connect', () => connect({ kubeconfigPath: options.kubeconfigPath, context: request.context, logger }), (c) => `context ${c.contextName} (${c.server})`);
  if (options.connection) progress('connect', 'skipped', `context ${conn.contextName}`);
  const before = conn.client.requestCount;
  try {
    request = await reuseRotatedTokenSecret(conn, request, op);
    const planOptions = options.discovered ? { isNamespaced: namespacedLookupFrom(options.discovered) } : {};
    const plan = await runStep('plan', () => {
      try {
        return buildPlan(request, planOptions);
      } catch (err) {
        if (err instanceof ValidationError) throw new SaKubeconfigError('invalidInput', err.message, { details: { problems: err.problems } });
        throw err;
      }
    }, (p) => `${p.objects.length} objects`);
    const warnings = [...plan.warnings];

    const report = await runStep('preflight', () => preflight(conn, plan, op), (r) => (r.ok ? 'ok' : 'refused'));
    const finish = (extra: Partial<ProvisionResult>): ProvisionResult => ({
      plan: report.plan, preflight: report, warnings, requests: conn.client.requestCount - before, durationMs: Date.now() - started, ...extra,
    });
    if (options.dryRun) {
      for (const step of ['apply', 'token', 'kubeconfig', 'verify'] as const) progress(step, 'skipped', 'dry run');
      return finish({});
    }
    try {
      refuseUnlessOk(report);
    } catch (err) {
      progress('apply', 'failed', (err as Error).message.split('\n')[0]);
      throw err;
    }

    const applyResult = await runStep('apply', () => apply(conn, plan, { ...op, preflight: report }),
      (r) => `${r.created.length} created, ${r.updated.length} updated, ${r.unchanged.length} unchanged`
        + `${r.removed.length > 0 ? `, ${r.removed.length} removed` : ''}`);

    if (applyResult.kept.length > 0) {
      const kept = applyResult.kept.map(describeRef).join(', ');
      warnings.push(`Kept as asked, though this request no longer has them, and still granting: ${kept}.`);
    }

    let token: TokenResult;
    let kubeconfigYaml: string;
    let names: string[];
    let caSource: ProvisionResult['caSource'];
    try {
      token = await runStep('token', () => getToken(conn, request, options), (t) => (t.expiresAt ? `expires ${t.expiresAt}` : `Secret ${t.secretName}`));
      if (token.shortened) warnings.push(`The server granted a token lifetime of ${token.grantedSeconds} s, shorter than the ${token.requestedSeconds} s requested (the cluster caps token lifetimes).`);
      for (const w of token.warnings) if (!warnings.includes(w)) warnings.push(w);
      ({ kubeconfigYaml, contexts: names, caSource } = await runStep('kubeconfig', async () => {
        const k = await kubeconfigFor(conn, {
          serviceAccount: request.serviceAccount, serviceAccountNamespace: request.namespace, namespaces: targetNamespaces(request),
          kubeconfig: request.kubeconfig, clusterWide: request.scope.kind === 'cluster', rules: request.rules, roleRefs: request.roleRefs,
        }, token, op);
        warnings.push(...k.warnings);
        return k;
      }, (k) => `${k.contexts.length} context(s), CA from ${k.caSource}`));
    } catch (err) {
      logger?.error(`Provisioning failed after apply; rolling back what this run created.`);
      await rollback(conn, applyResult, logger);
      if (err instanceof SaKubeconfigError) {
        throw new SaKubeconfigError(err.code, `${err.message} Rolled back ${applyResult.rolledBack.length} object(s) this run created.`, { hint: err.hint, cause: err, details: { applyResult } });
      }
      if (err instanceof ValidationError) throw new SaKubeconfigError('invalidInput', err.message, { details: { problems: err.problems, applyResult } });
      throw err;
    }

    const { token: _secret, secretCaPem: _ca, ...tokenSummary } = token;
    let verification: VerificationReport | undefined;
    let verificationError: ProvisionResult['verificationError'];
    if (options.verify === false) {
      progress('verify', 'skipped');
    } else {
      try {
        verification = await runStep('verify', () => verifyKubeconfig(kubeconfigYaml, expectationsFromPlan(plan), op),
          (v) => (v.ok ? `${v.checks.length} checks passed` : `${v.checks.filter((c) => !c.ok).length} of ${v.checks.length} checks failed`));
      } catch (err) {
        const e = err instanceof SaKubeconfigError ? err : new SaKubeconfigError('server', (err as Error).message);
        verificationError = { code: e.code, message: e.message, hint: e.hint };
      }
    }
    return finish({ applyResult, token: tokenSummary, kubeconfigYaml, contexts: names, caSource, verification, ...(verificationError ? { verificationError } : {}) });
  } finally {
    if (!options.connection) conn.close();
  }
}

/**
 * A long-lived token Secret that `rotate` renamed (`<sa>-token-rxxxxx`) is the one to keep using: without this a
 * re-run would plan `<sa>-token` again and make a second credential. One request, only for long-lived tokens.
 */
async function reuseRotatedTokenSecret(conn: Connection, request: ProvisionRequest, options: OperationOptions): Promise<ProvisionRequest> {
  if (request.token.kind !== 'longLived' || request.token.secretName) return request;
  try {
    const list = await conn.client.request<{ items?: SecretObject[] }>({
      method: 'GET', path: `/api/v1/namespaces/${encodeURIComponent(request.namespace)}/secrets`,
      query: { labelSelector: `${MANAGED_BY_LABEL}=${MANAGED_BY_VALUE}`, fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` }, action: 'list token Secrets',
    }, options);
    const key = serviceAccountKey(request.namespace, request.serviceAccount);
    const mine = (list.items ?? []).filter((s) => s.metadata.annotations?.[FOR_SERVICE_ACCOUNT_ANNOTATION] === key && s.metadata.annotations?.[SA_NAME_ANNOTATION] === request.serviceAccount);
    if (mine.length === 1 && mine[0].metadata.name !== longLivedTokenSecretName(request.serviceAccount)) {
      return { ...request, token: { kind: 'longLived', secretName: mine[0].metadata.name } };
    }
  } catch (err) {
    if (!(err instanceof SaKubeconfigError) || (err.code !== 'forbidden' && err.code !== 'notFound')) throw err;
  }
  return request;
}

async function getToken(conn: Connection, request: ProvisionRequest, options: ProvisionOptions): Promise<TokenResult> {
  const op: OperationOptions = { signal: options.signal, logger: options.logger };
  const t = request.token;
  switch (t.kind) {
    case 'timeBound':
      return requestToken(conn, {
        namespace: request.namespace, serviceAccount: request.serviceAccount, durationSeconds: t.durationSeconds,
        ...(t.bindToSecret ? { boundSecretName: tokenBindingSecretName(request.serviceAccount) } : {}),
      }, op);
    case 'longLived':
      return waitForTokenSecret(conn, { namespace: request.namespace, secretName: t.secretName ?? longLivedTokenSecretName(request.serviceAccount), timeoutMs: options.tokenTimeoutMs }, op);
    case 'existingSecret':
      return readExistingTokenSecret(conn, { namespace: request.namespace, serviceAccount: request.serviceAccount, secretName: t.secretName }, op);
  }
}
