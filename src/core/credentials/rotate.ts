// Rotation is make-before-break:
//   1. check what the server would refuse (lifetime) and find the old credential(s)   nothing changed yet
//   2. issue the new credential (issueCredential: its own pre-checks, no half-made Secret)
//   3. build its kubeconfig and verify it against the cluster (it authenticates as the service account)
//   4. deliver it (the face writes the file, merges it, opens the editor)
//   5. only then revoke the old one(s), or with a grace period mark them superseded for a later
//      `revoke --superseded` / `revoke --expired`.
// A failure in 1-4 leaves the old credential working, takes back the new one (its Secret is deleted: nobody holds
// its token) and says "the old credential is intact". Nothing after step 4 takes the signal: once the new
// credential has been delivered, the rotation finishes.

import type { Connection } from '../cluster/connect';
import { throwIfAborted } from '../cluster/util';
import { SaKubeconfigError } from '../errors';
import { namespacesFromBindings, roleRefsOf } from '../inventory/parse';
import { fetchServiceAccountDetails } from '../inventory/read';
import { kubeconfigFor } from '../kubeconfig/forToken';
import type { TokenResult } from '../token/token';
import type { KubeconfigOptions, OperationOptions } from '../types';
import { verifyKubeconfig } from '../verify/verify';
import { issueCredential, issueSpecProblems } from './issue';
import { ledgerPath, recordCredentials } from './ledger';
import { listCredentials } from './list';
import type { Credential, CredentialDestination } from './model';
import { ledgerEntryFor } from './record';
import { markSuperseded, revokeSelected, selectCredentials, type RevokeCredentialsResult } from './revoke';

export interface RotateCredentialsArgs {
  namespace: string;
  serviceAccount: string;
  /** Kind of the new credential; default: long-lived when every replaced one is long-lived, else bound. */
  kind?: 'bound' | 'longLived' | 'unbound';
  /** Lifetime of a new bound/unbound token (default 24 h). */
  durationSeconds?: number;
  note?: string;
  /** Which credentials to replace (ids); default: every active credential sa-kubeconfig made for the account. */
  credentialIds?: string[];
  /**
   * Keep the old ones working this long (marked superseded); default: revoke them right after the new one is delivered.
   */
  graceSeconds?: number;
  kubeconfig?: KubeconfigOptions;
  namespaces?: string[];
  tokenTimeoutMs?: number;
  /** Verify the new kubeconfig before delivering it (default true). */
  verify?: boolean;
  /** The ledger file (default ledgerPath()); false: none. */
  ledger?: string | false;
}

export interface NewKubeconfig {
  /** SECRET: holds the new token. */
  kubeconfigYaml: string;
  contexts: string[];
  credential: Credential;
}

export interface RotateCredentialsResult {
  credential: Credential;
  token: Omit<TokenResult, 'token' | 'secretCaPem'>;
  /** SECRET: holds the new token. */
  kubeconfigYaml: string;
  contexts: string[];
  /** The credentials replaced (revoked, or superseded with a grace period). */
  replaced: Credential[];
  /** Set when the old ones were revoked (no grace period). */
  revokeResult?: RevokeCredentialsResult;
  /** With a grace period: when `revoke --expired` may revoke the old ones. */
  revokeAfter?: string;
  verifiedAs?: string;
  warnings: string[];
}

export const OLD_INTACT = 'The old credential is intact: it still works, nothing was revoked.';

function intact(err: unknown, newOne?: string): never {
  const tail = `${newOne ? ` ${newOne}` : ''} ${OLD_INTACT}`;
  if (err instanceof Error) {
    err.message += tail;
    throw err;
  }
  throw new SaKubeconfigError('server', `${String(err)}${tail}`);
}

/**
 * Rotates (see the top of this file). `deliver` writes the new kubeconfig where the user asked and returns where it
 * went (for the ledger); if it throws, the old credential stays and the new one is taken back.
 */
