// The wizard's Apply step without VS Code: runs core's provision with the run's AbortSignal, folds its progress
// into the page's step list, and turns the outcome into the message the page shows: the Result (never the token),
// or what failed or was cancelled and what was rolled back. The panel keeps the kubeconfig text; the page never
// receives it. Tested against the real cluster (test/e2e/wizardCancel.e2e.ts).
import type { ApplyResult } from '../../core/apply/apply';
import type { Connection } from '../../core/cluster/connect';
import { isSaKubeconfigError, SaKubeconfigError, ValidationError } from '../../core/errors';
import { describeRef } from '../../core/objects';
import { provision, PROVISION_STEPS, type ProvisionResult } from '../../core/provision';
import { redact } from '../../core/redact';
import type { DiscoveredResource, Logger, ProvisionRequest } from '../../core/types';
import type { ErrorInfo, HostMessage, ProgressStep } from '../protocol';
import { applyProgress, initialSteps, resultFromProvision } from './resultInfo';

export function toErrorInfo(err: unknown): ErrorInfo {
  // Messages can quote the server or an exec plugin: redacted like every log line before they reach the page.
  if (err instanceof SaKubeconfigError)
    return { message: redact(err.message), hint: err.hint ? redact(err.hint) : undefined, code: err.code };
  if (err instanceof ValidationError) return { message: redact(err.message), code: 'invalidInput' };
  return { message: redact(err instanceof Error ? err.message : String(err)) };
}

/** The steps the page lists for a run (connecting is done before it starts). */
export function applySteps(): ProgressStep[] {
  return initialSteps(PROVISION_STEPS.filter((s) => s !== 'connect'));
}

export interface ApplyRunOptions {
  runId: number;
  connection: Connection;
  signal: AbortSignal;
  logger: Logger;
  discovered?: DiscoveredResource[];
  /** Every change of the step list, for the page. */
  onSteps?: (steps: ProgressStep[]) => void;
}

export interface ApplyRunOutcome {
  /** applyDone or applyFailed: what the page is told. */
  final: Extract<HostMessage, { type: 'applyDone' | 'applyFailed' }>;
  steps: ProgressStep[];
  /** SECRET: the generated kubeconfig (only when the run succeeded). Never posted, never logged. */
  kubeconfig?: string;
  provision?: ProvisionResult;
}

/** Lines for the page's "Rolled back" list. Pure. */
export function rollbackLines(applyResult: ApplyResult | undefined): string[] {
  return [
    ...(applyResult?.rolledBack ?? []).map((ref) => `Deleted ${describeRef(ref)}`),
    ...(applyResult?.rollbackFailed ?? []).map((f) => `Could NOT delete ${describeRef(f.ref)}: ${f.message}`),
  ];
}

export async function runApply(request: ProvisionRequest, options: ApplyRunOptions): Promise<ApplyRunOutcome> {
  const { runId, logger, signal } = options;
  let steps = applySteps();
  try {
    const result = await provision(request, {
      connection: options.connection,
      signal,
      logger,
      discovered: options.discovered,
      onProgress: (event) => {
        if (event.step === 'connect') return;
        steps = applyProgress(steps, event);
        options.onSteps?.(steps);
      },
    });
    logger.info(
      `Wizard: provisioned ${request.namespace}/${request.serviceAccount} in ${result.durationMs} ms ` +
        `(${result.requests} requests); verification ${result.verification?.ok ? 'passed' : 'did not pass'}`,
    );
    return {
      final: { type: 'applyDone', runId, result: resultFromProvision(request, result, options.connection.server) },
      steps,
      kubeconfig: result.kubeconfigYaml,
      provision: result,
    };
  } catch (err) {
    const cancelled = isSaKubeconfigError(err, 'aborted') || signal.aborted;
    const rolledBack = rollbackLines((err as { details?: { applyResult?: ApplyResult } }).details?.applyResult);
    if (cancelled) logger.info(`Wizard: cancelled; rolled back ${rolledBack.length} object(s)`);
    else logger.error(`Wizard: provisioning failed: ${toErrorInfo(err).message}`);
    steps = steps.map((s) =>
      s.status === 'running' ? { ...s, status: cancelled ? ('skipped' as const) : ('failed' as const) } : s,
    );
    return { final: { type: 'applyFailed', runId, error: toErrorInfo(err), rolledBack, cancelled, steps }, steps };
  }
}
