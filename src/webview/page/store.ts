// The page's one store: holds the state, persists it through the webview's getState/setState (so it survives the
// panel being hidden), redraws the whole view on every change, and runs the reducer's effects. Views read `state`
// and change it only through update/setForm/dispatch.

import type { WizardForm } from '../formToRequest';
import type { HostMessage, PageMessage } from '../protocol';
import { accountsEffect, detailsRequest, loadContext as loadContextState, reduce, type Effect } from './reducer';
import { restoreState, type PageState } from './state';

interface VsCodeApi {
  postMessage(message: PageMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();

export let state: PageState = restoreState(vscode.getState());

let render: () => void = () => undefined;

/** Sets the function that redraws the view after each change (main.ts). */
export function onChange(redraw: () => void): void {
  render = redraw;
}

export function post(message: PageMessage): void {
  vscode.postMessage(message);
}

export function update(change: Partial<PageState>, options: { render?: boolean } = {}): void {
  state = { ...state, ...change };
  vscode.setState(state);
  if (options.render !== false) render();
}

export function setForm(change: Partial<WizardForm>, touched: string[] = []): void {
  const form = { ...state.form, ...change };
  update({ form, touched: [...new Set([...state.touched, ...touched])] });
}

/** Replaces the state without saving or redrawing: for a change that an update right after completes. */
export function replaceState(next: PageState): void {
  state = next;
}

export function dispatch(message: HostMessage): void {
  const { state: next, effects } = reduce(state, message);
  if (next === state && effects.length === 0) return;
  update(next);
  runEffects(effects);
}

export function loadContext(context: string, reset: boolean): void {
  const { state: next, effects } = loadContextState(state, context, reset);
  update(next);
  runEffects(effects);
}

export function loadAccounts(): void {
  runEffects([accountsEffect(state)]);
}

export function maybeLoadDetails(): void {
  const message = detailsRequest(state);
  if (message) post(message);
}

export function announce(text: string): void {
  const live = document.getElementById('live');
  if (live) {
    live.textContent = '';
    // A fresh text node makes screen readers announce the same message twice in a row too.
    window.setTimeout(() => {
      live.textContent = text;
    }, 30);
  }
}

export function focusHeading(): void {
  window.requestAnimationFrame(() => document.getElementById('step-title')?.focus());
}

/** Puts the caret in the step's first empty field when nothing has the focus yet (the wizard just opened). */
export function focusFirstEmpty(): void {
  window.requestAnimationFrame(() => {
    const active = document.activeElement;
    if (active && active !== document.body && active.id !== 'step-title') return;
    const fields = document.querySelectorAll<HTMLInputElement | HTMLSelectElement>(
      '.step-body input[type="text"]:not([disabled]), .step-body select:not([disabled])',
    );
    const empty = [...fields].find((f) => f.value === '');
    (empty ?? fields[0])?.focus();
  });
}

let debounceTimer: number | undefined;

function runEffects(effects: Effect[]): void {
  for (const effect of effects) {
    switch (effect.type) {
      case 'post':
        post(effect.message);
        break;
      case 'postDebounced': {
        window.clearTimeout(debounceTimer);
        const message = effect.message;
        if (message) debounceTimer = window.setTimeout(() => post(message), 250);
        break;
      }
      case 'announce':
        announce(effect.text);
        break;
      case 'focusHeading':
        focusHeading();
        break;
      case 'focusFirstEmpty':
        focusFirstEmpty();
        break;
      case 'markInteractive':
        document.documentElement.dataset.interactiveAt ??= String(Date.now());
        break;
    }
  }
}
