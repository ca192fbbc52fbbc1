// Checks names and whole requests before anything is planned, so that every face reports the same
// actionable message instead of a raw 422 from the API server half-way through an apply.
import { ValidationError } from '../errors';
import type { PolicyRule, ProvisionRequest } from '../types';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Namespaces must be DNS-1123 labels. Returns a message saying what to change, or undefined when valid. */
export function checkDns1123Label(value: string, what: string): string | undefined {
  if (value === '') return `${what} is empty; give a name such as "my-app".`;
  if (value.length > 63) return `${what} "${value}" is ${value.length} characters long; the limit is 63.`;
  if (DNS1123_LABEL.test(value)) return undefined;
  return `${what} "${value}" is not a valid name: ${describeCharacterProblem(value, false)}`;
}

/** ServiceAccounts and Secrets must be DNS-1123 subdomains. */
export function checkDns1123Subdomain(value: string, what: string): string | undefined {
  if (value === '') return `${what} is empty; give a name such as "my-app".`;
  if (value.length > 253) return `${what} "${value}" is ${value.length} characters long; the limit is 253.`;
  if (DNS1123_SUBDOMAIN.test(value)) return undefined;
  return `${what} "${value}" is not a valid name: ${describeCharacterProblem(value, true)}`;
}

/** Role and ClusterRole names are "path segment" names: anything but "/", "%", "." and "..". */
export function checkRbacName(value: string, what: string): string | undefined {
  if (value === '') return `${what} is empty.`;
  if (value === '.' || value === '..') return `${what} may not be "${value}".`;
  if (/[/%]/.test(value)) return `${what} "${value}" may not contain "/" or "%".`;
  return undefined;
}

function describeCharacterProblem(value: string, dotsAllowed: boolean): string {
  const allowed = dotsAllowed ? 'lower-case letters, digits, "-" and "."' : 'lower-case letters, digits and "-"';
  const suggestion = suggestName(value, dotsAllowed);
  const hint = suggestion && suggestion !== value ? ` Try "${suggestion}".` : '';
  if (/[A-Z]/.test(value)) return `use lower case only (${allowed}).${hint}`;
  if (!/^[a-z0-9]/.test(value) || !/[a-z0-9]$/.test(value)) {
    return `it must start and end with a lower-case letter or digit.${hint}`;
  }
  if (dotsAllowed && /\.\.|\.-|-\./.test(value))
    return `each "."-separated part must start and end with a letter or digit.${hint}`;
  return `only ${allowed} are allowed.${hint}`;
}

/** The closest valid name, for "Try ..." hints; undefined when nothing usable is left. */
export function suggestName(value: string, dotsAllowed = false): string | undefined {
  const invalid = dotsAllowed ? /[^a-z0-9.-]+/g : /[^a-z0-9-]+/g;
  const cleaned = value
    .toLowerCase()
    .replace(/_/g, '-')
    .replace(invalid, '-')
    .replace(/-+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, dotsAllowed ? 253 : 63)
    .replace(/[-.]+$/, '');
  return cleaned === '' ? undefined : cleaned;
}

/**
 * TokenRequest refuses less than ten minutes; kube-apiserver caps the rest (`--service-account-max-token-expiration`).
 */
export const MIN_TOKEN_SECONDS = 600;
export const MAX_TOKEN_SECONDS = 2 ** 32 - 1;

