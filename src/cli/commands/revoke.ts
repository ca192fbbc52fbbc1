// `sa-kubeconfig revoke`: revoke credentials of a service account by deleting the Secret each lives in.
import { credentialLabel, type Credential } from '../../core/credentials/model';
import { revokeCredentials } from '../../core/credentials/revoke';
import { booleanFlag, listFlag, stringFlag, type ParsedArgs } from '../args';
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

export const revokeCommand: Command = {
  name: 'revoke',
  summary:
    'Revoke credentials of a service account (one, expired, superseded or all) by deleting the Secret each lives in.',
  usage: 'sa-kubeconfig revoke -s NAME [-n NS] (--credential ID... | --expired | --superseded | --all) [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...SERVICE_ACCOUNT_FLAGS,
    {
      name: 'credential',
      short: 'c',
      type: 'string',
      repeatable: true,
      value: 'ID',
      description: 'The credential to revoke: its id from "list" (short jti) or its Secret name (repeatable).',
    },
    {
      name: 'secret',
      type: 'string',
      value: 'NAME',
      description: 'Same as --credential NAME (a token Secret, also one sa-kubeconfig did not make).',
    },
    {
      name: 'expired',
      type: 'boolean',
      description: 'Expired credentials, and superseded ones whose grace period (rotate --grace) is over.',
    },
    {
      name: 'superseded',
      type: 'boolean',
      description: 'Every credential a rotation superseded (rotate --grace), grace period or not.',
    },
    {
      name: 'all',
      type: 'boolean',
      description:
        'Every credential sa-kubeconfig made for the service account (the default when nothing else is chosen).',
    },
    { name: 'yes', short: 'y', type: 'boolean', description: 'Do not ask for confirmation.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    "Deleting a credential's Secret revokes exactly that token. The API server may accept a token it has already\n" +
    'validated for about 10 seconds (its token cache), so a revoked credential stops working ' +
    'within about 10 seconds.\n' +
    'Unbound tokens (create --unbound) cannot be revoked before they expire; "sa-kubeconfig delete" removes the\n' +
    'service account, which ends them too.\n\n' +
    'Examples:\n' +
    '  sa-kubeconfig revoke -n ci -s deployer --credential 3f9a1c2b\n' +
    '  sa-kubeconfig revoke -n ci -s deployer --superseded',
  run: runRevoke,
};

function line(c: Credential): string {
  return `${credentialLabel(c)}${c.note ? ` "${c.note}"` : ''}`;
}

function runRevoke(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  const ids = [
    ...listFlag(flags, 'credential'),
    ...(stringFlag(flags, 'secret') ? [stringFlag(flags, 'secret') as string] : []),
  ];
  const chosen = ids.length > 0 || booleanFlag(flags, 'expired') || booleanFlag(flags, 'superseded');
  const selection = {
    ids,
    all: booleanFlag(flags, 'all') || !chosen,
    expired: booleanFlag(flags, 'expired'),
    superseded: booleanFlag(flags, 'superseded'),
  };
  return withServiceAccount(parsed, io, async ({ conn, namespace, serviceAccount, logger }) => {
    const what = selection.all ? 'every credential sa-kubeconfig made for' : 'the chosen credentials of';
    if (
      io.interactive &&
      !booleanFlag(flags, 'yes') &&
      !(await io.confirm(`Revoke ${what} ${namespace}/${serviceAccount} in context "${conn.contextName}"?`))
    ) {
      io.stderr('Cancelled; nothing was changed.\n');
      return EXIT.ok;
    }
    const result = await revokeCredentials(
      conn,
      { namespace, serviceAccount, selection },
      { logger, signal: io.signal },
    );
    printResult(io, outputFormat(flags), result, () =>
      [
        ...(result.revoked.length > 0
          ? [
              `Revoked ${result.revoked.length} credential(s) of ${namespace}/${serviceAccount}: ` +
                `${result.revoked.map(line).join(', ')}.`,
            ]
          : []),
        ...result.notRevocable.map(
          (c) => `Not revocable: ${line(c)} is an unbound token; it stays valid until ${c.expiresAt ?? 'it expires'}.`,
        ),
        ...result.failed.map((f) => `Failed: ${line(f.credential)}: ${f.message}`),
        ...result.notes,
      ].join('\n'),
    );
    return result.failed.length > 0 ? EXIT.failure : EXIT.ok;
  });
}
