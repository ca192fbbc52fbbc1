// One read of the audit log into a usage report, as the CLI (`usage`, `shrink`) and the extension (Show Usage, Shrink
// to Observed Use) both do it: stream the sources, group the account's requests, and, when the API server's audit
// policy is known, name in the coverage what it leaves out (policy.ts). timeFromText reads a window's start as the
// extension asks for it (the CLI's --since/--until parse the same way, with their own errors).
import { parseDuration } from '../plan/duration';
import { policyFindings, withPolicyFindings, type AuditPolicy } from './policy';
import { readAuditLog, type AuditFilter, type ReadOptions } from './reader';
import { UsageAccumulator, type UsageReport } from './usage';

export async function readUsageReport(
  sources: string[],
  filter: AuditFilter,
  options: ReadOptions & { policy?: AuditPolicy } = {},
): Promise<UsageReport> {
  const usage = new UsageAccumulator();
  const stats = await readAuditLog(sources, filter, (r) => usage.add(r), options);
  const report = usage.report(filter, stats);
  if (!options.policy) return report;
  const findings = policyFindings(options.policy, filter.namespace, filter.serviceAccount);
  return { ...report, coverage: withPolicyFindings(report.coverage, findings) };
}

/** A time given as a duration back from now (24h, 7d) or as an RFC 3339 time. Undefined when it is neither. */
export function timeFromText(text: string, now: Date): Date | undefined {
  const trimmed = text.trim();
  if (/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    const at = Date.parse(trimmed);
    return Number.isNaN(at) ? undefined : new Date(at);
  }
  try {
    return new Date(now.getTime() - parseDuration(trimmed) * 1000);
  } catch {
    return undefined;
  }
}
