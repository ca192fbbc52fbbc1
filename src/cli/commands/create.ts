// `sa-kubeconfig create`: service account, RBAC and token in the cluster, then a verified kubeconfig.
import { explainRefusal, type PreflightReport } from '../../core/apply/preflight';
import { loadKubeconfig } from '../../core/cluster/loadKubeconfig';
import { recordCredentials } from '../../core/credentials/ledger';
import { ledgerEntryFor } from '../../core/credentials/record';
import { discover } from '../../core/discovery/discovery';
import { contextNames, defaultNamePrefix } from '../../core/kubeconfig/build';
import { describeRef } from '../../core/objects';
import { formatDuration } from '../../core/plan/duration';
import { buildPlan, targetNamespaces } from '../../core/plan/plan';
import { renderPlanYaml } from '../../core/plan/render';
import { planNeedsDiscovery } from '../../core/plan/scope';
import { provision, type ProvisionProgress, type ProvisionResult } from '../../core/provision';
import type { Plan } from '../../core/types';
import { booleanFlag, stringFlag, UsageError, type FlagValues, type ParsedArgs } from '../args';
import {
  connectFromFlags,
  CONNECTION_FLAGS,
  OUTPUT_FLAG,
  outputFormat,
  RULE_SYNTAX_HELP,
  VERBOSE_FLAG,
  type Command,
} from '../command';
import { DEFAULT_DURATION, REQUEST_FLAGS, requestFromFlags } from '../createRequest';
import { EXIT, printResult, stderrLogger, VerificationFailedError, type CliIo, type OutputFormat } from '../io';
import {
  checkKubeconfigTarget,
  checkOutputFlags,
  describeDestination,
  destinationSummary,
  KUBECONFIG_OUTPUT_FLAGS,
  ledgerDestinations,
  messageWriter,
  writeKubeconfigOutput,
  type Destination,
} from '../kubeconfigOutput';
import { describeVerification, verificationSummary } from './verify';

export const createCommand: Command = {
  name: 'create',
  summary: 'Create a service account with least-privilege RBAC and write a verified kubeconfig for it.',
  usage:
    'sa-kubeconfig create --service-account NAME (--rule RULE | --preset ID | --role NAME | ' +
    '--cluster-role NAME)... [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...REQUEST_FLAGS,
    ...KUBECONFIG_OUTPUT_FLAGS,
    {
      name: 'dry-run',
      type: 'boolean',
      description:
        'Print the objects as YAML, checked against the cluster (server dry run, permissions); change nothing.',
    },
    { name: 'offline', type: 'boolean', description: 'With --dry-run: plan without contacting the cluster.' },
    { name: 'no-verify', type: 'boolean', description: 'Skip checking the new kubeconfig against the cluster.' },
    {
      name: 'yes',
      short: 'y',
      type: 'boolean',
      description: 'Do not ask for confirmation (never asked when not at a terminal).',
    },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details:
    `${RULE_SYNTAX_HELP}

Credentials: every run issues a new credential of its own. By default a time-limited token (--duration, default
${DEFAULT_DURATION}) bound to a new Secret <sa>-cred-xxxxx: "sa-kubeconfig revoke --credential ID" \
deletes that Secret and
the token stops working within about 10 seconds; other credentials of the account keep working. --unbound issues a
token bound to nothing, which cannot be revoked before it expires. --long-lived makes a new token Secret that does
not expire; --existing-secret NAME uses one that exists. --note says what it is for ("list" shows it). A re-run
converges the RBAC objects and never removes earlier credentials: they live until revoked, rotated or expired.

Service account: made by sa-kubeconfig unless --existing-service-account (or --existing-secret) says to use one
that exists, as it is. An existing account is never labelled, changed or deleted by sa-kubeconfig: "delete" and a
rollback remove only the Role, bindings and token Secret made for it. A same-named account sa-kubeconfig did not
make is a conflict otherwise; --adopt takes it over instead (it gets the label, and "delete" removes it).

Re-running converges: the Roles and bindings sa-kubeconfig made for this service account earlier that the request
no longer has (namespaces left out of --namespaces, a --cluster-role or --role dropped, rules that no longer need the
ClusterRole) are listed as "remove" by --dry-run and removed once the new objects are in place; --keep-extra keeps
them. Token Secrets, the service account and the namespace are never removed by a re-run; objects carrying the
sa-kubeconfig label that it did not make (wrong name, other subjects) are reported and left alone.

Output: the kubeconfig goes to --out FILE, --merge-into FILE, or stdout; messages go to stderr. With
--output json|yaml a report (never the token) is printed on stdout, so --out or --merge-into is required.

Examples:
  sa-kubeconfig create -n myexample --create-namespace -s myexample-sa \\
      --rule pods:get,watch,list,create --rule pods/exec:create --out myexample.kubeconfig
  sa-kubeconfig create -n ci -s deployer --preset ci-apply --duration 7d --merge-into ~/.kube/config ` +
    `--on-conflict rename
  sa-kubeconfig create -n team-a -s reader --cluster-role view --namespaces team-a,team-b --dry-run
  sa-kubeconfig create -n legacy -s app --existing-secret app-token-x7k2p --preset read-pods-logs --out app.kubeconfig`,
  run: runCreate,
};

