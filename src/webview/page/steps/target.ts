// Step 1, Target: the context to act with, the namespace, and a new or existing service account (with what an
// existing one already holds).

import { fieldProblems } from '../../formToRequest';
import { h, icon } from '../dom';
import { namespaceMissing } from '../state';
import { loadAccounts, loadContext, maybeLoadDetails, replaceState, setForm, state } from '../store';
import { callout, checkbox, errorBox, fieldError, invalidProps, loading, radio, textField } from '../widgets';

export function targetStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const data = state.contextData;
  const nsExists = data
    ? data.namespacesSource === 'context'
      ? undefined
      : data.namespaces.includes(form.namespace)
    : undefined;
  const accounts =
    state.accounts?.context === form.context && state.accounts.namespace === form.namespace
      ? state.accounts
      : undefined;
  const forbidden = accounts?.forbidden === true;
  const existingNames = accounts?.list.map((a) => a.name) ?? [];
  const newClashes = form.serviceAccountMode === 'new' && existingNames.includes(form.serviceAccount);

  const contextSelect = h(
    'div',
    { class: 'field' },
    h('label', { for: 'context' }, 'Context (the cluster and identity to act with)'),
    h(
      'select',
      {
        id: 'context',
        'aria-describedby': 'context-help',
        on: {
          change: (e: Event) => {
            const context = (e.target as HTMLSelectElement).value;
            const serviceAccount = state.form.serviceAccountMode === 'new' ? state.form.serviceAccount : '';
            replaceState({ ...state, form: { ...state.form, context, namespace: '', server: '', serviceAccount } });
            loadContext(context, true);
          },
        },
      },
      state.contexts.length === 0
        ? h('option', { value: '' }, state.initialized ? 'No contexts in your kubeconfig' : 'Loading contexts…')
        : null,
      state.contexts.map((c) =>
        h('option', { value: c.name, selected: c.name === form.context }, `${c.name}${c.current ? ' (current)' : ''}`),
      ),
    ),
    h(
      'div',
      { class: 'help', id: 'context-help' },
      data ? `Server ${data.server}` : state.contextLoading ? 'Connecting…' : '',
    ),
  );

  const namespaceHelp: (string | Node)[] = [];
  if (data && !problems.namespace && form.namespace) {
    if (nsExists === true)
      namespaceHelp.push(
        icon('check'),
        forbidden ? " Exists; you may not list its service accounts (can't check them: forbidden)." : ' Exists.',
      );
    else if (nsExists === false) namespaceHelp.push(icon('info'), ` Does not exist yet: it will be created.`);
    else namespaceHelp.push('You may not list namespaces here; tick "Create it" if it does not exist.');
  }
  const namespaceField = h(
    'div',
    null,
    textField({
      id: 'namespace',
      label: 'Namespace of the service account',
      value: form.namespace,
      field: 'namespace',
      problems,
      list: 'namespace-list',
      placeholder: 'e.g. my-app',
      help: h('span', null, ...namespaceHelp),
      onInput: (value) => {
        const missing = data ? namespaceMissing(value, data.namespaces, data.namespacesSource) : undefined;
        setForm({ namespace: value, createNamespace: missing ?? state.form.createNamespace, existingSecretName: '' }, [
          'namespace',
        ]);
        loadAccounts();
      },
    }),
    h(
      'datalist',
      { id: 'namespace-list' },
      (data?.namespaces ?? []).map((n) => h('option', { value: n })),
    ),
    data?.namespacesSource === 'context'
      ? checkbox('create-namespace', form.createNamespace, 'Create it (it does not exist yet)', (checked) =>
          setForm({ createNamespace: checked }),
        )
      : null,
  );

  const saMode = h(
    'fieldset',
    { class: 'radios' },
    h('legend', null, 'Service account'),
    radio('sa-mode', 'sa-new', form.serviceAccountMode === 'new', 'New', () =>
      setForm({ serviceAccountMode: 'new', serviceAccount: '' }),
    ),
    radio(
      'sa-mode',
      'sa-existing',
      form.serviceAccountMode === 'existing',
      'Existing' +
        (forbidden ? " (can't check: forbidden)" : accounts ? ` (${accounts.list.length} in this namespace)` : ''),
      () => {
        setForm({ serviceAccountMode: 'existing', serviceAccount: '' });
      },
      accounts !== undefined && accounts.list.length === 0,
    ),
    forbidden ? forbiddenNote() : null,
  );

  let saField: HTMLElement;
  if (form.serviceAccountMode === 'new') {
    saField = textField({
      id: 'service-account',
      label: 'Name of the new service account',
      value: form.serviceAccount,
      field: 'serviceAccount',
      problems,
      placeholder: 'e.g. ci-deployer',
      help: newClashes
        ? h('span', null, icon('warning'), ' A service account with this name exists; its permissions will be updated.')
        : 'Lower-case letters, digits, "-" and "."; start and end with a letter or digit.',
      onInput: (value) => setForm({ serviceAccount: value }, ['serviceAccount']),
    });
  } else {
    saField = h(
      'div',
      { class: 'field' },
      h('label', { for: 'service-account-existing' }, 'Existing service account'),
      h(
        'select',
        {
          id: 'service-account-existing',
          ...invalidProps('serviceAccount', problems),
          on: {
            change: (e: Event) => {
              setForm({ serviceAccount: (e.target as HTMLSelectElement).value, existingSecretName: '' }, [
                'serviceAccount',
              ]);
              maybeLoadDetails();
            },
          },
        },
        h('option', { value: '' }, accounts ? 'Pick one…' : 'Loading…'),
        (accounts?.list ?? []).map((a) =>
          h(
            'option',
            { value: a.name, selected: a.name === form.serviceAccount },
            `${a.name}${a.managed ? ' (made by sa-kubeconfig)' : ''}`,
          ),
        ),
      ),
      fieldError('serviceAccount', problems),
      existingDetails(),
    );
  }

  return h(
    'section',
    { class: 'step-target' },
    h(
      'p',
      { class: 'lead' },
      'Where should the new identity live? Pick the cluster context to act with, a namespace, and a service account.',
    ),
    state.contextError
      ? errorBox(
          state.contextError,
          h(
            'button',
            {
              type: 'button',
              id: 'retry-context',
              class: 'secondary',
              on: { click: () => loadContext(state.form.context, true) },
            },
            'Retry',
          ),
        )
      : null,
    contextSelect,
    namespaceField,
    state.accountsError ? errorBox(state.accountsError) : null,
    saMode,
    saField,
  );
}

