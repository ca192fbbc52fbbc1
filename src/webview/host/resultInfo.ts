// Turns core's provision result into what the Result step shows, without the token. Pure: unit tested.
import { formatDuration } from '../../core/plan/duration';
import { targetNamespaces } from '../../core/plan/plan';
import type { ProvisionProgress, ProvisionResult, ProvisionStep } from '../../core/provision';
import { redact } from '../../core/redact';
import type { ProvisionRequest } from '../../core/types';
import type { VerificationCheck as CoreCheck } from '../../core/verify/verify';
import type { ProgressStep, ResultInfo, VerificationCheck } from '../protocol';

export const STEP_LABELS: Record<ProvisionStep, string> = {
  connect: 'Connect to the cluster',
  plan: 'Plan the objects',
  preflight: 'Check: existing objects, dry run, escalation pre-check',
  apply: 'Create and update the objects',
  token: 'Get the token',
  kubeconfig: 'Build the kubeconfig',
  verify: 'Verify with the new credential',
};

/** Folds one progress event into the step list the page shows. Pure. */
export function applyProgress(steps: ProgressStep[], event: ProvisionProgress): ProgressStep[] {
  const status: ProgressStep['status'] =
    event.state === 'start'
      ? 'running'
      : event.state === 'done'
        ? 'done'
        : event.state === 'skipped'
          ? 'skipped'
          : 'failed';
  return steps.map((s) =>
    s.id === event.step ? { ...s, status, ...(event.message ? { detail: redact(event.message) } : {}) } : s,
  );
}

export function initialSteps(steps: readonly ProvisionStep[]): ProgressStep[] {
  return steps.map((id) => ({ id, label: STEP_LABELS[id], status: 'pending' }));
}

export function describeCheck(
  c: Pick<CoreCheck, 'verb' | 'group' | 'resource' | 'subresource' | 'namespace' | 'name'>,
): string {
  const resource = `${c.resource}${c.subresource ? `/${c.subresource}` : ''}${c.group ? `.${c.group}` : ''}`;
  const where = c.namespace ? ` in namespace ${c.namespace}` : ' cluster-wide';
  return `${c.verb} ${resource}${c.name ? ` "${c.name}"` : ''}${where}`;
}

export function toChecks(checks: CoreCheck[]): VerificationCheck[] {
  return checks.map((c) => ({
    description: `${describeCheck(c)}${c.expected === 'denied' ? ` (${c.why})` : ''}`,
    expected: c.expected,
    actual: c.allowed ? 'allowed' : 'denied',
    ok: c.ok,
  }));
}

/** Single-quotes a path for a POSIX shell. */
export function shellQuote(text: string): string {
  return /^[A-Za-z0-9_./~:@%+=-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A first command to try with the new kubeconfig: something the grant allows, else `auth can-i --list`. */
export function kubectlLine(request: ProvisionRequest, kubeconfigPath: string | undefined): string {
  const ns = targetNamespaces(request)[0];
  const listable = request.rules.find((r) => r.verbs.includes('list') || r.verbs.includes('*'));
  const resource = listable?.resources.find((res) => !res.includes('/') && res !== '*');
  const group = listable?.apiGroups[0];
  const what = resource ? `get ${group ? `${resource}.${group}` : resource}` : 'auth can-i --list';
  const nsFlag = request.scope.kind === 'cluster' && resource ? ' -A' : ` -n ${ns}`;
  return `KUBECONFIG=${kubeconfigPath ? shellQuote(kubeconfigPath) : '<saved-file>'} kubectl ${what}${nsFlag}`;
}

export function resultFromProvision(
  request: ProvisionRequest,
  result: ProvisionResult,
  server: string,
  savedPath?: string,
): ResultInfo {
  const token = result.token;
  let expiryNote: string | undefined;
  if (token?.shortened && token.requestedSeconds && token.grantedSeconds) {
    expiryNote =
      `You asked for ${formatDuration(token.requestedSeconds)}; ` +
      `this API server caps tokens and granted ${formatDuration(token.grantedSeconds)}.`;
  } else if (token && token.mode !== 'timeBound') {
    expiryNote = `Long-lived: revoke it by deleting Secret ${request.namespace}/${token.secretName ?? ''}.`;
  } else if (result.credential && !result.credential.revocable) {
    expiryNote = 'Unbound: it cannot be revoked before it expires (only deleting the service account ends it).';
  } else if (result.credential?.secretName) {
    expiryNote =
      `Credential ${result.credential.id}: revoke exactly this token by deleting Secret ` +
      `${request.namespace}/${result.credential.secretName} ` +
      '(Revoke in the tree, or sa-kubeconfig revoke --credential); it stops working within about 10 seconds.';
  }
  const verification = result.verification;
  const verifyNote = result.verificationError
    ? `Verification could not run: ${redact(result.verificationError.message)}`
    : verification && verification.notes.length > 0
      ? verification.notes.join(' ')
      : undefined;
  return {
    serviceAccount: request.serviceAccount,
    namespace: request.namespace,
    contextNames: result.contexts ?? [],
    server: request.kubeconfig.server || server,
    tokenKind: token?.mode ?? request.token.kind,
    ...(token?.expiresAt ? { expiresAt: token.expiresAt } : {}),
    ...(token?.requestedSeconds ? { requestedSeconds: token.requestedSeconds } : {}),
    ...(expiryNote ? { expiryNote } : {}),
    checks: verification ? toChecks(verification.checks) : [],
    verified: verification?.ok === true,
    ...(verifyNote ? { verifyNote } : {}),
    kubectlLine: kubectlLine(request, savedPath),
    ...(savedPath ? { savedPath } : {}),
  };
}
