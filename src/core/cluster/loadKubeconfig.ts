// Loads the caller's kubeconfig the way kubectl (client-go's ClientConfigLoadingRules) does:
//  - an explicit path wins and must exist;
//  - else every file in KUBECONFIG (path-delimiter separated, duplicates and missing files ignored);
//  - else ~/.kube/config.
// Merging follows kubectl: the first file to define a named cluster/user/context wins, the first file
// that sets current-context wins, and relative file references resolve against the file that holds them.

import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { SaKubeconfigError } from '../errors';

/** The raw YAML shape of a kubeconfig (only what we read; every other field is kept as-is). */
export interface RawKubeconfig {
  apiVersion?: string;
  kind?: string;
  clusters?: { name: string; cluster: Record<string, unknown> }[];
  users?: { name: string; user: Record<string, unknown> }[];
  contexts?: { name: string; context: { cluster?: string; user?: string; namespace?: string; [k: string]: unknown } }[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KubeconfigSource {
  /** Absolute path the document came from (used for error messages and relative paths). */
  path: string;
  doc: RawKubeconfig;
}

/** Which files kubectl would read, in order. Pure except for reading the environment it is given. */
export function kubeconfigPaths(
  explicitPath: string | undefined,
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): { paths: string[]; explicit: boolean } {
  if (explicitPath) return { paths: [path.resolve(explicitPath)], explicit: true };
  const fromEnv = env.KUBECONFIG;
  if (fromEnv && fromEnv.length > 0) {
    const seen = new Set<string>();
    const paths: string[] = [];
    for (const p of fromEnv.split(path.delimiter)) {
      if (!p) continue;
      const abs = path.resolve(p);
      if (seen.has(abs)) continue;
      seen.add(abs);
      paths.push(abs);
    }
    return { paths, explicit: false };
  }
  return { paths: [path.join(home, '.kube', 'config')], explicit: false };
}

/** Parses one kubeconfig file's text; throws a clear error naming the file when it is not a kubeconfig. Pure. */
export function parseKubeconfig(text: string, file: string): RawKubeconfig {
  let doc: unknown;
  try {
    doc = yaml.load(text);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new SaKubeconfigError('kubeconfig', `${file} is not valid YAML: ${reason}`, {
      hint: 'Fix the file (or remove it from KUBECONFIG) and try again.',
    });
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) {
    throw new SaKubeconfigError(
      'kubeconfig',
      `${file} is not a kubeconfig (expected a mapping with clusters, users and contexts).`,
    );
  }
  const raw = doc as RawKubeconfig;
  for (const key of ['clusters', 'users', 'contexts'] as const) {
    if (raw[key] !== undefined && raw[key] !== null && !Array.isArray(raw[key])) {
      throw new SaKubeconfigError('kubeconfig', `${file}: "${key}" must be a list.`);
    }
  }
  return raw;
}

const FILE_FIELDS: Record<'cluster' | 'user', string[]> = {
  cluster: ['certificate-authority'],
  // tokenFile is kubectl's field; token-file is what client-node reads (auth.ts takes both).
  user: ['client-certificate', 'client-key', 'tokenFile', 'token-file'],
};

/** Resolves relative file references against the kubeconfig's own folder, as client-go does. Pure. */
export function resolveRelativePaths(doc: RawKubeconfig, file: string): RawKubeconfig {
  const dir = path.dirname(file);
  const fix = (entry: Record<string, unknown> | undefined, fields: string[]): Record<string, unknown> | undefined => {
    if (!entry || typeof entry !== 'object') return entry;
    const out: Record<string, unknown> = { ...entry };
    for (const f of fields) {
      const v = out[f];
      if (typeof v === 'string' && v !== '' && !path.isAbsolute(v)) out[f] = path.join(dir, v);
    }
    const exec = out.exec as { command?: string } | undefined;
    // client-go resolves an exec command relative to the kubeconfig only when it contains a separator.
    if (exec && typeof exec.command === 'string' && exec.command.includes('/') && !path.isAbsolute(exec.command)) {
      out.exec = { ...exec, command: path.join(dir, exec.command) };
    }
    return out;
  };
  return {
    ...doc,
    clusters: (doc.clusters ?? [])
      .filter(Boolean)
      .map((c) => ({ ...c, cluster: fix(c.cluster, FILE_FIELDS.cluster) as Record<string, unknown> })),
    users: (doc.users ?? [])
      .filter(Boolean)
      .map((u) => ({ ...u, user: fix(u.user, FILE_FIELDS.user) as Record<string, unknown> })),
    contexts: (doc.contexts ?? []).filter(Boolean),
  };
}

/** kubectl's merge: first definition of each name wins; first non-empty current-context wins. Pure. */
export function combineLoadedKubeconfigs(sources: KubeconfigSource[]): RawKubeconfig {
  const merged: Required<Pick<RawKubeconfig, 'clusters' | 'users' | 'contexts'>> & RawKubeconfig = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [],
    users: [],
    contexts: [],
    preferences: {},
  };
  const seen = { clusters: new Set<string>(), users: new Set<string>(), contexts: new Set<string>() };
  for (const { doc } of sources) {
    for (const key of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of (doc[key] ?? []) as { name: string }[]) {
        if (!entry || typeof entry.name !== 'string' || seen[key].has(entry.name)) continue;
        seen[key].add(entry.name);
        (merged[key] as unknown[]).push(entry);
      }
    }
    if (!merged['current-context'] && doc['current-context']) merged['current-context'] = doc['current-context'];
  }
  return merged;
}

