// A small REST client over the caller's kubeconfig. auth.ts supplies the TLS material and credentials (tokens,
// client certificates, exec plugins, basic auth; auth providers and proxy-url through client-node);
// we send with node:https so that every request can be cancelled, timed out,
// counted, and its failures classified into SaKubeconfigError.
//
// A busy server (429 from API Priority and Fairness, 503) is retried a bounded number of times, honouring
// Retry-After (capped) and the abort signal. Every request we send is safe to repeat: reads, deletes, merge
// patches of the fields we own, reviews, TokenRequests, and creates, where a 409 after a retry means "look again"
// (apply re-reads the object and takes it as its own only when it is ours and equal: isRetriedCreateConflict).

import { setMaxListeners } from 'node:events';
import * as http from 'node:http';
import * as https from 'node:https';
import { HttpProxyAgent, HttpsProxyAgent } from 'hpagent';

import { errorFromNetwork, errorFromResponse, isSaKubeconfigError, SaKubeconfigError } from '../errors';
import type { Logger, OperationOptions } from '../types';
import type { RequestAuth } from './auth';
import { request as http2Request, materialKey, notHandled, sessionFor, type TlsMaterial } from './http2';
import { proxyFromEnvironment } from './proxyEnv';
import { sleep, throwIfAborted } from './util';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec {
  method: HttpMethod;
  /** Absolute API path, e.g. `/api/v1/namespaces/x/serviceaccounts`. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Defaults to application/json; merge patches use application/merge-patch+json. */
  contentType?: string;
  accept?: string;
  /** More request headers (e.g. If-None-Match); never credentials. */
  headers?: Record<string, string>;
  /** Human words for errors: `create roles in namespace "x"`. */
  action?: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** How many times the request was sent again after a 429/503 before this answer. */
  retries?: number;
}

export interface RetryPolicy {
  /** Retries after the first attempt (default 5). */
  maxRetries: number;
  /** Longest wait a Retry-After may ask for (default 10 s); longer asks are capped. */
  maxDelayMs: number;
  /** First backoff without Retry-After (default 500 ms), doubled per retry. */
  baseDelayMs: number;
}

/**
 * Kept-alive connections per client. Provisioning sends its independent requests together (a dozen or more at
 * once); with fewer sockets the rest would queue behind them and cost another round trip each.
 */
const MAX_SOCKETS = 24;

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 5, maxDelayMs: 10_000, baseDelayMs: 500 };

export interface ClientOptions {
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
  retry?: Partial<RetryPolicy>;
  /**
   * HTTPS_PROXY / HTTP_PROXY / NO_PROXY are read from here (default: process.env) when the kubeconfig has no proxy-url.
   */
  env?: NodeJS.ProcessEnv;
}

/**
 * How long to wait before sending a request again after this answer, or undefined when it must not be retried.
 * 429 (APF rejected it before handling) and 503 (busy / unavailable) are retried, except a JSON patch after a 503
 * (it may have been applied and is not idempotent). Retry-After in seconds or as an HTTP date, capped. Pure.
 */
export function retryDelayMs(
  spec: Pick<RequestSpec, 'method' | 'contentType'>,
  status: number,
  retryAfter: string | undefined,
  attempt: number,
  policy: RetryPolicy = DEFAULT_RETRY_POLICY,
  now = Date.now(),
): number | undefined {
  if (attempt >= policy.maxRetries) return undefined;
  if (status !== 429 && status !== 503) return undefined;
  if (status === 503 && spec.method === 'PATCH' && spec.contentType === 'application/json-patch+json') return undefined;
  const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
  if (retryAfter === undefined || retryAfter.trim() === '') return backoff;
  const seconds = /^\d+$/.test(retryAfter.trim()) ? Number(retryAfter.trim()) : (Date.parse(retryAfter) - now) / 1000;
  if (!Number.isFinite(seconds)) return backoff;
  return Math.min(policy.maxDelayMs, Math.max(0, seconds * 1000));
}

// isRetriedCreateConflict (errors.ts) reads the retriedCreate mark request() puts on such a 409.

