// The credential audit's pure part: from what read.ts read (and the local ledger), for every service account in
// scope: its credentials (with the API server's legacy-token labels), its effective permissions (every binding that
// names it directly, as a User "system:serviceaccount:…", or through the groups every service account is in,
// aggregated ClusterRoles expanded), its risk grade (risk.ts), the findings against the thresholds and a remedy for
// each. No requests, no clock (`now` is passed in), and never a token: Secrets are known by their metadata only.

import type { LedgerEntry } from '../credentials/ledger';
import { assembleCredentials } from '../credentials/list';
import type { Credential } from '../credentials/model';
import type { RawBinding, RawServiceAccount } from '../inventory/parse';
import { isManaged } from '../objects';
import { serviceAccountKey } from '../plan/names';
import { breakdownRule, formatRule, normalizeRules } from '../plan/rules';
import type { PolicyRule } from '../types';
import type { AuditInput, LabelSelector, RawRole } from './read';
import {
  assessGrants,
  gradeRank,
  grantedToEveryone,
  grantGrade,
  worseGrade,
  type Grant,
  type RiskGrade,
  type RiskReason,
} from './risk';

export const LAST_USED_LABEL = 'kubernetes.io/legacy-token-last-used';
export const INVALID_SINCE_LABEL = 'kubernetes.io/legacy-token-invalid-since';
const DAY_MS = 86_400_000;

export interface AuditThresholds {
  /** A legacy token not used for this many days is stale (default 90). */
  staleDays: number;
  /** A long-lived token older than this many days is old (default 90). */
  maxAgeDays: number;
}

export const DEFAULT_THRESHOLDS: AuditThresholds = { staleDays: 90, maxAgeDays: 90 };

/** A credential as the audit shows it: the list's Credential plus what the API server stamped on a token Secret. */
export interface AuditCredential extends Credential {
  /** `kubernetes.io/legacy-token-last-used` (a date, YYYY-MM-DD), for token Secrets. */
  lastUsed?: string;
  /** `kubernetes.io/legacy-token-invalid-since` (a date): the API server rejects it. */
  invalidSince?: string;
}

/** How the account came to hold a binding. */
export type BindingSubject =
  { kind: 'serviceAccount' } | { kind: 'user'; name: string } | { kind: 'group'; name: string };

export interface AuditPermission {
  binding: { kind: 'RoleBinding' | 'ClusterRoleBinding'; name: string; namespace?: string };
  role: string;
  via: BindingSubject;
  /** Where it applies; undefined: cluster-wide. */
  namespace?: string;
  rules: PolicyRule[];
  /** The role does not exist (the binding grants nothing today). */
  missingRole?: boolean;
  /** ClusterRoles whose rules were aggregated into it. */
  aggregatedFrom?: string[];
  grade: RiskGrade;
}

export type FindingKind =
  'legacyNeverUsed' | 'legacyStale' | 'legacyInvalid' | 'longLivedOld' | 'unusedAccount' | 'powerfulLongLived';

export type RemedyKind = 'migrate' | 'revoke' | 'shrink';

export interface Remedy {
  kind: RemedyKind;
  /** For migrate/revoke: the credential's Secret. */
  secretName?: string;
  /** For shrink: the account's current direct rules minus the risky ones. */
  rules?: PolicyRule[];
  /** The namespaces the shrunk rules applied in (undefined: cluster-wide). */
  namespaces?: string[];
  /** The CLI command that carries it out (no credential in it). */
  command: string;
  /** One line for people. */
  text: string;
}

export interface Finding {
  kind: FindingKind;
  severity: RiskGrade;
  namespace: string;
  serviceAccount: string;
  secretName?: string;
  text: string;
  remedies: Remedy[];
}

export interface AuditedServiceAccount {
  namespace: string;
  name: string;
  managed: boolean;
  createdAt?: string;
  grade: RiskGrade;
  reasons: RiskReason[];
  /** Pods using it; undefined when pods could not be read. */
  pods?: number;
  credentials: AuditCredential[];
  permissions: AuditPermission[];
  findings: Finding[];
}

