// `sa-kubeconfig list`: service accounts with their bindings, rules and token Secrets.
import { listServiceAccounts, type ServiceAccountInfo } from '../../core/inventory';
import { formatRule } from '../../core/plan/rules';
import { listNamespaces } from '../../core/cluster/namespaces';
import { booleanFlag, listFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { CONNECTION_FLAGS, OUTPUT_FLAG, VERBOSE_FLAG, connectFromFlags, outputFormat, type Command } from '../command';
import { EXIT, printResult, stderrLogger, type CliIo } from '../io';

export const listCommand: Command = {
  name: 'list',
  summary: 'List the service accounts sa-kubeconfig made (or all, with --all), with bindings, rules and token Secrets.',
  usage: 'sa-kubeconfig list [-n NS | --namespaces A,B | -A] [--all] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'Namespace to list (default: the context\'s namespace).' },
    { name: 'namespaces', type: 'list', value: 'A,B', description: 'Several namespaces to list.' },
    { name: 'all-namespaces', short: 'A', type: 'boolean', description: 'Every namespace you may list (your OpenShift projects, or the context\'s namespace, when listing namespaces is not allowed).' },
    { name: 'all', short: 'a', type: 'boolean', description: 'Include service accounts sa-kubeconfig did not make.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: 'Time-limited tokens are not stored anywhere, so only token Secrets (long-lived, or the Secret tokens are bound to) are listed.',
  run: runList,
};

function describeAccount(sa: ServiceAccountInfo): string {
  const lines = [`${sa.namespace}/${sa.name}${sa.managed ? '' : '  (not made by sa-kubeconfig)'}${sa.createdAt ? `  created ${sa.createdAt}` : ''}`];
  if (sa.bindings.length === 0) lines.push('  no bindings');
  for (const b of sa.bindings) {
    const where = b.namespace ? `in ${b.namespace}` : 'cluster-wide';
    const rules = b.rules ? b.rules.map(formatRule).join('; ') || '(no rules)' : `(rules unknown: ${b.rulesError ?? 'not readable'})`;
    lines.push(`  ${b.roleRef.kind} ${b.roleRef.name} ${where} via ${b.kind} ${b.name}: ${rules}`);
  }
  for (const s of sa.tokenSecrets) {
    const what = s.role === 'longLived' ? `long-lived token${!s.populated ? ' (not filled yet)' : ''}` : 'binding Secret for time-limited tokens';
    lines.push(`  Secret ${s.name}: ${what}${s.managed ? '' : ' (not made by sa-kubeconfig)'}`);
  }
  return lines.join('\n');
}

async function runList({ flags }: ParsedArgs, io: CliIo): Promise<number> {
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    const namespaces = listFlag(flags, 'namespaces');
    const allNamespaces = booleanFlag(flags, 'all-namespaces');
    if (allNamespaces && (namespaces.length > 0 || stringFlag(flags, 'namespace'))) throw new UsageError('Use either --all-namespaces or -n/--namespaces, not both.');
    const listed = allNamespaces ? await listNamespaces(conn, { logger, signal: io.signal }) : undefined;
    if (listed?.note && outputFormat(flags) === 'text') io.stderr(`Note: ${listed.note}\n`);
    const targets = listed ? listed.namespaces : namespaces.length > 0 ? namespaces : [stringFlag(flags, 'namespace') ?? conn.namespace];
    const all = booleanFlag(flags, 'all');
    const results = [];
    for (const ns of targets) results.push(await listServiceAccounts(conn, ns, { logger, signal: io.signal }));
    const accounts = results.flatMap((r) => r.serviceAccounts).filter((sa) => all || sa.managed);
    const incomplete = results.flatMap((r) => r.incomplete.map((what) => `${r.namespace}: ${what}`));
    const source = listed ? { namespaceSource: listed.source, ...(listed.note ? { namespaceNote: listed.note } : {}) } : {};
    printResult(io, outputFormat(flags), { ...source, namespaces: targets, serviceAccounts: accounts, incomplete }, () => {
      const body = accounts.length > 0
        ? accounts.map(describeAccount).join('\n\n')
        : `No service accounts${all ? '' : ' made by sa-kubeconfig'} in ${targets.join(', ')}${all ? '' : ' (use --all to see every service account)'}.`;
      return incomplete.length > 0 ? `${body}\n\n${incomplete.join('\n')}` : body;
    });
    return EXIT.ok;
  } finally {
    conn.close();
  }
}
