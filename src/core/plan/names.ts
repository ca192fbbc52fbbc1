// Names of the objects sa-kubeconfig generates. They are deterministic, so a second run of the same request finds
// (and leaves alone) what the first made, and readable, so `kubectl get rolebindings` explains itself.
//
//   Role / ClusterRole / RoleBinding / ClusterRoleBinding for generated rules:
//       sa-kubeconfig:<sa-namespace>:<sa>
//   RoleBinding / ClusterRoleBinding for an existing role:
//       sa-kubeconfig:<sa-namespace>:<sa>:<role|clusterrole>:<role-name>
//   credential Secrets are not named here: each issued credential gets a generated name (core/credentials).
//
// The service account's namespace is part of every RBAC name because ClusterRoles are cluster-wide and a
// RoleBinding in one namespace may be for service accounts of several namespaces. RBAC names may contain ":"
// (like Kubernetes' own "system:..." roles); Secret names may not, hence the different form.
//
// Object names are at most 253 characters. A longer RBAC name (a long service account or role name) keeps its first
// characters and ends in "-" and a hash of the whole name, so it stays deterministic, readable and distinct; names
// that fit are never changed.
import type { RoleReference } from '../types';

export const NAME_PREFIX = 'sa-kubeconfig';
export const MAX_NAME_LENGTH = 253;

/** Name of the generated Role (in each namespace) or ClusterRole holding the request's custom rules. */
export function generatedRoleName(serviceAccountNamespace: string, serviceAccount: string): string {
  return fitName(`${NAME_PREFIX}:${serviceAccountNamespace}:${serviceAccount}`);
}

/** Name of the (Cluster)RoleBinding for the generated role (no ref) or for an existing role. */
export function bindingName(serviceAccountNamespace: string, serviceAccount: string, ref?: RoleReference): string {
  const base = `${NAME_PREFIX}:${serviceAccountNamespace}:${serviceAccount}`;
  return fitName(ref ? `${base}:${ref.kind.toLowerCase()}:${ref.name}` : base);
}

/**
 * `name` when it has at most 253 characters; otherwise its start, "-" and 13 characters of a hash of all of it. Pure
 * and free of Node APIs: the wizard's page plans too.
 */
export function fitName(name: string): string {
  if (name.length <= MAX_NAME_LENGTH) return name;
  const hash = `${fnv1a(name, 0x811c9dc5).toString(36)}${fnv1a(name, 0x01000193).toString(36)}`
    .padStart(13, '0')
    .slice(-13);
  return `${name.slice(0, MAX_NAME_LENGTH - hash.length - 1)}-${hash}`;
}

/** 32-bit FNV-1a over the UTF-16 code units of `text`, from `seed`. */
function fnv1a(text: string, seed: number): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Value of FOR_SERVICE_ACCOUNT_ANNOTATION: "<namespace>/<name>". */
export function serviceAccountKey(namespace: string, serviceAccount: string): string {
  return `${namespace}/${serviceAccount}`;
}
