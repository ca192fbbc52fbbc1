// What the host's messages do to the page's state: a pure function from (state, message) to the next state and the
// effects to run after it (messages to post, announcements, focus). No DOM and no VS Code api, so it is unit tested
// in Node (test/unit/wizardReducer.test.ts). Replies are dropped when they answer a question no longer asked: another
// context or namespace, an older review, another run.

import { fieldProblems, rulesToPicks } from '../formToRequest';
import type { HostMessage, PageMessage } from '../protocol';
import { namespaceMissing, type PageState } from './state';

export type Effect =
  | { type: 'post'; message: PageMessage }
  /** Replaces any pending debounced message; posts this one (when there is one) after a short pause. */
  | { type: 'postDebounced'; message?: PageMessage }
  /** Says something to screen readers through the live region. */
  | { type: 'announce'; text: string }
  /** Moves focus to the step's heading (after a step change). */
  | { type: 'focusHeading' }
  /** Moves focus to the step's first empty field, unless the user already focused something (the wizard opened). */
  | { type: 'focusFirstEmpty' }
  /** Records the first moment the page could be used (tests read it to measure time to interactive). */
  | { type: 'markInteractive' };

export interface Reduced {
  state: PageState;
  effects: Effect[];
}

const unchanged = (state: PageState): Reduced => ({ state, effects: [] });

export function reduce(state: PageState, message: HostMessage): Reduced {
  switch (message.type) {
    case 'init': {
      const change: Partial<PageState> = {
        contexts: message.contexts,
        presets: message.presets,
        tokenCaps: message.tokenCapSeconds ?? {},
        kubeconfigError: message.kubeconfigError,
        kubeconfigPaths: message.kubeconfigPaths,
        initialized: true,
      };
      let context = state.form.context;
      let tokenLifetime = state.form.tokenLifetime;
      const prefill = message.prefill;
      // Only a page's first init applies the prefill: after that, the form holds what the user chose.
      if (prefill && !state.initialized) {
        if (prefill.context) context = prefill.context;
        if (prefill.tokenLifetime) tokenLifetime = prefill.tokenLifetime;
        change.prefillPending = { namespace: prefill.namespace, serviceAccount: prefill.serviceAccount };
      }
      if (!context || !message.contexts.some((c) => c.name === context)) {
        context = (message.contexts.find((c) => c.current) ?? message.contexts[0])?.name ?? '';
      }
      const prefilledRules =
        prefill?.rules && !state.initialized
          ? {
              picks: rulesToPicks(prefill.rules),
              scope: prefill.clusterWide ? ('cluster' as const) : ('namespaces' as const),
              extraNamespaces: (prefill.namespaces ?? []).filter((n) => n !== prefill.namespace).join(', '),
            }
          : {};
      const next: PageState = {
        ...state,
        ...change,
        form: { ...state.form, ...prefilledRules, context, tokenLifetime },
      };
      if (!context) return { state: next, effects: [] };
      return loadContext(next, context, next.contextData?.context !== context);
    }
    case 'contextLoaded': {
      if (message.context !== state.form.context) return unchanged(state);
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
      form.createNamespace =
        namespaceMissing(form.namespace, message.namespaces, message.namespacesSource) ?? form.createNamespace;
      const next: PageState = {
        ...state,
        contextData: {
          context: message.context,
          server: message.server,
          defaultNamespace: message.defaultNamespace,
          namespaces: message.namespaces,
          namespacesSource: message.namespacesSource,
        },
        contextLoading: false,
        contextError: undefined,
        form,
        prefillPending: undefined,
      };
      const first = state.contextData === undefined && state.step === 'target';
      return {
        state: next,
        effects: [
          { type: 'markInteractive' },
          accountsEffect(next),
          ...(first ? [{ type: 'focusFirstEmpty' as const }] : []),
        ],
      };
    }
    case 'discovery':
      if (message.context !== state.form.context) return unchanged(state);
      return {
        state: {
          ...state,
          discovery: { context: message.context, resources: message.resources, stats: message.stats },
          discoveryError: undefined,
        },
        effects: [],
      };
    case 'serviceAccounts': {
      if (message.context !== state.form.context || message.namespace !== state.form.namespace) return unchanged(state);
      const next: PageState = {
        ...state,
        accounts: {
          context: message.context,
          namespace: message.namespace,
          list: message.accounts,
          namespaceExists: message.namespaceExists,
          forbidden: message.forbidden,
        },
        accountsError: undefined,
      };
      const details = detailsRequest(next);
      return { state: next, effects: details ? [{ type: 'post', message: details }] : [] };
    }
    case 'targetRights':
      if (message.context !== state.form.context || message.namespace !== state.form.namespace) return unchanged(state);
      return {
        state: { ...state, rights: { context: message.context, namespace: message.namespace, rights: message.rights } },
        effects: [],
      };
    case 'serviceAccountDetails':
      return {
        state: {
          ...state,
          saDetails: {
            context: message.context,
            namespace: message.namespace,
            name: message.name,
            details: message.details,
          },
        },
        effects: [],
      };
    case 'reviewResult':
      if (message.reviewId !== state.reviewId) return unchanged(state);
      return {
        state: { ...state, review: message.review, reviewLoading: false },
        effects: [
          {
            type: 'announce',
            text: message.review.canApply
              ? 'Review ready. You may create these objects.'
              : 'Review ready. Applying is not possible as things stand.',
          },
        ],
      };
    case 'progress':
      if (state.run?.runId !== message.runId) return unchanged(state);
      return { state: { ...state, run: { ...state.run, steps: message.steps } }, effects: [] };
    case 'applyDone': {
      if (state.run?.runId !== message.runId) return unchanged(state);
      const passed = message.result.checks.filter((c) => c.ok).length;
      return {
        state: { ...state, run: { ...state.run, status: 'done' }, result: message.result, step: 'result' },
        effects: [
          { type: 'focusHeading' },
          { type: 'announce', text: `Done. ${passed} of ${message.result.checks.length} checks passed.` },
        ],
      };
    }
    case 'applyFailed':
      if (state.run?.runId !== message.runId) return unchanged(state);
      return {
        state: {
          ...state,
          run: {
            ...state.run,
            status: 'failed',
            steps: message.steps,
            error: message.error,
            rolledBack: message.rolledBack,
            cancelled: message.cancelled,
          },
        },
        effects: [{ type: 'announce', text: message.cancelled ? 'Cancelled.' : `Failed: ${message.error.message}` }],
      };
    case 'resultUpdated':
      return { state: { ...state, result: message.result }, effects: [] };
    case 'error': {
      const error = message.error;
      let change: Partial<PageState>;
      if (message.scope === 'context') change = { contextError: error, contextLoading: false };
      else if (message.scope === 'discovery') change = { discoveryError: error };
      else if (message.scope === 'serviceAccounts') change = { accountsError: error };
      else if (message.scope === 'contexts') change = { kubeconfigError: error, initialized: true };
      else change = { notice: { message: error.message + (error.hint ? ` ${error.hint}` : ''), level: 'error' } };
      return { state: { ...state, ...change }, effects: [] };
    }
    case 'notice':
      return {
        state: { ...state, notice: { message: message.message, level: message.level } },
        effects: [{ type: 'announce', text: message.message }],
      };
  }
}

