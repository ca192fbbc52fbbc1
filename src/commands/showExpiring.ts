import * as vscode from 'vscode';

import { describeExpiresIn, describePlaces, type WatchedCredential } from '../core/credentials/expiry';
import type { CommandDeps } from './deps';

/** A QuickPick of the credentials in kubeconfig files that expire within the window (and expired ones still there). */
export async function pickWatched(deps: CommandDeps, title: string): Promise<WatchedCredential | undefined> {
  const report = await deps.expiry.refresh();
  const all = [...report.expiring, ...report.expired];
  if (all.length === 0) {
    const days = Math.round(report.withinSeconds / 86400);
    void deps.prompts.info(`No credential in a kubeconfig file written here expires within ${days} days.`);
    return undefined;
  }
  return deps.prompts.pick(
    title,
    all.map((c) => ({
      label: `$(key) ${c.entry.namespace}/${c.entry.serviceAccount}`,
      description: `${c.entry.id} · ${c.expiresInSeconds > 0 ? 'expires' : 'expired'} ${describeExpiresIn(
        c.expiresInSeconds,
      )}`,
      detail: `${c.entry.context} · ${describePlaces(c.places)}`,
      value: c,
    })),
  );
}

/**
 * The status bar item's click: pick an expiring credential, then Renew it, reveal its service account in the tree
 * (its context selected, the tree filtered to its name) or open the file that holds it.
 */
export async function showExpiring(deps: CommandDeps): Promise<void> {
  const chosen = await pickWatched(deps, 'Expiring credentials');
  if (!chosen) return;
  const e = chosen.entry;
  type Action = { kind: 'renew' } | { kind: 'reveal' } | { kind: 'open'; path: string };
  const action = await deps.prompts.pick<Action>(`${e.namespace}/${e.serviceAccount} ${e.id}`, [
    {
      label: '$(sync) Renew',
      description: 'a fresh credential in the same file(s), make before break',
      value: { kind: 'renew' },
    },
    { label: '$(list-tree) Reveal in Tree', description: `${e.context} › ${e.namespace}`, value: { kind: 'reveal' } },
    ...chosen.places.map((p) => ({
      label: '$(go-to-file) Open File',
      description: p.path,
      value: { kind: 'open' as const, path: p.path },
    })),
  ]);
  if (!action) return;
  if (action.kind === 'renew') await vscode.commands.executeCommand('saKubeconfig.renewCredential', chosen);
  else if (action.kind === 'open') await vscode.window.showTextDocument(vscode.Uri.file(action.path));
  else {
    if (deps.tree.contexts().some((c) => c.name === e.context)) await deps.tree.selectContext(e.context);
    deps.tree.setFilter(e.serviceAccount);
    await vscode.commands.executeCommand('saKubeconfig.clusters.focus');
  }
}