/** When one request was sent and when its answer had arrived (performance.now() ms), for counting round trips. */
export interface RequestTiming {
  method: HttpMethod;
  path: string;
  start: number;
  end: number;
  /** The answer's HTTP status (undefined when none came). */
  status?: number;
}

type TimingObserver = (timing: RequestTiming) => void;
const timingObservers = new Set<TimingObserver>();

/**
 * Records the timing of every request any KubeClient sends (the verification's own client included) until stop():
 * tests and benchmarks count the sequential waves of a flow with it (longestSequentialChain).
 */
export function observeRequests(): { timings: RequestTiming[]; stop(): RequestTiming[] } {
  const timings: RequestTiming[] = [];
  const observer: TimingObserver = (t) => timings.push(t);
  timingObservers.add(observer);
  return {
    timings,
    stop() {
      timingObservers.delete(observer);
      return timings;
    },
  };
}

/**
 * The longest chain of requests each sent after the previous one's answer had arrived: the round trips on the
 * critical path (requests in flight together count once). Pure.
 */
export function longestSequentialChain(timings: readonly Pick<RequestTiming, 'start' | 'end'>[]): number {
  const sorted = [...timings].sort((a, b) => a.start - b.start);
  const chain: number[] = [];
  let longest = 0;
  sorted.forEach((t, i) => {
    let before = 0;
    for (let j = 0; j < i; j++) if (sorted[j].end <= t.start) before = Math.max(before, chain[j]);
    chain[i] = before + 1;
    longest = Math.max(longest, chain[i]);
  });
  return longest;
}

/** Builds the URL path with its query string. Pure. */
export function buildPath(p: string, query?: RequestSpec['query']): string {
  if (!query) return p;
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs ? `${p}?${qs}` : p;
}

export class KubeClient {
  /** Every request sent (including failed ones and retries): benchmarks read this. */
  requestCount = 0;
  /** Requests sent again after a 429/503. */
  retryCount = 0;
  /** Warning headers the server sent (e.g. "requested expiration ... shortened"). */
  readonly warnings: string[] = [];
  private agent: http.Agent | undefined;
  private agentKey = '';
  private readonly timeoutMs: number;
  private readonly logger?: Logger;
  private readonly retryPolicy: RetryPolicy;
  /** The proxy from the environment for this server, as kubectl would pick it; undefined for a direct connection. */
  readonly environmentProxy: string | undefined;

  constructor(
    private readonly auth: RequestAuth,
    readonly server: string,
    readonly contextName: string,
    options: ClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.logger = options.logger;
    this.retryPolicy = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.environmentProxy = proxyFromEnvironment(server, options.env ?? process.env);
  }

