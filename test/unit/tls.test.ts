// The TLS settings of the caller's context carried into the generated kubeconfig (core/kubeconfig/tls.ts), and
// HTTPS_PROXY / NO_PROXY for our own connections as kubectl reads them (core/cluster/proxyEnv.ts). The cluster
// side is in test/integration/tls.test.ts.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

import { connectWithKubeconfigText } from '../../src/core/cluster/connect';
import { loadKubeconfigFromString } from '../../src/core/cluster/loadKubeconfig';
import { bypassesProxy, proxyFromEnvironment } from '../../src/core/cluster/proxyEnv';
import { isSaKubeconfigError } from '../../src/core/errors';
import { buildKubeconfig } from '../../src/core/kubeconfig/build';
import { certificateFingerprint, generatedTls, sourceTls, type PublishedCa } from '../../src/core/kubeconfig/tls';
import { ConnectProxy } from '../support/connectProxy';

let dir: string;
let caPem: string;
before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'sak-tls-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      path.join(dir, 'ca.key'),
      '-out',
      path.join(dir, 'ca.crt'),
      '-subj',
      '/CN=test-ca',
      '-days',
      '1',
    ],
    { stdio: 'ignore' },
  );
  caPem = execFileSync('openssl', ['x509', '-in', path.join(dir, 'ca.crt')]).toString();
});
after(() => rmSync(dir, { recursive: true, force: true }));

function loaded(cluster: Record<string, unknown>) {
  return loadKubeconfigFromString(
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': 'c',
      clusters: [{ name: 'k', cluster }],
      users: [{ name: 'u', user: { token: 'x' } }],
      contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
    }),
  );
}

const SERVER = 'https://api.example.com:6443';
const published = (ca?: PublishedCa) => {
  const calls: number[] = [];
  return {
    calls,
    fetch: async () => {
      calls.push(1);
      return ca;
    },
  };
};

describe('TLS settings carried into the generated kubeconfig', () => {
  it(
    'a context with a CA: that CA, and tls-server-name and proxy-url as they are; ' + 'the cluster is not asked',
    async () => {
      const source = sourceTls(
        loaded({
          server: SERVER,
          'certificate-authority-data': Buffer.from(caPem).toString('base64'),
          'tls-server-name': 'kubernetes.default',
          'proxy-url': 'http://proxy.corp:3128',
        }),
      );
      const p = published({ pem: 'other', source: 'kube-root-ca.crt' });
      const tls = await generatedTls(source, SERVER, false, p.fetch);
      assert.deepEqual(
        { ...tls, caPem: tls.caPem === caPem },
        {
          caPem: true,
          caSource: 'kubeconfig',
          insecure: false,
          tlsServerName: 'kubernetes.default',
          proxyUrl: 'http://proxy.corp:3128',
          warnings: [],
          notes: [],
        },
      );
      assert.equal(p.calls.length, 0);
      const doc = buildKubeconfig({
        server: SERVER,
        certificateAuthority: tls.caPem,
        tlsServerName: tls.tlsServerName,
        proxyUrl: tls.proxyUrl,
        token: 't',
        namePrefix: 'p',
        namespaces: ['a'],
      });
      assert.deepEqual(Object.keys(doc.clusters[0].cluster), [
        'server',
        'certificate-authority-data',
        'tls-server-name',
        'proxy-url',
      ]);
    },
  );

  it('a CA file is read like certificate-authority-data', async () => {
    const source = sourceTls(loaded({ server: SERVER, 'certificate-authority': path.join(dir, 'ca.crt') }));
    assert.equal(source.caPem, caPem);
  });

  it(
    'a context that verifies with the system roots: ' + "no CA embedded, the cluster's internal CA never fetched",
    async () => {
      const p = published({ pem: caPem, source: 'kube-root-ca.crt' });
      const tls = await generatedTls(sourceTls(loaded({ server: SERVER })), SERVER, false, p.fetch);
      assert.equal(tls.caPem, undefined);
      assert.equal(tls.caSource, 'none');
      assert.equal(tls.insecure, false);
      assert.deepEqual(tls.warnings, []);
      assert.equal(p.calls.length, 0);
      const doc = buildKubeconfig({
        server: SERVER,
        certificateAuthority: tls.caPem,
        token: 't',
        namePrefix: 'p',
        namespaces: ['a'],
      });
      assert.deepEqual(doc.clusters[0].cluster, { server: SERVER });
    },
  );

  it(
    'an insecure context: the published CA with a warning giving its fingerprint and what to do; ' +
      'insecure only on request',
    async () => {
      const source = sourceTls(loaded({ server: SERVER, 'insecure-skip-tls-verify': true }));
      const tls = await generatedTls(
        source,
        SERVER,
        false,
        published({ pem: caPem, source: 'kube-root-ca.crt' }).fetch,
      );
      assert.equal(tls.caPem, caPem);
      assert.equal(tls.insecure, false);
      assert.equal(tls.warnings.length, 1);
      const fingerprint = execFileSync('openssl', [
        'x509',
        '-in',
        path.join(dir, 'ca.crt'),
        '-noout',
        '-fingerprint',
        '-sha256',
      ])
        .toString()
        .trim()
        .split('=')[1];
      assert.equal(certificateFingerprint(caPem), fingerprint);
      assert.ok(tls.warnings[0].includes(fingerprint));
      assert.match(tls.warnings[0], /insecure-skip-tls-verify.*not verified|nobody verified/);
      assert.match(tls.warnings[0], /--insecure/);

      const asked = await generatedTls(
        source,
        SERVER,
        true,
        published({ pem: caPem, source: 'kube-root-ca.crt' }).fetch,
      );
      assert.deepEqual([asked.insecure, asked.caPem, asked.caSource], [true, undefined, 'insecure']);
      const none = await generatedTls(source, SERVER, false, published(undefined).fetch);
      assert.deepEqual([none.insecure, none.caPem], [false, undefined]);
      assert.match(none.warnings[0], /publishes no CA/);
    },
  );

  it('an http:// server is warned about: the token travels in clear text', async () => {
    const server = 'http://10.0.0.1:8080';
    const tls = await generatedTls(
      sourceTls(loaded({ server, 'insecure-skip-tls-verify': true })),
      server,
      false,
      published(undefined).fetch,
    );
    assert.match(tls.warnings.join('\n'), /plain http:\/\/: the token travels in clear text/);
    assert.equal(tls.caPem, undefined);
  });

  it('an unreadable CA file is a warning, not silently the system roots', async () => {
    const tls = await generatedTls(
      sourceTls(loaded({ server: SERVER, 'certificate-authority': path.join(dir, 'missing.crt') })),
      SERVER,
      false,
      published(undefined).fetch,
    );
    assert.match(tls.warnings[0], /certificate-authority file cannot be read .*ENOENT/);
  });
});

