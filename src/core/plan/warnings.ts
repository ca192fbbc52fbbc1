// Risks a reviewer should see before granting: each warning names the rule and says what the grant really allows.
import type { PolicyRule, ProvisionRequest, RoleReference } from '../types';
import { formatRule } from './rules';

export type RiskCode =
  | 'wildcard-verbs'
  | 'wildcard-resources'
  | 'wildcard-groups'
  | 'read-secrets'
  | 'privilege-escalation'
  | 'remote-exec'
  | 'create-pods'
  | 'create-workloads'
  | 'mint-tokens'
  | 'node-proxy'
  | 'cluster-wide'
  | 'powerful-role'
  | 'insecure-tls'
  | 'long-lived-token';

export interface RiskWarning {
  code: RiskCode;
  message: string;
}

function touches(rule: PolicyRule, group: string, resource: string): boolean {
  const groupOk = rule.apiGroups.includes('*') || rule.apiGroups.includes(group);
  const slash = resource.indexOf('/');
  const resourceOk =
    rule.resources.includes('*') ||
    rule.resources.includes(resource) ||
    (slash !== -1 && rule.resources.includes(`*/${resource.slice(slash + 1)}`));
  return groupOk && resourceOk;
}

function grantsAny(rule: PolicyRule, verbs: string[]): string[] {
  return rule.verbs.includes('*') ? verbs : verbs.filter((v) => rule.verbs.includes(v));
}

/**
 * Kinds whose objects carry a pod template: whoever may create or change them chooses the pods' service account and
 * volumes (Secrets included), like creating Pods directly.
 */
const WORKLOADS: readonly (readonly [group: string, resource: string, kind: string])[] = [
  ['apps', 'deployments', 'Deployments'],
  ['apps', 'statefulsets', 'StatefulSets'],
  ['apps', 'daemonsets', 'DaemonSets'],
  ['apps', 'replicasets', 'ReplicaSets'],
  ['batch', 'jobs', 'Jobs'],
  ['batch', 'cronjobs', 'CronJobs'],
  ['', 'replicationcontrollers', 'ReplicationControllers'],
];

function ruleWarnings(rule: PolicyRule): RiskWarning[] {
  const shown = `"${formatRule(rule)}"`;
  const out: RiskWarning[] = [];
  if (rule.verbs.includes('*')) {
    out.push({
      code: 'wildcard-verbs',
      message:
        `Rule ${shown} allows every verb (*), including delete and any verb added later; ` + 'list the verbs you need.',
    });
  }
  if (rule.resources.includes('*')) {
    out.push({
      code: 'wildcard-resources',
      message: `Rule ${shown} covers every resource (*), including Secrets and resources installed later.`,
    });
  }
  if (rule.apiGroups.includes('*')) {
    out.push({
      code: 'wildcard-groups',
      message: `Rule ${shown} covers every API group (*), including CRDs installed later.`,
    });
  }
  const secretReads = touches(rule, '', 'secrets') ? grantsAny(rule, ['get', 'list', 'watch']) : [];
  if (secretReads.length > 0) {
    out.push({
      code: 'read-secrets',
      message: `Rule ${shown} can ${secretReads.join('/')} Secrets, which hold other accounts' tokens and passwords.`,
    });
  }
  const escalation = grantsAny(rule, ['escalate', 'bind', 'impersonate']);
  if (escalation.length > 0) {
    out.push({
      code: 'privilege-escalation',
      message:
        `Rule ${shown} grants ${escalation.join('/')}, which lets the holder give itself ` +
        '(or act with) permissions it was not granted.',
    });
  }
  for (const sub of ['pods/exec', 'pods/attach']) {
    if (touches(rule, '', sub) && grantsAny(rule, ['create', 'get']).length > 0) {
      out.push({
        code: 'remote-exec',
        message:
          `Rule ${shown} allows ${sub}: running commands inside containers ` +
          "(remote code execution with the pod's identity).",
      });
    }
  }
  if (touches(rule, '', 'pods') && grantsAny(rule, ['create']).length > 0) {
    out.push({
      code: 'create-pods',
      message:
        `Rule ${shown} can create Pods, which can run as any service account of the namespace and mount ` +
        'its Secrets and ConfigMaps.',
    });
  }
  const workloads = WORKLOADS.filter(([group, resource]) => touches(rule, group, resource)).map(([, , kind]) => kind);
  const workloadWrites = workloads.length > 0 ? grantsAny(rule, ['create', 'update', 'patch']) : [];
  if (workloadWrites.length > 0) {
    out.push({
      code: 'create-workloads',
      message:
        `Rule ${shown} can ${workloadWrites.join('/')} ${workloads.join(', ')}: their pods can run as any ` +
        'service account of the namespace and mount any of its Secrets, as creating Pods can.',
    });
  }
  if (touches(rule, '', 'serviceaccounts/token') && grantsAny(rule, ['create']).length > 0) {
    out.push({
      code: 'mint-tokens',
      message: `Rule ${shown} can create tokens for other service accounts (serviceaccounts/token).`,
    });
  }
  if (touches(rule, '', 'nodes/proxy')) {
    out.push({
      code: 'node-proxy',
      message:
        `Rule ${shown} reaches the kubelet API through nodes/proxy, ` +
        'which can run commands in any pod on the node.',
    });
  }
  return out;
}

