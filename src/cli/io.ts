// What every command uses to talk to the terminal: output formats, exit codes, error reporting and a logger
// that redacts credentials. Passed in (not global) so that tests run commands in-process.
import * as yaml from 'js-yaml';

import { SaKubeconfigError, ValidationError } from '../core/errors';
import { KubeconfigConflictError, KubeconfigFileError } from '../core/kubeconfig/mergeErrors';
import { redact, redactStructured } from '../core/redact';
import type { Logger } from '../core/types';
import { UsageError, type FlagSpec } from './args';

export const EXIT = {
  ok: 0,
  /** Something failed: the cluster could not be reached, the server failed, a file could not be written. */
  failure: 1,
  /**
   * The command line or an input value is wrong, or names something that does not exist (a namespace, service
   * account or Secret); nothing was changed.
   */
  usage: 2,
  /** Verification of the new credential failed, or the cluster denied the request (401/403). */
  denied: 3,
  /** Refused to avoid damage: same-named objects we did not make, kubeconfig entry clashes, or RBAC escalation. */
  conflict: 4,
} as const;

export const EXIT_CODES_HELP = `Exit codes:
  0  success
  1  failure (cluster unreachable, server error, file not writable, ...)
  2  usage error or invalid input: bad flags or values, or a namespace, service account or Secret
     that does not exist; nothing was changed
  3  verification failed, or the cluster denied the request (401/403)
  4  refused: a conflict with objects or kubeconfig entries sa-kubeconfig did not make, or you lack
     permissions you asked to grant (RBAC escalation); nothing was changed`;

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  /** Whether a person is at the terminal (prompts and colour only then). */
  interactive: boolean;
  /** Asks a yes/no question on the terminal; only called when interactive. */
  confirm(question: string): Promise<boolean>;
  env: NodeJS.ProcessEnv;
  /** Standard input as bytes, for commands that read a stream from it (an audit log given as "-"). */
  stdin?: AsyncIterable<Buffer>;
  /** Aborted on Ctrl-C; passed to every core operation. */
  signal?: AbortSignal;
  /**
   * Called before a credential is written to stdout: when stdout was redirected to a file (`> my.kubeconfig`),
   * the shell created it with the umask's mode; this narrows it to 0600. Returns whether it did.
   */
  protectStdout?(): boolean;
  /**
   * Set by runCli for --output json|yaml: printResult hands its document here instead of printing it, and runCli
   * prints exactly one document at the end (the report, with an "error" field when the command failed after it).
   */
  report?: ReportSink;
}

/** The one structured document of a command run (see CliIo.report). */
export class ReportSink {
  data: unknown;
  hasData = false;
  error: Record<string, unknown> | undefined;

  set(data: unknown): void {
    this.data = data;
    this.hasData = true;
  }

  /** The document to print: the report, the error, or both; `{exitCode}` when the command printed nothing. */
  document(exitCode: number): unknown {
    if (!this.error) return this.hasData ? this.data : { exitCode };
    if (!this.hasData) return { error: this.error };
    const isRecord = this.data !== null && typeof this.data === 'object' && !Array.isArray(this.data);
    return isRecord
      ? { ...(this.data as Record<string, unknown>), error: this.error }
      : { result: this.data, error: this.error };
  }
}

/** Serialises a structured document, credentials redacted key by key (never by a regex over the text). */
export function formatDocument(format: 'json' | 'yaml', data: unknown): string {
  const safe = redactStructured(data);
  return format === 'json' ? `${JSON.stringify(safe, null, 2)}\n` : yaml.dump(safe, { lineWidth: -1, noRefs: true });
}

/**
 * The --output format from a raw command line, for the paths where parsing failed or never ran (usage errors,
 * unknown commands): the error must still be one document in the asked format. Stops at "--".
 */
