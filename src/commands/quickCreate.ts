import { PRESETS } from '../core/plan/presets';
import { checkDns1123Subdomain, checkRbacName } from '../core/plan/validate';
import type { ProvisionRequest, RoleReference } from '../core/types';
import type { PickItem } from '../editor/prompts';
import type { CommandDeps } from './deps';
import { pickTokenMode } from './support/lifetimes';
import { provisionAndOpen, type ProvisionOutcome } from './support/provisioning';
import { pickContext, targetOf } from './support/targets';

type Permission = { presetId: string } | { clusterRole: string } | { otherClusterRole: true };

/**
 * Quick create for palette users: namespace → service account → preset or ClusterRole → token lifetime, then the
 * kubeconfig opens in a tab. Prefilled from the clicked node (context, namespace).
 */
export async function quickCreate(deps: CommandDeps, node?: unknown): Promise<ProvisionOutcome | undefined> {
  const request = await askQuickCreateRequest(deps, node);
  if (!request) return undefined;
  return provisionAndOpen(deps, request);
}

/** The questions of Quick create, as a ProvisionRequest; undefined when the user cancels. */
export async function askQuickCreateRequest(deps: CommandDeps, node?: unknown): Promise<ProvisionRequest | undefined> {
  const target = await targetOf(deps, node);
  const context = await pickContext(deps, target);
  if (!context) return undefined;
  // Service account, permissions, token lifetime; plus the namespace when the invocation did not say it.
  const questionsAfterNamespace = 3;

  let namespace = target.namespace;
  let createNamespace = false;
  let step = 1;
  if (!namespace) {
    const list = await deps.tree.namespaces(context);
    const known = [...new Set([...list.namespaces, ...deps.tree.extraNamespaces(context)])].sort();
    const NEW = '\u0000new';
    const chosen = await deps.prompts.pick(
      'Quick create: namespace',
      [
        ...known.map((n) => ({ label: n, value: n })),
        { label: '$(add) New namespace…', description: 'created with the service account', value: NEW },
      ],
      {
        step: { step, totalSteps: questionsAfterNamespace + 1 },
        placeholder: `Namespace of the service account (context ${context})`,
      },
    );
    if (!chosen) return undefined;
    if (chosen === NEW) {
      namespace = await deps.prompts.input('Quick create: new namespace', {
        validate: (v) => checkDns1123Subdomain(v, 'Namespace'),
      });
      if (!namespace) return undefined;
      createNamespace = !known.includes(namespace);
    } else {
      namespace = chosen;
    }
    step++;
  }
  const steps = (n: number) => ({ step: step + n, totalSteps: step - 1 + questionsAfterNamespace });

  const serviceAccount = await deps.prompts.input('Quick create: service account', {
    step: steps(0),
    value: `${namespace}-sa`,
    prompt: `Name of the service account in ${namespace} (a new one, or an existing one to give a kubeconfig)`,
    validate: (v) => checkDns1123Subdomain(v, 'Service account name'),
  });
  if (!serviceAccount) return undefined;

  const permission = await deps.prompts.pick<Permission>(
    'Quick create: permissions',
    [
      ...PRESETS.map((p): PickItem<Permission> => ({
        label: p.title,
        detail: p.description,
        value: { presetId: p.id },
      })),
      { label: 'Another ClusterRole…', description: 'bound in this namespace only', value: { otherClusterRole: true } },
    ],
    { step: steps(1), placeholder: `What may ${serviceAccount} do in ${namespace}?` },
  );
  if (!permission) return undefined;
  let rules: ProvisionRequest['rules'] = [];
  let roleRefs: RoleReference[] = [];
  if ('presetId' in permission) {
    const preset = PRESETS.find((p) => p.id === permission.presetId);
    rules = preset?.rules ?? [];
    roleRefs = preset?.roleRefs ?? [];
  } else {
    const name =
      'clusterRole' in permission
        ? permission.clusterRole
        : await deps.prompts.input('Quick create: ClusterRole', {
            step: steps(1),
            prompt: 'Name of an existing ClusterRole, bound with a RoleBinding in the namespace',
            validate: (v) => checkRbacName(v, 'ClusterRole'),
          });
    if (!name) return undefined;
    roleRefs = [{ kind: 'ClusterRole', name }];
  }

  const token = await pickTokenMode(deps, {
    allowLongLived: true,
    step: steps(2),
    title: 'Quick create: token lifetime',
  });
  if (!token) return undefined;

  return {
    context,
    namespace,
    createNamespace,
    serviceAccount,
    rules,
    roleRefs,
    scope: { kind: 'namespaces', namespaces: [namespace] },
    // issueCredential binds a time-bound token to a Secret of its own, so that
    // "Revoke" can cut it off before it expires.
    token,
    kubeconfig: {},
  };
}
