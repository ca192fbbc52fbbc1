// Where a generated kubeconfig goes: --out FILE (0600, atomic), --merge-into FILE (backup, no silent clobbering), or
// stdout. checkKubeconfigTarget checks the target BEFORE the cluster is touched (writable, parseable, no refused
// clash), so a refusal changes nothing in the cluster.
import { promises as fs, constants as fsConstants } from 'node:fs';
import * as path from 'node:path';

import type { CredentialDestination } from '../core/credentials/model';
import { SaKubeconfigError } from '../core/errors';
import { writeSecretFile } from '../core/fs/secretFile';
import {
  CONFLICT_STRATEGIES,
  KubeconfigConflictError,
  KubeconfigFileError,
  mergeKubeconfigIntoFile,
  parseKubeconfigText,
  type Clash,
  type ConflictStrategy,
  type MergeFileResult,
} from '../core/kubeconfig/merge';
import { exclusive, stringFlag, UsageError, type FlagSpec, type FlagValues } from './args';
import type { CliIo, OutputFormat } from './io';

export const KUBECONFIG_OUTPUT_FLAGS: FlagSpec[] = [
  {
    name: 'out',
    type: 'string',
    value: 'FILE',
    description: 'Write the kubeconfig to FILE (mode 0600, replaced atomically). Default: stdout.',
  },
  {
    name: 'merge-into',
    type: 'string',
    value: 'FILE',
    description: 'Merge the kubeconfig into FILE (e.g. ~/.kube/config), keeping a backup.',
  },
  {
    name: 'on-conflict',
    type: 'string',
    value: 'MODE',
    choices: CONFLICT_STRATEGIES,
    description: 'With --merge-into, for same-named entries: refuse (default), rename (-2, -3...) or overwrite.',
  },
];

export type Destination =
  | { kind: 'stdout'; tightened?: boolean }
  | { kind: 'file'; path: string; tightenedFrom?: number }
  | { kind: 'merge'; merge: MergeFileResult };

/** Flag checks shared by every command that writes a kubeconfig. */
export function checkOutputFlags(flags: FlagValues, format: OutputFormat, printsPlanOnly = false): void {
  exclusive(flags, ['out', 'merge-into']);
  if (flags['on-conflict'] !== undefined && flags['merge-into'] === undefined)
    throw new UsageError('--on-conflict applies only with --merge-into FILE.');
  if (format !== 'text' && !printsPlanOnly && !flags.out && !flags['merge-into']) {
    throw new UsageError(
      `--output ${format} prints a report on stdout; write the kubeconfig with --out FILE or --merge-into FILE.`,
    );
  }
}

/** The entry names the new kubeconfig will have (see core/kubeconfig/build.ts), and its server. */
export interface ExpectedEntries {
  names: { clusters: string[]; users: string[]; contexts: string[] };
  server?: string;
}

const nothingChanged = 'Nothing in the cluster was changed.';

/** The nearest folder that exists on the way to `file`, and whether we may create files in it. */
async function writableFolderFor(file: string): Promise<void> {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const stat = await fs.stat(dir).catch(() => undefined);
    if (stat) {
      if (!stat.isDirectory())
        throw new SaKubeconfigError('invalidInput', `Cannot write ${file}: ${dir} is not a folder. ${nothingChanged}`);
      try {
        await fs.access(dir, fsConstants.W_OK | fsConstants.X_OK);
      } catch {
        throw new SaKubeconfigError(
          'invalidInput',
          `Cannot write ${file}: the folder ${dir} is not writable. ${nothingChanged}`,
          { hint: 'Choose another --out/--merge-into path.' },
        );
      }
      return;
    }
    const parent = path.dirname(dir);
    if (parent === dir) return;
    dir = parent;
  }
}

/** What kind of thing is at `file` (following links), or undefined when nothing is. */
async function existing(file: string): Promise<'file' | 'other' | undefined> {
  const stat = await fs.stat(file).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!stat) return undefined;
  return stat.isFile() ? 'file' : 'other';
}

/**
 * Checks --out / --merge-into before anything changes in the cluster: --out must be a file we can write (not a
 * folder); --merge-into must be a kubeconfig we can parse and write, and with --on-conflict refuse (the default) it
 * must not hold entries of the names the new kubeconfig will use. Throws invalidInput (exit 2) or a
 * KubeconfigConflictError (exit 4).
 */
