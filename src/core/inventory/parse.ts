// What the inventory reads, turned into summaries. Every function here is pure: no requests, no clock.
// The requests live in read.ts; the tree, the wizard host and the CLI all read through them.

import { isSaKubeconfigError } from '../errors';
import { isManaged, managedFor } from '../objects';
import { serviceAccountKey } from '../plan/names';
import { redact } from '../redact';
import { isTokenSecretOf, SA_NAME_ANNOTATION, SERVICE_ACCOUNT_TOKEN_TYPE } from '../token/token';
import type { PolicyRule, RoleReference } from '../types';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  creationTimestamp?: string;
}
export interface ListAnswer<T> {
  metadata?: { continue?: string };
  items?: T[];
}
export interface RawServiceAccount {
  metadata?: ObjectMeta;
  secrets?: { name?: string }[];
}
export interface RawSecret {
  metadata?: ObjectMeta;
  type?: string;
  data?: Record<string, string>;
}
export interface RawBinding {
  kind?: string;
  metadata?: ObjectMeta;
  roleRef?: { kind?: string; name?: string };
  subjects?: { kind?: string; name?: string; namespace?: string }[];
}

/** A Secret as the inventory keeps it: metadata, type, and whether a token is in it. Never its data. */
export interface SecretMeta {
  metadata: ObjectMeta;
  /** Absent in metadata-only answers. */
  type?: string;
  /** A token is present (only known when the data was read). */
  populated?: boolean;
}

export interface ServiceAccountSummary {
  namespace: string;
  name: string;
  /** Carries sa-kubeconfig's managed-by label. */
  managed: boolean;
  createdAt?: string;
  /** The `kubernetes.io/description` annotation: free text from the cluster (show it escaped). */
  description?: string;
}

export interface ServiceAccountPage {
  items: ServiceAccountSummary[];
  /** Pass back to get the next page; undefined on the last page. */
  continueToken?: string;
}

export interface BindingSummary {
  kind: 'RoleBinding' | 'ClusterRoleBinding';
  name: string;
  /** Where a RoleBinding lives; undefined for ClusterRoleBindings. */
  namespace?: string;
  roleRef: RoleReference;
  managed: boolean;
}

export interface BindingInfo extends BindingSummary {
  /** Rules of the bound role; undefined when it could not be read. */
  rules?: PolicyRule[];
  rulesError?: string;
}

export interface TokenSecretSummary {
  name: string;
  namespace: string;
  type: string;
  /** `longLived`: a service-account-token Secret; `binding`: the Secret our time-bound tokens are bound to. */
  role: 'longLived' | 'binding';
  managed: boolean;
  /** It holds a token (the token controller has filled it); always false for a binding Secret. */
  populated: boolean;
  createdAt?: string;
}

export interface ServiceAccountDetails {
  bindings: BindingSummary[];
  tokenSecrets: TokenSecretSummary[];
  /** What could not be read (Forbidden), said in words. */
  notes: string[];
}

/**
 * What one account already holds: its bindings with their roles' rules (or why those are unknown), its token Secrets.
 */
export interface ServiceAccountHoldings extends Omit<ServiceAccountDetails, 'bindings'> {
  bindings: BindingInfo[];
}

export interface ServiceAccountInfo extends ServiceAccountSummary {
  bindings: BindingInfo[];
  tokenSecrets: TokenSecretSummary[];
}

/** Drops a Secret's data on arrival: only whether it holds a token is kept. */
export function secretMeta(raw: RawSecret): SecretMeta {
  return {
    metadata: raw.metadata ?? {},
    ...(raw.type ? { type: raw.type } : {}),
    ...(raw.data ? { populated: Boolean(raw.data.token) } : {}),
  };
}

