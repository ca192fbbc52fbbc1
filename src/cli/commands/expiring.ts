// `sa-kubeconfig expiring`: the credentials this machine wrote into kubeconfig files (the local ledger) that expire
// within a window and are still in those files. Reads only local files: no cluster, no token printed. Exit code 1
// when something expires inside the window, so that a cron job or CI step can alert.
import {
  DEFAULT_EXPIRY_WINDOW_SECONDS,
  describeExpiresIn,
  describePlaces,
  findExpiring,
  type WatchedCredential,
} from '../../core/credentials/expiry';
import { formatDuration, parseDuration } from '../../core/plan/duration';
import { stringFlag, UsageError, type ParsedArgs } from '../args';
import { OUTPUT_FLAG, outputFormat, type Command } from '../command';
import { EXIT, printResult, table, type CliIo } from '../io';

export const expiringCommand: Command = {
  name: 'expiring',
  summary: 'List the credentials in kubeconfig files written here that expire soon; exit code 1 if any do.',
  usage: 'sa-kubeconfig expiring [--within 7d] [-o json]',
  flags: [
    {
      name: 'within',
      type: 'string',
      value: 'DURATION',
      description: 'The window: credentials expiring within this long from now (default 7d).',
    },
    OUTPUT_FLAG,
  ],
  details:
    'Reads the local ledger (where sa-kubeconfig wrote each credential: --out files and --merge-into entries) and\n' +
    "each of those files: a credential counts only while a file still holds it (its token's id is compared; no\n" +
    'token is printed). Already expired credentials still in a file are listed apart and do not change the exit\n' +
    'code.\n' +
    '"sa-kubeconfig renew --credential ID" puts a fresh credential into the same file or merged entry.\n\n' +
    'Exit code: 0 when nothing expires within the window, 1 when something does, 2 for a bad flag.\n\n' +
    'Example (a daily cron job):\n' +
    '  sa-kubeconfig expiring --within 3d || notify-send "kubeconfig credentials expire soon"',
  run: runExpiring,
};

function json(c: WatchedCredential) {
  const e = c.entry;
  return {
    id: e.id,
    kind: e.kind,
    context: e.context,
    server: e.server,
    namespace: e.namespace,
    serviceAccount: e.serviceAccount,
    ...(e.note ? { note: e.note } : {}),
    issuedAt: e.issuedAt,
    expiresAt: c.expiresAt,
    expiresInSeconds: c.expiresInSeconds,
    places: c.places,
  };
}

function rows(list: WatchedCredential[]): string[][] {
  return [
    ['CONTEXT', 'SERVICE ACCOUNT', 'ID', 'EXPIRES', 'WHERE'],
    ...list.map((c) => [
      c.entry.context,
      `${c.entry.namespace}/${c.entry.serviceAccount}`,
      c.entry.id,
      `${c.expiresAt} (${describeExpiresIn(c.expiresInSeconds)})`,
      describePlaces(c.places),
    ]),
  ];
}

async function runExpiring(parsed: ParsedArgs, io: CliIo): Promise<number> {
  if (parsed.positionals.length > 0) throw new UsageError(`Unexpected argument "${parsed.positionals[0]}".`);
  const format = outputFormat(parsed.flags);
  const within = stringFlag(parsed.flags, 'within');
  const withinSeconds = within !== undefined ? parseDuration(within) : DEFAULT_EXPIRY_WINDOW_SECONDS;
  const report = await findExpiring(withinSeconds);
  const window = formatDuration(withinSeconds);
  printResult(
    io,
    format,
    {
      now: report.now,
      within: window,
      withinSeconds,
      expiring: report.expiring.map(json),
      expired: report.expired.map(json),
    },
    () =>
      [
        report.expiring.length === 0
          ? `No credential in a kubeconfig file written here expires within ${window}.`
          : `${report.expiring.length} credential(s) expire within ${window}:\n${table(rows(report.expiring))}`,
        ...(report.expired.length > 0 ? [`\nAlready expired, still in a file:\n${table(rows(report.expired))}`] : []),
        ...(report.expiring.length > 0 ? ['\nRenew one with "sa-kubeconfig renew --credential ID".'] : []),
      ].join('\n'),
  );
  return report.expiring.length > 0 ? EXIT.failure : EXIT.ok;
}
