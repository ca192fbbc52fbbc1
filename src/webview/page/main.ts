// The wizard page. It holds UI state only (the form, what the host sent, which step is shown) and renders it with
// createElement/textContent. Kubernetes decisions come from core: validation, rule syntax, risk warnings and
// presets are core's pure functions; planning, dry runs, the escalation pre-check and provisioning happen in the
// host, which calls core. State survives the panel being hidden through getState/setState.

import type { DiscoveredResource, ProvisionRequest } from '../../core/types';
import type {
  ContextInfo, DiscoveryStats, ErrorInfo, HostMessage, PageMessage, PresetInfo, ProgressStep, ResultInfo, ReviewInfo,
  ServiceAccountDetailsInfo, ServiceAccountInfo, StepId,
} from '../protocol';
import { STEPS, isHostMessage } from '../protocol';
import {
  applyPreset, clusterScopedPicks, emptyForm, fieldProblems, formNamespaces, formToRequest, mergePicks, pickLabel, presetApplied,
  removePreset, sortVerbs, splitList, type FieldProblems, type PermissionPick, type WizardForm,
} from '../formToRequest';
import { formatDuration, parseDuration } from '../../core/plan/duration';
import { formatRule } from '../../core/plan/rules';
import { riskWarnings } from '../../core/plan/warnings';
import { partitionRules } from '../../core/plan/plan';
import { namespacedLookupFrom } from '../../core/plan/scope';
import { contextNames, defaultNamePrefix } from '../../core/kubeconfig/build';
import { h, icon } from './dom';

