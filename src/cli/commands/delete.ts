// `sa-kubeconfig delete`: remove everything sa-kubeconfig made for a service account, and nothing else.
import { deleteManaged, type DeleteResult } from '../../core/inventory/lifecycle';
import { describeRef } from '../../core/objects';
import { booleanFlag, type ParsedArgs } from '../args';
import {
  CONNECTION_FLAGS,
  OUTPUT_FLAG,
  outputFormat,
  SERVICE_ACCOUNT_FLAGS,
  VERBOSE_FLAG,
  withServiceAccount,
  type Command,
} from '../command';
import { EXIT, printResult, type CliIo } from '../io';

export const deleteCommand: Command = {
  name: 'delete',
  summary:
    'Delete every object sa-kubeconfig made for a service account, and the account itself if sa-kubeconfig made it.',
  usage: 'sa-kubeconfig delete -s NAME [-n NS] [--include-namespace] [--dry-run] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...SERVICE_ACCOUNT_FLAGS,
    {
      name: 'include-namespace',
      type: 'boolean',
      description: 'Also delete the namespace if sa-kubeconfig created it (deletes everything in it).',
    },
    { name: 'dry-run', type: 'boolean', description: 'Only list what would be deleted.' },
    { name: 'yes', short: 'y', type: 'boolean', description: 'Do not ask for confirmation.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    'Objects are found by their sa-kubeconfig label and annotation. Bindings go first, so the credential loses its\n' +
    'rights before anything else. Objects sa-kubeconfig did not make are never touched: ' +
    'a service account used as it is\n' +
    '(create --existing-service-account / --existing-secret) is kept, and only its Role, ' +
    'bindings and token Secret go.\n' +
    'Exit code 1 if some object could not be deleted.',
  run: runDelete,
};

function describeResult(result: DeleteResult): string {
  const verb = result.dryRun ? 'Would delete' : 'Deleted';
  return [
    result.deleted.length > 0 ? `${verb}:` : 'Nothing made by sa-kubeconfig was found for this service account.',
    ...result.deleted.map((r) => `  ${describeRef(r)}`),
    ...result.kept.map((k) => `Kept ${describeRef(k.ref)}: ${k.reason}.`),
    ...result.failed.map((f) => `FAILED to delete ${describeRef(f.ref)}: ${f.message}`),
    ...(result.incomplete.length > 0
      ? [`Not searched (Forbidden), objects may remain: ${result.incomplete.join('; ')}`]
      : []),
  ].join('\n');
}

function runDelete(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  return withServiceAccount(parsed, io, async ({ conn, namespace, serviceAccount, logger }) => {
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
    const result = await deleteManaged(
      conn,
      { ...args, dryRun: booleanFlag(flags, 'dry-run') },
      { logger, signal: io.signal },
    );
    printResult(io, outputFormat(flags), result, () => describeResult(result));
    return result.failed.length > 0 ? EXIT.failure : EXIT.ok;
  });
}
