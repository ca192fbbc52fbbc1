// Writing a generated kubeconfig where the user keeps kubeconfigs: Save as… (a file of its own, 0600) and Merge
// (into the kubeconfig kubectl reads). Plain functions on an open kubeconfig document, called by the commands of
// the same names and by the wizard's result step, so both ask the same questions and write the same way.
// Nothing here refreshes views: the caller does, after a write.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

import { kubeconfigPaths } from '../core/cluster/loadKubeconfig';
import { writeSecretFile } from '../core/fs/secretFile';
import {
  KubeconfigConflictError,
  mergeKubeconfigIntoFiles,
  mergeKubeconfigs,
  parseKubeconfigText,
  readKubeconfigChain,
  type ConflictStrategy,
  type MergeChange,
  type MergeFileResult,
} from '../core/kubeconfig/merge';
import type { Logger } from '../core/types';
import type { KubeconfigLocation } from '../services/kubeconfigLocation';
import { unignoredGitWorkTree } from './gitCheck';
import type { KubeconfigDocuments } from './kubeconfigDocuments';
import type { Prompts } from './prompts';

export interface KubeconfigFileDeps {
  logger: Logger;
  location: KubeconfigLocation;
  documents: KubeconfigDocuments;
  prompts: Prompts;
}

/**
 * Writes the kubeconfig document to a file the user picks, owner-only (0600) and atomically. Warns first when
 * the file would land, unignored, inside a git work tree. The in-memory tab is then replaced by the saved file (and
 * its text dropped from memory). Resolves to the written path, or undefined when the user cancelled.
 */
export async function saveKubeconfigDocument(
  deps: KubeconfigFileDeps,
  doc: vscode.TextDocument,
): Promise<string | undefined> {
  const info = deps.documents.infoFor(doc);
  const text = deps.documents.textOf(doc);
  const fileName = info?.suggestedFileName ?? 'service-account.kubeconfig';
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(os.homedir());
  const target = await deps.prompts.saveDialog({
    title: 'Save kubeconfig (written with mode 0600)',
    saveLabel: 'Save kubeconfig',
    defaultUri: deps.documents.isVirtual(doc) ? vscode.Uri.joinPath(folder, fileName) : doc.uri,
    filters: { Kubeconfig: ['kubeconfig', 'yaml', 'yml', 'conf'], 'All files': ['*'] },
  });
  if (!target) return undefined;
  const file = target.fsPath;
  const workTree = await unignoredGitWorkTree(file);
  if (workTree) {
    const ignore = 'Add to .gitignore and Save';
    const choice = await deps.prompts.confirm(
      `${path.basename(file)} would be inside the git repository ${workTree} and is not ignored.`,
      'The kubeconfig holds a token: a commit would publish it. ' +
        'Save it elsewhere, or let sa-kubeconfig add it to .gitignore.',
      ignore,
      'Save Anyway',
    );
    if (!choice) return undefined;
    if (choice === ignore) {
      const gitignore = path.join(workTree, '.gitignore');
      const existing = await fs.readFile(gitignore, 'utf8').catch(() => '');
      const entry = `/${path.relative(workTree, file).split(path.sep).join('/')}`;
      await fs.writeFile(gitignore, `${existing}${existing && !existing.endsWith('\n') ? '\n' : ''}${entry}\n`);
      deps.logger.info(`Added ${entry} to ${gitignore}`);
    }
  }
  const written = await writeSecretFile(file, text);
  deps.logger.info(`Saved kubeconfig to ${written.path} (mode 0600)`);
  await deps.documents.recordWritten(info, { kind: 'file', path: written.path });
  // `.kubeconfig` is no YAML extension VS Code knows: keep the YAML mode (and with it the CodeLens actions).
  const saved = await vscode.languages.setTextDocumentLanguage(
    await vscode.workspace.openTextDocument(vscode.Uri.file(written.path)),
    'yaml',
  );
  if (info) deps.documents.track(saved, info);
  // Replace the in-memory tab by the file.
  if (deps.documents.isVirtual(doc)) await deps.documents.close(doc.uri);
  await vscode.window.showTextDocument(saved, { preview: false });
  void deps.prompts.info(
    `Saved ${written.path} (readable only by you).` +
      (written.tightenedFrom !== undefined ? ` Its permissions were ${written.tightenedFrom.toString(8)} before.` : ''),
  );
  return written.path;
}

export function describeChange(c: MergeChange): string {
  if (c.section === 'current-context') return `current-context becomes ${c.name}`;
  switch (c.action) {
    case 'added':
      return `add ${c.section} ${c.name}`;
    case 'renamed':
      return `add ${c.section} ${c.name} (renamed from ${c.renamedFrom}, which exists already)`;
    case 'replaced':
      return `replace ${c.section} ${c.name}`;
    case 'unchanged':
      return `${c.section} ${c.name} is already there, unchanged`;
    default:
      return `${c.action} ${c.section} ${c.name}`;
  }
}

/**
 * Merges the kubeconfig document into the user's kubeconfig file (or targetFile) with core's merge: shows what will
 * change and asks first; same-named entries are never replaced silently; the old file is backed up; the result is
 * 0600. Resolves to what was written, or undefined when the user cancelled.
 */
export async function mergeKubeconfigDocument(
  deps: KubeconfigFileDeps,
  doc: vscode.TextDocument,
  targetFile?: string,
): Promise<MergeFileResult | undefined> {
  const info = deps.documents.infoFor(doc);
  const incoming = parseKubeconfigText(deps.documents.textOf(doc), 'the generated kubeconfig');
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
      {
        label: 'Replace them',
        description: 'overwrites your entries of the same name (a backup is kept)',
        value: 'overwrite',
      },
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
    `${lines.join('\n')}\n\n` +
      (existing
        ? 'The current file is backed up first (mode 0600).'
        : 'The file does not exist yet and will be created (mode 0600).'),
    'Merge',
  );
  if (go !== 'Merge') return undefined;
  const result = await mergeKubeconfigIntoFiles(files, incoming, strategy, { setCurrentContext });
  const context =
    result.changes.find((c) => c.section === 'context' && c.action !== 'unchanged')?.name ?? incomingCurrent;
  await deps.documents.recordWritten(info, { kind: 'merge', path: result.path, ...(context ? { context } : {}) });
  deps.logger.info(
    `Merged into ${result.path}: ` +
      `${result.changes.map(describeChange).join('; ')}${result.backupPath ? `; backup ${result.backupPath}` : ''}`,
  );
  void deps.prompts.info(`Merged into ${result.path}${result.backupPath ? ` (backup: ${result.backupPath})` : ''}.`);
  return result;
}
