// Turns a request into the exact objects to create, in apply order. Pure: no cluster access; the preflight
// check later fills each object's status. Object names are documented in names.ts.
import { ValidationError } from '../errors';
import {
  FOR_SERVICE_ACCOUNT_ANNOTATION,
  MANAGED_BY_LABEL,
  MANAGED_BY_VALUE,
  type KubeObject,
  type Plan,
  type PolicyRule,
  type ProvisionRequest,
  type RoleReference,
} from '../types';
import { bindingName, generatedRoleName, serviceAccountKey } from './names';
import { formatRule, missingRules, normalizeRules } from './rules';
import { builtInNamespacedLookup, type NamespacedLookup } from './scope';
import { assertValidRequest } from './validate';
import { riskWarnings } from './warnings';

const RBAC_API = 'rbac.authorization.k8s.io/v1';
const RBAC_GROUP = 'rbac.authorization.k8s.io';
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

export interface PlanOptions {
  /**
   * Whether group/resource is namespaced, usually from discovery (see namespacedLookupFrom). Unknown resources
   * are treated as namespaced. Defaults to a table of built-in cluster-scoped resources.
   */
  isNamespaced?: NamespacedLookup;
}

/** The namespaces the permissions apply in (and that get one kubeconfig context each). */
export function targetNamespaces(request: ProvisionRequest): string[] {
  if (request.scope.kind === 'namespaces' && request.scope.namespaces.length > 0) return request.scope.namespaces;
  return [request.namespace];
}

/**
 * Splits rules into those a Role can grant and those naming cluster-scoped resources (nodes, namespaces,
 * clusterroles, CRD-defined cluster kinds, ...) which only a ClusterRole with a ClusterRoleBinding can grant.
 * A rule for every API group ("*") stays in the Role: there it grants the resource in the namespace in every group
 * that serves it namespaced, and never cluster-wide. Where it also matches a cluster-scoped group, that group has to
 * be asked for by name (see clusterScopeProblems).
 */
export function partitionRules(
  rules: PolicyRule[],
  isNamespaced: NamespacedLookup,
): { namespaced: PolicyRule[]; clusterScoped: PolicyRule[] } {
  const namespaced: PolicyRule[] = [];
  const clusterScoped: PolicyRule[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups) {
      const isCluster = (resource: string) => {
        const base = resource.split('/')[0];
        return group !== '*' && base !== '*' && isNamespaced(group, base) === false;
      };
      const part = (resources: string[]): PolicyRule => ({ ...rule, apiGroups: [group], resources });
      const clusterResources = rule.resources.filter(isCluster);
      const namespacedResources = rule.resources.filter((r) => !isCluster(r));
      if (namespacedResources.length > 0) namespaced.push(part(namespacedResources));
      if (clusterResources.length > 0) clusterScoped.push(part(clusterResources));
    }
  }
  return { namespaced: normalizeRules(namespaced), clusterScoped: normalizeRules(clusterScoped) };
}

/**
 * Why a request for namespaces cannot be planned as asked: a rule for every API group ("*") that matches a resource
 * which is cluster-scoped in some group, where no rule names that group. Granting it would take a ClusterRoleBinding,
 * which would grant the namespaced groups' objects in every namespace too. Each problem names the cluster-scoped
 * group and the rules that would ask for it. Empty for cluster-wide requests. Pure.
 */
