// HTTP/2 to the API server, as kubectl talks to it: one TLS connection per server and TLS identity carries every
// request of the process, where HTTP/1.1 needs a connection (and a TLS handshake) per request in flight. A wave of
// two dozen reviews then costs one handshake instead of two dozen, and a connection can be opened ahead of need
// (prewarm) so that its handshake overlaps other work.
//
// The protocol is negotiated with ALPN on a direct https connection. A server (or relay) that picks http/1.1 is
// remembered and client.ts uses its keep-alive HTTP/1.1 agent; proxies (proxy-url, HTTPS_PROXY) and plain http
// always go that way. Sessions are shared process-wide by origin and TLS material (never logged), keep the process
// alive only while a request is in flight, and close after a minute without requests.

import { once } from 'node:events';
import * as http2 from 'node:http2';
import { isIP } from 'node:net';
import * as tls from 'node:tls';

/** What the TLS connection presents and trusts: together with the origin it names a session. */
export type TlsMaterial = Pick<tls.ConnectionOptions, 'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'servername'>;

interface Entry {
  /** Resolves to the session, or to undefined when the server chose HTTP/1.1. */
  opening: Promise<http2.ClientHttp2Session | undefined>;
  session?: http2.ClientHttp2Session;
  socket?: tls.TLSSocket;
  active: number;
  idle?: NodeJS.Timeout;
}

const IDLE_CLOSE_MS = 60_000;
const STREAM_WINDOW = 4 * 1024 * 1024;
const SESSION_WINDOW = 64 * 1024 * 1024;
const sessions = new Map<string, Entry>();
/** Origin + material that negotiated HTTP/1.1: not asked again in this process. */
const http1Only = new Set<string>();

/** A string that is the same exactly when two TLS materials are (in memory only: it holds the key). */
export function materialKey(m: TlsMaterial): string {
  const s = (v: unknown): string =>
    v === undefined
      ? ''
      : Array.isArray(v)
        ? v.map(s).join(',')
        : Buffer.isBuffer(v)
          ? v.toString('base64')
          : String(v);
  return [s(m.ca), s(m.cert), s(m.key), String(m.rejectUnauthorized), s(m.servername)].join('|');
}

function keyOf(origin: string, m: TlsMaterial): string {
  return `${origin}|${materialKey(m)}`;
}

/** The session for this origin and TLS material (opening it if needed), or undefined when HTTP/1.1 must be used. */
export async function sessionFor(
  origin: string,
  material: TlsMaterial,
  connectTimeoutMs: number,
): Promise<{ session: http2.ClientHttp2Session; key: string } | undefined> {
  const key = keyOf(origin, material);
  if (http1Only.has(key)) return undefined;
  let entry = sessions.get(key);
  if (entry?.session && (entry.session.closed || entry.session.destroyed)) {
    sessions.delete(key);
    entry = undefined;
  }
  if (!entry) entry = open(key, origin, material, connectTimeoutMs);
  const session = await entry.opening;
  return session ? { session, key } : undefined;
}

/** Starts the TLS handshake of a session that a later request will use; errors surface on that request. */
export function prewarm(origin: string, material: TlsMaterial, connectTimeoutMs = 30_000): void {
  if (!origin.startsWith('https:')) return;
  sessionFor(origin, material, connectTimeoutMs).catch(() => undefined);
}

