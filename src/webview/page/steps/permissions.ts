// Step 2, Permissions: presets, scope (namespaces or cluster-wide), and the resource picker built from live
// discovery, with the selected rules, cluster-scoped explanations and risk warnings below.

import { partitionRules } from '../../../core/plan/plan';
import { formatRule } from '../../../core/plan/rules';
import { namespacedLookupFrom } from '../../../core/plan/scope';
import { riskWarnings } from '../../../core/plan/warnings';
import type { DiscoveredResource } from '../../../core/types';
import {
  applyPreset,
  clusterScopedPicks,
  fieldProblems,
  mergePicks,
  pickLabel,
  presetState,
  removePreset,
  sortVerbs,
  splitList,
  type PermissionPick,
} from '../../formToRequest';
import { h, icon } from '../dom';
import { currentRequest } from '../state';
import { post, setForm, state, update } from '../store';
import { callout, errorBox, loading, radio, textField } from '../widgets';

const RBAC_VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

function rbacVerbs(verbs: string[]): string[] {
  return sortVerbs(verbs.filter((v) => RBAC_VERBS.includes(v) || !['head', 'options', 'connect'].includes(v)));
}

function findPick(group: string, resource: string): PermissionPick | undefined {
  return state.form.picks.find((p) => p.group === group && p.resource === resource);
}

function setPickVerb(group: string, resource: string, verb: string, on: boolean): void {
  const existing = findPick(group, resource);
  let picks: PermissionPick[];
  if (existing) {
    picks = state.form.picks.map((p) =>
      p === existing
        ? { ...p, verbs: on ? sortVerbs([...new Set([...p.verbs, verb])]) : p.verbs.filter((v) => v !== verb) }
        : p,
    );
  } else {
    picks = on
      ? mergePicks(state.form.picks, [{ group, resource, verbs: [verb], resourceNames: '' }])
      : state.form.picks;
  }
  setForm({ picks: picks.filter((p) => p.verbs.length > 0 || p.resourceNames !== '') }, ['picks']);
}

function setPickNames(group: string, resource: string, names: string): void {
  const existing = findPick(group, resource);
  const picks = existing
    ? state.form.picks.map((p) => (p === existing ? { ...p, resourceNames: names } : p))
    : [...state.form.picks, { group, resource, verbs: [], resourceNames: names }];
  setForm({ picks }, ['picks']);
}

function matchesSearch(r: DiscoveredResource, query: string): { resource: boolean; subresources: string[] } {
  if (!query) return { resource: true, subresources: r.subresources.map((s) => s.name) };
  const q = query.toLowerCase();
  const own = [r.resource, r.kind, r.group || 'core', ...(r.shortNames ?? [])].some((t) => t.toLowerCase().includes(q));
  const subs = r.subresources.filter((s) => own || `${r.resource}/${s.name}`.includes(q)).map((s) => s.name);
  return { resource: own || subs.length > 0, subresources: subs };
}