function checkFlagCombinations(flags: FlagValues, format: OutputFormat): void {
  checkOutputFlags(flags, format, booleanFlag(flags, 'dry-run'));
  if (booleanFlag(flags, 'offline') && !booleanFlag(flags, 'dry-run'))
    throw new UsageError('--offline applies only with --dry-run.');
}

async function runCreate({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length > 0)
    throw new UsageError(`Unexpected argument "${positionals[0]}"; every create option is a flag.`);
  const format = outputFormat(flags);
  checkFlagCombinations(flags, format);
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));

  if (booleanFlag(flags, 'dry-run') && booleanFlag(flags, 'offline')) {
    const plan = buildPlan(requestFromFlags(flags, offlineDefaults(flags, io)));
    printPlan(io, format, plan);
    return EXIT.ok;
  }

  // Every problem with the values at once, before contacting the cluster
  // (the context's namespace is not needed for it).
  requestFromFlags(flags, { context: stringFlag(flags, 'context') ?? 'current', namespace: 'default' });
  const connection = await connectFromFlags(flags, logger, io);
  try {
    const request = requestFromFlags(flags, { context: connection.contextName, namespace: connection.namespace });
    logger.info(`Using context "${connection.contextName}" (${connection.server}).`);
    const discovered = planNeedsDiscovery(request)
      ? (await discover(connection, { logger, signal: io.signal })).resources
      : undefined;
    const options = {
      connection,
      logger,
      signal: io.signal,
      ...(discovered ? { discovered } : {}),
      onProgress: (p: ProvisionProgress) => {
        if (p.state !== 'start') logger.info(`${p.step}: ${p.state}${p.message ? ` (${p.message})` : ''}`);
      },
    };

    // The output target is checked before anything changes in the cluster: a refusal there changes nothing.
    if (!booleanFlag(flags, 'dry-run')) {
      const prefix = request.kubeconfig.namePrefix || defaultNamePrefix(connection.contextName, request.serviceAccount);
      await checkKubeconfigTarget(flags, {
        names: { clusters: [prefix], users: [prefix], contexts: contextNames(prefix, targetNamespaces(request)) },
        server: request.kubeconfig.server || connection.server,
      });
    }

    const askFirst = io.interactive && !booleanFlag(flags, 'yes');
    if (booleanFlag(flags, 'dry-run') || askFirst) {
      const checked = await provision(request, { ...options, dryRun: true });
      const report = checked.preflight;
      if (booleanFlag(flags, 'dry-run')) {
        printPlan(io, format, report.plan, report);
        if (!report.ok) {
          io.stderr(`Refused: the cluster would not accept this request:\n${explainRefusal(report)}\n`);
          return EXIT.conflict;
        }
        io.stderr(
          `Dry run: nothing was changed (${checked.requests} requests). ` +
            'Run without --dry-run to create these objects.\n',
        );
        return EXIT.ok;
      }
      if (report.ok) {
        io.stderr(renderPlanYaml(report.plan, { statusComments: true }));
        printWarnings(io, report.plan.warnings);
        if (!(await io.confirm(`Create these objects in context "${connection.contextName}"?`))) {
          io.stderr('Cancelled; nothing was changed.\n');
          return EXIT.ok;
        }
      }
    }

    const result = await provision(request, { ...options, verify: !booleanFlag(flags, 'no-verify') });
    if (!result.kubeconfigYaml || !result.applyResult || !result.token)
      throw new Error('Provisioning returned no kubeconfig.');
    const destination = await writeKubeconfigOutput(flags, result.kubeconfigYaml, io);
    if (result.credential) {
      await recordCredentials([ledgerEntryFor(connection, result.credential, ledgerDestinations(destination))]).catch(
        (err: Error) => {
          result.warnings.push(`The local ledger could not be updated (${err.message}).`);
        },
      );
    }
    printReport(io, format, result, destination);
    if (result.verificationError) {
      throw new VerificationFailedError(
        'The new kubeconfig could not be verified: ' +
          `${result.verificationError.message}\n${result.verificationError.hint}`,
      );
    }
    if (result.verification && !result.verification.ok) {
      throw new VerificationFailedError(
        `The new kubeconfig does not behave as requested:\n${describeVerification(result.verification, false)}\n` +
          'The objects and the kubeconfig were kept; ' +
          'inspect them with "sa-kubeconfig list" and "sa-kubeconfig verify".',
      );
    }
    return EXIT.ok;
  } finally {
    connection.close();
  }
}

