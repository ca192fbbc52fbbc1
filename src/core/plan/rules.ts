// RBAC rules: the compact text syntax used by the CLI and the review screens, normalisation, and the
// coverage math that predicts Kubernetes' escalation check before we ask the API server.
//
// Rule syntax:   RESOURCES:VERBS[:NAMES]
//   RESOURCES    comma-separated RESOURCE[.GROUP][/SUBRESOURCE]
//                  pods                      core group ("")
//                  deployments.apps          group "apps"
//                  ingresses.networking.k8s.io
//                  pods/exec, deployments.apps/scale   subresources
//                  *            every resource of the core group;  *.*  every resource of every group
//                  */scale      the "scale" subresource of every resource (core group; use *.*/scale for all groups)
//                  widgets.*    "widgets" in every group
//   VERBS        comma-separated verbs, or * for all
//   NAMES        optional comma-separated resourceNames (restricts get/update/patch/delete to those objects)
// Examples:  pods:get,watch,list   deployments.apps:get   pods/exec:create   configmaps:get:app-config,feature-flags
import { ValidationError } from '../errors';
import type { PolicyRule } from '../types';
import { checkRule } from './validate';

export const KNOWN_VERBS = [
  'get',
  'list',
  'watch',
  'create',
  'update',
  'patch',
  'delete',
  'deletecollection',
  'use',
  'bind',
  'escalate',
  'impersonate',
  'approve',
  'sign',
  'attest',
  '*',
] as const;

/** Parses one rule; throws a ValidationError saying what is wrong with the text and how to write it. */
export function parseRule(text: string): PolicyRule[] {
  const source = text.trim();
  const parts = source.split(':');
  const example = 'Write RESOURCES:VERBS[:NAMES], e.g. "pods:get,list,watch" or "deployments.apps/scale:update".';
  if (source === '') throw new ValidationError([`Empty rule. ${example}`]);
  if (parts.length < 2) throw new ValidationError([`Rule "${source}" has no verbs. ${example}`]);
  if (parts.length > 3) throw new ValidationError([`Rule "${source}" has more than two ":". ${example}`]);

  const problems: string[] = [];
  const resources = splitList(parts[0]);
  const verbs = splitList(parts[1]).map((v) => v.toLowerCase());
  const resourceNames = parts.length === 3 ? splitList(parts[2]) : [];
  if (resources.length === 0) problems.push(`Rule "${source}" names no resource before the ":". ${example}`);
  if (verbs.length === 0) problems.push(`Rule "${source}" has no verbs after the ":". ${example}`);
  if (parts.length === 3 && resourceNames.length === 0)
    problems.push(`Rule "${source}" ends with ":" but lists no resource names.`);
  for (const verb of verbs) {
    const problem = checkVerb(verb);
    if (problem) problems.push(`Rule "${source}": ${problem}`);
  }

  const byGroup = new Map<string, string[]>();
  for (const item of resources) {
    const parsed = parseResource(item);
    if (typeof parsed === 'string') {
      problems.push(`Rule "${source}": ${parsed}`);
      continue;
    }
    const list = byGroup.get(parsed.group) ?? [];
    list.push(parsed.resource);
    byGroup.set(parsed.group, list);
  }
  if (problems.length > 0) throw new ValidationError(problems);

  const rules = [...byGroup].map(([group, groupResources]): PolicyRule => ({
    apiGroups: [group],
    resources: unique(groupResources),
    verbs: unique(verbs),
    ...(resourceNames.length > 0 ? { resourceNames: unique(resourceNames) } : {}),
  }));
  const ruleProblems = rules.flatMap((rule) => checkRule(rule, `Rule "${source}"`));
  if (ruleProblems.length > 0) throw new ValidationError(ruleProblems);
  return rules;
}

