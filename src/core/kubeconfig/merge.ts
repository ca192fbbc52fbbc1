// Merging a generated kubeconfig into an existing file (typically ~/.kube/config) without silently replacing
// anybody's clusters, users or contexts.
import { promises as fs } from 'node:fs';
import * as yaml from 'js-yaml';
import { backupSecretFile, writeSecretFile } from '../fs/secretFile';
import type { KubeconfigDocument, NamedCluster, NamedContext, NamedUser } from './build';

/** What to do when an entry of the same name but different content exists: refuse, add a "-2" copy, or replace (explicit consent). */
export type ConflictStrategy = 'refuse' | 'rename' | 'overwrite';
export const CONFLICT_STRATEGIES: readonly ConflictStrategy[] = ['refuse', 'rename', 'overwrite'];

type Section = 'cluster' | 'user' | 'context';

export interface MergeChange {
  section: Section | 'current-context';
  /** The entry's name in the result. */
  name: string;
  action: 'added' | 'renamed' | 'replaced' | 'unchanged' | 'set';
  /** For 'renamed': the name it had in the incoming kubeconfig. */
  renamedFrom?: string;
}

export interface Clash {
  section: Section;
  name: string;
}

/** Same-named entries with different content and the 'refuse' strategy. */
export class KubeconfigConflictError extends Error {
  constructor(readonly clashes: Clash[], target = 'the kubeconfig') {
    super(
      `${target} already has ${clashes.map((c) => `${c.section} "${c.name}"`).join(', ')} with different content. ` +
        'Nothing was changed. Choose another --name-prefix, or --on-conflict rename (adds "-2", "-3", ...) or --on-conflict overwrite (replaces them).',
    );
    this.name = 'KubeconfigConflictError';
  }
}

/** A kubeconfig file that cannot be read or understood; it was left as it was. */
export class KubeconfigFileError extends Error {
  constructor(readonly file: string, problem: string) {
    super(`Cannot merge into ${file}: ${problem}. The file was not changed; fix it, or merge into another file.`);
    this.name = 'KubeconfigFileError';
  }
}

export interface MergeOptions {
  /** Make the incoming current-context the file's current context. By default an existing current-context is kept. */
  setCurrentContext?: boolean;
}

export interface MergeResult {
  result: KubeconfigDocument;
  changes: MergeChange[];
}

