// Expiry watch: which credentials this machine wrote into kubeconfig files (the local ledger) expire soon, and where
// they still live. A ledger entry only says where a credential WENT; a file may since have been deleted, renewed or
// edited. So a credential counts only for the files (or merged contexts) whose user entry still holds it: the
// token's `jti` claim is compared with the ledger's, and the token itself never leaves this file's functions.
//
// The window logic (`classifyExpiry`) and the "does this kubeconfig hold it" check (`holdersIn`) are pure and unit
// tested; `findExpiring` reads the ledger and the files. No cluster is contacted.

import { promises as fs } from 'node:fs';

import type { KubeconfigDocument } from '../kubeconfig/build';
import { KubeconfigFileError, parseKubeconfigText } from '../kubeconfig/merge';
import { ledgerPath, readLedger, type LedgerEntry } from './ledger';
import { shortCredentialId, tokenClaims } from './model';

/** Where a credential still lives: a file (or a merged file's context) and the user entries holding its token. */
export interface CredentialPlace {
  kind: 'file' | 'merge';
  path: string;
  /** For merged entries: the context the ledger recorded. */
  context?: string;
  /** The kubeconfig user entries whose token is this credential. */
  users: string[];
  /** Contexts of the file that use those users. */
  contexts: string[];
}

export interface WatchedCredential {
  entry: LedgerEntry;
  expiresAt: string;
  /** Negative when already expired. */
  expiresInSeconds: number;
  places: CredentialPlace[];
}

export interface ExpiryReport {
  now: string;
  withinSeconds: number;
  /** Still valid, expiring inside the window; soonest first. */
  expiring: WatchedCredential[];
  /** Already expired but still in a file; most recent first. */
  expired: WatchedCredential[];
}

export const DEFAULT_EXPIRY_WINDOW_SECONDS = 7 * 86400;

/**
 * Splits the entries that expire by `now + withinSeconds` into still-valid and already-expired (entries without an
 * expiry, or expiring later, are left out). Pure.
 */
export function classifyExpiry<T extends { expiresAt?: string }>(
  entries: T[],
  now: Date,
  withinSeconds: number,
): { expiring: T[]; expired: T[] } {
  const horizon = now.getTime() + withinSeconds * 1000;
  const dated = entries.filter((e) => e.expiresAt !== undefined && Number.isFinite(Date.parse(e.expiresAt)));
  const at = (e: T) => Date.parse(e.expiresAt!);
  return {
    expiring: dated.filter((e) => at(e) > now.getTime() && at(e) <= horizon).sort((a, b) => at(a) - at(b)),
    expired: dated.filter((e) => at(e) <= now.getTime()).sort((a, b) => at(b) - at(a)),
  };
}

/** Whether a token (read from a kubeconfig) is the ledger entry's credential; compares jti claims only. Pure. */
export function tokenIsCredential(token: unknown, entry: Pick<LedgerEntry, 'id' | 'jti'>): boolean {
  if (typeof token !== 'string' || token === '') return false;
  const jti = tokenClaims(token).jti;
  if (!jti) return false;
  return entry.jti ? jti === entry.jti : shortCredentialId(jti) === entry.id;
}

/**
 * The user entries of `doc` that hold the credential, and the contexts using them; with `context`, only that
 * context's user counts. Pure.
 */
export function holdersIn(
  doc: KubeconfigDocument,
  entry: Pick<LedgerEntry, 'id' | 'jti'>,
  context?: string,
): { users: string[]; contexts: string[] } {
  const contexts = doc.contexts ?? [];
  let candidates = (doc.users ?? []).filter((u) => tokenIsCredential(u.user?.token, entry)).map((u) => u.name);
  if (context !== undefined) {
    const user = contexts.find((c) => c.name === context)?.context?.user;
    candidates = candidates.filter((name) => name === user);
  }
  return {
    users: candidates,
    contexts: contexts.filter((c) => candidates.includes(c.context?.user)).map((c) => c.name),
  };
}

/** Reads a kubeconfig; undefined when it is gone or unreadable as one (then it holds nothing we can renew). */
export async function readKubeconfigFile(file: string): Promise<KubeconfigDocument | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  try {
    return parseKubeconfigText(text, file);
  } catch (err) {
    if (err instanceof KubeconfigFileError) return undefined;
    throw err;
  }
}

