// Reading a kube-apiserver audit log (audit.k8s.io/v1 Events, one JSON object a line) as a stream: files, a folder of
// rotated logs (gzip too), or standard input. Memory stays bounded whatever the log's size: lines are split from the
// byte stream as they arrive (a line longer than MAX_LINE_CHARS is skipped, counted as unparseable), lines that cannot
// be about the service account are dropped before they are parsed, and only the matching requests are handed on.
// Only the `ResponseComplete` stage counts as a request (the other stages of the same request are skipped).
// Pure except for opening the sources; the matching and counting are unit tested on generated lines.
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';

import { shortCredentialId } from '../credentials/model';

/** The extra key under which bound service account tokens carry their id: `JTI=<jti>`. */
export const CREDENTIAL_ID_EXTRA = 'authentication.kubernetes.io/credential-id';
export const DECISION_ANNOTATION = 'authorization.k8s.io/decision';
export const REASON_ANNOTATION = 'authorization.k8s.io/reason';
/** Longer lines are not audit events we can use (kube-apiserver's own events are far smaller); skipped, not kept. */
export const MAX_LINE_CHARS = 4 * 1024 * 1024;

export interface AuditFilter {
  namespace: string;
  serviceAccount: string;
  /** A credential id as `list` shows it (short jti), or a full jti: only that credential's requests. */
  credential?: string;
  /** Only requests at or after this time (their stageTimestamp). */
  since?: Date;
  /** Only requests before this time. */
  until?: Date;
}

/** One request of the service account, as the audit event tells it. */
export interface AuditRequest {
  time: string;
  verb: string;
  /** '' for the core group. Absent, like resource, for non-resource URLs (`/api`, `/version`). */
  apiGroup?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** The path of a non-resource request, without its query. */
  nonResourceURL?: string;
  code?: number;
  /** RBAC's decision as annotated; absent when the event carries no annotation. */
  decision?: 'allow' | 'forbid';
  reason?: string;
  sourceIPs: string[];
  userAgent?: string;
  /** The full jti of the token used, when it is a bound token. */
  jti?: string;
  level: string;
}

/** How many lines and events were read, and why those that do not count were skipped. */
export interface ReadStats {
  sources: string[];
  lines: number;
  /** Lines that are not JSON events (or too long): counted, never fatal. */
  unparseable: number;
  /** A few of them (source and line number), to look at. */
  unparseableSamples: string[];
  /** Events of other users (not parsed in full). */
  otherUsers: number;
  /** The service account's events at another stage than ResponseComplete, by stage. */
  skippedStages: Record<string, number>;
  /** Its ResponseComplete events outside --since/--until. */
  outsideWindow: number;
  /** Its ResponseComplete events made with another credential than --credential. */
  otherCredential: number;
  matched: number;
  /** Audit levels of the matched events. */
  levels: Record<string, number>;
  /** Earliest and latest stageTimestamp of every event read (what the log covers). */
  logFirst?: string;
  logLast?: string;
  /** Long-running requests (watch, exec) of the account that started but had not completed when the log ended. */
  stillOpen: number;
}

export function emptyStats(sources: string[] = []): ReadStats {
  return {
    sources,
    lines: 0,
    unparseable: 0,
    unparseableSamples: [],
    otherUsers: 0,
    skippedStages: {},
    outsideWindow: 0,
    otherCredential: 0,
    matched: 0,
    levels: {},
    stillOpen: 0,
  };
}

export function serviceAccountUsername(namespace: string, serviceAccount: string): string {
  return `system:serviceaccount:${namespace}:${serviceAccount}`;
}

interface RawEvent {
  kind?: string;
  level?: string;
  auditID?: string;
  stage?: string;
  requestURI?: string;
  verb?: string;
  user?: { username?: string; extra?: Record<string, string[]> };
  sourceIPs?: string[];
  userAgent?: string;
  objectRef?: { resource?: string; namespace?: string; name?: string; apiGroup?: string; subresource?: string };
  responseStatus?: { code?: number };
  requestReceivedTimestamp?: string;
  stageTimestamp?: string;
  annotations?: Record<string, string>;
}

