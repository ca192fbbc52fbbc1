import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { writeSecretFile } from '../core/fs/secretFile';
import { unignoredGitWorkTree } from '../editor/gitCheck';
import type { CommandDeps } from './support/deps';
import { kubeconfigDocumentOf } from './support/documents';

/**
 * Writes the generated kubeconfig to a file the user picks, owner-only (0600) and atomically. Warns first when
 * the file would land, unignored, inside a git work tree. The in-memory tab is then replaced by the saved file (and
 * its text dropped from memory).
 */
export async function saveKubeconfigAs(deps: CommandDeps, arg?: unknown): Promise<string | undefined> {
  const { doc, info, text } = kubeconfigDocumentOf(deps, arg);
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
      'The kubeconfig holds a token: a commit would publish it. Save it elsewhere, or let sa-kubeconfig add it to .gitignore.',
      ignore, 'Save Anyway',
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
  const saved = await vscode.languages.setTextDocumentLanguage(await vscode.workspace.openTextDocument(vscode.Uri.file(written.path)), 'yaml');
  if (info) deps.documents.track(saved, info);
  // Replace the in-memory tab by the file.
  if (deps.documents.isVirtual(doc)) await deps.documents.close(doc.uri);
  await vscode.window.showTextDocument(saved, { preview: false });
  void deps.prompts.info(`Saved ${written.path} (readable only by you).${written.tightenedFrom !== undefined ? ` Its permissions were ${written.tightenedFrom.toString(8)} before.` : ''}`);
  return written.path;
}
