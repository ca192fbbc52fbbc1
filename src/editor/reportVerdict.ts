// The sentences of a verification report that must agree with the rest of it: the verdict never claims checks
// that did not run, and a note a verified check already answers is left out. Pure (no vscode): unit tested.
import type { VerificationReport } from '../core/verify/verify';

/** The one-line verdict of a report; it never claims checks that did not run. Pure. */
export function verdict(report: VerificationReport): string {
  const n = report.checks.length;
  const failed = report.checks.filter((c) => !c.ok).length;
  if (!report.ok)
    return failed > 0
      ? `**Result: PROBLEMS** — ${failed} of ${n} check${n === 1 ? '' : 's'} did not give the expected answer.`
      : '**Result: PROBLEMS** — see the notes below.';
  if (n === 0)
    return report.whoami
      ? '**Result: CONNECTED** — the server accepted the credentials; no permission checks ran (nothing to expect).'
      : '**Result: OK** — no permission checks ran.';
  return `**Result: OK** — all ${n} check${n === 1 ? '' : 's'} gave the expected answer.`;
}

/** Whether any rule the server listed lets the credential list secrets. */
function rulesListSecrets(report: VerificationReport): boolean {
  const any = (values: string[], wanted: string) => values.includes('*') || values.includes(wanted);
  return Object.values(report.rulesByNamespace).some((rules) =>
    rules.some((r) => any(r.apiGroups, '') && any(r.resources, 'secrets') && any(r.verbs, 'list')),
  );
}

/**
 * Notes that the report's own answers settle are left out or said as facts: no "A bound role may grant reading
 * secrets" next to a verified "list secrets: denied", nor when the server's complete rule list grants no such thing.
 */
export function consistentNotes(report: VerificationReport): string[] {
  const secretsDeniedChecked = report.checks.some(
    (c) => c.resource === 'secrets' && c.group === '' && c.verb === 'list' && c.expected === 'denied' && c.ok,
  );
  const settled = !report.incomplete && Object.keys(report.rulesByNamespace).length > 0 && !rulesListSecrets(report);
  return report.notes.flatMap((note) => {
    if (!/may grant reading secrets/.test(note)) return [note];
    if (secretsDeniedChecked) return [];
    return settled ? ['The rules the server lists grant no reading of secrets.'] : [note];
  });
}