export function clusterScopeProblems(
  request: Pick<ProvisionRequest, 'rules' | 'scope'>,
  isNamespaced: NamespacedLookup,
): string[] {
  if (request.scope.kind === 'cluster') return [];
  const { clusterScoped } = partitionRules(request.rules, isNamespaced);
  const problems: string[] = [];
  for (const rule of request.rules) {
    if (!rule.apiGroups.includes('*')) continue;
    for (const resource of rule.resources) {
      const base = resource.split('/')[0];
      if (base === '*' || isNamespaced('*', base) !== false) continue;
      const groups = isNamespaced.groupsOf?.(base) ?? [];
      const asked = { ...rule, apiGroups: ['*'], resources: [resource] };
      const shown = `Rule "${formatRule(asked)}" asks for ${resource} in every API group`;
      const lacking = groups
        .filter((g) => !g.namespaced)
        .map((g) => ({ group: g.group, missing: missingRules(clusterScoped, [{ ...asked, apiGroups: [g.group] }]) }))
        .filter((g) => g.missing.length > 0);
      if (groups.length > 0 && lacking.length === 0) continue;
      const missing = lacking.flatMap((g) => g.missing);
      const namespacedAlternatives = groups
        .filter((g) => g.namespaced)
        .map((g) => `"${formatRule({ ...asked, apiGroups: [g.group] })}"`);
      const clusterNames = lacking.map((g) => (g.group === '' ? base : `${base}.${g.group}`));
      const names = clusterNames.length > 0 ? clusterNames.join(', ') : `${base} (in some API group)`;
      const add =
        missing.length > 0
          ? missing.map((m) => `the rule "${formatRule(m)}"`).join(' and ')
          : 'a rule naming its group';
      problems.push(
        `${shown}, and ${names} ${clusterNames.length > 1 ? 'are' : 'is'} cluster-scoped: only a ` +
          `ClusterRoleBinding can grant that, and one holding this rule would grant ${resource} ` +
          `of every API group in every namespace. To grant ${names} too, add ${add} ` +
          '(it alone goes into a ClusterRole), or ask for every ' +
          'permission cluster-wide (--cluster-wide; "Cluster-wide" in the wizard).' +
          (namespacedAlternatives.length > 0
            ? ` To grant only the namespaced ${base}, name their API group instead of "*": ` +
              `${namespacedAlternatives.join(', ')}.`
            : ' To grant nothing cluster-wide, name the API groups you mean instead of "*".'),
      );
    }
  }
  return problems;
}

/** The rules a plan puts in namespaced Roles and in the ClusterRole, as buildPlan splits them. Pure. */
export function splitRules(
  request: Pick<ProvisionRequest, 'rules' | 'scope'>,
  isNamespaced: NamespacedLookup = builtInNamespacedLookup,
): { namespaced: PolicyRule[]; clusterScoped: PolicyRule[] } {
  if (request.scope.kind === 'cluster') return { namespaced: [], clusterScoped: normalizeRules(request.rules) };
  // The rules as given, not normalised first: that would fold "builds.config.example.io:get" into "builds.*:get".
  return partitionRules(request.rules, isNamespaced);
}

