// What a user sees when something is wrong: unreachable servers, TLS problems, expired or invalid
// credentials, Forbidden, a missing namespace, a broken kubeconfig; and that no token ever reaches a message or log.
import * as assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { connect, connectWithKubeconfigText } from '../../src/core/cluster/connect';
import { listNamespaces } from '../../src/core/cluster/namespaces';
import { whoAmI } from '../../src/core/cluster/reviews';
import { isSaKubeconfigError, SaKubeconfigError } from '../../src/core/errors';
import { provision } from '../../src/core/provision';
import type { Logger } from '../../src/core/types';
import {
  Cleanup,
  clusterEnv,
  currentContextOf,
  kubectl,
  kubectlOk,
  privateTempDir,
  restrictedConnection,
  uniqueName,
  writeKubeconfig,
} from '../support/cluster';
import { runCli } from '../support/users';

function kubeconfigText(server: string, user: Record<string, unknown>, ca?: string): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster: { server, ...(ca ? { 'certificate-authority-data': ca } : {}) } }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u', namespace: 'default' } }],
    'current-context': 'ctx',
  });
}

function clusterCaData(): string {
  const m = /certificate-authority-data:\s*(\S+)/.exec(readFileSync(clusterEnv().adminKubeconfig, 'utf8'));
  return m![1];
}

async function whoamiError(text: string): Promise<SaKubeconfigError> {
  const conn = await connectWithKubeconfigText(text, undefined, { timeoutMs: 10_000 });
  try {
    await whoAmI(conn);
  } catch (err) {
    if (err instanceof SaKubeconfigError) return err;
    throw err;
  } finally {
    conn.close();
  }
  throw new Error('expected an error');
}

/** A service account token signed with the cluster's own key, but expired an hour ago. */
function expiredToken(): string {
  const env = clusterEnv();
  const key = readFileSync(path.join(env.dir, 'pki', 'sa.key'), 'utf8');
  const now = Math.floor(Date.now() / 1000);
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const header = b64({ alg: 'RS256', typ: 'JWT' });
  const payload = b64({
    iss: 'https://kubernetes.default.svc.cluster.local',
    aud: ['https://kubernetes.default.svc.cluster.local'],
    sub: 'system:serviceaccount:default:default',
    iat: now - 7200,
    nbf: now - 7200,
    exp: now - 3600,
    'kubernetes.io': {
      namespace: 'default',
      serviceaccount: { name: 'default', uid: '00000000-0000-0000-0000-000000000000' },
    },
  });
  const signature = createSign('RSA-SHA256').update(`${header}.${payload}`).sign(key).toString('base64url');
  return `${header}.${payload}.${signature}`;
}