export async function checkKubeconfigTarget(flags: FlagValues, expected?: ExpectedEntries): Promise<void> {
  const out = stringFlag(flags, 'out');
  const mergeInto = stringFlag(flags, 'merge-into');
  const target = out ?? mergeInto;
  if (!target) return;
  const kind = await existing(target);
  if (kind === 'other') {
    throw new SaKubeconfigError(
      'invalidInput',
      `${target} exists and is not a regular file (a folder?). ${nothingChanged}`,
      { hint: 'Name a file, e.g. ./ci.kubeconfig.' },
    );
  }
  const resolved = kind ? await fs.realpath(target) : target;
  await writableFolderFor(resolved);
  if (!mergeInto || !kind) return;
  let text: string;
  try {
    text = await fs.readFile(resolved, 'utf8');
  } catch (err) {
    throw new SaKubeconfigError(
      'invalidInput',
      `Cannot merge into ${mergeInto}: ` +
        `it cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)}). ${nothingChanged}`,
    );
  }
  let doc;
  try {
    doc = parseKubeconfigText(text, mergeInto);
  } catch (err) {
    if (err instanceof KubeconfigFileError)
      throw new SaKubeconfigError('invalidInput', `${err.message} ${nothingChanged}`, {
        hint: 'Fix the file, or merge into another one.',
      });
    throw err;
  }
  const strategy = (stringFlag(flags, 'on-conflict') ?? 'refuse') as ConflictStrategy;
  if (strategy !== 'refuse' || !expected) return;
  const clashes: Clash[] = [
    // The user entry always differs (a new token); a context or cluster of the same name differs unless it is ours
    // already.
    ...(doc.users ?? [])
      .filter((u) => expected.names.users.includes(u.name))
      .map((u): Clash => ({ section: 'user', name: u.name })),
    ...(doc.clusters ?? [])
      .filter(
        (c) =>
          expected.names.clusters.includes(c.name) &&
          expected.server !== undefined &&
          c.cluster?.server !== expected.server,
      )
      .map((c): Clash => ({ section: 'cluster', name: c.name })),
  ];
  if (clashes.length > 0) {
    const err = new KubeconfigConflictError(clashes, mergeInto);
    err.message += ` ${nothingChanged}`;
    throw err;
  }
}

/** Where the kubeconfig went, for the ledger (never the token). */
export function ledgerDestinations(destination: Destination): CredentialDestination[] {
  switch (destination.kind) {
    case 'stdout':
      return [];
    case 'file':
      return [{ kind: 'file', path: destination.path }];
    case 'merge': {
      const context = destination.merge.changes.find((c) => c.section === 'context' && c.action !== 'unchanged')?.name;
      return [{ kind: 'merge', path: destination.merge.path, ...(context ? { context } : {}) }];
    }
  }
}

export async function writeKubeconfigOutput(
  flags: FlagValues,
  kubeconfigYaml: string,
  io: CliIo,
  afterFailure = 'The service account and its credential exist in the cluster. ' +
    'Re-run the same command with another --out/--merge-into (or --on-conflict rename) to get the kubeconfig.',
): Promise<Destination> {
  const out = stringFlag(flags, 'out');
  const mergeInto = stringFlag(flags, 'merge-into');
  try {
    if (out) {
      const written = await writeSecretFile(out, kubeconfigYaml);
      return {
        kind: 'file',
        path: written.path,
        ...(written.tightenedFrom !== undefined ? { tightenedFrom: written.tightenedFrom } : {}),
      };
    }
    if (mergeInto) {
      const strategy = (stringFlag(flags, 'on-conflict') ?? 'refuse') as ConflictStrategy;
      const incoming = parseKubeconfigText(kubeconfigYaml, 'the generated kubeconfig');
      return { kind: 'merge', merge: await mergeKubeconfigIntoFile(mergeInto, incoming, strategy) };
    }
  } catch (error) {
    // The credential exists in the cluster now; say how to get a kubeconfig for it without starting over.
    if (error instanceof Error && afterFailure) error.message += `\n${afterFailure}`;
    throw error;
  }
  const tightened = io.protectStdout?.() === true;
  io.stdout(kubeconfigYaml);
  return { kind: 'stdout', ...(tightened ? { tightened } : {}) };
}

export function describeDestination(destination: Destination): string[] {
  switch (destination.kind) {
    case 'stdout':
      return [`Kubeconfig: written to stdout${destination.tightened ? ' (a file: its mode is now 0600)' : ''}.`];
    case 'file':
      return [
        `Kubeconfig: written to ${destination.path} (mode 0600).`,
        ...(destination.tightenedFrom !== undefined
          ? [`  Its permissions were ${destination.tightenedFrom.toString(8).padStart(4, '0')}; now 0600.`]
          : []),
      ];
    case 'merge': {
      const m = destination.merge;
      const lines = [`Kubeconfig: merged into ${m.path}${m.created ? ' (new file)' : ''}, mode 0600.`];
      for (const c of m.changes) {
        if (c.action === 'renamed')
          lines.push(`  ${c.section} "${c.renamedFrom}" renamed to "${c.name}" (the name was taken)`);
        else if (c.action === 'set') lines.push(`  current-context set to "${c.name}"`);
        else if (c.action !== 'unchanged') lines.push(`  ${c.section} "${c.name}" ${c.action}`);
      }
      if (m.backupPath) lines.push(`  Backup of the previous file: ${m.backupPath}`);
      return lines;
    }
  }
}

/** Where a destination is, for JSON reports. */
export function destinationSummary(destination: Destination) {
  switch (destination.kind) {
    case 'stdout':
      return { kubeconfig: 'stdout' };
    case 'file':
      return { kubeconfig: destination.path };
    case 'merge':
      return {
        kubeconfig: destination.merge.path,
        merge: { changes: destination.merge.changes, backup: destination.merge.backupPath ?? null },
      };
  }
}

/** With the kubeconfig on stdout, every message must go to stderr so that `> file` captures only the kubeconfig. */
export function messageWriter(io: CliIo, destination: Destination): (text: string) => void {
  return destination.kind === 'stdout' ? io.stderr : io.stdout;
}
