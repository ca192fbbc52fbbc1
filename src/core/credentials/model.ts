// A credential is one token sa-kubeconfig handed out, with the Secret that makes it revocable. This file is the
// pure part: the Credential record every face shows (CLI list, the tree), the annotations a credential Secret
// carries, reading a token's claims (never logging the token), and the client-side duration checks.
//
//   kind        how it was issued                                   revoked by
//   bound       TokenRequest bound to a Secret of its own           deleting that Secret
//   longLived   kubernetes.io/service-account-token Secret          deleting that Secret
//   legacy      a token Secret sa-kubeconfig did not make           deleting that Secret (only when named)
//   unbound     TokenRequest bound to nothing (--unbound)           nothing: it lives until it expires
//
// Secrets made by earlier versions under deterministic names (`<sa>-token`, `<sa>-token-binding`) are credentials
// too (longLived and bound), listed and revocable like the others.

import { ValidationError } from '../errors';
import type { ObjectMeta } from '../inventory/parse';
import { formatDuration } from '../plan/duration';
import { serviceAccountKey } from '../plan/names';
import { MAX_TOKEN_SECONDS, MIN_TOKEN_SECONDS } from '../plan/validate';
import { FOR_SERVICE_ACCOUNT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE } from '../types';

export type CredentialKind = 'bound' | 'longLived' | 'legacy' | 'unbound';
export type CredentialState = 'active' | 'expired' | 'superseded';

/** Where this machine wrote a credential (from the local ledger); never the token. */
export type CredentialDestination =
  | { kind: 'file'; path: string }
  | { kind: 'merge'; path: string; context?: string }
  | { kind: 'editor' }
  | { kind: 'clipboard' };

/** One credential, as list and tree show it. Plain data, no token. */
export interface Credential {
  /** Short jti for bound/unbound tokens (what `revoke --credential` takes); the Secret name for Secret tokens. */
  id: string;
  /** Full jti (`authentication.kubernetes.io/credential-id` in audit logs and `kubectl auth whoami`), when known. */
  jti?: string;
  kind: CredentialKind;
  state: CredentialState;
  namespace: string;
  serviceAccount: string;
  /** The Secret whose deletion revokes it; absent for unbound tokens. */
  secretName?: string;
  note?: string;
  /** ISO 8601. */
  createdAt?: string;
  /** ISO 8601, from the server (status.expirationTimestamp); absent when it never expires. */
  expiresAt?: string;
  /** Set when a rotation replaced it with a grace period. */
  supersededAt?: string;
  /** With a grace period: `revoke --expired` revokes it from then on. */
  revokeAfter?: string;
  /** Made by sa-kubeconfig (labelled). Only those are revoked by `--all`, `--expired`, `--superseded`. */
  managed: boolean;
  /** Deleting the Secret revokes it (false for unbound tokens). */
  revocable: boolean;
  /** Made by an earlier version under a deterministic name: every token bound to it dies with it. */
  sharedSecret?: boolean;
  /** Where this machine wrote it (from the ledger). */
  destinations: CredentialDestination[];
}

export const CREDENTIAL_ANNOTATION_PREFIX = 'sa-kubeconfig.io/';
export const CREDENTIAL_KIND_ANNOTATION = 'sa-kubeconfig.io/credential-kind';
export const CREDENTIAL_ID_ANNOTATION = 'sa-kubeconfig.io/credential-id';
export const CREDENTIAL_NOTE_ANNOTATION = 'sa-kubeconfig.io/note';
export const CREDENTIAL_EXPIRES_ANNOTATION = 'sa-kubeconfig.io/expires-at';
export const SUPERSEDED_AT_ANNOTATION = 'sa-kubeconfig.io/superseded-at';
export const SUPERSEDED_BY_ANNOTATION = 'sa-kubeconfig.io/superseded-by';
export const REVOKE_AFTER_ANNOTATION = 'sa-kubeconfig.io/revoke-after';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SA_TOKEN_TYPE = 'kubernetes.io/service-account-token';

/** The message every face shows after revoking: the API server's token cache may accept it a little longer. */
export const REVOCATION_DELAY_NOTE =
  'The API server may still accept a token it has already validated for about 10 seconds ' +
  '(its token cache): the revoked credential stops working within about 10 seconds.';
export const UNBOUND_NOTE =
  'An unbound token cannot be revoked before it expires (only deleting the service account ends it early).';