interface VsCodeApi {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

// ---------- state ----------

interface RunState {
  runId: number;
  steps: ProgressStep[];
  status: 'running' | 'cancelling' | 'done' | 'failed';
  error?: ErrorInfo;
  rolledBack?: string[];
  cancelled?: boolean;
}

interface PageState {
  v: 1;
  step: StepId;
  /** The furthest form step reached (the step list lets the user jump back to any of them). */
  reached: number;
  form: WizardForm;
  /** Fields the user has edited or tried to leave; errors show only for these. */
  touched: string[];
  contexts: ContextInfo[];
  presets: PresetInfo[];
  tokenCaps: Record<string, number>;
  kubeconfigError?: ErrorInfo;
  prefillPending?: { namespace?: string; serviceAccount?: string };
  contextData?: { context: string; server: string; defaultNamespace: string; namespaces: string[]; namespacesSource: string };
  contextLoading: boolean;
  contextError?: ErrorInfo;
  discovery?: { context: string; resources: DiscoveredResource[]; stats: DiscoveryStats };
  discoveryError?: ErrorInfo;
  accounts?: { context: string; namespace: string; list: ServiceAccountInfo[]; namespaceExists?: boolean };
  accountsError?: ErrorInfo;
  saDetails?: { context: string; namespace: string; name: string; details: ServiceAccountDetailsInfo };
  search: string;
  openGroups: string[];
  openResources: string[];
  review?: ReviewInfo;
  reviewId: number;
  reviewLoading: boolean;
  reviewedRequest?: string;
  run?: RunState;
  result?: ResultInfo;
  notice?: { message: string; level: 'info' | 'error' };
  initialized: boolean;
}

const vscode = acquireVsCodeApi();
// Wall-clock marks that tests read to measure time to interactive without polling overhead.
document.documentElement.dataset.bootAt = String(Date.now());

function initialState(): PageState {
  return {
    v: 1, step: 'target', reached: 0, form: emptyForm(), touched: [], contexts: [], presets: [], tokenCaps: {},
    contextLoading: false, search: '', openGroups: [''], openResources: [], reviewId: 0, reviewLoading: false, initialized: false,
  };
}

function restore(): PageState {
  const saved = vscode.getState() as Partial<PageState> | undefined;
  if (!saved || saved.v !== 1) return initialState();
  return { ...initialState(), ...saved, form: { ...emptyForm(), ...saved.form } };
}

let state: PageState = restore();

function post(message: PageMessage): void {
  vscode.postMessage(message);
}

function update(change: Partial<PageState>, options: { render?: boolean } = {}): void {
  state = { ...state, ...change };
  vscode.setState(state);
  if (options.render !== false) render();
}

function setForm(change: Partial<WizardForm>, touched: string[] = []): void {
  const form = { ...state.form, ...change };
  update({ form, touched: [...new Set([...state.touched, ...touched])] });
}

function announce(text: string): void {
  const live = document.getElementById('live');
  if (live) {
    live.textContent = '';
    // A fresh text node makes screen readers announce the same message twice in a row too.
    window.setTimeout(() => { live.textContent = text; }, 30);
  }
}

// ---------- messages from the host ----------

window.addEventListener('message', (event: MessageEvent) => {
  const message: unknown = event.data;
  if (!isHostMessage(message)) return;
  onHostMessage(message);
});

function onHostMessage(message: HostMessage): void {
  switch (message.type) {
    case 'init': {
      const change: Partial<PageState> = {
        contexts: message.contexts, presets: message.presets, tokenCaps: message.tokenCapSeconds ?? {},
        kubeconfigError: message.kubeconfigError, initialized: true,
      };
      let context = state.form.context;
      const prefill = message.prefill;
      if (prefill && !state.initialized) {
        if (prefill.context) context = prefill.context;
        change.prefillPending = { namespace: prefill.namespace, serviceAccount: prefill.serviceAccount };
      }
      if (!context || !message.contexts.some((c) => c.name === context)) {
        context = (message.contexts.find((c) => c.current) ?? message.contexts[0])?.name ?? '';
      }
      state = { ...state, ...change, form: { ...state.form, context } };
      update({});
      if (context) loadContext(context, state.contextData?.context !== context);
      break;
    }
    case 'contextLoaded': {
      if (message.context !== state.form.context) return;
      const previousServer = state.contextData?.server;
      const form = { ...state.form };
      const pending = state.prefillPending;
      if (pending?.namespace) form.namespace = pending.namespace;
      else if (!form.namespace) form.namespace = message.defaultNamespace;
      if (pending?.serviceAccount) {
        form.serviceAccount = pending.serviceAccount;
        form.serviceAccountMode = 'existing';
      }
      if (!form.server || form.server === previousServer) form.server = message.server;
      form.createNamespace = namespaceMissing(form.namespace, message.namespaces, message.namespacesSource) ?? form.createNamespace;
      document.documentElement.dataset.interactiveAt ??= String(Date.now());
      update({
        contextData: { context: message.context, server: message.server, defaultNamespace: message.defaultNamespace, namespaces: message.namespaces, namespacesSource: message.namespacesSource },
        contextLoading: false, contextError: undefined, form, prefillPending: undefined,
      });
      loadAccounts();
      break;
    }
    case 'discovery':
      if (message.context !== state.form.context) return;
      update({ discovery: { context: message.context, resources: message.resources, stats: message.stats }, discoveryError: undefined });
      break;
    case 'serviceAccounts':
      if (message.context !== state.form.context || message.namespace !== state.form.namespace) return;
      update({ accounts: { context: message.context, namespace: message.namespace, list: message.accounts, namespaceExists: message.namespaceExists }, accountsError: undefined });
      maybeLoadDetails();
      break;
    case 'serviceAccountDetails':
      update({ saDetails: { context: message.context, namespace: message.namespace, name: message.name, details: message.details } });
      break;
    case 'reviewResult':
      if (message.reviewId !== state.reviewId) return;
      update({ review: message.review, reviewLoading: false });
      announce(message.review.canApply ? 'Review ready. You may create these objects.' : 'Review ready. Applying is not possible as things stand.');
      break;
    case 'progress':
      if (state.run?.runId !== message.runId) return;
      update({ run: { ...state.run, steps: message.steps } });
      break;
    case 'applyDone':
      if (state.run?.runId !== message.runId) return;
      update({ run: { ...state.run, status: 'done' }, result: message.result, step: 'result' });
      focusHeading();
      announce(`Done. ${message.result.checks.filter((c) => c.ok).length} of ${message.result.checks.length} checks passed.`);
      break;
    case 'applyFailed':
      if (state.run?.runId !== message.runId) return;
      update({ run: { ...state.run, status: 'failed', steps: message.steps, error: message.error, rolledBack: message.rolledBack, cancelled: message.cancelled } });
      announce(message.cancelled ? 'Cancelled.' : `Failed: ${message.error.message}`);
      break;
    case 'resultUpdated':
      update({ result: message.result });
      break;
    case 'error':
      if (message.scope === 'context') update({ contextError: message.error, contextLoading: false });
      else if (message.scope === 'discovery') update({ discoveryError: message.error });
      else if (message.scope === 'serviceAccounts') update({ accountsError: message.error });
      else if (message.scope === 'contexts') update({ kubeconfigError: message.error, initialized: true });
      else update({ notice: { message: message.error.message + (message.error.hint ? ` ${message.error.hint}` : ''), level: 'error' } });
      break;
    case 'notice':
      update({ notice: { message: message.message, level: message.level } });
      announce(message.message);
      break;
  }
}

/** true/false when the namespace list is authoritative; undefined when we cannot tell (listing was not allowed). */
function namespaceMissing(namespace: string, namespaces: string[], source: string): boolean | undefined {
  if (source === 'context') return undefined;
  return namespace !== '' && !namespaces.includes(namespace);
}

function loadContext(context: string, reset: boolean): void {
  if (reset) {
    update({
      contextLoading: true, contextData: undefined, discovery: undefined, accounts: undefined, saDetails: undefined,
      contextError: undefined, discoveryError: undefined, review: undefined,
    });
  } else {
    update({ contextLoading: true });
  }
  post({ type: 'loadContext', context });
}

let accountsTimer: number | undefined;
function loadAccounts(): void {
  window.clearTimeout(accountsTimer);
  const { context, namespace } = state.form;
  if (!context || fieldProblems(state.form).namespace) return;
  if (state.accounts?.context === context && state.accounts.namespace === namespace) return;
  accountsTimer = window.setTimeout(() => post({ type: 'loadServiceAccounts', context, namespace }), 250);
}

function maybeLoadDetails(): void {
  const { context, namespace, serviceAccount, serviceAccountMode } = state.form;
  if (serviceAccountMode !== 'existing' || !serviceAccount) return;
  if (!state.accounts?.list.some((a) => a.name === serviceAccount)) return;
  const d = state.saDetails;
  if (d && d.context === context && d.namespace === namespace && d.name === serviceAccount) return;
  post({ type: 'loadServiceAccountDetails', context, namespace, name: serviceAccount });
}

// ---------- navigation ----------

const STEP_TITLES: Record<StepId, string> = {
  target: 'Target', permissions: 'Permissions', token: 'Token', kubeconfig: 'Kubeconfig', review: 'Review', apply: 'Apply', result: 'Result',
};

const STEP_FIELDS: Partial<Record<StepId, (keyof FieldProblems)[]>> = {
  target: ['namespace', 'serviceAccount'],
  permissions: ['picks', 'extraNamespaces'],
  token: ['tokenLifetime', 'longLivedSecretName', 'existingSecretName'],
  kubeconfig: ['server', 'namePrefix'],
};

function stepProblems(step: StepId): string[] {
  const problems = fieldProblems(state.form);
  const own = (STEP_FIELDS[step] ?? []).map((f) => problems[f]).filter((p): p is string => Boolean(p));
  if (step === 'target' && !state.form.context) own.unshift('Pick a context.');
  return own;
}

function goTo(step: StepId): void {
  const index = STEPS.indexOf(step);
  update({ step, reached: Math.max(state.reached, Math.min(index, STEPS.indexOf('review'))), notice: undefined });
  if (step === 'review') requestReview();
  focusHeading();
}

function next(): void {
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

function back(): void {
  const index = STEPS.indexOf(state.step);
  if (state.step === 'result' || index === 0) return;
  if (state.step === 'apply' && state.run?.status === 'running') return;
  goTo(STEPS[state.step === 'apply' ? STEPS.indexOf('review') : index - 1]);
}

function focusHeading(): void {
  window.requestAnimationFrame(() => document.getElementById('step-title')?.focus());
}

function currentRequest(): { request: ProvisionRequest; problems: string[] } {
  return formToRequest(state.form);
}

function requestReview(): void {
  const { request, problems } = currentRequest();
  const key = JSON.stringify(request);
  if (state.review && state.reviewedRequest === key && !state.reviewLoading) return;
  const reviewId = state.reviewId + 1;
  if (problems.length > 0) {
    update({
      reviewId, reviewLoading: false, reviewedRequest: undefined,
      review: {
        objects: [], warnings: [], problems, dryRunRejections: [], clusterScopedRules: [], dryRun: false, needsAdoption: false, canApply: false,
        escalation: { checked: false, allowed: false, missingRules: [], missingPermissions: [] },
      },
    });
    return;
  }
  update({ reviewId, reviewLoading: true, reviewedRequest: key, review: undefined });
  post({ type: 'review', reviewId, request });
}

function apply(): void {
  const { request, problems } = currentRequest();
  if (problems.length > 0 || !state.review?.canApply || state.reviewedRequest !== JSON.stringify(request)) return;
  const runId = Date.now();
  update({ run: { runId, steps: [], status: 'running' }, result: undefined, step: 'apply' });
  post({ type: 'apply', runId, request });
  focusHeading();
}

function cancelRun(): void {
  if (!state.run || state.run.status !== 'running') return;
  update({ run: { ...state.run, status: 'cancelling' } });
  post({ type: 'cancel', runId: state.run.runId });
}

function startOver(): void {
  const keep = { context: state.form.context };
  post({ type: 'startOver' });
  update({
    ...initialState(), contexts: state.contexts, presets: state.presets, tokenCaps: state.tokenCaps, initialized: true,
    contextData: state.contextData, discovery: state.discovery, accounts: undefined,
    form: { ...emptyForm(), ...keep, namespace: state.contextData?.defaultNamespace ?? '', server: state.contextData?.server ?? '' },
  });
  loadAccounts();
  focusHeading();
}

// ---------- rendering ----------

function render(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const active = document.activeElement as HTMLInputElement | null;
  const focusId = active?.id;
  const selection = active && 'selectionStart' in active && typeof active.selectionStart === 'number'
    ? [active.selectionStart, active.selectionEnd ?? active.selectionStart] as const
    : undefined;
  const scroll = window.scrollY;

  root.replaceChildren(view());

  if (focusId) {
    const el = document.getElementById(focusId) as HTMLInputElement | null;
    if (el && el !== document.activeElement) {
      el.focus({ preventScroll: true });
      if (selection && typeof el.setSelectionRange === 'function') {
        try { el.setSelectionRange(selection[0], selection[1]); } catch { /* not a text field */ }
      }
    }
  }
  window.scrollTo(0, scroll);
}

function view(): HTMLElement {
  const stepIndex = STEPS.indexOf(state.step);
  const running = state.run?.status === 'running' || state.run?.status === 'cancelling';
  return h('div', { class: 'wizard' },
    h('header', { class: 'wizard-header' },
      h('h1', null, 'Create a service account kubeconfig'),
      h('p', { class: 'subtitle' }, 'From "a script needs access" to a verified, least-privilege kubeconfig.'),
    ),
    h('nav', { 'aria-label': 'Wizard steps' },
      h('ol', { class: 'steps' }, STEPS.map((step, i) => {
        const reachable = i <= state.reached && !running && state.step !== 'result' && i <= STEPS.indexOf('review');
        const current = step === state.step;
        return h('li', { class: `step${current ? ' current' : ''}${i < stepIndex ? ' done' : ''}` },
          h('button', {
            type: 'button', id: `nav-${step}`, class: 'step-button', disabled: !reachable || current,
            'aria-current': current ? 'step' : undefined,
            on: { click: () => goTo(step) },
          }, h('span', { class: 'step-number', 'aria-hidden': 'true' }, String(i + 1)), STEP_TITLES[step]));
      })),
    ),
    state.kubeconfigError ? errorBox(state.kubeconfigError) : null,
    h('main', { class: 'step-body', 'aria-labelledby': 'step-title' },
      h('h2', { id: 'step-title', tabindex: '-1' }, `${stepIndex + 1}. ${STEP_TITLES[state.step]}`),
      stepView(),
    ),
    state.notice ? h('div', { class: `notice notice-${state.notice.level}`, role: state.notice.level === 'error' ? 'alert' : 'status' }, state.notice.message) : null,
    footer(),
    h('div', { id: 'live', class: 'sr-only', 'aria-live': 'polite', role: 'status' }),
  );
}

function footer(): HTMLElement {
  const step = state.step;
  const problems = step === 'review' || step === 'apply' || step === 'result' ? [] : stepProblems(step);
  const running = state.run?.status === 'running' || state.run?.status === 'cancelling';
  let nextLabel = 'Next';
  let nextDisabled = false;
  if (step === 'kubeconfig') nextLabel = 'Review';
  if (step === 'review') {
    nextLabel = 'Create';
    const { request } = currentRequest();
    nextDisabled = state.reviewLoading || !state.review?.canApply || state.reviewedRequest !== JSON.stringify(request);
  }
  const buttons: HTMLElement[] = [];
  if (step !== 'target' && step !== 'result') {
    buttons.push(h('button', { type: 'button', id: 'back', class: 'secondary', disabled: running, on: { click: back } }, 'Back'));
  }
  const hint = problems.length > 0 && hasTouched(step)
    ? h('span', { class: 'footer-hint', id: 'footer-hint' }, icon('warning'), ' ', problems[0])
    : h('span', { class: 'footer-hint muted' }, step === 'review' || step === 'apply' || step === 'result' ? '' : 'Ctrl+Enter: next step');
  if (step === 'apply') {
    if (running) buttons.push(h('button', { type: 'button', id: 'cancel', class: 'secondary', disabled: state.run?.status === 'cancelling', on: { click: cancelRun } }, state.run?.status === 'cancelling' ? 'Cancelling…' : 'Cancel'));
    else if (state.run?.status === 'failed') buttons.push(h('button', { type: 'button', id: 'retry', on: { click: () => goTo('review') } }, 'Review again'));
  } else if (step === 'result') {
    buttons.push(h('button', { type: 'button', id: 'start-over', class: 'secondary', on: { click: startOver } }, 'Start over'));
  } else {
    buttons.push(h('button', {
      type: 'button', id: 'next', class: step === 'review' ? 'primary create' : 'primary', disabled: nextDisabled,
      'aria-describedby': problems.length > 0 && hasTouched(step) ? 'footer-hint' : undefined,
      on: { click: next },
    }, nextLabel));
  }
  return h('footer', { class: 'actions' }, hint, h('div', { class: 'buttons' }, buttons));
}

function hasTouched(step: StepId): boolean {
  return (STEP_FIELDS[step] ?? []).some((f) => state.touched.includes(f));
}

function stepView(): HTMLElement {
  switch (state.step) {
    case 'target': return targetStep();
    case 'permissions': return permissionsStep();
    case 'token': return tokenStep();
    case 'kubeconfig': return kubeconfigStep();
    case 'review': return reviewStep();
    case 'apply': return applyStep();
    case 'result': return resultStep();
  }
}

// ---------- shared widgets ----------

function errorBox(error: ErrorInfo, extra?: HTMLElement): HTMLElement {
  return h('div', { class: 'callout callout-error', role: 'alert' },
    icon('error'), ' ', h('strong', null, error.message), error.hint ? h('div', { class: 'hint' }, error.hint) : null, extra ?? null);
}

function callout(kind: 'info' | 'warning' | 'error' | 'ok', ...children: (Node | string | null)[]): HTMLElement {
  const glyph = kind === 'ok' ? 'check' : kind;
  return h('div', { class: `callout callout-${kind}`, role: kind === 'error' ? 'alert' : undefined }, icon(glyph as 'check'), ' ', ...children);
}

function fieldError(field: keyof FieldProblems, problems: FieldProblems): HTMLElement | null {
  const message = problems[field];
  if (!message || !state.touched.includes(field)) return null;
  return h('div', { class: 'field-error', id: `${field}-error`, role: 'alert' }, icon('error'), ' ', message);
}

function invalidProps(field: keyof FieldProblems, problems: FieldProblems, helpId?: string): Record<string, string | undefined> {
  const shown = Boolean(problems[field]) && state.touched.includes(field);
  return {
    'aria-invalid': shown ? 'true' : 'false',
    'aria-describedby': [shown ? `${field}-error` : undefined, helpId].filter(Boolean).join(' ') || undefined,
  };
}

function textField(options: {
  id: string; label: string; value: string; field?: keyof FieldProblems; problems?: FieldProblems; help?: string | Node; placeholder?: string;
  list?: string; onInput: (value: string) => void; autofocus?: boolean; spellcheck?: boolean;
}): HTMLElement {
  const helpId = options.help ? `${options.id}-help` : undefined;
  return h('div', { class: 'field' },
    h('label', { for: options.id }, options.label),
    h('input', {
      id: options.id, type: 'text', value: options.value, placeholder: options.placeholder, list: options.list,
      spellcheck: options.spellcheck ? 'true' : 'false', autocomplete: 'off',
      ...(options.field && options.problems ? invalidProps(options.field, options.problems, helpId) : { 'aria-describedby': helpId }),
      on: { input: (e: Event) => options.onInput((e.target as HTMLInputElement).value) },
    }),
    options.help ? h('div', { class: 'help', id: helpId }, options.help) : null,
    options.field && options.problems ? fieldError(options.field, options.problems) : null,
  );
}

function radio(name: string, id: string, checked: boolean, label: string | Node, onChange: () => void, disabled = false, description?: string | Node): HTMLElement {
  const descId = description ? `${id}-desc` : undefined;
  return h('div', { class: `radio${disabled ? ' disabled' : ''}` },
    h('input', { type: 'radio', name, id, checked, disabled, 'aria-describedby': descId, on: { change: onChange } }),
    h('label', { for: id }, label),
    description ? h('div', { class: 'help', id: descId }, description) : null,
  );
}

function checkbox(id: string, checked: boolean, label: string | Node, onChange: (checked: boolean) => void, extra: Record<string, unknown> = {}): HTMLElement {
  return h('div', { class: 'checkbox' },
    h('input', { type: 'checkbox', id, checked, ...extra, on: { change: (e: Event) => onChange((e.target as HTMLInputElement).checked) } }),
    h('label', { for: id }, label),
  );
}

function loading(text: string): HTMLElement {
  return h('div', { class: 'loading', role: 'status' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), ' ', text);
}

// ---------- step 1: target ----------

function targetStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const data = state.contextData;
  const nsExists = data ? (data.namespacesSource === 'context' ? undefined : data.namespaces.includes(form.namespace)) : undefined;
  const accounts = state.accounts?.context === form.context && state.accounts.namespace === form.namespace ? state.accounts : undefined;
  const existingNames = accounts?.list.map((a) => a.name) ?? [];
  const newClashes = form.serviceAccountMode === 'new' && existingNames.includes(form.serviceAccount);

  const contextSelect = h('div', { class: 'field' },
    h('label', { for: 'context' }, 'Context (the cluster and identity to act with)'),
    h('select', {
      id: 'context', 'aria-describedby': 'context-help',
      on: {
        change: (e: Event) => {
          const context = (e.target as HTMLSelectElement).value;
          state = { ...state, form: { ...state.form, context, namespace: '', server: '', serviceAccount: state.form.serviceAccountMode === 'new' ? state.form.serviceAccount : '' } };
          loadContext(context, true);
        },
      },
    }, state.contexts.length === 0 ? h('option', { value: '' }, state.initialized ? 'No contexts in your kubeconfig' : 'Loading contexts…') : null,
    state.contexts.map((c) => h('option', { value: c.name, selected: c.name === form.context }, `${c.name}${c.current ? ' (current)' : ''}`))),
    h('div', { class: 'help', id: 'context-help' },
      data ? `Server ${data.server}` : state.contextLoading ? 'Connecting…' : ''),
  );

  const namespaceHelp: (string | Node)[] = [];
  if (data && !problems.namespace && form.namespace) {
    if (nsExists === true) namespaceHelp.push(icon('check'), ' Exists.');
    else if (nsExists === false) namespaceHelp.push(icon('info'), ` Does not exist yet: it will be created.`);
    else namespaceHelp.push('You may not list namespaces here; tick "Create it" if it does not exist.');
  }
  const namespaceField = h('div', null,
    textField({
      id: 'namespace', label: 'Namespace of the service account', value: form.namespace, field: 'namespace', problems,
      list: 'namespace-list', placeholder: 'e.g. my-app', help: h('span', null, ...namespaceHelp),
      onInput: (value) => {
        const missing = data ? namespaceMissing(value, data.namespaces, data.namespacesSource) : undefined;
        setForm({ namespace: value, createNamespace: missing ?? state.form.createNamespace, existingSecretName: '' }, ['namespace']);
        loadAccounts();
      },
    }),
    h('datalist', { id: 'namespace-list' }, (data?.namespaces ?? []).map((n) => h('option', { value: n }))),
    data?.namespacesSource === 'context'
      ? checkbox('create-namespace', form.createNamespace, 'Create it (it does not exist yet)', (checked) => setForm({ createNamespace: checked }))
      : null,
  );

  const saMode = h('fieldset', { class: 'radios' },
    h('legend', null, 'Service account'),
    radio('sa-mode', 'sa-new', form.serviceAccountMode === 'new', 'New', () => setForm({ serviceAccountMode: 'new', serviceAccount: '' })),
    radio('sa-mode', 'sa-existing', form.serviceAccountMode === 'existing', `Existing${accounts ? ` (${accounts.list.length} in this namespace)` : ''}`,
      () => { setForm({ serviceAccountMode: 'existing', serviceAccount: '' }); }, accounts !== undefined && accounts.list.length === 0),
  );

  let saField: HTMLElement;
  if (form.serviceAccountMode === 'new') {
    saField = textField({
      id: 'service-account', label: 'Name of the new service account', value: form.serviceAccount, field: 'serviceAccount', problems,
      placeholder: 'e.g. ci-deployer',
      help: newClashes ? h('span', null, icon('warning'), ' A service account with this name exists; its permissions will be updated.') : 'Lower-case letters, digits, "-" and "."; start and end with a letter or digit.',
      onInput: (value) => setForm({ serviceAccount: value }, ['serviceAccount']),
    });
  } else {
    saField = h('div', { class: 'field' },
      h('label', { for: 'service-account-existing' }, 'Existing service account'),
      h('select', {
        id: 'service-account-existing', ...invalidProps('serviceAccount', problems),
        on: {
          change: (e: Event) => {
            setForm({ serviceAccount: (e.target as HTMLSelectElement).value, existingSecretName: '' }, ['serviceAccount']);
            maybeLoadDetails();
          },
        },
      },
      h('option', { value: '' }, accounts ? 'Pick one…' : 'Loading…'),
      (accounts?.list ?? []).map((a) => h('option', { value: a.name, selected: a.name === form.serviceAccount }, `${a.name}${a.managed ? ' (made by sa-kubeconfig)' : ''}`))),
      fieldError('serviceAccount', problems),
      existingDetails(),
    );
  }

  return h('section', { class: 'step-target' },
    h('p', { class: 'lead' }, 'Where should the new identity live? Pick the cluster context to act with, a namespace, and a service account.'),
    state.contextError ? errorBox(state.contextError) : null,
    contextSelect,
    namespaceField,
    state.accountsError ? errorBox(state.accountsError) : null,
    saMode,
    saField,
  );
}

function existingDetails(): HTMLElement | null {
  const { context, namespace, serviceAccount } = state.form;
  if (!serviceAccount) return null;
  const d = state.saDetails;
  if (!d || d.context !== context || d.namespace !== namespace || d.name !== serviceAccount) return loading('Reading what it already holds…');
  const { bindings, tokenSecrets, notes } = d.details;
  return h('div', { class: 'sa-details', 'aria-label': `What ${serviceAccount} already holds` },
    h('div', { class: 'subheading' }, 'Already holds'),
    bindings.length === 0 ? h('div', { class: 'muted' }, 'No role bindings.') : h('ul', { class: 'sa-bindings' }, bindings.map((b) =>
      h('li', null, `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name} → ${b.roleRef.kind} ${b.roleRef.name}${b.managed ? ' (sa-kubeconfig)' : ''}`,
        b.rules === undefined ? h('div', { class: 'muted' }, b.rulesError ? `Its rules could not be read: ${b.rulesError}.` : 'Its rules could not be read.')
          : b.rules.length === 0 ? h('div', { class: 'muted' }, 'No rules.')
            : h('details', { class: 'binding-rules' },
              h('summary', null, `${b.rules.length} rule${b.rules.length === 1 ? '' : 's'}`),
              h('ul', { class: 'rules' }, b.rules.map((r) => h('li', { class: 'mono' }, r))))))),
    bindings.length > 0 ? h('div', { class: 'help' }, 'These stay as they are: the permissions you pick next are added in bindings of their own.') : null,
    h('div', { class: 'subheading' }, 'Token Secrets'),
    tokenSecrets.length === 0 ? h('div', { class: 'muted' }, 'None.') : h('ul', { class: 'sa-token-secrets' }, tokenSecrets.map((s) =>
      h('li', null, `${s.name}${s.populated ? '' : ' (not filled yet)'}`))),
    notes.map((n) => h('div', { class: 'muted' }, n)),
  );
}

// ---------- step 2: permissions ----------

const RBAC_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

function rbacVerbs(verbs: string[]): string[] {
  return sortVerbs(verbs.filter((v) => RBAC_VERBS.includes(v) || !['head', 'options', 'connect'].includes(v)));
}

function findPick(group: string, resource: string): PermissionPick | undefined {
  return state.form.picks.find((p) => p.group === group && p.resource === resource);
}

function setPickVerb(group: string, resource: string, verb: string, on: boolean): void {
  const existing = findPick(group, resource);
  let picks: PermissionPick[];
  if (existing) {
    picks = state.form.picks.map((p) => p === existing ? { ...p, verbs: on ? sortVerbs([...new Set([...p.verbs, verb])]) : p.verbs.filter((v) => v !== verb) } : p);
  } else {
    picks = on ? mergePicks(state.form.picks, [{ group, resource, verbs: [verb], resourceNames: '' }]) : state.form.picks;
  }
  setForm({ picks: picks.filter((p) => p.verbs.length > 0 || p.resourceNames !== '') }, ['picks']);
}

function setPickNames(group: string, resource: string, names: string): void {
  const existing = findPick(group, resource);
  const picks = existing
    ? state.form.picks.map((p) => (p === existing ? { ...p, resourceNames: names } : p))
    : [...state.form.picks, { group, resource, verbs: [], resourceNames: names }];
  setForm({ picks }, ['picks']);
}

function matchesSearch(r: DiscoveredResource, query: string): { resource: boolean; subresources: string[] } {
  if (!query) return { resource: true, subresources: r.subresources.map((s) => s.name) };
  const q = query.toLowerCase();
  const own = [r.resource, r.kind, r.group || 'core', ...(r.shortNames ?? [])].some((t) => t.toLowerCase().includes(q));
  const subs = r.subresources.filter((s) => own || `${r.resource}/${s.name}`.includes(q)).map((s) => s.name);
  return { resource: own || subs.length > 0, subresources: subs };
}

function permissionsStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const resources = state.discovery?.context === form.context ? dedupeResources(state.discovery.resources) : undefined;
  const { request } = currentRequest();
  const lookup = namespacedLookupFrom(resources ?? []);
  const clusterScoped = form.scope === 'cluster' ? [] : partitionRules(request.rules, lookup).clusterScoped;
  const warnings = riskWarnings({ request, clusterScopedRules: clusterScoped });

