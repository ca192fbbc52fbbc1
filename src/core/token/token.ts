// Getting a token for the service account, three ways:
//  (a) TokenRequest (`serviceaccounts/<sa>/token`) with a requested lifetime; the server may grant less, so
//      the granted expiry is read from status.expirationTimestamp. Optionally bound to a Secret: deleting
//      the Secret revokes the token.
//  (b) a long-lived kubernetes.io/service-account-token Secret the token controller fills (we wait for it).
//  (c) a token Secret that already exists for the service account (older clusters, OpenShift <= 4.15).
// Results hold the token itself: faces must never print or log `token`.

import type { Connection } from '../cluster/connect';
import { METADATA_ONLY_LIST, sleep } from '../cluster/util';
import { SaKubeconfigError } from '../errors';
import type { OperationOptions } from '../types';

export const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';
export const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

export interface TokenResult {
  mode: 'timeBound' | 'longLived' | 'existingSecret';
  /** The bearer token. SECRET: never log or print it. */
  token: string;
  /** When the token expires (ISO 8601), for time-bound tokens. */
  expiresAt?: string;
  requestedSeconds?: number;
  /** Lifetime the server granted (from status.expirationTimestamp). */
  grantedSeconds?: number;
  /** The server granted less than requested (e.g. --service-account-max-token-expiration). */
  shortened?: boolean;
  /** Secret holding the token (long-lived/existing) or the token is bound to (time-bound). */
  secretName?: string;
  /** ca.crt from the token Secret, when there was one (PEM). */
  secretCaPem?: string;
  /** Server warnings, e.g. "requested expiration of 86400 seconds shortened to 3600 seconds". */
  warnings: string[];
}

// ---- (a) TokenRequest ----

export interface TokenRequestBody {
  apiVersion: 'authentication.k8s.io/v1';
  kind: 'TokenRequest';
  spec: {
    audiences: string[] | null;
    expirationSeconds: number;
    boundObjectRef?: { apiVersion: 'v1'; kind: 'Secret'; name: string; uid?: string };
  };
}

/** The TokenRequest to send. Audiences null = the API server's own audience. Pure. */
export function tokenRequestBody(
  durationSeconds: number,
  boundSecret?: { name: string; uid?: string },
): TokenRequestBody {
  return {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: {
      audiences: null,
      expirationSeconds: durationSeconds,
      ...(boundSecret
        ? {
            boundObjectRef: {
              apiVersion: 'v1',
              kind: 'Secret',
              name: boundSecret.name,
              ...(boundSecret.uid ? { uid: boundSecret.uid } : {}),
            },
          }
        : {}),
    },
  };
}

export interface TokenRequestAnswer {
  status?: { token?: string; expirationTimestamp?: string };
}

/** Reads the token and the granted lifetime from the answer. `issuedAt` is when we sent it. Pure. */
export function parseTokenRequest(
  answer: TokenRequestAnswer,
  requestedSeconds: number,
  issuedAt: Date,
): { token: string; expiresAt: string; grantedSeconds: number; shortened: boolean } {
  const token = answer.status?.token;
  const exp = answer.status?.expirationTimestamp;
  if (!token || !exp)
    throw new SaKubeconfigError('server', 'The TokenRequest answer has no token or no expirationTimestamp.');
  const expiresAt = new Date(exp);
  if (Number.isNaN(expiresAt.getTime()))
    throw new SaKubeconfigError('server', `The TokenRequest answer has an unreadable expirationTimestamp "${exp}".`);
  const grantedSeconds = Math.round((expiresAt.getTime() - issuedAt.getTime()) / 1000);
  // Allow a minute of clock skew / rounding before calling it shortened.
  return {
    token,
    expiresAt: expiresAt.toISOString(),
    grantedSeconds,
    shortened: grantedSeconds < requestedSeconds - 60,
  };
}

export function tokenRequestPath(namespace: string, serviceAccount: string): string {
  return (
    `/api/v1/namespaces/${encodeURIComponent(namespace)}/serviceaccounts/${encodeURIComponent(serviceAccount)}` +
    '/token'
  );
}

