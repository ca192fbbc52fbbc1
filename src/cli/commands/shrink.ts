// `sa-kubeconfig shrink`: the least rules that cover what the service account was seen doing in the audit log, as a
// diff against what it holds (drop / keep / add, and the observed denials to consider), applied through the same
// pipeline as `create` (dry run, escalation pre-check, convergence) WITHOUT a new credential: the account's existing
// kubeconfigs keep working, only its RBAC shrinks. Grants sa-kubeconfig did not make are never touched: then the Role
// it would use is printed and nothing changes (exit 4).
import * as yaml from 'js-yaml';

import { refuseUnlessOk } from '../../core/apply/apply';
import { applyShrink, planShrink, type ShrinkPlan, type ShrinkResult } from '../../core/audit/shrink';
import type { UsageReport } from '../../core/audit/usage';
import { ValidationError } from '../../core/errors';
import { describeRef } from '../../core/objects';
import { formatRule } from '../../core/plan/rules';
import { booleanFlag, stringFlag, type ParsedArgs } from '../args';
import { AUDIT_DETAILS, AUDIT_FLAGS, auditQueryFromFlags, readUsage } from '../auditFlags';
import {
  CONNECTION_FLAGS,
  OUTPUT_FLAG,
  outputFormat,
  SERVICE_ACCOUNT_FLAGS,
  VERBOSE_FLAG,
  withServiceAccount,
  type Command,
} from '../command';
import { EXIT, printResult, VerificationFailedError, type CliIo } from '../io';
import { describeCoverage } from './usage';

