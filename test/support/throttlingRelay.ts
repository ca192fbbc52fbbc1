// An HTTPS relay in front of the real API server that plays a busy server: the first N requests matching a rule
// get 429 with Retry-After (what API Priority and Fairness answers), every other request is passed on unchanged.
// It must read the requests, so it terminates TLS with a certificate for 127.0.0.1 signed by the test cluster's CA
// (clients verify it as they verify the real server) and talks TLS to the real server. Requests that carry a
// bearer token are passed on with it; the others (the admin's client certificate ends at the relay) are sent with
// the admin's client certificate, so the server still authenticates and authorizes every request itself.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

import { clusterEnv, privateTempDir, type ClusterEnv } from './cluster';
import { certificateFromClusterCa } from './users';

export interface ThrottleRule {
  method: string;
  /** Matched against the path with its query string. */
  path: RegExp;
  /** How many matching requests get the busy answer. */
  times: number;
  status?: 429 | 503;
  retryAfterSeconds?: number;
  /**
   * Pass the request on first and replace the server's answer by the busy one: the server acted,
   * the client never heard.
   */
  afterForwarding?: boolean;
}

export class ThrottlingRelay {
  /** "METHOD path" of every request answered busy. */
  readonly throttled: string[] = [];
  /** "METHOD path" of every request passed on. */
  readonly passed: string[] = [];
  private rules: ThrottleRule[] = [];

  private constructor(
    private readonly server: https.Server,
    readonly port: number,
    readonly dir: string,
  ) {}

  static async start(env: ClusterEnv = clusterEnv()): Promise<ThrottlingRelay> {
    const pki = path.join(env.dir, 'pki');
    const dir = privateTempDir();
    const { key, crt } = certificateFromClusterCa(
      pki,
      dir,
      'relay',
      '/CN=throttling-relay',
      'extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n',
    );
    const upstream = new URL(env.server);
    const upstreamTls = {
      ca: readFileSync(path.join(pki, 'ca.crt')),
      cert: readFileSync(path.join(pki, 'admin.crt')),
      key: readFileSync(path.join(pki, 'admin.key')),
    };
    const relays: ThrottlingRelay[] = [];
    const server = https.createServer({ key: readFileSync(key), cert: readFileSync(crt) }, (req, res) => {
      const relay = relays[0];
      const what = `${req.method} ${req.url}`;
      const rule = relay.rules.find((r) => r.times > 0 && r.method === req.method && r.path.test(req.url ?? ''));
      const busy = (status: number) => {
        res.writeHead(status, {
          'Content-Type': 'application/json',
          'Retry-After': String(rule?.retryAfterSeconds ?? 1),
        });
        res.end(
          JSON.stringify({
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            code: status,
            reason: 'TooManyRequests',
            message: 'too many requests, please try again later',
          }),
        );
      };
      if (rule) {
        rule.times--;
        relay.throttled.push(what);
        if (!rule.afterForwarding) {
          req.resume();
          busy(rule.status ?? 429);
          return;
        }
      }
      if (!rule) relay.passed.push(what);
      const bearer = typeof req.headers.authorization === 'string';
      const headers = { ...req.headers, host: upstream.host };
      const forward = https.request(
        {
          hostname: upstream.hostname,
          port: upstream.port,
          path: req.url,
          method: req.method,
          headers,
          ca: upstreamTls.ca,
          ...(bearer ? {} : { cert: upstreamTls.cert, key: upstreamTls.key }),
        },
        (answer) => {
          if (rule) {
            answer.resume();
            answer.on('end', () => busy(rule.status ?? 503));
            return;
          }
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (err) => {
        res.writeHead(502);
        res.end(String(err));
      });
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    relays.push(new ThrottlingRelay(server, (server.address() as AddressInfo).port, dir));
    return relays[0];
  }

  get url(): string {
    return `https://127.0.0.1:${this.port}`;
  }

  /** From now on, answer the next `times` requests matching the rule as a busy server. */
  throttle(rule: ThrottleRule): void {
    this.rules.push({ ...rule });
  }

  /** A copy of the kubeconfig file `file` whose server is this relay, written next to the relay's certificate. */
  kubeconfig(file: string, upstream: string): string {
    const out = path.join(this.dir, 'relay.kubeconfig');
    writeFileSync(out, readFileSync(file, 'utf8').split(upstream).join(this.url), { mode: 0o600 });
    return out;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