/** Problems in one rule, prefixed with where it is, e.g. "rule 2". */
export function checkRule(rule: PolicyRule, where: string): string[] {
  const problems: string[] = [];
  if (!rule.apiGroups || rule.apiGroups.length === 0) {
    problems.push(`${where} has no API group; use "" for the core group (pods, secrets, ...) or e.g. "apps".`);
  }
  if (!rule.resources || rule.resources.length === 0) problems.push(`${where} names no resource, e.g. "pods".`);
  if (!rule.verbs || rule.verbs.length === 0) problems.push(`${where} has no verb, e.g. "get".`);
  for (const resource of rule.resources ?? []) {
    if (resource === '') problems.push(`${where} has an empty resource name.`);
    else if (/^[^*/]+\/\*$/.test(resource)) {
      problems.push(
        `${where}: "${resource}" does not match any subresource in Kubernetes RBAC ` +
          '(only "*" and "*/<subresource>" are wildcards); ' +
          `list the subresources you need, e.g. "${resource.split('/')[0]}/log".`,
      );
    } else if (resource.split('/').length > 2) problems.push(`${where}: "${resource}" has more than one "/".`);
  }
  for (const verb of rule.verbs ?? []) if (verb.trim() === '') problems.push(`${where} has an empty verb.`);
  for (const name of rule.resourceNames ?? [])
    if (name === '') problems.push(`${where} has an empty resource name in resourceNames.`);
  if (
    rule.resourceNames &&
    rule.resourceNames.length > 0 &&
    rule.verbs?.some((v) => v === 'create' || v === 'deletecollection')
  ) {
    problems.push(
      `${where} limits resourceNames but grants create or deletecollection, ` +
        'which Kubernetes never matches by name (the name is not known yet); ' +
        'put those verbs in a separate rule without names.',
    );
  }
  return problems;
}

/** Every problem in a request; an empty list means it can be planned. */
export function requestProblems(request: ProvisionRequest): string[] {
  const problems: string[] = [];
  const push = (p: string | undefined) => p && problems.push(p);
  if (!request.context)
    problems.push('No context given; pick one of the contexts in your kubeconfig (kubectl config get-contexts).');
  push(checkDns1123Label(request.namespace, 'Namespace'));
  push(checkDns1123Subdomain(request.serviceAccount, 'Service account name'));
  if (request.rules.length === 0 && request.roleRefs.length === 0) {
    problems.push(
      'No permissions: add at least one rule (e.g. pods:get,list,watch), a preset, or an existing role to bind.',
    );
  }
  request.rules.forEach((rule, i) => problems.push(...checkRule(rule, `Rule ${i + 1}`)));
  for (const ref of request.roleRefs) {
    push(checkRbacName(ref.name, `${ref.kind} name`));
    if (ref.kind === 'Role' && request.scope.kind === 'cluster') {
      problems.push(
        `Role "${ref.name}" is namespaced and cannot be bound cluster-wide; ` +
          'bind a ClusterRole instead, or choose namespaces.',
      );
    }
  }
  if (request.scope.kind === 'namespaces') {
    const seen = new Set<string>();
    for (const ns of request.scope.namespaces) {
      push(checkDns1123Label(ns, 'Namespace'));
      if (seen.has(ns)) problems.push(`Namespace "${ns}" is listed twice.`);
      seen.add(ns);
    }
  }
  const token = request.token;
  if (token.kind === 'timeBound') {
    if (!Number.isInteger(token.durationSeconds) || token.durationSeconds < MIN_TOKEN_SECONDS) {
      problems.push(
        `Token lifetime must be at least 10m (Kubernetes' minimum for TokenRequest); got ${token.durationSeconds}s.`,
      );
    } else if (token.durationSeconds > MAX_TOKEN_SECONDS) {
      problems.push(
        `Token lifetime ${token.durationSeconds}s is too long; use --long-lived for a token that does not expire.`,
      );
    }
  } else if (token.kind === 'longLived' && token.secretName !== undefined) {
    push(checkDns1123Subdomain(token.secretName, 'Token Secret name'));
  } else if (token.kind === 'existingSecret') {
    push(checkDns1123Subdomain(token.secretName, 'Existing token Secret name'));
  }
  const server = request.kubeconfig.server;
  if (server !== undefined) push(checkServerUrl(server));
  return problems;
}

export function checkServerUrl(server: string): string | undefined {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    return `Server "${server}" is not a URL; use the form https://host:6443.`;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return `Server "${server}" must start with https://.`;
  return undefined;
}

/** Throws a ValidationError listing every problem. */
export function assertValidRequest(request: ProvisionRequest): void {
  const problems = requestProblems(request);
  if (problems.length > 0) throw new ValidationError(problems);
}
