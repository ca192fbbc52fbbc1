// The wizard page's entry point: boots the store, redraws the whole view on every change (keeping focus, caret and
// scroll), routes host messages to the store, and handles the keyboard. The parts: state.ts (the state, pure),
// reducer.ts (host messages, pure), store.ts (state, persistence, effects), navigation.ts (steps and actions),
// widgets.ts, steps/ (one file per step) and view.ts (the layout). Kubernetes decisions come from core's pure
// functions; planning, dry runs, the escalation pre-check and provisioning happen in the host.

import { isHostMessage } from '../protocol';
import { next } from './navigation';
import { dispatch, onChange, post, state } from './store';
import { view } from './view';

// Wall-clock marks that tests read to measure time to interactive without polling overhead.
document.documentElement.dataset.bootAt = String(Date.now());

function render(): void {
  const root = document.getElementById('app');
  if (!root) return;
  const active = document.activeElement as HTMLInputElement | null;
  const focusId = active?.id;
  const selection =
    active && 'selectionStart' in active && typeof active.selectionStart === 'number'
      ? ([active.selectionStart, active.selectionEnd ?? active.selectionStart] as const)
      : undefined;
  const scroll = window.scrollY;

  root.replaceChildren(view());

  if (focusId) {
    const el = document.getElementById(focusId) as HTMLInputElement | null;
    if (el && el !== document.activeElement) {
      el.focus({ preventScroll: true });
      if (selection && typeof el.setSelectionRange === 'function') {
        try {
          el.setSelectionRange(selection[0], selection[1]);
        } catch {
          /* not a text field */
        }
      }
    }
  }
  window.scrollTo(0, scroll);
}

window.addEventListener('message', (event: MessageEvent) => {
  const message: unknown = event.data;
  if (!isHostMessage(message)) return;
  dispatch(message);
});

document.addEventListener('keydown', (e: KeyboardEvent) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    next();
  } else if (
    e.key === 'Enter' &&
    e.target instanceof HTMLInputElement &&
    e.target.type === 'text' &&
    state.step !== 'review'
  ) {
    // Enter in a text field moves on, as in a native dialog.
    e.preventDefault();
    next();
  }
});

onChange(render);
render();
post({ type: 'ready', navigationMs: Math.round(performance.now()) });
