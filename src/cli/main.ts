// The `sa-kubeconfig` command line: a thin face over src/core. See cli.ts for the commands.
import { fchmodSync, fstatSync } from 'node:fs';

// Only the version: a default import would bundle the whole package.json (the extension's manifest) into the CLI.
import { version } from '../../package.json';
import { redact } from '../core/redact';
import type { CliIo } from './io';

const controller = new AbortController();
// First Ctrl-C cancels cleanly (an apply in progress rolls back what it created); a second one exits at once.
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  process.stderr.write('\nCancelling (press Ctrl-C again to exit at once)...\n');
  controller.abort();
});

const io: CliIo = {
  signal: controller.signal,
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  interactive: process.stdin.isTTY === true && process.stderr.isTTY === true,
  env: process.env,
  stdin: process.stdin,
  protectStdout() {
    try {
      const stat = fstatSync(1);
      if (!stat.isFile() || (stat.mode & 0o077) === 0) return false;
      fchmodSync(1, 0o600);
      return true;
    } catch {
      return false;
    }
  },
  async confirm(question) {
    const { createInterface } = await import('node:readline/promises');
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  },
};

const argv = process.argv.slice(2);
// The version is printed before the command line's modules load: they are most of a short command's start-up.
const running =
  argv.length === 1 && (argv[0] === '--version' || argv[0] === 'version')
    ? Promise.resolve(io.stdout(`${version}\n`)).then(() => 0)
    : import('./cli.js').then(({ runCli }) => runCli(argv, io, version));
running.then(
  (code) => {
    // Let stdout drain before exiting, so piped kubeconfigs are never cut short.
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `error: unexpected failure: ${redact(error instanceof Error ? error.message : String(error))}\n`,
    );
    process.exitCode = 1;
  },
);
