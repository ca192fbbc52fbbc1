// `sa-kubeconfig presets [ID]`: the ready-made permission sets and what they grant.
import { findPreset, PRESETS, type Preset } from '../../core/plan/presets';
import { formatRule } from '../../core/plan/rules';
import { UsageError, type ParsedArgs } from '../args';
import { OUTPUT_FLAG, outputFormat, type Command } from '../command';
import { EXIT, printResult, type CliIo } from '../io';

export const presetsCommand: Command = {
  name: 'presets',
  summary: 'List the permission presets usable with --preset, or show one.',
  usage: 'sa-kubeconfig presets [ID] [--output text|json|yaml]',
  flags: [OUTPUT_FLAG],
  run: runPresets,
};

function describePreset(preset: Preset): string {
  return [
    `${preset.id}: ${preset.title}`,
    `  ${preset.description}`,
    ...preset.rules.map((r) => `  --rule ${formatRule(r)}`),
    ...preset.roleRefs.map((r) => `  --${r.kind === 'Role' ? 'role' : 'cluster-role'} ${r.name}`),
  ].join('\n');
}

async function runPresets({ flags, positionals }: ParsedArgs, io: CliIo): Promise<number> {
  if (positionals.length > 1) throw new UsageError('Give at most one preset id.');
  const selected = positionals.length === 1 ? [findPreset(positionals[0])] : [...PRESETS];
  const data = selected.map((p) => ({ ...p, ruleSyntax: p.rules.map(formatRule) }));
  printResult(io, outputFormat(flags), positionals.length === 1 ? data[0] : data, () =>
    selected.map(describePreset).join('\n\n'),
  );
  return EXIT.ok;
}