/** Builds the plan; throws a ValidationError listing every problem in the request. */
export function buildPlan(request: ProvisionRequest, options: PlanOptions = {}): Plan {
  assertValidRequest(request);
  const isNamespaced = options.isNamespaced ?? builtInNamespacedLookup;
  const sa = request.serviceAccount;
  const saNamespace = request.namespace;
  const namespaces = targetNamespaces(request);
  const clusterWide = request.scope.kind === 'cluster';

  const scopeProblems = clusterScopeProblems(request, isNamespaced);
  if (scopeProblems.length > 0) throw new ValidationError(scopeProblems);
  const { namespaced, clusterScoped } = splitRules(request, isNamespaced);

  const metadata = (
    name: string,
    namespace?: string,
    extraAnnotations: Record<string, string> = {},
  ): KubeObject['metadata'] => ({
    name,
    ...(namespace !== undefined ? { namespace } : {}),
    labels: { [MANAGED_BY_LABEL]: MANAGED_BY_VALUE },
    annotations: { [FOR_SERVICE_ACCOUNT_ANNOTATION]: serviceAccountKey(saNamespace, sa), ...extraAnnotations },
  });
  const subjects = [{ kind: 'ServiceAccount', name: sa, namespace: saNamespace }];
  const roleRef = (ref: RoleReference) => ({ apiGroup: RBAC_GROUP, kind: ref.kind, name: ref.name });
  const generatedName = generatedRoleName(saNamespace, sa);

  const objects: KubeObject[] = [];
  if (request.createNamespace) objects.push({ apiVersion: 'v1', kind: 'Namespace', metadata: metadata(saNamespace) });
  // An existing service account is used as it is: planned without our label, so nothing ever sends,
  // labels or deletes it.
  objects.push(
    request.serviceAccountMode === 'existing'
      ? { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: saNamespace } }
      : { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(sa, saNamespace) },
  );

  // Roles before bindings, so that a binding never points at a role that is not there yet.
  if (namespaced.length > 0) {
    for (const ns of namespaces)
      objects.push({ apiVersion: RBAC_API, kind: 'Role', metadata: metadata(generatedName, ns), rules: namespaced });
  }
  if (clusterScoped.length > 0)
    objects.push({
      apiVersion: RBAC_API,
      kind: 'ClusterRole',
      metadata: metadata(generatedName),
      rules: clusterScoped,
    });

  if (namespaced.length > 0) {
    for (const ns of namespaces) {
      objects.push({
        apiVersion: RBAC_API,
        kind: 'RoleBinding',
        metadata: metadata(bindingName(saNamespace, sa), ns),
        roleRef: roleRef({ kind: 'Role', name: generatedName }),
        subjects,
      });
    }
  }
  if (!clusterWide) {
    for (const ref of request.roleRefs) {
      for (const ns of namespaces) {
        objects.push({
          apiVersion: RBAC_API,
          kind: 'RoleBinding',
          metadata: metadata(bindingName(saNamespace, sa, ref), ns),
          roleRef: roleRef(ref),
          subjects,
        });
      }
    }
  }
  if (clusterScoped.length > 0) {
    objects.push({
      apiVersion: RBAC_API,
      kind: 'ClusterRoleBinding',
      metadata: metadata(bindingName(saNamespace, sa)),
      roleRef: roleRef({ kind: 'ClusterRole', name: generatedName }),
      subjects,
    });
  }
  if (clusterWide) {
    for (const ref of request.roleRefs) {
      objects.push({
        apiVersion: RBAC_API,
        kind: 'ClusterRoleBinding',
        metadata: metadata(bindingName(saNamespace, sa, ref)),
        roleRef: roleRef(ref),
        subjects,
      });
    }
  }

  // The credential (its Secret and token) is not part of the plan: core/credentials/issue.ts issues a new one per run,
  // and a re-run converges the objects above without touching earlier credentials.

  const warnings = riskWarnings({ request, clusterScopedRules: clusterWide ? [] : clusterScoped }).map(
    (w) => w.message,
  );
  const clusterRoleReason = clusterRoleReasonFor(clusterWide, clusterScoped, request.roleRefs);
  return {
    request,
    objects: objects.map((object) => ({ object })),
    warnings,
    ...(clusterRoleReason ? { clusterRoleReason } : {}),
  };
}

/** Why a plan grants through a ClusterRole/ClusterRoleBinding, in words; undefined when it does not. Pure. */
export function clusterRoleReasonFor(
  clusterWide: boolean,
  clusterScopedRules: PolicyRule[],
  roleRefs: RoleReference[],
): string | undefined {
  if (clusterWide && (clusterScopedRules.length > 0 || roleRefs.length > 0)) {
    return (
      'The permissions were asked for cluster-wide, so they are granted with a ClusterRoleBinding' +
      `${clusterScopedRules.length > 0 ? ' to a ClusterRole' : ''}: they apply in every namespace, present and future.`
    );
  }
  if (clusterScopedRules.length > 0) {
    return (
      `${clusterScopedRules.map(formatRule).join('; ')} ${clusterScopedRules.length === 1 ? 'names' : 'name'} ` +
      'cluster-scoped resources, which a namespaced Role cannot grant, ' +
      'so a ClusterRole and a ClusterRoleBinding hold those rules; the other rules stay in namespaced Roles.'
    );
  }
  return undefined;
}
