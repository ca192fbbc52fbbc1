// Object references: where each kind lives in the REST API, how an object is named in messages, and whether
// sa-kubeconfig owns it. Pure; used by apply, inventory, credentials and the faces. What differs: apply/diff.ts.

import { FOR_SERVICE_ACCOUNT_ANNOTATION, MANAGED_BY_LABEL, MANAGED_BY_VALUE, type KubeObject } from './types';

const PLURALS: Record<string, string> = {
  Namespace: 'namespaces',
  ServiceAccount: 'serviceaccounts',
  Secret: 'secrets',
  ConfigMap: 'configmaps',
  Role: 'roles',
  RoleBinding: 'rolebindings',
  ClusterRole: 'clusterroles',
  ClusterRoleBinding: 'clusterrolebindings',
};

export interface ObjectRef {
  apiVersion: string;
  kind: string;
  name: string;
  namespace?: string;
}

export function refOf(obj: KubeObject): ObjectRef {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** `Role team-a/sa-kubeconfig:team-a:ci` */
export function describeRef(ref: ObjectRef): string {
  return `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
}

export function pluralOf(kind: string): string {
  const p = PLURALS[kind];
  if (!p) throw new Error(`sa-kubeconfig does not manage objects of kind ${kind}`);
  return p;
}

export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i === -1 ? '' : apiVersion.slice(0, i);
}

/** The collection path (withName=false) or object path of a ref. */
export function objectPath(ref: ObjectRef, withName = true): string {
  const base = ref.apiVersion.includes('/') ? `/apis/${ref.apiVersion}` : `/api/${ref.apiVersion}`;
  const ns = ref.namespace ? `/namespaces/${encodeURIComponent(ref.namespace)}` : '';
  const name = withName ? `/${encodeURIComponent(ref.name)}` : '';
  return `${base}${ns}/${pluralOf(ref.kind)}${name}`;
}

export function isManaged(obj: { metadata?: { labels?: Record<string, string> } }): boolean {
  return obj.metadata?.labels?.[MANAGED_BY_LABEL] === MANAGED_BY_VALUE;
}

export function managedFor(obj: { metadata?: { annotations?: Record<string, string> } }): string | undefined {
  return obj.metadata?.annotations?.[FOR_SERVICE_ACCOUNT_ANNOTATION];
}
