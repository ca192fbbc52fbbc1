// Writing files that hold credentials: owner-only (0600) and atomic, so a reader never sees half a kubeconfig
// and a crash never leaves a truncated one.
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export const SECRET_FILE_MODE = 0o600;

export interface SecretFileResult {
  /** The file written; symlinks are followed so that a linked ~/.kube/config stays linked. */
  path: string;
  created: boolean;
  /** Permission bits the file had before when they were wider than 0600 (now tightened), e.g. 0o644. */
  tightenedFrom?: number;
}

async function resolveTarget(target: string): Promise<{ path: string; mode?: number }> {
  try {
    const real = await fs.realpath(target);
    const stat = await fs.stat(real);
    if (!stat.isFile()) throw new Error(`${target} exists and is not a regular file; choose another path.`);
    return { path: real, mode: stat.mode & 0o777 };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { path: path.resolve(target) };
    throw error;
  }
}

/**
 * Writes content to `target` with mode 0600 via a temporary file in the same directory and a rename.
 * An existing file readable by others is replaced by one readable only by the owner; the result says so.
 */
export async function writeSecretFile(target: string, content: string): Promise<SecretFileResult> {
  const resolved = await resolveTarget(target);
  const directory = path.dirname(resolved.path);
  await fs.mkdir(directory, { recursive: true, mode: 0o700 });
  const temporary = path.join(
    directory,
    `.${path.basename(resolved.path)}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`,
  );
  const handle = await fs.open(temporary, 'wx', SECRET_FILE_MODE);
  try {
    await handle.writeFile(content, 'utf8');
    // The umask can only narrow the mode, but an odd umask should not matter either.
    await handle.chmod(SECRET_FILE_MODE);
    await handle.sync();
    await handle.close();
    await fs.rename(temporary, resolved.path);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await fs.rm(temporary, { force: true });
    throw error;
  }
  const result: SecretFileResult = { path: resolved.path, created: resolved.mode === undefined };
  if (resolved.mode !== undefined && (resolved.mode & 0o077) !== 0) result.tightenedFrom = resolved.mode;
  return result;
}

/** Copies a file to `<file>.bak-<UTC timestamp>` with mode 0600 and returns the backup's path. */
export async function backupSecretFile(file: string, now: Date = new Date()): Promise<string> {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  let backup = `${file}.bak-${stamp}`;
  for (let n = 2; await exists(backup); n++) backup = `${file}.bak-${stamp}-${n}`;
  // Not copyFile: the copy would briefly carry the original's (possibly wider) mode.
  const content = await fs.readFile(file);
  const handle = await fs.open(backup, 'wx', SECRET_FILE_MODE);
  try {
    await handle.writeFile(content);
    await handle.chmod(SECRET_FILE_MODE);
  } finally {
    await handle.close();
  }
  return backup;
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.lstat(file);
    return true;
  } catch {
    return false;
  }
}

/** How many `<file>.bak-*` copies a merge keeps. */
export const BACKUPS_KEPT = 5;

/**
 * Removes all but the newest `keep` backups that backupSecretFile made of `file` (oldest first by their timestamp
 * and counter, so the order does not depend on file times). Returns the removed paths.
 */
export async function pruneBackups(file: string, keep = BACKUPS_KEPT): Promise<string[]> {
  const dir = path.dirname(file);
  const prefix = `${path.basename(file)}.bak-`;
  const pattern = /^(\d{8}T\d{6}Z)(?:-(\d+))?$/;
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return [];
  }
  const backups = names
    .flatMap((name) => {
      const m = name.startsWith(prefix) ? pattern.exec(name.slice(prefix.length)) : null;
      return m ? [{ name, stamp: m[1], n: m[2] ? Number(m[2]) : 1 }] : [];
    })
    .sort((a, b) => (a.stamp === b.stamp ? a.n - b.n : a.stamp < b.stamp ? -1 : 1));
  const removed = backups.slice(0, Math.max(0, backups.length - keep)).map((b) => path.join(dir, b.name));
  for (const old of removed) await fs.rm(old, { force: true });
  return removed;
}
