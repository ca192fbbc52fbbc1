// Every message between the wizard's host (extension side) and its page (the webview), in one place.
// Both sides import these types; the host runs parsePageMessage() on everything the page sends and drops
// (and logs) whatever is unknown or malformed, so a compromised or buggy page cannot drive core with junk.
// No `vscode` here: the page bundles this file too.
//
// Nothing secret ever crosses to the page: tokens and kubeconfig text stay in the host, which opens, saves
// and merges the kubeconfig itself when the page asks.

import type { DiscoveredResource, PolicyRule, ProvisionRequest, RoleReference } from '../core/types';

// ---------- shared shapes ----------

export type StepId = 'target' | 'permissions' | 'token' | 'kubeconfig' | 'review' | 'apply' | 'result';
export const STEPS: readonly StepId[] = ['target', 'permissions', 'token', 'kubeconfig', 'review', 'apply', 'result'];

export interface ContextInfo {
  name: string;
  cluster: string;
  server: string;
  namespace: string;
  current: boolean;
}

export interface Prefill {
  context?: string;
  namespace?: string;
  serviceAccount?: string;
  /** Permissions to start from (the audit's Shrink: the account's rules minus the risky ones). */
  rules?: PolicyRule[];
  /** With rules: the namespaces they apply in (besides the account's), or cluster-wide. */
  namespaces?: string[];
  clusterWide?: boolean;
  /** The setting saKubeconfig.defaultTokenLifetime (e.g. "24h"): the lifetime the token step starts with. */
  tokenLifetime?: string;
}

/** A preset as the page shows it (core's Preset). */
export interface PresetInfo {
  id: string;
  title: string;
  description: string;
  rules: PolicyRule[];
  roleRefs: RoleReference[];
}

export interface ErrorInfo {
  message: string;
  hint?: string;
  /** core's SaKubeconfigError code, when the error came from core. */
  code?: string;
}

export interface ServiceAccountInfo {
  name: string;
  managed: boolean;
}

/** What an existing service account already holds (bindings) and its legacy token Secrets. */
export interface ServiceAccountDetailsInfo {
  bindings: {
    kind: 'RoleBinding' | 'ClusterRoleBinding';
    name: string;
    namespace?: string;
    roleRef: RoleReference;
    managed: boolean;
    /** The bound role's rules in --rule syntax; absent when they could not be read. */
    rules?: string[];
    /** Why the rules could not be read (a missing role, Forbidden, or another error), in words. */
    rulesError?: string;
  }[];
  tokenSecrets: { name: string; populated: boolean; managed: boolean }[];
  notes: string[];
}

/** 'use': used as it is, never changed (an existing service account); 'missing': such an object does not exist. */
export type ObjectStatus = 'create' | 'update' | 'unchanged' | 'conflict' | 'use' | 'missing';

export interface ReviewObject {
  kind: string;
  name: string;
  namespace?: string;
  /** The exact YAML that will be sent (Secrets never carry data here). */
  yaml: string;
  status?: ObjectStatus;
  detail?: string;
  /** Why the escalation pre-check or the server's dry run refuses this object (it will not be created). */
  refused?: string;
}

/** An earlier grant of the service account that the request no longer has: removed by the apply, or kept. */
export interface ReviewRemoval {
  kind: string;
  name: string;
  namespace?: string;
  /** The object as it is in the cluster. */
  yaml: string;
  status: 'remove' | 'keep';
  detail: string;
}