/** Switches to (or reloads) a context: with reset, everything read from the previous one is forgotten. */
export function loadContext(state: PageState, context: string, reset: boolean): Reduced {
  const next: PageState = reset
    ? {
        ...state,
        contextLoading: true,
        contextData: undefined,
        discovery: undefined,
        accounts: undefined,
        saDetails: undefined,
        contextError: undefined,
        discoveryError: undefined,
        review: undefined,
        rights: undefined,
      }
    : { ...state, contextLoading: true };
  return { state: next, effects: [{ type: 'post', message: { type: 'loadContext', context } }] };
}

/** Asks (debounced) for the namespace's service accounts unless they are already here or the namespace is invalid. */
export function accountsEffect(state: PageState): Effect {
  const { context, namespace } = state.form;
  if (!context || fieldProblems(state.form).namespace) return { type: 'postDebounced' };
  if (state.accounts?.context === context && state.accounts.namespace === namespace) return { type: 'postDebounced' };
  return { type: 'postDebounced', message: { type: 'loadServiceAccounts', context, namespace } };
}

/** The request for an existing service account's bindings and token Secrets, when they are needed and not here yet. */
export function detailsRequest(state: PageState): PageMessage | undefined {
  const { context, namespace, serviceAccount, serviceAccountMode } = state.form;
  if (serviceAccountMode !== 'existing' || !serviceAccount) return undefined;
  if (!state.accounts?.list.some((a) => a.name === serviceAccount)) return undefined;
  const d = state.saDetails;
  if (d && d.context === context && d.namespace === namespace && d.name === serviceAccount) return undefined;
  return { type: 'loadServiceAccountDetails', context, namespace, name: serviceAccount };
}
