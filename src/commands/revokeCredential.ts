import { listCredentials } from '../core/credentials/list';
import { UNBOUND_NOTE, type Credential } from '../core/credentials/model';
import { revokeCredentials, type RevokeCredentialsResult } from '../core/credentials/revoke';
import { CredentialNode, expiryWords } from '../tree/nodes';
import type { CommandDeps } from './deps';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount, targetOf } from './support/targets';

/**
 * Revokes exactly one credential (core revokeCredentials, selected by its Secret name or id): its Secret is deleted,
 * and the token stops working within about 10 seconds (the API server caches tokens it has validated). The
 * account's other credentials keep working. From a credential node of the tree; otherwise asks which one.
 */
export async function revokeCredential(
  deps: CommandDeps,
  node?: unknown,
): Promise<RevokeCredentialsResult | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  const credential =
    node instanceof CredentialNode
      ? node.credential
      : await pickCredential(deps, t, (await targetOf(deps, node)).credentialId);
  if (!credential) return undefined;
  if (!credential.revocable || !credential.secretName) {
    void deps.prompts.info(`Credential ${credential.id} is not bound to a Secret. ${UNBOUND_NOTE}`);
    return undefined;
  }
  const name = `${credential.id}${credential.note ? ` ("${credential.note}")` : ''}`;
  const go = await deps.prompts.confirm(
    `Revoke credential ${name} of ${t.namespace}/${t.serviceAccount}?`,
    `Deletes Secret ${t.namespace}/${credential.secretName}. ` +
      'Kubeconfigs holding this token get 401 Unauthorized within about ' +
      '10 seconds (the API server caches tokens it has validated).' +
      (credential.sharedSecret
        ? ' This Secret was made by an earlier version: every token bound to it is revoked with it.'
        : " The account's other credentials keep working."),
    'Revoke',
  );
  if (go !== 'Revoke') return undefined;
  const result = await withCancellableProgress(`Revoking credential ${credential.id}`, async (signal) => {
    const conn = await deps.connections.get(t.context);
    return revokeCredentials(
      conn,
      {
        namespace: t.namespace,
        serviceAccount: t.serviceAccount,
        selection: { ids: [credential.secretName ?? credential.id] },
      },
      { signal, logger: deps.logger },
    );
  });
  const secrets = result.revoked.map((c) => c.secretName);
  await deps.tokens.forgetBoundTo({ context: t.context, namespace: t.namespace }, secrets);
  await deps.documents.markRevoked(
    t,
    result.revoked.flatMap((c) => [c.id, c.secretName]),
    'revoked',
  );
  deps.logger.info(
    `Revoked credential ${credential.id} of ${t.namespace}/${t.serviceAccount}: ` +
      `deleted ${secrets.join(', ') || 'nothing'}`,
  );
  if (result.failed.length > 0) {
    void deps.prompts.warn(
      `Credential ${credential.id} was not revoked: ${result.failed.map((f) => f.message).join('; ')}. It still works.`,
    );
  } else if (result.revoked.length > 0) {
    void deps.prompts.info(
      `Revoked credential ${credential.id} (deleted Secret ${secrets.join(', ')}): ` +
        'it stops working within about 10 seconds.',
    );
  } else {
    void deps.prompts.info(result.notes.join(' '));
  }
  deps.tree.refreshServiceAccount(t.context, t.namespace);
  return result;
}

async function pickCredential(
  deps: CommandDeps,
  t: { context: string; namespace: string; serviceAccount: string },
  preselected?: string,
): Promise<Credential | undefined> {
  const conn = await deps.connections.get(t.context);
  const { credentials } = await listCredentials(
    conn,
    { namespace: t.namespace, serviceAccount: t.serviceAccount },
    { logger: deps.logger },
  );
  const known = preselected ? credentials.find((c) => c.id === preselected || c.secretName === preselected) : undefined;
  if (known) return known;
  const revocable = credentials.filter((c) => c.revocable);
  if (revocable.length === 0) {
    void deps.prompts.info(`${t.namespace}/${t.serviceAccount} has no credential that can be revoked.`);
    return undefined;
  }
  return deps.prompts.pick(
    `Credential of ${t.namespace}/${t.serviceAccount} to revoke`,
    revocable.map((c) => ({
      label: c.id,
      description: [c.note, c.kind, c.state].filter(Boolean).join(' · '),
      detail: expiryWords(c),
      value: c,
    })),
  );
}