export interface ReviewInfo {
  objects: ReviewObject[];
  /** Earlier grants this request no longer has (absent before the dry run ran). */
  removals?: ReviewRemoval[];
  warnings: string[];
  /** Problems that stop the request from being planned at all (validation). */
  problems: string[];
  /** What the server's dry run refused (often the same escalation, in the API server's words). */
  dryRunRejections: string[];
  /** Rules split off into a ClusterRole because they name cluster-scoped resources (formatted). */
  clusterScopedRules: string[];
  escalation: {
    /** False when the pre-check could not run (e.g. SelfSubjectRulesReview unavailable). */
    checked: boolean;
    allowed: boolean;
    /** Rules the caller lacks, in rule syntax (e.g. "pods/exec:create"). */
    missingRules: string[];
    /** Anything the caller may not create (e.g. "create rolebindings in myns"). */
    missingPermissions: string[];
    note?: string;
  };
  /** Whether the dry run ran against the server (false when the preflight failed early). */
  dryRun: boolean;
  /** Same-named objects exist that sa-kubeconfig did not make: apply needs the user's consent to adopt them. */
  needsAdoption: boolean;
  /** Whether applying is possible as things stand. */
  canApply: boolean;
  /** Shown when the preflight itself failed. */
  error?: ErrorInfo;
}

export type ProgressStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped' | 'rolledBack';

export interface ProgressStep {
  id: string;
  label: string;
  status: ProgressStatus;
  detail?: string;
}

export interface VerificationCheck {
  /** e.g. "get pods in myexample" */
  description: string;
  /** What the plan intends. */
  expected: 'allowed' | 'denied';
  /** What the new credential actually got from the API server. */
  actual: 'allowed' | 'denied' | 'error';
  ok: boolean;
}

export interface ResultInfo {
  serviceAccount: string;
  namespace: string;
  contextNames: string[];
  server: string;
  tokenKind: 'timeBound' | 'longLived' | 'existingSecret';
  /** ISO time the token really expires (as granted by the server); undefined for tokens that do not expire. */
  expiresAt?: string;
  /** The lifetime asked for, and a sentence when the server shortened it. */
  requestedSeconds?: number;
  expiryNote?: string;
  checks: VerificationCheck[];
  verified: boolean;
  verifyNote?: string;
  /** A shell line with the kubeconfig path filled in once saved; `<path>` until then. */
  kubectlLine: string;
  savedPath?: string;
}

export type ResultAction = 'openKubeconfig' | 'saveAs' | 'merge' | 'copyCommand';

/** What the user may do in the Target's namespace, for the Target and Token steps (SelfSubjectAccessReviews). */
export interface TargetRights {
  /** Per token kind, what it needs and the user may not do there (e.g. 'create secrets in namespace "x"'). */
  tokenDenied: Record<'bound' | 'longLived' | 'unbound', string[]>;
  /** When the user may not list service accounts there: namespaces (among those checked) where it may create them. */
  suggestions?: string[];
  /** How many namespaces were checked for the suggestions. */
  checkedNamespaces?: number;
}

// ---------- page -> host ----------

export type PageMessage =
  /** navigationMs: the page's performance.now() when it posted "ready" (how long the webview took to boot). */
  | { type: 'ready'; navigationMs?: number }
  | { type: 'loadContext'; context: string }
  | { type: 'refreshDiscovery'; context: string }
  | { type: 'loadServiceAccounts'; context: string; namespace: string }
  | { type: 'loadServiceAccountDetails'; context: string; namespace: string; name: string }
  | { type: 'review'; reviewId: number; request: ProvisionRequest }
  | { type: 'apply'; runId: number; request: ProvisionRequest }
  | { type: 'cancel'; runId: number }
  | { type: 'resultAction'; action: ResultAction }
  | { type: 'startOver' }
  /** Opens the kubeconfig file the wizard read (the empty state's action). */
  | { type: 'openKubeconfigFile' };

// ---------- host -> page ----------

export interface DiscoveryStats {
  mode: 'aggregated' | 'legacy';
  requests: number;
  durationMs: number;
  failedGroupVersions: string[];
}

