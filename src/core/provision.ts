// The whole flow the CLI's `create`, the extension's quick create and the wizard all run:
//   connect -> plan -> preflight (dry run, ownership, escalation) -> apply -> token -> kubeconfig -> verify
// A refused preflight creates nothing; it covers issuing the credential too (rights, and a dry run of its Secret).
// The token step is issueCredential (core/credentials): a new credential of its own per run, never part of the
// plan. If the token or kubeconfig step fails after apply, what this run created is rolled back (see apply.ts)
// and the credential taken back, so no half-made credential stays. A verification that finds a
// problem does not roll back: its report says what is wrong and the caller decides.

import { apply, refuseUnlessOk, rollback, type ApplyResult } from './apply/apply';
import { preflight, type PreflightReport } from './apply/preflight';
import type { Connection } from './cluster/connect';
import { issueCredential, issueSpecForTokenMode, precheckIssue, type IssuedCredential } from './credentials/issue';
import type { Credential } from './credentials/model';
import { revokeSelected } from './credentials/revoke';
import { SaKubeconfigError, ValidationError } from './errors';
import { kubeconfigFor } from './kubeconfig/forToken';
import { describeRef } from './objects';
import { buildPlan, targetNamespaces } from './plan/plan';
import { namespacedLookupFrom } from './plan/scope';
import type { TokenResult } from './token/token';
import type { DiscoveredResource, OperationOptions, Plan, ProvisionRequest } from './types';
import { expectationsFromPlan, verifyKubeconfig, type VerificationReport } from './verify/verify';

