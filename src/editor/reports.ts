// Verification and access reports, and the details of a failed command, as Markdown rendered in VS Code's Markdown
// preview of a read-only virtual document (scheme `sa-kubeconfig-report:`, served from memory by a content
// provider): nothing to save, so closing it asks nothing. Pure text: no token ever reaches them.
import * as vscode from 'vscode';

import type { PolicyRule } from '../core/types';
import type { VerificationReport } from '../core/verify/verify';
import { reportDocuments } from './reportDocuments';
import { consistentNotes, verdict } from './reportVerdict';

export { REPORT_SCHEME } from './reportDocuments';

const VERBS = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];

function resourceLabel(group: string, resource: string): string {
  return group === '' ? resource : group === '*' ? `${resource}.*` : `${resource}.${group}`;
}

/** A resources × verbs table of what the rules allow (other verbs in the last column). Pure. */
export function accessMatrix(rules: PolicyRule[]): string {
  const rows = new Map<string, { verbs: Set<string>; names: Set<string> }>();
  for (const rule of rules) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        const key = resourceLabel(group, resource);
        const row = rows.get(key) ?? { verbs: new Set<string>(), names: new Set<string>() };
        for (const verb of rule.verbs) row.verbs.add(verb);
        for (const name of rule.resourceNames ?? []) row.names.add(name);
        rows.set(key, row);
      }
    }
  }
  if (rows.size === 0) return '_Nothing._\n';
  const header = `| resource | ${VERBS.join(' | ')} | other |\n|---|${VERBS.map(() => ':-:').join('|')}|---|\n`;
  const body = [...rows.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([resource, row]) => {
      const all = row.verbs.has('*');
      const cells = VERBS.map((v) => (all || row.verbs.has(v) ? '✓' : ''));
      const other = all ? '*' : [...row.verbs].filter((v) => !VERBS.includes(v)).join(', ');
      const names = row.names.size > 0 ? ` (only ${[...row.names].join(', ')})` : '';
      return `| \`${resource}\`${names} | ${cells.join(' | ')} | ${other} |`;
    });
  return header + body.join('\n') + '\n';
}

/** The verification report of a kubeconfig. Pure. */
export function verificationMarkdown(title: string, report: VerificationReport): string {
  const lines = [`# ${title}`, ''];
  lines.push(verdict(report), '');
  if (report.whoami)
    lines.push(
      `Authenticated as \`${report.whoami.username}\` (groups: ${report.whoami.groups.join(', ') || 'none'}), ` +
        `context \`${report.context}\`.`,
      '',
    );
  if (report.checks.length > 0) {
    lines.push('## Checks', '', '| | verb | resource | namespace | expected | why |', '|---|---|---|---|---|---|');
    for (const c of report.checks) {
      const subresource = c.subresource ? `/${c.subresource}` : '';
      const res = `${resourceLabel(c.group, c.resource)}${subresource}${c.name ? ` ${c.name}` : ''}`;
      lines.push(
        `| ${c.ok ? '✅' : '❌'} | ${c.verb} | \`${res}\` | ${c.namespace ?? '(cluster)'} | ${c.expected} | ${c.why} |`,
      );
    }
    lines.push('');
  }
  for (const [ns, rules] of Object.entries(report.rulesByNamespace)) {
    lines.push(`## What it may do in namespace \`${ns}\``, '', accessMatrix(rules));
  }
  if (report.incomplete)
    lines.push(
      '> The server said its rule list is incomplete (e.g. webhook authorizers): the tables may miss permissions.',
      '',
    );
  for (const note of consistentNotes(report)) lines.push(`> ${note}`, '');
  lines.push(`_${report.requests} requests, sent with the kubeconfig's own credentials._`);
  return lines.join('\n') + '\n';
}

/**
 * Opens a Markdown report rendered (the built-in Markdown preview, beside the editor) from a read-only virtual
 * document: never dirty, so no "Do you want to save?". Without the Markdown extension the source opens read-only.
 */
export async function openMarkdownReport(
  context: vscode.ExtensionContext,
  title: string,
  markdown: string,
): Promise<vscode.TextDocument> {
  const uri = await reportDocuments(context).show(title, markdown);
  return vscode.workspace.openTextDocument(uri);
}
