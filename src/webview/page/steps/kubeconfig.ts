// Step 4, Kubeconfig: the server URL, TLS, and the names of the generated contexts.

import { contextNames, defaultNamePrefix } from '../../../core/kubeconfig/names';
import { fieldProblems, formNamespaces } from '../../formToRequest';
import { h } from '../dom';
import { setForm, state } from '../store';
import { callout, checkbox, textField } from '../widgets';

export function kubeconfigStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const namespaces = form.scope === 'cluster' ? [form.namespace] : formNamespaces(form);
  const prefix = form.namePrefix.trim() || defaultNamePrefix(form.context, form.serviceAccount);
  const names = contextNames(prefix, namespaces);
  const contextServer = state.contextData?.server;

  return h(
    'section',
    { class: 'step-kubeconfig' },
    h('p', { class: 'lead' }, 'How should the generated kubeconfig reach the cluster?'),
    textField({
      id: 'server',
      label: 'Server URL',
      value: form.server,
      field: 'server',
      problems,
      placeholder: contextServer ?? 'https://host:6443',
      help:
        contextServer && form.server !== contextServer
          ? h(
              'span',
              null,
              `Differs from the context's server (${contextServer}). `,
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  id: 'server-reset',
                  on: { click: () => setForm({ server: contextServer }) },
                },
                "Use the context's",
              ),
            )
          : 'From your context; change it when the script reaches the API server by another address.',
      onInput: (value) => setForm({ server: value }, ['server']),
    }),
    h(
      'fieldset',
      { class: 'radios' },
      h('legend', null, 'TLS'),
      h(
        'p',
        { class: 'help' },
        form.insecure
          ? ''
          : `The cluster's CA certificate from context "${form.context}" is embedded, so the connection is verified.`,
      ),
      checkbox('insecure', form.insecure, 'Skip TLS verification (insecure-skip-tls-verify)', (checked) =>
        setForm({ insecure: checked }),
      ),
      form.insecure
        ? callout(
            'warning',
            'Anyone on the network path can impersonate the API server and capture the token. ' +
              'Use only for throw-away test clusters.',
          )
        : null,
    ),
    textField({
      id: 'name-prefix',
      label: 'Context name',
      value: form.namePrefix,
      field: 'namePrefix',
      problems,
      placeholder: prefix,
      help:
        namespaces.length > 1
          ? 'With several namespaces, each context gets "-<namespace>" appended.'
          : 'Also names the cluster and user entries.',
      onInput: (value) => setForm({ namePrefix: value }, ['namePrefix']),
    }),
    namespaces.length > 1
      ? h(
          'div',
          { class: 'field' },
          h('label', { for: 'default-namespace' }, 'Default namespace (the current context)'),
          h(
            'select',
            {
              id: 'default-namespace',
              on: { change: (e: Event) => setForm({ defaultNamespace: (e.target as HTMLSelectElement).value }) },
            },
            namespaces.map((n) => h('option', { value: n, selected: n === namespaces[0] }, n)),
          ),
        )
      : null,
    h('div', { class: 'subheading' }, namespaces.length > 1 ? 'Contexts (one per namespace)' : 'Context'),
    h(
      'ul',
      { class: 'contexts' },
      names.map((name, i) =>
        h(
          'li',
          null,
          h('span', { class: 'mono' }, name),
          h('span', { class: 'muted' }, ` namespace ${namespaces[i]}${i === 0 ? ' (current-context)' : ''}`),
        ),
      ),
    ),
  );
}
