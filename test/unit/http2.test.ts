// HTTP/2 to the API server (core/cluster/http2.ts) through KubeClient, against real local TLS servers on
// 127.0.0.1 (a certificate made with openssl for the test): one connection carries a whole wave, big answers are
// not held back by flow control, a server that only speaks HTTP/1.1 is reached over HTTP/1.1, a server that does
// not answer times out, and prewarm() does the handshake before the first request. The API server side (two TLS
// connections for a whole create) is in test/integration/requestBudget.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as http2 from 'node:http2';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { connectWithKubeconfigText, type Connection } from '../../src/core/cluster/connect';
import { closeAllSessions, prewarm } from '../../src/core/cluster/http2';
import { isSaKubeconfigError } from '../../src/core/errors';

let dir: string;
let cert: string;
let key: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sak-h2-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'key.pem'),
      '-out',
      path.join(dir, 'cert.pem'),
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-days',
      '1',
    ],
    { stdio: 'ignore' },
  );
  cert = readFileSync(path.join(dir, 'cert.pem'), 'utf8');
  key = readFileSync(path.join(dir, 'key.pem'), 'utf8');
});
after(() => {
  closeAllSessions();
  rmSync(dir, { recursive: true, force: true });
});

function kubeconfigFor(port: number, user: Record<string, unknown> = { token: 'not-a-real-token' }): string {
  return JSON.stringify({
    'current-context': 'c',
    clusters: [
      {
        name: 'k',
        cluster: {
          server: `https://127.0.0.1:${port}`,
          'certificate-authority-data': Buffer.from(cert).toString('base64'),
        },
      },
    ],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
  });
}

