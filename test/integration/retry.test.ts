// A busy API server during create: a relay in front of the real server answers some requests 429 (as API Priority
// and Fairness does) or 503 with Retry-After. One such answer used to roll the whole create back; now the request
// is sent again (bounded, Retry-After honoured), counted and logged, and the create completes. kubectl judges.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

import { EXIT } from '../../src/cli/io';
import { connect } from '../../src/core/cluster/connect';
import { provision } from '../../src/core/provision';
import type { Logger } from '../../src/core/types';
import {
  Cleanup,
  clusterEnv,
  currentContextOf,
  kubectl,
  kubectlOk,
  privateTempDir,
  uniqueName,
  writeKubeconfig,
} from '../support/cluster';
import { tutorialRequest } from '../support/requests';
import { ThrottlingRelay } from '../support/throttlingRelay';
import { runCli } from '../support/users';

describe('retries on a busy server (429 / 503 with Retry-After)', function () {
  const env = clusterEnv();
  const cleanup = new Cleanup();
  let relay: ThrottlingRelay;
  let relayKubeconfig: string;
  before(async () => {
    relay = await ThrottlingRelay.start(env);
    relayKubeconfig = relay.kubeconfig(env.adminKubeconfig, env.server);
  });
  after(async () => {
    await relay.close();
    await cleanup.run();
  });

  it(
    'create completes when the RoleBinding create gets 429 twice and a read gets 503; ' + 'retries counted and logged',
    async () => {
      const ns = cleanup.namespace(uniqueName('busy'));
      const logged: string[] = [];
      const logger: Logger = {
        debug: () => undefined,
        info: (m) => logged.push(m),
        warn: (m) => logged.push(m),
        error: (m) => logged.push(m),
      };
      // The real create of the binding (not its dry run, which carries ?dryRun=All) and the first read of the Role.
      relay.throttle({
        method: 'POST',
        path: new RegExp(`^/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/rolebindings$`),
        times: 2,
        status: 429,
      });
      relay.throttle({
        method: 'GET',
        path: new RegExp(`^/apis/rbac.authorization.k8s.io/v1/namespaces/${ns}/roles/`),
        times: 1,
        status: 503,
      });
      const conn = await connect({ kubeconfigPath: relayKubeconfig, logger });
      let result;
      try {
        result = await provision(
          tutorialRequest({
            context: currentContextOf(relayKubeconfig),
            namespace: ns,
            scope: { kind: 'namespaces', namespaces: [ns] },
            kubeconfig: { server: env.server },
          }),
          { connection: conn, logger },
        );
      } finally {
        conn.close();
      }
      assert.equal(relay.throttled.length, 3, relay.throttled.join('\n'));
      assert.equal(conn.client.retryCount, 3);
      assert.equal(
        logged.filter((m) => /answered 429 \(busy\); retry [12] of 5 in 1\.0 s/.test(m)).length,
        2,
        logged.join('\n'),
      );
      assert.equal(logged.filter((m) => /answered 503 \(busy\); retry 1 of 5/.test(m)).length, 1, logged.join('\n'));
      assert.deepEqual(result.applyResult?.rolledBack, []);
      assert.ok(result.verification?.ok);
      // kubectl: the binding exists, and the new kubeconfig may exec into pods.
      await kubectlOk(['get', 'rolebinding', '-n', ns, `sa-kubeconfig:${ns}:myexample-sa`]);
      const file = writeKubeconfig(cleanup.dir(privateTempDir()), 'busy.kubeconfig', result.kubeconfigYaml!);
      const canI = await kubectl(['auth', 'can-i', 'create', 'pods/exec', '-n', ns], { kubeconfig: file });
      assert.equal(canI.stdout.trim(), 'yes');
    },
  );

  it('the CLI create through a busy server succeeds and says it retried (with -v)', async () => {
    const ns = cleanup.namespace(uniqueName('busycli'));
    await kubectlOk(['create', 'namespace', ns]);
    relay.throttle({
      method: 'POST',
      path: new RegExp(`^/api/v1/namespaces/${ns}/serviceaccounts$`),
      times: 1,
      status: 429,
    });
    const out = path.join(cleanup.dir(privateTempDir()), 'cli.kubeconfig');
    const r = await runCli(
      ['create', '-n', ns, '-s', 'ci', '--rule', 'pods:list', '--server', env.server, '--out', out, '-v'],
      relayKubeconfig,
    );
    assert.equal(r.code, EXIT.ok, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`POST /api/v1/namespaces/${ns}/serviceaccounts: the server answered 429 \\(busy\\); retry 1 of 5`),
    );
    assert.match(readFileSync(out, 'utf8'), new RegExp(`server: ${env.server}`));
    assert.equal((await kubectl(['get', 'pods', '-n', ns], { kubeconfig: out })).code, 0);
  });

  it(
    'a create whose answer was lost (503 after the server made it) meets 409 on the retry, re-reads, ' +
      'and counts it as created',
    async () => {
      const ns = cleanup.namespace(uniqueName('lost'));
      await kubectlOk(['create', 'namespace', ns]);
      relay.throttle({
        method: 'POST',
        path: new RegExp(`^/api/v1/namespaces/${ns}/serviceaccounts$`),
        times: 1,
        status: 503,
        afterForwarding: true,
      });
      const conn = await connect({ kubeconfigPath: relayKubeconfig });
      let result;
      try {
        result = await provision(
          tutorialRequest({
            context: currentContextOf(relayKubeconfig),
            namespace: ns,
            createNamespace: false,
            scope: { kind: 'namespaces', namespaces: [ns] },
            kubeconfig: { server: env.server },
          }),
          { connection: conn, verify: false },
        );
      } finally {
        conn.close();
      }
      assert.equal(conn.client.retryCount, 1);
      // Ours and equal: recorded as created by this run, so that a rollback would remove it too.
      assert.ok(
        result.applyResult?.created.some((r) => r.kind === 'ServiceAccount' && r.name === 'myexample-sa'),
        JSON.stringify(result.applyResult),
      );
      await kubectlOk(['get', 'serviceaccount', '-n', ns, 'myexample-sa']);
    },
  );
});
