// Turns `create` flags into a ProvisionRequest. Pure, so every flag combination is unit tested without a cluster.
import { noteProblems } from '../core/credentials/model';
import { ValidationError } from '../core/errors';
import { parseDuration } from '../core/plan/duration';
import { findPreset } from '../core/plan/presets';
import { parseRules } from '../core/plan/rules';
import { requestProblems } from '../core/plan/validate';
import type { PermissionScope, PolicyRule, ProvisionRequest, RoleReference, TokenMode } from '../core/types';
import { booleanFlag, exclusive, listFlag, stringFlag, UsageError, type FlagSpec, type FlagValues } from './args';

export const DEFAULT_DURATION = '24h';

export const REQUEST_FLAGS: FlagSpec[] = [
  {
    name: 'namespace',
    short: 'n',
    type: 'string',
    value: 'NS',
    description: "Namespace of the service account (default: the context's namespace).",
  },
  { name: 'create-namespace', type: 'boolean', description: 'Create the namespace if it does not exist.' },
  {
    name: 'service-account',
    short: 's',
    type: 'string',
    value: 'NAME',
    description: 'Service account to create (or reuse if sa-kubeconfig made it). Required.',
  },
  {
    name: 'existing-service-account',
    type: 'boolean',
    description:
      'Use the service account -s NAME that exists already, as it is: it is not labelled, ' +
      'changed or deleted by sa-kubeconfig (only what sa-kubeconfig makes for it is). Implied by --existing-secret.',
  },
  {
    name: 'rule',
    short: 'r',
    type: 'string',
    repeatable: true,
    value: 'RULE',
    description:
      'Grant a rule, e.g. pods:get,list,watch or deployments.apps/scale:update (repeatable; see "Rules" below).',
  },
  {
    name: 'preset',
    type: 'string',
    repeatable: true,
    value: 'ID',
    description: 'Grant a preset (repeatable; list them with "sa-kubeconfig presets").',
  },
  {
    name: 'role',
    type: 'string',
    repeatable: true,
    value: 'NAME',
    description: 'Bind an existing Role of each target namespace (repeatable).',
  },
  {
    name: 'cluster-role',
    type: 'string',
    repeatable: true,
    value: 'NAME',
    description:
      'Bind an existing ClusterRole, e.g. view (repeatable; ' +
      'in the target namespaces, or cluster-wide with --cluster-wide).',
  },
  {
    name: 'namespaces',
    type: 'list',
    value: 'A,B',
    description:
      "Grant the permissions in these namespaces (default: the service account's namespace); one context each.",
  },
  {
    name: 'cluster-wide',
    type: 'boolean',
    description: 'Grant the permissions in every namespace (ClusterRole + ClusterRoleBinding).',
  },
  {
    name: 'duration',
    short: 'd',
    type: 'string',
    value: 'DURATION',
    description:
      `Time-limited token lifetime, e.g. 90m, 24h, 7d (default ${DEFAULT_DURATION}; ` + 'the server may grant less).',
  },
  {
    name: 'unbound',
    type: 'boolean',
    description:
      'Issue a time-limited token bound to nothing. It CANNOT be revoked before it expires ' +
      '(only deleting the service account ends it). Default: bound to a Secret of its own.',
  },
  {
    name: 'note',
    type: 'string',
    value: 'TEXT',
    description: 'A note on the credential, shown by "list", e.g. "github-actions deploy".',
  },
  {
    name: 'bind-to-secret',
    type: 'boolean',
    description: 'Accepted for older scripts: every time-limited token is bound to a Secret of its own now.',
  },
  {
    name: 'long-lived',
    type: 'boolean',
    description: 'Use a non-expiring token Secret (kubernetes.io/service-account-token) instead.',
  },
  {
    name: 'existing-secret',
    type: 'string',
    value: 'NAME',
    description:
      'Use the token of an existing token Secret of the service account (older clusters, OpenShift <= 4.15).',
  },
  {
    name: 'keep-extra',
    type: 'boolean',
    description:
      'Keep the Roles and bindings sa-kubeconfig made for this service account earlier that this request ' +
      'no longer has (a re-run removes them by default; token Secrets are never removed).',
  },
  {
    name: 'adopt',
    type: 'boolean',
    description:
      'Take over same-named objects that sa-kubeconfig did not make (they get its label, are updated, ' +
      'and "delete" removes them; otherwise they are a conflict).',
  },
  {
    name: 'server',
    type: 'string',
    value: 'URL',
    description: "API server URL to put in the kubeconfig (default: the context's).",
  },
  {
    name: 'insecure',
    type: 'boolean',
    description: 'Turn TLS verification off in the kubeconfig (insecure-skip-tls-verify). Avoid.',
  },
  {
    name: 'name-prefix',
    type: 'string',
    value: 'PREFIX',
    description: "Name of the kubeconfig's cluster/user/context entries (default: <context>-<service account>).",
  },
];

export interface RequestDefaults {
  context: string;
  /** The context's namespace. */
  namespace: string;
}

/** Collects the ValidationErrors of several parses, so that every problem is reported at once. */
class Problems {
  readonly list: string[] = [];
  /** Runs parse; on a ValidationError notes its problems and returns the fallback. */
  take<T>(parse: () => T, fallback: T): T {
    try {
      return parse();
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      this.list.push(...err.problems);
      return fallback;
    }
  }
}

