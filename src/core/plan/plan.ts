// Turns a request into the exact objects to create, in apply order. Pure: no cluster access; the preflight
// check later fills each object's status. Object names are documented in names.ts.
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
import { formatRule, normalizeRules } from './rules';
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
 */
export function partitionRules(rules: PolicyRule[], isNamespaced: NamespacedLookup): { namespaced: PolicyRule[]; clusterScoped: PolicyRule[] } {
  const namespaced: PolicyRule[] = [];
  const clusterScoped: PolicyRule[] = [];
  for (const rule of rules) {
    for (const group of rule.apiGroups) {
      const isCluster = (resource: string) => {
        const base = resource.split('/')[0];
        return base !== '*' && isNamespaced(group, base) === false;
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

/** Builds the plan; throws a ValidationError listing every problem in the request. */
export function buildPlan(request: ProvisionRequest, options: PlanOptions = {}): Plan {
  assertValidRequest(request);
  const isNamespaced = options.isNamespaced ?? builtInNamespacedLookup;
  const sa = request.serviceAccount;
  const saNamespace = request.namespace;
  const namespaces = targetNamespaces(request);
  const clusterWide = request.scope.kind === 'cluster';

  const rules = normalizeRules(request.rules);
  const { namespaced, clusterScoped } = clusterWide ? { namespaced: [], clusterScoped: rules } : partitionRules(rules, isNamespaced);

  const metadata = (name: string, namespace?: string, extraAnnotations: Record<string, string> = {}): KubeObject['metadata'] => ({
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
  // An existing service account is used as it is: planned without our label, so nothing ever sends, labels or deletes it.
  objects.push(request.serviceAccountMode === 'existing'
    ? { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: sa, namespace: saNamespace } }
    : { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata(sa, saNamespace) });

  // Roles before bindings, so that a binding never points at a role that is not there yet.
  if (namespaced.length > 0) {
    for (const ns of namespaces) objects.push({ apiVersion: RBAC_API, kind: 'Role', metadata: metadata(generatedName, ns), rules: namespaced });
  }
  if (clusterScoped.length > 0) objects.push({ apiVersion: RBAC_API, kind: 'ClusterRole', metadata: metadata(generatedName), rules: clusterScoped });

  if (namespaced.length > 0) {
    for (const ns of namespaces) {
      objects.push({
        apiVersion: RBAC_API, kind: 'RoleBinding', metadata: metadata(bindingName(saNamespace, sa), ns),
        roleRef: roleRef({ kind: 'Role', name: generatedName }), subjects,
      });
    }
  }
  if (!clusterWide) {
    for (const ref of request.roleRefs) {
      for (const ns of namespaces) {
        objects.push({ apiVersion: RBAC_API, kind: 'RoleBinding', metadata: metadata(bindingName(saNamespace, sa, ref), ns), roleRef: roleRef(ref), subjects });
      }
    }
  }
  if (clusterScoped.length > 0) {
    objects.push({
      apiVersion: RBAC_API, kind: 'ClusterRoleBinding', metadata: metadata(bindingName(saNamespace, sa)),
      roleRef: roleRef({ kind: 'ClusterRole', name: generatedName }), subjects,
    });
  }
  if (clusterWide) {
    for (const ref of request.roleRefs) {
      objects.push({ apiVersion: RBAC_API, kind: 'ClusterRoleBinding', metadata: metadata(bindingName(saNamespace, sa, ref)), roleRef: roleRef(ref), subjects });
    }
  }

  // The credential (its Secret and token) is not part of the plan: core/credentials/issue.ts issues a new one per run,
  // and a re-run converges the objects above without touching earlier credentials.

  const warnings = riskWarnings({ request, clusterScopedRules: clusterWide ? [] : clusterScoped }).map((w) => w.message);
  const clusterRoleReason = clusterRoleReasonFor(clusterWide, clusterScoped, request.roleRefs);
  return { request, objects: objects.map((object) => ({ object })), warnings, ...(clusterRoleReason ? { clusterRoleReason } : {}) };
}

/** Why a plan grants through a ClusterRole/ClusterRoleBinding, in words; undefined when it does not. Pure. */
export function clusterRoleReasonFor(clusterWide: boolean, clusterScopedRules: PolicyRule[], roleRefs: RoleReference[]): string | undefined {
  if (clusterWide && (clusterScopedRules.length > 0 || roleRefs.length > 0)) {
    return 'The permissions were asked for cluster-wide, so they are granted with a ClusterRoleBinding'
      + `${clusterScopedRules.length > 0 ? ' to a ClusterRole' : ''}: they apply in every namespace, present and future.`;
  }
  if (clusterScopedRules.length > 0) {
    return `${clusterScopedRules.map(formatRule).join('; ')} ${clusterScopedRules.length === 1 ? 'names' : 'name'} cluster-scoped resources, which a namespaced Role cannot grant, `
      + 'so a ClusterRole and a ClusterRoleBinding hold those rules; the other rules stay in namespaced Roles.';
  }
  return undefined;
}