/** Parses several rules, collecting every problem before throwing. */
export function parseRules(texts: string[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const problems: string[] = [];
  for (const text of texts) {
    try {
      rules.push(...parseRule(text));
    } catch (error) {
      if (error instanceof ValidationError) problems.push(...error.problems);
      else throw error;
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return rules;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const RESOURCE_NAME = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?)$/;
const GROUP_NAME = /^(\*|[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*)$/;

function parseResource(item: string): { group: string; resource: string } | string {
  const slash = item.indexOf('/');
  const main = slash === -1 ? item : item.slice(0, slash);
  const subresource = slash === -1 ? undefined : item.slice(slash + 1);
  const dot = main.indexOf('.');
  const resource = dot === -1 ? main : main.slice(0, dot);
  const group = dot === -1 ? '' : main.slice(dot + 1);
  if (!RESOURCE_NAME.test(resource)) {
    return `"${item}": resource "${resource}" should be a lower-case plural such as "pods" or "deployments".`;
  }
  if (group !== '' && !GROUP_NAME.test(group)) return `"${item}": API group "${group}" is not a valid group name.`;
  if (subresource !== undefined) {
    if (subresource === '*') {
      return (
        `"${item}": Kubernetes RBAC has no "${resource}/*" wildcard; list the subresources, e.g. ` +
        `"${resource}/log,${resource}/exec".`
      );
    }
    if (!RESOURCE_NAME.test(subresource))
      return `"${item}": subresource "${subresource}" should look like "exec", "log" or "scale".`;
  }
  return { group, resource: subresource === undefined ? resource : `${resource}/${subresource}` };
}

function checkVerb(verb: string): string | undefined {
  if ((KNOWN_VERBS as readonly string[]).includes(verb)) return undefined;
  if (!/^[a-z]+$/.test(verb)) return `verb "${verb}" should be lower-case letters only, e.g. "get".`;
  const close = KNOWN_VERBS.find((known) => editDistance(known, verb) <= (verb.length <= 4 ? 1 : 2));
  // Custom verbs are legitimate (CRDs and aggregated APIs define their own), so only near-misses are refused.
  return close ? `unknown verb "${verb}"; did you mean "${close}"?` : undefined;
}

/** Edits (insert, delete, substitute, swap neighbours) between a and b: "gte" is one swap from "get". */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[a.length][b.length];
}

/** The CLI syntax for a rule, e.g. "deployments.apps,deployments.apps/scale:get,update". */
export function formatRule(rule: PolicyRule): string {
  const resources = rule.apiGroups.flatMap((group) =>
    rule.resources.map((resource) => {
      if (group === '') return resource;
      const slash = resource.indexOf('/');
      return slash === -1 ? `${resource}.${group}` : `${resource.slice(0, slash)}.${group}${resource.slice(slash)}`;
    }),
  );
  const names = rule.resourceNames && rule.resourceNames.length > 0 ? `:${rule.resourceNames.join(',')}` : '';
  return `${resources.join(',')}:${rule.verbs.join(',')}${names}`;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function canonical(values: string[] | undefined): string[] {
  const set = unique((values ?? []).map((v) => v.trim()));
  return set.includes('*') ? ['*'] : set.sort();
}

function canonicalRule(rule: PolicyRule): PolicyRule {
  const names = unique(rule.resourceNames ?? []).sort();
  return {
    apiGroups: canonical(rule.apiGroups),
    resources: canonical(rule.resources),
    verbs: canonical(rule.verbs.map((v) => v.toLowerCase())),
    ...(names.length > 0 ? { resourceNames: names } : {}),
  };
}

/**
 * Equivalent rules in a stable, compact form: sorted unique lists, `*` absorbing its siblings, rules that differ
 * only in verbs (or only in resources) merged, and rules already covered by another rule dropped.
 */
export function normalizeRules(rules: PolicyRule[]): PolicyRule[] {
  let result = rules.map(canonicalRule);
  result = mergeBy(
    result,
    (r) => key(r.apiGroups, r.resources, r.resourceNames),
    (a, b) => ({ ...a, verbs: canonical([...a.verbs, ...b.verbs]) }),
  );
  result = mergeBy(
    result,
    (r) => key(r.apiGroups, r.verbs, r.resourceNames),
    (a, b) => ({ ...a, resources: canonical([...a.resources, ...b.resources]) }),
  );
  // Drop one redundant rule at a time, so that two rules covering each other never both disappear.
  for (let i = result.length - 1; i >= 0; i--) {
    const others = result.filter((_, j) => j !== i);
    if (missingRules(others, [result[i]]).length === 0) result = others;
  }
  return result.sort((a, b) => formatRule(a).localeCompare(formatRule(b)));
}

function key(...lists: (string[] | undefined)[]): string {
  return JSON.stringify(lists.map((l) => l ?? []));
}

function mergeBy(
  rules: PolicyRule[],
  keyOf: (r: PolicyRule) => string,
  merge: (a: PolicyRule, b: PolicyRule) => PolicyRule,
): PolicyRule[] {
  const merged = new Map<string, PolicyRule>();
  for (const rule of rules) {
    const k = keyOf(rule);
    const existing = merged.get(k);
    merged.set(k, existing ? merge(existing, rule) : rule);
  }
  return [...merged.values()];
}

// ---- Coverage, as kube-apiserver's rbac/validation (policy_comparator.go `Covers`) computes it ----

/** Splits a rule into rules of exactly one group, resource, verb and (if any) resource name. */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const atoms: PolicyRule[] = [];
  for (const group of rule.apiGroups) {
    for (const resource of rule.resources) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames && rule.resourceNames.length > 0) {
          for (const name of rule.resourceNames)
            atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        } else {
          atoms.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
        }
      }
    }
  }
  return atoms;
}