export async function requestToken(
  conn: Connection,
  args: {
    namespace: string;
    serviceAccount: string;
    durationSeconds: number;
    boundSecretName?: string;
    boundSecret?: { name: string; uid: string };
  },
  options: OperationOptions = {},
): Promise<TokenResult> {
  let bound: { name: string; uid?: string } | undefined = args.boundSecret;
  if (!bound && args.boundSecretName) {
    const secret = await conn.client.request<{ metadata: { uid: string } }>(
      {
        method: 'GET',
        path:
          `/api/v1/namespaces/${encodeURIComponent(args.namespace)}/secrets/` +
          encodeURIComponent(args.boundSecretName),
        action: `get the Secret "${args.boundSecretName}" to bind the token to`,
      },
      options,
    );
    bound = { name: args.boundSecretName, uid: secret.metadata.uid };
  }
  const warningsBefore = conn.client.warnings.length;
  const issuedAt = new Date();
  const answer = await conn.client.request<TokenRequestAnswer>(
    {
      method: 'POST',
      path: tokenRequestPath(args.namespace, args.serviceAccount),
      body: tokenRequestBody(args.durationSeconds, bound),
      action: `request a token for service account "${args.serviceAccount}" in namespace "${args.namespace}"`,
    },
    options,
  );
  const parsed = parseTokenRequest(answer, args.durationSeconds, issuedAt);
  const warnings = conn.client.warnings.slice(warningsBefore);
  if (parsed.shortened)
    options.logger?.warn(
      `The server granted ${parsed.grantedSeconds} s instead of the ${args.durationSeconds} s requested.`,
    );
  return {
    mode: 'timeBound',
    token: parsed.token,
    expiresAt: parsed.expiresAt,
    requestedSeconds: args.durationSeconds,
    grantedSeconds: parsed.grantedSeconds,
    shortened: parsed.shortened,
    secretName: bound?.name,
    warnings,
  };
}

// ---- (b) long-lived Secret ----

export interface SecretObject {
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
  };
  type?: string;
  data?: Record<string, string>;
}

/** token and ca.crt from a service-account-token Secret, or undefined while the controller has not filled it. Pure. */
export function readTokenSecret(secret: SecretObject): { token: string; caPem?: string } | undefined {
  const token = secret.data?.token;
  if (!token) return undefined;
  const ca = secret.data?.['ca.crt'];
  return {
    token: Buffer.from(token, 'base64').toString('utf8'),
    ...(ca ? { caPem: Buffer.from(ca, 'base64').toString('utf8') } : {}),
  };
}

/** Backoff delays for polling: 100 ms doubling to 2 s. Pure. */
export function backoffDelay(attempt: number): number {
  return Math.min(2000, 100 * 2 ** attempt);
}

/**
 * Waits until the token controller has filled the Secret with its token, polling with backoff. Not for ca.crt: a
 * cluster without a root CA file never fills it, and the kubeconfig's CA comes from the caller's context
 * (kubeconfig/tls.ts). Times out with a clear error when nothing fills it (no kube-controller-manager,
 * or the SA is missing).
 */
export async function waitForTokenSecret(
  conn: Connection,
  args: { namespace: string; secretName: string; timeoutMs?: number },
  options: OperationOptions = {},
): Promise<TokenResult> {
  const timeoutMs = args.timeoutMs ?? 30_000;
  const deadline = Date.now() + timeoutMs;
  const path =
    `/api/v1/namespaces/${encodeURIComponent(args.namespace)}/secrets/` + encodeURIComponent(args.secretName);
  for (let attempt = 0; ; attempt++) {
    const secret = await conn.client.getOptional<SecretObject>(
      { path, action: `read the token Secret "${args.secretName}"` },
      options,
    );
    if (!secret)
      throw new SaKubeconfigError(
        'notFound',
        `The token Secret "${args.secretName}" in namespace "${args.namespace}" disappeared while waiting for ` +
          'its token (the token controller deletes it when its service account does not exist).',
      );
    const filled = readTokenSecret(secret);
    if (filled) {
      return {
        mode: 'longLived',
        token: filled.token,
        secretName: args.secretName,
        ...(filled.caPem ? { secretCaPem: filled.caPem } : {}),
        warnings: [],
      };
    }
    if (Date.now() >= deadline) {
      throw new SaKubeconfigError(
        'timeout',
        `The token Secret "${args.secretName}" in namespace "${args.namespace}" was not filled with a token ` +
          `within ${Math.round(timeoutMs / 1000)} s.`,
        {
          hint:
            "The cluster's token controller (kube-controller-manager) fills these Secrets; " +
            'check that it runs, or use a time-bound token instead (--duration).',
        },
      );
    }
    await sleep(Math.min(backoffDelay(attempt), Math.max(0, deadline - Date.now())), options.signal);
  }
}

// ---- (c) existing token Secret ----

export interface ServiceAccountObject {
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    creationTimestamp?: string;
    uid?: string;
  };
  secrets?: { name?: string }[];
}

