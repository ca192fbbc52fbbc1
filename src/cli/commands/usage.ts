// `sa-kubeconfig usage`: what a service account (or one of its credentials) did, read from the API server's audit
// log: requests by verb, resource, namespace and object, the denied ones apart, and what the log covers. Reads files
// only; no cluster is contacted.
import { serviceAccountUsername } from '../../core/audit/reader';
import type { Coverage, NonResourceGroup, UsageGroup, UsageReport } from '../../core/audit/usage';
import { stringFlag, UsageError, type ParsedArgs } from '../args';
import { AUDIT_DETAILS, AUDIT_FLAGS, auditQueryFromFlags, readUsage } from '../auditFlags';
import { OUTPUT_FLAG, outputFormat, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, table, type CliIo } from '../io';

export const usageCommand: Command = {
  name: 'usage',
  summary: "Show what a service account (or one credential) did, from the API server's audit log; denials apart.",
  usage: 'sa-kubeconfig usage -n NS -s NAME --audit-log PATH... [--credential ID] [--since 24h] [flags]',
  flags: [
    { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'Namespace of the account. Required.' },
    { name: 'service-account', short: 's', type: 'string', value: 'NAME', description: 'The account. Required.' },
    ...AUDIT_FLAGS,
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: `${AUDIT_DETAILS}

Requests are grouped by verb, API group, resource, subresource, namespace and object name, with counts, first and
last seen, source IPs and user agents. Denied: RBAC's decision was "forbid" (or the answer was 403 without a
decision). "shrink" turns the allowed ones into the least rules.

Examples:
  sa-kubeconfig usage -n ci -s deployer --audit-log /var/log/kubernetes/audit/ --since 7d
  zcat audit-*.log.gz | sa-kubeconfig usage -n ci -s deployer --audit-log - -o json`,
  run: runUsage,
};

async function runUsage({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length > 0) {
    throw new UsageError(`Unexpected argument "${positionals[0]}"; give the log with --audit-log.`);
  }
  const namespace = stringFlag(flags, 'namespace');
  if (!namespace) {
    throw new UsageError('--namespace NS is required (the audit log names the account by namespace and name).');
  }
  const query = await auditQueryFromFlags(flags, namespace);
  const report = await readUsage(query, io);
  const format = outputFormat(flags);
  printResult(io, format, report, () => describeUsage(report));
  if (format === 'text') for (const w of report.coverage.warnings) io.stderr(`warning: ${w}\n`);
  return EXIT.ok;
}

function resourceOf(g: Pick<UsageGroup, 'apiGroup' | 'resource' | 'subresource'>): string {
  return `${g.resource}${g.apiGroup ? `.${g.apiGroup}` : ''}${g.subresource ? `/${g.subresource}` : ''}`;
}

function groupTable(groups: UsageGroup[]): string {
  const rows = [
    ['COUNT', 'VERB', 'RESOURCE', 'NAMESPACE', 'NAME', 'FIRST SEEN', 'LAST SEEN', 'SOURCE IPS', 'USER AGENTS'],
  ];
  for (const g of groups) {
    rows.push([
      String(g.count),
      g.verb,
      resourceOf(g),
      g.namespace ?? '(cluster)',
      g.name ?? '',
      g.firstSeen.slice(0, 19),
      g.lastSeen.slice(0, 19),
      g.sourceIPs.join(','),
      g.userAgents.map((a) => a.split(' ')[0]).join(','),
    ]);
  }
  return table(rows)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function nonResourceTable(groups: NonResourceGroup[]): string {
  const rows = [
    ['COUNT', 'VERB', 'PATH', 'DENIED', 'LAST SEEN'],
    ...groups.map((g) => [String(g.count), g.verb, g.path, String(g.denied), g.lastSeen.slice(0, 19)]),
  ];
  return table(rows)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

const total = (groups: { count: number }[]) => groups.reduce((n, g) => n + g.count, 0);

/** The coverage lines every audit report starts with. */
export function describeCoverage(c: Coverage): string[] {
  const skipped = [
    `${c.otherUsers} of other users`,
    ...Object.entries(c.skippedStages).map(([stage, n]) => `${n} at stage ${stage}`),
    ...(c.outsideWindow > 0 ? [`${c.outsideWindow} outside --since/--until`] : []),
    ...(c.otherCredential > 0 ? [`${c.otherCredential} of other credentials`] : []),
    ...(c.unparseable > 0 ? [`${c.unparseable} unparseable`] : []),
  ];
  const asked = c.since || c.until ? ` (asked: ${c.since ?? 'start'} to ${c.until ?? 'end'})` : '';
  return [
    `Read ${c.lines} line(s) from ${c.files.join(', ')}: ${c.matched} completed request(s) matched; ` +
      `skipped ${skipped.join(', ')}.`,
    `The log covers ${c.logFirst ?? '?'} to ${c.logLast ?? '?'}${asked}; ` +
      (c.firstRequest ? `the matched requests ${c.firstRequest} to ${c.lastRequest}.` : 'no request matched.'),
    `Audit levels seen: ${
      Object.entries(c.levels)
        .map(([l, n]) => `${l} ${n}`)
        .join(', ') || 'none'
    }.`,
  ];
}

export function describeUsage(r: UsageReport): string {
  const credential = r.credential ? ` (credential ${r.credential})` : '';
  const who = `${serviceAccountUsername(r.namespace, r.serviceAccount)}${credential}`;
  const lines = [`Usage of ${who}`, ...describeCoverage(r.coverage)];
  const creds = Object.entries(r.credentials);
  if (creds.length > 0) lines.push(`Credentials used: ${creds.map(([id, n]) => `${id} (${n})`).join(', ')}.`);
  lines.push('', `Allowed: ${total(r.allowed)} request(s) in ${r.allowed.length} group(s)`);
  if (r.allowed.length > 0) lines.push(groupTable(r.allowed));
  const lacked = r.denied.length > 0 ? ': what it tried and lacked' : '';
  lines.push('', `Denied: ${total(r.denied)} request(s) in ${r.denied.length} group(s)${lacked}`);
  if (r.denied.length > 0) lines.push(groupTable(r.denied));
  if (r.nonResource.length > 0) {
    lines.push(
      '',
      'Non-resource URLs (discovery, /version; every authenticated user may read them): ' +
        `${total(r.nonResource)} request(s)`,
      nonResourceTable(r.nonResource),
    );
  }
  return lines.join('\n');
}
