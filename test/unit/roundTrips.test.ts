// Round trips, pure parts: the longest chain of sequential requests (what the request-budget test counts), the
// stages apply sends objects in, and where the discovery cache keeps a server's answers.
import * as assert from 'node:assert/strict';
import * as path from 'node:path';

import { applyStages } from '../../src/core/apply/apply';
import { longestSequentialChain } from '../../src/core/cluster/client';
import { discoveryCacheFile, discoveryCacheRoot } from '../../src/core/discovery/cache';
import type { KubeObject, PlannedObject } from '../../src/core/types';

describe('longestSequentialChain', function () {
  it('counts requests in flight together once, and each request sent after an answer as one more', function () {
    assert.equal(longestSequentialChain([]), 0);
    const together = [
      { start: 0, end: 10 },
      { start: 1, end: 12 },
      { start: 2, end: 9 },
    ];
    assert.equal(longestSequentialChain(together), 1);
    const chained = [...together, { start: 12, end: 20 }, { start: 13, end: 30 }, { start: 30, end: 31 }];
    assert.equal(longestSequentialChain(chained), 3);
    // Overlapping by a moment is not sequential; starting the instant the other ended is.
    assert.equal(
      longestSequentialChain([
        { start: 0, end: 10 },
        { start: 9, end: 20 },
      ]),
      1,
    );
    assert.equal(
      longestSequentialChain([
        { start: 0, end: 10 },
        { start: 10, end: 20 },
      ]),
      2,
    );
  });
});

describe('applyStages', function () {
  const obj = (kind: string, name: string, namespace?: string): PlannedObject => ({
    object: { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}) } } as KubeObject,
    status: 'create',
  });
  it('sends the namespace first, then account and roles together, then the bindings together', function () {
    const plan = [
      obj('Namespace', 'ns'),
      obj('ServiceAccount', 'sa', 'ns'),
      obj('Role', 'r', 'ns'),
      obj('RoleBinding', 'rb', 'ns'),
      obj('Role', 'r', 'other'),
      obj('RoleBinding', 'rb', 'other'),
      obj('ClusterRole', 'cr'),
      obj('ClusterRoleBinding', 'crb'),
    ];
    const names = applyStages(plan).map((stage) => stage.map((p) => `${p.object.kind}/${p.object.metadata.name}`));
    assert.deepEqual(names, [
      ['Namespace/ns'],
      ['ServiceAccount/sa', 'Role/r', 'Role/r', 'ClusterRole/cr'],
      ['RoleBinding/rb', 'RoleBinding/rb', 'ClusterRoleBinding/crb'],
    ]);
    assert.deepEqual(
      applyStages([obj('ServiceAccount', 'sa', 'ns')]).map((s) => s.length),
      [1],
    );
  });
});

describe('discovery cache location', function () {
  it('is one folder per server under XDG_CACHE_HOME (or ~/.cache), named by a hash of its URL only', function () {
    assert.equal(discoveryCacheRoot({}, '/home/u'), path.join('/home/u', '.cache', 'sa-kubeconfig', 'discovery'));
    assert.equal(
      discoveryCacheRoot({ XDG_CACHE_HOME: '/c' }, '/home/u'),
      path.join('/c', 'sa-kubeconfig', 'discovery'),
    );
    assert.equal(
      discoveryCacheRoot({ XDG_CACHE_HOME: 'relative' }, '/home/u'),
      '/home/u/.cache/sa-kubeconfig/discovery',
    );
    assert.equal(
      discoveryCacheRoot({ SA_KUBECONFIG_DISCOVERY_CACHE: '/t/d', XDG_CACHE_HOME: '/c' }, '/home/u'),
      '/t/d',
    );
    const a = discoveryCacheFile('/r', 'https://example.com:6443', '/apis');
    assert.equal(a, discoveryCacheFile('/r', 'https://example.com:6443/', '/apis'));
    assert.match(a, /^\/r\/[0-9a-f]{16}\/apis\.json$/);
    assert.notEqual(path.dirname(a), path.dirname(discoveryCacheFile('/r', 'https://other:6443', '/apis')));
    assert.ok(!a.includes('example.com'));
  });
});