/** What well-known ClusterRoles allow that a reviewer may not expect. */
const POWERFUL_ROLES: Record<string, string> = {
  'cluster-admin': 'full control of everything it is bound for',
  admin: 'reading Secrets, exec into pods and managing RBAC in its namespaces',
  edit: 'reading Secrets and exec into pods, so effectively acting as any service account in its namespaces',
};

function roleRefWarnings(ref: RoleReference, clusterWide: boolean): RiskWarning[] {
  const out: RiskWarning[] = [];
  const allows = ref.kind === 'ClusterRole' ? POWERFUL_ROLES[ref.name] : undefined;
  if (allows) out.push({ code: 'powerful-role', message: `ClusterRole "${ref.name}" allows ${allows}.` });
  if (clusterWide)
    out.push({
      code: 'cluster-wide',
      message: `ClusterRole "${ref.name}" is bound cluster-wide: it applies in every namespace, present and future.`,
    });
  return out;
}

export interface WarningInput {
  request: ProvisionRequest;
  /** Rules that must be granted cluster-wide because they name cluster-scoped resources (from planning). */
  clusterScopedRules?: PolicyRule[];
}

/** Every risk of a request, most specific first; duplicates removed. */
export function riskWarnings({ request, clusterScopedRules = [] }: WarningInput): RiskWarning[] {
  const clusterWide = request.scope.kind === 'cluster';
  const warnings: RiskWarning[] = [
    ...request.rules.flatMap(ruleWarnings),
    ...request.roleRefs.flatMap((ref) => roleRefWarnings(ref, clusterWide)),
  ];
  if (clusterWide && request.rules.length > 0) {
    warnings.push({
      code: 'cluster-wide',
      message:
        'The custom rules are granted cluster-wide (ClusterRoleBinding): ' +
        'they apply in every namespace, present and future.',
    });
  } else if (clusterScopedRules.length > 0) {
    const shown = clusterScopedRules.map((r) => `"${formatRule(r)}"`).join(', ');
    warnings.push({
      code: 'cluster-wide',
      message:
        `${shown} name cluster-scoped resources, ` +
        'so they are granted with a ClusterRoleBinding across the cluster.',
    });
  }
  if (request.kubeconfig.insecureSkipTlsVerify) {
    warnings.push({
      code: 'insecure-tls',
      message:
        'TLS verification is off (insecure-skip-tls-verify): anyone on the network path can impersonate the API ' +
        'server and capture the token.',
    });
  }
  if (request.token.kind === 'longLived' || request.token.kind === 'existingSecret') {
    const secret = request.token.secretName
      ? `the Secret "${request.namespace}/${request.token.secretName}"`
      : 'its Secret';
    warnings.push({
      code: 'long-lived-token',
      message:
        `The token does not expire; it stays valid until ${secret} is deleted ` +
        '(sa-kubeconfig revoke) or the service account is.',
    });
  }
  const seen = new Set<string>();
  return warnings.filter((w) => !seen.has(w.message) && seen.add(w.message));
}
