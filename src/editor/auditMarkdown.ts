// The usage report and the shrink plan as Markdown, for the read-only report tabs of Show Usage and Shrink to Observed
// Use. What the log cannot show comes first (the coverage warnings core computes), then the allowed requests, the
// denied ones apart, and for a shrink the diff (drop / keep / add, denials to consider). Every name, user agent and
// address comes from the audit log or the cluster: shown literally (markdownLiteral), never as markup.
// Pure: no vscode import, unit tested.
import * as yaml from 'js-yaml';

import type { ShrinkPlan, ShrinkResult } from '../core/audit/shrink';
import type { Coverage, NonResourceGroup, UsageGroup, UsageReport } from '../core/audit/usage';
import { describeRef } from '../core/objects';
import { formatRule } from '../core/plan/rules';
import type { PolicyRule } from '../core/types';
import { markdownLiteral as lit } from './untrustedText';

const total = (groups: { count: number }[]) => groups.reduce((n, g) => n + g.count, 0);
const time = (t: string) => t.slice(0, 19).replace('T', ' ');
/** A rule as inline code: formatRule's text holds no backtick (Kubernetes names cannot). */
const code = (text: string) => `\`${text.replace(/`/g, "'")}\``;

function resourceOf(g: Pick<UsageGroup, 'apiGroup' | 'resource' | 'subresource'>): string {
  return `${g.resource}${g.apiGroup ? `.${g.apiGroup}` : ''}${g.subresource ? `/${g.subresource}` : ''}`;
}

function groupTable(groups: UsageGroup[]): string[] {
  const rows = [
    '| count | verb | resource | namespace | name | first seen | last seen | source IPs | user agents |',
    '|--:|---|---|---|---|---|---|---|---|',
  ];
  for (const g of groups) {
    const agents = g.userAgents.map((a) => a.split(' ')[0] ?? a);
    rows.push(
      `| ${g.count} | ${lit(g.verb)} | ${lit(resourceOf(g))} | ${g.namespace ? lit(g.namespace) : '_cluster_'} | ` +
        `${lit(g.name ?? '')} | ${time(g.firstSeen)} | ${time(g.lastSeen)} | ${lit(g.sourceIPs.join(', '))} | ` +
        `${lit(agents.join(', '))} |`,
    );
  }
  return rows;
}

function nonResourceTable(groups: NonResourceGroup[]): string[] {
  return [
    '| count | verb | path | denied | last seen |',
    '|--:|---|---|--:|---|',
    ...groups.map((g) => `| ${g.count} | ${lit(g.verb)} | ${lit(g.path)} | ${g.denied} | ${time(g.lastSeen)} |`),
  ];
}

/** The coverage: what was read, the window, then each warning as a quote. Pure. */
export function coverageMarkdown(c: Coverage): string[] {
  const skipped = [
    `${c.otherUsers} of other users`,
    ...Object.entries(c.skippedStages).map(([stage, n]) => `${n} at stage ${lit(stage)}`),
    ...(c.outsideWindow > 0 ? [`${c.outsideWindow} outside the time window`] : []),
    ...(c.otherCredential > 0 ? [`${c.otherCredential} of other credentials`] : []),
    ...(c.unparseable > 0 ? [`${c.unparseable} unparseable`] : []),
  ];
  const asked = c.since || c.until ? ` (asked: ${c.since ?? 'start'} to ${c.until ?? 'end'})` : '';
  const levels = Object.entries(c.levels).map(([l, n]) => `${lit(l)} ${n}`);
  const lines = [
    `**Window:** the log covers ${c.logFirst ?? '?'} to ${c.logLast ?? '?'}${asked}; ` +
      (c.firstRequest ? `the matched requests ${c.firstRequest} to ${c.lastRequest}.` : 'no request matched.'),
    '',
    `**Read:** ${c.lines} line(s) from ${c.files.map((f) => code(f)).join(', ')}: **${c.matched}** completed ` +
      `request(s) matched; skipped ${skipped.join(', ')}. Audit levels seen: ${levels.join(', ') || 'none'}.`,
    '',
  ];
  for (const w of c.warnings) lines.push(`> ⚠ ${lit(w)}`, '');
  return lines;
}

/** Show Usage's report. Pure. */
export function usageMarkdown(r: UsageReport): string {
  const credential = r.credential ? ` (credential ${lit(r.credential)})` : '';
  const lines = [`# Usage of ${lit(r.namespace)}/${lit(r.serviceAccount)}${credential}`, ''];
  lines.push(...coverageMarkdown(r.coverage));
  const creds = Object.entries(r.credentials);
  if (creds.length > 0) {
    lines.push(`**Credentials used:** ${creds.map(([id, n]) => `${code(id)} (${n})`).join(', ')}.`, '');
  }
  lines.push(`## Allowed: ${total(r.allowed)} request(s) in ${r.allowed.length} group(s)`, '');
  lines.push(...(r.allowed.length > 0 ? groupTable(r.allowed) : ['_None._']), '');
  lines.push(`## Denied: ${total(r.denied)} request(s) in ${r.denied.length} group(s)`, '');
  if (r.denied.length > 0) {
    lines.push('What it tried and lacked (RBAC said no). Shrink never adds these; grant them if it needs them.', '');
    lines.push(...groupTable(r.denied), '');
  } else {
    lines.push('_None._', '');
  }
  if (r.nonResource.length > 0) {
    lines.push(
      `## Non-resource URLs: ${total(r.nonResource)} request(s)`,
      '',
      'Discovery and /version: every authenticated user may read them.',
      '',
      ...nonResourceTable(r.nonResource),
      '',
    );
  }
  return lines.join('\n');
}

