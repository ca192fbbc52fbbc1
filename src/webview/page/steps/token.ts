// Step 3, Token: a time-bound token (recommended), a long-lived token Secret, or an existing token Secret.

import { formatDuration, parseDuration } from '../../../core/plan/duration';
import { fieldProblems } from '../../formToRequest';
import { h, icon } from '../dom';
import { tokenDenied } from '../navigation';
import { setForm, state } from '../store';
import { callout, checkbox, fieldError, invalidProps, radio, textField } from '../widgets';

const LIFETIMES = ['1h', '8h', '24h', '7d', '30d', '90d', '365d'];

/** Up front, before the Review: the chosen token needs rights the user lacks here, and the honest alternative. */
function rightsNote(): HTMLElement | null {
  const denied = tokenDenied();
  if (denied.length === 0) return null;
  const { form } = state;
  const unboundDenied = state.rights?.rights.tokenDenied.unbound ?? [];
  const revocable = form.tokenKind === 'timeBound' ? 'A revocable token' : 'A long-lived token Secret';
  return h(
    'div',
    { class: 'callout callout-error', role: 'alert', id: 'token-rights' },
    icon('error'),
    ' ',
    h(
      'strong',
      null,
      `${revocable} cannot be issued here: ` +
        `you may not ${denied.map((d) => d.replace(/ in namespace .*$/, '')).join(' or ')} ` +
        `in namespace "${form.namespace}".`,
    ),
    h(
      'div',
      null,
      form.tokenKind === 'timeBound'
        ? 'It is bound to a Secret of its own so that deleting the Secret revokes it, ' +
            'and creating that Secret is not allowed to you.'
        : 'The token controller fills a Secret that you would have to create and read.',
    ),
    unboundDenied.length === 0
      ? h(
          'div',
          { class: 'hint' },
          'The alternative: a short-lived token that is not bound to a Secret. ' +
            'It cannot be revoked before it expires ' +
            '(only deleting the service account ends it), so keep its lifetime short. ',
          h(
            'button',
            {
              type: 'button',
              id: 'use-unbound',
              class: 'secondary',
              on: {
                click: () =>
                  setForm({
                    tokenKind: 'timeBound',
                    unbound: true,
                    tokenLifetime: form.tokenKind === 'timeBound' ? form.tokenLifetime : '1h',
                  }),
              },
            },
            'Use a short-lived token that cannot be revoked early',
          ),
        )
      : h('div', { class: 'hint' }, `No token can be issued here: you may not ${unboundDenied.join(', ')} either.`),
  );
}

