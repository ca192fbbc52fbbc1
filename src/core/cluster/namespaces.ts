// Namespaces the caller can pick from, and OpenShift detection.

import { isSaKubeconfigError } from '../errors';
import type { OperationOptions } from '../types';
import type { Connection } from './connect';

export interface NamespaceList {
  namespaces: string[];
  /** Where the list came from: the namespaces API, OpenShift's projects API, or only the context's namespace. */
  source: 'namespaces' | 'projects' | 'context';
  /** Why the list is not the cluster's namespaces, in words for the user (set unless source is 'namespaces'). */
  note?: string;
}

/** What a fallback list means for the user. Pure. */
export function namespaceListNote(source: NamespaceList['source'], contextNamespace: string): string | undefined {
  switch (source) {
    case 'projects':
      return 'Listing namespaces is not allowed: showing your OpenShift projects instead.';
    case 'context':
      return (
        'Listing namespaces is not allowed (nor OpenShift projects): ' +
        `showing only the context's namespace "${contextNamespace}".`
      );
    default:
      return undefined;
  }
}

interface NameList {
  items?: { metadata?: { name?: string } }[];
}

/** Names from a NamespaceList / ProjectList answer, sorted. Pure. */
export function namesFromList(list: NameList): string[] {
  return (list.items ?? [])
    .map((i) => i.metadata?.name ?? '')
    .filter(Boolean)
    .sort();
}

/**
 * Lists namespaces. When listing them is Forbidden (common for non-admins), OpenShift's projects API
 * lists the projects the user may see; elsewhere we fall back to the context's namespace.
 */
export async function listNamespaces(conn: Connection, options: OperationOptions = {}): Promise<NamespaceList> {
  try {
    const list = await conn.client.request<NameList>(
      { method: 'GET', path: '/api/v1/namespaces', action: 'list namespaces' },
      options,
    );
    return { namespaces: namesFromList(list), source: 'namespaces' };
  } catch (err) {
    if (!isSaKubeconfigError(err, 'forbidden')) throw err;
    options.logger?.debug('listing namespaces is forbidden; trying OpenShift projects');
  }
  try {
    const list = await conn.client.request<NameList>(
      { method: 'GET', path: '/apis/project.openshift.io/v1/projects', action: 'list projects' },
      options,
    );
    return { namespaces: namesFromList(list), source: 'projects', note: namespaceListNote('projects', conn.namespace) };
  } catch (err) {
    if (!isSaKubeconfigError(err, 'forbidden') && !isSaKubeconfigError(err, 'notFound')) throw err;
  }
  return { namespaces: [conn.namespace], source: 'context', note: namespaceListNote('context', conn.namespace) };
}

/** OpenShift serves its own API groups (project.openshift.io, route.openshift.io, ...). Pure. */
export function isOpenShiftFromGroups(groupNames: string[]): boolean {
  return groupNames.some(
    (g) => g === 'project.openshift.io' || g === 'route.openshift.io' || g === 'config.openshift.io',
  );
}

/** Asks /apis for the group list (one request). */
export async function detectOpenShift(conn: Connection, options: OperationOptions = {}): Promise<boolean> {
  const list = await conn.client.request<{ groups?: { name: string }[] }>(
    { method: 'GET', path: '/apis', action: 'list API groups' },
    options,
  );
  return isOpenShiftFromGroups((list.groups ?? []).map((g) => g.name));
}

/** Whether a namespace exists (undefined when we may not tell: Forbidden). */
export async function namespaceExists(
  conn: Connection,
  name: string,
  options: OperationOptions = {},
): Promise<boolean | undefined> {
  try {
    const ns = await conn.client.getOptional(
      { path: `/api/v1/namespaces/${encodeURIComponent(name)}`, action: `get namespace "${name}"` },
      options,
    );
    return ns !== undefined;
  } catch (err) {
    if (isSaKubeconfigError(err, 'forbidden')) return undefined;
    throw err;
  }
}