export function requestedFormat(argv: string[]): OutputFormat {
  let format: OutputFormat = 'text';
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    const m = /^(?:--output|-o)(?:=(.*))?$/.exec(arg);
    if (!m) continue;
    const value = m[1] ?? argv[++i];
    if (value === 'json' || value === 'yaml' || value === 'text') format = value;
  }
  return format;
}

export type OutputFormat = 'text' | 'json' | 'yaml';
export const OUTPUT_FLAG: FlagSpec = {
  name: 'output',
  short: 'o',
  type: 'string',
  value: 'FORMAT',
  choices: ['text', 'json', 'yaml'],
  description: 'Output format for the result.',
};

/** Prints a structured result as JSON or YAML, or calls `text` to print it for people. */
export function printResult(io: CliIo, format: OutputFormat, data: unknown, text: () => string): void {
  if (format !== 'text' && io.report) io.report.set(data);
  else if (format !== 'text') io.stdout(formatDocument(format, data));
  else {
    const out = text();
    io.stdout(out.endsWith('\n') || out === '' ? out : `${out}\n`);
  }
}

/** A logger writing to stderr, credentials redacted; debug lines only with --verbose. */
export function stderrLogger(io: CliIo, verbose: boolean): Logger {
  const write = (prefix: string, message: string) => io.stderr(`${prefix}${redact(message)}\n`);
  return {
    debug: (m) => {
      if (verbose) write('debug: ', m);
    },
    info: (m) => {
      if (verbose) write('', m);
    },
    warn: (m) => write('warning: ', m),
    error: (m) => write('error: ', m),
  };
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof UsageError || error instanceof ValidationError) return EXIT.usage;
  if (error instanceof KubeconfigConflictError) return EXIT.conflict;
  if (error instanceof KubeconfigFileError) return EXIT.failure;
  if (error instanceof VerificationFailedError) return EXIT.denied;
  if (error instanceof SaKubeconfigError) {
    switch (error.code) {
      // A namespace, service account or Secret the input names that does not exist is invalid input too;
      // nothing changed.
      case 'invalidInput':
      case 'notFound':
        return EXIT.usage;
      case 'forbidden':
      case 'unauthorized':
        return EXIT.denied;
      case 'escalation':
      case 'unmanagedConflict':
        return EXIT.conflict;
      default:
        return EXIT.failure;
    }
  }
  return EXIT.failure;
}

/** The new credential does not do what was asked (or does more). */
export class VerificationFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VerificationFailedError';
  }
}

/** Writes the error to stderr (message, then what to do) and returns the exit code. */
export function reportError(io: CliIo, error: unknown, command?: string, format: OutputFormat = 'text'): number {
  const code = exitCodeFor(error);
  if (format !== 'text') {
    const body =
      error instanceof SaKubeconfigError
        ? error.toJSON()
        : error instanceof ValidationError
          ? { code: 'invalidInput', message: error.message, problems: error.problems }
          : error instanceof KubeconfigConflictError
            ? { code: 'kubeconfigConflict', message: error.message, clashes: error.clashes }
            : {
                code: error instanceof UsageError ? 'usage' : 'failure',
                message: error instanceof Error ? error.message : String(error),
              };
    const described = { ...body, exitCode: code };
    if (io.report) io.report.error = described;
    else io.stdout(formatDocument(format, { error: described }));
  }
  let text: string;
  if (error instanceof UsageError)
    text = `${error.message}\nRun "sa-kubeconfig ${command ? `${command} ` : ''}--help" for usage.`;
  else if (error instanceof SaKubeconfigError) text = error.toDisplayString();
  else if (error instanceof ValidationError && error.problems.length > 1)
    text = `The input has ${error.problems.length} problems:\n${error.problems.map((p) => `  - ${p}`).join('\n')}`;
  else if (error instanceof Error) text = error.message;
  else text = String(error);
  io.stderr(`error: ${redact(text)}\n`);
  return code;
}

/** Aligned columns for text tables. */
export function table(rows: string[][]): string {
  if (rows.length === 0) return '';
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]))).join('  '))
    .join('\n');
}
