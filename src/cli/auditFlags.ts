// The flags `usage` and `shrink` share: which audit log to read, whose requests and which time window; and the read
// itself, which needs no cluster. Every value is checked before anything is read.
import { readAuditPolicy, type AuditPolicy } from '../core/audit/policy';
import { AuditSourceError, resolveAuditSources, type AuditFilter } from '../core/audit/reader';
import { readUsageReport } from '../core/audit/report';
import type { UsageReport } from '../core/audit/usage';
import { ValidationError } from '../core/errors';
import { parseDuration } from '../core/plan/duration';
import { listFlag, stringFlag, UsageError, type FlagSpec, type FlagValues } from './args';
import type { CliIo } from './io';

export const AUDIT_FLAGS: FlagSpec[] = [
  {
    name: 'audit-log',
    short: 'f',
    type: 'string',
    repeatable: true,
    value: 'PATH',
    description:
      'kube-apiserver audit log (JSON lines): a file, a folder of rotated logs (.gz too), or - for ' +
      'standard input. Repeatable. Required.',
  },
  {
    name: 'credential',
    short: 'c',
    type: 'string',
    value: 'ID',
    description: 'Only the requests made with this credential (its id from "list", or the full jti).',
  },
  {
    name: 'since',
    type: 'string',
    value: 'TIME',
    description: 'Only requests from this time: a duration back from now (24h, 7d) or an RFC 3339 time.',
  },
  {
    name: 'until',
    type: 'string',
    value: 'TIME',
    description: 'Only requests before this time (a duration back from now, or an RFC 3339 time).',
  },
  {
    name: 'audit-policy',
    type: 'string',
    value: 'FILE',
    description:
      "The API server's audit policy (--audit-policy-file): the coverage warning then names the rules that " +
      "leave the account's requests out of the log (level None, no catch-all).",
  },
];

export const AUDIT_DETAILS = `Audit log: what kube-apiserver writes with --audit-log-path and
--audit-log-format=json (audit.k8s.io/v1 Events, one a line), at level Metadata or above for the account's
requests. Rotated files (audit-<time>.log, .gz with --audit-log-compress) are read from a folder; gzip is
recognised by its content. The log is streamed: its size does not matter. Only completed requests (stage
ResponseComplete) count. Lines that are not events are counted and reported, not fatal. Requests the audit
policy does not log (level None) cannot be shown; with --audit-policy the warning names the rules that drop them.`;

/** A --since/--until value: a duration before `now`, or an absolute time. */
export function parseTime(flag: string, text: string, now: Date): Date {
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    const at = Date.parse(text);
    if (Number.isNaN(at)) {
      throw new ValidationError([`--${flag} "${text}" is not an RFC 3339 time (e.g. 2026-12-01T08:00:00Z).`]);
    }
    return new Date(at);
  }
  try {
    return new Date(now.getTime() - parseDuration(text) * 1000);
  } catch {
    throw new ValidationError([`--${flag} "${text}" is neither a duration (24h, 7d) nor an RFC 3339 time.`]);
  }
}

export interface AuditQuery {
  sources: string[];
  filter: AuditFilter;
  /** The API server's audit policy, when given: the coverage names what it leaves out. */
  policy?: AuditPolicy;
}

/** Checks the audit flags (and that every path can be read) before anything is read or any cluster touched. */
export async function auditQueryFromFlags(flags: FlagValues, namespace: string, now = new Date()): Promise<AuditQuery> {
  const serviceAccount = stringFlag(flags, 'service-account');
  if (!serviceAccount) throw new UsageError('--service-account NAME is required.');
  const paths = listFlag(flags, 'audit-log');
  if (paths.length === 0) {
    throw new UsageError('--audit-log PATH is required (a file, a folder of rotated logs, or - for standard input).');
  }
  const sinceText = stringFlag(flags, 'since');
  const untilText = stringFlag(flags, 'until');
  const since = sinceText !== undefined ? parseTime('since', sinceText, now) : undefined;
  const until = untilText !== undefined ? parseTime('until', untilText, now) : undefined;
  if (since && until && since >= until) {
    throw new ValidationError([`--since (${since.toISOString()}) must be before --until (${until.toISOString()}).`]);
  }
  const credential = stringFlag(flags, 'credential');
  const policyFile = stringFlag(flags, 'audit-policy');
  const policy = policyFile !== undefined ? await readAuditPolicy(policyFile) : undefined;
  let sources: string[];
  try {
    sources = await resolveAuditSources(paths);
  } catch (err) {
    if (err instanceof AuditSourceError) throw new ValidationError([err.message]);
    throw err;
  }
  const filter = {
    namespace,
    serviceAccount,
    ...(credential ? { credential } : {}),
    ...(since ? { since } : {}),
    ...(until ? { until } : {}),
  };
  return { sources, filter, ...(policy ? { policy } : {}) };
}

/** Streams the log(s) and groups the account's requests. */
export async function readUsage(query: AuditQuery, io: CliIo): Promise<UsageReport> {
  try {
    const options = { ...(io.stdin ? { stdin: io.stdin } : {}), signal: io.signal };
    return await readUsageReport(query.sources, query.filter, {
      ...options,
      ...(query.policy ? { policy: query.policy } : {}),
    });
  } catch (err) {
    if (err instanceof AuditSourceError) throw new ValidationError([err.message]);
    throw err;
  }
}
