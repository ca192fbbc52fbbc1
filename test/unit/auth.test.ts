// How our requests authenticate without @kubernetes/client-node (core/cluster/auth.ts): which kubeconfig field wins,
// token-file re-reading, impersonation headers, and exec plugins run as real processes (a small Node script that
// prints an ExecCredential and counts its runs). A 401 makes the client fetch a fresh exec credential once, against
// a real local HTTP server. The cluster side is in test/integration/auth.test.ts.
import * as assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import type * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import {
  clearExecCredentials,
  impersonationHeaders,
  nativeAuth,
  needsClientNode,
  parseExecConfig,
} from '../../src/core/cluster/auth';
import { connectWithKubeconfigText } from '../../src/core/cluster/connect';
import { loadKubeconfigFromString, type LoadedKubeconfig } from '../../src/core/cluster/loadKubeconfig';
import { isSaKubeconfigError } from '../../src/core/errors';

const b64 = (s: string) => Buffer.from(s).toString('base64');

function loaded(user: Record<string, unknown>, cluster: Record<string, unknown> = {}): LoadedKubeconfig {
  return loadKubeconfigFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'k', cluster: { server: 'https://127.0.0.1:6443', ...cluster } }],
      users: [{ name: 'u', user }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }),
  );
}

async function applied(user: Record<string, unknown>, cluster: Record<string, unknown> = {}) {
  const opts: https.RequestOptions = { headers: {} };
  await nativeAuth(loaded(user, cluster)).apply(opts);
  return { opts, headers: opts.headers as Record<string, string | string[]> };
}

let dir: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sak-auth-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => clearExecCredentials());

describe('native authentication: kubeconfig fields', () => {
  it('needs client-node only for an auth-provider or a SOCKS proxy-url', () => {
    assert.equal(needsClientNode(loaded({ token: 't' })), false);
    assert.equal(needsClientNode(loaded({ exec: { command: 'x' } })), false);
    assert.equal(needsClientNode(loaded({ token: 't' }, { 'proxy-url': 'http://127.0.0.1:3128' })), false);
    assert.equal(needsClientNode(loaded({ 'auth-provider': { name: 'oidc', config: {} } })), true);
    assert.equal(needsClientNode(loaded({ token: 't' }, { 'proxy-url': 'socks5://127.0.0.1:1080' })), true);
    assert.equal(nativeAuth(loaded({}, { 'proxy-url': 'http://127.0.0.1:3128' })).proxyUrl, 'http://127.0.0.1:3128');
  });

  it('token wins over token-file; token-file is trimmed, re-read after a minute, not per request', async () => {
    const file = path.join(dir, 'token');
    writeFileSync(file, '  from-file\n');
    assert.equal((await applied({ token: 'inline', tokenFile: file })).headers.Authorization, 'Bearer inline');
    // kubectl's field is tokenFile; client-node reads token-file: both work, kubectl's wins.
    assert.equal((await applied({ 'token-file': file })).headers.Authorization, 'Bearer from-file');
    const other = path.join(dir, 'other-token');
    writeFileSync(other, 'other');
    assert.equal((await applied({ tokenFile: file, 'token-file': other })).headers.Authorization, 'Bearer from-file');
    const auth = nativeAuth(loaded({ 'token-file': file }));
    const first: https.RequestOptions = {};
    await auth.apply(first);
    assert.equal((first.headers as Record<string, string>).Authorization, 'Bearer from-file');
    writeFileSync(file, 'rotated');
    const second: https.RequestOptions = {};
    await auth.apply(second);
    assert.equal((second.headers as Record<string, string>).Authorization, 'Bearer from-file', 'cached');
  });

  it('certificate data wins over the file, as in client-go; no CA is sent with insecure-skip-tls-verify', async () => {
    const certFile = path.join(dir, 'u.crt');
    writeFileSync(certFile, 'FILE-CERT');
    const { opts } = await applied(
      { 'client-certificate': certFile, 'client-certificate-data': b64('DATA-CERT'), 'client-key-data': b64('KEY') },
      { 'certificate-authority-data': b64('CA'), 'tls-server-name': 'kubernetes.default.svc' },
    );
    assert.equal(String(opts.cert), 'DATA-CERT');
    assert.equal(String(opts.key), 'KEY');
    assert.equal(String(opts.ca), 'CA');
    assert.equal(opts.servername, 'kubernetes.default.svc');
    assert.equal(opts.rejectUnauthorized, undefined);
    const insecure = await applied(
      { 'client-certificate': certFile },
      { 'certificate-authority-data': b64('CA'), 'insecure-skip-tls-verify': true },
    );
    assert.equal(insecure.opts.rejectUnauthorized, false);
    assert.equal(insecure.opts.ca, undefined);
    assert.equal(String(insecure.opts.cert), 'FILE-CERT');
  });

  it('an unreadable file is named in a kubeconfig error, not reported as a login problem', async () => {
    await assert.rejects(
      applied({ 'client-key': path.join(dir, 'missing.key') }),
      (e: unknown) =>
        isSaKubeconfigError(e, 'kubeconfig') &&
        /the client key of context "c".*missing\.key \(ENOENT\)/.test(e.message),
    );
  });

  it('basic auth only without a bearer token; impersonation as kubectl sends it', async () => {
    assert.equal((await applied({ username: 'ann', password: 'pw' })).opts.auth, 'ann:pw');
    const both = await applied({ username: 'ann', password: 'pw', token: 't' });
    assert.equal(both.opts.auth, undefined);
    assert.deepEqual(
      impersonationHeaders({
        as: 'system:serviceaccount:ns:sa',
        'as-uid': '42',
        'as-groups': ['g1', 'g2'],
        'as-user-extra': { 'scopes.example.com': ['a', 'b'] },
      }),
      {
        'Impersonate-User': 'system:serviceaccount:ns:sa',
        'Impersonate-Uid': '42',
        'Impersonate-Group': ['g1', 'g2'],
        'Impersonate-Extra-scopes.example.com': ['a', 'b'],
      },
    );
    assert.deepEqual(impersonationHeaders({ 'as-groups': ['g'] }), {}, 'groups without a user are not sent');
  });

  it('refuses plain http without insecure-skip-tls-verify, in the words client.ts turns into advice', async () => {
    const l = loadKubeconfigFromString(
      JSON.stringify({
        'current-context': 'c',
        clusters: [{ name: 'k', cluster: { server: 'http://127.0.0.1:8080' } }],
        users: [{ name: 'u', user: { token: 't' } }],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      }),
    );
    await assert.rejects(nativeAuth(l).apply({}), /HTTP protocol is not allowed/);
  });
});

