// `sa-kubeconfig migrate`: replace a long-lived token Secret (legacy, or long-lived from sa-kubeconfig) with a
// revocable, expiring credential, make before break (core/hygiene/migrate.ts): the new kubeconfig is verified and
// written first; the old Secret is deleted only with --confirm (or a "yes" at the terminal), otherwise it stays and
// the revoke command that deletes it later is printed.
import { assertValidDuration, credentialLabel } from '../../core/credentials/model';
import { revokeSelected } from '../../core/credentials/revoke';
import { findTokenSecret, MIGRATE_OLD_INTACT, migrateTokenSecret } from '../../core/hygiene/migrate';
import { defaultNamePrefix } from '../../core/kubeconfig/build';
import { parseDuration } from '../../core/plan/duration';
import { booleanFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { connectFromFlags, CONNECTION_FLAGS, OUTPUT_FLAG, outputFormat, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, stderrLogger, type CliIo } from '../io';
import {
  checkKubeconfigTarget,
  checkOutputFlags,
  describeDestination,
  destinationSummary,
  KUBECONFIG_OUTPUT_FLAGS,
  ledgerDestinations,
  messageWriter,
  writeKubeconfigOutput,
  type Destination,
} from '../kubeconfigOutput';

export const migrateCommand: Command = {
  name: 'migrate',
  summary: 'Replace a long-lived token Secret with a revocable, expiring credential (new kubeconfig first).',
  usage: 'sa-kubeconfig migrate -n NS --secret NAME [--out FILE | --merge-into FILE] [--duration 24h] [--confirm]',
  flags: [
    ...CONNECTION_FLAGS,
    {
      name: 'namespace',
      short: 'n',
      type: 'string',
      value: 'NS',
      description: "Namespace of the Secret (default: the context's).",
    },
    {
      name: 'secret',
      type: 'string',
      value: 'NAME',
      description: 'The token Secret to replace (kubernetes.io/service-account-token). Required.',
    },
    {
      name: 'service-account',
      short: 's',
      type: 'string',
      value: 'NAME',
      description: 'Check that the Secret belongs to this service account.',
    },
    {
      name: 'duration',
      short: 'd',
      type: 'string',
      value: 'DURATION',
      description: 'Lifetime of the new token (default 24h; at least 10m).',
    },
    { name: 'note', type: 'string', value: 'TEXT', description: 'A note on the new credential.' },
    {
      name: 'confirm',
      type: 'boolean',
      description: 'Delete the old Secret once the new kubeconfig is written (default: keep it, or ask at a terminal).',
    },
    {
      name: 'server',
      type: 'string',
      value: 'URL',
      description: "API server URL for the kubeconfig (default: the context's).",
    },
    {
      name: 'name-prefix',
      type: 'string',
      value: 'PREFIX',
      description: 'Name of the kubeconfig entries (default: <context>-<service account>).',
    },
    ...KUBECONFIG_OUTPUT_FLAGS,
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    'Order: the token Secret and its service account are found (metadata only), a token bound to a new Secret\n' +
    "of its own is issued (sa-kubeconfig create's pipeline: rights pre-checked, dry run), its kubeconfig is\n" +
    'verified against the cluster and written to --out/--merge-into (or stdout). Only then, with --confirm, is the\n' +
    'old Secret deleted (it stops working within about 10 seconds). Without --confirm it stays, and the command to\n' +
    'delete it after you have switched over is printed. A failure before the kubeconfig is written takes the new\n' +
    'credential back and leaves the old one untouched.\n\n' +
    'Examples:\n' +
    '  sa-kubeconfig migrate -n ci --secret deployer-token --out deployer.kubeconfig\n' +
    '  sa-kubeconfig migrate -n ci --secret deployer-token --out deployer.kubeconfig --confirm',
  run: runMigrate,
};

async function runMigrate(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags, positionals } = parsed;
  if (positionals.length > 0)
    throw new UsageError(`Unexpected argument "${positionals[0]}"; name the Secret with --secret.`);
  const secretName = stringFlag(flags, 'secret');
  if (!secretName) throw new UsageError('--secret NAME is required.');
  const format = outputFormat(flags);
  checkOutputFlags(flags, format);
  const durationSeconds = parseDuration(stringFlag(flags, 'duration') ?? '24h');
  assertValidDuration(durationSeconds);
  const server = stringFlag(flags, 'server');
  const namePrefix = stringFlag(flags, 'name-prefix');
  const note = stringFlag(flags, 'note');
  const serviceAccount = stringFlag(flags, 'service-account');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    const namespace = stringFlag(flags, 'namespace') ?? conn.namespace;
    // The account (and so the kubeconfig's entry names) comes from the Secret: found first, so that the output
    // target is checked before anything is issued.
    const found = await findTokenSecret(conn, namespace, secretName, serviceAccount, { logger, signal: io.signal });
    const prefix = namePrefix ?? defaultNamePrefix(conn.contextName, found.serviceAccount);
    await checkKubeconfigTarget(flags, {
      names: { clusters: [prefix], users: [prefix], contexts: [prefix] },
      server: server ?? conn.server,
    });
    let destination: Destination = { kind: 'stdout' };
    const result = await migrateTokenSecret(
      conn,
      {
        namespace,
        secretName,
        serviceAccount: found.serviceAccount,
        durationSeconds,
        ...(note ? { note } : {}),
        deleteOld: booleanFlag(flags, 'confirm'),
        kubeconfig: { ...(server ? { server } : {}), ...(namePrefix ? { namePrefix } : {}) },
      },
      async (fresh) => {
        destination = await writeKubeconfigOutput(flags, fresh.kubeconfigYaml, io, '');
        return ledgerDestinations(destination);
      },
      { logger, signal: io.signal },
    );
    let revokeResult = result.revokeResult;
    if (
      !revokeResult &&
      io.interactive &&
      format === 'text' &&
      destination.kind !== 'stdout' &&
      (await io.confirm(
        `The new kubeconfig is in place. Delete the old Secret "${secretName}" now ` +
          '(it stops working within about 10 seconds)?',
      ))
    ) {
      revokeResult = await revokeSelected(conn, [result.old], { logger });
    }
    const deleted = (revokeResult?.revoked.length ?? 0) > 0;
    const later = `sa-kubeconfig revoke -n ${namespace} -s ${result.serviceAccount} --secret ${secretName}`;
    const data = {
      serviceAccount: result.serviceAccount,
      credential: result.credential,
      contexts: result.contexts,
      old: result.old,
      oldDeleted: deleted,
      ...(deleted ? {} : { deleteOldWith: later }),
      failed: (revokeResult?.failed ?? []).map((f) => ({ credential: f.credential, message: f.message })),
      ...destinationSummary(destination),
      verifiedAs: result.verifiedAs ?? null,
      warnings: result.warnings,
    };
    if (format !== 'text') printResult(io, format, data, () => '');
    else {
      const c = result.credential;
      messageWriter(
        io,
        destination,
      )(
        [
          `New credential ${credentialLabel(c)} for ${namespace}/${result.serviceAccount}: ` +
            `${c.expiresAt ? `expires ${c.expiresAt}` : 'does not expire'}.`,
          ...describeDestination(destination),
          `Contexts: ${result.contexts.join(', ')}.`,
          `Verified: the cluster accepts the new token as ${result.verifiedAs}.`,
          deleted
            ? `Deleted the old Secret ${secretName}: its token stops working within about 10 seconds.`
            : `The old Secret ${secretName} still works. Once everything uses the new kubeconfig, delete it: ${later}`,
          ...(revokeResult?.failed ?? []).map(
            (f) => `Could not delete ${credentialLabel(f.credential)}: ${f.message}.`,
          ),
        ].join('\n') + '\n',
      );
    }
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    return (revokeResult?.failed.length ?? 0) > 0 ? EXIT.failure : EXIT.ok;
  } catch (err) {
    if (err instanceof Error && !err.message.includes(MIGRATE_OLD_INTACT) && !(err instanceof UsageError))
      err.message += ` ${MIGRATE_OLD_INTACT}`;
    throw err;
  } finally {
    conn.close();
  }
}
