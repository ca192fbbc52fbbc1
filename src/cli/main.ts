// The `sa-kubeconfig` command line: a thin face over src/core. See cli.ts for the commands.
import { fchmodSync, fstatSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';

// Only the version: a default import would bundle the whole package.json (the extension's manifest) into the CLI.
import { version } from '../../package.json';
import { redact } from '../core/redact';
import { runCli } from './cli';
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
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    try {
      return /^y(es)?$/i.test((await rl.question(`${question} [y/N] `)).trim());
    } finally {
      rl.close();
    }
  },
};

runCli(process.argv.slice(2), io, version).then(
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
