// Turns core's plan and preflight report into what the Review step shows. Pure: unit tested without a cluster.
import type { PreflightReport } from '../../core/apply/preflight';
import { describeRef, refOf } from '../../core/objects';
import { renderObjectYaml } from '../../core/plan/render';
import { formatRule } from '../../core/plan/rules';
import type { Plan, PolicyRule } from '../../core/types';
import type { ErrorInfo, ReviewInfo } from '../protocol';

/** The ClusterRole rules a namespace-scoped request ends up with (cluster-scoped resources), formatted. */
function clusterScopedRules(plan: Plan): string[] {
  if (plan.request.scope.kind === 'cluster') return [];
  const clusterRole = plan.objects.find((o) => o.object.kind === 'ClusterRole');
  return ((clusterRole?.object.rules as PolicyRule[] | undefined) ?? []).map(formatRule);
}

export function reviewFromReport(plan: Plan, report: PreflightReport): ReviewInfo {
  // Why each object is refused, by its description ("Role ns/name"): the server's words first.
  const refusals = new Map<string, string>();
  for (const m of report.missingRules)
    for (const n of m.neededFor) refusals.set(n, `needs rules you do not hold: ${m.rules.map(formatRule).join('; ')}`);
  for (const d of report.dryRun)
    if (!d.ok)
      refusals.set(describeRef(d.ref), `the server's dry run rejected it: ${d.error?.message ?? 'unknown error'}`);
  const objects = report.plan.objects.map((o) => ({
    kind: o.object.kind,
    name: o.object.metadata.name,
    ...(o.object.metadata.namespace ? { namespace: o.object.metadata.namespace } : {}),
    yaml: renderObjectYaml(o.object),
    ...(o.status ? { status: o.status } : {}),
    ...(o.detail ? { detail: o.detail } : {}),
    ...(refusals.has(describeRef(refOf(o.object))) ? { refused: refusals.get(describeRef(refOf(o.object))) } : {}),
  }));
  const removals = (report.plan.removals ?? []).map((r) => {
    const { uid: _uid, resourceVersion: _rv, ...metadata } = r.object.metadata;
    return {
      kind: r.object.kind,
      name: metadata.name,
      ...(metadata.namespace ? { namespace: metadata.namespace } : {}),
      yaml: renderObjectYaml({ ...r.object, metadata }),
      status: r.action,
      detail: r.detail,
    };
  });
  const missingRules = report.missingRules.flatMap((m) =>
    m.rules.map((r) => `${formatRule(r)} ${m.namespace ? `in namespace "${m.namespace}"` : '(cluster-wide)'}`),
  );
  const missingPermissions = report.denied.map((d) => `${d.description}${d.reason ? ` (${d.reason})` : ''}`);
  const dryRunProblems = report.dryRun
    .filter((d) => !d.ok)
    .map((d) => `The server's dry run rejected ${describeRef(d.ref)}: ${d.error?.message ?? 'unknown error'}`);
  const allowed = missingRules.length === 0 && missingPermissions.length === 0;
  const notes = [...report.notes];
  if (report.incomplete)
    notes.unshift("Part of the check could not be completed here; the server's own check at apply time decides.");
  return {
    objects,
    removals,
    warnings: plan.warnings,
    // An existing service account that is not there: the one thing to fix before anything else.
    problems: report.missing.map((m) => `${m.detail.charAt(0).toUpperCase()}${m.detail.slice(1)}.`),
    dryRunRejections: dryRunProblems,
    clusterScopedRules: clusterScopedRules(plan),
    escalation: {
      checked: true,
      allowed,
      missingRules,
      missingPermissions,
      ...(notes.length ? { note: notes.join(' ') } : {}),
    },
    dryRun: true,
    needsAdoption: report.conflicts.length > 0,
    canApply: report.ok,
  };
}

/** A review that could not run: the request itself is invalid (problems) or the preflight failed (error). */
export function failedReview(problems: string[], error?: ErrorInfo, plan?: Plan): ReviewInfo {
  return {
    objects: plan
      ? plan.objects.map((o) => ({
          kind: o.object.kind,
          name: o.object.metadata.name,
          ...(o.object.metadata.namespace ? { namespace: o.object.metadata.namespace } : {}),
          yaml: renderObjectYaml(o.object),
        }))
      : [],
    warnings: plan?.warnings ?? [],
    problems,
    dryRunRejections: [],
    clusterScopedRules: plan ? clusterScopedRules(plan) : [],
    escalation: { checked: false, allowed: false, missingRules: [], missingPermissions: [] },
    dryRun: false,
    needsAdoption: false,
    canApply: false,
    ...(error ? { error } : {}),
  };
}
