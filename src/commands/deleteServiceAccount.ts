import { deleteManaged, type DeleteResult } from '../core/inventory/lifecycle';
import { describeRef } from '../core/objects';
import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

/**
 * Deletes the service account and everything sa-kubeconfig made for it (found by label and annotation, nothing
 * else), after listing exactly that. A namespace we made is only deleted when the user says so.
 */
export async function deleteServiceAccount(deps: CommandDeps, node?: unknown): Promise<DeleteResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const conn = await deps.connections.get(t.context);
  const preview = await withCancellableProgress(
    `Finding what sa-kubeconfig made for ${t.namespace}/${t.serviceAccount}`,
    (signal) =>
      deleteManaged(
        conn,
        { namespace: t.namespace, serviceAccount: t.serviceAccount, dryRun: true, includeNamespace: true },
        { signal, logger: deps.logger },
      ),
  );
  if (preview.deleted.length === 0) {
    void deps.prompts.info(`sa-kubeconfig made nothing for ${t.namespace}/${t.serviceAccount}: nothing to delete.`);
    return undefined;
  }
  const hasNamespace = preview.deleted.some((r) => r.kind === 'Namespace');
  const keptAccount = preview.kept.find((k) => k.ref.kind === 'ServiceAccount');
  const objects = preview.deleted.filter((r) => r.kind !== 'Namespace').map((r) => `• ${describeRef(r)}`);
  const detail = [
    ...objects,
    ...(keptAccount ? ['', `The service account itself stays: ${keptAccount.reason}.`] : []),
    ...(hasNamespace
      ? ['', `Namespace ${t.namespace} was also made by sa-kubeconfig; deleting it deletes everything in it.`]
      : []),
    ...(preview.incomplete.length ? ['', `Not searched (Forbidden): ${preview.incomplete.join('; ')}`] : []),
  ].join('\n');
  const withNamespace = 'Delete, with the Namespace';
  const actions = hasNamespace ? ['Delete', withNamespace] : ['Delete'];
  const question = keptAccount
    ? `Delete what sa-kubeconfig made for ${t.namespace}/${t.serviceAccount} (the service account itself stays)?`
    : `Delete ${t.namespace}/${t.serviceAccount} and what sa-kubeconfig made for it?`;
  const go = await deps.prompts.confirm(question, detail, ...actions);
  if (!go || !actions.includes(go)) return undefined;
  const result = await withCancellableProgress(`Deleting ${t.namespace}/${t.serviceAccount}`, (signal) =>
    deleteManaged(
      conn,
      { namespace: t.namespace, serviceAccount: t.serviceAccount, includeNamespace: go === withNamespace },
      { signal, logger: deps.logger },
    ),
  );
  await deps.tokens.forget(
    (r) => r.context === t.context && r.namespace === t.namespace && r.serviceAccount === t.serviceAccount,
  );
  const failures = result.failed.map((f) => `${describeRef(f.ref)} (${f.message})`).join(', ');
  deps.logger.info(
    `Deleted ${result.deleted.map(describeRef).join(', ')}${result.failed.length ? `; failed: ${failures}` : ''}`,
  );
  const kept = `; the service account ${t.namespace}/${t.serviceAccount} stays (sa-kubeconfig did not make it)`;
  if (result.failed.length > 0)
    void deps.prompts.warn(
      `Some objects could not be deleted: ${result.failed.map((f) => describeRef(f.ref)).join(', ')}. See the log.`,
    );
  else void deps.prompts.info(`Deleted ${result.deleted.length} object(s)${keptAccount ? kept : ''}.`);
  deps.tree.refresh(go === withNamespace ? `ctx/${t.context}` : `ns/${t.context}/${t.namespace}`);
  return result;
}