/** A promise with its resolve and reject at hand (Promise.withResolvers needs Node 22). */
function deferred(): { promise: Promise<void>; resolve: () => void; reject: (err: unknown) => void } {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export type ProvisionStep = 'connect' | 'plan' | 'preflight' | 'apply' | 'token' | 'kubeconfig' | 'verify';
export const PROVISION_STEPS: readonly ProvisionStep[] = [
  'connect',
  'plan',
  'preflight',
  'apply',
  'token',
  'kubeconfig',
  'verify',
];

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
  /**
   * Issue a credential and build its kubeconfig (default true). false: stop after apply, for changes to the RBAC of
   * an account whose existing credentials stay as they are (the audit shrink); nothing is verified then.
   */
  issueCredential?: boolean;
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
  /** The credential issued (id, kind, Secret, real expiry); absent for dry runs. */
  credential?: Credential;
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
  const runStep = async <T>(
    step: ProvisionStep,
    fn: () => Promise<T> | T,
    doneMessage?: (value: T) => string | undefined,
  ): Promise<T> => {
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

  const conn =
    options.connection ??
    (await runStep(
      'connect',
      async () => {
        const { connect } = await import('./cluster/connect.js');
        return connect({ kubeconfigPath: options.kubeconfigPath, context: request.context, logger });
      },
      (c) => `context ${c.contextName} (${c.server})`,
    ));
  if (options.connection) progress('connect', 'skipped', `context ${conn.contextName}`);
  const before = conn.client.requestCount;
  try {
    const planOptions = options.discovered ? { isNamespaced: namespacedLookupFrom(options.discovered) } : {};
    const plan = await runStep(
      'plan',
      () => {
        try {
          return buildPlan(request, planOptions);
        } catch (err) {
          if (err instanceof ValidationError)
            throw new SaKubeconfigError('invalidInput', err.message, { details: { problems: err.problems } });
          throw err;
        }
      },
      (p) => `${p.objects.length} objects`,
    );
    const warnings = [...plan.warnings];

    // The credential's own pre-check (its Secret's dry run; the rights are asked by the preflight) goes out with the
    // preflight's dry runs. Its namespace may be one this run creates: then the server cannot dry-run into it yet.
    const issuing = !options.dryRun && options.issueCredential !== false;
    // The verification's own connection (the new credential's: no client certificate) shakes hands meanwhile.
    if (issuing && options.verify !== false) {
      const { warmUpCredentialConnection } = await import('./cluster/connect.js');
      await warmUpCredentialConnection(conn).catch(() => undefined);
    }
    const issueSpec = {
      ...issueSpecForTokenMode(request.namespace, request.serviceAccount, request.token),
      skipAccessCheck: true,
      tokenTimeoutMs: options.tokenTimeoutMs,
    };
    let issuePrecheck: Promise<void> | undefined;
    const report = await runStep(
      'preflight',
      () =>
        preflight(conn, plan, {
          ...op,
          ...(issuing
            ? {
                alongsideDryRun: (checked: Plan) => {
                  const skipDryRun = checked.objects.some(
                    (p) => p.object.kind === 'Namespace' && p.status === 'create',
                  );
                  issuePrecheck = precheckIssue(conn, { ...issueSpec, skipDryRun }, op);
                  return issuePrecheck;
                },
              }
            : {}),
        }),
      (r) => (r.ok ? 'ok' : 'refused'),
    );
    const finish = (extra: Partial<ProvisionResult>): ProvisionResult => ({
      plan: report.plan,
      preflight: report,
      warnings,
      requests: conn.client.requestCount - before,
      durationMs: Date.now() - started,
      ...extra,
    });
    if (options.dryRun) {
      for (const step of ['apply', 'token', 'kubeconfig', 'verify'] as const) progress(step, 'skipped', 'dry run');
      return finish({});
    }
    try {
      refuseUnlessOk(report);
      await issuePrecheck;
    } catch (err) {
      progress('apply', 'failed', (err as Error).message.split('\n')[0]);
      throw err;
    }

    // Nothing was written before this point. The credential is issued alongside the apply: its Secret once the
    // namespace exists, its token once the service account does (issue.ts); each round trip carries what it can.
    const ready = { Namespace: deferred(), ServiceAccount: deferred() };
    if (!report.plan.objects.some((p) => p.object.kind === 'Namespace')) ready.Namespace.resolve();
    const issue =
      options.issueCredential === false
        ? undefined
        : issueCredential(
            conn,
            { ...issueSpec, skipDryRun: true },
            {
              ...op,
              namespaceReady: ready.Namespace.promise,
              accountReady: ready.ServiceAccount.promise,
              annotateLater: true,
            },
          );
    issue?.catch(() => undefined);
    let applyResult: ApplyResult;
    try {
      applyResult = await runStep(
        'apply',
        () => apply(conn, plan, { ...op, preflight: report, onReady: (kind) => ready[kind].resolve() }),
        (r) =>
          `${r.created.length} created, ${r.updated.length} updated, ${r.unchanged.length} unchanged` +
          `${r.removed.length > 0 ? `, ${r.removed.length} removed` : ''}`,
      );
    } catch (err) {
      // apply rolled back what it created; the credential stops (deleting its Secret) or, if it got its token, is
      // taken back here: no half-made credential.
      ready.Namespace.reject(err);
      ready.ServiceAccount.reject(err);
      const issuedMeanwhile = await issue?.catch(() => undefined);
      await issuedMeanwhile?.annotated;
      if (issuedMeanwhile?.credential.revocable)
        await revokeSelected(conn, [issuedMeanwhile.credential], { logger, ledger: false }).catch(() => undefined);
      throw err;
    }

    if (applyResult.kept.length > 0) {
      const kept = applyResult.kept.map(describeRef).join(', ');
      warnings.push(`Kept as asked, though this request no longer has them, and still granting: ${kept}.`);
    }
    if (!issue) {
      for (const step of ['token', 'kubeconfig', 'verify'] as const) progress(step, 'skipped', 'no new credential');
      return finish({ applyResult });
    }

    let token: TokenResult;
    let issued: IssuedCredential | undefined;
    let kubeconfigYaml: string;
    let names: string[];
    let caSource: ProvisionResult['caSource'];
    try {
      issued = await runStep(
        'token',
        () => issue,
        (i) => `credential ${i.credential.id}${i.credential.expiresAt ? `, expires ${i.credential.expiresAt}` : ''}`,
      );
      token = issued.token;
      for (const w of issued.warnings) if (!warnings.includes(w)) warnings.push(w);
      if (token.shortened)
        warnings.push(
          `The server granted a token lifetime of ${token.grantedSeconds} s, ` +
            `shorter than the ${token.requestedSeconds} s requested (the cluster caps token lifetimes).`,
        );
      for (const w of token.warnings) if (!warnings.includes(w)) warnings.push(w);
      ({
        kubeconfigYaml,
        contexts: names,
        caSource,
      } = await runStep(
        'kubeconfig',
        async () => {
          const k = await kubeconfigFor(
            conn,
            {
              serviceAccount: request.serviceAccount,
              serviceAccountNamespace: request.namespace,
              namespaces: targetNamespaces(request),
              kubeconfig: request.kubeconfig,
              clusterWide: request.scope.kind === 'cluster',
              rules: request.rules,
              roleRefs: request.roleRefs,
            },
            token,
            op,
          );
          warnings.push(...k.warnings);
          return k;
        },
        (k) => `${k.contexts.length} context(s), CA from ${k.caSource}`,
      ));
    } catch (err) {
      logger?.error(`Provisioning failed after apply; rolling back what this run created.`);
      await issued?.annotated;
      if (issued?.credential.revocable)
        await revokeSelected(conn, [issued.credential], { logger, ledger: false }).catch(() => undefined);
      await rollback(conn, applyResult, logger);
      if (err instanceof SaKubeconfigError) {
        throw new SaKubeconfigError(
          err.code,
          `${err.message} Rolled back ${applyResult.rolledBack.length} object(s) this run created.`,
          { hint: err.hint, cause: err, details: { applyResult } },
        );
      }
      if (err instanceof ValidationError)
        throw new SaKubeconfigError('invalidInput', err.message, { details: { problems: err.problems, applyResult } });
      throw err;
    }

    const { token: _secret, secretCaPem: _ca, ...tokenSummary } = token;
    let verification: VerificationReport | undefined;
    let verificationError: ProvisionResult['verificationError'];
    // The verification goes out while the credential's id and expiry are written onto its Secret.
    if (options.verify === false) {
      progress('verify', 'skipped');
    } else {
      try {
        verification = await runStep(
          'verify',
          () => verifyKubeconfig(kubeconfigYaml, expectationsFromPlan(plan), op),
          (v) =>
            v.ok
              ? `${v.checks.length} checks passed`
              : `${v.checks.filter((c) => !c.ok).length} of ${v.checks.length} checks failed`,
        );
      } catch (err) {
        const e = err instanceof SaKubeconfigError ? err : new SaKubeconfigError('server', (err as Error).message);
        verificationError = { code: e.code, message: e.message, hint: e.hint };
      }
    }
    await issued.annotated;
    for (const w of issued.warnings) if (!warnings.includes(w)) warnings.push(w);
    return finish({
      applyResult,
      token: tokenSummary,
      credential: issued.credential,
      kubeconfigYaml,
      contexts: names,
      caSource,
      verification,
      ...(verificationError ? { verificationError } : {}),
    });
  } finally {
    if (!options.connection) conn.close();
  }
}