export function summarizeServiceAccount(sa: RawServiceAccount, namespace: string): ServiceAccountSummary {
  const description = sa.metadata?.annotations?.['kubernetes.io/description'];
  return {
    namespace,
    name: sa.metadata?.name ?? '',
    managed: isManaged(sa),
    ...(sa.metadata?.creationTimestamp ? { createdAt: sa.metadata.creationTimestamp } : {}),
    ...(description ? { description } : {}),
  };
}

export function parseServiceAccountPage(answer: ListAnswer<RawServiceAccount>, namespace: string): ServiceAccountPage {
  const items = (answer.items ?? [])
    .filter((sa) => sa.metadata?.name)
    .map((sa) => summarizeServiceAccount(sa, namespace));
  const next = answer.metadata?.continue;
  return { items, continueToken: next ? next : undefined };
}

/** Whether a binding's subjects include the service account (a subject without namespace means the binding's). */
export function bindsServiceAccount(binding: RawBinding, namespace: string, name: string): boolean {
  return (binding.subjects ?? []).some(
    (s) => s.kind === 'ServiceAccount' && s.name === name && (s.namespace ?? binding.metadata?.namespace) === namespace,
  );
}

export function summarizeBinding(b: RawBinding, kind: BindingSummary['kind']): BindingSummary {
  return {
    kind,
    name: b.metadata?.name ?? '',
    ...(kind === 'RoleBinding' && b.metadata?.namespace ? { namespace: b.metadata.namespace } : {}),
    roleRef: { kind: b.roleRef?.kind === 'Role' ? 'Role' : 'ClusterRole', name: b.roleRef?.name ?? '' },
    managed: isManaged(b),
  };
}

function bindingOrder(a: BindingSummary, b: BindingSummary): number {
  return `${a.kind}/${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.kind}/${b.namespace ?? ''}/${b.name}`);
}

/**
 * Bindings (RoleBindings and ClusterRoleBindings, already tagged by kind) whose subjects include the service account.
 */
export function bindingsFor(
  bindings: (RawBinding & { kind: BindingSummary['kind'] })[],
  namespace: string,
  serviceAccount: string,
): BindingSummary[] {
  return bindings
    .filter((b) => bindsServiceAccount(b, namespace, serviceAccount))
    .map((b) => summarizeBinding(b, b.kind))
    .sort(bindingOrder);
}

/**
 * Token Secrets of a service account: service-account-token Secrets annotated with its name or listed in its
 * `.secrets` (OpenShift ≤ 4.15's `<sa>-token-xxxxx`), and the Secret our time-bound tokens are bound to.
 */
export function tokenSecretsFor(
  namespace: string,
  serviceAccount: string,
  secrets: SecretMeta[],
  listedInServiceAccount: (string | undefined)[] = [],
): TokenSecretSummary[] {
  const listed = new Set(listedInServiceAccount);
  const key = serviceAccountKey(namespace, serviceAccount);
  const out = new Map<string, TokenSecretSummary>();
  for (const s of secrets) {
    const name = s.metadata.name ?? '';
    if (!name || out.has(name)) continue;
    const common = {
      name,
      namespace,
      managed: isManaged(s),
      ...(s.metadata.creationTimestamp ? { createdAt: s.metadata.creationTimestamp } : {}),
    };
    const isToken = s.type === SERVICE_ACCOUNT_TOKEN_TYPE;
    if (isTokenSecretOf(s, serviceAccount, listed)) {
      out.set(name, {
        ...common,
        type: SERVICE_ACCOUNT_TOKEN_TYPE,
        role: 'longLived',
        populated: s.populated === true,
      });
    } else if (!isToken && common.managed && managedFor(s) === key) {
      out.set(name, { ...common, type: s.type ?? 'Opaque', role: 'binding', populated: false });
    }
  }
  return [...out.values()].sort((a, b) => a.name.localeCompare(b.name));
}

