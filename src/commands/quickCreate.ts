import * as vscode from 'vscode';

import { issuableKinds } from '../core/credentials/issuable';
import { SaKubeconfigError } from '../core/errors';
import { PRESETS } from '../core/plan/presets';
import { checkDns1123Subdomain, checkRbacName } from '../core/plan/validate';
import type { ProvisionRequest, RoleReference, TokenMode } from '../core/types';
import { isGoBack, type PickItem, type StepInfo } from '../editor/prompts';
import type { CommandDeps } from './deps';
import { lifetimeLabel, pickTokenMode } from './support/lifetimes';
import { withCancellableProgress } from './support/progress';
import { provisionAndOpen, type ProvisionOutcome } from './support/provisioning';
import { contextIsAsked, pickContext, targetOf, type Target } from './support/targets';

type Permission = { presetId: string } | { clusterRole: string };

/** What has been answered so far; kept (per session) when the user presses Escape midway. */
interface Draft {
  context?: string;
  namespace?: string;
  createNamespace?: boolean;
  serviceAccount?: string;
  permission?: Permission;
  token?: TokenMode;
  /** The namespace whose credential rights were checked, and whether only an unbound token is possible there. */
  checked?: { namespace: string; unboundOnly: boolean };
}

/** The answers of a Quick Create that was cancelled midway, offered again by the next one (this session only). */
const drafts = new WeakMap<CommandDeps, Draft>();

type StepName = 'context' | 'namespace' | 'serviceAccount' | 'permission' | 'token';

/**
 * Quick create for palette users: [context →] [namespace →] service account → preset or ClusterRole → token lifetime,
 * then the kubeconfig opens in a tab and a notification says it was verified (Save As / Merge). Prefilled from the
 * clicked node (context, namespace). Every step is numbered and has a Back button that keeps the typed values.
 */
export async function quickCreate(deps: CommandDeps, node?: unknown): Promise<ProvisionOutcome | undefined> {
  const request = await askQuickCreateRequest(deps, node);
  if (!request) return undefined;
  const outcome = await provisionAndOpen(deps, request);
  drafts.delete(deps);
  void announceCreated(deps, outcome);
  return outcome;
}

/** The questions of Quick create, as a ProvisionRequest; undefined when the user cancels. */
export async function askQuickCreateRequest(deps: CommandDeps, node?: unknown): Promise<ProvisionRequest | undefined> {
  const target = await targetOf(deps, node);
  const steps: StepName[] = [
    ...(contextIsAsked(deps, target) ? (['context'] as const) : []),
    ...(target.namespace ? [] : (['namespace'] as const)),
    'serviceAccount',
    'permission',
    'token',
  ];
  // A draft left by an Escape is offered again when it was for the same place.
  const previous = drafts.get(deps);
  const fits =
    previous &&
    (!target.context || previous.context === target.context) &&
    (!target.namespace || previous.namespace === target.namespace);
  const draft: Draft = {
    ...(fits ? previous : {}),
    ...(target.context ? { context: target.context } : {}),
    ...(target.namespace ? { namespace: target.namespace, createNamespace: false } : {}),
  };
  if (!draft.context && !contextIsAsked(deps, target)) draft.context = await pickContext(deps, target);

  let i = 0;
  while (i < steps.length) {
    const stepInfo: StepInfo = { step: i + 1, totalSteps: steps.length };
    let answered: boolean;
    try {
      answered = await ask(deps, target, steps[i], draft, stepInfo, i > 0);
    } catch (err) {
      if (!isGoBack(err)) throw err;
      i = Math.max(0, i - 1);
      continue;
    }
    if (!answered) {
      if (i > 0) {
        drafts.set(deps, draft);
        void deps.prompts.info(
          `Quick Create cancelled at step ${i + 1} of ${steps.length}: nothing was created. ` +
            'Your answers are kept for the next Quick Create in this session.',
        );
      }
      return undefined;
    }
    i++;
  }
  return requestOf(draft);
}