export async function rotateCredentials(
  conn: Connection,
  args: RotateCredentialsArgs,
  deliver: (fresh: NewKubeconfig) => Promise<CredentialDestination[]>,
  options: OperationOptions = {},
): Promise<RotateCredentialsResult> {
  const warnings: string[] = [];
  let old: Credential[];
  let namespaces: string[];
  let details;
  try {
    const problems = issueSpecProblems({
      namespace: args.namespace,
      serviceAccount: args.serviceAccount,
      kind: args.kind ?? 'bound',
      durationSeconds: args.durationSeconds ?? 86400,
      note: args.note,
    });
    if (problems.length > 0) throw new SaKubeconfigError('invalidInput', problems.join(' '), { details: { problems } });
    const listed = await listCredentials(
      conn,
      { namespace: args.namespace, serviceAccount: args.serviceAccount, ledger: args.ledger },
      options,
    );
    old =
      args.credentialIds && args.credentialIds.length > 0
        ? selectCredentials(listed.credentials, { ids: args.credentialIds }, new Date())
        : listed.credentials.filter((c) => c.managed && c.revocable && c.state === 'active');
    details = await fetchServiceAccountDetails(conn, args.namespace, args.serviceAccount, options);
    namespaces =
      args.namespaces && args.namespaces.length > 0
        ? args.namespaces
        : namespacesFromBindings(args.namespace, details.bindings);
    throwIfAborted(options.signal);
  } catch (err) {
    intact(err);
  }
  if (old.length === 0)
    warnings.push('There was no earlier credential of this service account to replace; a new one was issued.');
  if (old.some((c) => !c.revocable))
    warnings.push('Unbound tokens cannot be revoked before they expire; they stay valid until then.');
  const kind = args.kind ?? (old.length > 0 && old.every((c) => c.kind === 'longLived') ? 'longLived' : 'bound');

  let issued;
  try {
    issued = await issueCredential(
      conn,
      {
        namespace: args.namespace,
        serviceAccount: args.serviceAccount,
        kind,
        durationSeconds: args.durationSeconds ?? 86400,
        ...(args.note ? { note: args.note } : {}),
        ...(args.tokenTimeoutMs ? { tokenTimeoutMs: args.tokenTimeoutMs } : {}),
      },
      options,
    );
  } catch (err) {
    intact(err);
  }
  warnings.push(...issued.warnings.filter((w) => kind === 'unbound' || !w.startsWith('An unbound')));
  const takeBack = async (err: unknown): Promise<never> => {
    if (!issued.credential.revocable) intact(err, 'The new unbound token cannot be revoked; nobody holds it.');
    const back = await revokeSelected(conn, [issued.credential], { logger: options.logger, ledger: false });
    intact(
      err,
      back.revoked.length > 0
        ? `The new credential ${issued.credential.id} was revoked again.`
        : `The new credential ${issued.credential.id} (Secret ${issued.credential.secretName}) could not be ` +
            'revoked again; revoke it.',
    );
  };

  let fresh: NewKubeconfig;
  let verifiedAs: string | undefined;
  let destinations: CredentialDestination[];
  try {
    const k = await kubeconfigFor(
      conn,
      {
        serviceAccount: args.serviceAccount,
        serviceAccountNamespace: args.namespace,
        namespaces,
        kubeconfig: args.kubeconfig ?? {},
        clusterWide: details.bindings.some((b) => b.kind === 'ClusterRoleBinding'),
        roleRefs: roleRefsOf(details.bindings),
      },
      issued.token,
      options,
    );
    warnings.push(...k.warnings);
    fresh = { kubeconfigYaml: k.kubeconfigYaml, contexts: k.contexts, credential: issued.credential };
    if (args.verify !== false) {
      // The rules were checked when the account was set up; here it matters that the cluster accepts the new token.
      const report = await verifyKubeconfig(
        k.kubeconfigYaml,
        { namespaces: [args.namespace], rules: [], hasRoleRefs: true },
        { signal: options.signal, logger: options.logger },
      );
      const expected = `system:serviceaccount:${args.namespace}:${args.serviceAccount}`;
      if (report.whoami && report.whoami.username !== expected) {
        throw new SaKubeconfigError(
          'server',
          `The new credential authenticates as "${report.whoami.username}", not ${expected}.`,
        );
      }
      verifiedAs = report.whoami?.username ?? expected;
    }
    throwIfAborted(options.signal);
    destinations = await deliver(fresh);
  } catch (err) {
    return takeBack(err);
  }

  // From here on the new credential is in place: finish without the signal.
  const result: RotateCredentialsResult = {
    credential: issued.credential,
    token: tokenSummary(issued.token),
    kubeconfigYaml: fresh.kubeconfigYaml,
    contexts: fresh.contexts,
    replaced: old,
    ...(verifiedAs ? { verifiedAs } : {}),
    warnings,
  };
  if (args.ledger !== false && destinations.length > 0) {
    await recordCredentials([ledgerEntryFor(conn, issued.credential, destinations)], args.ledger ?? ledgerPath()).catch(
      (err: Error) => {
        warnings.push(`The local ledger could not be updated (${err.message}).`);
      },
    );
  }
  const revocable = old.filter((c) => c.revocable);
  if (args.graceSeconds && args.graceSeconds > 0) {
    const now = new Date();
    await markSuperseded(
      conn,
      revocable,
      { by: issued.credential.id, graceSeconds: args.graceSeconds, now },
      { logger: options.logger },
    );
    result.revokeAfter = new Date(now.getTime() + args.graceSeconds * 1000).toISOString();
  } else {
    result.revokeResult = await revokeSelected(conn, revocable, { logger: options.logger, ledger: args.ledger });
  }
  return result;
}

function tokenSummary(token: TokenResult): Omit<TokenResult, 'token' | 'secretCaPem'> {
  const { token: _t, secretCaPem: _c, ...summary } = token;
  return summary;
}