/** The jti in an event's `JTI=<jti>` credential id. */
function jtiOf(event: RawEvent): string | undefined {
  const id = event.user?.extra?.[CREDENTIAL_ID_EXTRA]?.[0];
  return id?.startsWith('JTI=') ? id.slice(4) : undefined;
}

/** Whether the token's jti is the credential asked for: its short id, or a prefix of the jti (6 characters or more). */
export function jtiMatches(jti: string | undefined, query: string): boolean {
  if (!jti) return false;
  const q = query.trim().toLowerCase().replace(/-/g, '');
  const j = jti.toLowerCase().replace(/-/g, '');
  return q === shortCredentialId(j) || (q.length >= 6 && j.startsWith(q));
}

/**
 * Reads lines one by one and keeps the service account's requests. Feed it every line (`line`), then `finish()`.
 * Kept apart from the streams so that it is tested on lines made in the test.
 */
export class AuditLineMatcher {
  readonly stats: ReadStats;
  private readonly username: string;
  /** The username as it appears, quoted, in the JSON text: a line without it cannot be the account's. */
  private readonly needle: string;
  private readonly open = new Set<string>();

  constructor(
    private readonly filter: AuditFilter,
    private readonly onRequest: (request: AuditRequest) => void,
    sources: string[] = [],
  ) {
    this.username = serviceAccountUsername(filter.namespace, filter.serviceAccount);
    this.needle = JSON.stringify(this.username);
    this.stats = emptyStats(sources);
  }

  line(text: string, where = ''): void {
    const stats = this.stats;
    stats.lines++;
    const trimmed = text.trim();
    if (trimmed === '') return;
    if (!trimmed.startsWith('{') || !trimmed.endsWith('}')) return this.unparseable(where);
    if (!trimmed.includes(this.needle)) {
      stats.otherUsers++;
      this.seen(timestampIn(trimmed));
      return;
    }
    let event: RawEvent;
    try {
      event = JSON.parse(trimmed) as RawEvent;
    } catch {
      return this.unparseable(where);
    }
    const isEvent = event !== null && typeof event === 'object' && (event.kind === undefined || event.kind === 'Event');
    if (!isEvent) return this.unparseable(where);
    const time = event.stageTimestamp ?? event.requestReceivedTimestamp;
    this.seen(time);
    if (event.user?.username !== this.username) {
      stats.otherUsers++;
      return;
    }
    const stage = event.stage ?? 'unknown';
    if (stage !== 'ResponseComplete') {
      stats.skippedStages[stage] = (stats.skippedStages[stage] ?? 0) + 1;
      if (stage === 'ResponseStarted' && event.auditID) this.open.add(event.auditID);
      return;
    }
    if (event.auditID) this.open.delete(event.auditID);
    if (!time || Number.isNaN(Date.parse(time))) return this.unparseable(where);
    const at = Date.parse(time);
    const { since, until } = this.filter;
    if ((since && at < since.getTime()) || (until && at >= until.getTime())) {
      stats.outsideWindow++;
      return;
    }
    const jti = jtiOf(event);
    if (this.filter.credential !== undefined && !jtiMatches(jti, this.filter.credential)) {
      stats.otherCredential++;
      return;
    }
    stats.matched++;
    const level = event.level ?? 'unknown';
    stats.levels[level] = (stats.levels[level] ?? 0) + 1;
    this.onRequest(toRequest(event, time, jti));
  }

  /** Ends the read: requests that started and never completed are counted as still open. */
  finish(): ReadStats {
    this.stats.stillOpen = this.open.size;
    return this.stats;
  }