export function tokenStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const details =
    state.saDetails && state.saDetails.name === form.serviceAccount && state.saDetails.namespace === form.namespace
      ? state.saDetails.details
      : undefined;
  const legacySecrets =
    form.serviceAccountMode === 'existing' ? (details?.tokenSecrets.filter((s) => s.populated) ?? []) : [];
  const cap = state.tokenCaps[form.context];
  let seconds: number | undefined;
  try {
    seconds = parseDuration(form.tokenLifetime);
  } catch {
    seconds = undefined;
  }

  const timeBound = h(
    'div',
    { class: 'token-option-body' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'token-lifetime' }, 'Lifetime'),
      h(
        'div',
        { class: 'lifetimes', role: 'group', 'aria-label': 'Common lifetimes' },
        LIFETIMES.map((l) =>
          h(
            'button',
            {
              type: 'button',
              class: `chip${form.tokenLifetime === l ? ' selected' : ''}`,
              'aria-pressed': form.tokenLifetime === l ? 'true' : 'false',
              id: `lifetime-${l}`,
              on: { click: () => setForm({ tokenLifetime: l }, ['tokenLifetime']) },
            },
            l,
          ),
        ),
      ),
      h('input', {
        id: 'token-lifetime',
        type: 'text',
        value: form.tokenLifetime,
        autocomplete: 'off',
        spellcheck: 'false',
        ...invalidProps('tokenLifetime', problems, 'token-lifetime-help'),
        on: {
          input: (e: Event) => setForm({ tokenLifetime: (e.target as HTMLInputElement).value }, ['tokenLifetime']),
        },
      }),
      h(
        'div',
        { class: 'help', id: 'token-lifetime-help' },
        seconds !== undefined && !problems.tokenLifetime
          ? `Expires around ${new Date(Date.now() + seconds * 1000).toLocaleString()}. `
          : '',
        cap !== undefined
          ? seconds !== undefined && seconds > cap
            ? h('strong', null, `This API server caps tokens at ${formatDuration(cap)}; it will shorten this one.`)
            : `This API server caps tokens at ${formatDuration(cap)}.`
          : 'The API server may shorten it (--service-account-max-token-expiration); ' +
              'the real expiry is shown at the end.',
      ),
      fieldError('tokenLifetime', problems),
    ),
    h(
      'div',
      { class: 'help' },
      `Bound to a new Secret of its own (${form.serviceAccount || '<name>'}-cred-xxxxx): ` +
        'deleting it revokes exactly this token.',
    ),
    checkbox(
      'unbound-token',
      form.unbound,
      'Unbound instead: it cannot be revoked before it expires (only deleting the service account ends it)',
      (checked) => setForm({ unbound: checked }),
    ),
  );
  const noteField = textField({
    id: 'credential-note',
    label: 'Note (optional)',
    value: form.credentialNote,
    field: 'credentialNote',
    problems,
    placeholder: 'e.g. github-actions deploy',
    onInput: (value) => setForm({ credentialNote: value }, ['credentialNote']),
  });

  const longLived = h(
    'div',
    { class: 'token-option-body' },
    callout(
      'warning',
      'Weaker: the token never expires, sits in a Secret that anyone who can read Secrets in the namespace can ' +
        'copy, and stays valid until that Secret or the service account is deleted. ' +
        'Use it only when the consumer cannot renew a token.',
    ),
    textField({
      id: 'long-lived-secret',
      label: 'Secret name (optional)',
      value: form.longLivedSecretName,
      field: 'longLivedSecretName',
      problems,
      placeholder: `${form.serviceAccount || '<name>'}-token`,
      onInput: (value) => setForm({ longLivedSecretName: value }, ['longLivedSecretName']),
    }),
  );

  const existing = h(
    'div',
    { class: 'token-option-body' },
    h(
      'div',
      { class: 'field' },
      h('label', { for: 'existing-secret' }, 'Token Secret'),
      h(
        'select',
        {
          id: 'existing-secret',
          ...invalidProps('existingSecretName', problems),
          on: {
            change: (e: Event) =>
              setForm({ existingSecretName: (e.target as HTMLSelectElement).value }, ['existingSecretName']),
          },
        },
        h('option', { value: '' }, 'Pick one…'),
        legacySecrets.map((s) => h('option', { value: s.name, selected: s.name === form.existingSecretName }, s.name)),
      ),
      fieldError('existingSecretName', problems),
    ),
    callout(
      'warning',
      'A legacy token Secret does not expire either; prefer a time-bound token unless something depends on this one.',
    ),
  );

  const noLegacy =
    form.serviceAccountMode === 'existing'
      ? 'This service account has no filled token Secret.'
      : 'Only for an existing service account that has a token Secret.';
  return h(
    'section',
    { class: 'step-token' },
    h('p', { class: 'lead' }, 'How should the kubeconfig authenticate?'),
    rightsNote(),
    h(
      'fieldset',
      { class: 'radios' },
      h('legend', null, 'Token'),
      radio(
        'token',
        'token-time-bound',
        form.tokenKind === 'timeBound',
        h('span', null, 'Time-bound token ', h('span', { class: 'badge badge-ok' }, 'recommended')),
        () => setForm({ tokenKind: 'timeBound' }),
        false,
        'A TokenRequest token that expires by itself; renew it by running the wizard (or the CLI) again.',
      ),
      form.tokenKind === 'timeBound' ? timeBound : null,
      radio(
        'token',
        'token-long-lived',
        form.tokenKind === 'longLived',
        'Long-lived token in a Secret',
        () => setForm({ tokenKind: 'longLived' }),
        false,
        'A kubernetes.io/service-account-token Secret filled by the token controller.',
      ),
      form.tokenKind === 'longLived' ? longLived : null,
      radio(
        'token',
        'token-existing',
        form.tokenKind === 'existingSecret',
        'Existing token Secret',
        () => setForm({ tokenKind: 'existingSecret' }),
        legacySecrets.length === 0,
        legacySecrets.length === 0
          ? noLegacy
          : `${legacySecrets.length} found: ${legacySecrets.map((s) => s.name).join(', ')}`,
      ),
      form.tokenKind === 'existingSecret' ? existing : null,
    ),
    form.tokenKind !== 'existingSecret' ? noteField : null,
  );
}
