// Whether a resource lives in a namespace. Discovery knows for certain (DiscoveredResource.namespaced);
// this table covers the built-in cluster-scoped kinds so that planning without a cluster (dry runs,
// tests) is right too.
import type { DiscoveredResource, ProvisionRequest } from '../types';

/**
 * Answers whether group/resource is namespaced; undefined when unknown. `resource` has no subresource part. For the
 * group "*" it answers false when the resource is cluster-scoped in any group; `groupsOf` then says which groups.
 */
export interface NamespacedLookup {
  (group: string, resource: string): boolean | undefined;
  /** The API groups known to serve `resource`, and whether it is namespaced in each; absent when not known. */
  groupsOf?: (resource: string) => { group: string; namespaced: boolean }[];
}

const BUILT_IN_CLUSTER_SCOPED: Record<string, string[]> = {
  '': ['namespaces', 'nodes', 'persistentvolumes', 'componentstatuses'],
  'rbac.authorization.k8s.io': ['clusterroles', 'clusterrolebindings'],
  'storage.k8s.io': ['storageclasses', 'csidrivers', 'csinodes', 'volumeattachments', 'volumeattributesclasses'],
  'apiextensions.k8s.io': ['customresourcedefinitions'],
  'apiregistration.k8s.io': ['apiservices'],
  'admissionregistration.k8s.io': [
    'mutatingwebhookconfigurations',
    'validatingwebhookconfigurations',
    'validatingadmissionpolicies',
    'validatingadmissionpolicybindings',
    'mutatingadmissionpolicies',
    'mutatingadmissionpolicybindings',
  ],
  'certificates.k8s.io': ['certificatesigningrequests', 'clustertrustbundles'],
  'scheduling.k8s.io': ['priorityclasses'],
  'node.k8s.io': ['runtimeclasses'],
  'networking.k8s.io': ['ingressclasses', 'ipaddresses', 'servicecidrs'],
  'flowcontrol.apiserver.k8s.io': ['flowschemas', 'prioritylevelconfigurations'],
  'authentication.k8s.io': ['tokenreviews', 'selfsubjectreviews'],
  'authorization.k8s.io': ['selfsubjectaccessreviews', 'selfsubjectrulesreviews', 'subjectaccessreviews'],
  'resource.k8s.io': ['deviceclasses', 'resourceslices'],
  'project.openshift.io': ['projects', 'projectrequests'],
  'config.openshift.io': ['clusterversions', 'clusteroperators', 'infrastructures', 'ingresses', 'networks'],
  'security.openshift.io': ['securitycontextconstraints'],
  'user.openshift.io': ['users', 'groups', 'identities'],
};

/** The built-in cluster-scoped groups of a resource (the table knows nothing of namespaced ones). */
function builtInGroupsOf(resource: string): { group: string; namespaced: boolean }[] {
  return Object.entries(BUILT_IN_CLUSTER_SCOPED)
    .filter(([, list]) => list.includes(resource))
    .map(([group]) => ({ group, namespaced: false }));
}

/** Built-in knowledge only: false for known cluster-scoped resources, undefined otherwise. */
export const builtInNamespacedLookup: NamespacedLookup = Object.assign(
  (group: string, resource: string) => {
    if (group === '*') return builtInGroupsOf(resource).length > 0 ? false : undefined;
    return BUILT_IN_CLUSTER_SCOPED[group]?.includes(resource) ? false : undefined;
  },
  { groupsOf: builtInGroupsOf },
);

/** A lookup answering from discovery first and the built-in table second. */
export function namespacedLookupFrom(resources: DiscoveredResource[]): NamespacedLookup {
  const known = new Map(resources.map((r) => [`${r.group}/${r.resource}`, r.namespaced]));
  const groupsOf = (resource: string) => {
    const matches = resources.filter((r) => r.resource === resource);
    const seen = new Set<string>();
    const served = matches
      .filter((r) => !seen.has(r.group) && seen.add(r.group))
      .map((r) => ({ group: r.group, namespaced: r.namespaced }));
    return served.length > 0 ? served : builtInGroupsOf(resource);
  };
  return Object.assign(
    (group: string, resource: string) => {
      if (group === '*') {
        const groups = groupsOf(resource);
        if (groups.some((g) => !g.namespaced)) return false;
        return groups.length > 0 ? true : undefined;
      }
      return known.get(`${group}/${resource}`) ?? builtInNamespacedLookup(group, resource);
    },
    { groupsOf },
  );
}

/** API groups whose cluster-scoped resources the built-in table lists completely. */
const WELL_KNOWN_GROUPS = new Set([
  '',
  'apps',
  'batch',
  'autoscaling',
  'policy',
  'networking.k8s.io',
  'rbac.authorization.k8s.io',
  'storage.k8s.io',
  'events.k8s.io',
  'discovery.k8s.io',
  'coordination.k8s.io',
  'apiextensions.k8s.io',
  'admissionregistration.k8s.io',
  'certificates.k8s.io',
  'scheduling.k8s.io',
  'node.k8s.io',
  'authentication.k8s.io',
  'authorization.k8s.io',
]);

/**
 * Whether planning these rules needs discovery to tell namespaced from cluster-scoped resources: only when a rule
 * names an API group (a CRD's, an aggregated API's) the built-in table does not cover. Saves two requests otherwise.
 */
export function planNeedsDiscovery(request: Pick<ProvisionRequest, 'rules' | 'scope'>): boolean {
  if (request.scope.kind === 'cluster') return false;
  return request.rules.some((rule) => rule.apiGroups.some((group) => !WELL_KNOWN_GROUPS.has(group)));
}