export function permissionsStep(): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const resources = state.discovery?.context === form.context ? dedupeResources(state.discovery.resources) : undefined;
  const { request } = currentRequest(state);
  const lookup = namespacedLookupFrom(resources ?? []);
  const clusterScoped = form.scope === 'cluster' ? [] : partitionRules(request.rules, lookup).clusterScoped;
  const warnings = riskWarnings({ request, clusterScopedRules: clusterScoped });

  const presets = h(
    'fieldset',
    { class: 'presets' },
    h('legend', null, 'Presets'),
    h(
      'p',
      { class: 'help' },
      'Each preset is complete for its job; applying one ticks its permissions below, ' +
        'where you can review or trim them.',
    ),
    h(
      'div',
      { class: 'preset-list' },
      state.presets.map((preset) => {
        const stand = presetState(form, preset);
        const applied = stand !== 'off';
        return h(
          'button',
          {
            type: 'button',
            id: `preset-${preset.id}`,
            class: `preset${stand === 'applied' ? ' applied' : stand === 'custom' ? ' custom' : ''}`,
            // "mixed": everything it grants is picked, but its rules were changed since (shown as "custom").
            'aria-pressed': stand === 'applied' ? 'true' : stand === 'custom' ? 'mixed' : 'false',
            'aria-describedby': `preset-${preset.id}-desc`,
            on: {
              click: () => {
                const f = applied ? removePreset(state.form, preset) : applyPreset(state.form, preset);
                setForm({ picks: f.picks, roleRefs: f.roleRefs }, ['picks']);
              },
            },
          },
          h(
            'span',
            { class: 'preset-title' },
            stand === 'applied' ? icon('check') : null,
            stand === 'applied' ? ' ' : '',
            preset.title,
            stand === 'custom' ? h('span', { class: 'preset-custom' }, ' (custom)') : null,
          ),
          h('span', { class: 'preset-desc', id: `preset-${preset.id}-desc` }, preset.description),
        );
      }),
    ),
  );

  const scope = h(
    'fieldset',
    { class: 'radios scope' },
    h('legend', null, 'Where the permissions apply'),
    radio(
      'scope',
      'scope-namespaces',
      form.scope === 'namespaces',
      `In namespace "${form.namespace}"${splitList(form.extraNamespaces).length ? ' and more' : ''}`,
      () => setForm({ scope: 'namespaces' }),
    ),
    form.scope === 'namespaces'
      ? textField({
          id: 'extra-namespaces',
          label: 'Also in these namespaces (optional, comma-separated)',
          value: form.extraNamespaces,
          field: 'extraNamespaces',
          problems,
          placeholder: 'e.g. staging, production',
          help: 'One Role and RoleBinding per namespace, and one kubeconfig context each.',
          onInput: (value) => setForm({ extraNamespaces: value }, ['extraNamespaces']),
        })
      : null,
    radio(
      'scope',
      'scope-cluster',
      form.scope === 'cluster',
      'Cluster-wide (every namespace, present and future)',
      () => setForm({ scope: 'cluster' }),
    ),
  );

  const search = h(
    'div',
    { class: 'field search' },
    h('label', { for: 'perm-search' }, 'Search resources'),
    h('input', {
      id: 'perm-search',
      type: 'search',
      value: state.search,
      placeholder: 'pods, deployments, exec, log, crontabs…',
      autocomplete: 'off',
      'aria-controls': 'resource-groups',
      on: { input: (e: Event) => update({ search: (e.target as HTMLInputElement).value }) },
    }),
  );

  let picker: HTMLElement;
  if (state.discoveryError) {
    picker = errorBox(
      state.discoveryError,
      h(
        'button',
        {
          type: 'button',
          class: 'secondary',
          on: { click: () => post({ type: 'refreshDiscovery', context: form.context }) },
        },
        'Retry discovery',
      ),
    );
  } else if (!resources) {
    picker = loading('Discovering the API resources this cluster serves…');
  } else {
    picker = resourcePicker(resources);
  }

  const stats = state.discovery?.stats;
  return h(
    'section',
    { class: 'step-permissions' },
    h('p', { class: 'lead' }, 'What may the new identity do? Start from a preset or tick exactly the verbs you need.'),
    presets,
    scope,
    h(
      'div',
      { class: 'picker-header' },
      h('h3', null, 'Resources'),
      stats
        ? h(
            'span',
            { class: 'muted' },
            `${resources?.length ?? 0} resources from live discovery ` +
              `(${stats.requests} request${stats.requests === 1 ? '' : 's'}, ${stats.durationMs} ms)`,
          )
        : null,
      h(
        'button',
        {
          type: 'button',
          class: 'link',
          id: 'refresh-discovery',
          on: {
            click: () => {
              update({ discovery: undefined });
              post({ type: 'refreshDiscovery', context: form.context });
            },
          },
        },
        'Refresh',
      ),
    ),
    search,
    picker,
    selectedSummary(
      clusterScoped.map(formatRule),
      warnings.map((w) => w.message),
      resources ?? [],
    ),
  );
}

/** RBAC ignores versions: one entry per group/resource (the first, preferred, version), verbs merged. */
function dedupeResources(resources: DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Map<string, DiscoveredResource>();
  for (const r of resources) {
    const key = `${r.group}/${r.resource}`;
    const existing = seen.get(key);
    if (!existing) {
      seen.set(key, r);
      continue;
    }
    const verbs = [...new Set([...existing.verbs, ...r.verbs])];
    const subresources = [...existing.subresources];
    for (const s of r.subresources) if (!subresources.some((x) => x.name === s.name)) subresources.push(s);
    seen.set(key, { ...existing, verbs, subresources });
  }
  return [...seen.values()];
}

