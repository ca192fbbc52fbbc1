// The tree part of `npm run bench` (bench/bench.mjs, task "tree"): run in the extension host of real VS Code by
// scripts/code-server-suite.sh with SAK_SUITE_FILES=bench, never by `npm test`. It times how long the Clusters tree
// takes to answer VS Code's getChildren for the admin context node (the bench cluster's 1,000 namespaces) and for a
// namespace holding 1,000 service accounts, each from a full refresh (nothing cached; the connection to the server
// is made again, as after Refresh), and counts the requests each sent. It prints one line the bench reads:
// SAK_BENCH {"context": {"ms": [...], "requests": [...], "items": n}, "namespace": {...}}
import * as assert from 'node:assert/strict';
import Mocha from 'mocha';

import { adminContext, api, childByLabel, children, label } from './support/harness';

interface Timing {
  ms: number[];
  requests: number[];
  items: number;
}

describe('tree timing (bench)', function () {
  this.timeout(600_000);

  it('the context node of the bench cluster, and a namespace of 1,000 service accounts', async () => {
    const runs = Number(process.env.SAK_BENCH_RUNS ?? 5);
    const wide = process.env.SAK_BENCH_WIDE_NS;
    assert.ok(wide, 'SAK_BENCH_WIDE_NS names the namespace with 1,000 service accounts');
    const a = await api();
    const context = adminContext();
    const requests = async () => (await a.deps.connections.get(context)).client.requestCount;
    const result: Record<'context' | 'namespace', Timing> = {
      context: { ms: [], requests: [], items: 0 },
      namespace: { ms: [], requests: [], items: 0 },
    };
    for (let i = 0; i < runs; i++) {
      a.deps.tree.refresh();
      const contextNode = await childByLabel(a, undefined, context);
      let started = performance.now();
      const namespaces = await children(a, contextNode);
      result.context.ms.push(performance.now() - started);
      result.context.requests.push(await requests());
      result.context.items = namespaces.length;

      const namespaceNode = namespaces.find((n) => label(n) === wide);
      assert.ok(namespaceNode, `${wide} among the ${namespaces.length} nodes of ${context}`);
      const before = await requests();
      started = performance.now();
      const accounts = await children(a, namespaceNode);
      result.namespace.ms.push(performance.now() - started);
      result.namespace.requests.push((await requests()) - before);
      result.namespace.items = accounts.length;
    }
    // Through the reporter's output (index.ts marks its lines), which the runner prints.
    Mocha.reporters.Base.consoleLog(`SAK_BENCH ${JSON.stringify(result)}`);
  });
});
