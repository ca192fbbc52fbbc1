// What a command acts on. Commands are called from our tree (a node), from Microsoft's Kubernetes tree (its
// command target, resolved through its API), or from the palette (nothing: we ask).
import type { Credential } from '../../core/credentials/model';
import { SaKubeconfigError } from '../../core/errors';
import type { StepInfo } from '../../editor/prompts';
import type { ClusterExplorerTarget } from '../../integrations/kubernetesTools';
import type { IssuedTokenRecord } from '../../services/tokenMemory';
import {
  AddNamespaceNode,
  BindingNode,
  ContextNode,
  CredentialNode,
  LoadMoreNode,
  NamespaceNode,
  ServiceAccountNode,
} from '../../tree/nodes';
import type { CommandDeps } from '../deps';

export interface Target extends ClusterExplorerTarget {
  tokenSecret?: string;
  /** A credential's id (short jti or Secret name), e.g. from a credential node of the tree. */
  credentialId?: string;
  /** The clicked credential's kind, whether deleting its Secret revokes it, and its expiry (credential nodes). */
  credential?: Pick<Credential, 'kind' | 'revocable' | 'expiresAt'>;
  issuedToken?: IssuedTokenRecord;
}

/** Reads the context/namespace/service account out of whatever the command was invoked on. */
export async function targetOf(deps: CommandDeps, arg: unknown): Promise<Target> {
  if (arg instanceof ContextNode) return { context: arg.context };
  if (arg instanceof NamespaceNode) return { context: arg.context, namespace: arg.namespace };
  if (arg instanceof AddNamespaceNode) return { context: arg.context };
  if (arg instanceof LoadMoreNode) return { context: arg.context, namespace: arg.namespace };
  if (arg instanceof ServiceAccountNode)
    return { context: arg.context, namespace: arg.namespace, serviceAccount: arg.name, managed: arg.summary.managed };
  if (arg instanceof BindingNode)
    return { context: arg.context, namespace: arg.serviceAccount.namespace, serviceAccount: arg.serviceAccount.name };
  if (arg instanceof CredentialNode) {
    const c = arg.credential;
    // A long-lived or legacy credential is a token Secret: Generate kubeconfig / Copy token read its token.
    const tokenSecret =
      (c.kind === 'longLived' || c.kind === 'legacy') && c.secretName ? { tokenSecret: c.secretName } : {};
    return {
      context: arg.context,
      namespace: c.namespace,
      serviceAccount: c.serviceAccount,
      credentialId: c.secretName ?? c.id,
      credential: { kind: c.kind, revocable: c.revocable, ...(c.expiresAt ? { expiresAt: c.expiresAt } : {}) },
      managed: c.managed,
      ...tokenSecret,
    };
  }
  if (isPlainTarget(arg)) return arg;
  if (arg !== undefined && arg !== null) return (await deps.kubernetesTools.resolveTarget(arg)) ?? {};
  return {};
}

/** Tests and other extensions may pass `{context, namespace, serviceAccount}` directly. */
function isPlainTarget(arg: unknown): arg is Target {
  if (typeof arg !== 'object' || arg === null) return false;
  const keys = Object.keys(arg);
  return (
    keys.length > 0 &&
    keys.every((k) =>
      [
        'context',
        'namespace',
        'serviceAccount',
        'managed',
        'tokenSecret',
        'credentialId',
        'credential',
        'issuedToken',
      ].includes(k),
    )
  );
}

/** Whether pickContext would ask (more than one context and none given): Quick Create numbers the question. */
export function contextIsAsked(deps: CommandDeps, target: Target): boolean {
  return !target.context && deps.tree.contexts().length > 1;
}

export async function pickContext(
  deps: CommandDeps,
  target: Target,
  options: { title?: string; step?: StepInfo; active?: string } = {},
): Promise<string | undefined> {
  if (target.context) return target.context;
  const contexts = deps.tree.contexts();
  if (contexts.length === 0) throw new SaKubeconfigError('kubeconfig', 'Your kubeconfig has no contexts.');
  if (contexts.length === 1) return contexts[0].name;
  const selected = deps.tree.selectedContext();
  return deps.prompts.pick(
    options.title ?? 'Context',
    contexts
      .map((c) => ({
        label: c.name,
        description: c.name === selected ? 'selected' : c.current ? 'current-context' : undefined,
        detail: c.server,
        value: c.name,
      }))
      .sort((a, b) => Number(b.value === selected) - Number(a.value === selected)),
    { step: options.step, ...(options.active ? { active: options.active } : {}) },
  );
}

export async function pickNamespace(
  deps: CommandDeps,
  context: string,
  target: Target,
  allowNew = false,
): Promise<string | undefined> {
  if (target.namespace) return target.namespace;
  const list = await deps.tree.namespaces(context);
  const names = [...new Set([...list.namespaces, ...deps.tree.extraNamespaces(context)])].sort();
  const NEW = '\u0000new';
  const items = names.map((n) => ({ label: n, value: n }));
  if (allowNew || list.source !== 'namespaces') items.push({ label: '$(add) Another namespace…', value: NEW });
  const chosen = await deps.prompts.pick('Namespace', items, { placeholder: `Namespaces of ${context}` });
  if (chosen !== NEW) return chosen;
  return deps.prompts.input('Namespace', { prompt: 'Name of the namespace' });
}

export async function pickServiceAccount(
  deps: CommandDeps,
  context: string,
  namespace: string,
  target: Target,
): Promise<string | undefined> {
  if (target.serviceAccount) return target.serviceAccount;
  const listing = await deps.tree.serviceAccounts(context, namespace);
  return deps.prompts.pick(
    'Service account',
    listing.items.map((sa) => ({
      label: sa.name,
      description: sa.managed ? 'managed by sa-kubeconfig' : undefined,
      value: sa.name,
    })),
    { placeholder: `Service accounts in ${namespace}` },
  );
}

/** Context, namespace and service account, asking for whatever the invocation did not say. Undefined if cancelled. */
export async function resolveServiceAccount(
  deps: CommandDeps,
  arg: unknown,
): Promise<(Required<Pick<Target, 'context' | 'namespace' | 'serviceAccount'>> & Target) | undefined> {
  const target = await targetOf(deps, arg);
  const context = await pickContext(deps, target);
  if (!context) return undefined;
  const namespace = await pickNamespace(deps, context, target);
  if (!namespace) return undefined;
  const serviceAccount = await pickServiceAccount(deps, context, namespace, target);
  if (!serviceAccount) return undefined;
  return { ...target, context, namespace, serviceAccount };
}