function open(key: string, origin: string, material: TlsMaterial, connectTimeoutMs: number): Entry {
  const url = new URL(origin);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const entry: Entry = { active: 0, opening: Promise.resolve(undefined) };
  entry.opening = (async () => {
    const socket = tls.connect({
      host,
      port: Number(url.port || 443),
      // As https.Agent does: SNI only for a name (RFC 6066), unless the kubeconfig sets tls-server-name.
      servername: material.servername ?? (isIP(host) ? undefined : host),
      ALPNProtocols: ['h2', 'http/1.1'],
      ca: material.ca,
      cert: material.cert,
      key: material.key,
      rejectUnauthorized: material.rejectUnauthorized ?? true,
    });
    socket.setTimeout(connectTimeoutMs, () =>
      socket.destroy(Object.assign(new Error(`no TLS handshake within ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' })),
    );
    try {
      await once(socket, 'secureConnect');
    } catch (err) {
      sessions.delete(key);
      throw err;
    }
    socket.setTimeout(0);
    if (socket.alpnProtocol !== 'h2') {
      socket.destroy();
      http1Only.add(key);
      sessions.delete(key);
      return undefined;
    }
    // Flow-control windows as wide as Go's HTTP/2 client's: with the default 64 KiB, a big list from a far-away
    // server would wait a round trip for every 64 KiB.
    const session = http2.connect(origin, {
      createConnection: () => socket,
      settings: { initialWindowSize: STREAM_WINDOW },
    });
    session.once('connect', () => session.setLocalWindowSize(SESSION_WINDOW));
    const forget = () => {
      if (sessions.get(key) === entry) sessions.delete(key);
      clearTimeout(entry.idle);
    };
    session.on('error', () => {
      forget();
      socket.destroy();
    });
    session.on('close', forget);
    session.on('goaway', () => {
      forget();
      shut(entry);
    });
    entry.session = session;
    entry.socket = socket;
    idle(entry);
    return session;
  })();
  sessions.set(key, entry);
  return entry;
}

/**
 * Closes a session gracefully: no new streams, the ones in flight finish. A socket handed in through
 * createConnection is not closed by its session, so it is ended here once nothing is in flight (or by the last
 * stream's end): otherwise the server would keep the connection open, waiting for us.
 */
function shut(entry: Entry): void {
  entry.session?.close();
  if (entry.active === 0) entry.socket?.destroy();
}

/** No request in flight: the session does not keep the process alive, and closes after a minute. */
function idle(entry: Entry): void {
  entry.session?.unref();
  clearTimeout(entry.idle);
  entry.idle = setTimeout(() => shut(entry), IDLE_CLOSE_MS);
  entry.idle.unref();
}

export interface Http2Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/**
 * Sends one request on the session. Headers are the HTTP/1.1 ones (names are lower-cased; basic auth becomes an
 * Authorization header). Rejects with the stream's error (ETIMEDOUT after timeoutMs without an answer).
 */
export function request(
  session: http2.ClientHttp2Session,
  key: string,
  spec: {
    method: string;
    path: string;
    headers: Record<string, string | string[] | number | undefined>;
    auth?: string | null;
    body?: string;
    timeoutMs: number;
    signal?: AbortSignal;
  },
): Promise<Http2Answer> {
  const entry = sessions.get(key);
  const outgoing: http2.OutgoingHttpHeaders = { ':method': spec.method, ':path': spec.path };
  for (const [name, value] of Object.entries(spec.headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || lower === 'connection' || lower === 'host' || lower === 'keep-alive') continue;
    outgoing[lower] = value;
  }
  if (spec.auth && !outgoing.authorization) {
    outgoing.authorization = `Basic ${Buffer.from(spec.auth).toString('base64')}`;
  }
  return new Promise((resolve, reject) => {
    const stream = session.request(outgoing, { endStream: spec.body === undefined, signal: spec.signal });
    if (entry) {
      if (entry.active++ === 0) {
        clearTimeout(entry.idle);
        session.ref();
      }
      stream.on('close', () => {
        if (--entry.active > 0) return;
        if (session.closed) entry.socket?.destroy();
        else idle(entry);
      });
    }
    let status = 0;
    let headers: Http2Answer['headers'] = {};
    let settled = false;
    const chunks: Buffer[] = [];
    stream.setTimeout(spec.timeoutMs, () => {
      stream.destroy(Object.assign(new Error(`no answer within ${spec.timeoutMs} ms`), { code: 'ETIMEDOUT' }));
    });
    stream.on('response', (h) => {
      status = Number(h[':status'] ?? 0);
      headers = h as Http2Answer['headers'];
    });
    stream.on('data', (c: Buffer) => chunks.push(c));
    stream.on('end', () => {
      settled = true;
      resolve({ status, headers, body: Buffer.concat(chunks).toString('utf8') });
    });
    stream.on('error', (err) => {
      settled = true;
      reject(stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM ? refused(err) : err);
    });
    // A stream closed without a whole answer and without an error (the session went away, a reset).
    stream.on('close', () => {
      if (settled) return;
      settled = true;
      if (stream.rstCode === http2.constants.NGHTTP2_REFUSED_STREAM) reject(refused());
      else reject(Object.assign(new Error('the connection closed before the answer'), { code: 'ECONNRESET' }));
    });
    if (spec.body !== undefined) stream.end(spec.body);
  });
}

const REFUSED = Symbol('refused before it was handled');

/** The server refused the stream before handling it (REFUSED_STREAM), or the session was going away. */
function refused(cause?: unknown): Error {
  return Object.assign(new Error('the server refused the request before handling it (HTTP/2 REFUSED_STREAM)'), {
    code: 'ERR_HTTP2_REFUSED_STREAM',
    cause,
    [REFUSED]: true,
  });
}

/**
 * True when a request was certainly not handled and may be sent again on a new connection, as Go's client does: the
 * stream was refused (a server going away, or closing the connection after answering an unauthenticated request,
 * as kube-apiserver does since kubernetes/kubernetes#121120), or the session was already closing when the request
 * was made.
 */
export function notHandled(err: unknown): boolean {
  const e = err as { [REFUSED]?: boolean; code?: string } | undefined;
  return e?.[REFUSED] === true || e?.code === 'ERR_HTTP2_GOAWAY_SESSION' || e?.code === 'ERR_HTTP2_INVALID_SESSION';
}

/** Closes every session (tests; the extension on deactivation). */
export function closeAllSessions(): void {
  for (const entry of sessions.values()) {
    clearTimeout(entry.idle);
    shut(entry);
  }
  sessions.clear();
  http1Only.clear();
}
