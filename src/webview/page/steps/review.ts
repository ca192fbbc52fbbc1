// Step 5, Review: the host's plan, dry run and escalation pre-check, object by object, before anything is created.

import type { ReviewInfo, ReviewObject } from '../../protocol';
import { h, icon } from '../dom';
import { requestReview } from '../navigation';
import { setForm, state } from '../store';
import { callout, checkbox, errorBox, loading } from '../widgets';

/** How each object status reads in the Review's summary line and on its badge. */
const STATUS_LEAD: Record<string, string> = {
  unchanged: 'leave unchanged',
  conflict: 'resolve (conflict)',
  use: 'use as it is',
  missing: 'find (missing)',
  keep: 'keep (no longer requested)',
};
const STATUS_BADGE: Record<string, string> = { use: 'use as it is' };

/** An object's badge: its dry-run status, or "refused" / "not created" when the request as a whole is refused. */
function objectBadge(o: ReviewObject, refusedRun: boolean): HTMLElement | null {
  if (o.refused) return h('span', { class: 'badge status-refused' }, 'refused');
  if (refusedRun && (o.status === 'create' || o.status === 'update' || o.status === undefined))
    return h('span', { class: 'badge status-blocked' }, 'not created');
  return o.status ? h('span', { class: `badge status-${o.status}` }, STATUS_BADGE[o.status] ?? o.status) : null;
}

export function reviewStep(): HTMLElement {
  const review = state.review;
  if (state.reviewLoading || !review)
    return h(
      'section',
      null,
      loading('Planning and asking the API server for a dry run and the escalation pre-check…'),
    );
  const escalation = review.escalation;
  // Refused by the pre-check or the dry run: no object shows as something that will happen.
  const refusedRun =
    !review.canApply &&
    (review.dryRunRejections.length > 0 ||
      (escalation.checked && !escalation.allowed) ||
      review.objects.some((o) => o.refused));
  const refusedCount = review.objects.filter((o) => o.refused).length;
  const statusCounts = new Map<string, number>();
  for (const o of [...review.objects, ...(review.removals ?? [])]) {
    if (o.status) statusCounts.set(o.status, (statusCounts.get(o.status) ?? 0) + 1);
  }

  let escalationBox: HTMLElement | null = null;
  if (escalation.checked && escalation.allowed) {
    escalationBox = callout(
      'ok',
      h('span', { id: 'escalation-ok' }, 'You may grant all of this: the escalation pre-check passed.'),
    );
  } else if (escalation.checked) {
    escalationBox = h(
      'div',
      { class: 'callout callout-error', role: 'alert', id: 'escalation-refused' },
      icon('error'),
      ' ',
      h('strong', null, 'You cannot grant all of this.'),
      h('div', null, 'Kubernetes refuses to let anyone grant permissions they do not hold themselves. Missing:'),
      escalation.missingRules.length
        ? h(
            'ul',
            { class: 'missing-rules', 'aria-label': 'Missing rules' },
            escalation.missingRules.map((r) => h('li', { class: 'mono' }, r)),
          )
        : null,
      escalation.missingPermissions.length
        ? h(
            'ul',
            { class: 'missing-permissions', 'aria-label': 'Missing permissions' },
            escalation.missingPermissions.map((r) => h('li', null, r)),
          )
        : null,
      h(
        'div',
        { class: 'hint' },
        'Ask an administrator to grant you these rules, or request fewer permissions. Nothing has been created.',
      ),
    );
  } else if (escalation.note) {
    escalationBox = callout('info', escalation.note);
  }

  // The server's own words stay in view (they often say the same as the pre-check, and they are the authority).
  const rejections =
    review.dryRunRejections.length > 0
      ? escalation.checked && !escalation.allowed
        ? h(
            'div',
            { class: 'callout callout-error dry-run-details', id: 'dry-run-rejections' },
            icon('error'),
            ' ',
            h('strong', null, `What the API server's dry run said (${review.dryRunRejections.length}):`),
            h(
              'ul',
              null,
              review.dryRunRejections.map((p) => h('li', { class: 'rejection' }, p)),
            ),
          )
        : h(
            'div',
            { class: 'callout callout-error', role: 'alert', id: 'dry-run-rejections' },
            icon('error'),
            ' ',
            h('strong', null, "The server's dry run refused:"),
            h(
              'ul',
              null,
              review.dryRunRejections.map((p) => h('li', null, p)),
            ),
          )
      : null;
  return h(
    'section',
    { class: 'step-review' },
    review.error ? errorBox(review.error) : null,
    review.problems.length > 0
      ? h(
          'div',
          { class: 'callout callout-error', role: 'alert' },
          icon('error'),
          ' ',
          h('strong', null, 'Fix these first:'),
          h(
            'ul',
            null,
            review.problems.map((p) => h('li', null, p)),
          ),
        )
      : null,
    escalationBox,
    rejections,
    review.dryRun && review.objects.length > 0
      ? h(
          'p',
          { class: 'lead', id: 'review-lead' },
          refusedRun
            ? `Refused: nothing will be created. ${refusedCount} of ${review.objects.length} objects are refused; ` +
                'the others are not created without them.'
            : `Dry run: ${[...statusCounts].map(([s, n]) => `${n} to ${STATUS_LEAD[s] ?? s}`).join(', ')}.`,
        )
      : null,
    review.clusterScopedRules.length
      ? callout(
          'info',
          `${review.clusterScopedRules.join(', ')} name cluster-scoped resources, ` +
            'so they are granted with a ClusterRole and ClusterRoleBinding.',
        )
      : null,
    review.warnings.length
      ? h(
          'div',
          { class: 'warnings', role: 'region', 'aria-label': 'Risk warnings' },
          review.warnings.map((w) => callout('warning', w)),
        )
      : null,
    review.needsAdoption
      ? h(
          'div',
          { class: 'adopt' },
          callout('warning', 'Some objects with these names exist and were not made by sa-kubeconfig.'),
          checkbox(
            'adopt',
            state.form.adoptUnmanaged,
            'Take them over (they get the sa-kubeconfig label and are updated)',
            (checked) => {
              setForm({ adoptUnmanaged: checked });
              requestReview();
            },
          ),
        )
      : null,
    removalsSection(review),
    review.objects.length ? h('h3', null, `Objects (${review.objects.length}), in apply order`) : null,
    h(
      'div',
      { class: 'objects' },
      review.objects.map((o, i) =>
        h(
          'details',
          { class: 'object', open: true, id: `object-${i}` },
          h(
            'summary',
            null,
            objectBadge(o, refusedRun),
            ' ',
            h('span', { class: 'object-kind' }, o.kind),
            ' ',
            h('span', { class: 'mono' }, o.namespace ? `${o.namespace}/${o.name}` : o.name),
            o.detail ? h('span', { class: 'muted' }, ` — ${o.detail}`) : null,
          ),
          o.refused ? h('div', { class: 'refusal' }, icon('error'), ' Refused: ', o.refused) : null,
          h(
            'pre',
            { class: 'yaml', tabindex: '0', 'aria-label': `YAML of ${o.kind} ${o.name}` },
            h('code', null, o.yaml),
          ),
        ),
      ),
    ),
  );
}