  const presets = h('fieldset', { class: 'presets' },
    h('legend', null, 'Presets'),
    h('p', { class: 'help' }, 'Each preset is complete for its job; applying one ticks its permissions below, where you can review or trim them.'),
    h('div', { class: 'preset-list' }, state.presets.map((preset) => {
      const applied = presetApplied(form, preset);
      return h('button', {
        type: 'button', id: `preset-${preset.id}`, class: `preset${applied ? ' applied' : ''}`, 'aria-pressed': applied ? 'true' : 'false',
        'aria-describedby': `preset-${preset.id}-desc`,
        on: { click: () => { const f = applied ? removePreset(state.form, preset) : applyPreset(state.form, preset); setForm({ picks: f.picks, roleRefs: f.roleRefs }, ['picks']); } },
      }, h('span', { class: 'preset-title' }, applied ? icon('check') : null, applied ? ' ' : '', preset.title),
      h('span', { class: 'preset-desc', id: `preset-${preset.id}-desc` }, preset.description));
    })),
  );

  const scope = h('fieldset', { class: 'radios scope' },
    h('legend', null, 'Where the permissions apply'),
    radio('scope', 'scope-namespaces', form.scope === 'namespaces', `In namespace "${form.namespace}"${splitList(form.extraNamespaces).length ? ' and more' : ''}`, () => setForm({ scope: 'namespaces' })),
    form.scope === 'namespaces'
      ? textField({
        id: 'extra-namespaces', label: 'Also in these namespaces (optional, comma-separated)', value: form.extraNamespaces, field: 'extraNamespaces', problems,
        placeholder: 'e.g. staging, production', help: 'One Role and RoleBinding per namespace, and one kubeconfig context each.',
        onInput: (value) => setForm({ extraNamespaces: value }, ['extraNamespaces']),
      })
      : null,
    radio('scope', 'scope-cluster', form.scope === 'cluster', 'Cluster-wide (every namespace, present and future)', () => setForm({ scope: 'cluster' })),
  );

