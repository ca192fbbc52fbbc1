// Ready-made permission sets. Each is complete for its job (the commands it is for actually work with it) and
// no wider: adding a verb here grants it to every user of the preset.
import { ValidationError } from '../errors';
import type { PolicyRule, RoleReference } from '../types';

export interface Preset {
  id: string;
  title: string;
  description: string;
  rules: PolicyRule[];
  roleRefs: RoleReference[];
}

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'update', 'patch', 'delete'];
const rule = (apiGroups: string[], resources: string[], verbs: string[]): PolicyRule => ({
  apiGroups,
  resources,
  verbs,
});

export const PRESETS: readonly Preset[] = [
  {
    id: 'read-pods-logs',
    title: 'Read pods and logs',
    description:
      'kubectl get/describe pods, kubectl logs (-f) and kubectl get events in the namespace. No exec, no Secrets.',
    rules: [
      rule([''], ['pods'], READ),
      rule([''], ['pods/log'], ['get']),
      rule([''], ['events'], READ),
      rule(['events.k8s.io'], ['events'], READ),
    ],
    roleRefs: [],
  },
  {
    id: 'exec-pods',
    title: 'Exec into pods',
    description:
      "The tutorial's permissions: list, watch and create pods, and kubectl exec into them (pods/exec create, " +
      'plus get, which kubectl exec ' +
      'uses for the WebSocket upgrade). Exec is remote code execution inside the containers.',
    rules: [rule([''], ['pods'], ['get', 'watch', 'list', 'create']), rule([''], ['pods/exec'], ['create', 'get'])],
    roleRefs: [],
  },
  {
    id: 'deploy',
    title: 'Deploy',
    description:
      'Manage Deployments, Services and ConfigMaps, scale and restart rollouts, ' +
      'and follow them with kubectl rollout status ' +
      '(reads ReplicaSets and Pods, and pod logs). Cannot read Secrets through the API and cannot exec, but the ' +
      'pods of a Deployment it writes can run as any service account of the namespace and mount any of its Secrets.',
    rules: [
      rule(['apps'], ['deployments'], [...READ, ...WRITE]),
      rule(['apps'], ['deployments/scale'], ['get', 'update', 'patch']),
      rule(['apps'], ['deployments/status'], ['get']),
      rule(['apps'], ['replicasets'], READ),
      rule([''], ['services', 'configmaps'], [...READ, ...WRITE]),
      rule([''], ['pods'], READ),
      rule([''], ['pods/log'], ['get']),
      rule([''], ['events'], READ),
    ],
    roleRefs: [],
  },
  {
    id: 'ci-apply',
    title: 'CI: apply into one namespace',
    description:
      'kubectl apply of a typical application (workloads, services, config, ingress, jobs, autoscaling, ' +
      'PVCs) into one namespace, ' +
      'and waiting for rollouts. Secrets can be created and updated but not read: ' +
      'apply them with "kubectl apply --server-side" ' +
      '(client-side apply reads the live object first; add --rule secrets:get if you accept that). No RBAC, no exec. ' +
      'The pods of the workloads it writes can still run as any service account of the namespace and mount any of ' +
      'its Secrets.',
    rules: [
      rule(['apps'], ['deployments', 'statefulsets', 'daemonsets'], [...READ, ...WRITE]),
      rule(['apps'], ['deployments/scale', 'statefulsets/scale'], ['get', 'update', 'patch']),
      rule(['apps'], ['replicasets', 'controllerrevisions'], READ),
      rule([''], ['services', 'configmaps', 'persistentvolumeclaims', 'serviceaccounts'], [...READ, ...WRITE]),
      rule([''], ['secrets'], ['create', 'update', 'patch', 'delete']),
      rule([''], ['pods', 'events', 'endpoints'], READ),
      rule([''], ['pods/log'], ['get']),
      rule(['batch'], ['jobs', 'cronjobs'], [...READ, ...WRITE]),
      rule(['networking.k8s.io'], ['ingresses', 'networkpolicies'], [...READ, ...WRITE]),
      rule(['autoscaling'], ['horizontalpodautoscalers'], [...READ, ...WRITE]),
      rule(['policy'], ['poddisruptionbudgets'], [...READ, ...WRITE]),
    ],
    roleRefs: [],
  },
  {
    id: 'view',
    title: 'View (built-in ClusterRole "view")',
    description: 'Read most objects in the namespace; Kubernetes\' own "view" role. Excludes Secrets and RBAC.',
    rules: [],
    roleRefs: [{ kind: 'ClusterRole', name: 'view' }],
  },
  {
    id: 'edit',
    title: 'Edit (built-in ClusterRole "edit")',
    description:
      'Read and change most objects in the namespace, including reading Secrets and exec into pods; no RBAC changes.',
    rules: [],
    roleRefs: [{ kind: 'ClusterRole', name: 'edit' }],
  },
  {
    id: 'admin',
    title: 'Admin (built-in ClusterRole "admin")',
    description:
      'Full control of the namespace, including Roles and RoleBindings; not the namespace itself or its quota.',
    rules: [],
    roleRefs: [{ kind: 'ClusterRole', name: 'admin' }],
  },
];

/** The preset with this id; throws an error listing the valid ids otherwise. */
export function findPreset(id: string): Preset {
  const preset = PRESETS.find((p) => p.id === id);
  if (!preset)
    throw new ValidationError([
      `Unknown preset "${id}". Presets: ${PRESETS.map((p) => p.id).join(', ')} (see "sa-kubeconfig presets").`,
    ]);
  return preset;
}