/** Earlier grants of the service account this request no longer has: removed after the objects below, or kept. */
function removalsSection(review: ReviewInfo): HTMLElement | null {
  const removals = review.removals ?? [];
  if (removals.length === 0) return null;
  return h(
    'div',
    { class: 'removals', id: 'removals' },
    h(
      'h3',
      null,
      `No longer requested (${removals.length}): ` +
        `${removals.some((r) => r.status === 'remove') ? 'removed after the objects below are in place' : 'kept'}`,
    ),
    checkbox('keep-extra', state.form.keepExtra === true, 'Keep them (the account keeps their access)', (checked) => {
      setForm({ keepExtra: checked });
      requestReview();
    }),
    removals.map((o, i) =>
      h(
        'details',
        { class: 'removal', id: `removal-${i}` },
        h(
          'summary',
          null,
          h('span', { class: `badge status-${o.status}` }, o.status),
          ' ',
          h('span', { class: 'removal-kind' }, o.kind),
          ' ',
          h('span', { class: 'mono' }, o.namespace ? `${o.namespace}/${o.name}` : o.name),
          h('span', { class: 'muted' }, ` — ${o.detail}`),
        ),
        h(
          'pre',
          { class: 'yaml', tabindex: '0', 'aria-label': `YAML of ${o.kind} ${o.name}` },
          h('code', null, o.yaml),
        ),
      ),
    ),
  );
}
