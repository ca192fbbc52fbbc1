// The whole wizard view, redrawn from the state on every change: header, step list, the current step, notices and
// the footer's buttons. Each step's body lives in steps/.

import { STEPS } from '../protocol';
import { h, icon } from './dom';
import { back, cancelRun, goTo, hasTouched, next, startOver, STEP_TITLES, stepProblems } from './navigation';
import { currentRequest } from './state';
import { applyStep } from './steps/apply';
import { kubeconfigStep } from './steps/kubeconfig';
import { permissionsStep } from './steps/permissions';
import { resultStep } from './steps/result';
import { reviewStep } from './steps/review';
import { targetStep } from './steps/target';
import { tokenStep } from './steps/token';
import { post, state } from './store';
import { errorBox } from './widgets';

/** No context to act with (an empty or unreadable kubeconfig): say which file was read instead of a form. */
function emptyState(): HTMLElement {
  const paths = state.kubeconfigPaths ?? [];
  return h(
    'main',
    { class: 'step-body empty-state', 'aria-labelledby': 'step-title' },
    h('h2', { id: 'step-title', tabindex: '-1' }, 'No cluster to connect to'),
    h(
      'p',
      null,
      paths.length > 0
        ? `There are no contexts in ${paths.length === 1 ? 'the kubeconfig file' : 'the kubeconfig files'} `
        : 'There are no contexts in your kubeconfig',
      paths.length > 0 ? h('span', { class: 'mono', id: 'kubeconfig-paths' }, paths.join(', ')) : null,
      ". Add a context (for example with your provider's login command, " +
        'or kubectl config set-context) and open the wizard again.',
    ),
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          id: 'open-kubeconfig-file',
          class: 'primary',
          on: { click: () => post({ type: 'openKubeconfigFile' }) },
        },
        'Open kubeconfig file',
      ),
    ),
  );
}

export function view(): HTMLElement {
  const stepIndex = STEPS.indexOf(state.step);
  const running = state.run?.status === 'running' || state.run?.status === 'cancelling';
  return h(
    'div',
    { class: 'wizard' },
    h(
      'header',
      { class: 'wizard-header' },
      h('h1', null, 'Create a service account kubeconfig'),
      h('p', { class: 'subtitle' }, 'From "a script needs access" to a verified, least-privilege kubeconfig.'),
    ),
    h(
      'nav',
      { 'aria-label': 'Wizard steps' },
      h(
        'ol',
        { class: 'steps' },
        STEPS.map((step, i) => {
          const reachable = i <= state.reached && !running && state.step !== 'result' && i <= STEPS.indexOf('review');
          const current = step === state.step;
          return h(
            'li',
            { class: `step${current ? ' current' : ''}${i < stepIndex ? ' done' : ''}` },
            h(
              'button',
              {
                type: 'button',
                id: `nav-${step}`,
                class: 'step-button',
                disabled: !reachable || current,
                'aria-current': current ? 'step' : undefined,
                on: { click: () => goTo(step) },
              },
              h('span', { class: 'step-number', 'aria-hidden': 'true' }, String(i + 1)),
              STEP_TITLES[step],
            ),
          );
        }),
      ),
    ),
    state.kubeconfigError ? errorBox(state.kubeconfigError) : null,
    noContexts()
      ? emptyState()
      : h(
          'main',
          { class: 'step-body', 'aria-labelledby': 'step-title' },
          h('h2', { id: 'step-title', tabindex: '-1' }, `${stepIndex + 1}. ${STEP_TITLES[state.step]}`),
          stepView(),
        ),
    state.notice
      ? h(
          'div',
          { class: `notice notice-${state.notice.level}`, role: state.notice.level === 'error' ? 'alert' : 'status' },
          state.notice.message,
        )
      : null,
    noContexts() ? null : footer(),
    h('div', { id: 'live', class: 'sr-only', 'aria-live': 'polite', role: 'status' }),
  );
}

function noContexts(): boolean {
  return state.initialized && state.contexts.length === 0 && state.step === 'target';
}

function footer(): HTMLElement {
  const step = state.step;
  const problems = step === 'review' || step === 'apply' || step === 'result' ? [] : stepProblems(step);
  const running = state.run?.status === 'running' || state.run?.status === 'cancelling';
  let nextLabel = 'Next';
  let nextDisabled = false;
  if (step === 'kubeconfig') nextLabel = 'Review';
  // Unreachable cluster: nothing after this step can work until Retry succeeds.
  if (step === 'target' && state.contextError) nextDisabled = true;
  if (step === 'review') {
    nextLabel = 'Create';
    const { request } = currentRequest(state);
    nextDisabled = state.reviewLoading || !state.review?.canApply || state.reviewedRequest !== JSON.stringify(request);
  }
  const buttons: HTMLElement[] = [];
  if (step !== 'target' && step !== 'result') {
    buttons.push(
      h('button', { type: 'button', id: 'back', class: 'secondary', disabled: running, on: { click: back } }, 'Back'),
    );
  }
  const hint =
    problems.length > 0 && hasTouched(step)
      ? h('span', { class: 'footer-hint', id: 'footer-hint' }, icon('warning'), ' ', problems[0])
      : h(
          'span',
          { class: 'footer-hint muted' },
          step === 'review'
            ? nextDisabled
              ? ''
              : 'Ctrl+Enter: Create'
            : step === 'apply' || step === 'result'
              ? ''
              : 'Ctrl+Enter: next step',
        );
  if (step === 'apply') {
    if (running)
      buttons.push(
        h(
          'button',
          {
            type: 'button',
            id: 'cancel',
            class: 'secondary',
            disabled: state.run?.status === 'cancelling',
            on: { click: cancelRun },
          },
          state.run?.status === 'cancelling' ? 'Cancelling…' : 'Cancel',
        ),
      );
    else if (state.run?.status === 'failed')
      buttons.push(h('button', { type: 'button', id: 'retry', on: { click: () => goTo('review') } }, 'Review again'));
  } else if (step === 'result') {
    buttons.push(
      h('button', { type: 'button', id: 'start-over', class: 'secondary', on: { click: startOver } }, 'Start over'),
    );
  } else {
    buttons.push(
      h(
        'button',
        {
          type: 'button',
          id: 'next',
          class: step === 'review' ? 'primary create' : 'primary',
          disabled: nextDisabled,
          'aria-describedby': problems.length > 0 && hasTouched(step) ? 'footer-hint' : undefined,
          on: { click: next },
        },
        nextLabel,
      ),
    );
  }
  return h('footer', { class: 'actions' }, hint, h('div', { class: 'buttons' }, buttons));
}

function stepView(): HTMLElement {
  switch (state.step) {
    case 'target':
      return targetStep();
    case 'permissions':
      return permissionsStep();
    case 'token':
      return tokenStep();
    case 'kubeconfig':
      return kubeconfigStep();
    case 'review':
      return reviewStep();
    case 'apply':
      return applyStep();
    case 'result':
      return resultStep();
  }
}