export interface AuditReport {
  context: string;
  server: string;
  /** The namespace audited; undefined: all. */
  namespace?: string;
  generatedAt: string;
  /** When the API server began to track legacy token use (ConfigMap `since`). */
  trackingSince?: string;
  thresholds: AuditThresholds;
  /** Sorted by risk, worst first. */
  serviceAccounts: AuditedServiceAccount[];
  summary: Record<RiskGrade, number> & { serviceAccounts: number; credentials: number; findings: number };
  notes: string[];
  /** API requests the audit sent. */
  requests?: number;
}

/** Whether a label selector matches labels (matchLabels and matchExpressions, as Kubernetes does). Pure. */
export function selectorMatches(selector: LabelSelector, labels: Record<string, string> = {}): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key])) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key])) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  // An empty selector in an aggregation rule selects nothing (the controller treats it so).
  return Object.keys(selector.matchLabels ?? {}).length > 0 || (selector.matchExpressions ?? []).length > 0;
}

function rulesOf(role: RawRole): PolicyRule[] {
  return (role.rules ?? [])
    .filter((r) => (r.resources ?? []).length > 0)
    .map((r) => ({
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      verbs: r.verbs ?? [],
      ...(r.resourceNames && r.resourceNames.length > 0 ? { resourceNames: r.resourceNames } : {}),
    }));
}

/**
 * A ClusterRole's rules with aggregation expanded: its own rules (the aggregation controller fills them in) plus
 * the rules of every ClusterRole its selectors match, recursively. Pure.
 */
export function expandClusterRole(
  name: string,
  clusterRoles: Map<string, RawRole>,
  seen: Set<string> = new Set(),
): { rules: PolicyRule[]; aggregatedFrom: string[] } | undefined {
  const role = clusterRoles.get(name);
  if (!role) return undefined;
  seen.add(name);
  const rules = rulesOf(role);
  const aggregatedFrom: string[] = [];
  for (const selector of role.aggregationRule?.clusterRoleSelectors ?? []) {
    for (const [other, r] of clusterRoles) {
      if (seen.has(other) || !selectorMatches(selector, r.metadata?.labels)) continue;
      const sub = expandClusterRole(other, clusterRoles, seen);
      if (!sub) continue;
      aggregatedFrom.push(other, ...sub.aggregatedFrom);
      rules.push(...sub.rules);
    }
  }
  return { rules: normalizeRules(rules), aggregatedFrom: [...new Set(aggregatedFrom)].sort() };
}

/** How a binding names the account, or undefined when it does not (rbac's appliesToUser). Pure. */
export function subjectFor(binding: RawBinding, namespace: string, name: string): BindingSubject | undefined {
  const username = `system:serviceaccount:${namespace}:${name}`;
  const groups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
  let group: string | undefined;
  for (const s of binding.subjects ?? []) {
    if (s.kind === 'ServiceAccount' && s.name === name && (s.namespace || binding.metadata?.namespace) === namespace)
      return { kind: 'serviceAccount' };
    if (s.kind === 'User' && s.name === username) return { kind: 'user', name: username };
    if (s.kind === 'Group' && s.name !== undefined && groups.includes(s.name) && group === undefined) group = s.name;
  }
  return group !== undefined ? { kind: 'group', name: group } : undefined;
}

/** A binding Kubernetes itself made (label kubernetes.io/bootstrapping=rbac-defaults). Pure. */
export function isBootstrapDefault(b: RawBinding): boolean {
  return b.metadata?.labels?.['kubernetes.io/bootstrapping'] === 'rbac-defaults';
}

function daysBetween(from: string, now: Date): number | undefined {
  const t = Date.parse(from);
  return Number.isFinite(t) ? Math.floor((now.getTime() - t) / DAY_MS) : undefined;
}

