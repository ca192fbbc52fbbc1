import * as vscode from 'vscode';

import { findManagedObjects } from '../core/inventory/lifecycle';
import { renderObjectYaml } from '../core/plan/render';
import type { KubeObject } from '../core/types';
import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

const KIND_ORDER = [
  'Namespace',
  'ServiceAccount',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'Secret',
];

/** Server-kept fields that only make the YAML harder to read (and to re-apply). */
function withoutServerFields(object: KubeObject): KubeObject {
  const { managedFields: _m, uid: _u, resourceVersion: _r, generation: _g, ...metadata } = object.metadata;
  const { status: _s, ...rest } = object;
  return { ...rest, metadata } as KubeObject;
}

/** The objects sa-kubeconfig made for a service account, as YAML in an untitled tab (Secrets without their data). */
export async function showYaml(deps: CommandDeps, node?: unknown): Promise<vscode.TextDocument | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const found = await withCancellableProgress(
    `Reading what sa-kubeconfig made for ${t.namespace}/${t.serviceAccount}`,
    async (signal) =>
      findManagedObjects(await deps.connections.get(t.context), t.namespace, t.serviceAccount, {
        signal,
        logger: deps.logger,
      }),
  );
  const objects = [...found.objects].sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || a.name.localeCompare(b.name),
  );
  const header = [
    `# What sa-kubeconfig made for service account ${t.namespace}/${t.serviceAccount} (context ${t.context}).`,
    '# Secret data is left out.',
    ...found.incomplete.map((i) => `# Not searched (Forbidden): ${i}`),
  ].join('\n');
  const body = objects.length
    ? objects.map((o) => renderObjectYaml(withoutServerFields(o.object))).join('---\n')
    : '# Nothing found.\n';
  const doc = await vscode.workspace.openTextDocument({ language: 'yaml', content: `${header}\n${body}` });
  await vscode.window.showTextDocument(doc, { preview: false });
  return doc;
}
