// The vocabulary shared by every part of core and by the three faces (extension, wizard, CLI).
// Plain data only: everything here can cross the webview boundary and be printed as JSON.

/** Every object sa-kubeconfig creates carries this label; inventory and clean-up find objects by it. */
export const MANAGED_BY_LABEL = 'app.kubernetes.io/managed-by';
export const MANAGED_BY_VALUE = 'sa-kubeconfig';
/** Annotation on objects we made: which service account ("<namespace>/<name>") they were made for. */
export const FOR_SERVICE_ACCOUNT_ANNOTATION = 'sa-kubeconfig.io/service-account';

/** An RBAC rule, exactly as in rbac.authorization.k8s.io/v1 PolicyRule (resources may be `pods/exec`). */
export interface PolicyRule {
  apiGroups: string[];
  resources: string[];
  verbs: string[];
  resourceNames?: string[];
}

/** A reference to an existing Role or ClusterRole to bind instead of (or besides) generated rules. */
export interface RoleReference {
  kind: 'Role' | 'ClusterRole';
  name: string;
}

/**
 * Where the permissions apply.
 * - namespaces: a Role (for custom rules) and RoleBindings in each listed namespace. A ClusterRole reference
 *   bound by a RoleBinding grants its rules in that namespace only.
 * - cluster: a ClusterRole (for custom rules) and a ClusterRoleBinding.
 */
export type PermissionScope = { kind: 'namespaces'; namespaces: string[] } | { kind: 'cluster' };

/**
 * How the credential is issued (core/credentials/issue.ts). Every credential is one of its own: a re-run issues a new
 * one, and each lives until it is revoked, rotated or expires.
 */
export type TokenMode =
  /**
   * TokenRequest. durationSeconds is what we ask for; the server may grant less. Bound to a new Secret of its own
   * (deleting it revokes exactly this token) unless `unbound`: then it cannot be revoked before it expires.
   * `bindToSecret` is what earlier versions asked for; binding is now the default and it changes nothing.
   */
  | { kind: 'timeBound'; durationSeconds: number; unbound?: boolean; note?: string; bindToSecret?: boolean }
  /**
   * A new kubernetes.io/service-account-token Secret that the token controller fills (named `secretName`,
   * or generated).
   */
  | { kind: 'longLived'; secretName?: string; note?: string }
  /** A token Secret that already exists for the service account (older clusters, OpenShift <= 4.15). */
  | { kind: 'existingSecret'; secretName: string };

export interface KubeconfigOptions {
  /** Server URL; defaults to the context's cluster server. */
  server?: string;
  /** Only when the user explicitly asks; never the default. */
  insecureSkipTlsVerify?: boolean;
  /** Name prefix for the generated cluster/user/context entries; defaults to `<context>-<serviceAccount>`. */
  namePrefix?: string;
}

/** Everything a user decides in the wizard, the quick-create flow or the CLI's `create`. */
export interface ProvisionRequest {
  /** Context of the caller's kubeconfig to act with. */
  context: string;
  /** Namespace the ServiceAccount lives in. */
  namespace: string;
  /** Create the namespace when it does not exist. */
  createNamespace?: boolean;
  serviceAccount: string;
  /**
   * Whether the service account is made for this request or one that is there already (default 'create').
   * - 'create': sa-kubeconfig makes it, labels it as its own, and `delete`/rollback remove it. A same-named account
   *   sa-kubeconfig did not make is a conflict unless adoptUnmanaged (then it is labelled and becomes ours).
   * - 'existing': the account is used as it is, like an existing Namespace: never created, labelled, updated or
   *   deleted (not by `delete`, not by a rollback). The preflight refuses when it does not exist. Only what
   *   sa-kubeconfig makes for it (Role/ClusterRole, bindings, token Secret) is labelled, managed and cleaned up.
   *   The CLI's `--existing-service-account` and `--existing-secret` and the wizard's "Existing" choice ask for it.
   */
  serviceAccountMode?: 'create' | 'existing';
  /** Custom rules; they become one generated Role per namespace, or one ClusterRole. */
  rules: PolicyRule[];
  /** Existing Roles/ClusterRoles to bind. */
  roleRefs: RoleReference[];
  /** Where the rules and references apply. Defaults to the service account's namespace. */
  scope: PermissionScope;
  token: TokenMode;
  kubeconfig: KubeconfigOptions;
  /**
   * The caller agreed to take over same-named objects that sa-kubeconfig did not make (they get its label and are
   * updated, and `delete` removes them later). Never needed to use an existing service account: see serviceAccountMode.
   */
  adoptUnmanaged?: boolean;
  /**
   * Keep the Roles, ClusterRoles and bindings sa-kubeconfig made for this service account earlier that this request
   * no longer has. By default a re-run removes them, so the account holds what the request says and no more. Never
   * about Secrets (credentials), the ServiceAccount or the Namespace: those are never removed by a re-run.
   */
  keepExtra?: boolean;
}

/** A Kubernetes object as plain JSON (apiVersion, kind, metadata, ...). */
export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** One object the plan will create or update, in apply order. */
export interface PlannedObject {
  /**
   * What to create or update. An object WITHOUT the managed-by label is one the plan only uses as it is (an existing
   * service account, see ProvisionRequest.serviceAccountMode): it is never sent, changed or deleted.
   */
  object: KubeObject;
  /**
   * Filled by the preflight check: whether it exists and what would change. 'use': an object the plan uses as it
   * is (never sent); 'missing': such an object does not exist (the request is refused).
   */
  status?: 'create' | 'update' | 'unchanged' | 'conflict' | 'use' | 'missing';
  /** Human-readable reason for update/conflict. */
  detail?: string;
}

/**
 * A Role, ClusterRole or binding sa-kubeconfig made for the service account earlier (label, annotation and ownership)
 * that the plan no longer has: the preflight finds them, the apply removes them unless the request keeps them.
 */
export interface PlannedRemoval {
  /** The object as found: metadata (with uid and resourceVersion, the delete's preconditions) and what it grants. */
  object: KubeObject;
  action: 'remove' | 'keep';
  /** What it grants, in words. */
  detail: string;
}

export interface Plan {
  request: ProvisionRequest;
  /** Namespace, ServiceAccount, Role/ClusterRole, RoleBinding(s)/ClusterRoleBinding, token Secret: in apply order. */
  objects: PlannedObject[];
  /** Filled by the preflight: earlier grants of the service account that this plan no longer has (PlannedRemoval). */
  removals?: PlannedRemoval[];
  /** Risk warnings, e.g. wildcard verbs, reading secrets, pods/exec, cluster-wide grants, insecure TLS. */
  warnings: string[];
  /** Why the plan grants through a ClusterRole/ClusterRoleBinding (absent when it uses none). */
  clusterRoleReason?: string;
}

/** One resource kind from API discovery. */
export interface DiscoveredResource {
  group: string; // '' for core
  version: string;
  resource: string; // plural, e.g. 'pods'
  kind: string;
  namespaced: boolean;
  verbs: string[];
  /** e.g. [{ name: 'exec', verbs: ['create','get'] }, { name: 'log', verbs: ['get'] }] */
  subresources: { name: string; verbs: string[] }[];
  shortNames?: string[];
}

/** Small logger interface that core uses; faces provide an implementation that redacts secrets. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Options every core operation that talks to a cluster accepts. */
export interface OperationOptions {
  signal?: AbortSignal;
  logger?: Logger;
}
