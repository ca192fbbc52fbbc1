// The credential audit as text for people: a terminal table and a Markdown report for a ticket or a security review
// (the CLI's `audit -o markdown` and the extension's Save Report write the same). Pure. A report names Secrets,
// accounts and dates, never a token: the audit never reads one.

import type { AuditCredential, AuditedServiceAccount, AuditPermission, AuditReport, Finding } from './assess';
import { GRADES } from './risk';

export function credentialWords(c: AuditCredential): string {
  const parts = [`${c.kind}${c.managed ? '' : ' (not ours)'}`, c.secretName ?? c.id];
  if (c.invalidSince) parts.push(`invalid since ${c.invalidSince}`);
  else if (c.kind === 'legacy') parts.push(c.lastUsed ? `last used ${c.lastUsed}` : 'no recorded use');
  if (c.expiresAt) parts.push(`${c.state === 'expired' ? 'expired' : 'expires'} ${c.expiresAt}`);
  else if (c.kind === 'legacy' || c.kind === 'longLived') parts.push('never expires');
  if (c.createdAt) parts.push(`created ${c.createdAt.slice(0, 10)}`);
  return parts.join(', ');
}

/** One binding in words: grade, binding, role, where, how it names the account. Pure. */
export function bindingWords(p: AuditPermission): string {
  const via = p.via.kind === 'serviceAccount' ? 'directly' : `via ${p.via.kind} ${p.via.name}`;
  const where = p.namespace ? `in ${p.namespace}` : 'cluster-wide';
  return (
    `${p.grade}: ${p.binding.kind} ${p.binding.name} → ${p.role} ${where}, ` +
    `${via}${p.missingRole ? ' (role missing)' : ''}` +
    (p.aggregatedFrom ? ` (aggregates ${p.aggregatedFrom.join(', ')})` : '')
  );
}

export function summaryLine(report: AuditReport): string {
  const s = report.summary;
  const grades = [...GRADES]
    .reverse()
    .map((g) => `${s[g]} ${g}`)
    .join(', ');
  return (
    `${s.serviceAccounts} service account(s) (${grades}), ${s.credentials} credential(s), ` +
    `${s.findings} finding(s).`
  );
}

export function scopeWords(report: AuditReport): string {
  return report.namespace !== undefined ? `namespace ${report.namespace}` : 'all namespaces';
}

function pad(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The terminal table: one row per account, then the findings with their remedy commands. Pure. */
export function auditTable(report: AuditReport, hidden = 0): string {
  const lines = [
    `Credential audit of context "${report.context}" (${scopeWords(report)}), ${report.generatedAt}`,
    summaryLine(report),
    report.trackingSince
      ? `Legacy token use is tracked since ${report.trackingSince}.`
      : 'When legacy token use began to be tracked is unknown.',
    '',
  ];
  if (report.serviceAccounts.length === 0) lines.push('No service account matches.');
  else {
    const rows = [['RISK', 'SERVICE ACCOUNT', 'CREDENTIALS', 'PODS', 'FINDINGS', 'WHY']];
    for (const a of report.serviceAccounts) {
      rows.push([
        a.grade.toUpperCase(),
        `${a.namespace}/${a.name}`,
        String(a.credentials.length),
        a.pods === undefined ? '?' : String(a.pods),
        String(a.findings.length),
        a.reasons[0]?.text ?? '',
      ]);
    }
    lines.push(pad(rows));
  }
  if (hidden > 0) lines.push('', `${hidden} account(s) not shown (filtered, or nothing to report: --include-clean).`);
  const findings = report.serviceAccounts.flatMap((a) => a.findings);
  if (findings.length > 0) {
    lines.push('', 'Findings:');
    for (const f of findings) {
      lines.push(`  [${f.severity}] ${f.namespace}/${f.serviceAccount}: ${f.text}`);
      for (const r of f.remedies) lines.push(`      ${r.kind}: ${r.command}`);
    }
  }
  for (const n of report.notes) lines.push(`note: ${n}`);
  return `${lines.join('\n')}\n`;
}

/** Escapes text for a Markdown table cell or line (names come from the cluster). Pure. */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]<>|#]/g, (c) => `\\${c}`).replace(/\r?\n/g, ' ');
}

function findingMarkdown(f: Finding): string[] {
  return [
    `- **${f.severity}** ${escapeMarkdown(f.text)}`,
    ...f.remedies.map((r) => `  - ${r.kind}: ${escapeMarkdown(r.text)} \`${r.command.replace(/`/g, "'")}\``),
  ];
}

function accountMarkdown(a: AuditedServiceAccount): string[] {
  const out = [`### ${escapeMarkdown(`${a.namespace}/${a.name}`)}: ${a.grade}`, ''];
  if (a.reasons.length > 0) {
    out.push('Why:', ...a.reasons.map((r) => `- ${r.grade}: ${escapeMarkdown(r.text)}`), '');
  }
  out.push(`Pods using it: ${a.pods === undefined ? 'unknown' : a.pods}`, '');
  if (a.credentials.length > 0)
    out.push('Credentials:', ...a.credentials.map((c) => `- ${escapeMarkdown(credentialWords(c))}`), '');
  if (a.permissions.length > 0) {
    out.push('Bindings:');
    for (const p of a.permissions) out.push(`- ${escapeMarkdown(bindingWords(p))}`);
    out.push('');
  }
  if (a.findings.length > 0) out.push('Findings:', ...a.findings.flatMap(findingMarkdown), '');
  return out;
}

/** The Markdown report: summary, the table, then each account's details, findings and remedies. Pure. */
export function auditMarkdown(report: AuditReport): string {
  const out = [
    `# Service account credential audit: ${escapeMarkdown(report.context)}`,
    '',
    `- Cluster: ${escapeMarkdown(report.server)}`,
    `- Scope: ${escapeMarkdown(scopeWords(report))}`,
    `- Generated: ${report.generatedAt}`,
    `- Legacy token use tracked since: ${report.trackingSince ?? 'unknown'}`,
    `- Thresholds: stale after ${report.thresholds.staleDays} days unused, long-lived tokens older than ` +
      `${report.thresholds.maxAgeDays} days`,
    `- ${summaryLine(report)}`,
    '',
    '| Risk | Service account | Credentials | Pods | Findings | Main reason |',
    '| --- | --- | --- | --- | --- | --- |',
    ...report.serviceAccounts.map(
      (a) =>
        `| ${a.grade} | ${escapeMarkdown(`${a.namespace}/${a.name}`)} | ${a.credentials.length} | ` +
        `${a.pods ?? '?'} | ${a.findings.length} | ${escapeMarkdown(a.reasons[0]?.text ?? '')} |`,
    ),
    '',
    '## Details',
    '',
    ...report.serviceAccounts.flatMap(accountMarkdown),
  ];
  if (report.notes.length > 0) out.push('## Notes', '', ...report.notes.map((n) => `- ${escapeMarkdown(n)}`), '');
  out.push('_No credential is part of this report: the audit reads Secrets metadata only._', '');
  return out.join('\n');
}
