// `sa-kubeconfig renew --credential ID`: a fresh credential in the same file or merged entry that holds credential ID
// (from the local ledger), make before break (core/credentials/renew.ts). The old credential follows rotate's
// policy: revoked once the files hold the new one, or with --grace kept working, marked superseded.
import { readLedger } from '../../core/credentials/ledger';
import { assertValidDuration } from '../../core/credentials/model';
import { findLedgerEntry, renewCredential } from '../../core/credentials/renew';
import { OLD_INTACT } from '../../core/credentials/rotate';
import { formatDuration, parseDuration } from '../../core/plan/duration';
import { booleanFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { connectFromFlags, CONNECTION_FLAGS, OUTPUT_FLAG, outputFormat, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, stderrLogger, type CliIo } from '../io';

export const renewCommand: Command = {
  name: 'renew',
  summary: 'Put a fresh credential into the kubeconfig file or merged entry that holds an expiring one.',
  usage: 'sa-kubeconfig renew --credential ID [--duration 24h] [--grace 15m] [flags]',
  flags: [
    {
      ...CONNECTION_FLAGS[0],
      description: 'Kubeconfig context to renew with (default: the context the credential was created with).',
    },
    CONNECTION_FLAGS[1],
    {
      name: 'credential',
      short: 'c',
      type: 'string',
      value: 'ID',
      description: 'The credential to renew (its id, as "sa-kubeconfig expiring" lists it). Required.',
    },
    {
      name: 'duration',
      short: 'd',
      type: 'string',
      value: 'DURATION',
      description: 'Lifetime of the new token (default: what the old one was issued with; at least 10m).',
    },
    {
      name: 'grace',
      type: 'string',
      value: 'DURATION',
      description: 'Keep the old credential working, marked superseded; "revoke --expired" revokes it after this long.',
    },
    {
      name: 'no-verify',
      type: 'boolean',
      description: 'Skip checking that the cluster accepts the new token before it is written.',
    },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    'Order (as rotate): a new token of the same service account and kind is issued (bound to a new Secret of its\n' +
    'own), verified against the cluster, written into every file that holds the old one (only those user entries\n' +
    'change; a merged file keeps its other entries and gets a backup; files stay 0600), recorded in the local\n' +
    'ledger, and only then is the old credential revoked (it stops working within about 10 seconds). With --grace\n' +
    'it keeps working, listed as superseded, until "sa-kubeconfig revoke --expired" after the grace period. If\n' +
    'anything fails before the files are written, nothing changed and the old credential is intact.\n\n' +
    'Examples:\n' +
    '  sa-kubeconfig expiring --within 3d\n' +
    '  sa-kubeconfig renew --credential 1a2b3c4d --grace 15m',
  run: runRenew,
};

async function runRenew(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags, positionals } = parsed;
  if (positionals.length > 0)
    throw new UsageError(`Unexpected argument "${positionals[0]}"; name the credential with --credential ID.`);
  const format = outputFormat(flags);
  const id = stringFlag(flags, 'credential');
  if (!id) throw new UsageError('--credential ID is required ("sa-kubeconfig expiring" lists the ids).');
  const durationText = stringFlag(flags, 'duration');
  const durationSeconds = durationText !== undefined ? parseDuration(durationText) : undefined;
  if (durationSeconds !== undefined) assertValidDuration(durationSeconds);
  const graceText = stringFlag(flags, 'grace');
  const graceSeconds = graceText !== undefined ? parseDuration(graceText) : undefined;
  const entry = findLedgerEntry((await readLedger()).entries, id);
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags({ context: entry.context, ...flags }, logger, io);
  try {
    const result = await renewCredential(
      conn,
      entry,
      {
        ...(durationSeconds ? { durationSeconds } : {}),
        ...(graceSeconds ? { graceSeconds } : {}),
        verify: !booleanFlag(flags, 'no-verify'),
      },
      { logger, signal: io.signal },
    ).catch((err: unknown) => {
      if (err instanceof Error && !err.message.includes(OLD_INTACT)) err.message += ` ${OLD_INTACT}`;
      throw err;
    });
    const revoked = result.revokeResult?.revoked ?? [];
    const failed = result.revokeResult?.failed ?? [];
    const c = result.credential;
    printResult(
      io,
      format,
      {
        renewed: entry.id,
        credential: c,
        token: result.token,
        places: result.places,
        revoked,
        failed: failed.map((f) => ({ credential: f.credential, message: f.message })),
        ...(result.revokeAfter ? { revokeAfter: result.revokeAfter } : {}),
        verifiedAs: result.verifiedAs ?? null,
        warnings: result.warnings,
      },
      () =>
        [
          `Renewed ${entry.id} of ${entry.namespace}/${entry.serviceAccount}: new credential ${c.id}, ` +
            `${c.expiresAt ? `expires ${c.expiresAt}` : 'does not expire'}.`,
          ...result.places.map(
            (p) =>
              `  ${p.path}${p.kind === 'merge' ? ` (merged; contexts ${p.contexts.join(', ')})` : ''}: ` +
              `user ${p.users.join(', ')} holds the new token (mode 0600).`,
          ),
          result.verifiedAs
            ? `Verified: the cluster accepts the new token as ${result.verifiedAs}.`
            : 'Not verified (--no-verify).',
          ...(result.revokeAfter
            ? [
                `The old credential ${entry.id} still works (superseded); ` +
                  `"sa-kubeconfig revoke --expired" revokes it from ${result.revokeAfter} ` +
                  `(grace ${formatDuration(graceSeconds ?? 0)}).`,
              ]
            : revoked.length > 0
              ? [`Revoked the old credential ${entry.id}: it stops working within about 10 seconds.`]
              : []),
          ...failed.map(
            (f) =>
              `Could not revoke ${f.credential.id}: ${f.message}. ` +
              'The files hold the new credential; revoke the old one with "sa-kubeconfig revoke".',
          ),
        ].join('\n'),
    );
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    return failed.length > 0 ? EXIT.failure : EXIT.ok;
  } finally {
    conn.close();
  }
}