function emptyKubeconfig(): KubeconfigDocument {
  return { apiVersion: 'v1', kind: 'Config', clusters: [], users: [], contexts: [], preferences: {} };
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** First of name, name-2, name-3, ... not in `taken`. */
function freeName(name: string, taken: Set<string>): string {
  if (!taken.has(name)) return name;
  let n = 2;
  while (taken.has(`${name}-${n}`)) n++;
  return `${name}-${n}`;
}

interface Named {
  name: string;
}

/**
 * Merges one section; returns the merged entries, the changes, the clashes (only for 'refuse') and how incoming
 * names were renamed, so that references to them can be rewritten.
 */
function mergeSection<T extends Named>(section: Section, existing: T[], incoming: T[], strategy: ConflictStrategy) {
  const merged = [...existing];
  const changes: MergeChange[] = [];
  const clashes: Clash[] = [];
  const renames = new Map<string, string>();
  const taken = new Set([...existing.map((e) => e.name), ...incoming.map((e) => e.name)]);
  for (const entry of incoming) {
    const index = merged.findIndex((e) => e.name === entry.name);
    if (index === -1) {
      merged.push(entry);
      changes.push({ section, name: entry.name, action: 'added' });
    } else if (same(merged[index], entry)) {
      changes.push({ section, name: entry.name, action: 'unchanged' });
    } else if (strategy === 'overwrite') {
      merged[index] = entry;
      changes.push({ section, name: entry.name, action: 'replaced' });
    } else if (strategy === 'rename') {
      const name = freeName(entry.name, taken);
      taken.add(name);
      renames.set(entry.name, name);
      merged.push({ ...entry, name });
      changes.push({ section, name, action: 'renamed', renamedFrom: entry.name });
    } else {
      clashes.push({ section, name: entry.name });
    }
  }
  return { merged, changes, clashes, renames };
}

/** Checks the shape of a parsed kubeconfig and fills missing sections; returns a problem description or the document. */
export function asKubeconfig(value: unknown): KubeconfigDocument | string {
  if (value === null || value === undefined) return emptyKubeconfig();
  if (typeof value !== 'object' || Array.isArray(value)) return 'it is not a kubeconfig (expected a YAML mapping with clusters, users and contexts)';
  const doc = { ...(value as Record<string, unknown>) };
  for (const section of ['clusters', 'users', 'contexts'] as const) {
    const entries = doc[section] ?? [];
    if (!Array.isArray(entries)) return `"${section}" is not a list`;
    const bad = entries.findIndex((e) => e === null || typeof e !== 'object' || typeof (e as Named).name !== 'string');
    if (bad !== -1) return `entry ${bad + 1} of "${section}" has no name`;
    doc[section] = entries;
  }
  doc.apiVersion ??= 'v1';
  doc.kind ??= 'Config';
  return doc as KubeconfigDocument;
}

/** Merges `incoming` into `existing` (which is not modified) following `strategy`. */
export function mergeKubeconfigs(
  existing: KubeconfigDocument | undefined,
  incoming: KubeconfigDocument,
  strategy: ConflictStrategy,
  options: MergeOptions = {},
): MergeResult {
  const base = existing ?? emptyKubeconfig();
  const clusters = mergeSection<NamedCluster>('cluster', base.clusters ?? [], incoming.clusters, strategy);
  const users = mergeSection<NamedUser>('user', base.users ?? [], incoming.users, strategy);
  // Contexts are compared after their references follow any renamed cluster or user.
  const incomingContexts = incoming.contexts.map((c) => ({
    ...c,
    context: {
      ...c.context,
      cluster: clusters.renames.get(c.context.cluster) ?? c.context.cluster,
      user: users.renames.get(c.context.user) ?? c.context.user,
    },
  }));
  const contexts = mergeSection<NamedContext>('context', base.contexts ?? [], incomingContexts, strategy);
  const clashes = [...clusters.clashes, ...users.clashes, ...contexts.clashes];
  if (clashes.length > 0) throw new KubeconfigConflictError(clashes);

  const result: KubeconfigDocument = { ...base, clusters: clusters.merged, users: users.merged, contexts: contexts.merged };
  const changes = [...clusters.changes, ...users.changes, ...contexts.changes];
  const incomingCurrent = incoming['current-context'];
  if (incomingCurrent && (options.setCurrentContext || !base['current-context'])) {
    const name = contexts.renames.get(incomingCurrent) ?? incomingCurrent;
    if (result['current-context'] !== name) {
      result['current-context'] = name;
      changes.push({ section: 'current-context', name, action: 'set' });
    }
  }
  return { result, changes };
}

/** Parses kubeconfig text, throwing a KubeconfigFileError that names the file and the problem. */
export function parseKubeconfigText(text: string, file: string): KubeconfigDocument {
  let parsed: unknown;
  try {
    parsed = yaml.load(text);
  } catch (error) {
    const reason = error instanceof yaml.YAMLException ? error.message.split('\n')[0] : String(error);
    throw new KubeconfigFileError(file, `it is not valid YAML (${reason})`);
  }
  const doc = asKubeconfig(parsed);
  if (typeof doc === 'string') throw new KubeconfigFileError(file, doc);
  return doc;
}

export interface MergeFileResult {
  /** The file written (symlinks resolved). */
  path: string;
  changes: MergeChange[];
  created: boolean;
  /** Copy of the previous content (mode 0600); absent when the file was new or nothing changed. */
  backupPath?: string;
  /** The file's previous permission bits when they were wider than 0600. */
  tightenedFrom?: number;
}

/**
 * Merges into a kubeconfig file: creates it when missing, refuses a malformed one, backs up the old content to
 * `<file>.bak-<timestamp>` and writes atomically with mode 0600. A merge that changes nothing writes nothing.
 */
export async function mergeKubeconfigIntoFile(
  file: string,
  incoming: KubeconfigDocument,
  strategy: ConflictStrategy,
  options: MergeOptions & { now?: Date } = {},
): Promise<MergeFileResult> {
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new KubeconfigFileError(file, `it cannot be read (${code ?? String(error)})`);
  }
  const existing = text === undefined ? undefined : parseKubeconfigText(text, file);
  let merged: MergeResult;
  try {
    merged = mergeKubeconfigs(existing, incoming, strategy, options);
  } catch (error) {
    if (error instanceof KubeconfigConflictError) throw new KubeconfigConflictError(error.clashes, file);
    throw error;
  }
  if (existing && merged.changes.every((c) => c.action === 'unchanged')) {
    return { path: file, changes: merged.changes, created: false };
  }
  const backupPath = text === undefined ? undefined : await backupSecretFile(file, options.now);
  const written = await writeSecretFile(file, yaml.dump(merged.result, { lineWidth: -1, noRefs: true }));
  return {
    path: written.path,
    changes: merged.changes,
    created: text === undefined,
    ...(backupPath ? { backupPath } : {}),
    ...(written.tightenedFrom !== undefined ? { tightenedFrom: written.tightenedFrom } : {}),
  };
}