export const shrinkCommand: Command = {
  name: 'shrink',
  summary: "Shrink a service account's rules to what the audit log shows it doing (its credentials keep working).",
  usage: 'sa-kubeconfig shrink -n NS -s NAME --audit-log PATH... [--dry-run] [--names] [--since 7d] [flags]',
  flags: [
    ...CONNECTION_FLAGS,
    ...SERVICE_ACCOUNT_FLAGS,
    ...AUDIT_FLAGS,
    {
      name: 'names',
      type: 'boolean',
      description:
        'Restrict rules to the objects the requests named, where every request of the rule named one ' +
        '(never list, watch, create).',
    },
    {
      name: 'dry-run',
      type: 'boolean',
      description: 'Show the diff and run the server-side dry run and escalation pre-check; change nothing.',
    },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: `${AUDIT_DETAILS}

Rules: one per API group and resource (subresources apart) with the verbs observed: a "kubectl get pods" is list,
"-w" adds watch, only when seen. exec, attach and port-forward get create and get together (kubectl uses either).
Self-reviews (kubectl auth can-i, whoami) and discovery are allowed to everyone and left out.
Applied like "create": the account's Role(s) sa-kubeconfig made are converged to these rules in the same namespaces
(or cluster-wide, as now), bindings it made to other roles are removed, and every observed request is checked to be
allowed and every dropped rule denied (SubjectAccessReview). No credential is issued: the tokens the account has keep
working with the new rules. When the account holds grants sa-kubeconfig did not make, nothing is changed (exit 4) and
the Role that would replace them is printed.

Examples:
  sa-kubeconfig shrink -n ci -s deployer --audit-log /var/log/kubernetes/audit/ --since 14d --dry-run
  sa-kubeconfig shrink -n ci -s deployer --audit-log audit.log --audit-log audit-2026-11-30T00-00-00.000.log.gz`,
  run: runShrink,
};

async function runShrink(parsed: ParsedArgs, io: CliIo): Promise<number> {
  const { flags } = parsed;
  const format = outputFormat(flags);
  const dryRun = booleanFlag(flags, 'dry-run');
  // Flags and log paths are checked before connecting; the namespace may come from the context, so it is set after.
  const checked = await auditQueryFromFlags(flags, stringFlag(flags, 'namespace') ?? '');
  return withServiceAccount(parsed, io, async ({ conn, namespace, serviceAccount, logger }) => {
    const query = { ...checked, filter: { ...checked.filter, namespace } };
    const usage = await readUsage(query, io);
    if (query.filter.credential && usage.coverage.otherCredential > 0 && !dryRun) {
      throw new ValidationError([
        `The account's other credentials made ${usage.coverage.otherCredential} request(s) ` +
          "in this log, and the rules are the account's, not one credential's: shrinking to --credential's use " +
          'would deny them. Shrink without --credential (or look with --dry-run).',
      ]);
    }
    const plan = await planShrink(conn, namespace, serviceAccount, usage.allowed, usage.denied, {
      names: booleanFlag(flags, 'names'),
      logger,
      signal: io.signal,
    });
    const summary = (result?: ShrinkResult) => shrinkSummary(plan, usage, dryRun, result);
    if (plan.foreign.length > 0) {
      printResult(io, format, summary(), () => describeShrink(plan, usage, dryRun));
      if (format === 'text') {
        const roles = plan.roles.map((r) => yaml.dump(r, { lineWidth: -1, noRefs: true })).join('---\n');
        io.stdout(`\nThe Role it would use instead (not applied):\n${roles}`);
      }
      await applyShrink(conn, plan, usage.allowed, { dryRun, logger, signal: io.signal }); // throws unmanagedConflict
      return EXIT.conflict;
    }
    let result: ShrinkResult;
    try {
      result = await applyShrink(conn, plan, usage.allowed, { dryRun, logger, signal: io.signal });
    } catch (err) {
      if (format === 'text') io.stdout(`${describeShrink(plan, usage, dryRun)}\n`);
      else printResult(io, format, summary(), () => '');
      throw err;
    }
    printResult(io, format, summary(result), () => describeShrink(plan, usage, dryRun, result));
    if (format === 'text') for (const w of usage.coverage.warnings) io.stderr(`warning: ${w}\n`);
    // A dry run returns the refusal instead of throwing it; it is reported as create reports it.
    refuseUnlessOk(result.provision.preflight);
    if (!result.ok) {
      const failed = result.checks.filter((c) => !c.ok).length;
      throw new VerificationFailedError(`${failed} access check(s) failed after the shrink.`);
    }
    return EXIT.ok;
  });
}

function shrinkSummary(plan: ShrinkPlan, usage: UsageReport, dryRun: boolean, result?: ShrinkResult) {
  const apply = result?.provision.applyResult;
  return {
    namespace: plan.namespace,
    serviceAccount: plan.serviceAccount,
    dryRun,
    applied: Boolean(apply),
    rules: plan.observed.rules.map(formatRule),
    scope: plan.request.scope,
    diff: {
      keep: plan.diff.keep.map((k) => ({ rule: formatRule(k.rule), ...k.source })),
      drop: plan.diff.drop.map((d) => ({ rule: formatRule(d.rule), ...d.source })),
      add: plan.diff.add.map(formatRule),
      consider: plan.diff.consider.map(formatRule),
    },
    leftOut: plan.observed.leftOut,
    foreign: plan.foreign,
    idleNamespaces: plan.idleNamespaces,
    notes: plan.notes,
    ...(plan.foreign.length > 0 ? { roles: plan.roles } : {}),
    ...(result
      ? {
          preflightOk: result.provision.preflight.ok,
          ...(apply
            ? {
                created: apply.created.map(describeRef),
                updated: apply.updated.map(describeRef),
                unchanged: apply.unchanged.map(describeRef),
                removed: apply.removed.map(describeRef),
              }
            : {}),
          checks: result.checks,
          ...(result.checksSkipped ? { checksSkipped: result.checksSkipped } : {}),
          warnings: result.provision.warnings,
        }
      : {}),
    newCredential: false,
    coverage: usage.coverage,
  };
}

function describeShrink(plan: ShrinkPlan, usage: UsageReport, dryRun: boolean, result?: ShrinkResult): string {
  const { scope: requested } = plan.request;
  const scope = requested.kind === 'cluster' ? 'cluster-wide' : `in ${requested.namespaces.join(', ')}`;
  const from = (source: ShrinkPlan['diff']['keep'][number]['source']) =>
    `(${source.role} via ${source.binding}${source.ours ? '' : ', not made by sa-kubeconfig'})`;
  const lines = [
    `Shrink ${plan.namespace}/${plan.serviceAccount} to its observed use (${scope}):`,
    ...describeCoverage(usage.coverage).map((l) => `  ${l}`),
    '',
    'Rules from observed use:',
    ...plan.observed.rules.map((r) => `  ${formatRule(r)}`),
    '',
    'Against what it holds now:',
    ...plan.diff.drop.map((d) => `  drop  ${formatRule(d.rule)}   ${from(d.source)}`),
    ...plan.diff.keep.map((k) => `  keep  ${formatRule(k.rule)}   ${from(k.source)}`),
    ...plan.diff.add.map((a) => `  add   ${formatRule(a)}   (used; none of its bindings grants it)`),
  ];
  if (plan.diff.consider.length > 0) {
    lines.push(
      '',
      'Observed denials to consider (NOT added; add them with "create --rule" if the script needs them):',
      ...plan.diff.consider.map((r) => `  ${formatRule(r)}`),
    );
  }
  if (plan.observed.leftOut.length > 0) lines.push('', 'Left out:', ...plan.observed.leftOut.map((l) => `  ${l}`));
  if (plan.idleNamespaces.length > 0) {
    lines.push(
      '',
      `No request was seen in namespace(s) ${plan.idleNamespaces.join(', ')}; ` +
        'the shrink keeps the scope as it is.',
    );
  }
  for (const n of plan.notes) lines.push(`Note: ${n}`);
  if (plan.foreign.length > 0) {
    lines.push(
      '',
      `Not applied: ${plan.namespace}/${plan.serviceAccount} holds grants sa-kubeconfig did not make: ` +
        `${plan.foreign.join('; ')}.`,
    );
    return lines.join('\n');
  }
  if (!result) return lines.join('\n');
  const apply = result.provision.applyResult;
  lines.push('');
  if (dryRun || !apply) {
    lines.push(
      result.provision.preflight.ok
        ? 'Dry run: the server accepts the change and you may grant it; nothing was changed.'
        : 'Dry run refused; nothing was changed.',
    );
  } else {
    lines.push(
      `Applied: ${apply.created.length} created, ${apply.updated.length} updated, ` +
        `${apply.unchanged.length} unchanged, ${apply.removed.length} removed` +
        `${apply.removed.length > 0 ? ` (${apply.removed.map(describeRef).join(', ')})` : ''}.`,
    );
    const allowed = result.checks.filter((c) => c.expected === 'allowed');
    const denied = result.checks.filter((c) => c.expected === 'denied');
    if (result.checksSkipped) lines.push(`Not checked: ${result.checksSkipped}.`);
    else {
      lines.push(
        `Checked as the account: ${allowed.filter((c) => c.ok).length} of ${allowed.length} observed ` +
          'request(s) allowed, ' +
          `${denied.filter((c) => c.ok).length} of ${denied.length} dropped permission(s) denied.`,
      );
      for (const c of result.checks.filter((x) => !x.ok)) {
        lines.push(`  FAIL  ${c.check}: ${c.allowed ? 'allowed' : 'denied'}, expected ${c.expected}`);
      }
    }
    lines.push("No new credential was issued: the account's existing tokens keep working, with the new rules.");
  }
  return lines.join('\n');
}