  private unparseable(where: string): void {
    this.stats.unparseable++;
    if (this.stats.unparseableSamples.length < 5 && where) this.stats.unparseableSamples.push(where);
  }

  private seen(time: string | undefined): void {
    if (!time || Number.isNaN(Date.parse(time))) return;
    const stats = this.stats;
    // RFC 3339 timestamps in UTC with the same precision compare as text; Date.parse settles the others.
    if (!stats.logFirst || Date.parse(time) < Date.parse(stats.logFirst)) stats.logFirst = time;
    if (!stats.logLast || Date.parse(time) > Date.parse(stats.logLast)) stats.logLast = time;
  }
}

/** The stageTimestamp of an event line, found without parsing the line (used for other users' events). */
function timestampIn(line: string): string | undefined {
  const key = '"stageTimestamp":"';
  const at = line.lastIndexOf(key);
  if (at === -1) return undefined;
  const end = line.indexOf('"', at + key.length);
  return end === -1 ? undefined : line.slice(at + key.length, end);
}

function toRequest(event: RawEvent, time: string, jti: string | undefined): AuditRequest {
  const ref = event.objectRef;
  const decision = event.annotations?.[DECISION_ANNOTATION];
  const decided = decision === 'allow' || decision === 'forbid' ? { decision: decision as 'allow' | 'forbid' } : {};
  const reason = event.annotations?.[REASON_ANNOTATION];
  const common = {
    time,
    verb: event.verb ?? 'unknown',
    sourceIPs: event.sourceIPs ?? [],
    level: event.level ?? 'unknown',
    ...(event.responseStatus?.code !== undefined ? { code: event.responseStatus.code } : {}),
    ...decided,
    ...(reason ? { reason } : {}),
    ...(event.userAgent ? { userAgent: event.userAgent } : {}),
    ...(jti ? { jti } : {}),
  };
  if (!ref?.resource) return { ...common, nonResourceURL: (event.requestURI ?? '').split('?')[0] };
  return {
    ...common,
    apiGroup: ref.apiGroup ?? '',
    resource: ref.resource,
    ...(ref.subresource ? { subresource: ref.subresource } : {}),
    ...(ref.namespace ? { namespace: ref.namespace } : {}),
    ...(ref.name ? { name: ref.name } : {}),
  };
}

/**
 * Splits a byte stream into lines (LF or CRLF) and hands each to `onLine`, never holding more than one line (at most
 * MAX_LINE_CHARS; the rest of a longer line is dropped and `onLine` gets `undefined` for it). Errors of the stream
 * (a truncated gzip file) reject.
 */
export async function forEachLine(
  input: AsyncIterable<Buffer | string>,
  onLine: (line: string | undefined) => void,
  signal?: AbortSignal,
): Promise<void> {
  const decoder = new StringDecoder('utf8');
  let pending = '';
  let overlong = false;
  const take = (text: string) => {
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl === -1) break;
      const piece = text.slice(start, nl);
      if (overlong || pending.length + piece.length > MAX_LINE_CHARS) onLine(undefined);
      else onLine(pending + piece);
      pending = '';
      overlong = false;
      start = nl + 1;
    }
    if (!overlong) pending += text.slice(start);
    if (pending.length > MAX_LINE_CHARS) {
      pending = '';
      overlong = true;
    }
  };
  for await (const chunk of input) {
    if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Cancelled.');
    take(typeof chunk === 'string' ? chunk : decoder.write(chunk));
  }
  take(decoder.end());
  if (overlong) onLine(undefined);
  else if (pending !== '') onLine(pending);
}

/** The stream's bytes, gunzipped when they start with gzip's magic number (a rotated `.gz` log, or one piped in). */
export async function* decompressed(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const iterator = input[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done) return;
  const head = first.value;
  async function* all(): AsyncGenerator<Buffer> {
    yield head;
    for (;;) {
      const next = await iterator.next();
      if (next.done) return;
      yield next.value;
    }
  }
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    const source = Readable.from(all());
    source.on('error', (err) => gunzip.destroy(err));
    yield* source.pipe(gunzip) as AsyncIterable<Buffer>;
  } else {
    yield* all();
  }
}