describe('HTTPS_PROXY / NO_PROXY as kubectl reads them', () => {
  const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;
  it('picks HTTPS_PROXY for https and HTTP_PROXY for http, upper case first, http:// when no scheme', () => {
    assert.equal(
      proxyFromEnvironment(SERVER, env({ HTTPS_PROXY: 'http://p:3128', https_proxy: 'http://q:1' })),
      'http://p:3128/',
    );
    assert.equal(proxyFromEnvironment(SERVER, env({ https_proxy: 'q:1' })), 'http://q:1/');
    assert.equal(proxyFromEnvironment(SERVER, env({ HTTP_PROXY: 'http://p:3128' })), undefined);
    assert.equal(
      proxyFromEnvironment('http://api.example.com', env({ HTTP_PROXY: 'http://p:3128' })),
      'http://p:3128/',
    );
  });

  it('never proxies localhost and loopback addresses', () => {
    for (const s of ['https://127.0.0.1:6443', 'https://localhost:6443', 'https://[::1]:6443']) {
      assert.equal(proxyFromEnvironment(s, env({ HTTPS_PROXY: 'http://p:3128' })), undefined, s);
    }
  });

  it('NO_PROXY: *, names with their subdomains, leading dots, IPs, CIDRs and ports', () => {
    const cases: [string, string, string, boolean][] = [
      ['api.example.com', '6443', '*', true],
      ['api.example.com', '6443', 'example.com', true],
      ['example.com', '6443', 'example.com', true],
      ['example.com', '6443', '.example.com', false],
      ['api.example.com', '6443', '*.example.com', true],
      ['notexample.com', '6443', 'example.com', false],
      ['api.example.com', '6443', 'example.com:443', false],
      ['api.example.com', '6443', 'example.com:6443', true],
      ['10.1.2.3', '6443', '10.0.0.0/8', true],
      ['10.1.2.3', '6443', '10.1.2.3', true],
      ['10.1.2.4', '6443', ' 10.1.2.3 , other', false],
      ['API.Example.com', '6443', 'example.COM', true],
    ];
    for (const [host, port, noProxy, bypass] of cases)
      assert.equal(bypassesProxy(host, port, noProxy), bypass, `${host}:${port} NO_PROXY=${noProxy}`);
  });

  describe('our client through a CONNECT proxy on 127.0.0.1', () => {
    let server: http.Server;
    let proxy: ConnectProxy;
    let port: number;
    before(async () => {
      server = http.createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end('{"kind":"APIVersions"}');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
      proxy = await ConnectProxy.start();
    });
    after(async () => {
      await proxy.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    // A name that does not resolve: only a client that goes through the proxy reaches the server.
    const kubeconfig = () =>
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'c',
        clusters: [
          { name: 'k', cluster: { server: `http://api.sak-test.invalid:${port}`, 'insecure-skip-tls-verify': true } },
        ],
        users: [{ name: 'u', user: { token: 'not-a-real-token' } }],
        contexts: [{ name: 'c', context: { cluster: 'k', user: 'u' } }],
      });

    it('goes through HTTP_PROXY, and not when NO_PROXY names the host', async () => {
      const conn = await connectWithKubeconfigText(kubeconfig(), undefined, { env: { HTTP_PROXY: proxy.url } });
      try {
        assert.deepEqual(await conn.client.request({ method: 'GET', path: '/api' }), { kind: 'APIVersions' });
        assert.deepEqual(proxy.tunnels, [`api.sak-test.invalid:${port}`]);
      } finally {
        conn.close();
      }
      const direct = await connectWithKubeconfigText(kubeconfig(), undefined, {
        env: { HTTP_PROXY: proxy.url, NO_PROXY: '.invalid' },
      });
      try {
        await assert.rejects(direct.client.request({ method: 'GET', path: '/api' }), (e: unknown) =>
          isSaKubeconfigError(e, 'unreachable'),
        );
        assert.equal(proxy.tunnels.length, 1);
      } finally {
        direct.close();
      }
    });
  });
});