describe('native authentication: exec plugins', () => {
  /** A plugin that logs each run (its KUBERNETES_EXEC_INFO and env) and prints the credential given in $SAK_OUT. */
  function plugin(name: string, body: string): string {
    const file = path.join(dir, name);
    writeFileSync(
      file,
      '#!/usr/bin/env node\n' +
        "const fs = require('node:fs');\n" +
        `fs.appendFileSync(${JSON.stringify(path.join(dir, `${name}.runs`))}, ` +
        'JSON.stringify({ info: JSON.parse(process.env.KUBERNETES_EXEC_INFO), greeting: process.env.GREETING }) ' +
        "+ '\\n');\n" +
        body,
    );
    chmodSync(file, 0o700);
    return file;
  }
  const runs = (name: string) =>
    readFileSync(path.join(dir, `${name}.runs`), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { info: { apiVersion: string; spec: Record<string, unknown> }; greeting?: string });
  const credential = (status: Record<string, unknown>, apiVersion = 'client.authentication.k8s.io/v1') =>
    `process.stdout.write(JSON.stringify(${JSON.stringify({ apiVersion, kind: 'ExecCredential', status })}));\n`;

  it('runs the plugin once for a wave of requests and keeps a credential without expiry', async () => {
    const command = plugin('p1', credential({ token: 'exec-token' }));
    const auth = nativeAuth(
      loaded(
        {
          exec: {
            apiVersion: 'client.authentication.k8s.io/v1',
            command,
            args: [],
            env: [{ name: 'GREETING', value: 'hello' }],
            interactiveMode: 'Never',
            provideClusterInfo: true,
          },
        },
        { 'certificate-authority-data': b64('CA') },
      ),
    );
    const wave = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const o: https.RequestOptions = {};
        await auth.apply(o);
        return (o.headers as Record<string, string>).Authorization;
      }),
    );
    assert.deepEqual(new Set(wave), new Set(['Bearer exec-token']));
    const o: https.RequestOptions = {};
    await auth.apply(o);
    const [run, ...more] = runs('p1');
    assert.equal(more.length, 0, 'one run for eleven requests');
    assert.equal(run.greeting, 'hello');
    assert.equal(run.info.apiVersion, 'client.authentication.k8s.io/v1');
    assert.equal(run.info.spec.interactive, false);
    assert.deepEqual(run.info.spec.cluster, {
      server: 'https://127.0.0.1:6443',
      'certificate-authority-data': b64('CA'),
    });
  });

  it('runs it again when the credential has expired, and after invalidate()', async () => {
    const past = new Date(Date.now() - 1000).toISOString();
    const command = plugin(
      'p2',
      credential({ token: 'short', expirationTimestamp: past }, 'client.authentication.k8s.io/v1beta1'),
    );
    const auth = nativeAuth(loaded({ exec: { apiVersion: 'client.authentication.k8s.io/v1beta1', command } }));
    await auth.apply({});
    await auth.apply({});
    assert.equal(runs('p2').length, 2, 'expired: fetched again');
    assert.equal(runs('p2')[0].info.spec.interactive, false, 'v1beta1 defaults to IfAvailable; no terminal here');
    const keep = plugin('p3', credential({ token: 'kept' }));
    const kept = nativeAuth(
      loaded({
        exec: { apiVersion: 'client.authentication.k8s.io/v1', command: keep, interactiveMode: 'IfAvailable' },
      }),
    );
    await kept.apply({});
    assert.equal(kept.invalidate(), true);
    assert.equal(kept.invalidate(), false, 'nothing left to forget');
    await kept.apply({});
    assert.equal(runs('p3').length, 2);
  });

  it('a client certificate from the plugin replaces the kubeconfig one', async () => {
    const command = plugin('p4', credential({ clientCertificateData: 'PEM-CERT', clientKeyData: 'PEM-KEY' }));
    const { opts, headers } = await applied({
      'client-certificate-data': b64('OLD'),
      exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode: 'Never' },
    });
    assert.equal(opts.cert, 'PEM-CERT');
    assert.equal(opts.key, 'PEM-KEY');
    assert.equal(headers.Authorization, undefined);
  });

  it('says what went wrong: a missing command (its installHint), a failing one, bad output, bad config', async () => {
    const exec = (e: Record<string, unknown>) => ({
      exec: { apiVersion: 'client.authentication.k8s.io/v1', interactiveMode: 'Never', ...e },
    });
    await assert.rejects(
      applied(exec({ command: path.join(dir, 'no-such-plugin'), installHint: 'Install it with: brew install x' })),
      (e: unknown) =>
        isSaKubeconfigError(e, 'unauthorized') &&
        /was not found/.test(e.message) &&
        e.hint === 'Install it with: brew install x',
    );
    const failing = plugin('p5', "process.stderr.write('token expired, run login\\n'); process.exit(3);\n");
    await assert.rejects(
      applied(exec({ command: failing })),
      (e: unknown) =>
        isSaKubeconfigError(e, 'unauthorized') && /exit code 3\): token expired, run login/.test(e.message),
    );
    const wrong = plugin('p6', 'process.stdout.write(\'{"kind":"Status"}\');\n');
    await assert.rejects(applied(exec({ command: wrong })), /printed kind "Status"/);
    assert.throws(
      () => parseExecConfig({ apiVersion: 'client.authentication.k8s.io/v1', command: 'x' }, 'u'),
      /needs interactiveMode/,
    );
    assert.throws(
      () => parseExecConfig({ apiVersion: 'client.authentication.k8s.io/v1alpha1', command: 'x' }, 'u'),
      /apiVersion "client.authentication.k8s.io\/v1alpha1"/,
    );
    const always = plugin('p7', credential({ token: 't' }));
    await assert.rejects(
      applied(exec({ command: always, interactiveMode: 'Always' })),
      /needs an interactive terminal/,
    );
  });

  it('after a 401 the client runs the plugin again once and retries with the fresh token', async () => {
    const counter = path.join(dir, 'p8.count');
    writeFileSync(counter, '0');
    const command = plugin(
      'p8',
      `const n = Number(fs.readFileSync(${JSON.stringify(counter)}, 'utf8')) + 1;\n` +
        `fs.writeFileSync(${JSON.stringify(counter)}, String(n));\n` +
        "process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential'," +
        " status: { token: 'token-' + n } }));\n",
    );
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
      seen.push(String(req.headers.authorization));
      const ok = req.headers.authorization === 'Bearer token-2';
      res.writeHead(ok ? 200 : 401, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(ok ? { kind: 'Namespace', metadata: { name: 'ok' } } : { kind: 'Status', code: 401 }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const conn = await connectWithKubeconfigText(
      JSON.stringify({
        'current-context': 'c',
        clusters: [{ name: 'k', cluster: { server: `http://127.0.0.1:${port}`, 'insecure-skip-tls-verify': true } }],
        users: [
          {
            name: 'u',
            user: { exec: { apiVersion: 'client.authentication.k8s.io/v1', command, interactiveMode: 'Never' } },
          },
        ],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      }),
    );
    try {
      const ns = await conn.client.request<{ metadata: { name: string } }>({
        method: 'GET',
        path: '/api/v1/namespaces/ok',
      });
      assert.equal(ns.metadata.name, 'ok');
      assert.deepEqual(seen, ['Bearer token-1', 'Bearer token-2']);
      // A credential the server keeps refusing is not fetched in a loop.
      writeFileSync(counter, '10');
      clearExecCredentials();
      await assert.rejects(conn.client.request({ method: 'GET', path: '/api/v1/namespaces/ok' }), (e: unknown) =>
        isSaKubeconfigError(e, 'unauthorized'),
      );
      assert.deepEqual(seen.slice(2), ['Bearer token-11', 'Bearer token-12']);
    } finally {
      conn.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