  const search = h('div', { class: 'field search' },
    h('label', { for: 'perm-search' }, 'Search resources'),
    h('input', {
      id: 'perm-search', type: 'search', value: state.search, placeholder: 'pods, deployments, exec, log, crontabs…', autocomplete: 'off',
      'aria-controls': 'resource-groups',
      on: { input: (e: Event) => update({ search: (e.target as HTMLInputElement).value }) },
    }),
  );

  let picker: HTMLElement;
  if (state.discoveryError) {
    picker = errorBox(state.discoveryError, h('button', { type: 'button', class: 'secondary', on: { click: () => post({ type: 'refreshDiscovery', context: form.context }) } }, 'Retry discovery'));
  } else if (!resources) {
    picker = loading('Discovering the API resources this cluster serves…');
  } else {
    picker = resourcePicker(resources);
  }

  const stats = state.discovery?.stats;
  return h('section', { class: 'step-permissions' },
    h('p', { class: 'lead' }, 'What may the new identity do? Start from a preset or tick exactly the verbs you need.'),
    presets,
    scope,
    h('div', { class: 'picker-header' },
      h('h3', null, 'Resources'),
      stats ? h('span', { class: 'muted' }, `${resources?.length ?? 0} resources from live discovery (${stats.requests} request${stats.requests === 1 ? '' : 's'}, ${stats.durationMs} ms)`) : null,
      h('button', { type: 'button', class: 'link', id: 'refresh-discovery', on: { click: () => { update({ discovery: undefined }); post({ type: 'refreshDiscovery', context: form.context }); } } }, 'Refresh'),
    ),
    search,
    picker,
    selectedSummary(clusterScoped.map(formatRule), warnings.map((w) => w.message), resources ?? []),
  );
}

