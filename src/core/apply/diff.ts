// What differs between a planned object and the live one, looking only at what sa-kubeconfig owns, and the
// bodies and patches that bring the live object there. Pure.

import type { KubeObject } from '../types';

/** Fields outside metadata that a planned object sets (rules, roleRef, subjects, type...). */
function ownedTopLevelKeys(planned: KubeObject): string[] {
  return Object.keys(planned).filter((k) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && k !== 'status');
}

/** Equality that treats missing, null, '' and [] alike (the server drops empty fields). */
export function sameValue(a: unknown, b: unknown): boolean {
  const empty = (v: unknown): boolean =>
    v === undefined ||
    v === null ||
    v === '' ||
    (Array.isArray(v) && v.length === 0) ||
    (typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.keys(v).every((k) => empty((v as Record<string, unknown>)[k])));
  if (empty(a) && empty(b)) return true;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => sameValue(x, b[i]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return a === b;
}

/**
 * What would change if `planned` were applied over `live`, looking only at what we own: our labels and
 * annotations, and the top-level fields the plan sets. Lists field names; empty = unchanged.
 */
export function diffOwned(planned: KubeObject, live: KubeObject): string[] {
  const changes: string[] = [];
  for (const [k, v] of Object.entries(planned.metadata.labels ?? {}))
    if (live.metadata.labels?.[k] !== v) changes.push(`label ${k}`);
  for (const [k, v] of Object.entries(planned.metadata.annotations ?? {}))
    if (live.metadata.annotations?.[k] !== v) changes.push(`annotation ${k}`);
  for (const key of ownedTopLevelKeys(planned)) if (!sameValue(planned[key], live[key])) changes.push(key);
  return changes;
}

/** Fields that cannot be changed in place: the object must be replaced (RoleBinding roleRef, Secret type). */
export function immutableChanges(planned: KubeObject, live: KubeObject): string[] {
  const out: string[] = [];
  if (
    (planned.kind === 'RoleBinding' || planned.kind === 'ClusterRoleBinding') &&
    !sameValue(planned.roleRef, live.roleRef)
  )
    out.push('roleRef');
  if (planned.kind === 'Secret' && planned.type !== undefined && !sameValue(planned.type, live.type ?? 'Opaque'))
    out.push('type');
  return out;
}

/** The JSON merge patch that brings our owned fields of `live` to `planned`. */
export function ownedMergePatch(planned: KubeObject): Record<string, unknown> {
  const patch: Record<string, unknown> = {
    metadata: {
      labels: { ...(planned.metadata.labels ?? {}) },
      annotations: { ...(planned.metadata.annotations ?? {}) },
    },
  };
  for (const key of ownedTopLevelKeys(planned)) {
    if (planned.kind === 'Secret' && key === 'type') continue; // immutable; handled by replacement
    patch[key] = planned[key];
  }
  return patch;
}

/** The body to create: the planned object without any status. */
export function createBody(planned: KubeObject): KubeObject {
  const { status: _status, ...rest } = planned as KubeObject & { status?: unknown };
  return rest as KubeObject;
}