describe('clear errors', function () {
  const cleanup = new Cleanup();
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('unreachable server: "unreachable" with connection refused and a hint', async function () {
    const err = await whoamiError(kubeconfigText('https://127.0.0.1:1', { token: 'x' }, clusterCaData()));
    assert.equal(err.code, 'unreachable');
    assert.match(
      err.message,
      /Cannot reach the API server https:\/\/127\.0\.0\.1:1 \(context "ctx"\): connection refused/,
    );
    assert.match(err.hint, /cluster is running/);
  });

  it('unknown host: "unreachable" with host name not found', async function () {
    const err = await whoamiError(
      kubeconfigText('https://no-such-cluster.invalid:6443', { token: 'x' }, clusterCaData()),
    );
    assert.equal(err.code, 'unreachable');
    assert.match(err.message, /host name not found/);
  });

  it('server certificate not trusted (no CA in the kubeconfig): "tls"', async function () {
    const err = await whoamiError(kubeconfigText(clusterEnv().server, { token: 'x' }));
    assert.equal(err.code, 'tls');
    assert.match(err.message, /TLS verification of https:\/\/127\.0\.0\.1:\d+ failed/);
    assert.match(err.hint, /certificate-authority/);
  });

  it('invalid token: "unauthorized", tells to log in again, never shows the token', async function () {
    const token = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2JvZHkiLCJmb28iOiJiYXIifQ.c2lnbmF0dXJlLW5vdC12YWxpZA';
    const err = await whoamiError(kubeconfigText(clusterEnv().server, { token }, clusterCaData()));
    assert.equal(err.code, 'unauthorized');
    assert.equal(err.status, 401);
    assert.match(err.message, /The cluster rejected the credentials \(context "ctx"\)/);
    assert.match(err.hint, /log in again/);
    assert.ok(!JSON.stringify(err.toJSON()).includes(token.slice(0, 20)));
  });

  it('expired token (signed by the cluster, expired an hour ago): "unauthorized"', async function () {
    const token = expiredToken();
    const err = await whoamiError(kubeconfigText(clusterEnv().server, { token }, clusterCaData()));
    assert.equal(err.code, 'unauthorized');
    assert.match(err.hint, /expired or invalid: log in again/);
    assert.ok(!err.toDisplayString().includes(token.slice(0, 30)));
  });

  it('Forbidden names the verb and resource', async function () {
    const conn = await restrictedConnection();
    try {
      await assert.rejects(
        conn.client.request({
          method: 'GET',
          path: '/api/v1/namespaces/restricted-ns/secrets',
          action: 'list secrets in namespace "restricted-ns"',
        }),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'forbidden'));
          assert.match(
            err.message,
            new RegExp(
              /Forbidden: secrets is forbidden: User "restricted" cannot list resource "secrets" in API group "" /
                .source + /in the namespace "restricted-ns"/.source,
            ),
          );
          return true;
        },
      );
    } finally {
      conn.close();
    }
  });

  it(
    "the service account's namespace does not exist: " + '"notFound" naming it, and the hint to create it',
    async function () {
      const env = clusterEnv();
      const ns = uniqueName('missing');
      await assert.rejects(
        provision(
          {
            context: currentContextOf(env.adminKubeconfig),
            namespace: ns,
            serviceAccount: 'x',
            rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
            roleRefs: [],
            scope: { kind: 'namespaces', namespaces: [ns] },
            token: { kind: 'timeBound', durationSeconds: 3600 },
            kubeconfig: {},
          },
          { kubeconfigPath: env.adminKubeconfig },
        ),
        (err: unknown) => {
          assert.ok(isSaKubeconfigError(err, 'notFound'), String(err));
          assert.equal(err.message, `Nothing was created: the service account's namespace "${ns}" does not exist.`);
          assert.equal(
            err.hint,
            `Ask sa-kubeconfig to create "${ns}" (--create-namespace), or pick an existing namespace.`,
          );
          return true;
        },
      );
    },
  );

  it(
    'namespaces given for the permissions do not exist: the CLI names exactly those, ' +
      'says --create-namespace does not make them, creates nothing',
    async function () {
      this.timeout(60_000);
      const env = clusterEnv();
      const own = uniqueName('own');
      const [gone1, gone2] = [uniqueName('gone'), uniqueName('gone')];
      const existing = cleanup.namespace(uniqueName('there'));
      await kubectlOk(['create', 'namespace', existing]);
      const r = await runCli(
        [
          'create',
          '-n',
          own,
          '--create-namespace',
          '-s',
          'ci',
          '--rule',
          'pods:get',
          '--namespaces',
          `${own},${existing},${gone1},${gone2}`,
        ],
        env.adminKubeconfig,
      );
      // Invalid input that changed nothing: exit 2, as `--help` and the README say.
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(
          `Nothing was created: namespaces "${gone1}", "${gone2}", where permissions were to be granted ` +
            '\\(--namespaces\\), do not exist\\.',
        ),
      );
      assert.match(
        r.stderr,
        new RegExp(
          `Create them first \\(kubectl create namespace ${gone1} ${gone2}\\) or leave them out of --namespaces; ` +
            `--create-namespace only creates the service account's own namespace \\("${own}"\\)\\.`,
        ),
      );
      assert.doesNotMatch(
        r.stderr,
        new RegExp(`"${own}" does not exist|"${existing}"`),
        'only the missing namespaces are named',
      );
      assert.notEqual(
        (await kubectl(['get', 'namespace', own])).code,
        0,
        "nothing was created, not even the service account's namespace",
      );
      assert.equal((await kubectlOk(['get', 'roles,rolebindings', '-n', existing, '-o', 'name'])).trim(), '');
    },
  );

  it(
    'the CLI with a missing namespace exits 2 (invalid input, ' + 'nothing changed), and --help says so',
    async function () {
      const env = clusterEnv();
      const ns = uniqueName('missing');
      const r = await runCli(['create', '-n', ns, '-s', 'x', '--rule', 'pods:get'], env.adminKubeconfig);
      assert.equal(r.code, 2, r.stderr);
      assert.match(
        r.stderr,
        new RegExp(`error: Nothing was created: the service account's namespace "${ns}" does not exist\\.`),
      );
      const help = await runCli(['--help'], env.adminKubeconfig);
      assert.match(
        help.stdout,
        new RegExp(
          /2 {2}usage error or invalid input: bad flags or values, or a namespace, service account or Secret\n/.source +
            /\s+that does not exist; nothing was changed/.source,
        ),
      );
    },
  );

  it('every problem with the input at once (names and rules), exit 2, before anything is sent', async function () {
    const env = clusterEnv();
    const r = await runCli(['create', '-n', 'Bad_NS', '-s', 'x', '--rule', 'pods:gte'], env.adminKubeconfig);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /^error: The input has 2 problems:\n/);
    assert.match(r.stderr, /- Namespace "Bad_NS" is not a valid name: use lower case only .* Try "bad-ns"\./);
    assert.match(r.stderr, /- .*"gte"/);
  });

  it('kubeconfig problems: missing file, unknown context', async function () {
    await assert.rejects(connect({ kubeconfigPath: '/nonexistent/kubeconfig' }), (err: unknown) => {
      assert.ok(isSaKubeconfigError(err, 'kubeconfig'));
      assert.match(err.message, /Kubeconfig file \/nonexistent\/kubeconfig does not exist/);
      return true;
    });
    await assert.rejects(connect({ kubeconfigPath: clusterEnv().adminKubeconfig, context: 'nope' }), (err: unknown) => {
      assert.ok(isSaKubeconfigError(err, 'kubeconfig'));
      assert.match(err.message, /Context "nope" is not in .*admin\.kubeconfig \(contexts: admin@local\)/);
      return true;
    });
  });

  it('KUBECONFIG with several files: first file wins, like kubectl', async function () {
    const dir = cleanup.dir(privateTempDir());
    const admin = readFileSync(clusterEnv().adminKubeconfig, 'utf8');
    // Second file: same names, pointing at a dead server. It must lose.
    const decoy = writeKubeconfig(
      dir,
      'decoy',
      admin
        .replace(/server: \S+/, 'server: https://127.0.0.1:1')
        .replace(/current-context: \S+/, 'current-context: other'),
    );
    const conn = await connect({ env: { KUBECONFIG: `${clusterEnv().adminKubeconfig}${path.delimiter}${decoy}` } });
    try {
      assert.equal(conn.server, clusterEnv().server);
      assert.equal((await whoAmI(conn)).username, 'sa-kubeconfig-admin');
    } finally {
      conn.close();
    }
  });

  it('listing namespaces without the right falls back to the context namespace', async function () {
    const env = clusterEnv();
    const ns = cleanup.namespace(uniqueName('nslist'));
    const r = await provision(
      {
        context: currentContextOf(env.adminKubeconfig),
        namespace: ns,
        createNamespace: true,
        serviceAccount: 'viewer',
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['list'] }],
        roleRefs: [],
        scope: { kind: 'namespaces', namespaces: [ns] },
        token: { kind: 'timeBound', durationSeconds: 3600 },
        kubeconfig: {},
      },
      { kubeconfigPath: env.adminKubeconfig, verify: false },
    );
    const conn = await connectWithKubeconfigText(r.kubeconfigYaml!);
    try {
      assert.deepEqual(await listNamespaces(conn), {
        namespaces: [ns],
        source: 'context',
        note:
          'Listing namespaces is not allowed (nor OpenShift projects): ' +
          `showing only the context's namespace "${ns}".`,
      });
    } finally {
      conn.close();
    }
    const restricted = await restrictedConnection();
    try {
      const list = await listNamespaces(restricted);
      assert.equal(list.source, 'namespaces');
      assert.ok(list.namespaces.includes('restricted-ns'));
    } finally {
      restricted.close();
    }
  });

  it('no token appears in any log line of a provision, debug included', async function () {
    const env = clusterEnv();
    const ns = cleanup.namespace(uniqueName('nolog'));
    const lines: string[] = [];
    const logger: Logger = {
      debug: (m) => lines.push(m),
      info: (m) => lines.push(m),
      warn: (m) => lines.push(m),
      error: (m) => lines.push(m),
    };
    const r = await provision(
      {
        context: currentContextOf(env.adminKubeconfig),
        namespace: ns,
        createNamespace: true,
        serviceAccount: 'quiet',
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
        roleRefs: [],
        scope: { kind: 'namespaces', namespaces: [ns] },
        token: { kind: 'longLived' },
        kubeconfig: {},
      },
      { kubeconfigPath: env.adminKubeconfig, logger },
    );
    const token = /token: (\S+)/.exec(r.kubeconfigYaml!)![1];
    assert.ok(lines.length > 10);
    assert.ok(lines.every((l) => !l.includes(token) && !l.includes(token.slice(0, 40))));
    const { kubeconfigYaml: _k, ...rest } = r;
    assert.ok(!JSON.stringify(rest).includes(token), 'the result outside kubeconfigYaml holds no token');
  });
});
