// A request budget for one provision of the tutorial's request: a regression such as a request per resource
// or per rule fails here. Wall time is not asserted; the side-by-side benchmark against kubectl is bench/create.sh.
import * as assert from 'node:assert/strict';

import { connect } from '../../src/core/cluster/connect';
import { provision } from '../../src/core/provision';
import { Cleanup, clusterEnv, currentContextOf, uniqueName } from '../support/cluster';
import { tutorialRequest } from '../support/requests';

describe('request budget of one create', function () {
  const cleanup = new Cleanup();
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('provisions the tutorial request in at most 40 API requests, verification included', async function () {
    const env = clusterEnv();
    const ns = cleanup.namespace(uniqueName('bench-core'));
    const conn = await connect({ kubeconfigPath: env.adminKubeconfig });
    const r = await provision(
      tutorialRequest({
        context: currentContextOf(env.adminKubeconfig),
        namespace: ns,
        scope: { kind: 'namespaces', namespaces: [ns] },
      }),
      { connection: conn },
    );
    conn.close();
    const total = r.requests + r.verification!.requests;
    console.log(
      `      provision: ${total} requests (${r.preflight.requests} preflight, ${r.applyResult!.requests} apply, ` +
        `${r.requests - r.preflight.requests - r.applyResult!.requests} credential (its Secret, ` +
        `the TokenRequest, the jti annotation) and CA, ${r.verification!.requests} verification ` +
        'with the new credential)',
    );
    assert.ok(total <= 40, `${total} requests`);
    assert.ok(r.verification!.ok);
  });
});
