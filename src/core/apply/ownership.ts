// Whether an object is one sa-kubeconfig made for a service account. The label and the annotation alone prove
// nothing: anyone who may patch an object can add them. An object is ours only when, besides both, its name is the
// one planning generates (names.ts) and, for a binding, it binds only that service account to the role its name
// says. Delete and the pruning of grants a re-run no longer asks for (prune.ts) remove only what passes this test;
// anything else that carries the label is reported and left alone. Pure.

import { isManaged, managedFor } from '../objects';
import { bindingName, generatedRoleName, serviceAccountKey } from '../plan/names';
import { FOR_SERVICE_ACCOUNT_ANNOTATION, type KubeObject } from '../types';

const RBAC_GROUP = 'rbac.authorization.k8s.io';
const SA_NAME_ANNOTATION = 'kubernetes.io/service-account.name';
const SERVICE_ACCOUNT_TOKEN_TYPE = 'kubernetes.io/service-account-token';

/** How delete and pruning report an object that carries our label but fails the ownership test. */
export const NOT_OURS = "labelled as sa-kubeconfig's but not ours: left alone";

interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}
interface RoleRef {
  apiGroup?: string;
  kind?: string;
  name?: string;
}

/**
 * Why `obj` is not what sa-kubeconfig made for service account `namespace/serviceAccount`; undefined when it is.
 * `obj` is the object as the server returned it (a Secret with its data, which is only tested for presence).
 */
export function notOursBecause(obj: KubeObject, namespace: string, serviceAccount: string): string | undefined {
  if (!isManaged(obj)) return 'it does not carry the sa-kubeconfig label';
  const key = serviceAccountKey(namespace, serviceAccount);
  const annotated = managedFor(obj);
  if (annotated !== key) {
    return `its ${FOR_SERVICE_ACCOUNT_ANNOTATION} annotation names ${annotated ?? 'no service account'}, not ${key}`;
  }
  const { name, namespace: objectNamespace } = obj.metadata;
  const generated = generatedRoleName(namespace, serviceAccount);
  switch (obj.kind) {
    case 'Role':
    case 'ClusterRole':
      if ((obj.kind === 'Role') !== Boolean(objectNamespace)) return `a ${obj.kind} in the wrong scope`;
      return name === generated ? undefined : `its name is not the generated "${generated}"`;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      return bindingProblem(obj, namespace, serviceAccount);
    case 'ServiceAccount':
      return name === serviceAccount && objectNamespace === namespace ? undefined : `it is not service account ${key}`;
    case 'Namespace':
      return name === namespace ? undefined : `it is not the service account's namespace "${namespace}"`;
    case 'Secret': {
      if (objectNamespace !== namespace) return `it is not in the service account's namespace "${namespace}"`;
      if (obj.type === SERVICE_ACCOUNT_TOKEN_TYPE) {
        const of = obj.metadata.annotations?.[SA_NAME_ANNOTATION];
        if (of === serviceAccount) return undefined;
        const holder = of ? `service account "${of}"` : 'no service account';
        return `it holds the token of ${holder}, not "${serviceAccount}"`;
      }
      // The Secrets time-limited tokens are bound to are empty; one holding data was not made by sa-kubeconfig.
      const data = { ...(obj.data as object | undefined), ...(obj.stringData as object | undefined) };
      if (Object.keys(data).length === 0) return undefined;
      return 'it holds data, and the Secrets sa-kubeconfig makes for bound tokens are empty';
    }
    default:
      return `sa-kubeconfig makes no ${obj.kind}`;
  }
}

export function isOurs(obj: KubeObject, namespace: string, serviceAccount: string): boolean {
  return notOursBecause(obj, namespace, serviceAccount) === undefined;
}

function bindingProblem(obj: KubeObject, namespace: string, serviceAccount: string): string | undefined {
  const subjects = (obj.subjects as Subject[] | undefined) ?? [];
  const toAccount = (s: Subject) =>
    s.kind === 'ServiceAccount' && (s.apiGroup ?? '') === '' && s.name === serviceAccount && s.namespace === namespace;
  if (subjects.length !== 1 || !toAccount(subjects[0])) {
    return `its subjects are not exactly service account ${serviceAccountKey(namespace, serviceAccount)}`;
  }
  const ref = (obj.roleRef as RoleRef | undefined) ?? {};
  const cluster = obj.kind === 'ClusterRoleBinding';
  const kindOk = ref.kind === 'ClusterRole' || (ref.kind === 'Role' && !cluster);
  if (ref.apiGroup !== RBAC_GROUP || !kindOk || !ref.name) {
    return 'its roleRef is not a Role or ClusterRole it could have been made for';
  }
  const generatedKind = cluster ? 'ClusterRole' : 'Role';
  const generated = generatedRoleName(namespace, serviceAccount);
  // The binding of the generated role, or of an existing role named in its own name.
  const expected =
    ref.kind === generatedKind && ref.name === generated
      ? bindingName(namespace, serviceAccount)
      : bindingName(namespace, serviceAccount, { kind: ref.kind as 'Role' | 'ClusterRole', name: ref.name });
  if (obj.metadata.name === expected) return undefined;
  return `its name is not "${expected}", the one generated for its roleRef ${ref.kind} "${ref.name}"`;
}
