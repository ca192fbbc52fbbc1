// Where a generated kubeconfig goes: --out FILE (0600, atomic), --merge-into FILE (backup, no silent clobbering), or stdout.
import { writeSecretFile } from '../core/fs/secretFile';
import { CONFLICT_STRATEGIES, mergeKubeconfigIntoFile, parseKubeconfigText, type ConflictStrategy, type MergeFileResult } from '../core/kubeconfig/merge';
import { exclusive, stringFlag, UsageError, type FlagSpec, type FlagValues } from './args';
import type { CliIo, OutputFormat } from './io';

export const KUBECONFIG_OUTPUT_FLAGS: FlagSpec[] = [
  { name: 'out', type: 'string', value: 'FILE', description: 'Write the kubeconfig to FILE (mode 0600, replaced atomically). Default: stdout.' },
  { name: 'merge-into', type: 'string', value: 'FILE', description: 'Merge the kubeconfig into FILE (e.g. ~/.kube/config), keeping a backup.' },
  {
    name: 'on-conflict', type: 'string', value: 'MODE', choices: CONFLICT_STRATEGIES,
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
  if (flags['on-conflict'] !== undefined && flags['merge-into'] === undefined) throw new UsageError('--on-conflict applies only with --merge-into FILE.');
  if (format !== 'text' && !printsPlanOnly && !flags.out && !flags['merge-into']) {
    throw new UsageError(`--output ${format} prints a report on stdout; write the kubeconfig with --out FILE or --merge-into FILE.`);
  }
}

export async function writeKubeconfigOutput(flags: FlagValues, kubeconfigYaml: string, io: CliIo): Promise<Destination> {
  const out = stringFlag(flags, 'out');
  const mergeInto = stringFlag(flags, 'merge-into');
  try {
    if (out) {
      const written = await writeSecretFile(out, kubeconfigYaml);
      return { kind: 'file', path: written.path, ...(written.tightenedFrom !== undefined ? { tightenedFrom: written.tightenedFrom } : {}) };
    }
    if (mergeInto) {
      const strategy = (stringFlag(flags, 'on-conflict') ?? 'refuse') as ConflictStrategy;
      const incoming = parseKubeconfigText(kubeconfigYaml, 'the generated kubeconfig');
      return { kind: 'merge', merge: await mergeKubeconfigIntoFile(mergeInto, incoming, strategy) };
    }
  } catch (error) {
    // The credential exists in the cluster now; say how to get a kubeconfig for it without starting over.
    if (error instanceof Error) {
      error.message += '\nThe service account and its token exist in the cluster. Re-run the same command with another --out/--merge-into (or --on-conflict rename) to get the kubeconfig.';
    }
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
        ...(destination.tightenedFrom !== undefined ? [`  Its permissions were ${destination.tightenedFrom.toString(8).padStart(4, '0')}; now 0600.`] : []),
      ];
    case 'merge': {
      const m = destination.merge;
      const lines = [`Kubeconfig: merged into ${m.path}${m.created ? ' (new file)' : ''}, mode 0600.`];
      for (const c of m.changes) {
        if (c.action === 'renamed') lines.push(`  ${c.section} "${c.renamedFrom}" renamed to "${c.name}" (the name was taken)`);
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
    case 'stdout': return { kubeconfig: 'stdout' };
    case 'file': return { kubeconfig: destination.path };
    case 'merge': return { kubeconfig: destination.merge.path, merge: { changes: destination.merge.changes, backup: destination.merge.backupPath ?? null } };
  }
}

/** With the kubeconfig on stdout, every message must go to stderr so that `> file` captures only the kubeconfig. */
export function messageWriter(io: CliIo, destination: Destination): (text: string) => void {
  return destination.kind === 'stdout' ? io.stderr : io.stdout;
}
