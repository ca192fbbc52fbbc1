// The shape of a subcommand, the flags many of them share, and their help text.
import type { Connection } from '../core/cluster/connect';
import type { Logger } from '../core/types';
import {
  booleanFlag,
  formatFlagHelp,
  stringFlag,
  UsageError,
  type FlagSpec,
  type FlagValues,
  type ParsedArgs,
} from './args';
import { OUTPUT_FLAG, stderrLogger, type CliIo, type OutputFormat } from './io';

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** e.g. "sa-kubeconfig verify KUBECONFIG [flags]" */
  usage: string;
  /** Paragraphs after the flags: examples, syntax, notes. */
  details?: string;
  flags: FlagSpec[];
  /** Returns the exit code; throws for errors (main maps them to exit codes). */
  run(args: ParsedArgs, io: CliIo): Promise<number>;
}

export const CONTEXT_FLAG: FlagSpec = {
  name: 'context',
  type: 'string',
  value: 'NAME',
  description: 'Kubeconfig context to act with (default: the current context).',
};
export const KUBECONFIG_FLAG: FlagSpec = {
  name: 'kubeconfig',
  type: 'string',
  value: 'FILE',
  description: 'Kubeconfig file to use (default: $KUBECONFIG, else ~/.kube/config).',
};
export const VERBOSE_FLAG: FlagSpec = {
  name: 'verbose',
  short: 'v',
  type: 'boolean',
  description: 'Log each step and request to stderr (credentials redacted).',
};
export const CONNECTION_FLAGS = [CONTEXT_FLAG, KUBECONFIG_FLAG];
export { OUTPUT_FLAG };

export const RULE_SYNTAX_HELP = `Rules: RESOURCES:VERBS[:NAMES]
  RESOURCES  comma-separated RESOURCE[.GROUP][/SUBRESOURCE]: pods, deployments.apps,
             ingresses.networking.k8s.io, pods/exec, deployments.apps/scale; * (all core resources),
             *.* (all resources of all groups), */scale (that subresource of every resource)
  VERBS      comma-separated: get, list, watch, create, update, patch, delete, deletecollection, ... or *
  NAMES      optional resourceNames; restricts get/update/patch/delete to those objects
  Examples:  pods:get,watch,list   pods/exec:create   configmaps:get:app-config,feature-flags`;

export function commandHelp(command: Command): string {
  return (
    [
      `Usage: ${command.usage}`,
      '',
      command.summary,
      '',
      'Flags:',
      formatFlagHelp(command.flags),
      ...(command.details ? ['', command.details] : []),
    ].join('\n') + '\n'
  );
}

export function outputFormat(flags: FlagValues): OutputFormat {
  return (stringFlag(flags, 'output') as OutputFormat | undefined) ?? 'text';
}

export async function connectFromFlags(flags: FlagValues, logger: Logger, io: CliIo): Promise<Connection> {
  const kubeconfigPath = stringFlag(flags, 'kubeconfig');
  const context = stringFlag(flags, 'context');
  // Loaded here, not at start: commands that never connect (help, presets, offline dry runs) skip the cluster code.
  const { connect } = await import('../core/cluster/connect.js');
  return connect({
    ...(kubeconfigPath ? { kubeconfigPath } : {}),
    ...(context ? { context } : {}),
    env: io.env,
    logger,
  });
}

/** The flags that name one service account (`-n`, `-s`). */
export const SERVICE_ACCOUNT_FLAGS: FlagSpec[] = [
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    value: 'NS',
    description: "Namespace of the service account (default: the context's).",
  },
  { name: 'service-account', short: 's', type: 'string', value: 'NAME', description: 'The service account. Required.' },
];

export interface ServiceAccountTarget {
  conn: Connection;
  namespace: string;
  serviceAccount: string;
  logger: Logger;
}

/**
 * For the commands that act on one service account: checks -s (before any connection), connects, runs `act`,
 * and closes the connection whatever happens.
 */
export async function withServiceAccount<T>(
  { flags, positionals }: ParsedArgs,
  io: CliIo,
  act: (target: ServiceAccountTarget) => Promise<T>,
): Promise<T> {
  if (positionals.length > 0)
    throw new UsageError(`Unexpected argument "${positionals[0]}"; name the service account with -s.`);
  const serviceAccount = stringFlag(flags, 'service-account');
  if (!serviceAccount) throw new UsageError('--service-account NAME is required.');
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  const conn = await connectFromFlags(flags, logger, io);
  try {
    return await act({ conn, namespace: stringFlag(flags, 'namespace') ?? conn.namespace, serviceAccount, logger });
  } finally {
    conn.close();
  }
}