/** Asks one step into the draft; false when the user pressed Escape. Throws GoBack for Back. */
async function ask(
  deps: CommandDeps,
  target: Target,
  step: StepName,
  draft: Draft,
  stepInfo: StepInfo,
  back: boolean,
): Promise<boolean> {
  switch (step) {
    case 'context': {
      const context = await pickContext(deps, target, {
        title: 'Quick create: context',
        step: stepInfo,
        ...(draft.context ? { active: draft.context } : {}),
      });
      if (!context) return false;
      if (context !== draft.context) {
        draft.context = context;
        if (!target.namespace) draft.namespace = undefined;
        draft.checked = undefined;
      }
      return true;
    }
    case 'namespace':
      return askNamespace(deps, draft, stepInfo, back);
    case 'serviceAccount': {
      // Before the first question about the account: can this caller issue a credential here at all?
      if (!(await checkCredentialRights(deps, draft))) return false;
      const namespace = draft.namespace!;
      const serviceAccount = await deps.prompts.input('Quick create: service account', {
        step: stepInfo,
        back,
        value: draft.serviceAccount ?? `${namespace}-sa`,
        prompt: `Name of the service account in ${namespace} (a new one, or an existing one to give a kubeconfig)`,
        validate: (v) => checkDns1123Subdomain(v, 'Service account name'),
      });
      if (!serviceAccount) return false;
      draft.serviceAccount = serviceAccount;
      return true;
    }
    case 'permission':
      return askPermission(deps, draft, stepInfo);
    case 'token': {
      const unbound = draft.checked?.unboundOnly ?? false;
      const token = await pickTokenMode(deps, {
        allowLongLived: true,
        unbound,
        back: true,
        step: stepInfo,
        title: unbound ? 'Quick create: token lifetime (cannot be revoked early)' : 'Quick create: token lifetime',
        ...(draft.token ? { active: draft.token } : {}),
      });
      if (!token) return false;
      draft.token = token;
      return true;
    }
  }
}

async function askNamespace(deps: CommandDeps, draft: Draft, stepInfo: StepInfo, back: boolean): Promise<boolean> {
  const context = draft.context!;
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
      step: stepInfo,
      back,
      placeholder: `Namespace of the service account (context ${context})`,
      ...(draft.namespace ? { active: draft.createNamespace ? NEW : draft.namespace } : {}),
    },
  );
  if (!chosen) return false;
  let namespace = chosen;
  if (chosen === NEW) {
    const typed = await deps.prompts.input('Quick create: new namespace', {
      step: stepInfo,
      back: true,
      ...(draft.createNamespace && draft.namespace ? { value: draft.namespace } : {}),
      validate: (v) => checkDns1123Subdomain(v, 'Namespace'),
    });
    if (!typed) return false;
    namespace = typed;
  }
  if (namespace !== draft.namespace) draft.checked = undefined;
  draft.namespace = namespace;
  draft.createNamespace = chosen === NEW && !known.includes(namespace);
  return true;
}

/**
 * Asks the server (SelfSubjectAccessReviews, nothing changes) which credentials the caller may issue in the
 * namespace. A revocable token needs a Secret of its own; without "create secrets" the honest alternative is a
 * short-lived token that cannot be revoked early, offered up front. False when the user declines it.
 */
async function checkCredentialRights(deps: CommandDeps, draft: Draft): Promise<boolean> {
  const namespace = draft.namespace!;
  if (draft.checked?.namespace === namespace) return true;
  // A namespace this run creates has no rules yet: the server's checks of the namespace come after it exists.
  if (draft.createNamespace) {
    draft.checked = { namespace, unboundOnly: false };
    return true;
  }
  const context = draft.context!;
  const kinds = await withCancellableProgress(`Checking what you may issue in ${namespace}`, async (signal) =>
    issuableKinds(await deps.connections.get(context), namespace, { signal, logger: deps.logger }),
  );
  if (!kinds.allowed.includes('unbound')) {
    throw new SaKubeconfigError(
      'forbidden',
      `You may not ${kinds.missing.unbound.join(', nor ')}, so no token can be issued in namespace "${namespace}". ` +
        'Nothing was changed.',
      { hint: 'Choose a namespace where you may, or ask a cluster administrator for that permission.' },
    );
  }
  if (kinds.allowed.includes('bound')) {
    draft.checked = { namespace, unboundOnly: false };
    return true;
  }
  const go = await deps.prompts.confirm(
    `You may not ${kinds.missing.bound.join(', nor ')}, so Quick Create cannot issue a token you could revoke early.`,
    'A revocable token is bound to a Secret of its own, which you may not create here. Quick Create can issue a ' +
      `short-lived token instead (at most ${lifetimeLabel(86400)}): it cannot be revoked before it expires; only ` +
      'deleting the service account ends it early. Nothing has been changed yet.',
    'Use a Short-Lived Token',
  );
  if (go !== 'Use a Short-Lived Token') return false;
  draft.checked = { namespace, unboundOnly: true };
  if (draft.token?.kind !== 'timeBound' || draft.token.durationSeconds > 86400) draft.token = undefined;
  return true;
}