export interface LoadedKubeconfig {
  /** The merged raw document (what kubectl would see). Contains credentials: never log it. */
  raw: RawKubeconfig;
  /** Files that were actually read. */
  files: string[];
  contextName: string;
  /** The context's namespace, or `default`. */
  namespace: string;
  clusterName: string;
  userName: string;
  server: string;
}

export interface LoadKubeconfigOptions {
  /** An explicit kubeconfig file (like `--kubeconfig`); otherwise KUBECONFIG / ~/.kube/config. */
  kubeconfigPath?: string;
  /** Context to select; otherwise the current context. */
  context?: string;
  env?: NodeJS.ProcessEnv;
  home?: string;
}

/** Reads and merges the files, then selects a context. Throws SaKubeconfigError('kubeconfig') with a clear message. */
export function loadKubeconfig(options: LoadKubeconfigOptions = {}): LoadedKubeconfig {
  const { raw, files } = readMergedKubeconfig(options);
  return selectContext(raw, files, options.context);
}

/** Reads and merges the files kubectl would read, without selecting a context. */
export function readMergedKubeconfig(options: Omit<LoadKubeconfigOptions, 'context'> = {}): {
  raw: RawKubeconfig;
  files: string[];
} {
  const { paths, explicit } = kubeconfigPaths(
    options.kubeconfigPath,
    options.env ?? process.env,
    options.home ?? homedir(),
  );
  const sources: KubeconfigSource[] = [];
  for (const file of paths) {
    if (!existsSync(file)) {
      if (explicit)
        throw new SaKubeconfigError('kubeconfig', `Kubeconfig file ${file} does not exist.`, {
          hint: 'Check the path you gave.',
        });
      continue;
    }
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new SaKubeconfigError('kubeconfig', `Cannot read kubeconfig ${file}: ${(err as Error).message}`, {
        hint: 'Check the file permissions.',
      });
    }
    sources.push({ path: file, doc: resolveRelativePaths(parseKubeconfig(text, file), file) });
  }
  if (sources.length === 0) {
    throw new SaKubeconfigError('kubeconfig', `No kubeconfig found (looked at ${paths.join(', ')}).`, {
      hint: "Set KUBECONFIG or create ~/.kube/config (your cluster provider's CLI usually writes it).",
    });
  }
  return { raw: combineLoadedKubeconfigs(sources), files: sources.map((s) => s.path) };
}

/** Builds a KubeConfig from already-merged raw data and selects a context. */
export function selectContext(raw: RawKubeconfig, files: string[], context?: string): LoadedKubeconfig {
  const where = files.length === 1 ? files[0] : `the merged kubeconfig (${files.join(', ')})`;
  const contextName = context || raw['current-context'];
  if (!contextName) {
    throw new SaKubeconfigError('kubeconfig', `No context selected and ${where} has no current-context.`, {
      hint: 'Pick a context (`kubectl config get-contexts`) or set one with `kubectl config use-context NAME`.',
    });
  }
  const ctx = (raw.contexts ?? []).find((c) => c.name === contextName);
  if (!ctx) {
    const known = (raw.contexts ?? []).map((c) => c.name).join(', ') || 'none';
    throw new SaKubeconfigError('kubeconfig', `Context "${contextName}" is not in ${where} (contexts: ${known}).`);
  }
  const clusterName = ctx.context?.cluster ?? '';
  const userName = ctx.context?.user ?? '';
  const cluster = (raw.clusters ?? []).find((c) => c.name === clusterName);
  if (!cluster)
    throw new SaKubeconfigError(
      'kubeconfig',
      `Context "${contextName}" refers to cluster "${clusterName}", which is not in ${where}.`,
    );
  const server = cluster.cluster?.server;
  if (typeof server !== 'string' || !server)
    throw new SaKubeconfigError('kubeconfig', `Cluster "${clusterName}" in ${where} has no server address.`);
  if (userName && !(raw.users ?? []).some((u) => u.name === userName)) {
    throw new SaKubeconfigError(
      'kubeconfig',
      `Context "${contextName}" refers to user "${userName}", which is not in ${where}.`,
    );
  }
  return {
    raw,
    files,
    contextName,
    clusterName,
    userName,
    server,
    namespace: ctx.context?.namespace || 'default',
  };
}

/** Loads a kubeconfig from YAML text (for example a generated one), selecting its current or given context. */
export function loadKubeconfigFromString(text: string, context?: string, label = 'the kubeconfig'): LoadedKubeconfig {
  const doc = parseKubeconfig(text, label);
  return selectContext(combineLoadedKubeconfigs([{ path: label, doc }]), [label], context);
}

/** The selected context's cluster and user entries (empty objects when absent or malformed). Pure. */
export function selectedEntries(loaded: LoadedKubeconfig): {
  cluster: Record<string, unknown>;
  user: Record<string, unknown>;
} {
  const entry = (v: unknown): Record<string, unknown> =>
    v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  const cluster = (loaded.raw.clusters ?? []).find((c) => c.name === loaded.clusterName)?.cluster;
  const user = loaded.userName ? (loaded.raw.users ?? []).find((u) => u.name === loaded.userName)?.user : undefined;
  return { cluster: entry(cluster), user: entry(user) };
}

/** The CA bundle of the selected cluster as PEM text, from certificate-authority-data or the file. */
export function clusterCaPem(loaded: LoadedKubeconfig): string | undefined {
  const { cluster } = selectedEntries(loaded);
  const data = cluster['certificate-authority-data'];
  if (typeof data === 'string' && data) return Buffer.from(data, 'base64').toString('utf8');
  const file = cluster['certificate-authority'];
  if (typeof file === 'string' && file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  }
  return undefined;
}
