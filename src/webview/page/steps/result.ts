// Step 7, Result: what was verified, where the kubeconfig is, and the actions to use it.

import { h, icon } from '../dom';
import { post, state } from '../store';
import { callout, loading, STATUS_GLYPH } from '../widgets';

export function resultStep(): HTMLElement {
  const result = state.result;
  if (!result) return h('section', null, loading('Finishing…'));
  const allowed = result.checks.filter((c) => c.actual === 'allowed');
  const denied = result.checks.filter((c) => c.actual !== 'allowed');
  const checkList = (title: string, id: string, checks: typeof result.checks) =>
    h(
      'section',
      { class: 'checks', 'aria-labelledby': id },
      h('h3', { id }, `${title} (${checks.length})`),
      h(
        'ul',
        { class: 'check-list' },
        checks.map((c) =>
          h(
            'li',
            { class: c.ok ? 'ok' : 'bad' },
            // A denied check that was meant to be denied: a "blocked" sign, never the green tick that reads "allowed".
            c.ok && c.actual !== 'allowed'
              ? icon('denied', 'denied, as expected')
              : icon(c.ok ? 'check' : 'error', c.ok ? 'allowed, as expected' : 'not as intended'),
            ' ',
            c.description,
            c.ok ? null : h('span', { class: 'muted' }, ` (expected ${c.expected})`),
          ),
        ),
      ),
    );
  return h(
    'section',
    { class: 'step-result' },
    result.verified
      ? callout(
          'ok',
          h(
            'strong',
            null,
            `Verified: the new kubeconfig for ${result.namespace}/${result.serviceAccount} works as planned.`,
          ),
        )
      : callout(
          'warning',
          h('strong', null, 'Created, but verification found differences.'),
          result.verifyNote ? ` ${result.verifyNote}` : '',
        ),
    h(
      'dl',
      { class: 'facts' },
      h('dt', null, 'Token'),
      h(
        'dd',
        { id: 'token-expiry' },
        result.expiresAt
          ? `expires ${new Date(result.expiresAt).toLocaleString()} (${result.expiresAt})`
          : 'does not expire',
      ),
      result.expiryNote ? [h('dt', null, 'Note'), h('dd', null, result.expiryNote)] : null,
      h('dt', null, result.contextNames.length > 1 ? 'Contexts' : 'Context'),
      h('dd', { class: 'mono' }, result.contextNames.join(', ')),
      h('dt', null, 'Server'),
      h('dd', { class: 'mono' }, result.server),
      result.savedPath ? [h('dt', null, 'Saved to'), h('dd', { class: 'mono' }, result.savedPath)] : null,
    ),
    h(
      'div',
      { class: 'result-actions', role: 'group', 'aria-label': 'Use the kubeconfig' },
      h(
        'button',
        {
          type: 'button',
          id: 'open-kubeconfig',
          class: 'primary',
          on: { click: () => post({ type: 'resultAction', action: 'openKubeconfig' }) },
        },
        'Open kubeconfig in editor',
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'save-kubeconfig',
          class: 'secondary',
          on: { click: () => post({ type: 'resultAction', action: 'saveAs' }) },
        },
        'Save as…',
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'merge-kubeconfig',
          class: 'secondary',
          on: { click: () => post({ type: 'resultAction', action: 'merge' }) },
        },
        'Merge into my kubeconfig',
      ),
      h(
        'button',
        {
          type: 'button',
          id: 'copy-command',
          class: 'secondary',
          on: { click: () => post({ type: 'resultAction', action: 'copyCommand' }) },
        },
        'Copy KUBECONFIG=… kubectl line',
      ),
    ),
    h('pre', { class: 'command', 'aria-label': 'Command line' }, h('code', null, result.kubectlLine)),
    state.run && state.run.steps.length > 0
      ? h(
          'details',
          { class: 'run-steps', id: 'run-steps' },
          h('summary', null, `How it went (${state.run.steps.filter((s) => s.status === 'done').length} steps done)`),
          h(
            'ol',
            { class: 'progress' },
            state.run.steps.map((s) =>
              h(
                'li',
                { class: `progress-step status-${s.status}` },
                icon(STATUS_GLYPH[s.status], s.status),
                ' ',
                s.label,
                s.detail ? h('span', { class: 'muted' }, ` — ${s.detail}`) : null,
              ),
            ),
          ),
        )
      : null,
    h('h3', null, 'Verified permissions of the new credential'),
    result.verifyNote && result.verified ? h('p', { class: 'muted' }, result.verifyNote) : null,
    h(
      'div',
      { class: 'check-columns' },
      checkList('Allowed', 'allowed-title', allowed),
      checkList('Denied', 'denied-title', denied),
    ),
  );
}
