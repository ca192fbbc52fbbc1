// Merging a generated kubeconfig into an existing file (typically ~/.kube/config) without silently replacing
// anybody's clusters, users or contexts.
//
// With several files (KUBECONFIG=a:b) it writes where kubectl would: an entry that exists goes to the file that
// holds it, a new one to the first existing file; clashes are checked against the merged view (what kubectl
// sees), and a current-context goes to the file whose current-context is in effect, so nothing is shadowed.
// Every read-modify-write holds kubectl's `<file>.lock`; a bounded number of 0600 backups is kept.
import { promises as fs } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import * as yaml from 'js-yaml';

import { withFileLocks, type FileLockOptions } from '../fs/fileLock';
import { backupSecretFile, pruneBackups, writeSecretFile } from '../fs/secretFile';
import type { KubeconfigDocument, NamedCluster, NamedContext, NamedUser } from './build';
import { KubeconfigConflictError, KubeconfigFileError, type Clash, type Section } from './mergeErrors';

/**
 * What to do when an entry of the same name but different content exists: refuse, add a "-2" copy, or replace
 * (explicit consent).
 */
export type ConflictStrategy = 'refuse' | 'rename' | 'overwrite';
export const CONFLICT_STRATEGIES: readonly ConflictStrategy[] = ['refuse', 'rename', 'overwrite'];

export interface MergeChange {
  section: Section | 'current-context';
  /** The entry's name in the result. */
  name: string;
  action: 'added' | 'renamed' | 'replaced' | 'unchanged' | 'set';
  /** For 'renamed': the name it had in the incoming kubeconfig. */
  renamedFrom?: string;
}

// The two errors of a merge live in mergeErrors.ts (the CLI's error report reads them without loading this file).
export { KubeconfigConflictError, KubeconfigFileError, type Clash } from './mergeErrors';

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

/** Deep equality: the same entry written with its keys in another order is the same entry. */
function same(a: unknown, b: unknown): boolean {
  return isDeepStrictEqual(a, b);
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

/**
 * Checks the shape of a parsed kubeconfig and fills missing sections; returns a problem description or the document.
 */
export function asKubeconfig(value: unknown): KubeconfigDocument | string {
  if (value === null || value === undefined) return emptyKubeconfig();
  if (typeof value !== 'object' || Array.isArray(value))
    return 'it is not a kubeconfig (expected a YAML mapping with clusters, users and contexts)';
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

  const result: KubeconfigDocument = {
    ...base,
    clusters: clusters.merged,
    users: users.merged,
    contexts: contexts.merged,
  };
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
  /** The file new entries went to (symlinks resolved): the first existing file of the chain. */
  path: string;
  changes: MergeChange[];
  created: boolean;
  /** Copy of the previous content of `path` (mode 0600); absent when the file was new or nothing changed. */
  backupPath?: string;
  /** The file's previous permission bits when they were wider than 0600. */
  tightenedFrom?: number;
  /** Every file written (more than `path` when entries or the current-context live in other files of the chain). */
  written?: string[];
}

export interface MergeFileOptions extends MergeOptions {
  now?: Date;
  lock?: FileLockOptions;
}

/**
 * Merges into a kubeconfig file: creates it when missing, refuses a malformed one, backs up the old content to
 * `<file>.bak-<timestamp>` (keeping the last few) and writes atomically with mode 0600, holding `<file>.lock`.
 * A merge that changes nothing writes nothing.
 */
export function mergeKubeconfigIntoFile(
  file: string,
  incoming: KubeconfigDocument,
  strategy: ConflictStrategy,
  options: MergeFileOptions = {},
): Promise<MergeFileResult> {
  return mergeKubeconfigIntoFiles([file], incoming, strategy, options);
}

interface ChainFile {
  path: string;
  text?: string;
  doc?: KubeconfigDocument;
}

const SECTIONS = [
  ['cluster', 'clusters'],
  ['user', 'users'],
  ['context', 'contexts'],
] as const;

/** kubectl's merged view: first definition of each name wins, first non-empty current-context wins. Pure. */
export function mergedView(docs: (KubeconfigDocument | undefined)[]): KubeconfigDocument {
  const view = emptyKubeconfig();
  for (const doc of docs) {
    if (!doc) continue;
    for (const [, key] of SECTIONS) {
      for (const entry of doc[key] ?? []) {
        if (!(view[key] as Named[]).some((e) => e.name === entry.name)) (view[key] as Named[]).push(entry);
      }
    }
    if (!view['current-context'] && doc['current-context']) view['current-context'] = doc['current-context'];
  }
  return view;
}

/** Where kubectl writes a new entry: the first file that exists, else the first file of the chain. */
function defaultFile(chain: ChainFile[]): ChainFile {
  return chain.find((f) => f.text !== undefined) ?? chain[0];
}

async function readChainFile(file: string): Promise<ChainFile> {
  let text: string | undefined;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT') throw new KubeconfigFileError(file, `it cannot be read (${code ?? String(error)})`);
  }
  return { path: file, text, doc: text === undefined ? undefined : parseKubeconfigText(text, file) };
}