/** RBAC ignores versions: one entry per group/resource (the first, preferred, version), verbs merged. */
function dedupeResources(resources: DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Map<string, DiscoveredResource>();
  for (const r of resources) {
    const key = `${r.group}/${r.resource}`;
    const existing = seen.get(key);
    if (!existing) { seen.set(key, r); continue; }
    const verbs = [...new Set([...existing.verbs, ...r.verbs])];
    const subresources = [...existing.subresources];
    for (const s of r.subresources) if (!subresources.some((x) => x.name === s.name)) subresources.push(s);
    seen.set(key, { ...existing, verbs, subresources });
  }
  return [...seen.values()];
}

function resourcePicker(resources: DiscoveredResource[]): HTMLElement {
  const query = state.search.trim();
  const groups = new Map<string, DiscoveredResource[]>();
  for (const r of resources) {
    if (!matchesSearch(r, query).resource) continue;
    const list = groups.get(r.group) ?? [];
    list.push(r);
    groups.set(r.group, list);
  }
  if (groups.size === 0) return h('div', { class: 'muted', id: 'resource-groups', role: 'status' }, `No resource matches "${query}".`);
  const groupNames = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  return h('div', { id: 'resource-groups', class: 'resource-groups' }, groupNames.map((group) => {
    const list = groups.get(group) ?? [];
    const pickedCount = state.form.picks.filter((p) => p.group === group && p.verbs.length > 0).length;
    const open = query !== '' || state.openGroups.includes(group) || pickedCount > 0;
    const title = group === '' ? 'core' : group;
    const details = h('details', { class: 'group', open, id: `group-${group || 'core'}` },
      h('summary', null,
        h('span', { class: 'group-name' }, title),
        h('span', { class: 'muted' }, ` ${list.length} resource${list.length === 1 ? '' : 's'}${pickedCount ? `, ${pickedCount} picked` : ''}`),
        isLikelyCustom(group) ? h('span', { class: 'badge' }, 'custom / extension') : null,
      ),
      open ? h('div', { class: 'resource-list', role: 'group', 'aria-label': `Resources of API group ${title}` }, list.map((r) => resourceRow(r, query))) : null,
    );
    details.addEventListener('toggle', () => {
      const isOpen = details.open;
      if (isOpen === open) return;
      const openGroups = isOpen ? [...state.openGroups, group] : state.openGroups.filter((g) => g !== group);
      update({ openGroups });
    });
    return details;
  }));
}

const BUILT_IN_GROUP = /(^|\.)k8s\.io$|^(apps|batch|autoscaling|policy|extensions)$|^$/;
function isLikelyCustom(group: string): boolean {
  return !BUILT_IN_GROUP.test(group);
}

function verbBoxes(group: string, resource: string, verbs: string[]): HTMLElement {
  const pick = findPick(group, resource);
  const label = pickLabel(group, resource);
  return h('div', { class: 'verbs', role: 'group', 'aria-label': `Verbs for ${label}` }, rbacVerbs(verbs).map((verb) => {
    const id = `v-${group || 'core'}-${resource.replace('/', '--')}-${verb}`;
    return h('span', { class: 'verb' },
      h('input', { type: 'checkbox', id, checked: pick?.verbs.includes(verb) ?? false, 'aria-label': `${verb} ${label}`, on: { change: (e: Event) => setPickVerb(group, resource, verb, (e.target as HTMLInputElement).checked) } }),
      h('label', { for: id, 'aria-hidden': 'true' }, verb));
  }));
}

