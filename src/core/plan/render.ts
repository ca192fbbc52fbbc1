// The plan as YAML for review: one document per object, in apply order, keys in the order kubectl users expect.
import * as yaml from 'js-yaml';

import type { KubeObject, Plan, PlannedObject } from '../types';

/** Keys listed here come first, in this order, at every level; the rest follow alphabetically. */
const KEY_ORDER = [
  'apiVersion',
  'apiGroup',
  'kind',
  'metadata',
  'name',
  'namespace',
  'labels',
  'annotations',
  'type',
  'apiGroups',
  'resources',
  'resourceNames',
  'verbs',
  'rules',
  'roleRef',
  'subjects',
];

function compareKeys(a: string, b: string): number {
  const ia = KEY_ORDER.indexOf(a);
  const ib = KEY_ORDER.indexOf(b);
  if (ia !== -1 || ib !== -1) return (ia === -1 ? KEY_ORDER.length : ia) - (ib === -1 ? KEY_ORDER.length : ib);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Secrets never show their data: a plan is for review and may be pasted into a ticket. */
function withoutSecretData(object: KubeObject): KubeObject {
  if (object.kind !== 'Secret') return object;
  const rest: KubeObject = { ...object };
  delete rest.data;
  delete rest.stringData;
  return rest;
}

export function renderObjectYaml(object: KubeObject): string {
  return yaml.dump(withoutSecretData(object), { sortKeys: compareKeys, lineWidth: -1, noRefs: true });
}

function statusComment(planned: PlannedObject): string {
  if (!planned.status) return '';
  return `# ${planned.status}${planned.detail ? `: ${planned.detail.replace(/\n/g, ' ')}` : ''}\n`;
}

export interface RenderOptions {
  /**
   * Prefix each document with a comment saying whether it will be created, updated, left or conflicts
   * (after preflight).
   */
  statusComments?: boolean;
  /** Add the plan's warnings as comments at the top. */
  warningComments?: boolean;
}

/** Multi-document YAML ("---" between objects) that `kubectl apply -f -` accepts. */
export function renderPlanYaml(plan: Plan, options: RenderOptions = {}): string {
  const header =
    options.warningComments && plan.warnings.length > 0
      ? `${plan.warnings.map((w) => `# WARNING: ${w}`).join('\n')}\n`
      : '';
  const firstClusterGrant = plan.objects.findIndex(
    (p) => p.object.kind === 'ClusterRole' || p.object.kind === 'ClusterRoleBinding',
  );
  const why = (i: number) =>
    plan.clusterRoleReason && i === firstClusterGrant ? `# Why a ClusterRole: ${plan.clusterRoleReason}\n` : '';
  const documents = plan.objects.map(
    (planned, i) =>
      `${why(i)}${options.statusComments ? statusComment(planned) : ''}${renderObjectYaml(planned.object)}`,
  );
  return header + documents.join('---\n') + removalComments(plan);
}

/** Earlier grants the apply removes (or keeps), as comments: as documents, `kubectl apply` would make them again. */
function removalComments(plan: Plan): string {
  const removals = plan.removals ?? [];
  if (removals.length === 0) return '';
  return removals
    .map((r) => {
      const where = r.object.metadata.namespace ? `${r.object.metadata.namespace}/` : '';
      return `# ${r.action}: ${r.object.kind} ${where}${r.object.metadata.name}: ${r.detail}\n`;
    })
    .join('');
}

/** Parses multi-document YAML back into objects (for round-trip checks and for reading saved plans). */
export function parseObjectsYaml(text: string): KubeObject[] {
  return yaml.loadAll(text).filter((doc): doc is KubeObject => doc !== null && typeof doc === 'object');
}
