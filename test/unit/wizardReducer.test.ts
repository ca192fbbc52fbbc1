// The wizard page's reducer: what each host message does to the page's state, and which replies are dropped as
// stale (another context or namespace, an older review, another run). Pure: runs in Node without a DOM.
import * as assert from 'node:assert/strict';

import { emptyForm } from '../../src/webview/formToRequest';
import { accountsEffect, detailsRequest, reduce, type Effect } from '../../src/webview/page/reducer';
import { initialState, restoreState, type PageState } from '../../src/webview/page/state';
import type {
  ContextInfo,
  DiscoveryStats,
  HostMessage,
  ResultInfo,
  ReviewInfo,
  ServiceAccountDetailsInfo,
} from '../../src/webview/protocol';

const contexts: ContextInfo[] = [
  { name: 'dev', cluster: 'dev', server: 'https://dev:6443', namespace: 'default', current: false },
  { name: 'prod', cluster: 'prod', server: 'https://prod:6443', namespace: 'default', current: true },
];

function init(extra: Partial<Extract<HostMessage, { type: 'init' }>> = {}): HostMessage {
  return { type: 'init', contexts, presets: [], ...extra };
}

type ContextLoaded = Extract<HostMessage, { type: 'contextLoaded' }>;

function contextLoaded(context: string, extra: Partial<ContextLoaded> = {}): HostMessage {
  return {
    type: 'contextLoaded',
    context,
    server: `https://${context}:6443`,
    defaultNamespace: 'default',
    namespaces: ['default', 'apps'],
    namespacesSource: 'namespaces',
    ...extra,
  };
}

/** Freezes the whole state, so a reducer that mutates its input throws instead of passing. */
/** The host's list of service accounts in a namespace. */
function accounts(context: string, namespace: string, ...names: string[]): HostMessage {
  return { type: 'serviceAccounts', context, namespace, accounts: names.map((name) => ({ name, managed: false })) };
}

function frozen<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) frozen(v);
    Object.freeze(value);
  }
  return value;
}

/** Runs messages through the reducer from a state, collecting every effect. */
function run(state: PageState, ...messages: HostMessage[]): { state: PageState; effects: Effect[] } {
  const effects: Effect[] = [];
  for (const message of messages) {
    const out = reduce(frozen(state), message);
    state = out.state;
    effects.push(...out.effects);
  }
  return { state, effects };
}

/** A page that has received init and its context (prod, namespace default). */
function loaded(form: Partial<PageState['form']> = {}): PageState {
  const s = run(initialState(), init(), contextLoaded('prod')).state;
  return { ...s, form: { ...s.form, ...form } };
}

const stats: DiscoveryStats = { mode: 'aggregated', requests: 1, durationMs: 5, failedGroupVersions: [] };
const details: ServiceAccountDetailsInfo = {
  bindings: [],
  tokenSecrets: [{ name: 'ci-token', populated: true, managed: false }],
  notes: [],
};
const review: ReviewInfo = {
  objects: [],
  warnings: [],
  problems: [],
  dryRunRejections: [],
  clusterScopedRules: [],
  dryRun: true,
  needsAdoption: false,
  canApply: true,
  escalation: { checked: true, allowed: true, missingRules: [], missingPermissions: [] },
};
const result: ResultInfo = {
  serviceAccount: 'ci',
  namespace: 'apps',
  contextNames: ['prod-ci'],
  server: 'https://prod:6443',
  tokenKind: 'timeBound',
  checks: [
    { description: 'get pods in apps', expected: 'allowed', actual: 'allowed', ok: true },
    { description: 'delete pods in apps', expected: 'denied', actual: 'allowed', ok: false },
  ],
  verified: false,
  kubectlLine: 'KUBECONFIG=<path> kubectl get pods',
};

