import { kubeconfigPaths } from '../core/cluster/loadKubeconfig';
import {
  KubeconfigConflictError, mergeKubeconfigIntoFiles, mergeKubeconfigs, parseKubeconfigText, readKubeconfigChain,
  type ConflictStrategy, type MergeChange, type MergeFileResult,
} from '../core/kubeconfig/merge';
import type { CommandDeps } from './support/deps';
import { kubeconfigDocumentOf } from './support/documents';

export function describeChange(c: MergeChange): string {
  if (c.section === 'current-context') return `current-context becomes ${c.name}`;
  switch (c.action) {
    case 'added': return `add ${c.section} ${c.name}`;
    case 'renamed': return `add ${c.section} ${c.name} (renamed from ${c.renamedFrom}, which exists already)`;
    case 'replaced': return `replace ${c.section} ${c.name}`;
    case 'unchanged': return `${c.section} ${c.name} is already there, unchanged`;
    default: return `${c.action} ${c.section} ${c.name}`;
  }
}

/**
 * Merges the generated kubeconfig into the user's kubeconfig file with core's merge: shows what will change and
 * asks first; same-named entries are never replaced silently; the old file is backed up; the result is 0600.
 */
export async function mergeKubeconfig(deps: CommandDeps, arg?: unknown, targetFile?: string): Promise<MergeFileResult | undefined> {
  const { info, text } = kubeconfigDocumentOf(deps, arg);
  const incoming = parseKubeconfigText(text, 'the generated kubeconfig');
  // KUBECONFIG=a:b: entries go where kubectl would put them, checked against what kubectl sees (the merged view).
  const files = targetFile ? [targetFile] : kubeconfigPaths(deps.location.path).paths;
  const { view: existing, target: file } = await readKubeconfigChain(files);

  let strategy: ConflictStrategy = 'refuse';
  try {
    mergeKubeconfigs(existing, incoming, strategy);
  } catch (err) {
    if (!(err instanceof KubeconfigConflictError)) throw err;
    const names = err.clashes.map((c) => `${c.section} ${c.name}`).join(', ');
    const choice = await deps.prompts.pick<ConflictStrategy>(`${file} already has different entries named ${names}`, [
      { label: 'Add under new names', description: 'keeps yours; the new entries get a "-2" suffix', value: 'rename' },
      { label: 'Replace them', description: 'overwrites your entries of the same name (a backup is kept)', value: 'overwrite' },
    ]);
    if (!choice) return undefined;
    strategy = choice;
  }
  const incomingCurrent = incoming['current-context'];
  const setCurrentContext = await deps.prompts.pick<boolean>('Current context after the merge', [
    { label: 'Keep my current context', description: existing?.['current-context'] ?? '', value: false },
    { label: `Switch to ${incomingCurrent}`, description: 'kubectl will then act as the service account', value: true },
  ]);
  if (setCurrentContext === undefined) return undefined;
  const preview = mergeKubeconfigs(existing, incoming, strategy, { setCurrentContext });
  const lines = preview.changes.map(describeChange);
  const go = await deps.prompts.confirm(
    `Merge into ${file}?`,
    `${lines.join('\n')}\n\n${existing ? 'The current file is backed up first (mode 0600).' : 'The file does not exist yet and will be created (mode 0600).'}`,
    'Merge',
  );
  if (go !== 'Merge') return undefined;
  const result = await mergeKubeconfigIntoFiles(files, incoming, strategy, { setCurrentContext });
  const context = result.changes.find((c) => c.section === 'context' && c.action !== 'unchanged')?.name ?? incomingCurrent;
  await deps.documents.recordWritten(info, { kind: 'merge', path: result.path, ...(context ? { context } : {}) });
  deps.logger.info(`Merged into ${result.path}: ${result.changes.map(describeChange).join('; ')}${result.backupPath ? `; backup ${result.backupPath}` : ''}`);
  void deps.prompts.info(`Merged into ${result.path}${result.backupPath ? ` (backup: ${result.backupPath})` : ''}.`);
  deps.tree.refresh();
  return result;
}
