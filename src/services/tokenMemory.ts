// Tokens issued through TokenRequest cannot be listed from the cluster, so we remember that we issued them:
// who for, when, and until when. Never the token itself.
import type * as vscode from 'vscode';

export interface IssuedTokenRecord {
  context: string;
  server: string;
  namespace: string;
  serviceAccount: string;
  issuedAt: string;
  /** status.expirationTimestamp from the server (it may shorten what was asked for). */
  expiresAt: string;
  /** The Secret the token is bound to, when it is: deleting that Secret revokes the token. */
  boundSecret?: string;
}

const KEY = 'saKubeconfig.issuedTokens';

export class TokenMemory {
  constructor(private readonly state: vscode.Memento) {}

  all(): IssuedTokenRecord[] {
    return this.state.get<IssuedTokenRecord[]>(KEY, []);
  }

  /** Records of one service account that have not expired yet (expired ones are forgotten). */
  forServiceAccount(context: string, namespace: string, serviceAccount: string, now = Date.now()): IssuedTokenRecord[] {
    return this.all().filter(
      (r) =>
        r.context === context &&
        r.namespace === namespace &&
        r.serviceAccount === serviceAccount &&
        Date.parse(r.expiresAt) > now,
    );
  }

  async remember(record: IssuedTokenRecord): Promise<void> {
    const keep = this.all().filter((r) => Date.parse(r.expiresAt) > Date.now());
    // Defensive: only the listed fields are stored, whatever the caller passed.
    const { context, server, namespace, serviceAccount, issuedAt, expiresAt, boundSecret } = record;
    keep.push({
      context,
      server,
      namespace,
      serviceAccount,
      issuedAt,
      expiresAt,
      ...(boundSecret ? { boundSecret } : {}),
    });
    await this.state.update(KEY, keep);
  }

  /** Forgets the tokens of one namespace (of one service account, when given) bound to the named Secrets: revoked. */
  async forgetBoundTo(
    where: { context: string; namespace: string; serviceAccount?: string },
    secrets: readonly (string | undefined)[],
  ): Promise<void> {
    await this.forget(
      (r) =>
        r.context === where.context &&
        r.namespace === where.namespace &&
        (where.serviceAccount === undefined || r.serviceAccount === where.serviceAccount) &&
        r.boundSecret !== undefined &&
        secrets.includes(r.boundSecret),
    );
  }

  async forget(predicate: (r: IssuedTokenRecord) => boolean): Promise<void> {
    await this.state.update(
      KEY,
      this.all().filter((r) => !predicate(r)),
    );
  }
}
