// Moving between the steps, and the user's actions that talk to the host: review, apply, cancel, start over.

import { emptyForm, fieldProblems, type FieldProblems } from '../formToRequest';
import { STEPS, type StepId } from '../protocol';
import { currentRequest, initialState } from './state';
import { announce, focusHeading, loadAccounts, post, state, update } from './store';

export const STEP_TITLES: Record<StepId, string> = {
  target: 'Target',
  permissions: 'Permissions',
  token: 'Token',
  kubeconfig: 'Kubeconfig',
  review: 'Review',
  apply: 'Apply',
  result: 'Result',
};

const STEP_FIELDS: Partial<Record<StepId, (keyof FieldProblems)[]>> = {
  target: ['namespace', 'serviceAccount'],
  permissions: ['picks', 'extraNamespaces'],
  token: ['tokenLifetime', 'longLivedSecretName', 'existingSecretName'],
  kubeconfig: ['server', 'namePrefix'],
};

export function stepProblems(step: StepId): string[] {
  const problems = fieldProblems(state.form);
  const own = (STEP_FIELDS[step] ?? []).map((f) => problems[f]).filter((p): p is string => Boolean(p));
  if (step === 'target' && state.contextError)
    own.unshift('The cluster could not be reached: Retry, or pick another context.');
  if (step === 'target' && !state.form.context) own.unshift('Pick a context.');
  if (step === 'token') {
    const denied = tokenDenied();
    if (denied.length > 0) own.unshift(`This token needs rights you do not have here: ${denied.join(', ')}.`);
  }
  return own;
}

/** What the chosen token kind needs in the target namespace and the user may not do (empty when unknown). */
export function tokenDenied(): string[] {
  const { form, rights } = state;
  if (!rights || rights.context !== form.context || rights.namespace !== form.namespace) return [];
  if (form.tokenKind === 'timeBound') return rights.rights.tokenDenied[form.unbound ? 'unbound' : 'bound'];
  if (form.tokenKind === 'longLived') return rights.rights.tokenDenied.longLived;
  return [];
}

export function hasTouched(step: StepId): boolean {
  return (STEP_FIELDS[step] ?? []).some((f) => state.touched.includes(f));
}

export function goTo(step: StepId): void {
  const index = STEPS.indexOf(step);
  update({ step, reached: Math.max(state.reached, Math.min(index, STEPS.indexOf('review'))), notice: undefined });
  if (step === 'review') requestReview();
  focusHeading();
}

export function next(): void {
  const step = state.step;
  if (step === 'review') return apply();
  if (step === 'apply' || step === 'result') return;
  const problems = stepProblems(step);
  if (problems.length > 0) {
    update({ touched: [...new Set([...state.touched, ...(STEP_FIELDS[step] ?? [])])] });
    announce(`Cannot continue: ${problems[0]}`);
    const firstInvalid = document.querySelector<HTMLElement>('[aria-invalid="true"]');
    firstInvalid?.focus();
    return;
  }
  goTo(STEPS[STEPS.indexOf(step) + 1]);
}

export function back(): void {
  const index = STEPS.indexOf(state.step);
  if (state.step === 'result' || index === 0) return;
  if (state.step === 'apply' && state.run?.status === 'running') return;
  goTo(STEPS[state.step === 'apply' ? STEPS.indexOf('review') : index - 1]);
}

export function requestReview(): void {
  const { request, problems } = currentRequest(state);
  const key = JSON.stringify(request);
  if (state.review && state.reviewedRequest === key && !state.reviewLoading) return;
  const reviewId = state.reviewId + 1;
  if (problems.length > 0) {
    update({
      reviewId,
      reviewLoading: false,
      reviewedRequest: undefined,
      review: {
        objects: [],
        warnings: [],
        problems,
        dryRunRejections: [],
        clusterScopedRules: [],
        dryRun: false,
        needsAdoption: false,
        canApply: false,
        escalation: { checked: false, allowed: false, missingRules: [], missingPermissions: [] },
      },
    });
    return;
  }
  update({ reviewId, reviewLoading: true, reviewedRequest: key, review: undefined });
  post({ type: 'review', reviewId, request });
}

export function apply(): void {
  const { request, problems } = currentRequest(state);
  if (problems.length > 0 || !state.review?.canApply || state.reviewedRequest !== JSON.stringify(request)) return;
  const runId = Date.now();
  update({ run: { runId, steps: [], status: 'running' }, result: undefined, step: 'apply' });
  post({ type: 'apply', runId, request });
  focusHeading();
}

export function cancelRun(): void {
  if (!state.run || state.run.status !== 'running') return;
  update({ run: { ...state.run, status: 'cancelling' } });
  post({ type: 'cancel', runId: state.run.runId });
}

export function startOver(): void {
  const keep = { context: state.form.context };
  post({ type: 'startOver' });
  update({
    ...initialState(),
    contexts: state.contexts,
    presets: state.presets,
    tokenCaps: state.tokenCaps,
    initialized: true,
    contextData: state.contextData,
    discovery: state.discovery,
    accounts: undefined,
    form: {
      ...emptyForm(),
      ...keep,
      namespace: state.contextData?.defaultNamespace ?? '',
      server: state.contextData?.server ?? '',
    },
  });
  loadAccounts();
  focusHeading();
}