function resourceCovered(owned: string[], resource: string): boolean {
  if (owned.includes('*') || owned.includes(resource)) return true;
  const slash = resource.indexOf('/');
  // "*/scale" covers "deployments/scale". Kubernetes has no "pods/*" wildcard, so that form matches only literally.
  return slash !== -1 && owned.includes(`*/${resource.slice(slash + 1)}`);
}

/** Whether one held rule covers one atomic wanted rule (see breakdownRule). */
function ruleCoversAtom(held: PolicyRule, atom: PolicyRule): boolean {
  const verbOk = held.verbs.includes('*') || held.verbs.includes(atom.verbs[0]);
  const groupOk = held.apiGroups.includes('*') || held.apiGroups.includes(atom.apiGroups[0]);
  const resourceOk = resourceCovered(held.resources, atom.resources[0]);
  const heldNames = held.resourceNames ?? [];
  const namesOk =
    heldNames.length === 0 || (atom.resourceNames !== undefined && heldNames.includes(atom.resourceNames[0]));
  return verbOk && groupOk && resourceOk && namesOk;
}

/**
 * The part of `wanted` that `held` does not grant, compacted into readable rules; empty when fully covered.
 * A literal "*" in a wanted rule is only covered by "*" in a held rule, as in Kubernetes. nonResourceURLs are ignored.
 */
export function missingRules(held: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  const uncovered = wanted.flatMap(breakdownRule).filter((atom) => !held.some((rule) => ruleCoversAtom(rule, atom)));
  return compactAtoms(uncovered);
}

/** Re-groups atomic rules: first verbs per (group, resource, names), then resources per (group, verbs, names). */
function compactAtoms(atoms: PolicyRule[]): PolicyRule[] {
  const byTarget = new Map<string, PolicyRule>();
  for (const atom of atoms) {
    const k = key(atom.apiGroups, atom.resources, atom.resourceNames);
    const existing = byTarget.get(k);
    if (existing) {
      if (!existing.verbs.includes(atom.verbs[0])) existing.verbs.push(atom.verbs[0]);
    } else {
      byTarget.set(k, { ...atom, verbs: [...atom.verbs] });
    }
  }
  const byVerbs = new Map<string, PolicyRule>();
  for (const rule of byTarget.values()) {
    const k = key(rule.apiGroups, rule.verbs, rule.resourceNames);
    const existing = byVerbs.get(k);
    if (existing) {
      if (!existing.resources.includes(rule.resources[0])) existing.resources.push(rule.resources[0]);
    } else {
      byVerbs.set(k, { ...rule, resources: [...rule.resources] });
    }
  }
  return [...byVerbs.values()];
}
