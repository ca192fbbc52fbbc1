// A small REST client over the caller's kubeconfig. client-node supplies the credentials (tokens,
// client certificates, exec plugins, OIDC, auth providers, basic auth, proxies) through
// applyToHTTPSOptions; we send with node:https so that every request can be cancelled, timed out,
// counted, and its failures classified into SaKubeconfigError.

import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig } from './clientNode';
import type { Logger, OperationOptions } from '../types';
import { errorFromNetwork, errorFromResponse, SaKubeconfigError } from './errors';
import { throwIfAborted } from './util';

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
  /** Human words for errors: `create roles in namespace "x"`. */
  action?: string;
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface ClientOptions {
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
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
  /** Every request sent (including failed ones): benchmarks read this. */
  requestCount = 0;
  /** Warning headers the server sent (e.g. "requested expiration ... shortened"). */
  readonly warnings: string[] = [];
  private agent: http.Agent | undefined;
  private agentKey = '';
  private readonly timeoutMs: number;
  private readonly logger?: Logger;

  constructor(readonly kubeConfig: KubeConfig, readonly server: string, readonly contextName: string, options: ClientOptions = {}) {
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.logger = options.logger;
  }

  /** Sends a request and parses a JSON answer; non-2xx answers throw SaKubeconfigError. */
  async request<T = unknown>(spec: RequestSpec, options: OperationOptions = {}): Promise<T> {
    const res = await this.requestRaw(spec, options);
    if (res.status < 200 || res.status >= 300) {
      throw errorFromResponse(res.status, res.body, { method: spec.method, path: spec.path, action: spec.action, context: this.contextName });
    }
    if (!res.body) return undefined as T;
    try {
      return JSON.parse(res.body) as T;
    } catch {
      throw new SaKubeconfigError('server', `The server's answer to ${spec.method} ${spec.path} is not JSON.`);
    }
  }

  /** Like request() but returns undefined on 404 instead of throwing. */
  async getOptional<T = unknown>(spec: Omit<RequestSpec, 'method'>, options: OperationOptions = {}): Promise<T | undefined> {
    const res = await this.requestRaw({ ...spec, method: 'GET' }, options);
    if (res.status === 404) return undefined;
    if (res.status < 200 || res.status >= 300) {
      throw errorFromResponse(res.status, res.body, { method: 'GET', path: spec.path, action: spec.action, context: this.contextName });
    }
    return JSON.parse(res.body) as T;
  }

  /** Sends a request and returns status, headers and body without interpreting the status. */
  async requestRaw(spec: RequestSpec, options: OperationOptions = {}): Promise<RawResponse> {
    const { signal } = options;
    const logger = options.logger ?? this.logger;
    throwIfAborted(signal);
    const url = new URL(this.server);
    const basePath = url.pathname.replace(/\/$/, '');
    const reqOpts: https.RequestOptions = {
      method: spec.method,
      headers: {
        Accept: spec.accept ?? 'application/json',
        'User-Agent': 'sa-kubeconfig',
      },
    };
    try {
      await this.kubeConfig.applyToHTTPSOptions(reqOpts);
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      if (/HTTP protocol is not allowed/i.test(message)) {
        throw new SaKubeconfigError('kubeconfig', `Cluster of context "${this.contextName}" uses plain http:// without insecure-skip-tls-verify.`, {
          hint: 'Use the https:// address of the API server.',
        });
      }
      // Exec plugins / OIDC refresh failures end up here.
      throw new SaKubeconfigError('unauthorized', `Could not get credentials for context "${this.contextName}": ${(err as Error).message}`, {
        cause: err,
        hint: 'Log in again with your cluster provider\'s CLI (the kubeconfig\'s exec plugin or auth provider failed), then retry.',
      });
    }
    const body = spec.body === undefined ? undefined : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
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
    logger?.debug(`${spec.method} ${fullPath}`);
    return new Promise<RawResponse>((resolve, reject) => {
      const mod = isHttps ? https : http;
      const req = mod.request({
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (isHttps ? 443 : 80),
        path: fullPath,
        method: spec.method,
        headers,
        agent,
        auth: reqOpts.auth,
        signal,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const warning = res.headers.warning;
          if (warning) for (const w of Array.isArray(warning) ? warning : [warning]) this.warnings.push(w.replace(/^\d+\s+\S+\s+/, '').replace(/^"|"$/g, ''));
          logger?.debug(`${spec.method} ${spec.path} -> ${res.statusCode} in ${Date.now() - started} ms`);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', (err) => reject(errorFromNetwork(err, this.server, this.contextName)));
      });
      req.setTimeout(this.timeoutMs, () => {
        const err = Object.assign(new Error(`no answer within ${this.timeoutMs} ms`), { code: 'ETIMEDOUT' });
        req.destroy(err);
      });
      req.on('error', (err) => {
        if (signal?.aborted) reject(new SaKubeconfigError('aborted', 'Cancelled.', { cause: err }));
        else reject(errorFromNetwork(err, this.server, this.contextName));
      });
      if (body !== undefined) req.write(body);
      req.end();
    });
  }

  /**
   * client-node makes a fresh agent per call (no connection reuse). We keep one keep-alive agent while
   * the TLS material stays the same, and use client-node's own agent when a proxy is configured.
   */
  private reuseAgent(opts: https.RequestOptions, isHttps: boolean): http.Agent | undefined {
    const cluster = this.kubeConfig.getCurrentCluster();
    if (cluster?.proxyUrl) return opts.agent as http.Agent | undefined;
    const key = [opts.ca, opts.cert, opts.key, opts.rejectUnauthorized, opts.servername].map((v) => (v === undefined ? '' : String(v))).join('|');
    if (this.agent && key === this.agentKey) return this.agent;
    this.agent?.destroy();
    this.agentKey = key;
    this.agent = isHttps
      ? new https.Agent({ keepAlive: true, maxSockets: 8, ca: opts.ca, cert: opts.cert, key: opts.key, rejectUnauthorized: opts.rejectUnauthorized, servername: opts.servername })
      : new http.Agent({ keepAlive: true, maxSockets: 8 });
    return this.agent;
  }

  /** Closes kept-alive connections (tests and the CLI call this when done). */
  close(): void {
    this.agent?.destroy();
    this.agent = undefined;
  }
}