describe('wizard page reducer', () => {
  describe('init', () => {
    it('takes the current context when none is chosen, and asks the host to load it', () => {
      const { state, effects } = run(initialState(), init({ tokenCapSeconds: { prod: 3600 } }));
      assert.equal(state.form.context, 'prod');
      assert.equal(state.initialized, true);
      assert.equal(state.contextLoading, true);
      assert.deepEqual(state.contexts, contexts);
      assert.deepEqual(state.tokenCaps, { prod: 3600 });
      assert.deepEqual(effects, [{ type: 'post', message: { type: 'loadContext', context: 'prod' } }]);
    });

    it('keeps a chosen context that still exists, and falls back to the current one when it is gone', () => {
      const kept = run({ ...initialState(), form: { ...emptyForm(), context: 'dev' } }, init());
      assert.equal(kept.state.form.context, 'dev');
      const gone = run({ ...initialState(), form: { ...emptyForm(), context: 'removed' } }, init());
      assert.equal(gone.state.form.context, 'prod');
    });

    it('takes the first context when none is current, and asks for nothing when there are none', () => {
      const first = run(initialState(), init({ contexts: contexts.map((c) => ({ ...c, current: false })) }));
      assert.equal(first.state.form.context, 'dev');
      const none = run(initialState(), init({ contexts: [], kubeconfigError: { message: 'no kubeconfig' } }));
      assert.equal(none.state.form.context, '');
      assert.deepEqual(none.effects, []);
      assert.deepEqual(none.state.kubeconfigError, { message: 'no kubeconfig' });
      assert.equal(none.state.contextLoading, false);
    });

    it('forgets what was read from another context, but not when the same context is reloaded', () => {
      const s = loaded();
      const withDiscovery = run(s, { type: 'discovery', context: 'prod', resources: [], stats }).state;
      const again = run(withDiscovery, init()).state;
      assert.ok(again.contextData, 'a re-init for the same context keeps its data');
      assert.ok(again.discovery);
      const switched = run({ ...withDiscovery, form: { ...withDiscovery.form, context: 'dev' } }, init()).state;
      assert.equal(switched.contextData, undefined);
      assert.equal(switched.discovery, undefined);
      assert.equal(switched.review, undefined);
    });
  });

  describe('prefill', () => {
    const prefill = { context: 'dev', namespace: 'apps', serviceAccount: 'ci' };

    it('on the first init, picks its context and applies namespace and service account when the context loads', () => {
      const first = run(initialState(), init({ prefill }));
      assert.equal(first.state.form.context, 'dev');
      assert.deepEqual(first.state.prefillPending, { namespace: 'apps', serviceAccount: 'ci' });
      const { state, effects } = run(first.state, contextLoaded('dev'));
      assert.equal(state.form.namespace, 'apps');
      assert.equal(state.form.serviceAccount, 'ci');
      assert.equal(state.form.serviceAccountMode, 'existing');
      assert.equal(state.prefillPending, undefined);
      // The context's first load also puts the caret in the first empty field (item 10 of issue 15).
      assert.deepEqual(effects, [
        { type: 'markInteractive' },
        { type: 'postDebounced', message: { type: 'loadServiceAccounts', context: 'dev', namespace: 'apps' } },
        { type: 'focusFirstEmpty' },
      ]);
    });

    it("is applied once: a later init (the panel shown again) leaves the user's choices alone", () => {
      const s = run(initialState(), init({ prefill }), contextLoaded('dev')).state;
      const edited = { ...s, form: { ...s.form, context: 'prod', namespace: 'mine', serviceAccount: 'other' } };
      const { state } = run(edited, init({ prefill }));
      assert.equal(state.form.context, 'prod');
      assert.equal(state.prefillPending, undefined);
      const reloaded = run(state, contextLoaded('prod')).state;
      assert.equal(reloaded.form.namespace, 'mine');
      assert.equal(reloaded.form.serviceAccount, 'other');
    });

    it('does not apply to a context other than the one it named (the reply is stale)', () => {
      const first = run(initialState(), init({ prefill })).state;
      const { state, effects } = run(first, contextLoaded('prod'));
      assert.equal(state, first);
      assert.deepEqual(effects, []);
    });

    it('a prefill without a context keeps the current context', () => {
      const { state } = run(initialState(), init({ prefill: { namespace: 'apps' } }), contextLoaded('prod'));
      assert.equal(state.form.context, 'prod');
      assert.equal(state.form.namespace, 'apps');
      assert.equal(state.form.serviceAccountMode, 'new');
    });
  });

  describe('contextLoaded', () => {
    it('fills the default namespace and the server only where the user has not typed', () => {
      const s = loaded();
      assert.equal(s.form.namespace, 'default');
      assert.equal(s.form.server, 'https://prod:6443');
      assert.equal(s.contextLoading, false);
      const typed = { ...s, form: { ...s.form, namespace: 'apps', server: 'https://proxy:8443' } };
      const reloaded = contextLoaded('prod', { server: 'https://prod-new:6443', defaultNamespace: 'other' });
      const { state } = run(typed, reloaded);
      assert.equal(state.form.namespace, 'apps');
      assert.equal(state.form.server, 'https://proxy:8443');
      const untouched = run(s, contextLoaded('prod', { server: 'https://prod-new:6443' })).state;
      assert.equal(untouched.form.server, 'https://prod-new:6443', 'a server taken from the context follows it');
    });

    it('ticks "create namespace" from an authoritative list, leaves it when the list is the context\'s', () => {
      const missing = run(initialState(), init({ prefill: { namespace: 'new-ns' } }), contextLoaded('prod')).state;
      assert.equal(missing.form.createNamespace, true);
      const present = run(initialState(), init({ prefill: { namespace: 'apps' } }), contextLoaded('prod')).state;
      assert.equal(present.form.createNamespace, false);
      const start = { ...initialState(), form: { ...emptyForm(), createNamespace: true } };
      const onlyContext = contextLoaded('prod', { namespacesSource: 'context' });
      const unknown = run(start, init({ prefill: { namespace: 'x' } }), onlyContext).state;
      assert.equal(unknown.form.createNamespace, true);
    });

    it('asks for no accounts when they are here already or the namespace is invalid', () => {
      const s = loaded();
      const withAccounts = run(s, accounts('prod', 'default')).state;
      assert.deepEqual(accountsEffect(withAccounts), { type: 'postDebounced' });
      const invalid = { ...s, form: { ...s.form, namespace: 'Not_Valid' } };
      assert.deepEqual(accountsEffect(invalid), { type: 'postDebounced' });
      assert.deepEqual(accountsEffect({ ...s, form: { ...s.form, context: '' } }), { type: 'postDebounced' });
    });
  });

  describe('stale replies', () => {
    it('drops discovery for another context', () => {
      const s = loaded();
      const stale = reduce(s, { type: 'discovery', context: 'dev', resources: [], stats });
      assert.equal(stale.state, s);
      assert.deepEqual(stale.effects, []);
      const fresh = reduce(s, { type: 'discovery', context: 'prod', resources: [], stats });
      assert.equal(fresh.state.discovery?.context, 'prod');
    });

    it('drops service accounts for another context or namespace', () => {
      const s = loaded();
      for (const [context, namespace] of [
        ['dev', 'default'],
        ['prod', 'apps'],
      ]) {
        const out = reduce(s, accounts(context, namespace, 'ci'));
        assert.equal(out.state, s, `${context}/${namespace}`);
      }
      const fresh = reduce(s, accounts('prod', 'default', 'ci'));
      assert.deepEqual(fresh.state.accounts?.list, [{ name: 'ci', managed: false }]);
      assert.deepEqual(fresh.effects, [], 'a new service account needs no details');
    });

    it('drops a review result for an older review id', () => {
      const s = { ...loaded(), reviewId: 3, reviewLoading: true };
      const stale = reduce(s, { type: 'reviewResult', reviewId: 2, review });
      assert.equal(stale.state, s);
      const fresh = reduce(s, { type: 'reviewResult', reviewId: 3, review });
      assert.equal(fresh.state.review, review);
      assert.equal(fresh.state.reviewLoading, false);
      assert.deepEqual(fresh.effects, [{ type: 'announce', text: 'Review ready. You may create these objects.' }]);
      const refused = reduce(s, { type: 'reviewResult', reviewId: 3, review: { ...review, canApply: false } });
      const text = 'Review ready. Applying is not possible as things stand.';
      assert.deepEqual(refused.effects, [{ type: 'announce', text }]);
    });

    it('drops progress, done and failure of another run, or when no run is going', () => {
      const idle = loaded();
      const running: PageState = { ...idle, step: 'apply', run: { runId: 7, steps: [], status: 'running' } };
      const steps = [{ id: 'sa', label: 'Create service account', status: 'done' as const }];
      const messages: HostMessage[] = [
        { type: 'progress', runId: 6, steps },
        { type: 'applyDone', runId: 6, result },
        { type: 'applyFailed', runId: 6, error: { message: 'x' }, rolledBack: [], cancelled: false, steps },
      ];
      for (const message of messages) {
        assert.equal(reduce(running, message).state, running, `${message.type} of another run`);
        const ofRun7 = { ...message, runId: 7 } as HostMessage;
        assert.equal(reduce(idle, ofRun7).state, idle, `${message.type} without a run`);
      }
      assert.deepEqual(reduce(running, { type: 'progress', runId: 7, steps }).state.run?.steps, steps);
    });
  });

  describe('a run', () => {
    const running: PageState = { ...initialState(), step: 'apply', run: { runId: 7, steps: [], status: 'running' } };

    it('ends on the result step, moves focus and announces the checks', () => {
      const { state, effects } = reduce(running, { type: 'applyDone', runId: 7, result });
      assert.equal(state.step, 'result');
      assert.equal(state.run?.status, 'done');
      assert.equal(state.result, result);
      assert.deepEqual(effects, [{ type: 'focusHeading' }, { type: 'announce', text: 'Done. 1 of 2 checks passed.' }]);
    });

    it('records a failure (or a cancel) with what was rolled back, and stays on the apply step', () => {
      const steps = [{ id: 'sa', label: 'Create service account', status: 'rolledBack' as const }];
      const failed = reduce(running, {
        type: 'applyFailed',
        runId: 7,
        error: { message: 'Forbidden' },
        rolledBack: ['ServiceAccount ci'],
        cancelled: false,
        steps,
      });
      assert.equal(failed.state.step, 'apply');
      assert.deepEqual(failed.state.run, {
        runId: 7,
        status: 'failed',
        steps,
        error: { message: 'Forbidden' },
        rolledBack: ['ServiceAccount ci'],
        cancelled: false,
      });
      assert.deepEqual(failed.effects, [{ type: 'announce', text: 'Failed: Forbidden' }]);
      const cancelled = reduce(running, {
        type: 'applyFailed',
        runId: 7,
        error: { message: 'x' },
        rolledBack: [],
        cancelled: true,
        steps,
      });
      assert.deepEqual(cancelled.effects, [{ type: 'announce', text: 'Cancelled.' }]);
    });

    it('takes an updated result (after a save) whatever the run', () => {
      const saved = { ...result, savedPath: '/tmp/k' };
      assert.equal(reduce(running, { type: 'resultUpdated', result: saved }).state.result, saved);
    });
  });

  describe('an existing service account', () => {
    const existing = () => loaded({ serviceAccountMode: 'existing', serviceAccount: 'ci' });

    it('asks for its details once it is listed, and not again when they are here', () => {
      const { state, effects } = run(existing(), accounts('prod', 'default', 'ci'));
      const request = { type: 'loadServiceAccountDetails', context: 'prod', namespace: 'default', name: 'ci' };
      assert.deepEqual(effects, [{ type: 'post', message: request }]);
      const reply: HostMessage = {
        type: 'serviceAccountDetails',
        context: 'prod',
        namespace: 'default',
        name: 'ci',
        details,
      };
      const withDetails = run(state, reply).state;
      assert.equal(detailsRequest(withDetails), undefined);
      assert.deepEqual(withDetails.saDetails, { context: 'prod', namespace: 'default', name: 'ci', details });
    });

    it('asks nothing when the account is not in the list', () => {
      const { effects } = run(existing(), accounts('prod', 'default', 'other'));
      assert.deepEqual(effects, []);
    });
  });

  describe('errors and notices', () => {
    it('puts each error where its step shows it', () => {
      const s = { ...initialState(), contextLoading: true };
      const error = { message: 'Unauthorized', hint: 'Log in again.' };
      assert.deepEqual(reduce(s, { type: 'error', scope: 'context', error }).state.contextError, error);
      assert.equal(reduce(s, { type: 'error', scope: 'context', error }).state.contextLoading, false);
      assert.deepEqual(reduce(s, { type: 'error', scope: 'discovery', error }).state.discoveryError, error);
      assert.deepEqual(reduce(s, { type: 'error', scope: 'serviceAccounts', error }).state.accountsError, error);
      const contextsError = reduce(s, { type: 'error', scope: 'contexts', error }).state;
      assert.deepEqual(contextsError.kubeconfigError, error);
      assert.equal(contextsError.initialized, true);
      assert.deepEqual(reduce(s, { type: 'error', scope: 'action', error }).state.notice, {
        message: 'Unauthorized Log in again.',
        level: 'error',
      });
    });

    it('shows and announces a notice', () => {
      const { state, effects } = reduce(initialState(), { type: 'notice', message: 'Saved.', level: 'info' });
      assert.deepEqual(state.notice, { message: 'Saved.', level: 'info' });
      assert.deepEqual(effects, [{ type: 'announce', text: 'Saved.' }]);
    });
  });

  describe('restoring a saved page', () => {
    it('starts afresh from nothing or another version, and fills form fields added since', () => {
      assert.deepEqual(restoreState(undefined), initialState());
      assert.deepEqual(restoreState({ v: 0, step: 'review' }), initialState());
      const saved = {
        ...initialState(),
        step: 'token',
        initialized: true,
        form: { context: 'dev', namespace: 'apps' },
      };
      const restored = restoreState(saved);
      assert.equal(restored.step, 'token');
      assert.deepEqual(restored.form, { ...emptyForm(), context: 'dev', namespace: 'apps' });
    });
  });
});
