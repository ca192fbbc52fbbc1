// Names of the objects sa-kubeconfig generates. They are deterministic, so a second run of the same request finds
// (and leaves alone) what the first made, and readable, so `kubectl get rolebindings` explains itself.
//
//   Role / ClusterRole / RoleBinding / ClusterRoleBinding for generated rules:  sa-kubeconfig:<sa-namespace>:<sa>
//   RoleBinding / ClusterRoleBinding for an existing role:                    sa-kubeconfig:<sa-namespace>:<sa>:<role|clusterrole>:<role-name>
//   long-lived token Secret:   <sa>-token            binding Secret for bound time-limited tokens:  <sa>-token-binding
//
// The service account's namespace is part of every RBAC name because ClusterRoles are cluster-wide and a
// RoleBinding in one namespace may be for service accounts of several namespaces. RBAC names may contain ":"
// (like Kubernetes' own "system:..." roles); Secret names may not, hence the different form.
import type { RoleReference } from '../types';

export const NAME_PREFIX = 'sa-kubeconfig';

/** Name of the generated Role (in each namespace) or ClusterRole holding the request's custom rules. */
export function generatedRoleName(serviceAccountNamespace: string, serviceAccount: string): string {
  return `${NAME_PREFIX}:${serviceAccountNamespace}:${serviceAccount}`;
}

/** Name of the (Cluster)RoleBinding for the generated role (no ref) or for an existing role. */
export function bindingName(serviceAccountNamespace: string, serviceAccount: string, ref?: RoleReference): string {
  const base = generatedRoleName(serviceAccountNamespace, serviceAccount);
  return ref ? `${base}:${ref.kind.toLowerCase()}:${ref.name}` : base;
}

/** Default name of the kubernetes.io/service-account-token Secret for long-lived tokens. */
export function longLivedTokenSecretName(serviceAccount: string): string {
  return `${serviceAccount}-token`;
}

/** Name of the Secret a time-limited token is bound to when `bindToSecret` is set: deleting it revokes the token. */
export function tokenBindingSecretName(serviceAccount: string): string {
  return `${serviceAccount}-token-binding`;
}

/** Value of FOR_SERVICE_ACCOUNT_ANNOTATION: "<namespace>/<name>". */
export function serviceAccountKey(namespace: string, serviceAccount: string): string {
  return `${namespace}/${serviceAccount}`;
}
