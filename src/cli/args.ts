// A small argument parser: --flag value, --flag=value, -x value, boolean flags, comma lists, repeatable flags,
// "--" to end flags, and help text generated from the same specs, so the two never disagree.

export type FlagType = 'boolean' | 'string' | 'list';

export interface FlagSpec {
  name: string;
  type: FlagType;
  short?: string;
  /** Placeholder in help, e.g. NAME. */
  value?: string;
  description: string;
  /** string: may be given several times (values collected); list: always accumulates. */
  repeatable?: boolean;
  choices?: readonly string[];
}

export type FlagValues = Record<string, string | boolean | string[] | undefined>;

export interface ParsedArgs {
  flags: FlagValues;
  positionals: string[];
}

/** The command line is wrong: exit code 2, with the message and a pointer to --help. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const HELP_FLAG: FlagSpec = { name: 'help', short: 'h', type: 'boolean', description: 'Show this help.' };

export function parseArgs(argv: string[], specs: FlagSpec[]): ParsedArgs {
  const all = [...specs, HELP_FLAG];
  const flags: FlagValues = {};
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    const long = arg.startsWith('--');
    const eq = arg.indexOf('=');
    const name = long ? arg.slice(2, eq === -1 ? undefined : eq) : arg.slice(1, eq === -1 ? undefined : eq);
    const spec = long ? all.find((s) => s.name === name) : all.find((s) => s.short === name);
    if (!spec) throw new UsageError(`Unknown flag ${long ? '--' : '-'}${name}.${suggestFlag(name, all)}`);
    const shown = `--${spec.name}`;
    let value: string | undefined = eq === -1 ? undefined : arg.slice(eq + 1);
    if (spec.type === 'boolean') {
      if (value !== undefined && value !== 'true' && value !== 'false')
        throw new UsageError(`${shown} takes no value (or =true/=false).`);
      flags[spec.name] = value !== 'false';
      continue;
    }
    if (value === undefined) {
      value = argv[i + 1];
      if (value === undefined || (value.startsWith('--') && value.length > 2)) {
        throw new UsageError(`${shown} needs a value${spec.value ? ` (${spec.value})` : ''}.`);
      }
      i++;
    }
    if (spec.choices && !spec.choices.includes(value)) {
      throw new UsageError(`${shown} must be one of ${spec.choices.join(', ')}; got "${value}".`);
    }
    if (spec.type === 'list') {
      const items = value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
      flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), ...items];
    } else if (spec.repeatable) {
      flags[spec.name] = [...((flags[spec.name] as string[] | undefined) ?? []), value];
    } else {
      if (flags[spec.name] !== undefined) throw new UsageError(`${shown} is given twice; give it once.`);
      flags[spec.name] = value;
    }
  }
  return { flags, positionals };
}

function suggestFlag(name: string, specs: FlagSpec[]): string {
  const close = specs.find((s) => s.name.startsWith(name) || name.startsWith(s.name) || distance(s.name, name) <= 2);
  return close ? ` Did you mean --${close.name}?` : ' See --help.';
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

// ---- typed accessors, so commands read flags without casts ----

export function stringFlag(flags: FlagValues, name: string): string | undefined {
  const v = flags[name];
  return typeof v === 'string' ? v : undefined;
}

export function listFlag(flags: FlagValues, name: string): string[] {
  const v = flags[name];
  return Array.isArray(v) ? v : typeof v === 'string' ? [v] : [];
}

export function booleanFlag(flags: FlagValues, name: string): boolean {
  return flags[name] === true;
}

/** Throws a UsageError when more than one of the named flags is set. */
export function exclusive(flags: FlagValues, names: string[]): void {
  const set = names.filter((n) => flags[n] !== undefined && flags[n] !== false);
  if (set.length > 1) throw new UsageError(`${set.map((n) => `--${n}`).join(' and ')} cannot be used together.`);
}

export function formatFlagHelp(specs: FlagSpec[]): string {
  const rows = [...specs, HELP_FLAG].map((s) => {
    const short = s.short ? `-${s.short}, ` : '    ';
    const value = s.type === 'boolean' ? '' : ` ${s.value ?? 'VALUE'}`;
    return [`  ${short}--${s.name}${value}`, s.description + (s.choices ? ` (${s.choices.join('|')})` : '')];
  });
  const width = Math.min(36, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, right]) =>
      left.length >= width ? `${left}\n${' '.repeat(width)}${right}` : left.padEnd(width) + right,
    )
    .join('\n');
}
