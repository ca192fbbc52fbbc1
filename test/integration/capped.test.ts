// A server that caps token lifetimes (--service-account-max-token-expiration; its minimum is 1h, see
// k8s.io/kubernetes pkg/controlplane/apiserver/options): the granted lifetime is reported, shorter than asked.
import * as assert from 'node:assert/strict';

import { connectWithKubeconfigText } from '../../src/core/cluster/connect';
import { whoAmI } from '../../src/core/cluster/reviews';
import { provision } from '../../src/core/provision';
import { Cleanup, currentContextOf, startCluster, type ClusterEnv } from '../support/cluster';

describe(
  'capped token lifetime (separate cluster started with ' + '--service-account-max-token-expiration=2h)',
  function () {
    const cleanup = new Cleanup();
    let capped: ClusterEnv;

    before(async function () {
      this.timeout(300_000);
      cleanup.cluster('capped');
      capped = await startCluster('capped', ['--service-account-max-token-expiration=2h']);
    });
    after(async function () {
      this.timeout(120_000);
      await cleanup.run();
    });

    it('asks for 24h, reports the 2h the server granted, and warns', async function () {
      const r = await provision(
        {
          context: currentContextOf(capped.adminKubeconfig),
          namespace: 'capped-ns',
          createNamespace: true,
          serviceAccount: 'ci',
          rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get'] }],
          roleRefs: [],
          scope: { kind: 'namespaces', namespaces: ['capped-ns'] },
          token: { kind: 'timeBound', durationSeconds: 24 * 3600 },
          kubeconfig: {},
        },
        { kubeconfigPath: capped.adminKubeconfig },
      );
      assert.equal(r.token!.requestedSeconds, 86400);
      assert.ok(Math.abs(r.token!.grantedSeconds! - 7200) < 60, `granted ${r.token!.grantedSeconds}`);
      assert.equal(r.token!.shortened, true);
      assert.ok(
        r.warnings.some((w) => /granted a token lifetime of 7\d{3} s, shorter than the 86400 s requested/.test(w)),
        r.warnings.join('\n'),
      );
      assert.ok(
        r.token!.warnings.some((w) => /requested expiration of 86400 seconds shortened to 7200 seconds/.test(w)),
        r.token!.warnings.join('\n'),
      );
      const expiresIn = (new Date(r.token!.expiresAt!).getTime() - Date.now()) / 1000;
      assert.ok(expiresIn > 7000 && expiresIn <= 7200, `expires in ${expiresIn}`);
      assert.match(r.kubeconfigYaml!, new RegExp(`# Token expires: ${r.token!.expiresAt!.slice(0, 16)}`));
      const conn = await connectWithKubeconfigText(r.kubeconfigYaml!);
      try {
        assert.equal((await whoAmI(conn)).username, 'system:serviceaccount:capped-ns:ci');
      } finally {
        conn.close();
      }
    });
  },
);
