// The tests' own kubectl (test/support/kubectl.ts): a failure says what kubectl said and never shows a --token
// value, in the async and the blocking form. Run against the real cluster with a token it rejects.

import * as assert from 'node:assert/strict';
import * as path from 'node:path';

import { clusterEnv, kubectlOk } from '../support/cluster';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';

describe("the tests' kubectl helper (cluster)", function () {
  const env = clusterEnv();
  const token = 'not-a-token-4f2a9c';
  // No kubeconfig: only the rejected token authenticates, over verified TLS.
  const server = ['--server', env.server, '--certificate-authority', path.join(env.dir, 'pki', 'ca.crt')];
  const options = { kubeconfig: '/dev/null' };

  it("kubectlOk throws with kubectl's stderr and without the --token value", async function () {
    const err = await kubectlOk([...server, '--token', token, 'get', 'namespaces'], options).then(
      () => undefined,
      (e: Error) => e,
    );
    assert.ok(err, 'a rejected token did not fail');
    assert.match(err.message, /Unauthorized|must be logged in/i);
    assert.ok(!err.message.includes(token), `the token is in the message: ${err.message}`);
  });

  it('kubectlSync reports the same failure; kubectlOkSync throws without the --token= value', function () {
    const args = [...server, `--token=${token}`, 'get', 'namespaces'];
    const r = kubectlSync(args, options);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Unauthorized|must be logged in/i);
    assert.throws(
      () => kubectlOkSync(args, options),
      (e: Error) => /Unauthorized|must be logged in/i.test(e.message) && !e.message.includes(token),
    );
  });
});