function resourcePicker(resources: DiscoveredResource[]): HTMLElement {
  const query = state.search.trim();
  const groups = new Map<string, DiscoveredResource[]>();
  for (const r of resources) {
    if (!matchesSearch(r, query).resource) continue;
    const list = groups.get(r.group) ?? [];
    list.push(r);
    groups.set(r.group, list);
  }
  if (groups.size === 0)
    return h('div', { class: 'muted', id: 'resource-groups', role: 'status' }, `No resource matches "${query}".`);
  const groupNames = [...groups.keys()].sort((a, b) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b)));
  return h(
    'div',
    { id: 'resource-groups', class: 'resource-groups' },
    groupNames.map((group) => {
      const list = groups.get(group) ?? [];
      const pickedCount = state.form.picks.filter((p) => p.group === group && p.verbs.length > 0).length;
      const open = query !== '' || state.openGroups.includes(group) || pickedCount > 0;
      const title = group === '' ? 'core' : group;
      const details = h(
        'details',
        { class: 'group', open, id: `group-${group || 'core'}` },
        h(
          'summary',
          null,
          h('span', { class: 'group-name' }, title),
          h(
            'span',
            { class: 'muted' },
            ` ${list.length} resource${list.length === 1 ? '' : 's'}${pickedCount ? `, ${pickedCount} picked` : ''}`,
          ),
          isLikelyCustom(group) ? h('span', { class: 'badge' }, 'custom / extension') : null,
        ),
        open
          ? h(
              'div',
              { class: 'resource-list', role: 'group', 'aria-label': `Resources of API group ${title}` },
              list.map((r) => resourceRow(r, query)),
            )
          : null,
      );
      details.addEventListener('toggle', () => {
        const isOpen = details.open;
        if (isOpen === open) return;
        const openGroups = isOpen ? [...state.openGroups, group] : state.openGroups.filter((g) => g !== group);
        update({ openGroups });
      });
      return details;
    }),
  );
}

const BUILT_IN_GROUP = /(^|\.)k8s\.io$|^(apps|batch|autoscaling|policy|extensions)$|^$/;
function isLikelyCustom(group: string): boolean {
  return !BUILT_IN_GROUP.test(group);
}

function verbBoxes(group: string, resource: string, verbs: string[]): HTMLElement {
  const pick = findPick(group, resource);
  const label = pickLabel(group, resource);
  return h(
    'div',
    { class: 'verbs', role: 'group', 'aria-label': `Verbs for ${label}` },
    rbacVerbs(verbs).map((verb) => {
      const id = `v-${group || 'core'}-${resource.replace('/', '--')}-${verb}`;
      return h(
        'span',
        { class: 'verb' },
        h('input', {
          type: 'checkbox',
          id,
          checked: pick?.verbs.includes(verb) ?? false,
          'aria-label': `${verb} ${label}`,
          on: { change: (e: Event) => setPickVerb(group, resource, verb, (e.target as HTMLInputElement).checked) },
        }),
        h('label', { for: id, 'aria-hidden': 'true' }, verb),
      );
    }),
  );
}