async function askPermission(deps: CommandDeps, draft: Draft, stepInfo: StepInfo): Promise<boolean> {
  const OTHER = { otherClusterRole: true } as const;
  const items: PickItem<Permission | typeof OTHER>[] = [
    ...PRESETS.map((p) => ({ label: p.title, detail: p.description, value: { presetId: p.id } })),
    { label: 'Another ClusterRole…', description: 'bound in this namespace only', value: OTHER },
  ];
  const current = draft.permission;
  const permission = await deps.prompts.pick('Quick create: permissions', items, {
    step: stepInfo,
    back: true,
    placeholder: `What may ${draft.serviceAccount} do in ${draft.namespace}?`,
    ...(current ? { active: 'presetId' in current ? current : OTHER } : {}),
  });
  if (!permission) return false;
  if ('presetId' in permission) {
    draft.permission = permission;
    return true;
  }
  const name = await deps.prompts.input('Quick create: ClusterRole', {
    step: stepInfo,
    back: true,
    ...(current && 'clusterRole' in current ? { value: current.clusterRole } : {}),
    prompt: 'Name of an existing ClusterRole, bound with a RoleBinding in the namespace',
    validate: (v) => checkRbacName(v, 'ClusterRole'),
  });
  if (!name) return false;
  draft.permission = { clusterRole: name };
  return true;
}

function requestOf(draft: Draft): ProvisionRequest {
  const { context, namespace, serviceAccount, permission, token } = draft;
  if (!context || !namespace || !serviceAccount || !permission || !token)
    throw new Error('Quick create: an answer is missing.');
  let rules: ProvisionRequest['rules'] = [];
  let roleRefs: RoleReference[] = [];
  if ('presetId' in permission) {
    const preset = PRESETS.find((p) => p.id === permission.presetId);
    rules = preset?.rules ?? [];
    roleRefs = preset?.roleRefs ?? [];
  } else {
    roleRefs = [{ kind: 'ClusterRole', name: permission.clusterRole }];
  }
  return {
    context,
    namespace,
    createNamespace: draft.createNamespace ?? false,
    serviceAccount,
    rules,
    roleRefs,
    scope: { kind: 'namespaces', namespaces: [namespace] },
    // issueCredential binds a time-bound token to a Secret of its own, so that "Revoke" can cut it off before it
    // expires; `unbound` (only when the caller may not create Secrets, and said yes to it) cannot be revoked early.
    token,
    kubeconfig: {},
  };
}

/** The closing notification: what was made, that it was verified (or not), when it expires; Save As / Merge. */
async function announceCreated(deps: CommandDeps, outcome: ProvisionOutcome): Promise<void> {
  const { request, result } = outcome;
  const name = `${request.namespace}/${request.serviceAccount}`;
  const v = result.verification;
  if (!v?.ok) return; // provisionAndOpen has warned already.
  const passed = v.checks.filter((c) => c.ok).length;
  const expires = result.token?.expiresAt
    ? ` The token expires ${new Date(result.token.expiresAt).toLocaleString()}` +
      (request.token.kind === 'timeBound' && request.token.unbound ? ' and cannot be revoked before then.' : '.')
    : request.token.kind === 'longLived'
      ? ' The token does not expire: revoke it when it is no longer needed.'
      : '';
  const choice = await deps.prompts.info(
    `Created ${name} and verified its kubeconfig with its own token (${passed} of ${v.checks.length} ` +
      `checks passed).${expires}`,
    'Save As…',
    'Merge…',
  );
  const uri = outcome.documentUri;
  if (!uri) return;
  if (choice === 'Save As…') await vscode.commands.executeCommand('saKubeconfig.saveKubeconfigAs', uri);
  else if (choice === 'Merge…') await vscode.commands.executeCommand('saKubeconfig.mergeKubeconfig', uri);
}
