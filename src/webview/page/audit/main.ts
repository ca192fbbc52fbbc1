// The Audit report page: a sortable, filterable table of service accounts by risk, each row opening its details
// (why, credentials, bindings) and findings with remedy buttons (Migrate, Revoke, Shrink), plus Save Report.
// DOM from h() (textContent only: nothing from the cluster is parsed as HTML); state survives hiding via
// getState/setState; it says "ready" before the host posts anything. Imports only the protocol and page helpers.
import type { AuditHostMessage, AuditPageMessage, AuditView, Grade, ViewAccount } from '../../auditProtocol';
import { h } from '../dom';

interface VsCodeApi {
  postMessage(message: AuditPageMessage): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;
const vscode = acquireVsCodeApi();

type SortKey = 'risk' | 'account' | 'credentials' | 'pods' | 'findings';
interface UiState {
  sort: SortKey;
  descending: boolean;
  filter: string;
  minGrade: Grade;
  expanded: string[];
}

const GRADES: Grade[] = ['none', 'low', 'medium', 'high', 'critical'];
const rank = (g: Grade) => GRADES.indexOf(g);

const saved = (vscode.getState() ?? {}) as Partial<UiState>;
const ui: UiState = {
  sort: saved.sort ?? 'risk',
  descending: saved.descending ?? true,
  filter: saved.filter ?? '',
  minGrade: saved.minGrade ?? 'none',
  expanded: saved.expanded ?? [],
};
let host: Extract<AuditHostMessage, { type: 'state' }> | undefined;
let status: { text: string; ok?: boolean; busy?: boolean } | undefined;

function save(): void {
  vscode.setState(ui);
}

function worstFinding(a: ViewAccount): Grade {
  return a.findings.reduce<Grade>((g, f) => (rank(f.severity) > rank(g) ? f.severity : g), 'none');
}

function sortedAccounts(view: AuditView): ViewAccount[] {
  const text = ui.filter.trim().toLowerCase();
  const min = rank(ui.minGrade);
  const kept = view.accounts.filter(
    (a) =>
      (min === 0 || rank(a.grade) >= min || rank(worstFinding(a)) >= min) &&
      (text === '' ||
        `${a.namespace}/${a.name} ${a.reasons.join(' ')} ${a.findings.map((f) => f.text).join(' ')}`
          .toLowerCase()
          .includes(text)),
  );
  const key = (a: ViewAccount): number | string => {
    switch (ui.sort) {
      case 'risk':
        return rank(a.grade) * 10 + rank(worstFinding(a));
      case 'account':
        return `${a.namespace}/${a.name}`;
      case 'credentials':
        return a.credentials.length;
      case 'pods':
        return a.pods ?? -1;
      case 'findings':
        return a.findings.length;
    }
  };
  return [...kept].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    const c = typeof ka === 'number' ? ka - (kb as number) : ka.localeCompare(kb as string);
    return (ui.descending ? -c : c) || `${a.namespace}/${a.name}`.localeCompare(`${b.namespace}/${b.name}`);
  });
}

function badge(grade: Grade): HTMLElement {
  return h('span', { class: `grade grade-${grade}` }, grade);
}

function header(label: string, key: SortKey): HTMLElement {
  const active = ui.sort === key;
  return h(
    'th',
    { scope: 'col', 'aria-sort': active ? (ui.descending ? 'descending' : 'ascending') : 'none' },
    h(
      'button',
      {
        class: 'sort',
        on: {
          click: () => {
            if (ui.sort === key) ui.descending = !ui.descending;
            else {
              ui.sort = key;
              ui.descending = key !== 'account';
            }
            save();
            render();
          },
        },
      },
      label,
      active ? (ui.descending ? ' ▾' : ' ▴') : '',
    ),
  );
}