/** Problems with a requested token lifetime the server would refuse (and, when known, the cluster's cap). Pure. */
export function durationProblems(seconds: number, maxSeconds?: number): string[] {
  if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS) {
    return [
      "Token lifetime must be at least 10m (Kubernetes' minimum for TokenRequest); " +
        `got ${Number.isFinite(seconds) && seconds > 0 ? formatDuration(seconds) : String(seconds)}.`,
    ];
  }
  if (seconds > MAX_TOKEN_SECONDS)
    return [
      `Token lifetime ${formatDuration(seconds)} is too long; use a long-lived token for one that does not expire.`,
    ];
  if (maxSeconds !== undefined && seconds > maxSeconds) {
    return [
      `Token lifetime ${formatDuration(seconds)} is longer than this cluster grants (${formatDuration(maxSeconds)}).`,
    ];
  }
  return [];
}

/** Throws a ValidationError when the server would refuse the lifetime. Pure. */
export function assertValidDuration(seconds: number, maxSeconds?: number): void {
  const problems = durationProblems(seconds, maxSeconds);
  if (problems.length > 0) throw new ValidationError(problems);
}

export interface TokenClaims {
  jti?: string;
  iat?: number;
  exp?: number;
  sub?: string;
  /** kubernetes.io.secret.name etc., flattened for a bound token. */
  boundSecretName?: string;
}

/**
 * The claims of a JWT (its payload, base64url JSON), without verifying it: the server already did. Returns {} for
 * something that is not a JWT. Never includes or logs the token. Pure.
 */
export function tokenClaims(token: string): TokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) return {};
  try {
    const payload = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    const k8s = payload['kubernetes.io'] as { secret?: { name?: string } } | undefined;
    return {
      ...(typeof payload.jti === 'string' ? { jti: payload.jti } : {}),
      ...(typeof payload.iat === 'number' ? { iat: payload.iat } : {}),
      ...(typeof payload.exp === 'number' ? { exp: payload.exp } : {}),
      ...(typeof payload.sub === 'string' ? { sub: payload.sub } : {}),
      ...(typeof k8s?.secret?.name === 'string' ? { boundSecretName: k8s.secret.name } : {}),
    };
  } catch {
    return {};
  }
}

/** How the CLI names a credential: its id, and its Secret when that is named otherwise. Pure. */
export function credentialLabel(c: Pick<Credential, 'id' | 'secretName'>): string {
  return `${c.id}${c.secretName && c.secretName !== c.id ? ` (Secret ${c.secretName})` : ''}`;
}

/** The short form of a jti shown in lists and accepted by `revoke --credential`: its first 8 characters. Pure. */
export function shortCredentialId(jti: string): string {
  return jti.replace(/-/g, '').slice(0, 8);
}

/** Whether `query` names the credential: its id, full jti, short jti or Secret name. Pure. */
export function credentialMatches(credential: Pick<Credential, 'id' | 'jti' | 'secretName'>, query: string): boolean {
  const q = query.trim();
  if (q === '') return false;
  return (
    q === credential.id ||
    q === credential.secretName ||
    (credential.jti !== undefined &&
      (q === credential.jti || (q.length >= 6 && credential.jti.replace(/-/g, '').startsWith(q.replace(/-/g, '')))))
  );
}

export interface SecretMetadataLike {
  metadata?: ObjectMeta;
  /** Absent in metadata-only answers: the kind annotation (ours) or the SA-name annotation tells. */
  type?: string;
}

/**
 * The Secret's credential, or undefined when it is not one of `serviceAccount`'s. Reads metadata only:
 *  - ours (labelled, annotated for this account): bound (Opaque) or longLived (a token Secret), by the kind
 *    annotation, else by type / the SA-name annotation (earlier versions did not set the kind);
 *  - not ours: a token Secret annotated with the account's name, or listed in its `.secrets`: legacy.
 * Pure: `now` decides expired.
 */