/** Context name and namespace from the kubeconfig without contacting the cluster; placeholders when there is none. */
function offlineDefaults(flags: FlagValues, io: CliIo): { context: string; namespace: string } {
  const context = stringFlag(flags, 'context');
  const kubeconfigPath = stringFlag(flags, 'kubeconfig');
  try {
    const loaded = loadKubeconfig({
      ...(context ? { context } : {}),
      ...(kubeconfigPath ? { kubeconfigPath } : {}),
      env: io.env,
    });
    return { context: loaded.contextName, namespace: loaded.namespace };
  } catch {
    return { context: context ?? '(offline)', namespace: 'default' };
  }
}

function printWarnings(io: CliIo, warnings: string[]): void {
  for (const warning of warnings) io.stderr(`warning: ${warning}\n`);
}

function printPlan(io: CliIo, format: OutputFormat, plan: Plan, report?: PreflightReport): void {
  printWarnings(io, plan.warnings);
  const data = {
    objects: plan.objects.map((p) => ({
      ...(p.status ? { status: p.status } : {}),
      ...(p.detail ? { detail: p.detail } : {}),
      object: p.object,
    })),
    ...(plan.removals ? { removals: removalsSummary(plan) } : {}),
    warnings: plan.warnings,
    ...(report
      ? {
          ok: report.ok,
          conflicts: report.conflicts.map((c) => ({ object: describeRef(c.ref), detail: c.detail })),
          missingRules: report.missingRules,
          denied: report.denied.map((d) => d.description),
          dryRunFailures: report.dryRun
            .filter((d) => !d.ok)
            .map((d) => ({ object: describeRef(d.ref), error: d.error?.message })),
          notes: report.notes,
        }
      : {}),
  };
  printResult(io, format, data, () => renderPlanYaml(plan, { statusComments: report !== undefined }));
  if (format === 'text') for (const note of report?.notes ?? []) io.stderr(`note: ${note}\n`);
}

/** Earlier grants the apply removes ("remove") or keeps (--keep-extra: "keep"), for --output json|yaml. */
function removalsSummary(plan: Plan) {
  return (plan.removals ?? []).map((r) => ({
    status: r.action,
    kind: r.object.kind,
    name: r.object.metadata.name,
    ...(r.object.metadata.namespace ? { namespace: r.object.metadata.namespace } : {}),
    detail: r.detail,
  }));
}

