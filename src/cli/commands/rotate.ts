// `sa-kubeconfig rotate`: a new token (and kubeconfig) for a service account sa-kubeconfig made.
import { rotate } from '../../core/inventory';
import { parseDuration } from '../../core/plan/duration';
import { verifyKubeconfig } from '../../core/verify/verify';
import { booleanFlag, listFlag, stringFlag, type ParsedArgs } from '../args';
import { CONNECTION_FLAGS, OUTPUT_FLAG, SERVICE_ACCOUNT_FLAGS, VERBOSE_FLAG, outputFormat, withServiceAccount, type Command } from '../command';
import { EXIT, printResult, stderrLogger, VerificationFailedError, type CliIo } from '../io';
import { KUBECONFIG_OUTPUT_FLAGS, checkOutputFlags, describeDestination, destinationSummary, messageWriter, writeKubeconfigOutput } from '../kubeconfigOutput';

export const rotateCommand: Command = {
  name: 'rotate',
  summary: 'Issue a new token for a service account sa-kubeconfig made, and write a new kubeconfig.',
  usage: 'sa-kubeconfig rotate -s NAME [-n NS] [--duration 24h] [--out FILE | --merge-into FILE] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...SERVICE_ACCOUNT_FLAGS,
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

async function runRotate(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  const format = outputFormat(flags);
  checkOutputFlags(flags, format);
  const durationSeconds = parseDuration(stringFlag(flags, 'duration') ?? '24h');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const namespaces = listFlag(flags, 'namespaces');
  const server = stringFlag(flags, 'server');
  const namePrefix = stringFlag(flags, 'name-prefix');
  const { namespace, serviceAccount, result } = await withServiceAccount(parsed, io, async (t) => ({
    namespace: t.namespace,
    serviceAccount: t.serviceAccount,
    result: await rotate(t.conn, {
      namespace: t.namespace,
      serviceAccount: t.serviceAccount,
      durationSeconds,
      ...(namespaces.length > 0 ? { namespaces } : {}),
      kubeconfig: {
        ...(server ? { server } : {}),
        ...(booleanFlag(flags, 'insecure') ? { insecureSkipTlsVerify: true } : {}),
        ...(namePrefix ? { namePrefix } : {}),
      },
    }, { logger: t.logger, signal: io.signal }),
  }));
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