export function credentialFromSecret(
  secret: SecretMetadataLike,
  namespace: string,
  serviceAccount: string,
  now: Date,
  listedInServiceAccount: ReadonlySet<string> = new Set(),
): Credential | undefined {
  const meta = secret.metadata ?? {};
  const name = meta.name;
  if (!name) return undefined;
  const annotations = meta.annotations ?? {};
  const managed = meta.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
  const ours = managed && annotations[FOR_SERVICE_ACCOUNT_ANNOTATION] === serviceAccountKey(namespace, serviceAccount);
  const namesAccount = annotations[SA_NAME_ANNOTATION] === serviceAccount;
  const isTokenSecret = secret.type === SA_TOKEN_TYPE || (secret.type === undefined && namesAccount);
  let kind: CredentialKind;
  if (ours) {
    const annotated = annotations[CREDENTIAL_KIND_ANNOTATION];
    kind =
      annotated === 'bound' || annotated === 'longLived'
        ? annotated
        : isTokenSecret || namesAccount
          ? 'longLived'
          : 'bound';
  } else if (
    (isTokenSecret && namesAccount) ||
    (listedInServiceAccount.has(name) && secret.type !== undefined && secret.type === SA_TOKEN_TYPE)
  ) {
    kind = 'legacy';
  } else {
    return undefined;
  }
  const jti = annotations[CREDENTIAL_ID_ANNOTATION] || undefined;
  const expiresAt = annotations[CREDENTIAL_EXPIRES_ANNOTATION] || undefined;
  const supersededAt = annotations[SUPERSEDED_AT_ANNOTATION] || undefined;
  const revokeAfter = annotations[REVOKE_AFTER_ANNOTATION] || undefined;
  const expired = expiresAt !== undefined && Date.parse(expiresAt) <= now.getTime();
  const state: CredentialState = expired ? 'expired' : supersededAt ? 'superseded' : 'active';
  // A binding Secret without a kind annotation was made by an earlier version:
  // every token of the account was bound to it.
  const sharedSecret = ours && kind === 'bound' && annotations[CREDENTIAL_KIND_ANNOTATION] === undefined;
  return {
    id: kind === 'bound' && jti ? shortCredentialId(jti) : name,
    ...(jti ? { jti } : {}),
    kind,
    state,
    namespace,
    serviceAccount,
    secretName: name,
    ...(annotations[CREDENTIAL_NOTE_ANNOTATION] ? { note: annotations[CREDENTIAL_NOTE_ANNOTATION] } : {}),
    ...(meta.creationTimestamp ? { createdAt: meta.creationTimestamp } : {}),
    ...(expiresAt ? { expiresAt } : {}),
    ...(supersededAt ? { supersededAt } : {}),
    ...(revokeAfter ? { revokeAfter } : {}),
    managed: ours,
    revocable: true,
    ...(sharedSecret ? { sharedSecret: true } : {}),
    destinations: [],
  };
}

/** A superseded credential whose grace period is over counts as expired for `revoke --expired`. Pure. */
export function isDueForRevocation(credential: Credential, now: Date): boolean {
  if (credential.state === 'expired') return true;
  return (
    credential.state === 'superseded' &&
    credential.revokeAfter !== undefined &&
    Date.parse(credential.revokeAfter) <= now.getTime()
  );
}

/** The Secret a new credential is issued with (generateName: the server picks `<sa>-cred-xxxxx`). Pure. */
export function credentialSecretBody(args: {
  namespace: string;
  serviceAccount: string;
  kind: 'bound' | 'longLived';
  note?: string;
  name?: string;
}): {
  apiVersion: 'v1';
  kind: 'Secret';
  type: string;
  metadata: {
    name?: string;
    generateName?: string;
    namespace: string;
    labels: Record<string, string>;
    annotations: Record<string, string>;
  };
} {
  // generateName adds 5 characters; Secret names may have 253.
  const base = `${args.serviceAccount.slice(0, 253 - 5 - '-cred-'.length)}-cred-`;
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      ...(args.name ? { name: args.name } : { generateName: base }),
      namespace: args.namespace,
      labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
      annotations: {
        [FOR_SERVICE_ACCOUNT_ANNOTATION]: serviceAccountKey(args.namespace, args.serviceAccount),
        [CREDENTIAL_KIND_ANNOTATION]: args.kind,
        ...(args.note ? { [CREDENTIAL_NOTE_ANNOTATION]: args.note } : {}),
        ...(args.kind === 'longLived' ? { [SA_NAME_ANNOTATION]: args.serviceAccount } : {}),
      },
    },
    type: args.kind === 'longLived' ? SA_TOKEN_TYPE : 'Opaque',
  };
}

// The note check lives in note.ts, which the wizard page imports without the token parsing (Buffer) here.
export { noteProblems } from './note';

/** Credentials newest first, then by id: the order every face lists them in. Pure. */
export function sortCredentials(credentials: Credential[]): Credential[] {
  return [...credentials].sort(
    (a, b) => (b.createdAt ?? '').localeCompare(a.createdAt ?? '') || a.id.localeCompare(b.id),
  );
}
