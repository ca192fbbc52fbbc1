// The shape of a subcommand, the flags many of them share, and their help text.
import { connect, type Connection } from '../core/cluster/connect';
import type { Logger } from '../core/types';
import { formatFlagHelp, stringFlag, type FlagSpec, type FlagValues, type ParsedArgs } from './args';
import { OUTPUT_FLAG, type CliIo, type OutputFormat } from './io';

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

export const CONTEXT_FLAG: FlagSpec = { name: 'context', type: 'string', value: 'NAME', description: 'Kubeconfig context to act with (default: the current context).' };
export const KUBECONFIG_FLAG: FlagSpec = {
  name: 'kubeconfig', type: 'string', value: 'FILE', description: 'Kubeconfig file to use (default: $KUBECONFIG, else ~/.kube/config).',
};
export const VERBOSE_FLAG: FlagSpec = { name: 'verbose', short: 'v', type: 'boolean', description: 'Log each step and request to stderr (credentials redacted).' };
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
  return [`Usage: ${command.usage}`, '', command.summary, '', 'Flags:', formatFlagHelp(command.flags), ...(command.details ? ['', command.details] : [])].join('\n') + '\n';
}

export function outputFormat(flags: FlagValues): OutputFormat {
  return (stringFlag(flags, 'output') as OutputFormat | undefined) ?? 'text';
}

export function connectFromFlags(flags: FlagValues, logger: Logger, io: CliIo): Promise<Connection> {
  const kubeconfigPath = stringFlag(flags, 'kubeconfig');
  const context = stringFlag(flags, 'context');
  return connect({ ...(kubeconfigPath ? { kubeconfigPath } : {}), ...(context ? { context } : {}), env: io.env, logger });
}