function resourceRow(r: DiscoveredResource, query: string): HTMLElement {
  const key = `${r.group}/${r.resource}`;
  const { subresources: matchedSubs } = matchesSearch(r, query);
  const subs = r.subresources.filter((s) => s.verbs.length > 0);
  const hasSubPick = subs.some((s) => (findPick(r.group, `${r.resource}/${s.name}`)?.verbs.length ?? 0) > 0);
  const expanded =
    state.openResources.includes(key) ||
    hasSubPick ||
    (query !== '' && matchedSubs.length > 0 && !r.resource.includes(query));
  const pick = findPick(r.group, r.resource);
  const rowId = `res-${r.group || 'core'}-${r.resource}`;
  const moreText = subs.length ? `${subs.length} subresource${subs.length === 1 ? '' : 's'}, names` : 'names';
  const toggle = () =>
    update({ openResources: expanded ? state.openResources.filter((k) => k !== key) : [...state.openResources, key] });
  return h(
    'div',
    { class: 'resource', id: rowId },
    h(
      'div',
      { class: 'resource-main' },
      h(
        'div',
        { class: 'resource-name' },
        h('span', { class: 'mono' }, r.resource),
        h('span', { class: 'muted' }, ` ${r.kind}${r.shortNames?.length ? ` (${r.shortNames.join(', ')})` : ''}`),
        r.namespaced
          ? null
          : h(
              'span',
              { class: 'badge badge-cluster', title: 'Cluster-scoped: needs a ClusterRole and ClusterRoleBinding' },
              'cluster-scoped',
            ),
      ),
      verbBoxes(r.group, r.resource, r.verbs),
      h(
        'button',
        {
          type: 'button',
          class: 'link more',
          id: `${rowId}-more`,
          'aria-expanded': expanded ? 'true' : 'false',
          'aria-controls': `${rowId}-extra`,
          // The accessible name starts with the visible text (WCAG 2.5.3, axe's label-content-name-mismatch).
          'aria-label': `${moreText} of ${pickLabel(r.group, r.resource)}`,
          on: { click: toggle },
        },
        moreText,
      ),
    ),
    expanded
      ? h(
          'div',
          { class: 'resource-extra', id: `${rowId}-extra` },
          subs
            .filter((s) => query === '' || matchedSubs.includes(s.name) || r.resource.includes(query))
            .map((s) =>
              h(
                'div',
                { class: 'subresource' },
                h('span', { class: 'mono sub-name' }, `${r.resource}/${s.name}`),
                verbBoxes(r.group, `${r.resource}/${s.name}`, s.verbs),
              ),
            ),
          textField({
            id: `${rowId}-names`,
            label: `Only these ${r.resource} (resourceNames, optional)`,
            value: pick?.resourceNames ?? '',
            placeholder: 'e.g. app-config, feature-flags',
            help: 'Limits get/update/patch/delete to named objects; list, watch and create are never limited by name.',
            onInput: (value) => setPickNames(r.group, r.resource, value),
          }),
        )
      : null,
  );
}

function selectedSummary(
  clusterScopedRules: string[],
  warnings: string[],
  resources: DiscoveredResource[],
): HTMLElement {
  const form = state.form;
  const problems = fieldProblems(form);
  const { request, problems: requestProblems } = currentRequest(state);
  const ruleProblems = requestProblems.filter((p) => /^Rule |resourceNames/.test(p));
  const cluster = clusterScopedPicks(form.picks, resources);
  return h(
    'section',
    { class: 'summary', 'aria-labelledby': 'summary-title' },
    h('h3', { id: 'summary-title' }, 'Selected permissions'),
    request.rules.length === 0 && request.roleRefs.length === 0
      ? h('div', { class: 'muted' }, 'Nothing selected yet.')
      : h(
          'ul',
          { class: 'rules' },
          request.rules.map((rule) => h('li', { class: 'mono' }, formatRule(rule))),
          request.roleRefs.map((ref) =>
            h(
              'li',
              null,
              `Bind ${ref.kind} "${ref.name}" `,
              h(
                'button',
                {
                  type: 'button',
                  class: 'link',
                  'aria-label': `Remove ${ref.kind} ${ref.name}`,
                  on: { click: () => setForm({ roleRefs: state.form.roleRefs.filter((r) => r !== ref) }) },
                },
                'remove',
              ),
            ),
          ),
        ),
    form.picks.length > 0
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            id: 'clear-picks',
            on: { click: () => setForm({ picks: [], roleRefs: [] }, ['picks']) },
          },
          'Clear all',
        )
      : null,
    form.scope === 'cluster'
      ? callout(
          'info',
          'Cluster-wide: the rules go into a ClusterRole bound with a ClusterRoleBinding, ' +
            'so they apply in every namespace.',
        )
      : clusterScopedRules.length > 0 || cluster.length > 0
        ? callout(
            'info',
            h(
              'span',
              { id: 'cluster-scope-explanation' },
              `${cluster.map((p) => pickLabel(p.group, p.resource)).join(', ')} ` +
                `${cluster.length === 1 ? 'is' : 'are'} cluster-scoped, ` +
                `so ${cluster.length === 1 ? 'it goes' : 'they go'} into a ClusterRole with a ClusterRoleBinding ` +
                '(namespaced rules stay in Roles).',
            ),
          )
        : null,
    ruleProblems.map((p) => callout('error', p)),
    state.touched.includes('picks') && problems.picks
      ? h('div', { class: 'field-error', role: 'alert' }, icon('error'), ' ', problems.picks)
      : null,
    warnings.length > 0
      ? h(
          'div',
          { class: 'warnings', role: 'region', 'aria-label': 'Risk warnings' },
          warnings.map((w) => callout('warning', w)),
        )
      : null,
  );
}
