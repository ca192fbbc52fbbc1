// The wizard's form (UI state only) and its pure translation into core's ProvisionRequest.
// The page keeps a WizardForm; when the user reviews or applies, formToRequest() turns it into the request that
// core plans, checks and provisions. Everything here is pure, so unit tests cover it without a webview.

import { noteProblems } from '../core/credentials/note';
import { ValidationError } from '../core/errors';
import { parseDuration } from '../core/plan/duration';
import {
  checkDns1123Label,
  checkDns1123Subdomain,
  checkRbacName,
  checkServerUrl,
  requestProblems,
} from '../core/plan/validate';
import type { DiscoveredResource, PolicyRule, ProvisionRequest, RoleReference } from '../core/types';
import type { PresetInfo } from './protocol';

/** One picked resource: `group` ('' for core) and `resource`, which may be a subresource such as `pods/exec`. */
export interface PermissionPick {
  group: string;
  resource: string;
  verbs: string[];
  /** Comma-separated resourceNames as typed; empty for all objects. */
  resourceNames: string;
}

export type TokenChoice = 'timeBound' | 'longLived' | 'existingSecret';

export interface WizardForm {
  context: string;
  namespace: string;
  /** The namespace does not exist and the user wants it created. */
  createNamespace: boolean;
  serviceAccountMode: 'new' | 'existing';
  serviceAccount: string;

  picks: PermissionPick[];
  roleRefs: RoleReference[];
  scope: 'namespaces' | 'cluster';
  /** Further namespaces (besides the service account's), comma- or space-separated as typed. */
  extraNamespaces: string;

  tokenKind: TokenChoice;
  /** e.g. "24h", "90m", "7d". */
  tokenLifetime: string;
  /** A token bound to nothing: it cannot be revoked before it expires. Default false (bound to a Secret of its own). */
  unbound: boolean;
  /** A note on the credential (one line), shown in lists: e.g. "github-actions deploy". */
  credentialNote: string;
  longLivedSecretName: string;
  existingSecretName: string;

  server: string;
  insecure: boolean;
  /** Name of the kubeconfig's cluster/user entries and context (with "-<namespace>" when there are several). */
  namePrefix: string;
  /** Namespace of the kubeconfig's current context (the first context). */
  defaultNamespace: string;
  adoptUnmanaged: boolean;
  /** Keep earlier grants of the service account that the request no longer has (Review's checkbox). */
  keepExtra?: boolean;
}

export const DEFAULT_TOKEN_LIFETIME = '24h';

export function emptyForm(): WizardForm {
  return {
    context: '',
    namespace: '',
    createNamespace: false,
    serviceAccountMode: 'new',
    serviceAccount: '',
    picks: [],
    roleRefs: [],
    scope: 'namespaces',
    extraNamespaces: '',
    tokenKind: 'timeBound',
    tokenLifetime: DEFAULT_TOKEN_LIFETIME,
    unbound: false,
    credentialNote: '',
    longLivedSecretName: '',
    existingSecretName: '',
    server: '',
    insecure: false,
    namePrefix: '',
    defaultNamespace: '',
    adoptUnmanaged: false,
  };
}

export function splitList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** The namespaces the permissions apply in, the default (kubeconfig current-context) one first. */
export function formNamespaces(form: WizardForm): string[] {
  const all = unique([form.namespace, ...splitList(form.extraNamespaces)].filter((n) => n !== ''));
  const first = form.defaultNamespace && all.includes(form.defaultNamespace) ? form.defaultNamespace : all[0];
  return first === undefined ? [] : [first, ...all.filter((n) => n !== first)];
}

/** The resource as RBAC rule syntax shows it: `pods/exec`, `deployments.apps`, `deployments.apps/scale`. */
export function pickLabel(group: string, resource: string): string {
  if (group === '') return resource;
  const slash = resource.indexOf('/');
  return slash === -1 ? `${resource}.${group}` : `${resource.slice(0, slash)}.${group}${resource.slice(slash)}`;
}

/** Verb order used everywhere the page lists verbs. */
const VERB_ORDER = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
export function sortVerbs(verbs: string[]): string[] {
  const rank = (v: string) => (VERB_ORDER.indexOf(v) === -1 ? VERB_ORDER.length : VERB_ORDER.indexOf(v));
  return [...verbs].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
}

/**
 * Picks become rules: picks of one API group with the same verbs and resourceNames share a rule.
 * Order is stable: groups as first picked, then by verbs.
 */
