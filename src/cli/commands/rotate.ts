// `sa-kubeconfig rotate`: a new token (and kubeconfig) for a service account sa-kubeconfig made.
import { rotate, type RotateResult } from '../../core/inventory/inventory';
import { parseDuration } from '../../core/plan/duration';
import { verifyKubeconfig } from '../../core/verify/verify';
import { booleanFlag, listFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { CONNECTION_FLAGS, OUTPUT_FLAG, VERBOSE_FLAG, connectFromFlags, outputFormat, type Command } from '../command';
import { EXIT, printResult, stderrLogger, VerificationFailedError, type CliIo } from '../io';
import { KUBECONFIG_OUTPUT_FLAGS, checkOutputFlags, describeDestination, destinationSummary, messageWriter, writeKubeconfigOutput } from '../kubeconfigOutput';

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 'Issue a new token for a service account sa-kubeconfig made, and write a new kubeconfig.',
  usage: 'sa-kubeconfig rotate -s NAME [-n NS] [--duration 24h] [--out FILE | --merge-into FILE] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    { name: 'namespace', short: 'n', type: 'string', value: 'NS', description: 'Namespace of the service account (default: the context\'s).' },
    { name: 'service-account', short: 's', type: 'string', value: 'NAME', description: 'The service account. Required.' },
    { name: 'duration', short: 'd', type: 'string', value: 'DURATION', description: 'Lifetime of a new time-limited token (default 24h).' },
    { name: 'namespaces', type: 'list', value: 'A,B', description: 'Contexts for these namespaces (default: where its RoleBindings are).' },
    { name: 'server', type: 'string', value: 'URL', description: 'API server URL for the kubeconfig (default: the context\'s).' },
    { name: 'insecure', type: 'boolean', description: 'Turn TLS verification off in the kubeconfig. Avoid.' },
    { name: 'name-prefix', type: 'string', value: 'PREFIX', description: 'Name of the kubeconfig entries (default: <context>-<service account>).' },
    ...KUBECONFIG_OUTPUT_FLAGS,
    { name: 'no-verify', type: 'boolean', description: 'Skip checking that the cluster accepts the new token.' },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: 'A long-lived token Secret, or the Secret time-limited tokens are bound to, is deleted and made again, which\n' +
    'revokes the old token(s). Unbound time-limited tokens stay valid until they expire.',
  run: runRotate,
};

async function runRotate({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`Unexpected argument "${positionals[0]}"; name the service account with -s.`);
  const serviceAccount = stringFlag(flags, 'service-account');
  if (!serviceAccount) throw new UsageError('--service-account NAME is required.');
  const format = outputFormat(flags);
  checkOutputFlags(flags, format);
  const durationSeconds = parseDuration(stringFlag(flags, 'duration') ?? '24h');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  const namespace = stringFlag(flags, 'namespace') ?? conn.namespace;
  let result: RotateResult;
  try {
    const namespaces = listFlag(flags, 'namespaces');
    const server = stringFlag(flags, 'server');
    const namePrefix = stringFlag(flags, 'name-prefix');
    result = await rotate(conn, {
      namespace,
      serviceAccount,
      durationSeconds,
      ...(namespaces.length > 0 ? { namespaces } : {}),
      kubeconfig: {
        ...(server ? { server } : {}),
        ...(booleanFlag(flags, 'insecure') ? { insecureSkipTlsVerify: true } : {}),
        ...(namePrefix ? { namePrefix } : {}),
      },
    }, { logger, signal: io.signal });
  } finally {
    conn.close();
  }
  const destination = await writeKubeconfigOutput(flags, result.kubeconfigYaml, io);
  // The rules were checked when the account was created; here it matters that the cluster accepts the new token.
  const verification = booleanFlag(flags, 'no-verify')
    ? undefined
    : await verifyKubeconfig(result.kubeconfigYaml, { namespaces: [namespace], rules: [], hasRoleRefs: true }, { logger, signal: io.signal });
  const data = { token: result.token, contexts: result.contexts, replacedSecrets: result.replacedSecrets, warnings: result.warnings, ...destinationSummary(destination), verifiedAs: verification?.whoami?.username ?? null };
  if (format !== 'text') printResult(io, format, data, () => '');
  else {
    const t = result.token;
    messageWriter(io, destination)([
      `New token for ${serviceAccount}: ${t.expiresAt ? `expires ${t.expiresAt}` : `does not expire (Secret ${t.secretName})`}.`,
      ...(result.replacedSecrets.length > 0 ? [`Replaced Secret(s) ${result.replacedSecrets.join(', ')}: the old token(s) no longer work.`] : []),
      ...describeDestination(destination),
      `Contexts: ${result.contexts.join(', ')}.`,
      verification ? `Verified: the cluster accepts the new token${verification.whoami ? ` as ${verification.whoami.username}` : ''}.` : 'Not verified (--no-verify).',
    ].join('\n') + '\n');
  }
  for (const w of result.warnings) io.stderr(`warning: ${w}\n`);
  if (verification && !verification.ok) throw new VerificationFailedError('The cluster does not accept the new token as expected.');
  return EXIT.ok;
}
