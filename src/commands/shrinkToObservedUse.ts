// "Shrink to Observed Use": the least rules that cover what the audit log shows the service account doing, shown as
// a diff against what it holds (drop / keep / add, and the observed denials to consider), then applied through
// core's normal pipeline (applyShrink: server-side dry run and escalation pre-check first, convergence, then checks
// as the account that every observed request is still allowed and every dropped rule denied). No credential is
// issued: the account's kubeconfigs keep working with the smaller rules. Grants sa-kubeconfig did not make are never
// shrunk: then the report shows the Role it would use instead and nothing changes.
import { explainRefusal } from '../core/apply/preflight';
import { applyShrink, planShrink, type ShrinkPlan, type ShrinkResult } from '../core/audit/shrink';
import type { UsageReport } from '../core/audit/usage';
import { formatRule } from '../core/plan/rules';
import { shrinkMarkdown } from '../editor/auditMarkdown';
import { reportDocuments } from '../editor/reportDocuments';
import type { CommandDeps } from './deps';
import { askAuditQuery, readUsage } from './support/auditQuery';
import { withCancellableProgress } from './support/progress';
import { resolveServiceAccount } from './support/targets';

export interface ShrinkOutcome {
  plan: ShrinkPlan;
  usage: UsageReport;
  /** The applied (not dry-run) result; undefined when nothing was applied. */
  result?: ShrinkResult;
}

export async function shrinkToObservedUse(deps: CommandDeps, node?: unknown): Promise<ShrinkOutcome | undefined> {
  const t = await resolveServiceAccount(deps, node);
  if (!t) return undefined;
  // The rules are the account's, not one credential's: every credential's requests count.
  const query = await askAuditQuery(deps, { namespace: t.namespace, serviceAccount: t.serviceAccount });
  if (!query) return undefined;
  const names = await deps.prompts.pick<boolean>('Restrict rules to object names?', [
    { label: 'No: rules per resource', description: 'the verbs it used on each resource', value: false },
    {
      label: 'Yes: only the objects it named',
      description: 'where every request of a rule named one (never list, watch, create)',
      value: true,
    },
  ]);
  if (names === undefined) return undefined;
  const title = `Shrink ${t.namespace}/${t.serviceAccount}`;
  const reports = reportDocuments(deps.context);
  const planned = await withCancellableProgress(`Shrinking ${t.namespace}/${t.serviceAccount}`, async (signal, say) => {
    say('reading the audit log');
    const usage = await readUsage(query, signal);
    say("reading the account's grants; server-side dry run");
    const conn = await deps.connections.get(t.context);
    const options = { signal, logger: deps.logger };
    const plan = await planShrink(conn, t.namespace, t.serviceAccount, usage.allowed, usage.denied, {
      ...options,
      names,
    });
    // A dry run (and the escalation pre-check) before asking; a plan we may not apply is not offered.
    const dryRun =
      plan.foreign.length > 0 ? undefined : await applyShrink(conn, plan, usage.allowed, { ...options, dryRun: true });
    return { usage, plan, dryRun };
  });
  const { usage, plan, dryRun } = planned;
  const outcome: ShrinkOutcome = { plan, usage };
  if (!dryRun) {
    await reports.show(title, shrinkMarkdown(plan, usage));
    void deps.prompts.warn(
      `Not shrunk: ${t.namespace}/${t.serviceAccount} holds grants sa-kubeconfig did not make ` +
        `(${plan.foreign.join('; ')}). The report shows the Role it would use instead.`,
    );
    return outcome;
  }
  if (!dryRun.provision.preflight.ok) {
    const refused = explainRefusal(dryRun.provision.preflight);
    await reports.show(title, shrinkMarkdown(plan, usage, { dryRun: true, refused }));
    void deps.prompts.warn(`The shrink of ${t.namespace}/${t.serviceAccount} was refused; nothing was changed.`);
    return outcome;
  }
  await reports.show(title, shrinkMarkdown(plan, usage, { dryRun: true, result: dryRun }));
  if (plan.diff.drop.length === 0 && plan.diff.add.length === 0) {
    void deps.prompts.info(`${t.namespace}/${t.serviceAccount} already holds only what it used; nothing to shrink.`);
    return outcome;
  }
  const drop = plan.diff.drop.map((d) => `drop ${formatRule(d.rule)}`);
  const add = plan.diff.add.map((r) => `add ${formatRule(r)}`);
  const warning = usage.coverage.warnings[0] ? `\n\n${usage.coverage.warnings[0]}` : '';
  const go = await deps.prompts.confirm(
    `Shrink ${t.namespace}/${t.serviceAccount} to its observed use?`,
    `${[...drop, ...add].join('\n')}\n\nFrom ${usage.coverage.matched} request(s) in the audit log. ` +
      `Its existing credentials keep working, with the new rules.${warning}`,
    'Shrink',
  );
  if (go !== 'Shrink') return outcome;
  const result = await withCancellableProgress(`Shrinking ${t.namespace}/${t.serviceAccount}`, async (signal) => {
    const conn = await deps.connections.get(t.context);
    return applyShrink(conn, plan, usage.allowed, { signal, logger: deps.logger });
  });
  outcome.result = result;
  deps.tree.refresh();
  await reports.show(title, shrinkMarkdown(plan, usage, { dryRun: false, result }));
  const failed = result.checks.filter((c) => !c.ok);
  deps.logger.info(
    `Shrunk ${t.namespace}/${t.serviceAccount}: ${plan.diff.drop.length} rule(s) dropped; ` +
      `${result.checks.length - failed.length} of ${result.checks.length} check(s) as expected`,
  );
  if (failed.length > 0) {
    void deps.prompts.warn(
      `Shrunk ${t.namespace}/${t.serviceAccount}, but ${failed.length} access check(s) did not give the expected ` +
        'answer; see the report.',
    );
  } else {
    void deps.prompts.info(`Shrunk ${t.namespace}/${t.serviceAccount} to its observed use; checked as the account.`);
  }
  return outcome;
}
