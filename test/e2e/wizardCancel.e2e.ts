// Cancel during Apply, against the real cluster. In the browser the whole Apply takes about a second here, too fast to
// press Cancel at a chosen point, so this drives the wizard host's own Apply path (src/webview/host/runApply.ts, what
// the panel runs when the page says "apply" and aborts when it says "cancel") without a browser: it aborts right after
// the first object was created, then checks the message the page would get (cancelled, with what was rolled back)
// and that kubectl finds nothing of the run left on the cluster.
import * as assert from 'node:assert/strict';

import { connect, type Connection } from '../../src/core/cluster/connect';
import type { Logger, ProvisionRequest } from '../../src/core/types';
import { runApply } from '../../src/webview/host/runApply';
import type { ProgressStep } from '../../src/webview/protocol';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN } from './harness';

const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `wizard-cancel-${RUN}`;
const SERVICE_ACCOUNT = 'cancelled-sa';

describe('wizard host: cancel during Apply, against the real cluster', function () {
  this.timeout(60_000);
  let conn: Connection | undefined;

  before(async function () {
    if (!ADMIN)
      throw new Error('SAK_ADMIN_KUBECONFIG is not set: run through scripts/with-cluster.sh (npm run test:e2e).');
    conn = await connect({ kubeconfigPath: ADMIN });
  });

  after(() => {
    conn?.close();
    kubectlSync(['delete', 'namespace', NAMESPACE, '--ignore-not-found', '--wait=false']);
  });

  it(
    'aborted after the first object: the page is told it was cancelled and what was rolled ' + 'back; nothing is left',
    async function () {
      const controller = new AbortController();
      const logLines: string[] = [];
      const logger: Logger = {
        debug: () => undefined,
        info: (m) => {
          logLines.push(m);
          // apply logs each object it created; the first one is the namespace. Cancel as a user would, mid-run.
          if (m.startsWith('created ') && !controller.signal.aborted) controller.abort();
        },
        warn: (m) => logLines.push(m),
        error: (m) => logLines.push(m),
      };
      const request: ProvisionRequest = {
        context: conn!.contextName,
        namespace: NAMESPACE,
        createNamespace: true,
        serviceAccount: SERVICE_ACCOUNT,
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }],
        roleRefs: [],
        scope: { kind: 'namespaces', namespaces: [NAMESPACE] },
        token: { kind: 'timeBound', durationSeconds: 3600 },
        kubeconfig: {},
      };
      const seen: ProgressStep[][] = [];
      const outcome = await runApply(request, {
        runId: 7,
        connection: conn!,
        signal: controller.signal,
        logger,
        onSteps: (s) => seen.push(s),
      });

      assert.equal(controller.signal.aborted, true, `the run never created an object:\n${logLines.join('\n')}`);
      assert.equal(outcome.final.type, 'applyFailed', JSON.stringify(outcome.final));
      if (outcome.final.type !== 'applyFailed') return;
      assert.equal(outcome.final.cancelled, true);
      assert.equal(outcome.final.runId, 7);
      // Exactly what had been created is reported as rolled back, and nothing failed to roll back.
      assert.deepEqual(outcome.final.rolledBack, [`Deleted Namespace ${NAMESPACE}`]);
      assert.equal(outcome.kubeconfig, undefined, 'a cancelled run hands out no kubeconfig');
      // The page saw the run get as far as applying; nothing after it ran.
      const last = outcome.final.steps;
      assert.equal(last.find((s) => s.id === 'preflight')?.status, 'done');
      assert.notEqual(last.find((s) => s.id === 'apply')?.status, 'done');
      for (const id of ['token', 'kubeconfig', 'verify'])
        assert.equal(last.find((s) => s.id === id)?.status, 'pending', `${id} ran`);
      assert.ok(
        seen.some((steps) => steps.some((s) => s.id === 'apply' && s.status === 'running')),
        'the page was told Apply was running',
      );

      // Nothing of the run is left: the namespace is gone or going, the later objects were never made.
      const ns = kubectlSync(['get', 'namespace', NAMESPACE, '-o', 'jsonpath={.status.phase}']);
      assert.ok(ns.code !== 0 || ns.stdout === 'Terminating', `namespace ${NAMESPACE} is still there (${ns.stdout})`);
      for (const [kind, name] of [
        ['serviceaccount', SERVICE_ACCOUNT],
        ['role', `sa-kubeconfig:${NAMESPACE}:${SERVICE_ACCOUNT}`],
        ['rolebinding', `sa-kubeconfig:${NAMESPACE}:${SERVICE_ACCOUNT}`],
      ]) {
        const got = kubectlSync(['get', kind, name, '-n', NAMESPACE, '-o', 'name']);
        assert.ok(got.code !== 0 || got.stdout.trim() === '', `${kind} ${name} was left behind`);
      }
      const managed = kubectlOkSync([
        'get',
        'serviceaccounts,roles,rolebindings,secrets',
        '-A',
        '-l',
        'app.kubernetes.io/managed-by=sa-kubeconfig',
        '-o',
        'name',
        '--field-selector',
        `metadata.namespace=${NAMESPACE}`,
      ]);
      assert.equal(managed.trim(), '', `managed objects left in ${NAMESPACE}: ${managed}`);
      console.log(
        `      [cancel] rolled back: ${outcome.final.rolledBack.join('; ')}; ` +
          `namespace now ${ns.code === 0 ? ns.stdout : 'gone'}`,
      );
    },
  );
});
