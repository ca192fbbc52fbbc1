// The one function that issues every credential sa-kubeconfig hands out: the CLI's create and rotate, the
// wizard, Quick Create, New token, Copy token and the extension's Rotate all call issueCredential.
//
//   bound (default)  a NEW Secret of its own (generateName `<sa>-cred-xxxxx`, labelled, annotated), then a
//                    TokenRequest bound to it (name + uid); then the token's jti and real expiry are written onto
//                    the Secret. Deleting that Secret revokes exactly this token. If the TokenRequest fails, the
//                    Secret just made is deleted again: no half-made credential.
//   longLived        a NEW kubernetes.io/service-account-token Secret; we wait for its token (not for ca.crt).
//   unbound          a TokenRequest bound to nothing: it cannot be revoked before it expires (only on request).
//   existing         the token of a token Secret that is there already (legacy, older clusters).
//
// Before the first write: the lifetime is checked as the server would, the caller's rights to create the Secret
// and the token are asked (SelfSubjectAccessReview) and the Secret is dry-run; a refusal names the missing
// permission and changes nothing. Credential Secrets are not part of the RBAC plan: a re-run of `create`
// converges RBAC objects and issues a new credential; credentials live until revoked, rotated or expired.
//
// Provision issues alongside its apply (IssueOptions): the credential Secret waits until the namespace exists and
// the TokenRequest until the service account does; if the apply fails first, the issue stops and deletes what it
// made, the same as for a failed TokenRequest. The id/expiry annotation may be written while the caller goes on.
//
// Cancellation as elsewhere in core: reads get the signal, writes do not, and the signal is checked before the
// first write. The token never reaches a log: only its claims (jti, exp) are read.

import type { Connection } from '../cluster/connect';
import { accessReview, type AccessAttributes } from '../cluster/reviews';
import { mapLimit, throwIfAborted } from '../cluster/util';
import { isSaKubeconfigError, SaKubeconfigError, ValidationError } from '../errors';
import { checkDns1123Label, checkDns1123Subdomain } from '../plan/validate';
import { readExistingTokenSecret, requestToken, waitForTokenSecret, type TokenResult } from '../token/token';
import type { OperationOptions, TokenMode } from '../types';
import {
  assertValidDuration,
  CREDENTIAL_EXPIRES_ANNOTATION,
  CREDENTIAL_ID_ANNOTATION,
  credentialSecretBody,
  noteProblems,
  shortCredentialId,
  tokenClaims,
  UNBOUND_NOTE,
  type Credential,
} from './model';

export type IssueKind = 'bound' | 'longLived' | 'unbound' | 'existing';

export interface IssueSpec {
  namespace: string;
  serviceAccount: string;
  /** Default 'bound'. */
  kind?: IssueKind;
  /** For bound and unbound tokens (default 1 h); the server may grant less: the credential has the real expiry. */
  durationSeconds?: number;
  /** One line that says what it is for, e.g. "github-actions deploy". */
  note?: string;
  /**
   * For 'existing': the token Secret to read (default: the account's newest). For 'longLived': its name
   * (default generated).
   */
  secretName?: string;
  /** How long to wait for the token controller to fill a long-lived Secret (default 30 s). */
  tokenTimeoutMs?: number;
  /**
   * The caller has already checked the rights (provision's preflight asks for them) or accepts the server's answer:
   * skip the access reviews. The dry run of the Secret still runs unless skipDryRun.
   */
  skipAccessCheck?: boolean;
  /** Skip the Secret's dry run (e.g. its namespace does not exist yet because the same run creates it). */
  skipDryRun?: boolean;
}

export interface IssuedCredential {
  credential: Credential;
  /** The token. SECRET: never log or print it. */
  token: TokenResult;
  warnings: string[];
  /**
   * With annotateLater: settles once the credential's id and expiry are on its Secret (a failure adds a warning to
   * `warnings`; it never rejects). The caller awaits it before finishing or revoking.
   */
  annotated?: Promise<void>;
}

export interface IssueOptions extends OperationOptions {
  /**
   * Issue alongside the apply that makes the service account (provision): the credential Secret waits for
   * namespaceReady, and the TokenRequest (or a long-lived token Secret) for accountReady. A rejection of either
   * stops the issue; whatever it had made is deleted again, as for any failure.
   */
  namespaceReady?: Promise<unknown>;
  accountReady?: Promise<unknown>;
  /** Return as soon as the token is there and write its id and expiry onto the Secret meanwhile (see `annotated`). */
  annotateLater?: boolean;
}

/**
 * The IssueSpec kind and options for a request's TokenMode (what create, the wizard and Quick Create ask for). Pure.
 */