function tokenMode(flags: FlagValues, problems: Problems): TokenMode {
  exclusive(flags, ['duration', 'long-lived', 'existing-secret']);
  exclusive(flags, ['unbound', 'long-lived', 'existing-secret']);
  exclusive(flags, ['unbound', 'bind-to-secret']);
  if (booleanFlag(flags, 'bind-to-secret') && (flags['long-lived'] || flags['existing-secret'])) {
    throw new UsageError(
      '--bind-to-secret applies to time-limited tokens only; drop it, or --long-lived/--existing-secret.',
    );
  }
  const note = stringFlag(flags, 'note');
  if (note !== undefined)
    problems.take(() => {
      const p = noteProblems(note);
      if (p.length > 0) throw new ValidationError(p);
    }, undefined);
  const withNote = note ? { note } : {};
  if (booleanFlag(flags, 'long-lived')) return { kind: 'longLived', ...withNote };
  const existing = stringFlag(flags, 'existing-secret');
  if (existing !== undefined) {
    if (note !== undefined)
      throw new UsageError('--note applies to new credentials; --existing-secret uses a token Secret that exists.');
    return { kind: 'existingSecret', secretName: existing };
  }
  const durationSeconds = problems.take(
    () => parseDuration(stringFlag(flags, 'duration') ?? DEFAULT_DURATION),
    undefined,
  );
  // A duration that did not parse is already a problem; a valid stand-in keeps it from being reported twice.
  return {
    kind: 'timeBound',
    durationSeconds: durationSeconds ?? 3600,
    ...(booleanFlag(flags, 'unbound') ? { unbound: true } : {}),
    ...withNote,
  };
}

function scope(flags: FlagValues): PermissionScope {
  exclusive(flags, ['namespaces', 'cluster-wide']);
  if (booleanFlag(flags, 'cluster-wide')) return { kind: 'cluster' };
  return { kind: 'namespaces', namespaces: [...new Set(listFlag(flags, 'namespaces'))] };
}

/**
 * Builds the request; throws UsageError for flag mistakes, and one ValidationError listing every problem with the
 * values (names, rules, presets, duration...), not just the first.
 */
export function requestFromFlags(flags: FlagValues, defaults: RequestDefaults): ProvisionRequest {
  const serviceAccount = stringFlag(flags, 'service-account');
  if (!serviceAccount) throw new UsageError('--service-account NAME is required.');
  const ruleTexts = listFlag(flags, 'rule');
  const presetIds = listFlag(flags, 'preset');
  const roleNames = listFlag(flags, 'role');
  const clusterRoleNames = listFlag(flags, 'cluster-role');
  if (ruleTexts.length === 0 && presetIds.length === 0 && roleNames.length === 0 && clusterRoleNames.length === 0) {
    throw new UsageError(
      'Say what the service account may do: --rule, --preset, --role or --cluster-role (e.g. --preset read-pods-logs).',
    );
  }
  const problems = new Problems();
  const presets = presetIds.flatMap((id) => problems.take(() => [findPreset(id)], []));
  const rules: PolicyRule[] = [...presets.flatMap((p) => p.rules), ...problems.take(() => parseRules(ruleTexts), [])];
  const roleRefs: RoleReference[] = [
    ...presets.flatMap((p) => p.roleRefs),
    ...roleNames.map((name): RoleReference => ({ kind: 'Role', name })),
    ...clusterRoleNames.map((name): RoleReference => ({ kind: 'ClusterRole', name })),
  ];
  const uniqueRefs = [...new Map(roleRefs.map((r) => [`${r.kind}/${r.name}`, r])).values()];
  const server = stringFlag(flags, 'server');
  const namePrefix = stringFlag(flags, 'name-prefix');
  const token = tokenMode(flags, problems);
  const request: ProvisionRequest = {
    context: defaults.context,
    namespace: stringFlag(flags, 'namespace') ?? defaults.namespace,
    ...(booleanFlag(flags, 'create-namespace') ? { createNamespace: true } : {}),
    serviceAccount,
    ...(booleanFlag(flags, 'existing-service-account') || token.kind === 'existingSecret'
      ? { serviceAccountMode: 'existing' as const }
      : {}),
    rules,
    roleRefs: uniqueRefs,
    scope: scope(flags),
    token,
    kubeconfig: {
      ...(server ? { server } : {}),
      ...(booleanFlag(flags, 'insecure') ? { insecureSkipTlsVerify: true } : {}),
      ...(namePrefix ? { namePrefix } : {}),
    },
    ...(booleanFlag(flags, 'adopt') ? { adoptUnmanaged: true } : {}),
    ...(booleanFlag(flags, 'keep-extra') ? { keepExtra: true } : {}),
  };
  // The rest of the request (names, namespaces, server...) is checked as core checks it; a rule or preset that did
  // not parse left no rules behind, which is not a problem of its own.
  const rest = requestProblems(
    problems.list.length > 0 && rules.length === 0 && uniqueRefs.length === 0
      ? { ...request, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] }
      : request,
  );
  const all = [...new Set([...rest, ...problems.list])];
  if (all.length > 0) throw new ValidationError(all);
  return request;
}
