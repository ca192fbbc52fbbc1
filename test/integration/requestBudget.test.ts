// A request budget for one provision of the tutorial's request: a regression such as a request per resource
// or per rule fails here. Wall time is not asserted; the side-by-side benchmark against kubectl is bench/create.sh.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { longestSequentialChain, observeRequests } from '../../src/core/cluster/client';
import { connect } from '../../src/core/cluster/connect';
import { provision } from '../../src/core/provision';
import { Cleanup, clusterEnv, currentContextOf, privateTempDir, uniqueName } from '../support/cluster';
import { HoldingRelay } from '../support/holdingRelay';
import { tutorialRequest } from '../support/requests';

describe('request budget of one create', function () {
  const cleanup = new Cleanup();
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it(
    'provisions the tutorial request in at most 40 API requests and 8 sequential waves, ' + 'verification included',
    async function () {
      const env = clusterEnv();
      const ns = cleanup.namespace(uniqueName('bench-core'));
      const conn = await connect({ kubeconfigPath: env.adminKubeconfig });
      const observed = observeRequests();
      const r = await provision(
        tutorialRequest({
          context: currentContextOf(env.adminKubeconfig),
          namespace: ns,
          scope: { kind: 'namespaces', namespaces: [ns] },
        }),
        { connection: conn },
      );
      conn.close();
      const timings = observed.stop();
      // Round trips on the critical path: a far-away cluster pays one RTT per wave of requests sent together.
      const waves = longestSequentialChain(timings);
      const total = r.requests + r.verification!.requests;
      console.log(
        `      provision: ${total} requests (${r.preflight.requests} preflight; ` +
          `${r.requests - r.preflight.requests} apply, ` +
          `credential (its Secret, the TokenRequest, the jti annotation) and CA, sent together; ` +
          `${r.verification!.requests} verification with the new credential); ${waves} sequential waves`,
      );
      assert.equal(timings.length, total, 'every request observed');
      assert.ok(total <= 40, `${total} requests`);
      assert.ok(waves <= 8, `${waves} sequential waves of requests (at most 8)`);
      assert.ok(r.verification!.ok);
    },
  );

  it("uses two TLS connections (HTTP/2): the caller's, and the credential's, open before verifying", async () => {
    const env = clusterEnv();
    const relay = await HoldingRelay.start(env.server);
    try {
      const dir = cleanup.dir(privateTempDir());
      const kubeconfig = path.join(dir, 'via-relay.kubeconfig');
      writeFileSync(kubeconfig, relay.kubeconfig(env.adminKubeconfig, env.server), { mode: 0o600 });
      const ns = cleanup.namespace(uniqueName('conns'));
      const conn = await connect({ kubeconfigPath: kubeconfig });
      const observed = observeRequests();
      const r = await provision(
        tutorialRequest({
          context: currentContextOf(kubeconfig),
          namespace: ns,
          scope: { kind: 'namespaces', namespaces: [ns] },
        }),
        { connection: conn },
      );
      conn.close();
      const timings = observed.stop();
      assert.ok(r.verification!.ok);
      const total = r.requests + r.verification!.requests;
      // Over HTTP/1.1 a wave of reviews opened a connection (and a TLS handshake) per request in flight.
      assert.equal(relay.connectedAt.length, 2, `${relay.connectedAt.length} connections for ${total} requests`);
      const firstCheck = Math.min(
        ...timings.filter((t) => t.path === '/apis/authentication.k8s.io/v1/selfsubjectreviews').map((t) => t.start),
      );
      assert.ok(relay.connectedAt[1] < firstCheck, "the credential's connection was open before it was needed");
    } finally {
      await relay.close();
    }
  });
});