function remedyButtons(a: ViewAccount, f: ViewAccount['findings'][number]): HTMLElement {
  const label = { migrate: 'Migrate', revoke: 'Revoke', shrink: 'Shrink' };
  return h(
    'div',
    { class: 'remedies' },
    f.remedies.map((r) =>
      h(
        'div',
        { class: 'remedy' },
        h(
          'button',
          {
            class: r.kind === 'revoke' ? 'secondary' : 'primary',
            title: r.text,
            disabled: status?.busy === true,
            on: {
              click: () =>
                vscode.postMessage({
                  type: 'remedy',
                  remedy: r.kind,
                  namespace: a.namespace,
                  serviceAccount: a.name,
                  ...(r.secretName ? { secretName: r.secretName } : {}),
                }),
            },
          },
          `${label[r.kind]}${r.secretName ? ` ${r.secretName}` : ''}`,
        ),
        h('code', { class: 'command' }, r.command),
      ),
    ),
  );
}

function details(a: ViewAccount): HTMLElement {
  const list = (title: string, items: string[]) =>
    items.length > 0
      ? [
          h('h4', null, title),
          h(
            'ul',
            null,
            items.map((i) => h('li', null, i)),
          ),
        ]
      : [];
  return h(
    'div',
    { class: 'details' },
    a.findings.length > 0
      ? [
          h('h4', null, 'Findings'),
          h(
            'ul',
            { class: 'findings' },
            a.findings.map((f) => h('li', null, badge(f.severity), ' ', f.text, remedyButtons(a, f))),
          ),
        ]
      : [],
    list('Why this grade', a.reasons),
    list('Credentials', a.credentials),
    list('Bindings', a.bindings),
  );
}

function table(view: AuditView): HTMLElement {
  const accounts = sortedAccounts(view);
  if (accounts.length === 0) return h('p', { class: 'muted' }, 'No service account matches.');
  return h(
    'table',
    { class: 'accounts' },
    h(
      'thead',
      null,
      h(
        'tr',
        null,
        header('Risk', 'risk'),
        header('Service account', 'account'),
        header('Credentials', 'credentials'),
        header('Pods', 'pods'),
        header('Findings', 'findings'),
        h('th', { scope: 'col' }, 'Main reason'),
      ),
    ),
    h(
      'tbody',
      null,
      accounts.flatMap((a) => {
        const id = `${a.namespace}/${a.name}`;
        const open = ui.expanded.includes(id);
        const toggle = () => {
          ui.expanded = open ? ui.expanded.filter((x) => x !== id) : [...ui.expanded, id];
          save();
          render();
        };
        return [
          h(
            'tr',
            { class: `row${open ? ' open' : ''}`, 'data-account': id },
            h('td', null, badge(a.grade)),
            h(
              'td',
              null,
              h(
                'button',
                { class: 'link', 'aria-expanded': open ? 'true' : 'false', on: { click: toggle } },
                open ? '▾ ' : '▸ ',
                id,
              ),
            ),
            h('td', { class: 'num' }, String(a.credentials.length)),
            h('td', { class: 'num' }, a.pods === undefined ? '?' : String(a.pods)),
            h('td', { class: 'num' }, a.findings.length > 0 ? [badge(worstFinding(a)), ` ${a.findings.length}`] : '0'),
            h('td', { class: 'reason' }, a.reasons[0]?.replace(/^\w+: /, '') ?? ''),
          ),
          open ? h('tr', { class: 'detail-row' }, h('td', { colspan: '6' }, details(a))) : null,
        ];
      }),
    ),
  );
}

