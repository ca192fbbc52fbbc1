// Step 6, Apply: progress of the run, and on failure what was rolled back.

import { h, icon } from '../dom';
import { state } from '../store';
import { errorBox, loading, STATUS_GLYPH } from '../widgets';

export function applyStep(): HTMLElement {
  const run = state.run;
  if (!run) return h('section', null, h('p', null, 'Nothing is running.'));
  return h(
    'section',
    { class: 'step-apply' },
    run.status === 'running' || run.status === 'cancelling'
      ? loading(run.status === 'cancelling' ? 'Cancelling and rolling back…' : 'Creating and verifying…')
      : null,
    h(
      'ol',
      { class: 'progress', 'aria-label': 'Progress' },
      run.steps.map((s) =>
        h(
          'li',
          { class: `progress-step status-${s.status}` },
          icon(STATUS_GLYPH[s.status], s.status),
          ' ',
          h('span', null, s.label),
          s.detail ? h('span', { class: 'muted' }, ` — ${s.detail}`) : null,
        ),
      ),
    ),
    run.status === 'failed' && run.error
      ? errorBox(
          run.cancelled
            ? { message: 'Cancelled.', hint: 'Whatever had been created was rolled back (see below).' }
            : run.error,
        )
      : null,
    run.status === 'failed'
      ? h(
          'div',
          { class: 'rollback', role: 'region', 'aria-label': 'Rollback report' },
          h('h3', null, 'Rolled back'),
          run.rolledBack && run.rolledBack.length > 0
            ? h(
                'ul',
                null,
                run.rolledBack.map((r) => h('li', null, r)),
              )
            : h('p', { class: 'muted' }, 'Nothing needed rolling back: nothing had been created.'),
        )
      : null,
  );
}