export function issueSpecForTokenMode(namespace: string, serviceAccount: string, token: TokenMode): IssueSpec {
  switch (token.kind) {
    case 'timeBound':
      return {
        namespace,
        serviceAccount,
        kind: token.unbound ? 'unbound' : 'bound',
        durationSeconds: token.durationSeconds,
        ...(token.note ? { note: token.note } : {}),
      };
    case 'longLived':
      return {
        namespace,
        serviceAccount,
        kind: 'longLived',
        ...(token.secretName ? { secretName: token.secretName } : {}),
        ...(token.note ? { note: token.note } : {}),
      };
    case 'existingSecret':
      return { namespace, serviceAccount, kind: 'existing', secretName: token.secretName };
  }
}

/** Problems in a spec that need no cluster to find (names, lifetime, note). Pure. */
export function issueSpecProblems(spec: IssueSpec): string[] {
  const problems: string[] = [];
  const push = (p: string | undefined) => {
    if (p) problems.push(p);
  };
  push(checkDns1123Label(spec.namespace, 'Namespace'));
  push(checkDns1123Subdomain(spec.serviceAccount, 'Service account name'));
  const kind = spec.kind ?? 'bound';
  if (kind === 'bound' || kind === 'unbound') {
    try {
      assertValidDuration(spec.durationSeconds ?? 3600);
    } catch (err) {
      problems.push(...(err as ValidationError).problems);
    }
  }
  if (kind === 'longLived' && spec.secretName !== undefined)
    push(checkDns1123Subdomain(spec.secretName, 'Token Secret name'));
  problems.push(...noteProblems(spec.note));
  return problems;
}

/** The rights issuing needs, as access checks. Pure. */
export function issueAccessChecks(
  spec: Pick<IssueSpec, 'namespace' | 'kind'>,
): (AccessAttributes & { description: string })[] {
  const ns = spec.namespace;
  const secrets = (verb: string): AccessAttributes & { description: string } => ({
    verb,
    group: '',
    resource: 'secrets',
    namespace: ns,
    description: `${verb} secrets in namespace "${ns}"`,
  });
  const token: AccessAttributes & { description: string } = {
    verb: 'create',
    group: '',
    resource: 'serviceaccounts',
    subresource: 'token',
    namespace: ns,
    description: `create serviceaccounts/token in namespace "${ns}"`,
  };
  switch (spec.kind ?? 'bound') {
    case 'bound':
      return [secrets('create'), token];
    case 'longLived':
      return [secrets('create'), secrets('get')];
    case 'unbound':
      return [token];
    case 'existing':
      return [secrets('get')];
  }
}

/**
 * Everything checked before the first write: the spec, the caller's rights (SelfSubjectAccessReview), and a dry run
 * of the credential Secret. Throws, naming what is missing; sends nothing that changes the cluster.
 */
export async function precheckIssue(conn: Connection, spec: IssueSpec, options: OperationOptions = {}): Promise<void> {
  const problems = issueSpecProblems(spec);
  if (problems.length > 0)
    throw new SaKubeconfigError('invalidInput', new ValidationError(problems).message, { details: { problems } });
  const kind = spec.kind ?? 'bound';
  if (!spec.skipAccessCheck) {
    const checks = issueAccessChecks(spec);
    const answers = await mapLimit(checks, 4, (c) => accessReview(conn, c, options));
    const denied = checks.filter((_, i) => !answers[i].allowed);
    if (denied.length > 0) {
      throw new SaKubeconfigError(
        'forbidden',
        `You may not ${denied.map((d) => d.description).join(', nor ')}, which issuing the credential needs. ` +
          'Nothing was changed.',
        {
          hint: 'Ask a cluster administrator for these permissions, or use a context that has them.',
          details: { missing: denied.map(({ description: _d, ...a }) => a) },
        },
      );
    }
  }
  if (!spec.skipDryRun && (kind === 'bound' || kind === 'longLived')) {
    await conn.client.request(
      {
        method: 'POST',
        path: secretsPath(spec.namespace),
        query: { dryRun: 'All' },
        body: credentialSecretBody({
          namespace: spec.namespace,
          serviceAccount: spec.serviceAccount,
          kind,
          note: spec.note,
          name: kind === 'longLived' ? spec.secretName : undefined,
        }),
        action: `create the credential Secret for "${spec.serviceAccount}" in namespace "${spec.namespace}" (dry run)`,
      },
      options,
    );
  }
}

function secretsPath(namespace: string): string {
  return `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets`;
}

function secretPath(namespace: string, name: string): string {
  return `${secretsPath(namespace)}/${encodeURIComponent(name)}`;
}

