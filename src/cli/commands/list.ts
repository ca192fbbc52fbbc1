// `sa-kubeconfig list`: service accounts with their bindings, rules and credentials (never a token).
// Cluster-wide lists when allowed (core/inventory/across.ts: a few requests whatever the number of namespaces),
// else namespace by namespace (listServiceAccounts); both print the same.
import { setMaxListeners } from 'node:events';

import type { Connection } from '../../core/cluster/connect';
import { listNamespaces } from '../../core/cluster/namespaces';
import { ledgerPath, readLedger } from '../../core/credentials/ledger';
import { assembleCredentials, listCredentials } from '../../core/credentials/list';
import { type Credential } from '../../core/credentials/model';
import { listInventoryAcross, type InventoryAcross } from '../../core/inventory/across';
import { type ServiceAccountInfo } from '../../core/inventory/parse';
import { listServiceAccounts, type InventoryResult } from '../../core/inventory/read';
import { formatRule } from '../../core/plan/rules';
import type { OperationOptions } from '../../core/types';
import { booleanFlag, listFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { connectFromFlags, CONNECTION_FLAGS, OUTPUT_FLAG, outputFormat, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, stderrLogger, type CliIo } from '../io';

export const listCommand: Command = {
  name: 'list',
  summary: 'List the service accounts sa-kubeconfig made (or all, with --all), with bindings, rules and credentials.',
  usage: 'sa-kubeconfig list [-n NS | --namespaces A,B | -A] [-s NAME] [--all] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    {
      name: 'namespace',
      short: 'n',
      type: 'string',
      value: 'NS',
      description: "Namespace to list (default: the context's namespace).",
    },
    { name: 'namespaces', type: 'list', value: 'A,B', description: 'Several namespaces to list.' },
    {
      name: 'all-namespaces',
      short: 'A',
      type: 'boolean',
      description:
        "Every namespace you may list (your OpenShift projects, or the context's namespace, " +
        'when listing namespaces is not allowed).',
    },
    { name: 'service-account', short: 's', type: 'string', value: 'NAME', description: 'Only this service account.' },
    { name: 'all', short: 'a', type: 'boolean', description: 'Include service accounts sa-kubeconfig did not make.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    'Each credential: its id (short jti of a bound token, or the Secret name; ' +
    '"revoke --credential ID" takes it), kind\n' +
    '(bound, long-lived, legacy, unbound), state (active, expired, superseded), created, the real expiry, ' +
    'its note, its Secret\n' +
    'and where this machine wrote it (from the local ledger, ~/.config/sa-kubeconfig/ledger.json). ' +
    'Unbound tokens are not\n' +
    'stored in the cluster: only those this machine issued are listed. Secrets are read as metadata only.',
  run: runList,
};

function describeAccount(sa: ServiceAccountInfo & { credentials: Credential[] }): string {
  const lines = [
    `${sa.namespace}/${sa.name}${sa.managed ? '' : '  (not made by sa-kubeconfig)'}` +
      `${sa.createdAt ? `  created ${sa.createdAt}` : ''}`,
  ];
  if (sa.bindings.length === 0) lines.push('  no bindings');
  for (const b of sa.bindings) {
    const where = b.namespace ? `in ${b.namespace}` : 'cluster-wide';
    const rules = b.rules
      ? b.rules.map(formatRule).join('; ') || '(no rules)'
      : `(rules unknown: ${b.rulesError ?? 'not readable'})`;
    lines.push(`  ${b.roleRef.kind} ${b.roleRef.name} ${where} via ${b.kind} ${b.name}: ${rules}`);
  }
  if (sa.credentials.length === 0) lines.push('  no credentials');
  for (const c of sa.credentials) lines.push(`  ${describeCredential(c)}`);
  return lines.join('\n');
}

const KIND_LABEL: Record<Credential['kind'], string> = {
  bound: 'bound',
  longLived: 'long-lived',
  legacy: 'legacy',
  unbound: 'unbound',
};

function describeCredential(c: Credential): string {
  const parts = [
    `credential ${c.id}`,
    KIND_LABEL[c.kind],
    c.state,
    ...(c.createdAt ? [`created ${c.createdAt}`] : []),
    c.expiresAt
      ? `expires ${c.expiresAt}`
      : c.kind === 'longLived' || c.kind === 'legacy'
        ? 'never expires'
        : 'expiry unknown',
    ...(c.secretName && c.secretName !== c.id ? [`Secret ${c.secretName}`] : []),
    ...(c.note ? [`note "${c.note}"`] : []),
    ...(c.revokeAfter && c.state === 'superseded' ? [`revoke after ${c.revokeAfter}`] : []),
    ...(c.sharedSecret ? ['made by an earlier version: every token bound to it'] : []),
    ...(!c.managed ? ['not made by sa-kubeconfig'] : []),
    ...(!c.revocable ? ['cannot be revoked before it expires'] : []),
  ];
  const where = c.destinations.map((d) =>
    d.kind === 'file' ? d.path : d.kind === 'merge' ? `${d.path}${d.context ? ` (context ${d.context})` : ''}` : d.kind,
  );
  return `${parts.join('  ')}${where.length > 0 ? `  written to ${where.join(', ')}` : ''}`;
}

interface Listing {
  results: Pick<InventoryResult, 'namespace' | 'serviceAccounts' | 'incomplete'>[];
  credentials: Credential[];
  notes: Set<string>;
}

/** The inventory from cluster-wide lists (a few requests whatever the number of namespaces), with the ledger. */
async function fromAcross(
  across: InventoryAcross,
  targets: Set<string>,
  only: string | undefined,
  server: string,
): Promise<Listing> {
  const notes = new Set<string>();
  const ledger = await readLedger(ledgerPath()).then(
    (l) => l.entries,
    (err: Error) => {
      notes.add(`The local ledger could not be read (${err.message}); where credentials were written is not shown.`);
      return [];
    },
  );
  const now = new Date();
  const serviceAccounts = across.serviceAccounts.filter((sa) => targets.has(sa.namespace));
  const namespaces = [...new Set(serviceAccounts.map((sa) => sa.namespace))];
  const credentials = namespaces.flatMap((ns) =>
    assembleCredentials(across.credentialSecrets.get(ns) ?? [], ns, only, ledger, server, now),
  );
  return { results: [{ namespace: '', serviceAccounts, incomplete: [] }], credentials, notes };
}

/** The inventory namespace by namespace: for users who may not list cluster-wide. */
async function namespaceByNamespace(
  conn: Connection,
  targets: string[],
  only: string | undefined,
  options: OperationOptions,
): Promise<Listing> {
  const results = [];
  const credentials: Credential[] = [];
  const notes = new Set<string>();
  for (const ns of targets) {
    const [inventory, listed] = await Promise.all([
      listServiceAccounts(conn, ns, options),
      listCredentials(conn, { namespace: ns, ...(only ? { serviceAccount: only } : {}) }, options),
    ]);
    results.push(inventory);
    credentials.push(...listed.credentials);
    for (const n of listed.notes) notes.add(n);
  }
  return { results, credentials, notes };
}

async function runList({ flags }: ParsedArgs, io: CliIo): Promise<number> {
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    const namespaces = listFlag(flags, 'namespaces');
    const allNamespaces = booleanFlag(flags, 'all-namespaces');
    if (allNamespaces && (namespaces.length > 0 || stringFlag(flags, 'namespace')))
      throw new UsageError('Use either --all-namespaces or -n/--namespaces, not both.');
    const all = booleanFlag(flags, 'all');
    const only = stringFlag(flags, 'service-account');
    const options = { logger, signal: io.signal };
    // A dozen lists go out together, each listening for the interrupt.
    if (io.signal) setMaxListeners(64, io.signal);
    const scope = { include: all ? ('all' as const) : ('managed' as const), serviceAccount: only };
    const given = namespaces.length > 0 ? namespaces : [stringFlag(flags, 'namespace') ?? conn.namespace];
    // -A: the namespace list and the cluster-wide lists go out together.
    const [listed, across] = await Promise.all([
      allNamespaces ? listNamespaces(conn, options) : undefined,
      listInventoryAcross(conn, allNamespaces ? scope : { ...scope, namespaces: given }, options),
    ]);
    if (listed?.note && outputFormat(flags) === 'text') io.stderr(`Note: ${listed.note}\n`);
    const targets = listed ? listed.namespaces : given;
    const { results, credentials, notes } = across
      ? await fromAcross(across, new Set(targets), only, conn.server)
      : await namespaceByNamespace(conn, targets, only, options);
    const accounts = results
      .flatMap((r) => r.serviceAccounts)
      .filter((sa) => (all || sa.managed || (only !== undefined && sa.name === only)) && (!only || sa.name === only))
      .map((sa) => ({
        ...sa,
        credentials: credentials.filter((c) => c.namespace === sa.namespace && c.serviceAccount === sa.name),
      }));
    for (const n of notes) io.stderr(`Note: ${n}\n`);
    const incomplete = results.flatMap((r) => r.incomplete.map((what) => `${r.namespace}: ${what}`));
    const source = listed
      ? { namespaceSource: listed.source, ...(listed.note ? { namespaceNote: listed.note } : {}) }
      : {};
    printResult(
      io,
      outputFormat(flags),
      { ...source, namespaces: targets, serviceAccounts: accounts, incomplete },
      () => {
        const body =
          accounts.length > 0
            ? accounts.map(describeAccount).join('\n\n')
            : `No service accounts${all ? '' : ' made by sa-kubeconfig'} in ` +
              `${targets.join(', ')}${all ? '' : ' (use --all to see every service account)'}.`;
        return incomplete.length > 0 ? `${body}\n\n${incomplete.join('\n')}` : body;
      },
    );
    return EXIT.ok;
  } finally {
    conn.close();
  }
}
