// `sa-kubeconfig rotate`: make before break. A new credential is issued, its kubeconfig verified and written where
// asked, and only then are the old credential(s) revoked (or, with --grace, marked superseded). Everything that can
// be refused is checked first (lifetime, output target); a failure before the revocation leaves the old credential
// working and says so.
import { assertValidDuration, credentialLabel } from '../../core/credentials/model';
import { OLD_INTACT, rotateCredentials } from '../../core/credentials/rotate';
import { defaultNamePrefix } from '../../core/kubeconfig/build';
import { formatDuration, parseDuration } from '../../core/plan/duration';
import { booleanFlag, exclusive, listFlag, stringFlag, type ParsedArgs } from '../args';
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

export const rotateCommand: Command = {
  name: 'rotate',
  summary: "Replace a service account's credential(s) with a new one, make before break, and write the new kubeconfig.",
  usage: 'sa-kubeconfig rotate -s NAME [-n NS] [--duration 24h] [--grace 15m] [--out FILE | --merge-into FILE] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...SERVICE_ACCOUNT_FLAGS,
    {
      name: 'duration',
      short: 'd',
      type: 'string',
      value: 'DURATION',
      description: 'Lifetime of the new token (default 24h; at least 10m).',
    },
    {
      name: 'long-lived',
      type: 'boolean',
      description: 'Make the new credential a long-lived token Secret (default: as the old ones were).',
    },
    {
      name: 'note',
      type: 'string',
      value: 'TEXT',
      description: 'A note on the new credential, e.g. "github-actions deploy".',
    },
    {
      name: 'credential',
      short: 'c',
      type: 'string',
      repeatable: true,
      value: 'ID',
      description:
        'Replace only this credential (id or Secret name; repeatable). Default: every active one sa-kubeconfig made.',
    },
    {
      name: 'grace',
      type: 'string',
      value: 'DURATION',
      description:
        'Keep the old credential(s) working, marked superseded; "revoke --expired" revokes them after this long.',
    },
    {
      name: 'namespaces',
      type: 'list',
      value: 'A,B',
      description: 'Contexts for these namespaces (default: where its RoleBindings are).',
    },
    {
      name: 'server',
      type: 'string',
      value: 'URL',
      description: "API server URL for the kubeconfig (default: the context's).",
    },
    { name: 'insecure', type: 'boolean', description: 'Turn TLS verification off in the kubeconfig. Avoid.' },
    {
      name: 'name-prefix',
      type: 'string',
      value: 'PREFIX',
      description: 'Name of the kubeconfig entries (default: <context>-<service account>).',
    },
    ...KUBECONFIG_OUTPUT_FLAGS,
    {
      name: 'no-verify',
      type: 'boolean',
      description: 'Skip checking that the cluster accepts the new token before the old one is revoked.',
    },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    'Order: the new credential is issued (a token bound to a new Secret of its own), verified, written to --out/\n' +
    '--merge-into (or stdout), and only then are the old credential(s) revoked: they stop working within about 10\n' +
    "seconds (the API server's token cache). If anything fails before that, the old credential is intact and the\n" +
    'error says so. With --grace the old ones keep working and are listed as superseded; "sa-kubeconfig revoke\n' +
    '--superseded" (any time) or "--expired" (after the grace period) revokes them.\n\n' +
    'Examples:\n' +
    '  sa-kubeconfig rotate -n ci -s deployer --out ci.kubeconfig\n' +
    '  sa-kubeconfig rotate -n ci -s deployer --grace 15m --merge-into ~/.kube/config --on-conflict overwrite',
  run: runRotate,
};

async function runRotate(parsed: ParsedArgs, io: CliIo): Promise<number> {
  try {
    return await rotateChecked(parsed, io);
  } catch (err) {
    // Everything that throws out of here happened before the old credential was revoked.
    if (err instanceof Error && !err.message.includes(OLD_INTACT)) err.message += ` ${OLD_INTACT}`;
    throw err;
  }
}

