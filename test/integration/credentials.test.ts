// Issue 8's acceptance, through the CLI as a user runs it, with kubectl as the judge: every credential is
// revocable on its own, rotation is make-before-break (a refused rotation leaves the old credential working and
// says so), output targets are checked before the cluster is touched, and `list` shows real expiries, never a token.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { connect } from '../../src/core/cluster/connect';
import { issueCredential } from '../../src/core/credentials/issue';
import { isSaKubeconfigError } from '../../src/core/errors';
import { Cleanup, clusterEnv, eventually, kubectl, kubectlOk, privateTempDir, uniqueName } from '../support/cluster';
import { clientCertificateKubeconfig, runCli, type CliRun } from '../support/users';

const INTACT = /old credential is intact/;

/** kubectl with this kubeconfig: 'ok', 'unauthorized', or the error text. */
async function access(kubeconfig: string, namespace: string): Promise<string> {
  const r = await kubectl(['get', 'pods', '-n', namespace], { kubeconfig });
  if (r.code === 0) return 'ok';
  return /Unauthorized|must be logged in/.test(r.stderr) ? 'unauthorized' : r.stderr;
}

/** Gets 401 within 15 s (the API server's token cache holds a validated token for about 10 s). */
async function becomesUnauthorized(kubeconfig: string, namespace: string): Promise<void> {
  await eventually(
    async () => (await access(kubeconfig, namespace)) === 'unauthorized',
    15_000,
    `${path.basename(kubeconfig)} to get 401`,
  );
}

/** Still works now, and after the token cache would have forgotten it (so a revoked token would show). */
async function keepsWorking(kubeconfig: string, namespace: string): Promise<void> {
  assert.equal(await access(kubeconfig, namespace), 'ok');
  await new Promise((r) => setTimeout(r, 11_000));
  assert.equal(await access(kubeconfig, namespace), 'ok', `${path.basename(kubeconfig)} stopped working`);
}

function tokenOf(kubeconfig: string): string {
  return /token: (\S+)/.exec(readFileSync(kubeconfig, 'utf8'))![1];
}

interface ListedCredential {
  id: string;
  kind: string;
  state: string;
  expiresAt?: string;
  secretName?: string;
  destinations: { kind: string; path?: string }[];
}

async function credentialsOf(
  namespace: string,
  serviceAccount: string,
  kubeconfig: string,
): Promise<{ run: CliRun; credentials: ListedCredential[] }> {
  const run = await runCli(['list', '-n', namespace, '-s', serviceAccount, '-o', 'json'], kubeconfig);
  assert.equal(run.code, 0, run.stderr);
  const parsed = JSON.parse(run.stdout) as { serviceAccounts: { name: string; credentials: ListedCredential[] }[] };
  return { run, credentials: parsed.serviceAccounts.find((sa) => sa.name === serviceAccount)?.credentials ?? [] };
}