function resourceRow(r: DiscoveredResource, query: string): HTMLElement {
  const key = `${r.group}/${r.resource}`;
  const { subresources: matchedSubs } = matchesSearch(r, query);
  const subs = r.subresources.filter((s) => s.verbs.length > 0);
  const hasSubPick = subs.some((s) => (findPick(r.group, `${r.resource}/${s.name}`)?.verbs.length ?? 0) > 0);
  const expanded = state.openResources.includes(key) || hasSubPick || (query !== '' && matchedSubs.length > 0 && !r.resource.includes(query));
  const pick = findPick(r.group, r.resource);
  const rowId = `res-${r.group || 'core'}-${r.resource}`;
  const toggle = () => update({ openResources: expanded ? state.openResources.filter((k) => k !== key) : [...state.openResources, key] });
  return h('div', { class: 'resource', id: rowId },
    h('div', { class: 'resource-main' },
      h('div', { class: 'resource-name' },
        h('span', { class: 'mono' }, r.resource),
        h('span', { class: 'muted' }, ` ${r.kind}${r.shortNames?.length ? ` (${r.shortNames.join(', ')})` : ''}`),
        r.namespaced ? null : h('span', { class: 'badge badge-cluster', title: 'Cluster-scoped: needs a ClusterRole and ClusterRoleBinding' }, 'cluster-scoped'),
      ),
      verbBoxes(r.group, r.resource, r.verbs),
      h('button', {
        type: 'button', class: 'link more', id: `${rowId}-more`, 'aria-expanded': expanded ? 'true' : 'false', 'aria-controls': `${rowId}-extra`,
        'aria-label': `${expanded ? 'Hide' : 'Show'} subresources and names for ${pickLabel(r.group, r.resource)}`,
        on: { click: toggle },
      }, subs.length ? `${subs.length} subresource${subs.length === 1 ? '' : 's'}, names` : 'names'),
    ),
    expanded
      ? h('div', { class: 'resource-extra', id: `${rowId}-extra` },
        subs.filter((s) => query === '' || matchedSubs.includes(s.name) || r.resource.includes(query)).map((s) =>
          h('div', { class: 'subresource' },
            h('span', { class: 'mono sub-name' }, `${r.resource}/${s.name}`),
            verbBoxes(r.group, `${r.resource}/${s.name}`, s.verbs),
          )),
        textField({
          id: `${rowId}-names`, label: `Only these ${r.resource} (resourceNames, optional)`, value: pick?.resourceNames ?? '',
          placeholder: 'e.g. app-config, feature-flags',
          help: 'Limits get/update/patch/delete to named objects; list, watch and create are never limited by name.',
          onInput: (value) => setPickNames(r.group, r.resource, value),
        }))
      : null,
  );
}

function selectedSummary(clusterScopedRules: string[], warnings: string[], resources: DiscoveredResource[]): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const { request, problems: requestProblems } = currentRequest();
  const ruleProblems = requestProblems.filter((p) => /^Rule |resourceNames/.test(p));
  const cluster = clusterScopedPicks(form.picks, resources);
  return h('section', { class: 'summary', 'aria-labelledby': 'summary-title' },
    h('h3', { id: 'summary-title' }, 'Selected permissions'),
    request.rules.length === 0 && request.roleRefs.length === 0
      ? h('div', { class: 'muted' }, 'Nothing selected yet.')
      : h('ul', { class: 'rules' },
        request.rules.map((rule) => h('li', { class: 'mono' }, formatRule(rule))),
        request.roleRefs.map((ref) => h('li', null, `Bind ${ref.kind} "${ref.name}" `,
          h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${ref.kind} ${ref.name}`, on: { click: () => setForm({ roleRefs: state.form.roleRefs.filter((r) => r !== ref) }) } }, 'remove')))),
    form.picks.length > 0 ? h('button', { type: 'button', class: 'link', id: 'clear-picks', on: { click: () => setForm({ picks: [], roleRefs: [] }, ['picks']) } }, 'Clear all') : null,
    form.scope === 'cluster'
      ? callout('info', 'Cluster-wide: the rules go into a ClusterRole bound with a ClusterRoleBinding, so they apply in every namespace.')
      : clusterScopedRules.length > 0 || cluster.length > 0
        ? callout('info', h('span', { id: 'cluster-scope-explanation' },
          `${cluster.map((p) => pickLabel(p.group, p.resource)).join(', ')} ${cluster.length === 1 ? 'is' : 'are'} cluster-scoped, so ${cluster.length === 1 ? 'it goes' : 'they go'} into a ClusterRole with a ClusterRoleBinding (namespaced rules stay in Roles).`))
        : null,
    ruleProblems.map((p) => callout('error', p)),
    state.touched.includes('picks') && problems.picks ? h('div', { class: 'field-error', role: 'alert' }, icon('error'), ' ', problems.picks) : null,
    warnings.length > 0
      ? h('div', { class: 'warnings', role: 'region', 'aria-label': 'Risk warnings' }, warnings.map((w) => callout('warning', w)))
      : null,
  );
}

// ---------- step 3: token ----------

const LIFETIMES = ['1h', '8h', '24h', '7d', '30d', '90d', '365d'];

function tokenStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const details = state.saDetails && state.saDetails.name === form.serviceAccount && state.saDetails.namespace === form.namespace ? state.saDetails.details : undefined;
  const legacySecrets = form.serviceAccountMode === 'existing' ? details?.tokenSecrets.filter((s) => s.populated) ?? [] : [];
  const cap = state.tokenCaps[form.context];
  let seconds: number | undefined;
  try { seconds = parseDuration(form.tokenLifetime); } catch { seconds = undefined; }

  const timeBound = h('div', { class: 'token-option-body' },
    h('div', { class: 'field' },
      h('label', { for: 'token-lifetime' }, 'Lifetime'),
      h('div', { class: 'lifetimes', role: 'group', 'aria-label': 'Common lifetimes' }, LIFETIMES.map((l) =>
        h('button', { type: 'button', class: `chip${form.tokenLifetime === l ? ' selected' : ''}`, 'aria-pressed': form.tokenLifetime === l ? 'true' : 'false', id: `lifetime-${l}`, on: { click: () => setForm({ tokenLifetime: l }, ['tokenLifetime']) } }, l))),
      h('input', {
        id: 'token-lifetime', type: 'text', value: form.tokenLifetime, autocomplete: 'off', spellcheck: 'false',
        ...invalidProps('tokenLifetime', problems, 'token-lifetime-help'),
        on: { input: (e: Event) => setForm({ tokenLifetime: (e.target as HTMLInputElement).value }, ['tokenLifetime']) },
      }),
      h('div', { class: 'help', id: 'token-lifetime-help' },
        seconds !== undefined && !problems.tokenLifetime ? `Expires around ${new Date(Date.now() + seconds * 1000).toLocaleString()}. ` : '',
        cap !== undefined
          ? (seconds !== undefined && seconds > cap
            ? h('strong', null, `This API server caps tokens at ${formatDuration(cap)}; it will shorten this one.`)
            : `This API server caps tokens at ${formatDuration(cap)}.`)
          : 'The API server may shorten it (--service-account-max-token-expiration); the real expiry is shown at the end.'),
      fieldError('tokenLifetime', problems),
    ),
    h('div', { class: 'help' }, `Bound to a new Secret of its own (${form.serviceAccount || '<name>'}-cred-xxxxx): deleting it revokes exactly this token.`),
    checkbox('unbound-token', form.unbound, 'Unbound instead: it cannot be revoked before it expires (only deleting the service account ends it)', (checked) => setForm({ unbound: checked })),
  );
  const noteField = textField({
    id: 'credential-note', label: 'Note (optional)', value: form.credentialNote, field: 'credentialNote', problems,
    placeholder: 'e.g. github-actions deploy', onInput: (value) => setForm({ credentialNote: value }, ['credentialNote']),
  });

  const longLived = h('div', { class: 'token-option-body' },
    callout('warning', 'Weaker: the token never expires, sits in a Secret that anyone who can read Secrets in the namespace can copy, and stays valid until that Secret or the service account is deleted. Use it only when the consumer cannot renew a token.'),
    textField({
      id: 'long-lived-secret', label: 'Secret name (optional)', value: form.longLivedSecretName, field: 'longLivedSecretName', problems,
      placeholder: `${form.serviceAccount || '<name>'}-token`, onInput: (value) => setForm({ longLivedSecretName: value }, ['longLivedSecretName']),
    }),
  );

  const existing = h('div', { class: 'token-option-body' },
    h('div', { class: 'field' },
      h('label', { for: 'existing-secret' }, 'Token Secret'),
      h('select', {
        id: 'existing-secret', ...invalidProps('existingSecretName', problems),
        on: { change: (e: Event) => setForm({ existingSecretName: (e.target as HTMLSelectElement).value }, ['existingSecretName']) },
      }, h('option', { value: '' }, 'Pick one…'), legacySecrets.map((s) => h('option', { value: s.name, selected: s.name === form.existingSecretName }, s.name))),
      fieldError('existingSecretName', problems),
    ),
    callout('warning', 'A legacy token Secret does not expire either; prefer a time-bound token unless something depends on this one.'),
  );

  const noLegacy = form.serviceAccountMode === 'existing' ? 'This service account has no filled token Secret.' : 'Only for an existing service account that has a token Secret.';
  return h('section', { class: 'step-token' },
    h('p', { class: 'lead' }, 'How should the kubeconfig authenticate?'),
    h('fieldset', { class: 'radios' },
      h('legend', null, 'Token'),
      radio('token', 'token-time-bound', form.tokenKind === 'timeBound', h('span', null, 'Time-bound token ', h('span', { class: 'badge badge-ok' }, 'recommended')),
        () => setForm({ tokenKind: 'timeBound' }), false, 'A TokenRequest token that expires by itself; renew it by running the wizard (or the CLI) again.'),
      form.tokenKind === 'timeBound' ? timeBound : null,
      radio('token', 'token-long-lived', form.tokenKind === 'longLived', 'Long-lived token in a Secret', () => setForm({ tokenKind: 'longLived' }), false,
        'A kubernetes.io/service-account-token Secret filled by the token controller.'),
      form.tokenKind === 'longLived' ? longLived : null,
      radio('token', 'token-existing', form.tokenKind === 'existingSecret', 'Existing token Secret', () => setForm({ tokenKind: 'existingSecret' }),
        legacySecrets.length === 0, legacySecrets.length === 0 ? noLegacy : `${legacySecrets.length} found: ${legacySecrets.map((s) => s.name).join(', ')}`),
      form.tokenKind === 'existingSecret' ? existing : null,
    ),
    form.tokenKind !== 'existingSecret' ? noteField : null,
  );
}

// ---------- step 4: kubeconfig ----------

function kubeconfigStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const namespaces = form.scope === 'cluster' ? [form.namespace] : formNamespaces(form);
  const prefix = form.namePrefix.trim() || defaultNamePrefix(form.context, form.serviceAccount);
  const names = contextNames(prefix, namespaces);
  const contextServer = state.contextData?.server;

  return h('section', { class: 'step-kubeconfig' },
    h('p', { class: 'lead' }, 'How should the generated kubeconfig reach the cluster?'),
    textField({
      id: 'server', label: 'Server URL', value: form.server, field: 'server', problems, placeholder: contextServer ?? 'https://host:6443',
      help: contextServer && form.server !== contextServer
        ? h('span', null, `Differs from the context's server (${contextServer}). `,
          h('button', { type: 'button', class: 'link', id: 'server-reset', on: { click: () => setForm({ server: contextServer }) } }, 'Use the context\'s'))
        : 'From your context; change it when the script reaches the API server by another address.',
      onInput: (value) => setForm({ server: value }, ['server']),
    }),
    h('fieldset', { class: 'radios' },
      h('legend', null, 'TLS'),
      h('p', { class: 'help' }, form.insecure ? '' : `The cluster's CA certificate from context "${form.context}" is embedded, so the connection is verified.`),
      checkbox('insecure', form.insecure, 'Skip TLS verification (insecure-skip-tls-verify)', (checked) => setForm({ insecure: checked })),
      form.insecure ? callout('warning', 'Anyone on the network path can impersonate the API server and capture the token. Use only for throw-away test clusters.') : null,
    ),
    textField({
      id: 'name-prefix', label: 'Context name', value: form.namePrefix, field: 'namePrefix', problems, placeholder: prefix,
      help: namespaces.length > 1 ? 'With several namespaces, each context gets "-<namespace>" appended.' : 'Also names the cluster and user entries.',
      onInput: (value) => setForm({ namePrefix: value }, ['namePrefix']),
    }),
    namespaces.length > 1
      ? h('div', { class: 'field' },
        h('label', { for: 'default-namespace' }, 'Default namespace (the current context)'),
        h('select', { id: 'default-namespace', on: { change: (e: Event) => setForm({ defaultNamespace: (e.target as HTMLSelectElement).value }) } },
          namespaces.map((n) => h('option', { value: n, selected: n === namespaces[0] }, n))))
      : null,
    h('div', { class: 'subheading' }, namespaces.length > 1 ? 'Contexts (one per namespace)' : 'Context'),
    h('ul', { class: 'contexts' }, names.map((name, i) => h('li', null, h('span', { class: 'mono' }, name), h('span', { class: 'muted' }, ` namespace ${namespaces[i]}${i === 0 ? ' (current-context)' : ''}`)))),
  );
}