/** How many token Secrets each service account of a namespace has (by the service-account.name annotation). */
export function countTokenSecretsByOwner(secrets: SecretMeta[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of secrets) {
    const owner = s.metadata.annotations?.[SA_NAME_ANNOTATION];
    // Metadata-only answers carry no type; the field selector already chose token Secrets.
    if ((s.type !== undefined && s.type !== SERVICE_ACCOUNT_TOKEN_TYPE) || !owner) continue;
    counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  return counts;
}

/** "Role/<namespace>/<name>" or "ClusterRole//<name>": the key a binding's role's rules are kept under. */
export function roleKeyOf(b: BindingSummary): string {
  return b.roleRef.kind === 'Role' ? `Role/${b.namespace ?? ''}/${b.roleRef.name}` : `ClusterRole//${b.roleRef.name}`;
}

/**
 * How a role read whose error is not Forbidden is treated: thrown (the inventory), or kept as the reason
 * (one account's view).
 */
export type OtherRoleErrors = 'throw' | 'note';

/**
 * Why a binding's role could not be read, in words, or undefined when the caller should rethrow the error. Forbidden
 * always has a reason; any other error only with `otherErrors` 'note' (redacted: it may quote the server); a cancelled
 * read never has one.
 */
export function unreadableRoleReason(
  roleRef: RoleReference,
  err: unknown,
  otherErrors: OtherRoleErrors,
): string | undefined {
  if (isSaKubeconfigError(err, 'forbidden')) return `you may not read ${roleRef.kind} "${roleRef.name}"`;
  if (otherErrors === 'throw' || isSaKubeconfigError(err, 'aborted')) return undefined;
  const message = redact(err instanceof Error ? err.message : String(err));
  return `could not read ${roleRef.kind} "${roleRef.name}": ${message}`;
}

/** Joins bindings with their roles' rules (or the reason they could not be read). `roleRules` is keyed by roleKeyOf. */
export function withRules(bindings: BindingSummary[], roleRules: Map<string, PolicyRule[] | string>): BindingInfo[] {
  return bindings.map((b) => {
    const rules = roleRules.get(roleKeyOf(b));
    return { ...b, ...(Array.isArray(rules) ? { rules } : typeof rules === 'string' ? { rulesError: rules } : {}) };
  });
}

/** Service accounts with their bindings, the bound rules and token Secrets, sorted by name. */
export function assembleInventory(
  namespace: string,
  serviceAccounts: RawServiceAccount[],
  bindings: (RawBinding & { kind: BindingSummary['kind'] })[],
  secrets: SecretMeta[],
  roleRules: Map<string, PolicyRule[] | string>,
): ServiceAccountInfo[] {
  return serviceAccounts
    .filter((sa) => sa.metadata?.name)
    .map((sa): ServiceAccountInfo => {
      const summary = summarizeServiceAccount(sa, namespace);
      return {
        ...summary,
        bindings: withRules(bindingsFor(bindings, namespace, summary.name), roleRules),
        tokenSecrets: tokenSecretsFor(
          namespace,
          summary.name,
          secrets,
          (sa.secrets ?? []).map((s) => s.name),
        ),
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function normalizeRule(r: Partial<PolicyRule>): PolicyRule {
  return {
    apiGroups: r.apiGroups ?? [],
    resources: r.resources ?? [],
    verbs: r.verbs ?? [],
    ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
  };
}

/** Namespaces a kubeconfig for the account should have contexts for: its own, then those of its RoleBindings. */
export function namespacesFromBindings(ownNamespace: string, bindings: BindingSummary[]): string[] {
  const others = bindings
    .filter((b) => b.kind === 'RoleBinding' && b.namespace && b.namespace !== ownNamespace)
    .map((b) => b.namespace as string);
  return [ownNamespace, ...[...new Set(others)].sort()];
}

/** Distinct role references of the bindings. */
export function roleRefsOf(bindings: BindingSummary[]): RoleReference[] {
  const seen = new Map<string, RoleReference>();
  for (const b of bindings) seen.set(`${b.roleRef.kind}/${b.roleRef.name}`, b.roleRef);
  return [...seen.values()];
}