/** The files (and merged contexts) recorded for `entry` that still hold its token. */
export async function placesOf(
  entry: LedgerEntry,
  read: (file: string) => Promise<KubeconfigDocument | undefined> = readKubeconfigFile,
): Promise<CredentialPlace[]> {
  const places: CredentialPlace[] = [];
  for (const d of entry.destinations) {
    if (d.kind !== 'file' && d.kind !== 'merge') continue;
    const doc = await read(d.path);
    if (!doc) continue;
    const context = d.kind === 'merge' ? d.context : undefined;
    const held = holdersIn(doc, entry, context);
    if (held.users.length === 0) continue;
    // One place per file: a renewal writes each file once (a second write would find the old token gone).
    if (places.some((p) => p.path === d.path)) continue;
    places.push({ kind: d.kind, path: d.path, ...(context ? { context } : {}), ...held });
  }
  return places;
}

export interface FindExpiringOptions {
  now?: Date;
  /** The ledger file (default ledgerPath()). */
  ledger?: string;
}

/** The ledger's credentials that expire within the window (or have expired) and still live in a kubeconfig file. */
export async function findExpiring(withinSeconds: number, options: FindExpiringOptions = {}): Promise<ExpiryReport> {
  const now = options.now ?? new Date();
  const ledger = await readLedger(options.ledger ?? ledgerPath());
  const { expiring, expired } = classifyExpiry(ledger.entries, now, withinSeconds);
  // Each file is read once however many entries point at it.
  const cache = new Map<string, Promise<KubeconfigDocument | undefined>>();
  const read = (file: string) => {
    let doc = cache.get(file);
    if (!doc) cache.set(file, (doc = readKubeconfigFile(file)));
    return doc;
  };
  const watch = async (entries: LedgerEntry[]): Promise<WatchedCredential[]> => {
    const out: WatchedCredential[] = [];
    for (const entry of entries) {
      const places = await placesOf(entry, read);
      if (places.length === 0) continue;
      const expiresAt = entry.expiresAt!;
      out.push({
        entry,
        expiresAt,
        expiresInSeconds: Math.round((Date.parse(expiresAt) - now.getTime()) / 1000),
        places,
      });
    }
    return out;
  };
  return {
    now: now.toISOString(),
    withinSeconds,
    expiring: await watch(expiring),
    expired: await watch(expired),
  };
}

/** "in 3h20m" / "2d ago", rounded to what matters at that distance. Pure. */
export function describeExpiresIn(seconds: number): string {
  const abs = Math.abs(seconds);
  const d = Math.floor(abs / 86400);
  const h = Math.floor((abs % 86400) / 3600);
  const m = Math.floor((abs % 3600) / 60);
  const text = d > 0 ? `${d}d${h > 0 ? `${h}h` : ''}` : h > 0 ? `${h}h${m > 0 ? `${m}m` : ''}` : `${Math.max(m, 1)}m`;
  return seconds >= 0 ? `in ${text}` : `${text} ago`;
}

/** Where a credential lives, in one line: "a.kubeconfig, ~/.kube/config [ctx]". Pure. */
export function describePlaces(places: CredentialPlace[]): string {
  return places.map((p) => `${p.path}${p.kind === 'merge' ? ` [${p.contexts.join(', ')}]` : ''}`).join(', ');
}

/** The key a watched credential is remembered by (for "notified today"). Pure. */
export function watchKey(c: WatchedCredential): string {
  return `${c.entry.server} ${c.entry.namespace} ${c.entry.id}`;
}

/** A local calendar day, "2026-12-01": notices are once per credential per day. Pure. */
export function localDay(now: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/**
 * Which expiring credentials get a notice today (not noticed yet today), and the memory to keep (only keys still
 * expiring, so that it does not grow). Pure.
 */
export function noticesDue(
  expiring: WatchedCredential[],
  noticed: Record<string, string>,
  today: string,
): { due: WatchedCredential[]; remember: Record<string, string> } {
  const due = expiring.filter((c) => noticed[watchKey(c)] !== today);
  const remember: Record<string, string> = {};
  for (const c of expiring) remember[watchKey(c)] = today;
  return { due, remember };
}