// ---------- step 5: review ----------

/** How each object status reads in the Review's summary line and on its badge. */
const STATUS_LEAD: Record<string, string> = {
  unchanged: 'leave unchanged', conflict: 'resolve (conflict)', use: 'use as it is', missing: 'find (missing)',
};
const STATUS_BADGE: Record<string, string> = { use: 'use as it is' };

function reviewStep(): HTMLElement {
  const review = state.review;
  if (state.reviewLoading || !review) return h('section', null, loading('Planning and asking the API server for a dry run and the escalation pre-check…'));
  const escalation = review.escalation;
  const statusCounts = new Map<string, number>();
  for (const o of review.objects) if (o.status) statusCounts.set(o.status, (statusCounts.get(o.status) ?? 0) + 1);

  let escalationBox: HTMLElement | null = null;
  if (escalation.checked && escalation.allowed) {
    escalationBox = callout('ok', h('span', { id: 'escalation-ok' }, 'You may grant all of this: the escalation pre-check passed.'));
  } else if (escalation.checked) {
    escalationBox = h('div', { class: 'callout callout-error', role: 'alert', id: 'escalation-refused' },
      icon('error'), ' ', h('strong', null, 'You cannot grant all of this.'),
      h('div', null, 'Kubernetes refuses to let anyone grant permissions they do not hold themselves. Missing:'),
      escalation.missingRules.length ? h('ul', { class: 'missing-rules', 'aria-label': 'Missing rules' }, escalation.missingRules.map((r) => h('li', { class: 'mono' }, r))) : null,
      escalation.missingPermissions.length ? h('ul', { class: 'missing-permissions', 'aria-label': 'Missing permissions' }, escalation.missingPermissions.map((r) => h('li', null, r))) : null,
      h('div', { class: 'hint' }, 'Ask an administrator to grant you these rules, or request fewer permissions. Nothing has been created.'),
    );
  } else if (escalation.note) {
    escalationBox = callout('info', escalation.note);
  }

  const rejections = review.dryRunRejections.length > 0
    ? (escalation.checked && !escalation.allowed
      // Usually the same refusal in the API server's words: available, but not shouted twice.
      ? h('details', { class: 'dry-run-details', id: 'dry-run-rejections' },
        h('summary', null, `What the server's dry run said (${review.dryRunRejections.length})`),
        h('ul', null, review.dryRunRejections.map((p) => h('li', null, p))))
      : h('div', { class: 'callout callout-error', role: 'alert', id: 'dry-run-rejections' }, icon('error'), ' ', h('strong', null, 'The server\'s dry run refused:'),
        h('ul', null, review.dryRunRejections.map((p) => h('li', null, p)))))
    : null;
  return h('section', { class: 'step-review' },
    review.error ? errorBox(review.error) : null,
    review.problems.length > 0 ? h('div', { class: 'callout callout-error', role: 'alert' }, icon('error'), ' ', h('strong', null, 'Fix these first:'), h('ul', null, review.problems.map((p) => h('li', null, p)))) : null,
    escalationBox,
    rejections,
    review.dryRun && review.objects.length > 0
      ? h('p', { class: 'lead' }, `Dry run: ${[...statusCounts].map(([s, n]) => `${n} to ${STATUS_LEAD[s] ?? s}`).join(', ')}.`)
      : null,
    review.clusterScopedRules.length ? callout('info', `${review.clusterScopedRules.join(', ')} name cluster-scoped resources, so they are granted with a ClusterRole and ClusterRoleBinding.`) : null,
    review.warnings.length ? h('div', { class: 'warnings', role: 'region', 'aria-label': 'Risk warnings' }, review.warnings.map((w) => callout('warning', w))) : null,
    review.needsAdoption
      ? h('div', { class: 'adopt' },
        callout('warning', 'Some objects with these names exist and were not made by sa-kubeconfig.'),
        checkbox('adopt', state.form.adoptUnmanaged, 'Take them over (they get the sa-kubeconfig label and are updated)', (checked) => { setForm({ adoptUnmanaged: checked }); requestReview(); }))
      : null,
    review.objects.length ? h('h3', null, `Objects (${review.objects.length}), in apply order`) : null,
    h('div', { class: 'objects' }, review.objects.map((o, i) =>
      h('details', { class: 'object', open: true, id: `object-${i}` },
        h('summary', null,
          o.status ? h('span', { class: `badge status-${o.status}` }, STATUS_BADGE[o.status] ?? o.status) : null, ' ',
          h('span', { class: 'object-kind' }, o.kind), ' ', h('span', { class: 'mono' }, o.namespace ? `${o.namespace}/${o.name}` : o.name),
          o.detail ? h('span', { class: 'muted' }, ` — ${o.detail}`) : null),
        h('pre', { class: 'yaml', tabindex: '0', 'aria-label': `YAML of ${o.kind} ${o.name}` }, h('code', null, o.yaml)),
      ))),
  );
}

