// Migrating a long-lived token Secret (a legacy one, or a long-lived one sa-kubeconfig made) to a revocable,
// expiring credential, make before break:
//   1. find the token Secret (metadata only) and its service account; check the lifetime    nothing changed yet
//   2. issue a bound token through issueCredential (its own pre-checks: rights, dry run)
//   3. build its kubeconfig and verify the cluster accepts it as the service account
//   4. deliver it (the face writes the file / opens the editor tab)
//   5. delete the old Secret ONLY when the caller confirms (`--confirm`, or the user's answer in the extension);
//      otherwise it stays and the result says how to delete it later.
// A failure in 2-4 takes the new credential back (its Secret is deleted) and leaves the old one as it was.

import type { Connection } from '../cluster/connect';
import { METADATA_ONLY_LIST, throwIfAborted } from '../cluster/util';
import { issueCredential, issueSpecProblems } from '../credentials/issue';
import { ledgerPath, recordCredentials } from '../credentials/ledger';
import { credentialFromSecret, type Credential, type CredentialDestination } from '../credentials/model';
import { ledgerEntryFor } from '../credentials/record';
import { revokeSelected, type RevokeCredentialsResult } from '../credentials/revoke';
import { SaKubeconfigError } from '../errors';
import { namespacesFromBindings, roleRefsOf, type ObjectMeta } from '../inventory/parse';
import { fetchServiceAccountDetails } from '../inventory/read';
import { kubeconfigFor } from '../kubeconfig/forToken';
import { checkDns1123Subdomain } from '../plan/validate';
import { SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import { FOR_SERVICE_ACCOUNT_ANNOTATION, type KubeconfigOptions, type OperationOptions } from '../types';
import { verifyKubeconfig } from '../verify/verify';

export interface MigrateArgs {
  namespace: string;
  /** The long-lived token Secret to replace. */
  secretName: string;
  /** When given, the Secret must belong to this account. */
  serviceAccount?: string;
  /** Lifetime of the new bound token (default 24 h; the server may grant less). */
  durationSeconds?: number;
  note?: string;
  kubeconfig?: KubeconfigOptions;
  /** Delete the old Secret once the new kubeconfig is delivered. Default: keep it. */
  deleteOld?: boolean;
  /** The ledger file (default ledgerPath()); false: none. */
  ledger?: string | false;
}

export interface MigrateResult {
  serviceAccount: string;
  /** The replaced credential (the old token Secret). */
  old: Credential;
  credential: Credential;
  /** SECRET: holds the new token. */
  kubeconfigYaml: string;
  contexts: string[];
  verifiedAs?: string;
  /** Set when the old Secret was deleted. */
  revokeResult?: RevokeCredentialsResult;
  warnings: string[];
}

export const MIGRATE_OLD_INTACT = 'The old token Secret is intact: it still works, nothing was deleted.';

/** The token Secret to migrate and its account, read metadata only; throws notFound/invalidInput. */
export async function findTokenSecret(
  conn: Connection,
  namespace: string,
  secretName: string,
  serviceAccount: string | undefined,
  options: OperationOptions = {},
): Promise<{ serviceAccount: string; credential: Credential }> {
  const list = await conn.client.request<{ items?: { metadata?: ObjectMeta }[] }>(
    {
      method: 'GET',
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`,
      query: { fieldSelector: `metadata.name=${secretName},type=${SERVICE_ACCOUNT_TOKEN_TYPE}` },
      accept: METADATA_ONLY_LIST,
      action: `find token Secret "${secretName}" in namespace "${namespace}"`,
    },
    options,
  );
  const secret = list.items?.[0];
  if (!secret) {
    throw new SaKubeconfigError(
      'notFound',
      `There is no service account token Secret "${secretName}" in namespace "${namespace}". Nothing was changed.`,
      { hint: 'See the token Secrets with `sa-kubeconfig audit -n NAMESPACE`.' },
    );
  }
  const annotations = secret.metadata?.annotations ?? {};
  const key = annotations[FOR_SERVICE_ACCOUNT_ANNOTATION];
  const owner =
    annotations[SA_NAME_ANNOTATION] ?? (key?.startsWith(`${namespace}/`) ? key.slice(namespace.length + 1) : '');
  if (!owner) {
    throw new SaKubeconfigError(
      'invalidInput',
      `Secret "${secretName}" names no service account. Nothing was changed.`,
    );
  }
  if (serviceAccount !== undefined && serviceAccount !== owner) {
    throw new SaKubeconfigError(
      'invalidInput',
      `Secret "${secretName}" is a token of service account "${owner}", not "${serviceAccount}". Nothing was changed.`,
    );
  }
  const credential = credentialFromSecret(
    { ...secret, type: SERVICE_ACCOUNT_TOKEN_TYPE },
    namespace,
    owner,
    new Date(),
  );
  if (!credential) {
    throw new SaKubeconfigError(
      'invalidInput',
      `Secret "${secretName}" is not a token of "${owner}". Nothing was changed.`,
    );
  }
  return { serviceAccount: owner, credential };
}

/**
 * Migrates (see the top of this file). `deliver` writes the new kubeconfig where the user asked and returns where
 * it went (for the ledger); if it throws, the new credential is taken back and the old one is untouched.
 */
export async function migrateTokenSecret(
  conn: Connection,
  args: MigrateArgs,
  deliver: (fresh: {
    kubeconfigYaml: string;
    contexts: string[];
    credential: Credential;
  }) => Promise<CredentialDestination[]>,
  options: OperationOptions = {},
): Promise<MigrateResult> {
  const durationSeconds = args.durationSeconds ?? 86400;
  const fail = (err: unknown, extra = ''): never => {
    const tail = `${extra ? ` ${extra}` : ''} ${MIGRATE_OLD_INTACT}`;
    if (err instanceof Error) {
      if (!err.message.includes(MIGRATE_OLD_INTACT)) err.message += tail;
      throw err;
    }
    throw new SaKubeconfigError('server', `${String(err)}${tail}`);
  };
  const nameProblem = checkDns1123Subdomain(args.secretName, 'Secret name');
  const problems = [
    ...(nameProblem ? [nameProblem] : []),
    ...issueSpecProblems({
      namespace: args.namespace,
      serviceAccount: args.serviceAccount ?? 'x',
      kind: 'bound',
      durationSeconds,
      note: args.note,
    }),
  ];
  if (problems.length > 0) throw new SaKubeconfigError('invalidInput', problems.join(' '), { details: { problems } });

  const found = await findTokenSecret(conn, args.namespace, args.secretName, args.serviceAccount, options);
  const serviceAccount = found.serviceAccount;
  const details = await fetchServiceAccountDetails(conn, args.namespace, serviceAccount, options);
  throwIfAborted(options.signal);

  const issued = await issueCredential(
    conn,
    {
      namespace: args.namespace,
      serviceAccount,
      kind: 'bound',
      durationSeconds,
      note: args.note ?? `migrated from ${args.secretName}`.slice(0, 100),
    },
    options,
  ).catch((err: unknown) => fail(err));
  const warnings = [...issued.warnings];
  let fresh: { kubeconfigYaml: string; contexts: string[]; credential: Credential };
  let verifiedAs: string;
  let destinations: CredentialDestination[];
  try {
    const k = await kubeconfigFor(
      conn,
      {
        serviceAccount,
        serviceAccountNamespace: args.namespace,
        namespaces: namespacesFromBindings(args.namespace, details.bindings),
        kubeconfig: args.kubeconfig ?? {},
        clusterWide: details.bindings.some((b) => b.kind === 'ClusterRoleBinding'),
        roleRefs: roleRefsOf(details.bindings),
      },
      issued.token,
      options,
    );
    warnings.push(...k.warnings);
    fresh = { kubeconfigYaml: k.kubeconfigYaml, contexts: k.contexts, credential: issued.credential };
    const report = await verifyKubeconfig(
      k.kubeconfigYaml,
      { namespaces: [args.namespace], rules: [], hasRoleRefs: true },
      { signal: options.signal, logger: options.logger },
    );
    const expected = `system:serviceaccount:${args.namespace}:${serviceAccount}`;
    if (report.whoami && report.whoami.username !== expected) {
      throw new SaKubeconfigError(
        'server',
        `The new credential authenticates as "${report.whoami.username}", not ${expected}.`,
      );
    }
    verifiedAs = report.whoami?.username ?? expected;
    throwIfAborted(options.signal);
    destinations = await deliver(fresh);
  } catch (err) {
    const back = await revokeSelected(conn, [issued.credential], { logger: options.logger, ledger: false });
    return fail(
      err,
      back.revoked.length > 0
        ? `The new credential ${issued.credential.id} was revoked again.`
        : `The new credential (Secret ${issued.credential.secretName}) could not be revoked again; revoke it.`,
    );
  }

  // The new credential is delivered: finish without the signal.
  if (args.ledger !== false && destinations.length > 0) {
    await recordCredentials([ledgerEntryFor(conn, issued.credential, destinations)], args.ledger ?? ledgerPath()).catch(
      (err: Error) => {
        warnings.push(`The local ledger could not be updated (${err.message}).`);
      },
    );
  }
  const result: MigrateResult = {
    serviceAccount,
    old: found.credential,
    credential: issued.credential,
    kubeconfigYaml: fresh.kubeconfigYaml,
    contexts: fresh.contexts,
    verifiedAs,
    warnings,
  };
  if (args.deleteOld) {
    result.revokeResult = await revokeSelected(conn, [found.credential], {
      logger: options.logger,
      ledger: args.ledger,
    });
  }
  return result;
}