async function rotateChecked(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  const format = outputFormat(flags);
  checkOutputFlags(flags, format);
  exclusive(flags, ['long-lived', 'duration']);
  const durationSeconds = parseDuration(stringFlag(flags, 'duration') ?? '24h');
  assertValidDuration(durationSeconds);
  const graceText = stringFlag(flags, 'grace');
  const graceSeconds = graceText !== undefined ? parseDuration(graceText) : undefined;
  const namespaces = listFlag(flags, 'namespaces');
  const server = stringFlag(flags, 'server');
  const namePrefix = stringFlag(flags, 'name-prefix');
  const note = stringFlag(flags, 'note');
  const credentialIds = listFlag(flags, 'credential');
  return withServiceAccount(parsed, io, async ({ conn, namespace, serviceAccount, logger }) => {
    const prefix = namePrefix ?? defaultNamePrefix(conn.contextName, serviceAccount);
    await checkKubeconfigTarget(flags, {
      names: { clusters: [prefix], users: [prefix], contexts: [prefix] },
      server: server ?? conn.server,
    });
    let destination: Destination = { kind: 'stdout' };
    const result = await rotateCredentials(
      conn,
      {
        namespace,
        serviceAccount,
        durationSeconds,
        ...(booleanFlag(flags, 'long-lived') ? { kind: 'longLived' as const } : {}),
        ...(note ? { note } : {}),
        ...(credentialIds.length > 0 ? { credentialIds } : {}),
        ...(graceSeconds ? { graceSeconds } : {}),
        ...(namespaces.length > 0 ? { namespaces } : {}),
        verify: !booleanFlag(flags, 'no-verify'),
        kubeconfig: {
          ...(server ? { server } : {}),
          ...(booleanFlag(flags, 'insecure') ? { insecureSkipTlsVerify: true } : {}),
          ...(namePrefix ? { namePrefix } : {}),
        },
      },
      async (fresh) => {
        destination = await writeKubeconfigOutput(flags, fresh.kubeconfigYaml, io, '');
        return ledgerDestinations(destination);
      },
      { logger, signal: io.signal },
    );
    const revoked = result.revokeResult?.revoked ?? [];
    const failed = result.revokeResult?.failed ?? [];
    const data = {
      credential: result.credential,
      token: result.token,
      contexts: result.contexts,
      replaced: result.replaced,
      revoked,
      failed: failed.map((f) => ({ credential: f.credential, message: f.message })),
      ...(result.revokeAfter ? { revokeAfter: result.revokeAfter } : {}),
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
          `New credential ${credentialLabel(c)} for ${namespace}/${serviceAccount}: ` +
            `${c.expiresAt ? `expires ${c.expiresAt}` : 'does not expire'}.`,
          ...describeDestination(destination),
          `Contexts: ${result.contexts.join(', ')}.`,
          result.verifiedAs
            ? `Verified: the cluster accepts the new token as ${result.verifiedAs}.`
            : 'Not verified (--no-verify).',
          ...(result.revokeAfter
            ? [
                `Superseded (still working): ${result.replaced.map(credentialLabel).join(', ') || 'none'}; ` +
                  '"sa-kubeconfig revoke --superseded" revokes them, ' +
                  `"--expired" from ${result.revokeAfter} (grace ${formatDuration(graceSeconds ?? 0)}).`,
              ]
            : revoked.length > 0
              ? [
                  `Revoked the old credential(s) ${revoked.map(credentialLabel).join(', ')}: ` +
                    'they stop working within about 10 seconds.',
                ]
              : []),
          ...failed.map(
            (f) =>
              `Could not revoke ${credentialLabel(f.credential)}: ${f.message}. ` +
              'The new credential is in place; revoke the old one with "sa-kubeconfig revoke".',
          ),
        ].join('\n') + '\n',
      );
    }
    for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
    return failed.length > 0 ? EXIT.failure : EXIT.ok;
  });
}