// ---------- step 6: apply ----------

const STATUS_GLYPH: Record<ProgressStep['status'], Parameters<typeof icon>[0]> = {
  pending: 'circle', running: 'loading', done: 'check', failed: 'error', skipped: 'dash', rolledBack: 'close',
};

function applyStep(): HTMLElement {
  const run = state.run;
  if (!run) return h('section', null, h('p', null, 'Nothing is running.'));
  return h('section', { class: 'step-apply' },
    run.status === 'running' || run.status === 'cancelling' ? loading(run.status === 'cancelling' ? 'Cancelling and rolling back…' : 'Creating and verifying…') : null,
    h('ol', { class: 'progress', 'aria-label': 'Progress' }, run.steps.map((s) =>
      h('li', { class: `progress-step status-${s.status}` },
        icon(STATUS_GLYPH[s.status], s.status), ' ', h('span', null, s.label), s.detail ? h('span', { class: 'muted' }, ` — ${s.detail}`) : null))),
    run.status === 'failed' && run.error
      ? errorBox(run.cancelled ? { message: 'Cancelled.', hint: 'Whatever had been created was rolled back (see below).' } : run.error)
      : null,
    run.status === 'failed'
      ? h('div', { class: 'rollback', role: 'region', 'aria-label': 'Rollback report' },
        h('h3', null, 'Rolled back'),
        run.rolledBack && run.rolledBack.length > 0 ? h('ul', null, run.rolledBack.map((r) => h('li', null, r))) : h('p', { class: 'muted' }, 'Nothing needed rolling back: nothing had been created.'))
      : null,
  );
}

// ---------- step 7: result ----------

function resultStep(): HTMLElement {
  const result = state.result;
  if (!result) return h('section', null, loading('Finishing…'));
  const allowed = result.checks.filter((c) => c.actual === 'allowed');
  const denied = result.checks.filter((c) => c.actual !== 'allowed');
  const checkList = (title: string, id: string, checks: typeof result.checks) => h('section', { class: 'checks', 'aria-labelledby': id },
    h('h3', { id }, `${title} (${checks.length})`),
    h('ul', { class: 'check-list' }, checks.map((c) => h('li', { class: c.ok ? 'ok' : 'bad' },
      icon(c.ok ? 'check' : 'error', c.ok ? 'as intended' : 'not as intended'), ' ', c.description,
      c.ok ? null : h('span', { class: 'muted' }, ` (expected ${c.expected})`)))));
  return h('section', { class: 'step-result' },
    result.verified
      ? callout('ok', h('strong', null, `Verified: the new kubeconfig for ${result.namespace}/${result.serviceAccount} works as planned.`))
      : callout('warning', h('strong', null, 'Created, but verification found differences.'), result.verifyNote ? ` ${result.verifyNote}` : ''),
    h('dl', { class: 'facts' },
      h('dt', null, 'Token'), h('dd', { id: 'token-expiry' }, result.expiresAt
        ? `expires ${new Date(result.expiresAt).toLocaleString()} (${result.expiresAt})`
        : 'does not expire'),
      result.expiryNote ? [h('dt', null, 'Note'), h('dd', null, result.expiryNote)] : null,
      h('dt', null, result.contextNames.length > 1 ? 'Contexts' : 'Context'), h('dd', { class: 'mono' }, result.contextNames.join(', ')),
      h('dt', null, 'Server'), h('dd', { class: 'mono' }, result.server),
      result.savedPath ? [h('dt', null, 'Saved to'), h('dd', { class: 'mono' }, result.savedPath)] : null,
    ),
    h('div', { class: 'result-actions', role: 'group', 'aria-label': 'Use the kubeconfig' },
      h('button', { type: 'button', id: 'open-kubeconfig', class: 'primary', on: { click: () => post({ type: 'resultAction', action: 'openKubeconfig' }) } }, 'Open kubeconfig in editor'),
      h('button', { type: 'button', id: 'save-kubeconfig', class: 'secondary', on: { click: () => post({ type: 'resultAction', action: 'saveAs' }) } }, 'Save as…'),
      h('button', { type: 'button', id: 'merge-kubeconfig', class: 'secondary', on: { click: () => post({ type: 'resultAction', action: 'merge' }) } }, 'Merge into my kubeconfig'),
      h('button', { type: 'button', id: 'copy-command', class: 'secondary', on: { click: () => post({ type: 'resultAction', action: 'copyCommand' }) } }, 'Copy KUBECONFIG=… kubectl line'),
    ),
    h('pre', { class: 'command', 'aria-label': 'Command line' }, h('code', null, result.kubectlLine)),
    state.run && state.run.steps.length > 0
      ? h('details', { class: 'run-steps', id: 'run-steps' },
        h('summary', null, `How it went (${state.run.steps.filter((s) => s.status === 'done').length} steps done)`),
        h('ol', { class: 'progress' }, state.run.steps.map((s) => h('li', { class: `progress-step status-${s.status}` },
          icon(STATUS_GLYPH[s.status], s.status), ' ', s.label, s.detail ? h('span', { class: 'muted' }, ` — ${s.detail}`) : null))))
      : null,
    h('h3', null, 'Verified permissions of the new credential'),
    result.verifyNote && result.verified ? h('p', { class: 'muted' }, result.verifyNote) : null,
    h('div', { class: 'check-columns' },
      checkList('Allowed', 'allowed-title', allowed),
      checkList('Denied', 'denied-title', denied)),
  );
}

// ---------- keyboard ----------

document.addEventListener('keydown', (e: KeyboardEvent) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    next();
  } else if (e.key === 'Enter' && e.target instanceof HTMLInputElement && e.target.type === 'text' && state.step !== 'review') {
    // Enter in a text field moves on, as in a native dialog.
    e.preventDefault();
    next();
  }
});

render();
post({ type: 'ready', navigationMs: Math.round(performance.now()) });