/** Reads the files of a kubeconfig chain: their merged view, and the file new entries would go to. */
export async function readKubeconfigChain(
  files: string[],
): Promise<{ view: KubeconfigDocument | undefined; target: string }> {
  const chain = await Promise.all(files.map(readChainFile));
  const exists = chain.some((f) => f.doc);
  return { view: exists ? mergedView(chain.map((f) => f.doc)) : undefined, target: defaultFile(chain).path };
}

/**
 * Merges into the kubeconfig chain `files` (KUBECONFIG's files, in order; one file for an explicit target), the way
 * kubectl modifies it. Holds the lock of every file of the chain while reading and writing, so parallel merges
 * all land.
 */
export async function mergeKubeconfigIntoFiles(
  files: string[],
  incoming: KubeconfigDocument,
  strategy: ConflictStrategy,
  options: MergeFileOptions = {},
): Promise<MergeFileResult> {
  if (files.length === 0) throw new KubeconfigFileError('the kubeconfig', 'no file was given');
  // Lock the files that exist and the one new entries go to; no lock (or folder) for the other missing files.
  const existing = await Promise.all(
    files.map((f) =>
      fs.stat(f).then(
        () => true,
        () => false,
      ),
    ),
  );
  const toLock = files.filter((_, i) => existing[i]);
  return withFileLocks(
    toLock.length > 0 ? toLock : [files[0]],
    async () => {
      const chain = await Promise.all(files.map(readChainFile));
      const target = defaultFile(chain);
      const exists = chain.some((f) => f.doc);
      const view = exists ? mergedView(chain.map((f) => f.doc)) : undefined;
      let merged: MergeResult;
      try {
        merged = mergeKubeconfigs(view, incoming, strategy, options);
      } catch (error) {
        if (error instanceof KubeconfigConflictError)
          throw new KubeconfigConflictError(error.clashes, files.length === 1 ? files[0] : files.join(':'));
        throw error;
      }
      if (view && merged.changes.every((c) => c.action === 'unchanged')) {
        return { path: target.path, changes: merged.changes, created: false };
      }
      // Each changed entry goes to the file that holds that name already, else to the target.
      const edits = new Map<ChainFile, KubeconfigDocument>();
      const docFor = (f: ChainFile) => {
        let doc = edits.get(f);
        if (!doc) {
          doc = f.doc
            ? { ...f.doc, clusters: [...f.doc.clusters], users: [...f.doc.users], contexts: [...f.doc.contexts] }
            : emptyKubeconfig();
          edits.set(f, doc);
        }
        return doc;
      };
      for (const change of merged.changes) {
        if (change.action === 'unchanged') continue;
        if (change.section === 'current-context') {
          // kubectl writes the current-context into the first file that has one: only there does it take effect.
          const holder = chain.find((f) => f.doc?.['current-context']) ?? target;
          docFor(holder)['current-context'] = change.name;
          continue;
        }
        const key = SECTIONS.find(([section]) => section === change.section)![1];
        const entry = (merged.result[key] as Named[]).find((e) => e.name === change.name)!;
        const holder =
          chain.find((f) => (f.doc?.[key] as Named[] | undefined)?.some((e) => e.name === change.name)) ?? target;
        const list = docFor(holder)[key] as Named[];
        const index = list.findIndex((e) => e.name === change.name);
        if (index === -1) list.push(entry);
        else list[index] = entry;
      }
      let result: MergeFileResult = {
        path: target.path,
        changes: merged.changes,
        created: target.text === undefined,
        written: [],
      };
      for (const [f, doc] of edits) {
        const backupPath = f.text === undefined ? undefined : await backupSecretFile(f.path, options.now);
        const written = await writeSecretFile(f.path, yaml.dump(doc, { lineWidth: -1, noRefs: true }));
        if (backupPath) await pruneBackups(f.path);
        result.written!.push(written.path);
        if (f === target) {
          result = {
            ...result,
            path: written.path,
            ...(backupPath ? { backupPath } : {}),
            ...(written.tightenedFrom !== undefined ? { tightenedFrom: written.tightenedFrom } : {}),
          };
        }
      }
      return result;
    },
    options.lock,
  );
}