describe('credentials through the CLI (issue 8)', function () {
  this.timeout(120_000);
  const cleanup = new Cleanup();
  const env = () => clusterEnv();
  let dir: string;
  const previousLedger = process.env.SA_KUBECONFIG_LEDGER;

  before(function () {
    dir = cleanup.dir(privateTempDir());
    process.env.SA_KUBECONFIG_LEDGER = path.join(dir, 'ledger.json');
  });
  after(async function () {
    this.timeout(60_000);
    if (previousLedger === undefined) delete process.env.SA_KUBECONFIG_LEDGER;
    else process.env.SA_KUBECONFIG_LEDGER = previousLedger;
    await cleanup.run();
  });

  /** The README's create command (with --bind-to-secret, which earlier versions needed for a revocable token). */
  async function readmeCreate(ns: string, out: string, extra: string[] = []): Promise<CliRun> {
    const r = await runCli(
      [
        'create',
        '-n',
        ns,
        '--create-namespace',
        '-s',
        'myexample-sa',
        '--rule',
        'pods:get,watch,list,create',
        '--rule',
        'pods/exec:create',
        '--duration',
        '24h',
        '--out',
        out,
        ...extra,
      ],
      env().adminKubeconfig,
    );
    assert.equal(r.code, 0, r.stderr);
    return r;
  }

  it(
    "the README's create command gives a revocable credential: " + 'revoke, and kubectl gets 401 within 15 s',
    async function () {
      const ns = cleanup.namespace(uniqueName('cred-readme'));
      const file = path.join(dir, 'readme.kubeconfig');
      await runCli(
        [
          'create',
          '-n',
          ns,
          '--create-namespace',
          '-s',
          'myexample-sa',
          '--rule',
          'pods:get,watch,list,create',
          '--rule',
          'pods/exec:create',
          '--duration',
          '24h',
          '--out',
          file,
        ],
        env().adminKubeconfig,
      ).then((r) => assert.equal(r.code, 0, r.stderr));
      assert.equal(await access(file, ns), 'ok');
      const { credentials } = await credentialsOf(ns, 'myexample-sa', env().adminKubeconfig);
      assert.equal(credentials.length, 1);
      const revoked = await runCli(
        ['revoke', '-n', ns, '-s', 'myexample-sa', '--credential', credentials[0].id],
        env().adminKubeconfig,
      );
      assert.equal(revoked.code, 0, revoked.stderr);
      assert.match(revoked.stdout, /within about 10 seconds/);
      assert.doesNotMatch(revoked.stdout + revoked.stderr, /at once/);
      await becomesUnauthorized(file, ns);
    },
  );

  it('two kubeconfigs for the same service account: revoking one leaves the other working', async function () {
    const ns = cleanup.namespace(uniqueName('cred-two'));
    const a = path.join(dir, 'two-a.kubeconfig');
    const b = path.join(dir, 'two-b.kubeconfig');
    await readmeCreate(ns, a, ['--note', 'pipeline a']);
    await readmeCreate(ns, b, ['--note', 'pipeline b']);
    const { credentials } = await credentialsOf(ns, 'myexample-sa', env().adminKubeconfig);
    assert.equal(credentials.length, 2);
    const ofA = credentials.find((c) => c.destinations.some((d) => d.path === a));
    assert.ok(ofA, `the ledger says where each went: ${JSON.stringify(credentials)}`);
    const r = await runCli(['revoke', '-n', ns, '-s', 'myexample-sa', '--credential', ofA.id], env().adminKubeconfig);
    assert.equal(r.code, 0, r.stderr);
    await becomesUnauthorized(a, ns);
    await keepsWorking(b, ns);
  });

  describe('a refused rotation leaves the old credential working and says so', function () {
    let ns: string;
    let old: string;
    let rotator: string;
    before(async function () {
      ns = cleanup.namespace(uniqueName('cred-rotfail'));
      old = path.join(dir, 'rotfail-old.kubeconfig');
      await readmeCreate(ns, old, ['--bind-to-secret']);
    });

    it('a lifetime the server refuses (5m): exit 2 before any change', async function () {
      const r = await runCli(
        [
          'rotate',
          '-n',
          ns,
          '-s',
          'myexample-sa',
          '--duration',
          '5m',
          '--out',
          path.join(dir, 'rotfail-5m.kubeconfig'),
        ],
        env().adminKubeconfig,
      );
      assert.notEqual(r.code, 0);
      await keepsWorking(old, ns);
      assert.match(r.stderr, /at least 10m/);
      assert.match(r.stderr, INTACT);
    });

    it('a TokenRequest the caller may not make (403: no serviceaccounts/token)', async function () {
      const user = `rotator-${ns}`;
      await kubectlOk([
        'create',
        'role',
        'rotator',
        '-n',
        ns,
        '--verb=get,list,watch,create,update,patch,delete',
        '--resource=secrets,serviceaccounts,roles,rolebindings,configmaps',
      ]);
      await kubectlOk(['create', 'rolebinding', 'rotator', '-n', ns, '--role=rotator', `--user=${user}`]);
      const kubeconfig = clientCertificateKubeconfig(user, { namespace: ns });
      rotator = kubeconfig;
      cleanup.dir(path.dirname(kubeconfig));
      const r = await runCli(
        ['rotate', '-n', ns, '-s', 'myexample-sa', '--out', path.join(dir, 'rotfail-403.kubeconfig')],
        kubeconfig,
      );
      assert.notEqual(r.code, 0);
      await keepsWorking(old, ns);
      assert.match(r.stderr, /serviceaccounts\/token/);
      assert.match(r.stderr, INTACT);
    });

    it(
      'core: a TokenRequest refused after the credential Secret was made takes that Secret away again ' +
        '(no half-made credential)',
      async function () {
        const secretsBefore = await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name']);
        const conn = await connect({ kubeconfigPath: rotator });
        try {
          // Skipping the access check lets the request reach the server,
          // as on a cluster whose authorizer a review cannot predict.
          await assert.rejects(
            issueCredential(conn, { namespace: ns, serviceAccount: 'myexample-sa', skipAccessCheck: true }),
            (err: unknown) => {
              assert.ok(isSaKubeconfigError(err, 'forbidden'), String(err));
              assert.match(
                err.message,
                /The credential Secret "myexample-sa-cred-[a-z0-9]{5}" made for it was deleted again/,
              );
              return true;
            },
          );
        } finally {
          conn.close();
        }
        await eventually(
          async () => (await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name'])) === secretsBefore,
          10_000,
          'the half-made Secret to go',
        );
        await keepsWorking(old, ns);
      },
    );

    it('an output target that refuses (a malformed --merge-into)', async function () {
      const broken = path.join(dir, 'rotfail-broken.yaml');
      writeFileSync(broken, 'clusters: [unclosed\n', { mode: 0o600 });
      const r = await runCli(['rotate', '-n', ns, '-s', 'myexample-sa', '--merge-into', broken], env().adminKubeconfig);
      assert.notEqual(r.code, 0);
      await keepsWorking(old, ns);
      assert.match(r.stderr, /not valid YAML/);
      assert.match(r.stderr, INTACT);
      assert.equal(readFileSync(broken, 'utf8'), 'clusters: [unclosed\n');
    });
  });

  describe('a successful rotation', function () {
    let ns: string;
    before(async function () {
      ns = cleanup.namespace(uniqueName('cred-rot'));
    });

    it('the new kubeconfig works, the old one gets 401 within 15 s', async function () {
      const old = path.join(dir, 'rot-old.kubeconfig');
      const fresh = path.join(dir, 'rot-new.kubeconfig');
      await readmeCreate(ns, old);
      const r = await runCli(['rotate', '-n', ns, '-s', 'myexample-sa', '--out', fresh], env().adminKubeconfig);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /stop working within about 10 seconds/);
      assert.equal(await access(fresh, ns), 'ok');
      await becomesUnauthorized(old, ns);
    });

    it(
      'with --grace the old one keeps working, is listed superseded, ' + 'and revoke --superseded ends it',
      async function () {
        const before = (await credentialsOf(ns, 'myexample-sa', env().adminKubeconfig)).credentials;
        assert.equal(before.length, 1);
        const old = path.join(dir, 'rot-new.kubeconfig');
        const fresh = path.join(dir, 'rot-grace.kubeconfig');
        const r = await runCli(
          ['rotate', '-n', ns, '-s', 'myexample-sa', '--grace', '15m', '--out', fresh],
          env().adminKubeconfig,
        );
        assert.equal(r.code, 0, r.stderr);
        assert.equal(await access(fresh, ns), 'ok');
        await keepsWorking(old, ns);
        const listed = (await credentialsOf(ns, 'myexample-sa', env().adminKubeconfig)).credentials;
        assert.deepEqual(listed.find((c) => c.id === before[0].id)?.state, 'superseded');
        assert.equal(listed.filter((c) => c.state === 'active').length, 1);
        const revoke = await runCli(['revoke', '-n', ns, '-s', 'myexample-sa', '--superseded'], env().adminKubeconfig);
        assert.equal(revoke.code, 0, revoke.stderr);
        await becomesUnauthorized(old, ns);
        assert.equal(await access(fresh, ns), 'ok');
      },
    );
  });

  it(
    'create with a malformed --merge-into changes nothing in the cluster ' + '(resourceVersions, no new Secret)',
    async function () {
      const ns = cleanup.namespace(uniqueName('cred-merge'));
      await readmeCreate(ns, path.join(dir, 'merge-first.kubeconfig'));
      const snapshot = async () =>
        kubectlOk([
          'get',
          'serviceaccounts,roles,rolebindings,secrets',
          '-n',
          ns,
          '-o',
          'jsonpath={range .items[*]}{.kind}/{.metadata.name}@{.metadata.resourceVersion}{"\\n"}{end}',
        ]);
      const before = await snapshot();
      const rulesBefore = await kubectlOk([
        'get',
        'role',
        `sa-kubeconfig:${ns}:myexample-sa`,
        '-n',
        ns,
        '-o',
        'jsonpath={.rules}',
      ]);
      const broken = path.join(dir, 'broken.yaml');
      writeFileSync(broken, 'apiVersion: v1\nkind: Config\nclusters: {not: a list\n', { mode: 0o600 });
      const r = await runCli(
        ['create', '-n', ns, '-s', 'myexample-sa', '--rule', 'pods:get', '--merge-into', broken],
        env().adminKubeconfig,
      );
      assert.equal(
        await kubectlOk(['get', 'role', `sa-kubeconfig:${ns}:myexample-sa`, '-n', ns, '-o', 'jsonpath={.rules}']),
        rulesBefore,
        'the Role was not narrowed',
      );
      assert.equal(await snapshot(), before);
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /Nothing in the cluster was changed/);
    },
  );

  it(
    'create --merge-into a kubeconfig that has our entries already (--on-conflict refuse): ' +
      'exit 4 before any change',
    async function () {
      const ns = cleanup.namespace(uniqueName('cred-clash'));
      const merged = path.join(dir, 'clash.kubeconfig');
      const first = await runCli(
        ['create', '-n', ns, '--create-namespace', '-s', 'app', '--rule', 'pods:get', '--merge-into', merged],
        env().adminKubeconfig,
      );
      assert.equal(first.code, 0, first.stderr);
      const secretsBefore = await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name']);
      const again = await runCli(
        ['create', '-n', ns, '-s', 'app', '--rule', 'pods:get,list', '--merge-into', merged],
        env().adminKubeconfig,
      );
      assert.equal(
        await kubectlOk(['get', 'role', `sa-kubeconfig:${ns}:app`, '-n', ns, '-o', 'jsonpath={.rules[0].verbs}']),
        '["get"]',
        'the Role is as it was',
      );
      assert.equal(await kubectlOk(['get', 'secrets', '-n', ns, '-o', 'name']), secretsBefore, 'no new credential');
      assert.equal(again.code, 4, again.stderr);
      assert.match(again.stderr, /already has user ".*-app".*Nothing in the cluster was changed/s);
    },
  );

  it(
    'Secrets made by earlier versions (<sa>-token, <sa>-token-binding) stay listed credentials: ' +
      'a re-run never deletes them, revoke does',
    async function () {
      const ns = cleanup.namespace(uniqueName('cred-old'));
      await readmeCreate(ns, path.join(dir, 'old-first.kubeconfig'));
      const ours = {
        labels: { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' },
        annotations: { 'sa-kubeconfig.io/service-account': `${ns}/myexample-sa` },
      };
      await kubectlOk(['apply', '-f', '-'], {
        input: JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            {
              apiVersion: 'v1',
              kind: 'Secret',
              type: 'Opaque',
              metadata: { name: 'myexample-sa-token-binding', namespace: ns, ...ours },
            },
            {
              apiVersion: 'v1',
              kind: 'Secret',
              type: 'kubernetes.io/service-account-token',
              metadata: {
                name: 'myexample-sa-token',
                namespace: ns,
                labels: ours.labels,
                annotations: { ...ours.annotations, 'kubernetes.io/service-account.name': 'myexample-sa' },
              },
            },
          ],
        }),
      });
      await readmeCreate(ns, path.join(dir, 'old-second.kubeconfig'));
      const { credentials } = await credentialsOf(ns, 'myexample-sa', env().adminKubeconfig);
      const byId = new Map(credentials.map((c) => [c.id, c]));
      assert.equal(byId.get('myexample-sa-token-binding')?.kind, 'bound');
      assert.equal(byId.get('myexample-sa-token')?.kind, 'longLived');
      assert.equal(credentials.length, 4, JSON.stringify(credentials.map((c) => c.id)));
      const r = await runCli(
        ['revoke', '-n', ns, '-s', 'myexample-sa', '--credential', 'myexample-sa-token-binding', '-o', 'json'],
        env().adminKubeconfig,
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(
        (JSON.parse(r.stdout) as { notes: string[] }).notes.join(' '),
        /earlier sa-kubeconfig.*every token bound to it/,
      );
      assert.notEqual((await kubectl(['get', 'secret', 'myexample-sa-token-binding', '-n', ns])).code, 0);
      assert.equal(
        (await kubectl(['get', 'secret', 'myexample-sa-token', '-n', ns])).code,
        0,
        'only the named one went',
      );
    },
  );

  it('list shows each credential with its real expiry; -o json has the same fields and no token', async function () {
    const ns = cleanup.namespace(uniqueName('cred-list'));
    const file = path.join(dir, 'list.kubeconfig');
    await readmeCreate(ns, file, ['--note', 'github-actions deploy']);
    const token = tokenOf(file);
    const exp = (JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { exp: number }).exp;
    const { run, credentials } = await credentialsOf(ns, 'myexample-sa', env().adminKubeconfig);
    assert.ok(!run.stdout.includes(token) && !run.stderr.includes(token), 'no token in the JSON output');
    assert.equal(credentials.length, 1);
    const c = credentials[0];
    assert.equal(c.kind, 'bound');
    assert.equal(c.state, 'active');
    assert.equal(Date.parse(c.expiresAt!) / 1000, exp, "the expiry is the token's own");
    assert.ok(c.destinations.some((d) => d.kind === 'file' && d.path === file));
    const text = await runCli(['list', '-n', ns, '-s', 'myexample-sa'], env().adminKubeconfig);
    assert.equal(text.code, 0, text.stderr);
    assert.ok(!text.stdout.includes(token));
    assert.match(
      text.stdout,
      new RegExp(
        `credential ${c.id}  bound  active  created \\S+  expires ${c.expiresAt!.replace(/[.]/g, '\\.')}  ` +
          `Secret ${c.secretName}  note "github-actions deploy"  written to ${file.replace(/[.]/g, '\\.')}`,
      ),
    );
    const ledger = readFileSync(process.env.SA_KUBECONFIG_LEDGER!, 'utf8');
    assert.ok(!ledger.includes(token), 'the ledger never holds a token');
  });
});
