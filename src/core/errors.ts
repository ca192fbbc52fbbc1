// Core's errors, in one module. ValidationError: input the user has to fix, found before anything is sent.
// SaKubeconfigError: everything that goes wrong talking to a cluster, with a stable `code` a face can
// switch on, a message that says what happened and a `hint` that says what to do about it.
// Messages never carry credentials: every text that came from outside passes through redact().

import { redact } from './redact';

/** A request or input the user has to fix; `problems` lists every problem found, not just the first. */
export class ValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.length === 1 ? problems[0] : `${problems.length} problems:\n- ${problems.join('\n- ')}`);
    this.name = 'ValidationError';
  }
}

export type ErrorCode =
  /** The API server could not be reached (refused, unknown host, timeout). */
  | 'unreachable'
  /** TLS handshake failed: unknown CA, wrong host name, expired certificate. */
  | 'tls'
  /** 401: the credentials are missing, expired or invalid. */
  | 'unauthorized'
  /** 403: authenticated but not allowed. */
  | 'forbidden'
  /** 404: the object or its namespace does not exist. */
  | 'notFound'
  /** 409: the object already exists or was changed meanwhile. */
  | 'conflict'
  /** 422 / 400: the server rejected the object as invalid. */
  | 'invalid'
  /** The kubeconfig file is missing, malformed, or names a context/cluster/user that is not there. */
  | 'kubeconfig'
  /** Bad input from the caller (request, flags). */
  | 'invalidInput'
  /** The caller lacks rules it wants to grant (RBAC escalation prevention) or may not create the objects. */
  | 'escalation'
  /** Same-named objects exist that sa-kubeconfig did not make. */
  | 'unmanagedConflict'
  /** Waited for something (the token controller) that did not happen in time. */
  | 'timeout'
  /** The operation was cancelled through its AbortSignal. */
  | 'aborted'
  /** 5xx or an answer we cannot understand. */
  | 'server';

export interface SaKubeconfigErrorInit {
  hint?: string;
  /** HTTP status when the error came from the API server. */
  status?: number;
  cause?: unknown;
  /** Structured data for a face to show (a preflight report, the missing rules...). Never secrets. */
  details?: unknown;
}

export class SaKubeconfigError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;
  readonly status?: number;
  readonly details?: unknown;

  constructor(code: ErrorCode, message: string, init: SaKubeconfigErrorInit = {}) {
    super(redact(message), init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'SaKubeconfigError';
    this.code = code;
    this.hint = redact(init.hint ?? defaultHint(code));
    this.status = init.status;
    this.details = init.details;
  }

  /** Message and hint on two lines, the way a CLI or a notification shows them. */
  toDisplayString(): string {
    return this.hint ? `${this.message}\n${this.hint}` : this.message;
  }

  toJSON(): { code: ErrorCode; message: string; hint: string; status?: number; details?: unknown } {
    return { code: this.code, message: this.message, hint: this.hint, status: this.status, details: this.details };
  }
}

export function isSaKubeconfigError(err: unknown, code?: ErrorCode): err is SaKubeconfigError {
  return err instanceof SaKubeconfigError && (code === undefined || err.code === code);
}

function defaultHint(code: ErrorCode): string {
  switch (code) {
    case 'unreachable':
      return (
        'Check that the cluster is running and that the server address in your kubeconfig is ' +
        'right (VPN, proxy, port).'
      );
    case 'tls':
      return (
        'The server certificate could not be verified: check certificate-authority(-data) and the server ' +
        'name in your kubeconfig.'
      );
    case 'unauthorized':
      return (
        'Your credentials for this cluster are expired or invalid: ' +
        "log in again (refresh the token, re-run your provider's login) and retry."
      );
    case 'forbidden':
      return 'Ask a cluster administrator for the missing permission, or choose a namespace where you have it.';
    case 'notFound':
      return 'Check the name and the namespace; create the namespace first or ask sa-kubeconfig to create it.';
    case 'conflict':
      return 'The object changed meanwhile; run the command again.';
    case 'invalid':
      return 'Fix the value the server names and try again.';
    case 'kubeconfig':
      return 'Check KUBECONFIG / the --kubeconfig path and the context name (`kubectl config get-contexts`).';
    case 'invalidInput':
      return 'Correct the input and try again.';
    case 'escalation':
      return (
        'Ask an administrator to grant you these rules (or `escalate`/`bind` on roles), ' +
        'or request fewer permissions.'
      );
    case 'unmanagedConflict':
      return 'Choose another name, or agree to adopt the existing objects (--adopt).';
    case 'timeout':
      return 'Try again; if it keeps failing, check that kube-controller-manager is running.';
    case 'aborted':
      return '';
    case 'server':
      return 'The API server reported an internal error; try again, and check its logs if it persists.';
  }
}

/** The bits of a Kubernetes `Status` object we read. */
export interface KubeStatus {
  kind?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: { name?: string; group?: string; kind?: string; causes?: { message?: string; field?: string }[] };
}