/** The user may not list service accounts here: say so, and where it may create them (from the host's checks). */
function forbiddenNote(): HTMLElement {
  const { context, namespace } = state.form;
  const r = state.rights?.context === context && state.rights.namespace === namespace ? state.rights.rights : undefined;
  const suggestions = r?.suggestions ?? [];
  return callout(
    'info',
    h(
      'span',
      { id: 'sa-forbidden' },
      `You may not list service accounts in "${namespace}", so the wizard can't check ` +
        '(forbidden) whether a name is taken. ',
      r === undefined
        ? 'Checking where you may create service accounts…'
        : suggestions.length > 0
          ? 'You may create service accounts in: '
          : `None of the ${r.checkedNamespaces ?? 0} other namespaces checked lets you create service accounts.`,
    ),
    suggestions.length > 0
      ? h(
          'span',
          { class: 'suggestions', role: 'group', 'aria-label': 'Namespaces where you may create service accounts' },
          suggestions.map((ns) =>
            h(
              'button',
              {
                type: 'button',
                class: 'link',
                id: `suggest-${ns}`,
                on: {
                  click: () => {
                    const data = state.contextData;
                    const missing = data ? namespaceMissing(ns, data.namespaces, data.namespacesSource) : undefined;
                    setForm(
                      {
                        namespace: ns,
                        createNamespace: missing ?? state.form.createNamespace,
                        serviceAccountMode: 'new',
                        existingSecretName: '',
                      },
                      ['namespace'],
                    );
                    loadAccounts();
                  },
                },
              },
              ns,
            ),
          ),
        )
      : null,
  );
}

function existingDetails(): HTMLElement | null {
  const { context, namespace, serviceAccount } = state.form;
  if (!serviceAccount) return null;
  const d = state.saDetails;
  if (!d || d.context !== context || d.namespace !== namespace || d.name !== serviceAccount)
    return loading('Reading what it already holds…');
  const { bindings, tokenSecrets, notes } = d.details;
  return h(
    'div',
    { class: 'sa-details', 'aria-label': `What ${serviceAccount} already holds` },
    h('div', { class: 'subheading' }, 'Already holds'),
    bindings.length === 0
      ? h('div', { class: 'muted' }, 'No role bindings.')
      : h(
          'ul',
          { class: 'sa-bindings' },
          bindings.map((b) =>
            h(
              'li',
              null,
              `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name} → ${b.roleRef.kind} ` +
                `${b.roleRef.name}${b.managed ? ' (sa-kubeconfig)' : ''}`,
              b.rules === undefined
                ? h(
                    'div',
                    { class: 'muted' },
                    b.rulesError ? `Its rules could not be read: ${b.rulesError}.` : 'Its rules could not be read.',
                  )
                : b.rules.length === 0
                  ? h('div', { class: 'muted' }, 'No rules.')
                  : h(
                      'details',
                      { class: 'binding-rules' },
                      h('summary', null, `${b.rules.length} rule${b.rules.length === 1 ? '' : 's'}`),
                      h(
                        'ul',
                        { class: 'rules' },
                        b.rules.map((r) => h('li', { class: 'mono' }, r)),
                      ),
                    ),
            ),
          ),
        ),
    bindings.length > 0
      ? h(
          'div',
          { class: 'help' },
          'These stay as they are: the permissions you pick next are added in bindings of their own.',
        )
      : null,
    h('div', { class: 'subheading' }, 'Token Secrets'),
    tokenSecrets.length === 0
      ? h('div', { class: 'muted' }, 'None.')
      : h(
          'ul',
          { class: 'sa-token-secrets' },
          tokenSecrets.map((s) => h('li', null, `${s.name}${s.populated ? '' : ' (not filled yet)'}`)),
        ),
    notes.map((n) => h('div', { class: 'muted' }, n)),
  );
}
