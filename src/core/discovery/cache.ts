// A disk cache of aggregated discovery answers, revalidated with ETag / If-None-Match the way kubectl's disk cache
// is: a warm run sends the same two requests and gets 304 Not Modified with no body. One folder per API server,
// ${XDG_CACHE_HOME:-~/.cache}/sa-kubeconfig/discovery/<sha256 of the server URL, 16 hex>/, one JSON file per path.
// It holds only what the server serves to every authenticated user (API groups and resources): no credentials, no
// context or user names. SA_KUBECONFIG_DISCOVERY_CACHE names another folder (the tests point it at a temp one).
// A missing, unreadable or corrupt entry is a miss; a failed write is ignored (it is a cache).
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface CachedAnswer {
  etag: string;
  contentType: string;
  body: string;
}

/** The cache folder for discovery answers (SA_KUBECONFIG_DISCOVERY_CACHE, then XDG_CACHE_HOME honoured). Pure. */
export function discoveryCacheRoot(env: NodeJS.ProcessEnv = process.env, home: string = os.homedir()): string {
  const own = env.SA_KUBECONFIG_DISCOVERY_CACHE;
  if (own && path.isAbsolute(own)) return own;
  const base =
    env.XDG_CACHE_HOME && path.isAbsolute(env.XDG_CACHE_HOME) ? env.XDG_CACHE_HOME : path.join(home, '.cache');
  return path.join(base, 'sa-kubeconfig', 'discovery');
}

/** The file for one discovery path of one server. Pure. */
export function discoveryCacheFile(root: string, server: string, apiPath: string): string {
  const serverDir = createHash('sha256').update(server.replace(/\/+$/, '')).digest('hex').slice(0, 16);
  const name = apiPath.replace(/^\/+/, '').replace(/[^A-Za-z0-9._-]+/g, '_') || 'root';
  return path.join(root, serverDir, `${name}.json`);
}

export async function readCachedAnswer(file: string): Promise<CachedAnswer | undefined> {
  try {
    const entry = JSON.parse(await fs.readFile(file, 'utf8')) as Partial<CachedAnswer>;
    if (typeof entry.etag !== 'string' || typeof entry.body !== 'string' || !entry.etag) return undefined;
    return { etag: entry.etag, contentType: String(entry.contentType ?? ''), body: entry.body };
  } catch {
    return undefined;
  }
}

/** Writes an entry atomically (a temporary file and a rename); failures are ignored. */
export async function writeCachedAnswer(file: string, answer: CachedAnswer): Promise<void> {
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
    await fs.writeFile(temp, JSON.stringify(answer), { mode: 0o600 });
    await fs.rename(temp, file);
  } catch {
    await fs.rm(temp, { force: true }).catch(() => undefined);
  }
}
