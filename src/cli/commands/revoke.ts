// `sa-kubeconfig revoke`: invalidate the tokens issued through Secrets by deleting those Secrets.
import { describeRef } from '../../core/apply/objects';
import { revoke } from '../../core/inventory/inventory';
import { booleanFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { CONNECTION_FLAGS, OUTPUT_FLAG, VERBOSE_FLAG, connectFromFlags, outputFormat, type Command } from '../command';
import { EXIT, printResult, stderrLogger, type CliIo } from '../io';

export const revokeCommand: Command = {
  name: 'revoke',
  summary: 'Revoke a service account\'s long-lived token, or the time-limited tokens bound to its Secret, by deleting the Secret.',
  usage: 'sa-kubeconfig revoke -s NAME [-n NS] [--secret NAME] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'Namespace of the service account (default: the context\'s).' },
    { name: 'service-account', short: 's', type: 'string', value: 'NAME', description: 'The service account. Required.' },
    { name: 'secret', type: 'string', value: 'NAME', description: 'Only this token Secret (also one sa-kubeconfig did not make).' },
    { name: 'yes', short: 'y', type: 'boolean', description: 'Do not ask for confirmation.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: 'Time-limited tokens that were not bound to a Secret (--bind-to-secret) cannot be revoked before they expire;\n' +
    '"sa-kubeconfig delete" removes the service account and its bindings, which cuts them off at once.',
  run: runRevoke,
};

async function runRevoke({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"; name the service account with -s.`);
  const serviceAccount = stringFlag(flags, 'service-account');
  if (!serviceAccount) throw new UsageError('--service-account NAME is required.');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    const namespace = stringFlag(flags, 'namespace') ?? conn.namespace;
    if (io.interactive && !booleanFlag(flags, 'yes')
      && !(await io.confirm(`Revoke the token Secrets of ${namespace}/${serviceAccount} in context "${conn.contextName}"?`))) {
      io.stderr('Cancelled; nothing was changed.\n');
      return EXIT.ok;
    }
    const secret = stringFlag(flags, 'secret');
    const result = await revoke(conn, { namespace, serviceAccount, ...(secret ? { secretName: secret } : {}) }, { logger, signal: io.signal });
    printResult(io, outputFormat(flags), result, () => [
      ...(result.deleted.length > 0
        ? [`Revoked: deleted ${result.deleted.map(describeRef).join(', ')}.`,
          'The API server caches accepted tokens briefly, so the revoked token may keep working for about 10 more seconds.']
        : ['Nothing to revoke.']),
      ...result.notes.map((n) => `Note: ${n}`),
    ].join('\n'));
    return EXIT.ok;
  } finally {
    conn.close();
  }
}
