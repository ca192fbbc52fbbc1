// `sa-kubeconfig verify KUBECONFIG`: checks a kubeconfig with its own credentials.
import { promises as fs } from 'node:fs';

import { loadKubeconfigFromString } from '../../core/cluster/loadKubeconfig';
import { isSaKubeconfigError, SaKubeconfigError } from '../../core/errors';
import { findPreset } from '../../core/plan/presets';
import { formatRule, parseRules } from '../../core/plan/rules';
import {
  expectationsFromKubeconfig,
  verifyKubeconfig,
  type VerificationCheck,
  type VerificationReport,
} from '../../core/verify/verify';
import { booleanFlag, exclusive, listFlag, stringFlag, UsageError, type ParsedArgs } from '../args';
import { OUTPUT_FLAG, outputFormat, RULE_SYNTAX_HELP, VERBOSE_FLAG, type Command } from '../command';
import { EXIT, printResult, stderrLogger, VerificationFailedError, type CliIo } from '../io';

export const verifyCommand: Command = {
  name: 'verify',
  summary: "Check what a kubeconfig's credential may do, using that kubeconfig itself (never yours).",
  usage: 'sa-kubeconfig verify KUBECONFIG [--rule RULE]... [flags]',
  flags: [
    {
      name: 'context',
      type: 'string',
      value: 'NAME',
      description: 'Context of KUBECONFIG to check (default: its current context).',
    },
    {
      name: 'rule',
      short: 'r',
      type: 'string',
      repeatable: true,
      value: 'RULE',
      description: 'A rule the credential must have (repeatable).',
    },
    {
      name: 'preset',
      type: 'string',
      repeatable: true,
      value: 'ID',
      description: 'A preset whose rules the credential must have (repeatable).',
    },
    {
      name: 'namespaces',
      type: 'list',
      value: 'A,B',
      description: "Namespaces to check in (default: those of the kubeconfig's contexts).",
    },
    { name: 'cluster-wide', type: 'boolean', description: 'The rules should hold cluster-wide.' },
    {
      name: 'outside',
      type: 'string',
      value: 'NS',
      description: 'A namespace where the rules must be denied (default: "default", or "kube-system").',
    },
    OUTPUT_FLAG,
    VERBOSE_FLAG,
  ],
  details: `Without --rule/--preset, a kubeconfig made by sa-kubeconfig is checked against the rules in its header
comment; any other kubeconfig only gets its effective permissions listed.
Checks: each requested rule must be allowed (SelfSubjectAccessReview); listing secrets and the same verbs in a
namespace outside the scope must be denied. Exit code 3 when a check fails or the token is rejected.

${RULE_SYNTAX_HELP}`,
  run: runVerify,
};

async function runVerify({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length !== 1)
    throw new UsageError('Give exactly one kubeconfig file: sa-kubeconfig verify KUBECONFIG.');
  exclusive(flags, ['namespaces', 'cluster-wide']);
  const file = positionals[0];
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`Cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}.`);
  }
  const context = stringFlag(flags, 'context');
  const loaded = loadKubeconfigFromString(text, context, file);
  const outside = stringFlag(flags, 'outside');
  const expectations = expectationsFromKubeconfig(text, loaded.raw.contexts ?? [], loaded.namespace, {
    rules: [...listFlag(flags, 'preset').flatMap((id) => findPreset(id).rules), ...parseRules(listFlag(flags, 'rule'))],
    namespaces: listFlag(flags, 'namespaces'),
    clusterWide: booleanFlag(flags, 'cluster-wide'),
    ...(outside ? { outsideNamespace: outside } : {}),
  });
  const logger = stderrLogger(io, booleanFlag(flags, 'verbose'));
  let report: VerificationReport;
  try {
    report = await verifyKubeconfig(text, expectations, { logger, signal: io.signal, ...(context ? { context } : {}) });
  } catch (error) {
    if (isSaKubeconfigError(error, 'unauthorized')) {
      throw new SaKubeconfigError(
        'unauthorized',
        `The cluster rejects the token in ${file}: it expired, was revoked, or its service account was deleted.`,
        {
          hint: 'Get a new one with "sa-kubeconfig rotate -n NAMESPACE -s SERVICE_ACCOUNT" (or "create" again).',
          cause: error,
        },
      );
    }
    throw error;
  }
  printResult(io, outputFormat(flags), verificationSummary(report), () => describeVerification(report, true));
  if (!report.ok)
    throw new VerificationFailedError(`${report.checks.filter((c) => !c.ok).length} check(s) failed for ${file}.`);
  return EXIT.ok;
}

function describeCheck(c: VerificationCheck): string {
  const subresource = c.subresource ? `/${c.subresource}` : '';
  const resource = `${c.resource}${subresource}${c.group ? `.${c.group}` : ''}${c.name ? ` "${c.name}"` : ''}`;
  const where = c.namespace ? `in ${c.namespace}` : 'cluster-wide';
  return (
    `${c.ok ? 'ok  ' : 'FAIL'}  ${c.allowed ? 'allowed' : 'denied '}  ${c.verb} ${resource} ${where}  ` +
    `(${c.why}; expected ${c.expected})`
  );
}

/** Text report of a verification; `all` lists every check, otherwise only a count plus the failures. */
export function describeVerification(report: VerificationReport, all: boolean): string {
  const failed = report.checks.filter((c) => !c.ok);
  const who = report.whoami ? ` as ${report.whoami.username}` : '';
  const head = report.ok
    ? `Verified${who} (context "${report.context}"): ${report.checks.length} checks passed.`
    : `Verification FAILED${who} (context "${report.context}"): ` +
      `${failed.length} of ${report.checks.length} checks failed.`;
  const lines = [head, ...(all ? report.checks : failed).map((c) => `  ${describeCheck(c)}`)];
  if (all) {
    for (const [ns, rules] of Object.entries(report.rulesByNamespace)) {
      lines.push(
        `Effective rules in ${ns}${report.incomplete ? ' (incomplete)' : ''}:`,
        ...rules.map((r) => `  ${formatRule(r)}`),
      );
    }
  }
  lines.push(...report.notes.map((n) => `Note: ${n}`));
  return lines.join('\n');
}

/** The report as plain data for --output json|yaml. */
export function verificationSummary(report: VerificationReport) {
  return {
    ok: report.ok,
    context: report.context,
    user: report.whoami?.username ?? null,
    checks: report.checks,
    rulesByNamespace: Object.fromEntries(
      Object.entries(report.rulesByNamespace).map(([ns, rules]) => [ns, rules.map(formatRule)]),
    ),
    incomplete: report.incomplete,
    notes: report.notes,
    requests: report.requests,
    retries: report.retries,
  };
}
