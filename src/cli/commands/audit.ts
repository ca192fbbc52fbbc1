// `sa-kubeconfig audit`: every service account credential in a namespace (or all), its risk grade, its last use,
// its expiry, and the findings with the command that fixes each (core/hygiene). Reads a handful of lists, Secrets
// metadata only: never a token. Output: a table (default), json/yaml (one document), or a Markdown report.
import { filterReport, isClean, type AuditReport } from '../../core/hygiene/assess';
import { auditCredentials } from '../../core/hygiene/audit';
import { auditMarkdown, auditTable } from '../../core/hygiene/report';
import { GRADES, parseGrade } from '../../core/hygiene/risk';
import { booleanFlag, stringFlag, UsageError, type FlagValues, type ParsedArgs } from '../args';
import { connectFromFlags, CONNECTION_FLAGS, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, reportError, stderrLogger, type CliIo } from '../io';

const FORMATS = ['table', 'text', 'json', 'yaml', 'markdown'] as const;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'Audit service account credentials: risk, last use, expiry, findings and their remedies.',
  usage: 'sa-kubeconfig audit [-n NS | -A] [-o table|json|yaml|markdown] [--min-risk high] [--stale-days 90] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    {
      name: 'namespace',
      short: 'n',
      type: 'string',
      value: 'NS',
      description: "Audit this namespace (default: the context's).",
    },
    { name: 'all-namespaces', short: 'A', type: 'boolean', description: 'Audit every namespace.' },
    {
      name: 'output',
      short: 'o',
      type: 'string',
      value: 'FORMAT',
      choices: FORMATS,
      description: 'table (default), json, yaml, or markdown (a report for a ticket or review).',
    },
    {
      name: 'min-risk',
      type: 'string',
      value: 'GRADE',
      choices: GRADES,
      description: 'Only accounts graded at least this, or with a finding at least this severe.',
    },
    {
      name: 'stale-days',
      type: 'string',
      value: 'N',
      description: 'A legacy token unused this many days is stale (default 90).',
    },
    {
      name: 'max-age-days',
      type: 'string',
      value: 'N',
      description: 'A long-lived token older than this many days is old (default 90).',
    },
    {
      name: 'include-clean',
      type: 'boolean',
      description: 'Also list accounts with no permission, no credential and no finding.',
    },
    VERBOSE_FLAG,
  ],
  details:
    "For every service account: its credentials (legacy token Secrets with the API server's last-used and\n" +
    'invalid-since dates, the credentials sa-kubeconfig made, and the time-bound tokens issued on this machine),\n' +
    'its effective permissions (bindings naming it directly or via system:serviceaccounts, ' +
    'system:serviceaccounts:NS\n' +
    'or system:authenticated; aggregated ClusterRoles expanded), a risk grade with reasons, and findings: legacy\n' +
    'token never used / stale / invalid, long-lived token too old, no pod uses the account but a credential exists,\n' +
    'a powerful account with a credential that never expires. Each finding names its remedy command: migrate\n' +
    '(sa-kubeconfig migrate), revoke, or shrink (a create command with the risky rules left out).\n' +
    'Exit code 0 whatever was found (filter with --min-risk; read -o json in scripts).\n\n' +
    'Examples:\n' +
    '  sa-kubeconfig audit -A --min-risk high\n' +
    '  sa-kubeconfig audit -n ci -o markdown > audit-ci.md',
  run: runAudit,
};

function dayFlag(flags: FlagValues, name: string): number | undefined {
  const text = stringFlag(flags, name);
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new UsageError(`--${name} takes a whole number of days (1 or more); got "${text}".`);
  return Number(text);
}

async function runAudit(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  const format = (stringFlag(flags, 'output') ?? 'table') as (typeof FORMATS)[number];
  try {
    return await audit(parsed, io, format);
  } catch (err) {
    // A table or Markdown run reports errors as text (runCli only knows json and yaml documents).
    if (format === 'markdown' || format === 'table') return reportError(io, err, 'audit', 'text');
    throw err;
  }
}

async function audit(parsed: ParsedArgs, io: CliIo, format: (typeof FORMATS)[number]): Promise<number> {
  const { flags, positionals } = parsed;
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}".`);
  const all = booleanFlag(flags, 'all-namespaces');
  if (all && stringFlag(flags, 'namespace') !== undefined)
    throw new UsageError('Give either --namespace or --all-namespaces, not both.');
  const minText = stringFlag(flags, 'min-risk');
  const minRisk = minText !== undefined ? parseGrade(minText) : undefined;
  const staleDays = dayFlag(flags, 'stale-days');
  const maxAgeDays = dayFlag(flags, 'max-age-days');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  let report: AuditReport;
  try {
    report = await auditCredentials(
      conn,
      {
        ...(all ? {} : { namespace: stringFlag(flags, 'namespace') ?? conn.namespace }),
        thresholds: {
          ...(staleDays !== undefined ? { staleDays } : {}),
          ...(maxAgeDays !== undefined ? { maxAgeDays } : {}),
        },
      },
      { logger, signal: io.signal },
    );
  } finally {
    conn.close();
  }
  const shown = filterReport(report, {
    ...(minRisk ? { minRisk } : {}),
    includeClean: booleanFlag(flags, 'include-clean'),
  });
  const hidden = report.serviceAccounts.length - shown.serviceAccounts.length;
  if (format === 'markdown') io.stdout(auditMarkdown(shown));
  else if (format === 'json' || format === 'yaml') {
    const clean = report.serviceAccounts.filter(isClean).length;
    printResult(io, format, { ...shown, hidden, clean }, () => '');
  } else io.stdout(auditTable(shown, hidden));
  return EXIT.ok;
}