function toolbar(): HTMLElement {
  const all = host?.allNamespaces ?? false;
  let namespace = host?.namespace ?? '';
  return h(
    'div',
    { class: 'toolbar' },
    h(
      'label',
      null,
      h('input', {
        type: 'checkbox',
        checked: all,
        on: {
          change: (e) => vscode.postMessage({ type: 'refresh', allNamespaces: (e.target as HTMLInputElement).checked }),
        },
      }),
      ' All namespaces',
    ),
    h(
      'label',
      null,
      'Namespace ',
      h('input', {
        type: 'text',
        value: namespace,
        disabled: all,
        'aria-label': 'Namespace',
        on: {
          input: (e) => {
            namespace = (e.target as HTMLInputElement).value.trim();
          },
          keydown: (e) => {
            if (e.key === 'Enter' && namespace)
              vscode.postMessage({ type: 'refresh', allNamespaces: false, namespace });
          },
        },
      }),
    ),
    h(
      'button',
      {
        class: 'secondary',
        disabled: host?.loading === true,
        on: {
          click: () =>
            vscode.postMessage({ type: 'refresh', allNamespaces: all, ...(namespace && !all ? { namespace } : {}) }),
        },
      },
      'Refresh',
    ),
    h('input', {
      type: 'search',
      class: 'filter',
      placeholder: 'Filter accounts, reasons, findings',
      'aria-label': 'Filter',
      value: ui.filter,
      on: {
        input: (e) => {
          ui.filter = (e.target as HTMLInputElement).value;
          save();
          renderTable();
        },
      },
    }),
    h(
      'label',
      null,
      'Minimum risk ',
      h(
        'select',
        {
          'aria-label': 'Minimum risk',
          on: {
            change: (e) => {
              ui.minGrade = (e.target as HTMLSelectElement).value as Grade;
              save();
              renderTable();
            },
          },
        },
        GRADES.map((g) => h('option', { value: g, selected: g === ui.minGrade }, g === 'none' ? 'any' : g)),
      ),
    ),
    h(
      'button',
      {
        class: 'primary',
        disabled: !host?.view,
        on: { click: () => vscode.postMessage({ type: 'saveReport' }) },
      },
      'Save Report',
    ),
  );
}

let tableHost: HTMLElement | undefined;

function renderTable(): void {
  if (!tableHost || !host?.view) return;
  tableHost.replaceChildren(table(host.view));
}

function render(): void {
  const app = document.getElementById('app');
  if (!app) return;
  const view = host?.view;
  tableHost = h('div', { class: 'table-host' });
  app.replaceChildren(
    h(
      'main',
      { class: 'audit' },
      h(
        'header',
        null,
        h('h1', null, 'Service Account Credential Audit'),
        h(
          'p',
          { class: 'subtitle' },
          host
            ? `Context ${host.context} · ` +
                `${view?.scope ?? (host.allNamespaces ? 'all namespaces' : `namespace ${host.namespace}`)}`
            : 'Loading…',
          view ? ` · ${view.generatedAt}` : '',
        ),
        view ? h('p', { class: 'summary' }, view.summary) : null,
        view
          ? h(
              'p',
              { class: 'muted' },
              view.trackingSince
                ? `Legacy token use is tracked since ${view.trackingSince}.`
                : 'When legacy token use began to be tracked is unknown.',
            )
          : null,
      ),
      toolbar(),
      h(
        'p',
        {
          class: `status${status ? (status.ok === false ? ' error' : ' ok') : ''}`,
          role: 'status',
          'aria-live': 'polite',
        },
        host?.loading ? 'Auditing…' : (status?.text ?? ''),
      ),
      host?.error ? h('p', { class: 'error', role: 'alert' }, host.error) : null,
      tableHost,
      view && view.notes.length > 0
        ? h(
            'section',
            { class: 'notes' },
            h('h4', null, 'Notes'),
            h(
              'ul',
              null,
              view.notes.map((n) => h('li', null, n)),
            ),
          )
        : null,
    ),
  );
  renderTable();
}

window.addEventListener('message', (event: MessageEvent<AuditHostMessage>) => {
  const m = event.data;
  switch (m.type) {
    case 'state':
      host = m;
      if (!m.loading && status?.busy) status = undefined;
      break;
    case 'busy':
      status = { text: m.text ?? 'Working…', busy: true };
      break;
    case 'outcome':
      status = { text: m.text, ok: m.ok };
      break;
  }
  render();
});

render();
vscode.postMessage({ type: 'ready' });
