// Command dispatch and the top-level help. `runCli` never exits the process, so tests run it in-process.
// Each command's module is loaded when that command runs (or for the help, which lists them all): a short command
// such as `presets` does not pay for loading the code of `audit`, `usage` or the cluster client.
import { HELP_FLAG, parseArgs, UsageError } from './args';
import { commandHelp, type Command } from './command';
import {
  EXIT,
  EXIT_CODES_HELP,
  formatDocument,
  reportError,
  ReportSink,
  requestedFormat,
  type CliIo,
  type OutputFormat,
} from './io';

/** Every command, in the order the help lists them, and how to load it (import() wants the .js of the built file;
 *  esbuild bundles the .ts). */
const COMMAND_LOADERS: Readonly<Record<string, () => Promise<Command>>> = {
  create: async () => (await import('./commands/create.js')).createCommand,
  verify: async () => (await import('./commands/verify.js')).verifyCommand,
  list: async () => (await import('./commands/list.js')).listCommand,
  rotate: async () => (await import('./commands/rotate.js')).rotateCommand,
  revoke: async () => (await import('./commands/revoke.js')).revokeCommand,
  delete: async () => (await import('./commands/delete.js')).deleteCommand,
  usage: async () => (await import('./commands/usage.js')).usageCommand,
  shrink: async () => (await import('./commands/shrink.js')).shrinkCommand,
  discover: async () => (await import('./commands/discover.js')).discoverCommand,
  presets: async () => (await import('./commands/presets.js')).presetsCommand,
  expiring: async () => (await import('./commands/expiring.js')).expiringCommand,
  renew: async () => (await import('./commands/renew.js')).renewCommand,
  audit: async () => (await import('./commands/audit.js')).auditCommand,
  migrate: async () => (await import('./commands/migrate.js')).migrateCommand,
};

export const COMMAND_NAMES: readonly string[] = Object.keys(COMMAND_LOADERS);

/** The command called `name`, loaded; undefined when there is none. */
export function loadCommand(name: string): Promise<Command> | undefined {
  return Object.hasOwn(COMMAND_LOADERS, name) ? COMMAND_LOADERS[name]() : undefined;
}

/** Every command, loaded (the help lists them all). */
export function loadCommands(): Promise<Command[]> {
  return Promise.all(COMMAND_NAMES.map((name) => COMMAND_LOADERS[name]()));
}

export function mainHelp(version: string, COMMANDS: readonly Command[]): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  const tagline = 'least-privilege Kubernetes service accounts and verified kubeconfigs for scripts and CI.';
  return `sa-kubeconfig ${version}: ${tagline}

Usage: sa-kubeconfig COMMAND [flags]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`).join('\n')}

Run "sa-kubeconfig COMMAND --help" for a command's flags.

Common flags: --context NAME and --kubeconfig FILE choose the cluster (as kubectl does: KUBECONFIG, else
~/.kube/config); --output text|json|yaml (-o) for scripts; --verbose (-v) logs each step to stderr.
Tokens and other credentials are never printed, except in the kubeconfig you ask for.

${EXIT_CODES_HELP}

Example (the service account of the Kubernetes tutorial, exec into pods in one namespace):
  sa-kubeconfig create -n myexample --create-namespace -s myexample-sa \\
      --rule pods:get,watch,list,create --rule pods/exec:create --out myexample.kubeconfig
`;
}

export async function runCli(argv: string[], io: CliIo, version = '0.0.0'): Promise<number> {
  const format = requestedFormat(argv.slice(1));
  if (format === 'text') return runCommand(argv, io, version, format);
  // --output json|yaml: every exit path prints exactly one document on stdout (messages stay on stderr).
  const report = new ReportSink();
  const code = await runCommand(argv, { ...io, report }, version, format);
  io.stdout(formatDocument(format, report.document(code)));
  return code;
}

async function runCommand(argv: string[], io: CliIo, version: string, requested: OutputFormat): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' && rest[0] !== undefined ? await loadCommand(rest[0]) : undefined;
    printHelp(io, topic ? commandHelp(topic) : mainHelp(version, await loadCommands()));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    if (io.report) io.report.set({ version });
    else io.stdout(`${version}\n`);
    return EXIT.ok;
  }
  const command = await loadCommand(name);
  if (!command) {
    return reportError(
      io,
      new UsageError(`Unknown command "${name}". Commands: ${COMMAND_NAMES.join(', ')}.`),
      undefined,
      requested,
    );
  }
  let format: OutputFormat = requested;
  try {
    const parsed = parseArgs(rest, command.flags);
    if (parsed.flags[HELP_FLAG.name]) {
      printHelp(io, commandHelp(command));
      return EXIT.ok;
    }
    format = (parsed.flags.output as OutputFormat | undefined) ?? 'text';
    return await command.run(parsed, io);
  } catch (error) {
    return reportError(io, error, command.name, format);
  }
}

/** Help is text; with --output json|yaml it is the document's "help" field, so stdout still parses. */
function printHelp(io: CliIo, text: string): void {
  if (io.report) io.report.set({ help: text });
  else io.stdout(text);
}
