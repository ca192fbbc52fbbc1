// Revoking credentials: deleting the Secret a credential lives in (bound tokens die with their Secret, long-lived
// tokens with theirs). Selection by id (short jti, jti or Secret name), or --all / --expired / --superseded over the
// credentials sa-kubeconfig made. Every id is resolved before the first delete: an unknown id changes nothing.
// The API server caches validated tokens for about 10 seconds, so a revoked token stops working within about
// 10 seconds (REVOCATION_DELAY_NOTE), never "at once". Unbound tokens cannot be revoked before they expire.
//
// Marking superseded (rotate --grace) annotates the old credential's Secret instead of deleting it.

import type { Connection } from '../cluster/connect';
import { throwIfAborted } from '../cluster/util';
import { SaKubeconfigError } from '../errors';
import { redact } from '../redact';
import type { OperationOptions } from '../types';
import { forgetCredentials, ledgerPath } from './ledger';
import { listCredentials } from './list';
import {
  credentialMatches,
  isDueForRevocation,
  REVOCATION_DELAY_NOTE,
  REVOKE_AFTER_ANNOTATION,
  SUPERSEDED_AT_ANNOTATION,
  SUPERSEDED_BY_ANNOTATION,
  UNBOUND_NOTE,
  type Credential,
} from './model';

export interface RevokeSelection {
  /** Ids (short jti, jti or Secret name). */
  ids?: string[];
  /** Every credential sa-kubeconfig made for the account. */
  all?: boolean;
  /** Expired ones, and superseded ones whose grace period is over. */
  expired?: boolean;
  /** Every superseded one (rotate --grace), grace period or not. */
  superseded?: boolean;
}

export interface RevokeCredentialsResult {
  revoked: Credential[];
  /** Selected but not revocable (unbound tokens), with why in notes. */
  notRevocable: Credential[];
  failed: { credential: Credential; message: string }[];
  notes: string[];
}

/** What a selection picks from the account's credentials; throws notFound for an id that matches none. Pure. */
export function selectCredentials(credentials: Credential[], selection: RevokeSelection, now: Date): Credential[] {
  const picked = new Map<string, Credential>();
  const add = (c: Credential) => picked.set(`${c.kind}/${c.secretName ?? c.id}`, c);
  for (const id of selection.ids ?? []) {
    const matches = credentials.filter((c) => credentialMatches(c, id));
    if (matches.length === 0) {
      throw new SaKubeconfigError('notFound', `No credential "${id}" for this service account. Nothing was revoked.`, {
        hint: 'List the credentials with `sa-kubeconfig list -s NAME` (ids are the short jti or the Secret name).',
      });
    }
    if (matches.length > 1) {
      throw new SaKubeconfigError(
        'invalidInput',
        `"${id}" matches ${matches.length} credentials (${matches.map((c) => c.id).join(', ')}). Nothing was revoked.`,
        {
          hint: 'Give more characters of the id, or the Secret name.',
        },
      );
    }
    add(matches[0]);
  }
  for (const c of credentials) {
    if (!c.managed) continue;
    if (
      selection.all ||
      (selection.expired && isDueForRevocation(c, now)) ||
      (selection.superseded && c.supersededAt !== undefined)
    )
      add(c);
  }
  return [...picked.values()];
}

function secretPath(namespace: string, name: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
}

/** Deletes the Secrets of exactly these credentials (unbound ones cannot be revoked: they are reported). */
export async function revokeSelected(
  conn: Connection,
  selected: Credential[],
  options: OperationOptions & { ledger?: string | false } = {},
): Promise<RevokeCredentialsResult> {
  const result: RevokeCredentialsResult = { revoked: [], notRevocable: [], failed: [], notes: [] };
  for (const c of selected) {
    if (!c.revocable || !c.secretName) {
      result.notRevocable.push(c);
      continue;
    }
    throwIfAborted(options.signal);
    try {
      const res = await conn.client.requestRaw(
        { method: 'DELETE', path: secretPath(c.namespace, c.secretName), action: `delete Secret "${c.secretName}"` },
        { logger: options.logger },
      );
      if (res.status < 300 || res.status === 404) result.revoked.push(c);
      else
        result.failed.push({
          credential: c,
          message: `HTTP ${res.status}${res.status === 403 ? ' (forbidden: you may not delete secrets there)' : ''}`,
        });
    } catch (err) {
      result.failed.push({ credential: c, message: redact((err as Error).message) });
    }
  }
  if (result.revoked.length > 0) result.notes.push(REVOCATION_DELAY_NOTE);
  if (result.revoked.some((c) => !c.managed))
    result.notes.push('A credential sa-kubeconfig did not make was revoked because you named it.');
  if (result.revoked.some((c) => c.sharedSecret)) {
    result.notes.push(
      'A binding Secret made by an earlier sa-kubeconfig was deleted: every token bound to it is revoked.',
    );
  }
  if (result.notRevocable.length > 0) result.notes.push(UNBOUND_NOTE);
  if (options.ledger !== false && result.revoked.length > 0) {
    try {
      await forgetCredentials(
        result.revoked.map((c) => ({ server: conn.server, namespace: c.namespace, id: c.id })),
        options.ledger ?? ledgerPath(),
      );
    } catch (err) {
      result.notes.push(`The local ledger could not be updated (${(err as Error).message}).`);
    }
  }
  return result;
}

/** Revokes the selected credentials of one service account. */
export async function revokeCredentials(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; selection: RevokeSelection; ledger?: string | false; now?: Date },
  options: OperationOptions = {},
): Promise<RevokeCredentialsResult> {
  const listed = await listCredentials(
    conn,
    { namespace: args.namespace, serviceAccount: args.serviceAccount, ledger: args.ledger, requireSecrets: true },
    options,
  );
  const selected = selectCredentials(listed.credentials, args.selection, args.now ?? new Date());
  const result = await revokeSelected(conn, selected, { ...options, ledger: args.ledger });
  if (selected.length === 0) result.notes.push('No credential matched: nothing was revoked.');
  return result;
}

/** Annotates the credentials' Secrets as superseded by `by`; `revoke --expired` revokes them after the grace period. */
export async function markSuperseded(
  conn: Connection,
  credentials: Credential[],
  args: { by: string; graceSeconds: number; now?: Date },
  options: OperationOptions = {},
): Promise<void> {
  const now = args.now ?? new Date();
  const revokeAfter = new Date(now.getTime() + args.graceSeconds * 1000).toISOString();
  for (const c of credentials) {
    if (!c.secretName) continue;
    await conn.client.request(
      {
        method: 'PATCH',
        path: secretPath(c.namespace, c.secretName),
        contentType: 'application/merge-patch+json',
        body: {
          metadata: {
            annotations: {
              [SUPERSEDED_AT_ANNOTATION]: now.toISOString(),
              [SUPERSEDED_BY_ANNOTATION]: args.by,
              [REVOKE_AFTER_ANNOTATION]: revokeAfter,
            },
          },
        },
        action: `mark Secret "${c.secretName}" superseded`,
      },
      { logger: options.logger },
    );
  }
}
