// `sa-kubeconfig revoke`: invalidate the tokens issued through Secrets by deleting those Secrets.
import { describeRef } from '../../core/apply/objects';
import { revoke } from '../../core/inventory';
import { booleanFlag, stringFlag, type ParsedArgs } from '../args';
import { CONNECTION_FLAGS, OUTPUT_FLAG, SERVICE_ACCOUNT_FLAGS, VERBOSE_FLAG, outputFormat, withServiceAccount, type Command } from '../command';
import { EXIT, printResult, type CliIo } from '../io';

export const revokeCommand: Command = {
  name: 'revoke',
  summary: 'Revoke a service account\'s long-lived token, or the time-limited tokens bound to its Secret, by deleting the Secret.',
  usage: 'sa-kubeconfig revoke -s NAME [-n NS] [--secret NAME] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...SERVICE_ACCOUNT_FLAGS,
    { name: 'secret', type: 'string', value: 'NAME', description: 'Only this token Secret (also one sa-kubeconfig did not make).' },
    { name: 'yes', short: 'y', type: 'boolean', description: 'Do not ask for confirmation.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: 'Time-limited tokens that were not bound to a Secret (--bind-to-secret) cannot be revoked before they expire;\n' +
    '"sa-kubeconfig delete" removes the service account and its bindings, which cuts them off at once.',
  run: runRevoke,
};

function runRevoke(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  return withServiceAccount(parsed, io, async ({ conn, namespace, serviceAccount, logger }) => {
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
  });
}