function fromWhere(source: ShrinkPlan['diff']['keep'][number]['source']): string {
  const made = source.ours ? '' : ', not made by sa-kubeconfig';
  return `${lit(source.role)} via ${lit(source.binding)}${made}`;
}

const ruleList = (rules: PolicyRule[]) =>
  rules.length > 0 ? rules.map((r) => `- ${code(formatRule(r))}`) : ['_None._'];

/** Shrink to Observed Use's report: the plan against what the account holds, and (after a run) what happened. Pure. */
export function shrinkMarkdown(
  plan: ShrinkPlan,
  usage: UsageReport,
  outcome?: { result?: ShrinkResult; dryRun: boolean; refused?: string },
): string {
  const { scope } = plan.request;
  const where = scope.kind === 'cluster' ? 'cluster-wide' : `in ${scope.namespaces.map(lit).join(', ')}`;
  const lines = [`# Shrink ${lit(plan.namespace)}/${lit(plan.serviceAccount)} to its observed use`, ''];
  lines.push(`Rules ${where}, from ${total(usage.allowed)} allowed request(s) in the audit log.`, '');
  lines.push(...coverageMarkdown(usage.coverage));
  lines.push(`## Drop: ${plan.diff.drop.length} rule(s) nothing in the log used`, '');
  lines.push(
    ...(plan.diff.drop.length > 0
      ? plan.diff.drop.map((d) => `- ➖ ${code(formatRule(d.rule))} — ${fromWhere(d.source)}`)
      : ['_None._']),
    '',
  );
  lines.push(`## Keep: ${plan.diff.keep.length} rule(s) it used`, '');
  lines.push(
    ...(plan.diff.keep.length > 0
      ? plan.diff.keep.map((k) => `- ✔ ${code(formatRule(k.rule))} — ${fromWhere(k.source)}`)
      : ['_None._']),
    '',
  );
  if (plan.diff.add.length > 0) {
    lines.push('## Add: used, but none of its bindings grants it', '', ...ruleList(plan.diff.add), '');
  }
  lines.push('## Observed denials to consider (not added)', '', ...ruleList(plan.diff.consider), '');
  lines.push('## The rules after the shrink', '', ...ruleList(plan.observed.rules), '');
  if (plan.observed.leftOut.length > 0) {
    lines.push('## Left out', '', ...plan.observed.leftOut.map((l) => `- ${lit(l)}`), '');
  }
  if (plan.idleNamespaces.length > 0) {
    lines.push(
      `No request was seen in namespace(s) ${plan.idleNamespaces.map(lit).join(', ')}; the shrink keeps the scope.`,
      '',
    );
  }
  for (const n of plan.notes) lines.push(`> ${lit(n)}`, '');
  if (plan.foreign.length > 0) {
    lines.push(
      '## Not applied',
      '',
      `${lit(plan.namespace)}/${lit(plan.serviceAccount)} holds grants sa-kubeconfig did not make ` +
        `(${plan.foreign.map(lit).join('; ')}): it never shrinks those. The Role it would use instead:`,
      '',
      '```yaml',
      plan.roles.map((r) => yaml.dump(r, { lineWidth: -1, noRefs: true }).trimEnd()).join('\n---\n'),
      '```',
      '',
    );
    return lines.join('\n');
  }
  if (!outcome) return lines.join('\n');
  lines.push('## Result', '');
  if (outcome.refused) {
    lines.push(`**Refused; nothing was changed.** ${lit(outcome.refused)}`, '');
    return lines.join('\n');
  }
  const result = outcome.result;
  const apply = result?.provision.applyResult;
  if (outcome.dryRun || !result || !apply) {
    lines.push('**Dry run:** the server accepts the change and you may grant it; nothing was changed yet.', '');
    return lines.join('\n');
  }
  lines.push(
    `**Applied:** ${apply.created.length} created, ${apply.updated.length} updated, ` +
      `${apply.unchanged.length} unchanged, ${apply.removed.length} removed` +
      `${apply.removed.length > 0 ? ` (${apply.removed.map((r) => lit(describeRef(r))).join(', ')})` : ''}.`,
    '',
  );
  if (result.checksSkipped) {
    lines.push(`Not checked: ${lit(result.checksSkipped)}.`, '');
  } else {
    const allowed = result.checks.filter((c) => c.expected === 'allowed');
    const denied = result.checks.filter((c) => c.expected === 'denied');
    lines.push(
      `**Checked as the account:** ${allowed.filter((c) => c.ok).length} of ${allowed.length} observed request(s) ` +
        `allowed, ${denied.filter((c) => c.ok).length} of ${denied.length} dropped permission(s) denied.`,
      '',
    );
    for (const c of result.checks.filter((x) => !x.ok)) {
      lines.push(`- ❌ ${lit(c.check)}: ${c.allowed ? 'allowed' : 'denied'}, expected ${c.expected}`);
    }
  }
  lines.push('', "No new credential was issued: the account's existing tokens keep working, with the new rules.", '');
  return lines.join('\n');
}
