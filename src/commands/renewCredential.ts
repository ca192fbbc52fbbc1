import { placesOf, type WatchedCredential } from '../core/credentials/expiry';
import { readLedger, type LedgerEntry } from '../core/credentials/ledger';
import { REVOCATION_DELAY_NOTE } from '../core/credentials/model';
import { findLedgerEntry, renewCredential as renew, type RenewResult } from '../core/credentials/renew';
import { CredentialNode } from '../tree/nodes';
import type { CommandDeps } from './deps';
import { pickWatched } from './showExpiring';
import { rememberToken } from './support/issue';
import { withCancellableProgress } from './support/progress';

const KEEP_OLD = 'Renew, Keep Old 1 Hour';
const GRACE_SECONDS = 3600;

/** The ledger entry of a tree credential (it must have been written into a file here), by server and id/jti. */
async function entryOfNode(deps: CommandDeps, node: CredentialNode): Promise<LedgerEntry | undefined> {
  const conn = await deps.connections.get(node.context);
  const c = node.credential;
  return (await readLedger()).entries.find(
    (e) =>
      e.server === conn.server &&
      e.namespace === c.namespace &&
      (e.id === c.id || (c.jti !== undefined && e.jti === c.jti)),
  );
}

/**
 * Renews a credential in the kubeconfig files it was written into (core renewCredential): a fresh token of the same
 * kind and lifetime is issued, verified and written into the same file or merged entry (0600, other entries kept);
 * then the old one is revoked, or with "Keep Old 1 Hour" marked superseded. From a credential node of the tree, the
 * expiring-credentials QuickPick or a notice (a ledger id); otherwise asks which one.
 */
export async function renewCredential(deps: CommandDeps, arg?: unknown): Promise<RenewResult | undefined> {
  let entry: LedgerEntry | undefined;
  let context: string | undefined;
  if (arg instanceof CredentialNode) {
    entry = await entryOfNode(deps, arg);
    context = arg.context;
    if (!entry) {
      void deps.prompts.info(
        `Credential ${arg.credential.id} was not written into a kubeconfig file on this machine: there is nothing to ` +
          'renew in place. Use Rotate Token for a new kubeconfig.',
      );
      return undefined;
    }
  } else if (typeof arg === 'string') {
    entry = findLedgerEntry((await readLedger()).entries, arg);
  } else if (isWatched(arg)) {
    entry = arg.entry;
  } else {
    entry = (await pickWatched(deps, 'Credential to renew'))?.entry;
  }
  if (!entry) return undefined;
  const places = await placesOf(entry);
  if (places.length === 0) {
    void deps.prompts.info(
      `No kubeconfig file written here still holds credential ${entry.id}: there is nothing to renew in place.`,
    );
    return undefined;
  }
  const where = places.map((p) => `${p.path}${p.context ? ` (context ${p.context})` : ''}`).join(', ');
  const go = await deps.prompts.confirm(
    `Renew credential ${entry.id} of ${entry.namespace}/${entry.serviceAccount}?`,
    `A new token is issued, checked against the cluster and written into ${where} (only its user entry changes). ` +
      'Then the old credential is revoked: copies of it elsewhere stop working within about 10 seconds. ' +
      `"${KEEP_OLD}" keeps it working for an hour, marked superseded.`,
    'Renew',
    KEEP_OLD,
  );
  if (go !== 'Renew' && go !== KEEP_OLD) return undefined;
  const target = entry;
  const ctx = context ?? target.context;
  const result = await withCancellableProgress(`Renewing credential ${target.id}`, async (signal) => {
    const conn = await deps.connections.get(ctx);
    return renew(conn, target, go === KEEP_OLD ? { graceSeconds: GRACE_SECONDS } : {}, {
      signal,
      logger: deps.logger,
    });
  });
  const t = { context: ctx, namespace: target.namespace, serviceAccount: target.serviceAccount };
  const revoked = (result.revokeResult?.revoked ?? []).map((c) => c.secretName);
  await deps.tokens.forgetBoundTo(t, revoked);
  await rememberToken(deps, t, result.token);
  const old = result.revokeAfter
    ? `old one superseded until ${result.revokeAfter}`
    : `revoked ${revoked.join(', ') || 'nothing'}`;
  deps.logger.info(
    `Renewed credential ${target.id} of ${target.namespace}/${target.serviceAccount} in ${where}: ` +
      `new credential ${result.credential.id}; ${old}`,
  );
  const failed = result.revokeResult?.failed ?? [];
  if (failed.length > 0)
    void deps.prompts.warn(
      'The files hold the new credential, but the old one could not be revoked: ' +
        `${failed.map((f) => f.message).join('; ')}.`,
    );
  else {
    const expires = result.credential.expiresAt
      ? ` (expires ${new Date(result.credential.expiresAt).toLocaleString()})`
      : '';
    void deps.prompts.info(
      `Renewed: ${where} now hold${places.length === 1 ? 's' : ''} credential ${result.credential.id}${expires}. ` +
        (result.revokeAfter
          ? 'The old one keeps working for an hour (superseded).'
          : `The old one was revoked. ${REVOCATION_DELAY_NOTE}`),
    );
  }
  if (result.warnings.length > 0) void deps.prompts.warn(result.warnings.join(' '));
  deps.tree.refreshServiceAccount(ctx, target.namespace);
  await deps.expiry.refresh();
  return result;
}

function isWatched(arg: unknown): arg is WatchedCredential {
  return typeof arg === 'object' && arg !== null && 'entry' in arg && 'places' in arg;
}