/** The same rules minus every piece a risk row grades high or worse (wildcards drop whole). Pure. */
export function withoutRiskyRules(grants: Grant[]): { rules: PolicyRule[]; namespaces?: string[] } {
  const kept: PolicyRule[] = [];
  const namespaces = new Set<string>();
  let clusterWide = false;
  for (const g of grants) {
    for (const atom of breakdownRule(g.rule)) {
      if (
        atom.verbs[0] === '*' ||
        atom.resources[0] === '*' ||
        gradeRank(grantGrade({ ...g, rule: atom })) >= gradeRank('high')
      )
        continue;
      kept.push(atom);
      if (g.namespace === undefined) clusterWide = true;
      else namespaces.add(g.namespace);
    }
  }
  return {
    rules: kept.length > 0 ? normalizeRules(kept) : [],
    ...(clusterWide ? {} : { namespaces: [...namespaces].sort() }),
  };
}

function quote(s: string): string {
  return /^[\w.,:/*@=-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function migrateRemedy(ns: string, sa: string, secret: string): Remedy {
  return {
    kind: 'migrate',
    secretName: secret,
    command: `sa-kubeconfig migrate -n ${quote(ns)} --secret ${quote(secret)} --out ${quote(`${sa}.kubeconfig`)}`,
    text: `Replace Secret ${secret} with a revocable, expiring credential (new kubeconfig first, then delete it).`,
  };
}

function revokeRemedy(ns: string, sa: string, secret: string): Remedy {
  return {
    kind: 'revoke',
    secretName: secret,
    command: `sa-kubeconfig revoke -n ${quote(ns)} -s ${quote(sa)} --secret ${quote(secret)}`,
    text: `Revoke it: delete Secret ${secret}.`,
  };
}

function shrinkRemedy(ns: string, sa: string, grants: Grant[]): Remedy {
  const shrunk = withoutRiskyRules(grants);
  const scope =
    shrunk.namespaces === undefined
      ? ' --cluster-wide'
      : shrunk.namespaces.length > 0
        ? ` --namespaces ${shrunk.namespaces.map(quote).join(',')}`
        : '';
  const rules = shrunk.rules.map((r) => ` --rule ${quote(formatRule(r))}`).join('');
  return {
    kind: 'shrink',
    rules: shrunk.rules,
    ...(shrunk.namespaces ? { namespaces: shrunk.namespaces } : {}),
    command:
      `sa-kubeconfig create -n ${quote(ns)} --existing-service-account ${quote(sa)}${scope}${rules} --dry-run` +
      (shrunk.rules.length === 0 ? '  # nothing low-risk is left: consider deleting its bindings' : ''),
    text:
      shrunk.rules.length > 0
        ? `Grant only its low-risk rules (${shrunk.rules.map(formatRule).join('; ')}); then remove the old bindings.`
        : 'None of its direct rules is low-risk: remove its bindings, or grant narrowly what it needs.',
  };
}

/** The long-lived kinds: a token that never expires (a token Secret). */
function isLongLived(c: Credential): boolean {
  return (c.kind === 'legacy' || c.kind === 'longLived') && c.state !== 'expired';
}

/** The findings of one account. Pure. */
export function findingsFor(
  sa: Pick<AuditedServiceAccount, 'namespace' | 'name' | 'grade' | 'pods' | 'credentials'>,
  grants: Grant[],
  thresholds: AuditThresholds,
  trackingSince: string | undefined,
  now: Date,
): Finding[] {
  const { namespace: ns, name } = sa;
  const findings: Finding[] = [];
  const base = { namespace: ns, serviceAccount: name };
  for (const c of sa.credentials) {
    if (!c.secretName) continue;
    const secret = c.secretName;
    if (c.kind === 'legacy') {
      if (c.invalidSince) {
        findings.push({
          ...base,
          kind: 'legacyInvalid',
          severity: 'medium',
          secretName: secret,
          text:
            `Legacy token Secret ${secret} is marked invalid since ${c.invalidSince} (unused; ` +
            'the API server rejects it and will delete it).',
          remedies: [revokeRemedy(ns, name, secret)],
        });
        continue;
      }
      const idle = c.lastUsed ? daysBetween(c.lastUsed, now) : undefined;
      if (!c.lastUsed) {
        findings.push({
          ...base,
          kind: 'legacyNeverUsed',
          severity: 'medium',
          secretName: secret,
          text:
            `Legacy token Secret ${secret} has no recorded use` +
            (trackingSince ? ` since tracking began on ${trackingSince}` : '') +
            '.',
          remedies: [revokeRemedy(ns, name, secret), migrateRemedy(ns, name, secret)],
        });
      } else if (idle !== undefined && idle >= thresholds.staleDays) {
        findings.push({
          ...base,
          kind: 'legacyStale',
          severity: 'medium',
          secretName: secret,
          text:
            `Legacy token Secret ${secret} was last used on ${c.lastUsed}, ` +
            `${idle} days ago (threshold ${thresholds.staleDays}).`,
          remedies: [revokeRemedy(ns, name, secret), migrateRemedy(ns, name, secret)],
        });
      }
    }
    const age = c.createdAt ? daysBetween(c.createdAt, now) : undefined;
    if (isLongLived(c) && age !== undefined && age >= thresholds.maxAgeDays) {
      findings.push({
        ...base,
        kind: 'longLivedOld',
        severity: 'medium',
        secretName: secret,
        text:
          `Long-lived token Secret ${secret} is ${age} days old ` +
          `(threshold ${thresholds.maxAgeDays}) and never expires.`,
        remedies: [migrateRemedy(ns, name, secret), revokeRemedy(ns, name, secret)],
      });
    }
  }
  const outside = sa.credentials.filter((c) => c.state !== 'expired' && !c.invalidSince);
  if (sa.pods === 0 && outside.length > 0) {
    findings.push({
      ...base,
      kind: 'unusedAccount',
      severity: 'low',
      text:
        `No pod uses ${ns}/${name}, but it has ${outside.length} credential(s) that work outside the cluster ` +
        `(${outside.map((c) => c.secretName ?? c.id).join(', ')}).`,
      remedies: outside
        .filter((c) => c.secretName && c.revocable)
        .map((c) => revokeRemedy(ns, name, c.secretName as string)),
    });
  }
  const longLived = sa.credentials.filter((c) => isLongLived(c) && !c.invalidSince && c.secretName);
  if (gradeRank(sa.grade) >= gradeRank('high') && longLived.length > 0) {
    const direct = grants.filter((g) => g.role !== '');
    findings.push({
      ...base,
      kind: 'powerfulLongLived',
      severity: sa.grade,
      text:
        `${ns}/${name} is graded ${sa.grade} and has a credential that never expires ` +
        `(${longLived.map((c) => c.secretName).join(', ')}).`,
      remedies: [
        ...longLived.map((c) => migrateRemedy(ns, name, c.secretName as string)),
        ...(direct.length > 0 ? [shrinkRemedy(ns, name, direct)] : []),
      ],
    });
  }
  return findings.sort((a, b) => gradeRank(b.severity) - gradeRank(a.severity));
}

export interface AssembleArgs {
  context: string;
  server: string;
  ledger: LedgerEntry[];
  thresholds: AuditThresholds;
  now: Date;
}

/** The whole report from what was read. Pure. */
export function assembleAudit(input: AuditInput, args: AssembleArgs): AuditReport {
  const clusterRoles = new Map<string, RawRole>();
  for (const r of input.clusterRoles) if (r.metadata?.name) clusterRoles.set(r.metadata.name, r);
  const roles = new Map<string, RawRole>();
  for (const r of input.roles) if (r.metadata?.name) roles.set(`${r.metadata.namespace}/${r.metadata.name}`, r);
  const expanded = new Map<string, ReturnType<typeof expandClusterRole>>();
  const clusterRole = (name: string) => {
    if (!expanded.has(name)) expanded.set(name, expandClusterRole(name, clusterRoles));
    return expanded.get(name);
  };
  const secretsByNs = new Map<string, AuditInput['secrets']>();
  for (const s of input.secrets) {
    const ns = s.metadata?.namespace ?? '';
    secretsByNs.set(ns, [...(secretsByNs.get(ns) ?? []), s]);
  }
  const podsBySa = new Map<string, number>();
  for (const p of input.pods ?? []) {
    const key = serviceAccountKey(
      p.metadata?.namespace ?? '',
      p.spec?.serviceAccountName || p.spec?.serviceAccount || 'default',
    );
    podsBySa.set(key, (podsBySa.get(key) ?? 0) + 1);
  }
  const credentialsByNs = new Map<string, Credential[]>();
  const credentialsOf = (ns: string) => {
    if (!credentialsByNs.has(ns)) {
      credentialsByNs.set(
        ns,
        assembleCredentials(secretsByNs.get(ns) ?? [], ns, undefined, args.ledger, args.server, args.now),
      );
    }
    return credentialsByNs.get(ns) as Credential[];
  };
  const bindings: (RawBinding & { kind?: string })[] = [...input.clusterRoleBindings, ...input.roleBindings];

  const accounts: AuditedServiceAccount[] = input.serviceAccounts
    .filter((sa: RawServiceAccount) => sa.metadata?.name && sa.metadata.namespace)
    .map((sa) => {
      const ns = sa.metadata?.namespace as string;
      const name = sa.metadata?.name as string;
      const labelsOf = new Map((secretsByNs.get(ns) ?? []).map((s) => [s.metadata?.name, s.metadata?.labels ?? {}]));
      const credentials: AuditCredential[] = credentialsOf(ns)
        .filter((c) => c.serviceAccount === name)
        .map((c) => {
          const labels = c.secretName ? (labelsOf.get(c.secretName) ?? {}) : {};
          return {
            ...c,
            ...(labels[LAST_USED_LABEL] ? { lastUsed: labels[LAST_USED_LABEL] } : {}),
            ...(labels[INVALID_SINCE_LABEL] ? { invalidSince: labels[INVALID_SINCE_LABEL] } : {}),
          };
        });
      const permissions: AuditPermission[] = [];
      const grants: Grant[] = [];
      const directGrants: Grant[] = [];
      for (const b of bindings) {
        const via = subjectFor(b, ns, name);
        if (!via) continue;
        // Kubernetes' own defaults for groups of every account (discovery, self reviews, trust bundles): not this
        // account's risk, and the same for all of them.
        if (via.kind === 'group' && isBootstrapDefault(b)) continue;
        const kind = b.kind === 'ClusterRoleBinding' ? 'ClusterRoleBinding' : 'RoleBinding';
        const where = kind === 'RoleBinding' ? b.metadata?.namespace : undefined;
        const refKind = b.roleRef?.kind === 'Role' ? 'Role' : 'ClusterRole';
        const role = `${refKind}/${b.roleRef?.name ?? ''}`;
        const resolved =
          refKind === 'Role'
            ? roles.has(`${where}/${b.roleRef?.name}`)
              ? { rules: rulesOf(roles.get(`${where}/${b.roleRef?.name}`) as RawRole), aggregatedFrom: [] }
              : undefined
            : clusterRole(b.roleRef?.name ?? '');
        const rules = (resolved?.rules ?? []).filter((r) => !grantedToEveryone(r));
        const these = rules.map((rule): Grant => ({ rule, role, ...(where ? { namespace: where } : {}) }));
        // A group binding that grants only what everyone has (discovery, self reviews) is not worth a row.
        if (via.kind === 'group' && resolved && these.length === 0) continue;
        grants.push(...these);
        if (via.kind !== 'group') directGrants.push(...these);
        const grade =
          role === 'ClusterRole/cluster-admin'
            ? 'critical'
            : these.reduce<RiskGrade>((g, x) => worseGrade(g, grantGrade(x)), 'none');
        permissions.push({
          binding: { kind, name: b.metadata?.name ?? '', ...(where ? { namespace: where } : {}) },
          role,
          via,
          ...(where ? { namespace: where } : {}),
          rules,
          ...(resolved ? {} : { missingRole: true }),
          ...(resolved && resolved.aggregatedFrom.length > 0 ? { aggregatedFrom: resolved.aggregatedFrom } : {}),
          grade,
        });
      }
      // cluster-admin is graded by its binding, whatever its rules were read as.
      const adminGrants = permissions
        .filter((p) => p.role === 'ClusterRole/cluster-admin')
        .map((p): Grant => ({
          rule: { apiGroups: [], resources: [], verbs: [] },
          role: p.role,
          ...(p.namespace ? { namespace: p.namespace } : {}),
        }));
      const risk = assessGrants([...grants, ...adminGrants]);
      const pods = input.pods ? (podsBySa.get(serviceAccountKey(ns, name)) ?? 0) : undefined;
      const account: AuditedServiceAccount = {
        namespace: ns,
        name,
        managed: isManaged(sa),
        ...(sa.metadata?.creationTimestamp ? { createdAt: sa.metadata.creationTimestamp } : {}),
        grade: risk.grade,
        reasons: risk.reasons,
        ...(pods !== undefined ? { pods } : {}),
        credentials,
        permissions: permissions.sort((a, b) => gradeRank(b.grade) - gradeRank(a.grade)),
        findings: [],
      };
      account.findings = findingsFor(account, directGrants, args.thresholds, input.trackingSince, args.now);
      return account;
    });
  const sorted = sortAccounts(accounts);
  const summary = { critical: 0, high: 0, medium: 0, low: 0, none: 0, serviceAccounts: 0, credentials: 0, findings: 0 };
  for (const a of sorted) {
    summary[a.grade]++;
    summary.serviceAccounts++;
    summary.credentials += a.credentials.length;
    summary.findings += a.findings.length;
  }
  return {
    context: args.context,
    server: args.server,
    ...(input.namespace !== undefined ? { namespace: input.namespace } : {}),
    generatedAt: args.now.toISOString(),
    ...(input.trackingSince ? { trackingSince: input.trackingSince } : {}),
    thresholds: args.thresholds,
    serviceAccounts: sorted,
    summary,
    notes: input.notes,
  };
}

/** The worst finding's severity of an account (none without findings). Pure. */
export function worstFinding(a: Pick<AuditedServiceAccount, 'findings'>): RiskGrade {
  return a.findings.reduce<RiskGrade>((g, f) => worseGrade(g, f.severity), 'none');
}

/** Worst grade first, then most findings, then by namespace/name. Pure. */
export function sortAccounts(accounts: AuditedServiceAccount[]): AuditedServiceAccount[] {
  return [...accounts].sort(
    (a, b) =>
      gradeRank(b.grade) - gradeRank(a.grade) ||
      gradeRank(worstFinding(b)) - gradeRank(worstFinding(a)) ||
      b.findings.length - a.findings.length ||
      a.namespace.localeCompare(b.namespace) ||
      a.name.localeCompare(b.name),
  );
}

export interface AuditFilter {
  /** Only accounts graded at least this, or with a finding at least this severe. */
  minRisk?: RiskGrade;
  /** Also accounts with no permission beyond everyone's, no credential and no finding (hidden by default). */
  includeClean?: boolean;
}

/** Whether an account has nothing to report. Pure. */
export function isClean(a: AuditedServiceAccount): boolean {
  return a.grade === 'none' && a.findings.length === 0 && a.credentials.length === 0 && a.permissions.length === 0;
}

/** The report with only the accounts the filter keeps (summary and notes stay the whole scope's). Pure. */
export function filterReport(report: AuditReport, filter: AuditFilter): AuditReport {
  const min = filter.minRisk ? gradeRank(filter.minRisk) : 0;
  const kept = report.serviceAccounts.filter(
    (a) =>
      (filter.includeClean || !isClean(a)) &&
      (min === 0 || gradeRank(a.grade) >= min || gradeRank(worstFinding(a)) >= min),
  );
  return { ...report, serviceAccounts: kept };
}
