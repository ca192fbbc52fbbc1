// Listing credentials: every credential Secret of a namespace (or of one service account), read METADATA ONLY
// (PartialObjectMetadataList: no token crosses the wire), joined with the local ledger (where this machine wrote
// each one, and the unbound tokens it issued, which the cluster does not store).

import type { Connection } from '../cluster/connect';
import { METADATA_ONLY_LIST } from '../cluster/util';
import { isSaKubeconfigError } from '../errors';
import { MANAGED_SELECTOR } from '../inventory/read';
import { SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import { FOR_SERVICE_ACCOUNT_ANNOTATION, type OperationOptions } from '../types';
import { ledgerPath, readLedger, type LedgerEntry } from './ledger';
import { credentialFromSecret, sortCredentials, type Credential, type SecretMetadataLike } from './model';

export interface ListCredentialsArgs {
  namespace: string;
  /** Only this account's credentials; all of the namespace's otherwise. */
  serviceAccount?: string;
  /** The ledger to read (default: ledgerPath()); false: do not read one. */
  ledger?: string | false;
  now?: Date;
  /**
   * A Forbidden list of Secrets is an error, not a note: for callers that act on what they find (revoke), where
   * "nothing matched" would be a false answer.
   */
  requireSecrets?: boolean;
}

export interface CredentialList {
  credentials: Credential[];
  /** E.g. that the ledger could not be read. */
  notes: string[];
}

/** Credential Secrets of a namespace, metadata only: ours (by label) and token Secrets (by type). */
export async function fetchCredentialSecrets(
  conn: Connection,
  namespace: string,
  options: OperationOptions = {},
): Promise<SecretMetadataLike[]> {
  const list = (query: Record<string, string>) =>
    conn.client
      .request<{ items?: SecretMetadataLike[] }>(
        {
          method: 'GET',
          path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
          query,
          accept: METADATA_ONLY_LIST,
          action: `list secrets in namespace "${namespace}"`,
        },
        options,
      )
      .then((l) => l.items ?? []);
  const [managed, tokenSecrets] = await Promise.all([
    list({ labelSelector: MANAGED_SELECTOR }),
    list({ fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` }),
  ]);
  // Metadata-only answers carry no type: the field selector says which are token Secrets.
  const tokenNames = new Set(tokenSecrets.map((s) => s.metadata?.name));
  const byName = new Map<string, SecretMetadataLike>();
  for (const s of managed)
    byName.set(s.metadata?.name ?? '', {
      ...s,
      ...(tokenNames.has(s.metadata?.name) ? { type: SERVICE_ACCOUNT_TOKEN_TYPE } : {}),
    });
  for (const s of tokenSecrets)
    if (!byName.has(s.metadata?.name ?? ''))
      byName.set(s.metadata?.name ?? '', { ...s, type: SERVICE_ACCOUNT_TOKEN_TYPE });
  byName.delete('');
  return [...byName.values()];
}

/** Which service account a Secret is a credential of, from its annotations. Pure. */
export function serviceAccountOfSecret(secret: SecretMetadataLike, namespace: string): string | undefined {
  const annotations = secret.metadata?.annotations ?? {};
  const key = annotations[FOR_SERVICE_ACCOUNT_ANNOTATION];
  if (key?.startsWith(`${namespace}/`)) return key.slice(namespace.length + 1);
  return annotations[SA_NAME_ANNOTATION];
}

/**
 * Credentials from Secrets plus the ledger: each credential gets where this machine wrote it; unbound tokens this
 * machine issued (not stored in the cluster) are added from the ledger. Pure.
 */
export function assembleCredentials(
  secrets: SecretMetadataLike[],
  namespace: string,
  serviceAccount: string | undefined,
  ledger: LedgerEntry[],
  server: string,
  now: Date,
): Credential[] {
  const credentials: Credential[] = [];
  for (const s of secrets) {
    const owner = serviceAccountOfSecret(s, namespace);
    if (!owner || (serviceAccount !== undefined && owner !== serviceAccount)) continue;
    const c = credentialFromSecret(s, namespace, owner, now);
    if (c) credentials.push(c);
  }
  const mine = ledger.filter(
    (e) =>
      e.server === server &&
      e.namespace === namespace &&
      (serviceAccount === undefined || e.serviceAccount === serviceAccount),
  );
  for (const e of mine) {
    const match = credentials.find(
      (c) => c.id === e.id || (e.secretName !== undefined && c.secretName === e.secretName),
    );
    if (match) {
      match.destinations = [...match.destinations, ...e.destinations];
      if (!match.note && e.note) match.note = e.note;
    } else if (e.kind === 'unbound') {
      const expired = e.expiresAt !== undefined && Date.parse(e.expiresAt) <= now.getTime();
      credentials.push({
        id: e.id,
        ...(e.jti ? { jti: e.jti } : {}),
        kind: 'unbound',
        state: expired ? 'expired' : 'active',
        namespace,
        serviceAccount: e.serviceAccount,
        ...(e.note ? { note: e.note } : {}),
        createdAt: e.issuedAt,
        ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
        managed: true,
        revocable: false,
        destinations: [...e.destinations],
      });
    }
  }
  return sortCredentials(credentials);
}

/** Every credential of the namespace (or of one service account in it). Never reads a token. */
export async function listCredentials(
  conn: Connection,
  args: ListCredentialsArgs,
  options: OperationOptions = {},
): Promise<CredentialList> {
  const notes: string[] = [];
  const [secrets, ledger] = await Promise.all([
    fetchCredentialSecrets(conn, args.namespace, options).catch((err: unknown) => {
      if (!isSaKubeconfigError(err, 'forbidden') || args.requireSecrets) throw err;
      notes.push(
        `Not allowed to list Secrets in namespace "${args.namespace}": credentials kept in Secrets are not shown.`,
      );
      return [];
    }),
    args.ledger === false
      ? Promise.resolve([])
      : readLedger(args.ledger ?? ledgerPath()).then(
          (l) => l.entries,
          (err: Error) => {
            notes.push(
              `The local ledger could not be read (${err.message}); where credentials were written is not shown.`,
            );
            return [];
          },
        ),
  ]);
  return {
    credentials: assembleCredentials(
      secrets,
      args.namespace,
      args.serviceAccount,
      ledger,
      conn.server,
      args.now ?? new Date(),
    ),
    notes,
  };
}