export function picksToRules(picks: PermissionPick[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  const index = new Map<string, PolicyRule>();
  for (const pick of picks) {
    if (pick.verbs.length === 0) continue;
    const verbs = sortVerbs(unique(pick.verbs));
    const names = unique(splitList(pick.resourceNames));
    const key = `${pick.group}\u0000${verbs.join(',')}\u0000${names.join(',')}`;
    const existing = index.get(key);
    if (existing) {
      if (!existing.resources.includes(pick.resource)) existing.resources.push(pick.resource);
      continue;
    }
    const rule: PolicyRule = {
      apiGroups: [pick.group],
      resources: [pick.resource],
      verbs,
      ...(names.length > 0 ? { resourceNames: names } : {}),
    };
    index.set(key, rule);
    rules.push(rule);
  }
  return rules;
}

/** The picks a set of rules stands for (used to apply a preset to the picker). Wildcard groups are kept as-is. */
export function rulesToPicks(rules: PolicyRule[]): PermissionPick[] {
  const picks: PermissionPick[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups) {
      for (const resource of rule.resources) {
        picks.push({ group, resource, verbs: [...rule.verbs], resourceNames: (rule.resourceNames ?? []).join(', ') });
      }
    }
  }
  return mergePicks([], picks);
}

/** Adds picks to a list: same group/resource/resourceNames merge their verbs. */
export function mergePicks(existing: PermissionPick[], added: PermissionPick[]): PermissionPick[] {
  const out = existing.map((p) => ({ ...p, verbs: [...p.verbs] }));
  for (const pick of added) {
    const same = out.find(
      (p) => p.group === pick.group && p.resource === pick.resource && p.resourceNames === pick.resourceNames,
    );
    if (same) same.verbs = sortVerbs(unique([...same.verbs, ...pick.verbs]));
    else out.push({ ...pick, verbs: sortVerbs(unique(pick.verbs)) });
  }
  return out;
}

/** Applies a preset: its rules join the picks, its role references join the role references. */
export function applyPreset(form: WizardForm, preset: PresetInfo): WizardForm {
  const roleRefs = [...form.roleRefs];
  for (const ref of preset.roleRefs)
    if (!roleRefs.some((r) => r.kind === ref.kind && r.name === ref.name)) roleRefs.push({ ...ref });
  return { ...form, picks: mergePicks(form.picks, rulesToPicks(preset.rules)), roleRefs };
}

/** Whether everything a preset grants is already picked (so the page can show it as applied). */
export function presetApplied(form: WizardForm, preset: PresetInfo): boolean {
  const refsIn = preset.roleRefs.every((ref) => form.roleRefs.some((r) => r.kind === ref.kind && r.name === ref.name));
  const picksIn = rulesToPicks(preset.rules).every((want) =>
    form.picks.some(
      (p) => p.group === want.group && p.resource === want.resource && want.verbs.every((v) => p.verbs.includes(v)),
    ),
  );
  return refsIn && picksIn && (preset.roleRefs.length > 0 || preset.rules.length > 0);
}

/**
 * How a preset stands in the form: 'applied' when its permissions are picked exactly as it grants them, 'custom' when
 * they are all picked but its resources were changed since (more verbs, or limited to names), 'off' otherwise.
 */
export function presetState(form: WizardForm, preset: PresetInfo): 'applied' | 'custom' | 'off' {
  if (!presetApplied(form, preset)) return 'off';
  const own = rulesToPicks(preset.rules);
  const changed = form.picks.some((p) => {
    const want = own.find((w) => w.group === p.group && w.resource === p.resource);
    if (!want) return false;
    return p.resourceNames.trim() !== want.resourceNames.trim() || p.verbs.some((v) => !want.verbs.includes(v));
  });
  return changed ? 'custom' : 'applied';
}

/** Removes a preset: its role references go, and the verbs it brought are taken off the picks. */
export function removePreset(form: WizardForm, preset: PresetInfo): WizardForm {
  const drop = rulesToPicks(preset.rules);
  const picks = form.picks
    .map((p) => {
      const d = drop.find((x) => x.group === p.group && x.resource === p.resource);
      return d ? { ...p, verbs: p.verbs.filter((v) => !d.verbs.includes(v)) } : p;
    })
    .filter((p) => p.verbs.length > 0);
  const roleRefs = form.roleRefs.filter((r) => !preset.roleRefs.some((x) => x.kind === r.kind && x.name === r.name));
  return { ...form, picks, roleRefs };
}

/** Picks whose resource discovery says is cluster-scoped (nodes, namespaces, cluster-scoped CRDs, ...). */
export function clusterScopedPicks(picks: PermissionPick[], resources: DiscoveredResource[]): PermissionPick[] {
  return picks.filter((p) => {
    const base = p.resource.split('/')[0];
    const found = resources.find((r) => r.group === p.group && r.resource === base);
    return found !== undefined && !found.namespaced && p.verbs.length > 0;
  });
}

export interface FieldProblems {
  namespace?: string;
  serviceAccount?: string;
  extraNamespaces?: string;
  tokenLifetime?: string;
  longLivedSecretName?: string;
  existingSecretName?: string;
  credentialNote?: string;
  server?: string;
  namePrefix?: string;
  picks?: string;
}