/** Issues one credential (see the top of this file). The result holds the token: never log it. */
export async function issueCredential(
  conn: Connection,
  spec: IssueSpec,
  issueOptions: IssueOptions = {},
): Promise<IssuedCredential> {
  const { namespaceReady, accountReady, annotateLater, ...options } = issueOptions;
  const kind = spec.kind ?? 'bound';
  const { namespace, serviceAccount } = spec;
  await precheckIssue(conn, spec, options);
  throwIfAborted(options.signal);
  await namespaceReady;
  // Kinds that write nothing before the account is needed wait for it here; a bound Secret does not need it yet.
  if (kind !== 'bound') await accountReady;
  throwIfAborted(options.signal);
  const writes: OperationOptions = { logger: options.logger };
  const warnings: string[] = [];
  const base = { namespace, serviceAccount, ...(spec.note ? { note: spec.note } : {}), destinations: [] };

  if (kind === 'unbound') {
    const token = await requestToken(
      conn,
      { namespace, serviceAccount, durationSeconds: spec.durationSeconds ?? 3600 },
      options,
    );
    const jti = tokenClaims(token.token).jti;
    warnings.push(UNBOUND_NOTE);
    return {
      token,
      warnings,
      credential: {
        ...base,
        id: jti ? shortCredentialId(jti) : `unbound-${Date.now()}`,
        ...(jti ? { jti } : {}),
        kind: 'unbound',
        state: 'active',
        createdAt: new Date().toISOString(),
        ...(token.expiresAt ? { expiresAt: token.expiresAt } : {}),
        managed: true,
        revocable: false,
      },
    };
  }

  if (kind === 'existing') {
    const token = await readExistingTokenSecret(
      conn,
      { namespace, serviceAccount, secretName: spec.secretName },
      options,
    );
    return {
      token,
      warnings,
      credential: {
        ...base,
        id: token.secretName ?? '',
        kind: 'legacy',
        state: 'active',
        secretName: token.secretName,
        managed: false,
        revocable: true,
      },
    };
  }

  const body = credentialSecretBody({
    namespace,
    serviceAccount,
    kind,
    note: spec.note,
    name: kind === 'longLived' ? spec.secretName : undefined,
  });
  const created = await conn.client.request<{ metadata: { name: string; uid: string; creationTimestamp?: string } }>(
    {
      method: 'POST',
      path: secretsPath(namespace),
      body,
      action: `create the credential Secret for "${serviceAccount}" in namespace "${namespace}"`,
    },
    writes,
  );
  const secretName = created.metadata.name;
  options.logger?.info(`created credential Secret ${namespace}/${secretName}`);
  let token: TokenResult;
  try {
    if (kind === 'bound') await accountReady;
    token =
      kind === 'bound'
        ? await requestToken(
            conn,
            {
              namespace,
              serviceAccount,
              durationSeconds: spec.durationSeconds ?? 3600,
              boundSecret: { name: secretName, uid: created.metadata.uid },
            },
            writes,
          )
        : await waitForTokenSecret(conn, { namespace, secretName, timeoutMs: spec.tokenTimeoutMs }, options);
  } catch (err) {
    // No half-made credential: the Secret goes again (without the signal: this must happen).
    const removed = await conn.client
      .requestRaw(
        { method: 'DELETE', path: secretPath(namespace, secretName), action: `delete Secret "${secretName}"` },
        writes,
      )
      .then(
        (r) => r.status < 300 || r.status === 404,
        () => false,
      );
    if (err instanceof SaKubeconfigError) {
      throw new SaKubeconfigError(
        err.code,
        `${err.message} The credential Secret "${secretName}" made for it ` +
          (removed ? 'was deleted again.' : 'could not be deleted; delete it.'),
        {
          hint: err.hint,
          status: err.status,
          cause: err,
          details: err.details,
        },
      );
    }
    throw err;
  }
  const claims = tokenClaims(token.token);
  const expiresAt = token.expiresAt;
  const annotate = async (): Promise<void> => {
    if (!claims.jti && !expiresAt) return;
    try {
      await conn.client.request(
        {
          method: 'PATCH',
          path: secretPath(namespace, secretName),
          contentType: 'application/merge-patch+json',
          body: {
            metadata: {
              annotations: {
                ...(claims.jti ? { [CREDENTIAL_ID_ANNOTATION]: claims.jti } : {}),
                ...(expiresAt ? { [CREDENTIAL_EXPIRES_ANNOTATION]: expiresAt } : {}),
              },
            },
          },
          action: `annotate Secret "${secretName}" with the credential's id and expiry`,
        },
        writes,
      );
    } catch (err) {
      if (!isSaKubeconfigError(err)) throw err;
      warnings.push(
        `The credential works, but its id and expiry could not be written onto Secret "${secretName}" ` +
          `(${err.message}); list shows it by the Secret's name.`,
      );
    }
  };
  const annotated = annotateLater ? annotate().catch(() => undefined) : await annotate();
  const credential: Credential = {
    ...base,
    id: kind === 'bound' && claims.jti ? shortCredentialId(claims.jti) : secretName,
    ...(claims.jti ? { jti: claims.jti } : {}),
    kind,
    state: 'active',
    secretName,
    createdAt: created.metadata.creationTimestamp ?? new Date().toISOString(),
    ...(expiresAt ? { expiresAt } : {}),
    managed: true,
    revocable: true,
  };
  return { credential, token, warnings, ...(annotated ? { annotated } : {}) };
}
