// `sa-kubeconfig delete`: remove everything sa-kubeconfig made for a service account, and nothing else.
import { describeRef } from '../../core/apply/objects';
import { deleteManaged, type DeleteResult } from '../../core/inventory/inventory';
import { booleanFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { CONNECTION_FLAGS, OUTPUT_FLAG, VERBOSE_FLAG, connectFromFlags, outputFormat, type Command } from '../command';
import { EXIT, printResult, stderrLogger, type CliIo } from '../io';

export const deleteCommand: Command = {
  name: 'delete',
  summary: 'Delete the service account and every object sa-kubeconfig made for it (found by its label and annotation).',
  usage: 'sa-kubeconfig delete -s NAME [-n NS] [--include-namespace] [--dry-run] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'Namespace of the service account (default: the context\'s).' },
    { name: 'service-account', short: 's', type: 'string', value: 'NAME', description: 'The service account. Required.' },
    { name: 'include-namespace', type: 'boolean', description: 'Also delete the namespace if sa-kubeconfig created it (deletes everything in it).' },
    { name: 'dry-run', type: 'boolean', description: 'Only list what would be deleted.' },
    { name: 'yes', short: 'y', type: 'boolean', description: 'Do not ask for confirmation.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: 'Bindings go first, so the credential loses its rights before anything else. Objects of the same names that\n' +
    'sa-kubeconfig did not make are never touched. Exit code 1 if some object could not be deleted.',
  run: runDelete,
};

function describeResult(result: DeleteResult): string {
  const verb = result.dryRun ? 'Would delete' : 'Deleted';
  return [
    result.deleted.length > 0 ? `${verb}:` : 'Nothing made by sa-kubeconfig was found for this service account.',
    ...result.deleted.map((r) => `  ${describeRef(r)}`),
    ...result.kept.map((k) => `Kept ${describeRef(k.ref)}: ${k.reason}.`),
    ...result.failed.map((f) => `FAILED to delete ${describeRef(f.ref)}: ${f.message}`),
    ...(result.incomplete.length > 0 ? [`Not searched (Forbidden), objects may remain: ${result.incomplete.join('; ')}`] : []),
  ].join('\n');
}

async function runDelete({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"; name the service account with -s.`);
  const serviceAccount = stringFlag(flags, 'service-account');
  if (!serviceAccount) throw new UsageError('--service-account NAME is required.');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    const namespace = stringFlag(flags, 'namespace') ?? conn.namespace;
    const args = { namespace, serviceAccount, includeNamespace: booleanFlag(flags, 'include-namespace') };
    if (!booleanFlag(flags, 'dry-run') && io.interactive && !booleanFlag(flags, 'yes')) {
      const preview = await deleteManaged(conn, { ...args, dryRun: true }, { logger, signal: io.signal });
      io.stderr(`${describeResult(preview)}\n`);
      if (preview.deleted.length === 0) return EXIT.ok;
      if (!(await io.confirm(`Delete these objects in context "${conn.contextName}"?`))) {
        io.stderr('Cancelled; nothing was changed.\n');
        return EXIT.ok;
      }
    }
    const result = await deleteManaged(conn, { ...args, dryRun: booleanFlag(flags, 'dry-run') }, { logger, signal: io.signal });
    printResult(io, outputFormat(flags), result, () => describeResult(result));
    return result.failed.length > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    conn.close();
  }
}
