// Small reusable view functions shared by the steps: callouts, error boxes, labelled fields, radios, checkboxes.
// Field errors show only for fields the user has touched (state.touched).

import type { FieldProblems } from '../formToRequest';
import type { ErrorInfo, ProgressStep } from '../protocol';
import { h, icon } from './dom';
import { state } from './store';

/** The glyph for each state of a progress step (Apply and Result). */
export const STATUS_GLYPH: Record<ProgressStep['status'], Parameters<typeof icon>[0]> = {
  pending: 'circle',
  running: 'loading',
  done: 'check',
  failed: 'error',
  skipped: 'dash',
  rolledBack: 'close',
};

export function errorBox(error: ErrorInfo, extra?: HTMLElement): HTMLElement {
  return h(
    'div',
    { class: 'callout callout-error', role: 'alert' },
    icon('error'),
    ' ',
    h('strong', null, error.message),
    error.hint ? h('div', { class: 'hint' }, error.hint) : null,
    extra ?? null,
  );
}

export function callout(kind: 'info' | 'warning' | 'error' | 'ok', ...children: (Node | string | null)[]): HTMLElement {
  const glyph = kind === 'ok' ? 'check' : kind;
  return h(
    'div',
    { class: `callout callout-${kind}`, role: kind === 'error' ? 'alert' : undefined },
    icon(glyph as 'check'),
    ' ',
    ...children,
  );
}

export function fieldError(field: keyof FieldProblems, problems: FieldProblems): HTMLElement | null {
  const message = problems[field];
  if (!message || !state.touched.includes(field)) return null;
  return h('div', { class: 'field-error', id: `${field}-error`, role: 'alert' }, icon('error'), ' ', message);
}

export function invalidProps(
  field: keyof FieldProblems,
  problems: FieldProblems,
  helpId?: string,
): Record<string, string | undefined> {
  const shown = Boolean(problems[field]) && state.touched.includes(field);
  return {
    'aria-invalid': shown ? 'true' : 'false',
    'aria-describedby': [shown ? `${field}-error` : undefined, helpId].filter(Boolean).join(' ') || undefined,
  };
}

export function textField(options: {
  id: string;
  label: string;
  value: string;
  field?: keyof FieldProblems;
  problems?: FieldProblems;
  help?: string | Node;
  placeholder?: string;
  list?: string;
  onInput: (value: string) => void;
  autofocus?: boolean;
  spellcheck?: boolean;
}): HTMLElement {
  const helpId = options.help ? `${options.id}-help` : undefined;
  return h(
    'div',
    { class: 'field' },
    h('label', { for: options.id }, options.label),
    h('input', {
      id: options.id,
      type: 'text',
      value: options.value,
      placeholder: options.placeholder,
      list: options.list,
      spellcheck: options.spellcheck ? 'true' : 'false',
      autocomplete: 'off',
      ...(options.field && options.problems
        ? invalidProps(options.field, options.problems, helpId)
        : { 'aria-describedby': helpId }),
      on: { input: (e: Event) => options.onInput((e.target as HTMLInputElement).value) },
    }),
    options.help ? h('div', { class: 'help', id: helpId }, options.help) : null,
    options.field && options.problems ? fieldError(options.field, options.problems) : null,
  );
}

export function radio(
  name: string,
  id: string,
  checked: boolean,
  label: string | Node,
  onChange: () => void,
  disabled = false,
  description?: string | Node,
): HTMLElement {
  const descId = description ? `${id}-desc` : undefined;
  return h(
    'div',
    { class: `radio${disabled ? ' disabled' : ''}` },
    h('input', { type: 'radio', name, id, checked, disabled, 'aria-describedby': descId, on: { change: onChange } }),
    h('label', { for: id }, label),
    description ? h('div', { class: 'help', id: descId }, description) : null,
  );
}

export function checkbox(
  id: string,
  checked: boolean,
  label: string | Node,
  onChange: (checked: boolean) => void,
  extra: Record<string, unknown> = {},
): HTMLElement {
  return h(
    'div',
    { class: 'checkbox' },
    h('input', {
      type: 'checkbox',
      id,
      checked,
      ...extra,
      on: { change: (e: Event) => onChange((e.target as HTMLInputElement).checked) },
    }),
    h('label', { for: id }, label),
  );
}

export function loading(text: string): HTMLElement {
  return h(
    'div',
    { class: 'loading', role: 'status' },
    h('span', { class: 'spinner', 'aria-hidden': 'true' }),
    ' ',
    text,
  );
}