/** Problems per field, for validation as you type. Only fields relevant to the current choices are checked. */
export function fieldProblems(form: WizardForm): FieldProblems {
  const out: FieldProblems = {};
  const ns = checkDns1123Label(form.namespace, 'Namespace');
  if (ns) out.namespace = ns;
  const sa =
    form.serviceAccountMode === 'existing' && form.serviceAccount === ''
      ? 'Pick an existing service account, or choose "New".'
      : checkDns1123Subdomain(form.serviceAccount, 'Service account name');
  if (sa) out.serviceAccount = sa;
  const extra = splitList(form.extraNamespaces)
    .map((n) => checkDns1123Label(n, 'Namespace'))
    .find(Boolean);
  if (extra) out.extraNamespaces = extra;
  if (form.tokenKind === 'timeBound') {
    try {
      const seconds = parseDuration(form.tokenLifetime);
      if (seconds < 600) out.tokenLifetime = 'Kubernetes issues tokens for at least 10 minutes (10m).';
    } catch (err) {
      out.tokenLifetime = err instanceof ValidationError ? err.problems[0] : (err as Error).message;
    }
  } else if (form.tokenKind === 'longLived' && form.longLivedSecretName !== '') {
    const p = checkDns1123Subdomain(form.longLivedSecretName, 'Secret name');
    if (p) out.longLivedSecretName = p;
  } else if (form.tokenKind === 'existingSecret' && form.existingSecretName === '') {
    out.existingSecretName = "Pick one of the service account's token Secrets.";
  }
  const note = noteProblems(form.credentialNote.trim() || undefined)[0];
  if (note && form.tokenKind !== 'existingSecret') out.credentialNote = note;
  if (form.server !== '') {
    const p = checkServerUrl(form.server);
    if (p) out.server = p;
  }
  if (form.namePrefix !== '') {
    const p =
      checkRbacName(form.namePrefix, 'Context name') ??
      (/\s/.test(form.namePrefix) ? 'Context name should not contain spaces.' : undefined);
    if (p) out.namePrefix = p;
  }
  if (form.picks.every((p) => p.verbs.length === 0) && form.roleRefs.length === 0) {
    out.picks = 'Pick at least one permission or preset.';
  }
  return out;
}

export interface FormRequest {
  request: ProvisionRequest;
  /** Everything still wrong: the page's own field checks plus core's request checks. Empty when ready to review. */
  problems: string[];
}

/** The request the form stands for, and what stops it from being planned. Pure. */
export function formToRequest(form: WizardForm): FormRequest {
  const problems: string[] = [];
  let durationSeconds = 0;
  if (form.tokenKind === 'timeBound') {
    try {
      durationSeconds = parseDuration(form.tokenLifetime);
    } catch (err) {
      problems.push(err instanceof ValidationError ? err.problems[0] : String(err));
    }
  }
  const note = form.credentialNote.trim() ? { note: form.credentialNote.trim() } : {};
  const token: ProvisionRequest['token'] =
    form.tokenKind === 'timeBound'
      ? { kind: 'timeBound', durationSeconds, ...(form.unbound ? { unbound: true } : {}), ...note }
      : form.tokenKind === 'longLived'
        ? {
            kind: 'longLived',
            ...(form.longLivedSecretName.trim() ? { secretName: form.longLivedSecretName.trim() } : {}),
            ...note,
          }
        : { kind: 'existingSecret', secretName: form.existingSecretName };

  const kubeconfig: ProvisionRequest['kubeconfig'] = {};
  if (form.server.trim() !== '') kubeconfig.server = form.server.trim();
  if (form.insecure) kubeconfig.insecureSkipTlsVerify = true;
  if (form.namePrefix.trim() !== '') kubeconfig.namePrefix = form.namePrefix.trim();

  const request: ProvisionRequest = {
    context: form.context,
    namespace: form.namespace,
    serviceAccount: form.serviceAccount,
    rules: picksToRules(form.picks),
    roleRefs: form.roleRefs.map((r) => ({ ...r })),
    scope: form.scope === 'cluster' ? { kind: 'cluster' } : { kind: 'namespaces', namespaces: formNamespaces(form) },
    token,
    kubeconfig,
  };
  if (form.createNamespace) request.createNamespace = true;
  // "Existing" uses the account as it is: sa-kubeconfig never labels, changes or deletes it.
  if (form.serviceAccountMode === 'existing') request.serviceAccountMode = 'existing';
  if (form.adoptUnmanaged) request.adoptUnmanaged = true;
  if (form.keepExtra) request.keepExtra = true;

  const extra = fieldProblems(form).extraNamespaces;
  if (extra) problems.push(extra);
  if (form.tokenKind === 'timeBound' && problems.length > 0) {
    // Core would also complain about a zero lifetime; the duration problem above says it better.
    problems.push(...requestProblems({ ...request, token: { kind: 'timeBound', durationSeconds: 3600 } }));
  } else {
    problems.push(...requestProblems(request));
  }
  return { request, problems: unique(problems) };
}