  /** Sends a request and parses a JSON answer; non-2xx answers throw SaKubeconfigError. */
  async request<T = unknown>(spec: RequestSpec, options: OperationOptions = {}): Promise<T> {
    const res = await this.requestRaw(spec, options);
    if (res.status < 200 || res.status >= 300) {
      const err = errorFromResponse(res.status, res.body, {
        method: spec.method,
        path: spec.path,
        action: spec.action,
        context: this.contextName,
      });
      if (spec.method === 'POST' && res.status === 409 && res.retries) Object.assign(err, { retriedCreate: true });
      throw err;
    }
    if (!res.body) return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new SaKubeconfigError('server', `The server's answer to ${spec.method} ${spec.path} is not JSON.`);
    }
  }

  /** Like request() but returns undefined on 404 instead of throwing. */
  async getOptional<T = unknown>(
    spec: Omit<RequestSpec, 'method'>,
    options: OperationOptions = {},
  ): Promise<T | undefined> {
    const res = await this.requestRaw({ ...spec, method: 'GET' }, options);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) {
      throw errorFromResponse(res.status, res.body, {
        method: 'GET',
        path: spec.path,
        action: spec.action,
        context: this.contextName,
      });
    }
    return JSON.parse(res.body) as T;
  }

  /** Sends a request and returns status, headers and body without interpreting the status; retries a busy server. */
  async requestRaw(spec: RequestSpec, options: OperationOptions = {}): Promise<RawResponse> {
    const logger = options.logger ?? this.logger;
    let reauthenticated = false;
    for (let attempt = 0; ; attempt++) {
      const res = await this.sendOnce(spec, options);
      // An exec plugin's credential the server no longer takes: fetch a fresh one once, as client-go does.
      if (res.status === 401 && !reauthenticated && this.auth.invalidate()) {
        reauthenticated = true;
        attempt--;
        continue;
      }
      const retryAfter = res.headers['retry-after'];
      const delay = retryDelayMs(
        spec,
        res.status,
        Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
        attempt,
        this.retryPolicy,
      );
      if (delay === undefined) return attempt > 0 ? { ...res, retries: attempt } : res;
      this.retryCount++;
      logger?.info(
        `${spec.method} ${spec.path}: the server answered ${res.status} (busy); ` +
          `retry ${attempt + 1} of ${this.retryPolicy.maxRetries} ` +
          `in ${(delay / 1000).toFixed(1)} s`,
      );
      await sleep(delay, options.signal);
    }
  }

  private async sendOnce(spec: RequestSpec, options: OperationOptions): Promise<RawResponse> {
    const { signal } = options;
    const logger = options.logger ?? this.logger;
    throwIfAborted(signal);
    const url = new URL(this.server);
    const basePath = url.pathname.replace(/\/$/, '');
    const reqOpts: https.RequestOptions = {
      method: spec.method,
      headers: {
        ...spec.headers,
        Accept: spec.accept ?? 'application/json',
        'User-Agent': 'sa-kubeconfig',
      },
    };
    try {
      await this.auth.apply(reqOpts);
    } catch (err) {
      if (isSaKubeconfigError(err)) throw err;
      const message = (err as Error).message ?? String(err);
      if (/HTTP protocol is not allowed/i.test(message)) {
        throw new SaKubeconfigError(
          'kubeconfig',
          `Cluster of context "${this.contextName}" uses plain http:// without insecure-skip-tls-verify.`,
          {
            hint: 'Use the https:// address of the API server.',
          },
        );
      }
      // Exec plugins / OIDC refresh failures end up here.
      throw new SaKubeconfigError(
        'unauthorized',
        `Could not get credentials for context "${this.contextName}": ${(err as Error).message}`,
        {
          cause: err,
          hint:
            "Log in again with your cluster provider's CLI " +
            "(the kubeconfig's exec plugin or auth provider failed), then retry.",
        },
      );
    }
    const body =
      spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
    const headers = reqOpts.headers as Record<string, string>;
    if (body !== undefined) {
      headers['Content-Type'] = spec.contentType ?? 'application/json';
      headers['Content-Length'] = String(Buffer.byteLength(body));
    }
    const isHttps = url.protocol === 'https:';
    const agent = this.reuseAgent(reqOpts, isHttps);
    const fullPath = basePath + buildPath(spec.path, spec.query);
    this.requestCount++;
    const started = Date.now();
    const startedAt = performance.now();
    const observe = (status?: number) => {
      if (timingObservers.size === 0) return;
      const timing = { method: spec.method, path: spec.path, start: startedAt, end: performance.now(), status };
      for (const o of timingObservers) o(timing);
    };
    const done = (status: number, resHeaders: http.IncomingHttpHeaders, resBody: string): RawResponse => {
      const warning = resHeaders.warning;
      if (warning)
        for (const w of Array.isArray(warning) ? warning : [warning])
          this.warnings.push(w.replace(/^\d+\s+\S+\s+/, '').replace(/^"|"$/g, ''));
      logger?.debug(`${spec.method} ${spec.path} -> ${status} in ${Date.now() - started} ms`);
      observe(status);
      return { status, headers: resHeaders, body: resBody };
    };
    /** The error a request that got no answer ends with: cancelled, or the network's failure explained. */
    const failed = (err: unknown): SaKubeconfigError => {
      observe();
      return signal?.aborted
        ? new SaKubeconfigError('aborted', 'Cancelled.', { cause: err })
        : errorFromNetwork(err, this.server, this.contextName);
    };
    logger?.debug(`${spec.method} ${fullPath}`);
    if (signal) widenListenerLimit(signal);
    const h2 = isHttps && !this.auth.ownAgent && !(this.auth.proxyUrl ?? this.environmentProxy);
    // A request the server refused before handling it is sent again on a new connection (a few times at most).
    for (let attempt = 0; h2; attempt++) {
      const target = await sessionFor(url.origin, tlsMaterial(reqOpts), this.timeoutMs).catch((err: unknown) => {
        throw failed(err);
      });
      if (!target) break;
      try {
        const answer = await http2Request(target.session, target.key, {
          method: spec.method,
          path: fullPath,
          headers,
          auth: reqOpts.auth,
          body,
          timeoutMs: this.timeoutMs,
          signal,
        });
        return done(answer.status, answer.headers as http.IncomingHttpHeaders, answer.body);
      } catch (err) {
        if (notHandled(err) && attempt < 3 && !signal?.aborted) {
          logger?.debug(`${spec.method} ${spec.path}: refused before it was handled; sending it again`);
          continue;
        }
        throw failed(err);
      }
    }
    return new Promise<RawResponse>((resolve, reject) => {
      const mod = isHttps ? https : http;
      const req = mod.request(
        {
          protocol: url.protocol,
          hostname: url.hostname.replace(/^\[|\]$/g, ''),
          port: url.port || (isHttps ? 443 : 80),
          path: fullPath,
          method: spec.method,
          headers,
          agent,
          auth: reqOpts.auth,
          signal,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve(done(res.statusCode ?? 0, res.headers, Buffer.concat(chunks).toString('utf8'))));
          res.on('error', (err) => reject(errorFromNetwork(err, this.server, this.contextName)));
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        const err = Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' });
        req.destroy(err);
      });
      req.on('error', (err) => {
        reject(failed(err));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * We keep one keep-alive agent while the TLS material stays the same, through the cluster's http(s) proxy-url or
   * else HTTPS_PROXY / NO_PROXY as kubectl applies them (proxyEnv.ts); client-node's own agent for a SOCKS proxy.
   */
  private reuseAgent(opts: https.RequestOptions, isHttps: boolean): http.Agent | undefined {
    if (this.auth.ownAgent) return opts.agent as http.Agent | undefined;
    const tls = tlsMaterial(opts);
    const key = materialKey(tls);
    if (this.agent && key === this.agentKey) return this.agent;
    this.agent?.destroy();
    this.agentKey = key;
    // The kubeconfig's proxy-url wins over the environment's, as in client-go.
    const proxy = this.auth.proxyUrl ?? this.environmentProxy;
    if (proxy) {
      this.logger?.debug(
        `connecting to ${this.server} through ` +
          (this.auth.proxyUrl ? "the cluster's proxy-url" : 'the proxy from the environment (HTTPS_PROXY/HTTP_PROXY)'),
      );
      this.agent = isHttps
        ? new HttpsProxyAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, proxy, ...tls })
        : new HttpProxyAgent({ keepAlive: true, maxSockets: MAX_SOCKETS, proxy });
      return this.agent;
    }
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS, ...tls })
      : new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS });
    return this.agent;
  }

  /** Closes kept-alive connections (tests and the CLI call this when done). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}

/** The TLS fields of request options that name a connection. */
export function tlsMaterial(opts: https.RequestOptions): TlsMaterial {
  return {
    ca: opts.ca,
    cert: opts.cert,
    key: opts.key,
    rejectUnauthorized: opts.rejectUnauthorized,
    servername: opts.servername,
  };
}

const widened = new WeakSet<AbortSignal>();

/** One operation's signal rides on every request of a wave (dozens at once), and node:http adds an abort listener
 *  per request until it ends: lift Node's default limit of 10 so that a normal wave prints no leak warning. */
function widenListenerLimit(signal: AbortSignal): void {
  if (widened.has(signal)) return;
  widened.add(signal);
  setMaxListeners(256, signal);
}
