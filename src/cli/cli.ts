// Command dispatch and the top-level help. `runCli` never exits the process, so tests run it in-process.
import { HELP_FLAG, parseArgs, UsageError } from './args';
import { commandHelp, type Command } from './command';
import { auditCommand } from './commands/audit';
import { createCommand } from './commands/create';
import { deleteCommand } from './commands/delete';
import { discoverCommand } from './commands/discover';
import { expiringCommand } from './commands/expiring';
import { listCommand } from './commands/list';
import { migrateCommand } from './commands/migrate';
import { presetsCommand } from './commands/presets';
import { renewCommand } from './commands/renew';
import { revokeCommand } from './commands/revoke';
import { rotateCommand } from './commands/rotate';
import { shrinkCommand } from './commands/shrink';
import { usageCommand } from './commands/usage';
import { verifyCommand } from './commands/verify';
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

export const COMMANDS: readonly Command[] = [
  createCommand,
  verifyCommand,
  listCommand,
  rotateCommand,
  revokeCommand,
  deleteCommand,
  usageCommand,
  shrinkCommand,
  discoverCommand,
  presetsCommand,
  expiringCommand,
  renewCommand,
  auditCommand,
  migrateCommand,
];

export function mainHelp(version: string): string {
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
    const topic = name === 'help' ? COMMANDS.find((c) => c.name === rest[0]) : undefined;
    printHelp(io, topic ? commandHelp(topic) : mainHelp(version));
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === 'version') {
    if (io.report) io.report.set({ version });
    else io.stdout(`${version}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    return reportError(
      io,
      new UsageError(`Unknown command "${name}". Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`),
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