/** A path that is missing or unreadable: an input error, raised before anything is read. */
export class AuditSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AuditSourceError';
  }
}

/** A folder holds rotated logs: every `*.log`, `*.log.gz`, `*.json`, `*.gz` file in it, current log last. */
const LOG_FILE = /\.(log|json|jsonl)(\.gz)?$|\.gz$/;

/**
 * The files to read for the given paths (`-` is standard input): a folder stands for the audit logs in it, oldest
 * rotation first. Throws AuditSourceError naming every path that cannot be read.
 */
export async function resolveAuditSources(paths: string[]): Promise<string[]> {
  if (paths.length === 0) {
    throw new AuditSourceError(
      'Name the audit log: --audit-log FILE, a folder of rotated logs, ' + 'or - for standard input.',
    );
  }
  const out: string[] = [];
  const problems: string[] = [];
  for (const p of paths) {
    if (p === '-') {
      if (out.includes('-')) problems.push('standard input (-) is named twice');
      else out.push('-');
      continue;
    }
    try {
      const stat = await fs.stat(p);
      if (stat.isDirectory()) {
        const names = (await fs.readdir(p)).filter((n) => LOG_FILE.test(n)).sort(rotationOrder);
        if (names.length === 0) problems.push(`${p} is a folder without audit log files (*.log, *.log.gz)`);
        out.push(...names.map((n) => path.join(p, n)));
      } else {
        await fs.access(p, fs.constants.R_OK);
        out.push(p);
      }
    } catch (err) {
      problems.push(`cannot read ${p}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  if (problems.length > 0) throw new AuditSourceError(`Audit log: ${problems.join('; ')}.`);
  return [...new Set(out)];
}

/** Rotated files (`audit-2026-…log[.gz]`) by name, i.e. by time, before the file being written (`audit.log`). */
function rotationOrder(a: string, b: string): number {
  const current = (n: string) => (/^[^-]*\.log$/.test(n) ? 1 : 0);
  return current(a) - current(b) || a.localeCompare(b);
}

export interface ReadOptions {
  /** Standard input, for the source `-`. */
  stdin?: AsyncIterable<Buffer>;
  signal?: AbortSignal;
}

/** Reads every source in turn and hands the service account's requests to `onRequest`; returns what was read. */
export async function readAuditLog(
  sources: string[],
  filter: AuditFilter,
  onRequest: (request: AuditRequest) => void,
  options: ReadOptions = {},
): Promise<ReadStats> {
  const matcher = new AuditLineMatcher(filter, onRequest, sources);
  for (const source of sources) {
    let input: AsyncIterable<Buffer>;
    if (source === '-') {
      if (!options.stdin) throw new AuditSourceError('Standard input (-) is not available here.');
      input = options.stdin;
    } else {
      input = createReadStream(source, { highWaterMark: 256 * 1024 });
    }
    const name = source === '-' ? 'stdin' : source;
    let lineNumber = 0;
    try {
      await forEachLine(
        decompressed(input),
        (line) => {
          lineNumber++;
          if (line === undefined) {
            matcher.stats.lines++;
            matcher.stats.unparseable++;
            if (matcher.stats.unparseableSamples.length < 5) {
              matcher.stats.unparseableSamples.push(`${name}:${lineNumber} (longer than ${MAX_LINE_CHARS} characters)`);
            }
          } else {
            matcher.line(line, `${name}:${lineNumber}`);
          }
        },
        options.signal,
      );
    } catch (err) {
      if (options.signal?.aborted) throw err;
      throw new AuditSourceError(`Reading ${name} failed after ${lineNumber} lines: ${(err as Error).message}.`);
    }
  }
  return matcher.finish();
}
