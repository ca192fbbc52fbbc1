// What an audit policy (audit.k8s.io/v1 Policy, the file kube-apiserver reads with --audit-policy-file) leaves out of
// the log for one service account: the `None` rules that can match its requests, named by number, resources, verbs,
// namespaces and users; requests no rule matches (no catch-all); ResponseComplete omitted (only completed requests
// count). The usage report's coverage warning then names those rules instead of warning in general.
// Policy rules match the first rule in order (kube-apiserver's policy checker): a None rule after a rule that already
// matches every request of the account drops nothing and is left out. Pure except for readAuditPolicy.
import { promises as fs } from 'node:fs';
import * as yaml from 'js-yaml';

import { ValidationError } from '../errors';
import { serviceAccountUsername } from './reader';
import type { Coverage } from './usage';

export interface PolicyResources {
  group?: string;
  resources?: string[];
  resourceNames?: string[];
}

export interface PolicyRule {
  level: string;
  users?: string[];
  userGroups?: string[];
  verbs?: string[];
  resources?: PolicyResources[];
  namespaces?: string[];
  nonResourceURLs?: string[];
  omitStages?: string[];
}

export interface AuditPolicy {
  /** Where it was read from, for the warnings. */
  source: string;
  omitStages: string[];
  rules: PolicyRule[];
}

/** What the policy leaves out of the log for the account. */
export interface PolicyFindings {
  source: string;
  /** The None rules that can match the account's requests, described ("rule 2 (level None): …"). */
  dropping: string[];
  /** No rule matches every request of the account: the requests no rule matches are not logged. */
  noCatchAll: boolean;
  /** ResponseComplete is omitted for (some of) its requests: those never count as completed. */
  omitsResponseComplete: string[];
}

const strings = (value: unknown): string[] | undefined =>
  Array.isArray(value) && value.every((v) => typeof v === 'string') ? value : undefined;

/** Parses a policy's YAML (or JSON) text. Throws ValidationError when it is not an audit Policy. Pure. */
export function parseAuditPolicy(text: string, source: string): AuditPolicy {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    throw new ValidationError([`The audit policy ${source} is not YAML: ${(err as Error).message.split('\n')[0]}.`]);
  }
  const policy = doc as { kind?: unknown; rules?: unknown; omitStages?: unknown } | null;
  if (!policy || typeof policy !== 'object' || policy.kind !== 'Policy' || !Array.isArray(policy.rules)) {
    throw new ValidationError([
      `${source} is not an audit policy (kind: Policy with rules), the file given to --audit-policy-file.`,
    ]);
  }
  const rules = (policy.rules as Record<string, unknown>[]).map((r, i): PolicyRule => {
    if (!r || typeof r !== 'object' || typeof r.level !== 'string') {
      throw new ValidationError([`The audit policy ${source}: rule ${i + 1} has no level.`]);
    }
    const resources = Array.isArray(r.resources)
      ? (r.resources as Record<string, unknown>[]).map((x) => ({
          ...(typeof x?.group === 'string' ? { group: x.group } : {}),
          ...(strings(x?.resources) ? { resources: strings(x.resources) } : {}),
          ...(strings(x?.resourceNames) ? { resourceNames: strings(x.resourceNames) } : {}),
        }))
      : undefined;
    const rule: PolicyRule = { level: r.level };
    for (const key of ['users', 'userGroups', 'verbs', 'namespaces', 'nonResourceURLs', 'omitStages'] as const) {
      const value = strings(r[key]);
      if (value && value.length > 0) rule[key] = value;
    }
    if (resources && resources.length > 0) rule.resources = resources;
    return rule;
  });
  return { source, omitStages: strings(policy.omitStages) ?? [], rules };
}

/** Reads and parses the policy file; a clear error when it cannot be read. */
export async function readAuditPolicy(file: string): Promise<AuditPolicy> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ValidationError([`Cannot read the audit policy ${file}: ${(err as Error).message}.`]);
  }
  return parseAuditPolicy(text, file);
}

/** The groups every service account token authenticates with. */
function accountGroups(namespace: string): string[] {
  return ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, 'system:authenticated'];
}

/** The rule's user and group conditions hold for the account (kube-apiserver: users AND userGroups). */
function appliesToAccount(rule: PolicyRule, namespace: string, serviceAccount: string): boolean {
  if (rule.users && !rule.users.includes(serviceAccountUsername(namespace, serviceAccount))) return false;
  if (rule.userGroups && !rule.userGroups.some((g) => accountGroups(namespace).includes(g))) return false;
  return true;
}