describe('HTTP/2 to the API server', function () {
  this.timeout(20_000);
  let server: http2.Http2SecureServer;
  let port: number;
  let connections = 0;
  let seen: http2.IncomingHttpHeaders[] = [];
  let bodies: string[] = [];
  let conn: Connection | undefined;

  before(async () => {
    server = http2.createSecureServer({ cert, key });
    server.on('secureConnection', () => connections++);
    server.on('stream', (stream, headers) => {
      stream.on('error', () => undefined); // a client that cancels or times out resets its stream
      seen.push(headers);
      let body = '';
      stream.setEncoding('utf8');
      stream.on('data', (d: string) => (body += d));
      stream.on('end', () => {
        bodies.push(body);
        const p = String(headers[':path']);
        if (p.startsWith('/silent')) return; // never answers
        if (p.startsWith('/big')) {
          stream.respond({ ':status': 200, 'content-type': 'application/json' });
          stream.end(JSON.stringify({ items: 'x'.repeat(3 * 1024 * 1024) }));
          return;
        }
        stream.respond({ ':status': 200, 'content-type': 'application/json', warning: '299 - "deprecated thing"' });
        stream.end(JSON.stringify({ path: p }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    closeAllSessions();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    closeAllSessions();
    connections = 0;
    seen = [];
    bodies = [];
  });
  afterEach(() => conn?.close());

  it('a wave of 30 requests shares one TLS connection; headers, bodies, basic auth and warnings arrive', async () => {
    conn = await connectWithKubeconfigText(kubeconfigFor(port));
    const answers = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        conn!.client.request<{ path: string }>({
          method: 'POST',
          path: `/apis/example/${i}`,
          body: { n: i },
          headers: { 'If-None-Match': '"etag"' },
        }),
      ),
    );
    assert.deepEqual(
      answers.map((a) => a.path),
      Array.from({ length: 30 }, (_, i) => `/apis/example/${i}`),
    );
    assert.equal(connections, 1);
    assert.equal(seen[0].authorization, 'Bearer not-a-real-token');
    assert.equal(seen[0]['if-none-match'], '"etag"');
    assert.equal(seen[0]['content-type'], 'application/json');
    assert.deepEqual(
      bodies
        .map((b) => JSON.parse(b) as { n: number })
        .map((b) => b.n)
        .sort((a, b) => a - b),
      [...Array(30).keys()],
    );
    assert.ok(conn.client.warnings.includes('deprecated thing'), conn.client.warnings.join(' | '));
    conn.close();
    conn = await connectWithKubeconfigText(kubeconfigFor(port, { username: 'ann', password: 'pw' }));
    await conn.client.request({ method: 'GET', path: '/api' });
    assert.equal(seen.at(-1)!.authorization, `Basic ${Buffer.from('ann:pw').toString('base64')}`);
  });

  it('a 3 MiB answer arrives whole (flow-control windows wider than the default 64 KiB)', async () => {
    conn = await connectWithKubeconfigText(kubeconfigFor(port));
    const big = await conn.client.request<{ items: string }>({ method: 'GET', path: '/big' });
    assert.equal(big.items.length, 3 * 1024 * 1024);
  });

  it('prewarm() does the handshake before the first request, which then reuses it', async () => {
    prewarm(`https://127.0.0.1:${port}`, { ca: Buffer.from(cert) });
    for (let i = 0; i < 100 && connections === 0; i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(connections, 1, 'connected ahead of need');
    conn = await connectWithKubeconfigText(kubeconfigFor(port));
    await conn.client.request({ method: 'GET', path: '/api' });
    assert.equal(connections, 1, 'the request used the warm connection');
  });

  it('a server that does not answer times out with a clear error', async () => {
    conn = await connectWithKubeconfigText(kubeconfigFor(port), undefined, { timeoutMs: 300 });
    await assert.rejects(
      conn.client.request({ method: 'GET', path: '/silent' }),
      (e: unknown) => isSaKubeconfigError(e, 'unreachable') && /timed out \(ETIMEDOUT\)/.test(e.message),
    );
  });

  it('cancelling a request aborts its stream, not the connection', async () => {
    conn = await connectWithKubeconfigText(kubeconfigFor(port));
    const controller = new AbortController();
    const pending = conn.client.request({ method: 'GET', path: '/silent' }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await assert.rejects(pending, (e: unknown) => isSaKubeconfigError(e, 'aborted'));
    await conn.client.request({ method: 'GET', path: '/api' });
    assert.equal(connections, 1);
  });
});

describe('a server that answers one request and then goes away (as kube-apiserver does with a bad credential)', () => {
  it('the requests it refused are sent again on a new connection, and all get their answer', async () => {
    let connections = 0;
    let answered = 0;
    const server = http2.createSecureServer({ cert, key });
    server.on('secureConnection', () => connections++);
    const handledOn = new WeakSet<http2.Http2Session>();
    // Node's server keeps a session it sent GOAWAY on open after the client went: the test ends them itself.
    const serverSessions = new Set<http2.ServerHttp2Session>();
    server.on('session', (session) => serverSessions.add(session));
    server.on('stream', (stream) => {
      stream.on('error', () => undefined);
      const session = stream.session!;
      // One stream per connection is handled; after its answer the server goes away, refusing the others.
      if (handledOn.has(session)) return;
      handledOn.add(session);
      answered++;
      stream.respond({ ':status': 401, 'content-type': 'application/json' });
      stream.end(JSON.stringify({ kind: 'Status', code: 401, message: 'Unauthorized' }), () =>
        session.goaway(http2.constants.NGHTTP2_NO_ERROR, stream.id),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const conn = await connectWithKubeconfigText(kubeconfigFor((server.address() as AddressInfo).port));
    try {
      const results = await Promise.allSettled(
        Array.from({ length: 4 }, () => conn.client.request({ method: 'GET', path: '/api' })),
      );
      for (const r of results) {
        assert.equal(r.status, 'rejected');
        assert.ok(
          isSaKubeconfigError((r as PromiseRejectedResult).reason, 'unauthorized'),
          String((r as PromiseRejectedResult).reason),
        );
      }
      assert.equal(answered, 4, 'each request was answered once');
      assert.ok(connections >= 2, `${connections} connections`);
    } finally {
      conn.close();
      closeAllSessions();
      for (const session of serverSessions) session.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});

describe('a server that speaks only HTTP/1.1', () => {
  it('is reached over HTTP/1.1 (ALPN), with a kept-alive connection', async () => {
    let connections = 0;
    const server = https.createServer({ cert, key }, (req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ version: req.httpVersion }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const conn = await connectWithKubeconfigText(kubeconfigFor((server.address() as AddressInfo).port));
    try {
      const a = await conn.client.request<{ version: string }>({ method: 'GET', path: '/version' });
      const b = await conn.client.request<{ version: string }>({ method: 'GET', path: '/version' });
      const c = await conn.client.request<{ version: string }>({ method: 'GET', path: '/version' });
      assert.deepEqual([a.version, b.version, c.version], ['1.1', '1.1', '1.1']);
      // One connection that negotiated http/1.1 and was closed (not asked again), then the agent's kept-alive one.
      assert.equal(connections, 2);
    } finally {
      conn.close();
      closeAllSessions();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