/**
 * A service-account-token Secret of this service account: annotated with its name (the API server requires the
 * annotation on that type), or listed in its `.secrets` (how OpenShift ≤ 4.15 links `<sa>-token-xxxxx`). Pure.
 */
export function isTokenSecretOf(
  secret: { metadata?: { name?: string; annotations?: Record<string, string> }; type?: string },
  serviceAccount: string,
  listed: ReadonlySet<string | undefined> = new Set(),
): boolean {
  return (
    secret.type === SERVICE_ACCOUNT_TOKEN_TYPE &&
    (secret.metadata?.annotations?.[SA_NAME_ANNOTATION] === serviceAccount ||
      (secret.metadata?.name !== undefined && listed.has(secret.metadata.name)))
  );
}

/**
 * Token Secrets that belong to a service account: those listed in its `.secrets` and those annotated with its
 * name, of type service-account-token. Newest first. Pure.
 */
export function tokenSecretsOf(sa: ServiceAccountObject, secrets: SecretObject[]): SecretObject[] {
  const listed = new Set((sa.secrets ?? []).map((s) => s.name));
  return secrets
    .filter((s) => isTokenSecretOf(s, sa.metadata.name, listed))
    .sort((a, b) => (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? ''));
}

/** Reads an existing token Secret of the service account (by name, or the newest one found). */
export async function readExistingTokenSecret(
  conn: Connection,
  args: { namespace: string; serviceAccount: string; secretName?: string },
  options: OperationOptions = {},
): Promise<TokenResult> {
  const ns = encodeURIComponent(args.namespace);
  let secret: SecretObject | undefined;
  if (args.secretName) {
    secret = await conn.client.getOptional<SecretObject>(
      {
        path: `/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(args.secretName)}`,
        action: `read Secret "${args.secretName}"`,
      },
      options,
    );
    if (!secret)
      throw new SaKubeconfigError(
        'notFound',
        `Secret "${args.secretName}" does not exist in namespace "${args.namespace}".`,
        { hint: "List the service account's token Secrets with `sa-kubeconfig list`, or use a time-bound token." },
      );
    if (
      secret.type !== SERVICE_ACCOUNT_TOKEN_TYPE ||
      secret.metadata.annotations?.[SA_NAME_ANNOTATION] !== args.serviceAccount
    ) {
      throw new SaKubeconfigError(
        'invalidInput',
        `Secret "${args.secretName}" is not a service account token Secret of "${args.serviceAccount}".`,
        { hint: 'Pick a Secret of type kubernetes.io/service-account-token annotated for this service account.' },
      );
    }
  } else {
    const sa = await conn.client.request<ServiceAccountObject>(
      {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/serviceaccounts/${encodeURIComponent(args.serviceAccount)}`,
        action: `get service account "${args.serviceAccount}"`,
      },
      options,
    );
    // Metadata only: the data of every token Secret in the namespace need not cross the wire to pick one.
    const list = await conn.client.request<{ items?: SecretObject[] }>(
      {
        method: 'GET',
        path: `/api/v1/namespaces/${ns}/secrets`,
        query: { fieldSelector: `type=${SERVICE_ACCOUNT_TOKEN_TYPE}` },
        accept: METADATA_ONLY_LIST,
        action: `list token Secrets in namespace "${args.namespace}"`,
      },
      options,
    );
    for (const candidate of tokenSecretsOf(
      sa,
      (list.items ?? []).map((s) => ({ ...s, type: SERVICE_ACCOUNT_TOKEN_TYPE })),
    )) {
      const full = await conn.client.getOptional<SecretObject>(
        {
          path: `/api/v1/namespaces/${ns}/secrets/${encodeURIComponent(candidate.metadata.name)}`,
          action: `read Secret "${candidate.metadata.name}"`,
        },
        options,
      );
      if (full && readTokenSecret(full)) {
        secret = full;
        break;
      }
    }
    if (!secret)
      throw new SaKubeconfigError(
        'notFound',
        `Service account "${args.serviceAccount}" in namespace "${args.namespace}" has no token Secret.`,
        { hint: 'Use a time-bound token (--duration) or a long-lived one (--long-lived) instead.' },
      );
  }
  const filled = readTokenSecret(secret);
  if (!filled)
    throw new SaKubeconfigError('notFound', `Secret "${secret.metadata.name}" holds no token yet.`, {
      hint: 'Wait for the token controller to fill it, or use a time-bound token.',
    });
  return {
    mode: 'existingSecret',
    token: filled.token,
    secretName: secret.metadata.name,
    secretCaPem: filled.caPem,
    warnings: [],
  };
}