/** Matches every request of the account: no condition but (matching) users and groups. */
function matchesEverything(rule: PolicyRule): boolean {
  return !rule.verbs && !rule.resources && !rule.namespaces && !rule.nonResourceURLs;
}

/** "rule 2 (level None): get, list, watch of pods, configmaps (core) in kube-system, for users a, b". Pure. */
export function describePolicyRule(rule: PolicyRule, index: number): string {
  const parts: string[] = [];
  parts.push(rule.verbs ? `${rule.verbs.join(', ')} of` : 'every verb of');
  if (rule.resources) {
    const resources = rule.resources.map((r) => {
      const names = r.resourceNames ? ` named ${r.resourceNames.join(', ')}` : '';
      const group = r.group === undefined || r.group === '' ? 'core' : r.group;
      return `${r.resources ? r.resources.join(', ') : 'every resource'} (${group})${names}`;
    });
    parts.push(resources.join('; '));
  } else if (rule.nonResourceURLs) {
    parts.push(`non-resource URLs ${rule.nonResourceURLs.join(', ')}`);
  } else {
    parts.push('every resource');
  }
  parts.push(rule.namespaces ? `in namespace(s) ${rule.namespaces.map((n) => n || '(cluster)').join(', ')}` : '');
  if (rule.users) parts.push(`for users ${rule.users.join(', ')}`);
  if (rule.userGroups) parts.push(`for groups ${rule.userGroups.join(', ')}`);
  return `rule ${index + 1} (level ${rule.level}): ${parts.filter(Boolean).join(' ')}`;
}

/** What the policy leaves out of the log for the account. Pure. */
export function policyFindings(policy: AuditPolicy, namespace: string, serviceAccount: string): PolicyFindings {
  const dropping: string[] = [];
  const omitsResponseComplete: string[] = [];
  if (policy.omitStages.includes('ResponseComplete')) omitsResponseComplete.push('the policy (omitStages)');
  let noCatchAll = true;
  for (const [i, rule] of policy.rules.entries()) {
    if (!appliesToAccount(rule, namespace, serviceAccount)) continue;
    if (rule.level === 'None') dropping.push(describePolicyRule(rule, i));
    else if (rule.omitStages?.includes('ResponseComplete')) omitsResponseComplete.push(describePolicyRule(rule, i));
    if (matchesEverything(rule)) {
      // Every later rule is shadowed for this account.
      noCatchAll = false;
      break;
    }
  }
  return { source: policy.source, dropping, noCatchAll, omitsResponseComplete };
}

/** The sentences that replace coverage()'s general warning about the policy. Pure. */
export function policyWarnings(f: PolicyFindings): string[] {
  const warnings: string[] = [];
  if (f.dropping.length > 0) {
    warnings.push(
      `The audit policy ${f.source} logs some of this account's requests at level None, so they are not in the ` +
        `log and the report cannot show them: ${f.dropping.join('; ')}.`,
    );
  }
  if (f.noCatchAll) {
    warnings.push(
      `No rule of the audit policy ${f.source} matches every request of this account: requests no rule matches ` +
        'are not logged (end the policy with a catch-all rule, e.g. "- level: Metadata").',
    );
  }
  if (f.omitsResponseComplete.length > 0) {
    warnings.push(
      `The stage ResponseComplete is omitted by ${f.omitsResponseComplete.join('; ')}: ` +
        'those requests never appear as completed and are not counted.',
    );
  }
  if (warnings.length === 0) {
    warnings.push(
      `The audit policy ${f.source} logs every request of this account (no None rule matches it, ` +
        'a catch-all rule ends it).',
    );
  }
  return warnings;
}

/** The coverage with its general policy warning replaced by what this policy actually leaves out. Pure. */
export function withPolicyFindings(coverage: Coverage, findings: PolicyFindings): Coverage {
  const general = coverage.warnings.findIndex((w) => w.startsWith(GENERAL_POLICY_WARNING_START));
  const warnings = [...coverage.warnings];
  warnings.splice(general < 0 ? warnings.length : general, general < 0 ? 0 : 1, ...policyWarnings(findings));
  return { ...coverage, warnings, policy: findings };
}

/** How coverage()'s general warning (usage.ts) starts. */
export const GENERAL_POLICY_WARNING_START = 'Requests the audit policy logs at level None';
