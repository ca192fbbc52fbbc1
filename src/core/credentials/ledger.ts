// The local ledger: where this machine wrote each credential it issued (file, merged file + context, editor), so
// that `list` can say where a credential went and a revoke can say which files now hold a dead token. It lives in
// `${XDG_CONFIG_HOME:-~/.config}/sa-kubeconfig/ledger.json` (SA_KUBECONFIG_LEDGER overrides it), mode 0600, written
// atomically. It NEVER holds a token: only names, ids, paths and times.
//
// Concurrent writers (two CLIs, the CLI and the extension) must not lose entries: a writer takes a lock file
// (O_EXCL), re-reads the ledger, merges its change in and writes it back. A lock older than 30 s is stale (its
// writer died) and is taken over.

import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { writeSecretFile } from '../fs/secretFile';
import type { CredentialDestination, CredentialKind } from './model';

export const LEDGER_ENV = 'SA_KUBECONFIG_LEDGER';

export interface LedgerEntry {
  /** API server URL: with namespace and secretName/id it names the credential. */
  server: string;
  context: string;
  namespace: string;
  serviceAccount: string;
  /** The credential's id (short jti, or the Secret name). */
  id: string;
  jti?: string;
  kind: CredentialKind;
  secretName?: string;
  note?: string;
  issuedAt: string;
  expiresAt?: string;
  destinations: CredentialDestination[];
}

export interface Ledger {
  version: 1;
  entries: LedgerEntry[];
}

/** Where the ledger lives for this environment. Pure. */
export function ledgerPath(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  if (env[LEDGER_ENV]) return path.resolve(env[LEDGER_ENV]);
  const config =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(config, 'sa-kubeconfig', 'ledger.json');
}

/** The key that says two entries are the same credential. Pure. */
export function entryKey(e: Pick<LedgerEntry, 'server' | 'namespace' | 'id'>): string {
  return `${e.server}\u0000${e.namespace}\u0000${e.id}`;
}

function sameDestination(a: CredentialDestination, b: CredentialDestination): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * Adds or updates entries (destinations are unioned), and drops entries whose expiry is more than 30 days past
 * (nobody needs to know where a long-dead token went). Pure.
 */
export function mergeLedgerEntries(
  current: LedgerEntry[],
  changes: LedgerEntry[],
  now: Date = new Date(),
): LedgerEntry[] {
  const byKey = new Map<string, LedgerEntry>();
  for (const e of current) byKey.set(entryKey(e), e);
  for (const change of changes) {
    const key = entryKey(change);
    const old = byKey.get(key);
    if (!old) {
      byKey.set(key, { ...change, destinations: [...change.destinations] });
      continue;
    }
    const destinations = [...old.destinations];
    for (const d of change.destinations) if (!destinations.some((x) => sameDestination(x, d))) destinations.push(d);
    byKey.set(key, { ...old, ...change, destinations });
  }
  const cutoff = now.getTime() - 30 * 86400_000;
  return [...byKey.values()].filter((e) => !e.expiresAt || Date.parse(e.expiresAt) > cutoff);
}

/** Entries without the ones `remove` names. Pure. */
export function removeLedgerEntries(
  current: LedgerEntry[],
  remove: Pick<LedgerEntry, 'server' | 'namespace' | 'id'>[],
): LedgerEntry[] {
  const gone = new Set(remove.map(entryKey));
  return current.filter((e) => !gone.has(entryKey(e)));
}

/** Only the fields a ledger entry may hold, whatever the input carried (defence against a token slipping in). Pure. */
export function sanitizeEntry(e: LedgerEntry): LedgerEntry {
  const destinations = e.destinations.map((d): CredentialDestination => {
    switch (d.kind) {
      case 'file':
        return { kind: 'file', path: d.path };
      case 'merge':
        return { kind: 'merge', path: d.path, ...(d.context ? { context: d.context } : {}) };
      default:
        return { kind: d.kind };
    }
  });
  return {
    server: e.server,
    context: e.context,
    namespace: e.namespace,
    serviceAccount: e.serviceAccount,
    id: e.id,
    ...(e.jti ? { jti: e.jti } : {}),
    kind: e.kind,
    ...(e.secretName ? { secretName: e.secretName } : {}),
    ...(e.note ? { note: e.note } : {}),
    issuedAt: e.issuedAt,
    ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
    destinations,
  };
}

/**
 * Parses the ledger file's text; anything unreadable is an empty ledger (it is a convenience,
 * not a source of truth). Pure.
 */
export function parseLedger(text: string | undefined): Ledger {
  if (!text) return { version: 1, entries: [] };
  try {
    const parsed = JSON.parse(text) as Partial<Ledger>;
    const entries = Array.isArray(parsed.entries)
      ? parsed.entries.filter(
          (e): e is LedgerEntry =>
            typeof e === 'object' &&
            e !== null &&
            typeof e.server === 'string' &&
            typeof e.namespace === 'string' &&
            typeof e.id === 'string' &&
            Array.isArray(e.destinations),
        )
      : [];
    return { version: 1, entries };
  } catch {
    return { version: 1, entries: [] };
  }
}

export async function readLedger(file: string = ledgerPath()): Promise<Ledger> {
  try {
    return parseLedger(await fs.readFile(file, 'utf8'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: [] };
    throw err;
  }
}

const STALE_LOCK_MS = 30_000;

async function withLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const lock = `${file}.lock`;
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const deadline = Date.now() + 10_000;
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lock, 'wx', 0o600);
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const stat = await fs.stat(lock).catch(() => undefined);
      if (stat && Date.now() - stat.mtimeMs > STALE_LOCK_MS) {
        await fs.rm(lock, { force: true });
        continue;
      }
      if (Date.now() > deadline)
        throw new Error(
          `The ledger ${file} is locked by another process (${lock}); ` +
            'try again, or remove the lock file if no sa-kubeconfig runs.',
        );
      await new Promise((r) => setTimeout(r, Math.min(200, 10 * 2 ** attempt) + Math.random() * 10));
    }
  }
  try {
    return await fn();
  } finally {
    await fs.rm(lock, { force: true });
  }
}

/** Re-reads the ledger under the lock, applies `change` and writes it back 0600, atomically. */
export async function updateLedger(
  change: (entries: LedgerEntry[]) => LedgerEntry[],
  file: string = ledgerPath(),
): Promise<Ledger> {
  return withLock(file, async () => {
    const current = await readLedger(file);
    const next: Ledger = { version: 1, entries: change(current.entries).map(sanitizeEntry) };
    await writeSecretFile(file, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  });
}

/** Records where credentials went (merged with what is there). */
export function recordCredentials(entries: LedgerEntry[], file: string = ledgerPath()): Promise<Ledger> {
  return updateLedger((current) => mergeLedgerEntries(current, entries), file);
}

/** Forgets revoked credentials. */
export function forgetCredentials(
  keys: Pick<LedgerEntry, 'server' | 'namespace' | 'id'>[],
  file: string = ledgerPath(),
): Promise<Ledger> {
  return updateLedger((current) => removeLedgerEntries(current, keys), file);
}