function describeToken(result: ProvisionResult): string {
  const t = result.token;
  const c = result.credential;
  const namespace = result.plan.request.namespace;
  if (!t) return 'Token: none.';
  const revoke = c
    ? `"sa-kubeconfig revoke -n ${namespace} -s ${c.serviceAccount} --credential ${c.id}"`
    : '"sa-kubeconfig revoke"';
  const id = c ? `Credential ${c.id}${c.note ? ` ("${c.note}")` : ''}: ` : 'Token: ';
  if (t.mode === 'timeBound') {
    // Rounded to minutes: the granted lifetime is measured from our clock and is a second or so short.
    const granted =
      t.grantedSeconds !== undefined ? formatDuration(Math.max(60, Math.round(t.grantedSeconds / 60) * 60)) : '?';
    const shortened =
      t.shortened && t.requestedSeconds
        ? ` (requested ${formatDuration(t.requestedSeconds)}; the cluster's maximum is lower)`
        : '';
    const bound = t.secretName
      ? `; bound to Secret ${namespace}/${t.secretName} (${revoke} revokes it)`
      : '; unbound: it cannot be revoked before it expires';
    return `${id}time-limited token, valid ${granted}, expires ${t.expiresAt}${shortened}${bound}.`;
  }
  if (t.mode === 'existingSecret')
    return `${id}the token of the existing Secret ${namespace}/${t.secretName} (deleting that Secret revokes it).`;
  return `${id}token that does not expire, in Secret ${namespace}/${t.secretName} (${revoke} revokes it).`;
}

function resultSummary(result: ProvisionResult, destination: Destination) {
  const a = result.applyResult;
  return {
    serviceAccount: `${result.plan.request.namespace}/${result.plan.request.serviceAccount}`,
    context: result.plan.request.context,
    objects: result.plan.objects.map((p) => ({
      kind: p.object.kind,
      name: p.object.metadata.name,
      ...(p.object.metadata.namespace ? { namespace: p.object.metadata.namespace } : {}),
      status: p.status,
    })),
    created: a?.created.length ?? 0,
    updated: a?.updated.length ?? 0,
    unchanged: a?.unchanged.length ?? 0,
    used: a?.used.map(describeRef) ?? [],
    removed: a?.removed.map(describeRef) ?? [],
    kept: a?.kept.map(describeRef) ?? [],
    token: result.token ?? null,
    credential: result.credential ?? null,
    caSource: result.caSource ?? null,
    contexts: result.contexts ?? [],
    ...destinationSummary(destination),
    verification: result.verification ? verificationSummary(result.verification) : null,
    warnings: result.warnings,
    requests: result.requests,
    durationMs: result.durationMs,
  };
}

function printReport(io: CliIo, format: OutputFormat, result: ProvisionResult, destination: Destination): void {
  if (format !== 'text') {
    printResult(io, format, resultSummary(result, destination), () => '');
    printWarnings(io, result.warnings);
    return;
  }
  const a = result.applyResult!;
  const renamed =
    destination.kind === 'merge'
      ? destination.merge.changes.filter((c) => c.section === 'context' && c.renamedFrom)
      : [];
  const contexts = (result.contexts ?? []).map((name) => renamed.find((c) => c.renamedFrom === name)?.name ?? name);
  const verification = result.verification;
  const lines = [
    `Service account ${result.plan.request.namespace}/${result.plan.request.serviceAccount} is ready in context ` +
      `"${result.plan.request.context}": ` +
      `${a.created.length} created, ${a.updated.length} updated, ${a.unchanged.length} unchanged` +
      `${a.removed.length > 0 ? `, ${a.removed.length} removed` : ''}.`,
    ...a.created.map((r) => `  created ${describeRef(r)}`),
    ...a.updated.map((r) => `  updated ${describeRef(r)}`),
    ...a.unchanged.map((r) => `  unchanged ${describeRef(r)}`),
    ...a.used.map((r) => `  used as it is ${describeRef(r)} (sa-kubeconfig never changes or deletes it)`),
    ...a.removed.map((r) => `  removed ${describeRef(r)} (no longer requested)`),
    ...a.kept.map((r) => `  kept ${describeRef(r)} (no longer requested; kept as asked with --keep-extra)`),
    describeToken(result),
    ...describeDestination(destination),
    `Contexts: ${contexts.join(', ')} (current: ${contexts[0] ?? '-'}).`,
    verification
      ? describeVerification(verification, false)
      : result.verificationError
        ? 'Verification could not run.'
        : 'Not verified (--no-verify).',
    `${result.requests} API requests with your ` +
      `credentials${verification ? `, ${verification.requests} with the new one` : ''}; ` +
      `${(result.durationMs / 1000).toFixed(1)} s.`,
  ];
  messageWriter(io, destination)(`${lines.join('\n')}\n`);
  printWarnings(io, result.warnings);
}
