// A busy API server (429 from API Priority and Fairness, 503): the client retries a bounded number of times,
// honouring Retry-After (capped) and the abort signal. The answers come from a real local HTTP server; the
// cluster test (test/integration/retry.test.ts) throttles the real API server.
import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

import { DEFAULT_RETRY_POLICY, retryDelayMs } from '../../src/core/cluster/client';
import { connectWithKubeconfigText, type Connection } from '../../src/core/cluster/connect';
import { isSaKubeconfigError } from '../../src/core/errors';

describe('retryDelayMs', () => {
  const get = { method: 'GET' as const };
  it('retries 429 and 503 for every method we send, and nothing else', () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const) {
      assert.equal(retryDelayMs({ method }, 429, '1', 0), 1000);
      assert.equal(retryDelayMs({ method }, 503, '2', 0), 2000);
    }
    for (const status of [200, 400, 401, 403, 404, 409, 422, 500, 502, 504])
      assert.equal(retryDelayMs(get, status, '1', 0), undefined);
  });

  it('does not repeat a JSON patch the server may have applied (503)', () => {
    assert.equal(retryDelayMs({ method: 'PATCH', contentType: 'application/json-patch+json' }, 503, '1', 0), undefined);
    assert.equal(retryDelayMs({ method: 'PATCH', contentType: 'application/json-patch+json' }, 429, '1', 0), 1000);
  });

  it('honours Retry-After in seconds or as a date, capped; backs off exponentially without it', () => {
    const now = Date.parse('2030-01-01T00:00:00Z');
    assert.equal(retryDelayMs(get, 429, '0', 0), 0);
    assert.equal(retryDelayMs(get, 429, '3600', 0), DEFAULT_RETRY_POLICY.maxDelayMs);
    assert.equal(retryDelayMs(get, 429, 'Tue, 01 Jan 2030 00:00:04 GMT', 0, DEFAULT_RETRY_POLICY, now), 4000);
    assert.deepEqual(
      [0, 1, 2, 3].map((a) => retryDelayMs(get, 503, undefined, a)),
      [500, 1000, 2000, 4000],
    );
    assert.equal(retryDelayMs(get, 429, 'soon', 1), 1000);
  });

  it('stops after maxRetries', () => {
    assert.equal(retryDelayMs(get, 429, '1', DEFAULT_RETRY_POLICY.maxRetries - 1), 1000);
    assert.equal(retryDelayMs(get, 429, '1', DEFAULT_RETRY_POLICY.maxRetries), undefined);
  });
});

describe('KubeClient against a busy server', () => {
  let server: http.Server;
  let busyLeft = 0;
  let status = 429;
  let seen = 0;
  let retryAfter = '0';
  let conn: Connection;
  const logged: string[] = [];
  before(async () => {
    server = http.createServer((_req, res) => {
      seen++;
      if (busyLeft > 0) {
        busyLeft--;
        res.writeHead(status, { 'Retry-After': retryAfter, 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ kind: 'Status', code: status, message: 'too many requests, please try again later' }));
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Namespace', metadata: { name: 'ok' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // Plain http with insecure-skip-tls-verify: the only way client-node allows http; fine for a local test server.
    conn = await connectWithKubeconfigText(
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'c',
        clusters: [{ name: 'c', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
        contexts: [{ name: 'c', context: { cluster: 'c', user: 'u' } }],
      }),
      undefined,
      {
        logger: {
          debug: () => undefined,
          info: (m) => logged.push(m),
          warn: (m) => logged.push(m),
          error: (m) => logged.push(m),
        },
      },
    );
  });
  after(async () => {
    conn.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen = 0;
    logged.length = 0;
    conn.client.retryCount = 0;
  });

  it('a GET and a create answered 429 twice succeed on the third attempt, counted and logged', async () => {
    busyLeft = 2;
    status = 429;
    const ns = await conn.client.request<{ metadata: { name: string } }>({
      method: 'GET',
      path: '/api/v1/namespaces/ok',
    });
    assert.equal(ns.metadata.name, 'ok');
    assert.equal(seen, 3);
    assert.equal(conn.client.retryCount, 2);
    assert.equal(logged.filter((m) => /answered 429 \(busy\); retry \d of 5/.test(m)).length, 2);
    busyLeft = 1;
    status = 503;
    await conn.client.request({ method: 'POST', path: '/api/v1/namespaces', body: { metadata: { name: 'x' } } });
    assert.equal(conn.client.retryCount, 3);
  });

  it("gives up after 5 retries with the server's answer", async () => {
    busyLeft = 100;
    status = 429;
    await assert.rejects(
      conn.client.request({ method: 'GET', path: '/api/v1/namespaces/ok' }),
      (e: unknown) => isSaKubeconfigError(e, 'server') && /429/.test(e.message),
    );
    assert.equal(seen, 6);
    busyLeft = 0;
  });

  it('stops waiting for Retry-After when the signal aborts', async () => {
    busyLeft = 100;
    status = 429;
    retryAfter = '5';
    const controller = new AbortController();
    const started = Date.now();
    const pending = conn.client.request(
      { method: 'GET', path: '/api/v1/namespaces/ok' },
      { signal: controller.signal },
    );
    while (seen === 0) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    await assert.rejects(pending, (e: unknown) => isSaKubeconfigError(e, 'aborted'));
    assert.ok(Date.now() - started < 2000, 'the 5 s wait was cut short');
    assert.equal(seen, 1);
    busyLeft = 0;
    retryAfter = '0';
  });

  it('a wave of 30 requests on one abort signal prints no listener-leak warning', async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
    process.on('warning', onWarning);
    try {
      const { signal } = new AbortController();
      const wave = Array.from({ length: 30 }, () =>
        conn.client.request({ method: 'GET', path: '/api/v1/namespaces/ok' }, { signal }),
      );
      await Promise.all(wave);
      await new Promise((r) => setImmediate(r));
      assert.deepEqual(
        warnings.filter((w) => w.startsWith('MaxListenersExceededWarning')),
        [],
      );
      assert.equal(seen, 30);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
