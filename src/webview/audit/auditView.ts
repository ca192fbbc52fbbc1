// The report as the Audit page shows it (protocol's AuditView): plain lines and grades, made from core's AuditReport.
// Pure (no vscode import), unit-tested. No credential is in a report, so none is in the view.
import { filterReport, type AuditReport } from '../../core/hygiene/assess';
import { bindingWords, credentialWords, scopeWords, summaryLine } from '../../core/hygiene/report';
import type { AuditView } from '../auditProtocol';

export function auditView(report: AuditReport): AuditView {
  const shown = filterReport(report, {});
  const hidden = report.serviceAccounts.length - shown.serviceAccounts.length;
  return {
    context: report.context,
    scope: scopeWords(report),
    generatedAt: report.generatedAt,
    ...(report.trackingSince ? { trackingSince: report.trackingSince } : {}),
    summary: summaryLine(report) + (hidden > 0 ? ` ${hidden} with nothing to report are not listed.` : ''),
    accounts: shown.serviceAccounts.map((a) => ({
      namespace: a.namespace,
      name: a.name,
      grade: a.grade,
      reasons: a.reasons.map((r) => `${r.grade}: ${r.text}`),
      ...(a.pods !== undefined ? { pods: a.pods } : {}),
      credentials: a.credentials.map(credentialWords),
      bindings: a.permissions.map(bindingWords),
      findings: a.findings.map((f) => ({
        kind: f.kind,
        severity: f.severity,
        text: f.text,
        remedies: f.remedies.map((r) => ({
          kind: r.kind,
          text: r.text,
          command: r.command,
          ...(r.secretName ? { secretName: r.secretName } : {}),
        })),
      })),
    })),
    notes: report.notes,
  };
}