export type HostMessage =
  | {
      type: 'init';
      contexts: ContextInfo[];
      prefill?: Prefill;
      presets: PresetInfo[];
      kubeconfigError?: ErrorInfo;
      tokenCapSeconds?: Record<string, number>;
      /** The kubeconfig file(s) read, for the empty state. */
      kubeconfigPaths?: string[];
    }
  | {
      type: 'contextLoaded';
      context: string;
      server: string;
      defaultNamespace: string;
      namespaces: string[];
      namespacesSource: 'namespaces' | 'projects' | 'context';
    }
  | { type: 'discovery'; context: string; resources: DiscoveredResource[]; stats: DiscoveryStats }
  | {
      type: 'serviceAccounts';
      context: string;
      namespace: string;
      accounts: ServiceAccountInfo[];
      namespaceExists?: boolean;
      /** The user may not list service accounts there: `accounts` says nothing. */
      forbidden?: boolean;
    }
  | { type: 'targetRights'; context: string; namespace: string; rights: TargetRights }
  | {
      type: 'serviceAccountDetails';
      context: string;
      namespace: string;
      name: string;
      details: ServiceAccountDetailsInfo;
    }
  | { type: 'reviewResult'; reviewId: number; review: ReviewInfo }
  | { type: 'progress'; runId: number; steps: ProgressStep[] }
  | { type: 'applyDone'; runId: number; result: ResultInfo }
  | {
      type: 'applyFailed';
      runId: number;
      error: ErrorInfo;
      rolledBack: string[];
      cancelled: boolean;
      steps: ProgressStep[];
    }
  | {
      type: 'error';
      scope: 'contexts' | 'context' | 'discovery' | 'serviceAccounts' | 'action';
      context?: string;
      error: ErrorInfo;
    }
  | { type: 'notice'; message: string; level: 'info' | 'error' }
  | { type: 'resultUpdated'; result: ResultInfo };

// ---------- validation of what the page sends ----------

/** A validator returns the problems it found at `path` (empty when the value is acceptable). */
type Validator = (value: unknown, path: string) => string[];

const MAX_STRING = 4096;
const MAX_ITEMS = 2000;

const str =
  (max = MAX_STRING): Validator =>
  (v, p) =>
    typeof v !== 'string' ? [`${p} must be a string`] : v.length > max ? [`${p} is longer than ${max} characters`] : [];
const nonEmpty =
  (max = 253): Validator =>
  (v, p) => {
    const base = str(max)(v, p);
    return base.length > 0 ? base : v === '' ? [`${p} must not be empty`] : [];
  };
const bool: Validator = (v, p) => (typeof v === 'boolean' ? [] : [`${p} must be true or false`]);
const int =
  (min: number, max: number): Validator =>
  (v, p) =>
    typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max
      ? []
      : [`${p} must be an integer from ${min} to ${max}`];
const oneOf =
  (...values: string[]): Validator =>
  (v, p) =>
    typeof v === 'string' && values.includes(v) ? [] : [`${p} must be one of ${values.join(', ')}`];
const arrayOf =
  (item: Validator, max = MAX_ITEMS): Validator =>
  (v, p) => {
    if (!Array.isArray(v)) return [`${p} must be a list`];
    if (v.length > max) return [`${p} has more than ${max} items`];
    return v.flatMap((x, i) => item(x, `${p}[${i}]`));
  };

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}

/** An object with exactly these keys (optional ones may be absent or undefined); unknown keys are refused. */
const shape =
  (required: Record<string, Validator>, optional: Record<string, Validator> = {}): Validator =>
  (v, p) => {
    if (!isPlainObject(v)) return [`${p} must be an object`];
    const problems: string[] = [];
    for (const [key, check] of Object.entries(required)) {
      if (!(key in v)) problems.push(`${p}.${key} is missing`);
      else problems.push(...check(v[key], `${p}.${key}`));
    }
    for (const [key, check] of Object.entries(optional))
      if (v[key] !== undefined) problems.push(...check(v[key], `${p}.${key}`));
    for (const key of Object.keys(v))
      if (!(key in required) && !(key in optional)) problems.push(`${p}.${key} is not expected`);
    return problems;
  };

