// A ledger entry for a credential this machine just wrote somewhere. Pure: no token goes in (ledger.ts sanitizes too).
import type { Connection } from '../cluster/connect';
import type { LedgerEntry } from './ledger';
import type { Credential, CredentialDestination } from './model';

export function ledgerEntryFor(
  conn: Pick<Connection, 'server' | 'contextName'>,
  credential: Credential,
  destinations: CredentialDestination[],
  issuedAt: Date = new Date(),
): LedgerEntry {
  return {
    server: conn.server,
    context: conn.contextName,
    namespace: credential.namespace,
    serviceAccount: credential.serviceAccount,
    id: credential.id,
    ...(credential.jti ? { jti: credential.jti } : {}),
    kind: credential.kind,
    ...(credential.secretName ? { secretName: credential.secretName } : {}),
    ...(credential.note ? { note: credential.note } : {}),
    issuedAt: credential.createdAt ?? issuedAt.toISOString(),
    ...(credential.expiresAt ? { expiresAt: credential.expiresAt } : {}),
    destinations,
  };
}
