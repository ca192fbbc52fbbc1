// kubectl's kubeconfig lock: `<file>.lock`, created exclusively (O_EXCL) around a read-modify-write and removed
// after it, so that two writers (two sa-kubeconfig runs, or sa-kubeconfig and `kubectl config`) never lose each
// other's entries. kubectl gives up at once when the lock exists; we retry with backoff for a while, and remove a
// lock older than `staleMs` (left behind by a killed process: kubectl holds it for milliseconds).
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

import { sleep } from '../cluster/util';

export interface FileLockOptions {
  /** Give up after this long (default 15 s). */
  timeoutMs?: number;
  /** A lock file older than this is stale and removed (default 60 s). */
  staleMs?: number;
  signal?: AbortSignal;
}

/** The lock is held by someone else for longer than we wait. */
export class FileLockedError extends Error {
  constructor(
    readonly lockFile: string,
    waitedMs: number,
  ) {
    super(
      `${lockFile} exists: another program is writing the file (waited ${Math.round(waitedMs / 1000)} s). ` +
        'Try again; if no kubectl or sa-kubeconfig is running, remove the lock file.',
    );
    this.name = 'FileLockedError';
  }
}

export function lockFileFor(file: string): string {
  return `${file}.lock`;
}

/** Takes `<file>.lock`; resolves to a function that releases it. */
export async function acquireFileLock(file: string, options: FileLockOptions = {}): Promise<() => Promise<void>> {
  const lock = lockFileFor(file);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const staleMs = options.staleMs ?? 60_000;
  const started = Date.now();
  await fs.mkdir(path.dirname(lock), { recursive: true, mode: 0o700 });
  for (let attempt = 0; ; attempt++) {
    try {
      const handle = await fs.open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`).finally(() => handle.close());
      return () => fs.rm(lock, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (await removeIfStale(lock, staleMs)) continue;
    const waited = Date.now() - started;
    if (waited >= timeoutMs) throw new FileLockedError(lock, waited);
    // 5 ms doubling to 250 ms, with jitter so that parallel writers do not retry in step.
    const delay = Math.min(250, 5 * 2 ** Math.min(attempt, 6));
    await sleep(delay / 2 + Math.random() * delay, options.signal);
  }
}

/** Removes a lock older than staleMs; true when it did (or the lock vanished meanwhile). */
async function removeIfStale(lock: string, staleMs: number): Promise<boolean> {
  let mtimeMs: number;
  try {
    mtimeMs = (await fs.stat(lock)).mtimeMs;
  } catch {
    return true;
  }
  if (Date.now() - mtimeMs < staleMs) return false;
  // Rename first: of two processes seeing the same stale lock, only one gets to remove it.
  const aside = `${lock}.stale-${randomBytes(4).toString('hex')}`;
  try {
    await fs.rename(lock, aside);
  } catch {
    return true;
  }
  await fs.rm(aside, { force: true });
  return true;
}

/**
 * Runs fn holding the locks of all `files` (taken in sorted order, so that two writers of overlapping sets cannot
 * deadlock), and releases them whatever happens.
 */
export async function withFileLocks<T>(
  files: string[],
  fn: () => Promise<T>,
  options: FileLockOptions = {},
): Promise<T> {
  const releases: (() => Promise<void>)[] = [];
  try {
    for (const file of [...new Set(files)].sort()) releases.push(await acquireFileLock(file, options));
    return await fn();
  } finally {
    for (const release of releases.reverse()) await release().catch(() => undefined);
  }
}