/** Picks the shape by the value of a discriminating key. */
const tagged =
  (tag: string, variants: Record<string, Validator>): Validator =>
  (v, p) => {
    if (!isPlainObject(v)) return [`${p} must be an object`];
    const kind = v[tag];
    if (typeof kind !== 'string' || !Object.prototype.hasOwnProperty.call(variants, kind)) {
      return [`${p}.${tag} must be one of ${Object.keys(variants).join(', ')}`];
    }
    return variants[kind](v, p);
  };

const policyRule = shape(
  { apiGroups: arrayOf(str(253), 50), resources: arrayOf(nonEmpty(253), 200), verbs: arrayOf(nonEmpty(64), 30) },
  { resourceNames: arrayOf(str(253), 200) },
);
const roleReference = shape({ kind: oneOf('Role', 'ClusterRole'), name: nonEmpty(253) });

const provisionRequest = shape(
  {
    context: nonEmpty(),
    namespace: str(63),
    serviceAccount: str(253),
    rules: arrayOf(policyRule, 500),
    roleRefs: arrayOf(roleReference, 50),
    scope: tagged('kind', {
      namespaces: shape({ kind: oneOf('namespaces'), namespaces: arrayOf(str(63), 200) }),
      cluster: shape({ kind: oneOf('cluster') }),
    }),
    token: tagged('kind', {
      timeBound: shape(
        { kind: oneOf('timeBound'), durationSeconds: int(1, 2 ** 32 - 1) },
        { unbound: bool, note: str(200), bindToSecret: bool },
      ),
      longLived: shape({ kind: oneOf('longLived') }, { secretName: str(253), note: str(200) }),
      existingSecret: shape({ kind: oneOf('existingSecret'), secretName: nonEmpty() }),
    }),
    kubeconfig: shape({}, { server: str(2048), insecureSkipTlsVerify: bool, namePrefix: str(253) }),
  },
  { createNamespace: bool, serviceAccountMode: oneOf('create', 'existing'), adoptUnmanaged: bool, keepExtra: bool },
);

const runId = int(0, Number.MAX_SAFE_INTEGER);

const pageMessage = tagged('type', {
  ready: shape({ type: str() }, { navigationMs: int(0, 10_000_000) }),
  loadContext: shape({ type: str(), context: nonEmpty() }),
  refreshDiscovery: shape({ type: str(), context: nonEmpty() }),
  loadServiceAccounts: shape({ type: str(), context: nonEmpty(), namespace: nonEmpty(63) }),
  loadServiceAccountDetails: shape({ type: str(), context: nonEmpty(), namespace: nonEmpty(63), name: nonEmpty(253) }),
  review: shape({ type: str(), reviewId: runId, request: provisionRequest }),
  apply: shape({ type: str(), runId, request: provisionRequest }),
  cancel: shape({ type: str(), runId }),
  resultAction: shape({ type: str(), action: oneOf('openKubeconfig', 'saveAs', 'merge', 'copyCommand') }),
  startOver: shape({ type: str() }),
  openKubeconfigFile: shape({ type: str() }),
});

export type ParseResult = { ok: true; message: PageMessage } | { ok: false; problems: string[] };

/** Checks a message from the page; never throws. */
export function parsePageMessage(value: unknown): ParseResult {
  let problems: string[];
  try {
    problems = pageMessage(value, 'message');
  } catch (err) {
    problems = [`message could not be checked: ${(err as Error).message}`];
  }
  return problems.length === 0
    ? { ok: true, message: value as PageMessage }
    : { ok: false, problems: problems.slice(0, 10) };
}

/** The page's own light check of what the host sends (the host is trusted; this guards against version skew). */
export function isHostMessage(value: unknown): value is HostMessage {
  return isPlainObject(value) && typeof value.type === 'string';
}
