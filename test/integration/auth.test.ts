// Our own authentication (core/cluster/auth.ts) against the real API server, with kubectl as the judge: for each
// kind of kubeconfig user, the identity the server sees through our client (a SelfSubjectReview) is the one it
// sees through `kubectl auth whoami` with the same file. Kinds: an exec plugin (a real process printing an
// ExecCredential), a token-file, client certificate and key files, and impersonation (as, as-groups).
import * as assert from 'node:assert/strict';
import { chmodSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { clearExecCredentials } from '../../src/core/cluster/auth';
import { connect } from '../../src/core/cluster/connect';
import { Cleanup, clusterEnv, kubectl, kubectlOk, privateTempDir, uniqueName } from '../support/cluster';

interface Whoami {
  username: string;
  groups: string[];
}

/** Who the server says we are, through our client and through kubectl, with the same kubeconfig file. */
async function bothSee(kubeconfig: string): Promise<{ ours: Whoami; kubectl: Whoami }> {
  const conn = await connect({ kubeconfigPath: kubeconfig });
  try {
    const review = await conn.client.request<{ status: { userInfo: Whoami } }>({
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
    });
    const judge = await kubectl(['auth', 'whoami', '-o', 'json'], { kubeconfig });
    assert.equal(judge.code, 0, judge.stderr);
    const info = (JSON.parse(judge.stdout) as { status: { userInfo: Whoami } }).status.userInfo;
    return { ours: review.status.userInfo, kubectl: info };
  } finally {
    conn.close();
  }
}

describe('authentication without client-node, judged by kubectl', function () {
  this.timeout(120_000);
  const cleanup = new Cleanup();
  const env = clusterEnv();
  let dir: string;
  let ns: string;
  let token: string;
  let cluster: Record<string, unknown>;
  let admin: Record<string, string>;

  before(async () => {
    dir = cleanup.dir(privateTempDir());
    ns = cleanup.namespace(uniqueName('auth'));
    await kubectlOk(['create', 'namespace', ns]);
    await kubectlOk(['create', 'serviceaccount', 'robot', '-n', ns]);
    token = (await kubectlOk(['create', 'token', 'robot', '-n', ns, '--duration', '10m'])).trim();
    const adminConfig = JSON.parse(
      await kubectlOk(['config', 'view', '--raw', '--minify', '-o', 'json'], { kubeconfig: env.adminKubeconfig }),
    ) as { clusters: { cluster: Record<string, unknown> }[]; users: { user: Record<string, string> }[] };
    cluster = adminConfig.clusters[0].cluster;
    admin = adminConfig.users[0].user;
  });
  after(() => cleanup.run());
  beforeEach(() => clearExecCredentials());

  function kubeconfigWith(name: string, user: Record<string, unknown>): string {
    const file = path.join(dir, `${name}.kubeconfig`);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': name,
        clusters: [{ name: 'local', cluster }],
        users: [{ name, user }],
        contexts: [{ name, context: { cluster: 'local', user: name, namespace: ns } }],
      }),
      { mode: 0o600 },
    );
    return file;
  }

  it('an exec plugin (client.authentication.k8s.io/v1) that prints the token', async () => {
    const plugin = path.join(dir, 'plugin.js');
    const tokenFile = path.join(dir, 'plugin-token');
    writeFileSync(tokenFile, token, { mode: 0o600 });
    writeFileSync(
      plugin,
      '#!/usr/bin/env node\n' +
        "const token = require('node:fs').readFileSync(process.env.TOKEN_AT, 'utf8');\n" +
        "process.stdout.write(JSON.stringify({ apiVersion: 'client.authentication.k8s.io/v1', " +
        "kind: 'ExecCredential', status: { token } }));\n",
    );
    chmodSync(plugin, 0o700);
    const file = kubeconfigWith('exec-user', {
      exec: {
        apiVersion: 'client.authentication.k8s.io/v1',
        command: plugin,
        env: [{ name: 'TOKEN_AT', value: tokenFile }],
        interactiveMode: 'Never',
      },
    });
    const seen = await bothSee(file);
    assert.equal(seen.ours.username, `system:serviceaccount:${ns}:robot`);
    assert.deepEqual(seen.ours, seen.kubectl);
  });

  it('a tokenFile (kubectl reads this name; with `token-file` it would ask for a username)', async () => {
    const tokenFile = path.join(dir, 'token');
    writeFileSync(tokenFile, `${token}\n`, { mode: 0o600 });
    const seen = await bothSee(kubeconfigWith('file-user', { tokenFile }));
    assert.equal(seen.ours.username, `system:serviceaccount:${ns}:robot`);
    assert.deepEqual(seen.ours, seen.kubectl);
  });

  it('client-certificate and client-key files, and certificate-authority as a file', async () => {
    const write = (name: string, b64: unknown) => {
      const f = path.join(dir, name);
      writeFileSync(f, Buffer.from(String(b64), 'base64'), { mode: 0o600 });
      return f;
    };
    const crt = write('admin.crt', admin['client-certificate-data']);
    const key = write('admin.key', admin['client-key-data']);
    const ca = write('ca.crt', cluster['certificate-authority-data']);
    const saved = cluster;
    cluster = { server: saved.server, 'certificate-authority': ca };
    try {
      const seen = await bothSee(kubeconfigWith('cert-files', { 'client-certificate': crt, 'client-key': key }));
      assert.ok(seen.ours.username, 'the admin has a name');
      assert.deepEqual(seen.ours, seen.kubectl);
    } finally {
      cluster = saved;
    }
  });

  it('impersonation: as and as-groups on top of the admin certificate', async () => {
    const seen = await bothSee(
      kubeconfigWith('impersonating', {
        ...admin,
        as: `system:serviceaccount:${ns}:robot`,
        'as-groups': ['system:serviceaccounts', 'sak-auditors'],
      }),
    );
    assert.equal(seen.ours.username, `system:serviceaccount:${ns}:robot`);
    assert.ok(seen.ours.groups.includes('sak-auditors'), seen.ours.groups.join(', '));
    assert.deepEqual(seen.ours, seen.kubectl);
  });
});
