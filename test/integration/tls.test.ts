// The TLS settings of the caller's context carried into the generated kubeconfig, against the real cluster with
// the real kubectl as the judge: a context that trusts the system roots (the test CA made a system root with
// NODE_EXTRA_CA_CERTS for us and SSL_CERT_FILE for kubectl) gets a kubeconfig without a CA; an insecure context
// gets a warning; proxy-url and tls-server-name are carried; HTTPS_PROXY / NO_PROXY are honoured as kubectl does.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as yaml from 'js-yaml';

import { EXIT } from '../../src/cli/io';
import { Cleanup, clusterEnv, kubectl, kubectlOk, privateTempDir, uniqueName } from '../support/cluster';
import { ConnectProxy } from '../support/connectProxy';
import { runCli } from '../support/users';

interface Kubeconfig {
  clusters: { name: string; cluster: Record<string, unknown> }[];
  users: { name: string; user: Record<string, unknown> }[];
  contexts: { name: string; context: Record<string, unknown> }[];
  'current-context': string;
}

describe('TLS settings of the source context, carried over (cluster)', function () {
  const env = clusterEnv();
  const cleanup = new Cleanup();
  const caFile = path.join(env.dir, 'pki', 'ca.crt');
  const port = new URL(env.server).port;
  let dir: string;
  let ns: string;
  let admin: Kubeconfig;
  /** The admin kubeconfig with its cluster entry changed, written to a file. */
  const variant = (name: string, cluster: (c: Record<string, unknown>) => Record<string, unknown>): string => {
    const doc = structuredClone(admin);
    doc.clusters = doc.clusters.map((c) => ({ ...c, cluster: cluster({ ...c.cluster }) }));
    const file = path.join(dir, name);
    writeFileSync(file, yaml.dump(doc), { mode: 0o600 });
    return file;
  };
  const generated = (file: string) => (yaml.load(readFileSync(file, 'utf8')) as Kubeconfig).clusters[0].cluster;

  before(async () => {
    dir = cleanup.dir(privateTempDir());
    ns = cleanup.namespace(uniqueName('tls'));
    await kubectlOk(['create', 'namespace', ns]);
    admin = yaml.load(readFileSync(env.adminKubeconfig, 'utf8')) as Kubeconfig;
  });
  after(() => cleanup.run());

  it('a context that verifies with the system roots: the kubeconfig embeds no CA, and kubectl uses it', async () => {
    const source = variant('system-roots', ({ 'certificate-authority-data': _dropped, ...c }) => c);
    const out = path.join(dir, 'system.kubeconfig');
    const r = await runCli(['create', '-n', ns, '-s', 'sys', '--rule', 'pods:list', '--out', out], source, 60_000, {
      NODE_EXTRA_CA_CERTS: caFile,
    });
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.deepEqual(generated(out), { server: env.server }, 'no certificate-authority-data, no insecure flag');
    const ok = await kubectl(['get', 'pods', '-n', ns], { kubeconfig: out, extraEnv: { SSL_CERT_FILE: caFile } });
    assert.equal(ok.code, 0, ok.stderr);
    // Without the test CA among the system roots the same file is rejected: it really relies on them.
    const rejected = await kubectl(['get', 'pods', '-n', ns], {
      kubeconfig: out,
      extraEnv: { SSL_CERT_FILE: path.join(dir, 'no-such-bundle') },
    });
    assert.notEqual(rejected.code, 0);
    assert.match(rejected.stderr, /x509|certificate/);
  });

  it(
    "an insecure context: a warning with the CA's fingerprint and what to do; " + 'insecure only with --insecure',
    async () => {
      const source = variant('insecure', ({ 'certificate-authority-data': _dropped, ...c }) => ({
        ...c,
        'insecure-skip-tls-verify': true,
      }));
      const out = path.join(dir, 'from-insecure.kubeconfig');
      const r = await runCli(['create', '-n', ns, '-s', 'insec', '--rule', 'pods:list', '--out', out], source);
      assert.equal(r.code, EXIT.ok, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          /warning: Your context skips TLS verification .* read over a connection nobody verified\. /.source +
            /Compare its fingerprint SHA256 [0-9A-F:]{95}/.source,
        ),
      );
      assert.match(r.stderr, /--insecure/);
      const cluster = generated(out);
      assert.equal(cluster['insecure-skip-tls-verify'], undefined);
      assert.equal(
        Buffer.from(String(cluster['certificate-authority-data']), 'base64').toString().trim(),
        readFileSync(caFile, 'utf8').trim(),
      );
      assert.equal((await kubectl(['get', 'pods', '-n', ns], { kubeconfig: out })).code, 0);

      const asked = path.join(dir, 'asked-insecure.kubeconfig');
      const r2 = await runCli(
        ['create', '-n', ns, '-s', 'insec', '--rule', 'pods:list', '--insecure', '--out', asked],
        source,
      );
      assert.equal(r2.code, EXIT.ok, r2.stderr);
      assert.deepEqual(generated(asked), { server: env.server, 'insecure-skip-tls-verify': true });
    },
  );

  describe('through a CONNECT proxy on 127.0.0.1', () => {
    let proxy: ConnectProxy;
    before(async () => {
      proxy = await ConnectProxy.start();
    });
    after(() => proxy.close());

    it('proxy-url and tls-server-name are carried over, and kubectl reaches the cluster with them', async () => {
      // A name that resolves nowhere and is not in the serving certificate: only the proxy reaches the server, and
      // only tls-server-name makes its certificate match.
      const server = `https://sak-alias.invalid:${port}`;
      const source = variant('proxied', (c) => ({
        ...c,
        server,
        'proxy-url': proxy.url,
        'tls-server-name': 'kubernetes.default.svc',
      }));
      const out = path.join(dir, 'proxied.kubeconfig');
      const r = await runCli(['create', '-n', ns, '-s', 'proxied', '--rule', 'pods:list', '--out', out], source);
      assert.equal(r.code, EXIT.ok, r.stderr);
      const cluster = generated(out);
      assert.equal(cluster.server, server);
      assert.equal(cluster['proxy-url'], proxy.url);
      assert.equal(cluster['tls-server-name'], 'kubernetes.default.svc');
      const before = proxy.tunnels.length;
      const ok = await kubectl(['get', 'pods', '-n', ns], { kubeconfig: out });
      assert.equal(ok.code, 0, ok.stderr);
      assert.ok(
        proxy.tunnels.length > before && proxy.tunnels.every((t) => t === `sak-alias.invalid:${port}`),
        proxy.tunnels.join(', '),
      );
    });

    it('HTTPS_PROXY is honoured for our own connections, NO_PROXY bypasses it, as for kubectl', async () => {
      const server = `https://kubernetes.default.svc:${port}`;
      const source = variant('env-proxy', (c) => ({ ...c, server }));
      const out = path.join(dir, 'env-proxy.kubeconfig');
      const before = proxy.tunnels.length;
      const r = await runCli(
        ['create', '-n', ns, '-s', 'envproxy', '--rule', 'pods:list', '--out', out],
        source,
        60_000,
        { HTTPS_PROXY: proxy.url, NO_PROXY: '' },
      );
      assert.equal(r.code, EXIT.ok, r.stderr);
      assert.ok(proxy.tunnels.slice(before).includes(`kubernetes.default.svc:${port}`));
      assert.equal(
        generated(out)['proxy-url'],
        undefined,
        "the environment's proxy is the environment's, not the kubeconfig's",
      );
      assert.equal(
        (
          await kubectl(['get', 'pods', '-n', ns], {
            kubeconfig: out,
            extraEnv: { HTTPS_PROXY: proxy.url, NO_PROXY: '' },
          })
        ).code,
        0,
      );

      const bypassed = await runCli(['list', '-n', ns], source, 60_000, { HTTPS_PROXY: proxy.url, NO_PROXY: '.svc' });
      const kubectlBypassed = await kubectl(['get', 'pods', '-n', ns], {
        kubeconfig: out,
        extraEnv: { HTTPS_PROXY: proxy.url, NO_PROXY: '.svc' },
      });
      assert.equal(bypassed.code, EXIT.failure);
      assert.match(bypassed.stderr, /Cannot reach the API server/);
      assert.notEqual(kubectlBypassed.code, 0, 'kubectl bypasses the proxy for the same NO_PROXY');
    });
  });
});