/** What the request was about, so an error can name it. */
export interface RequestDescription {
  method: string;
  path: string;
  /** e.g. `create roles in namespace "team-a"` */
  action?: string;
  /** e.g. the context name */
  context?: string;
}

/** Turns an HTTP error answer into a SaKubeconfigError. Pure. */
export function errorFromResponse(status: number, body: string, req: RequestDescription): SaKubeconfigError {
  let parsed: KubeStatus | undefined;
  try {
    const value = JSON.parse(body) as KubeStatus;
    if (value && typeof value === 'object') parsed = value;
  } catch {
    parsed = undefined;
  }
  const serverMessage = parsed?.message ?? (body.trim().slice(0, 300) || `HTTP ${status}`);
  const what = req.action ?? `${req.method} ${req.path}`;
  const ctx = req.context ? ` (context "${req.context}")` : '';
  const details = parsed
    ? { reason: parsed.reason, kind: parsed.details?.kind, name: parsed.details?.name, group: parsed.details?.group }
    : undefined;
  switch (status) {
    case 401:
      return new SaKubeconfigError('unauthorized', `The cluster rejected the credentials${ctx}: ${serverMessage}`, {
        status,
        details,
      });
    case 403:
      return new SaKubeconfigError('forbidden', `Forbidden: ${serverMessage}`, { status, details });
    case 404: {
      const isNamespace =
        parsed?.details?.kind === 'namespaces' && !req.path.endsWith(`/namespaces/${parsed?.details?.name}`);
      if (isNamespace) {
        return new SaKubeconfigError('notFound', `Namespace "${parsed?.details?.name}" does not exist${ctx}.`, {
          status,
          details,
          hint: 'Create the namespace first (or let sa-kubeconfig create it), or pick an existing one.',
        });
      }
      return new SaKubeconfigError('notFound', `Not found while trying to ${what}: ${serverMessage}`, {
        status,
        details,
      });
    }
    case 409:
      return new SaKubeconfigError('conflict', `Conflict while trying to ${what}: ${serverMessage}`, {
        status,
        details,
      });
    case 400:
    case 422: {
      const causes = parsed?.details?.causes?.map((c) => `${c.field ?? ''}: ${c.message ?? ''}`).join('; ');
      return new SaKubeconfigError(
        'invalid',
        `The server rejected the request to ${what}: ` +
          `${serverMessage}${causes && !serverMessage.includes(causes) ? ` (${causes})` : ''}`,
        { status, details },
      );
    }
    case 408:
    case 504:
      return new SaKubeconfigError(
        'unreachable',
        `The server timed out while trying to ${what}${ctx}: ${serverMessage}`,
        { status, details },
      );
    default:
      return new SaKubeconfigError(
        'server',
        `The server answered ${status} to the request to ${what}${ctx}: ${serverMessage}`,
        { status, details },
      );
  }
}

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'ESOCKETTIMEDOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNABORTED',
]);
const TLS_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME|EPROTO|HOSTNAME/i;

/** Turns a network-level failure (no HTTP answer) into a SaKubeconfigError. Pure. */
export function errorFromNetwork(err: unknown, server: string, context?: string): SaKubeconfigError {
  if (err instanceof SaKubeconfigError) return err;
  const e = err as { code?: string; message?: string; name?: string };
  const code = e?.code ?? '';
  const msg = e?.message ?? String(err);
  const ctx = context ? ` (context "${context}")` : '';
  if (e?.name === 'AbortError' || code === 'ABORT_ERR') {
    return new SaKubeconfigError('aborted', 'Cancelled.', { cause: err });
  }
  if (UNREACHABLE_CODES.has(code)) {
    const why =
      code === 'ECONNREFUSED'
        ? 'connection refused'
        : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
          ? 'host name not found'
          : code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT' || code === 'UND_ERR_CONNECT_TIMEOUT'
            ? 'timed out'
            : code.toLowerCase();
    return new SaKubeconfigError('unreachable', `Cannot reach the API server ${server}${ctx}: ${why} (${code}).`, {
      cause: err,
    });
  }
  if (TLS_CODE.test(code) || /certificate|ssl|tls/i.test(msg)) {
    return new SaKubeconfigError(
      'tls',
      `TLS verification of ${server} failed${ctx}: ${msg}${code ? ` (${code})` : ''}.`,
      { cause: err },
    );
  }
  return new SaKubeconfigError('unreachable', `Request to ${server} failed${ctx}: ${msg}${code ? ` (${code})` : ''}.`, {
    cause: err,
  });
}

/**
 * A create answered 409 after it had been sent again (client.ts marks it): the object may be the one an earlier
 * attempt made.
 */
export function isRetriedCreateConflict(err: unknown): boolean {
  return (
    err instanceof SaKubeconfigError &&
    err.code === 'conflict' &&
    (err as { retriedCreate?: boolean }).retriedCreate === true
  );
}
