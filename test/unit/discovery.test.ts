// Discovery parsing with answers recorded from the local v1.37 cluster (test/unit/fixtures/discovery).
import * as assert from 'node:assert/strict';

import {
  aggregatedRequests,
  isAggregated,
  legacyResourceRequests,
  parseAggregated,
  parseResourceList,
  rbacResources,
  sortResources,
  type APIGroupDiscoveryList,
  type APIGroupList,
  type APIResourceList,
  type APIVersions,
} from '../../src/core/discovery/discovery';
import aggregatedApi from './fixtures/discovery/aggregated-api.json';
import aggregatedApis from './fixtures/discovery/aggregated-apis.json';
import legacyV1 from './fixtures/discovery/legacy-api-v1.json';
import legacyApi from './fixtures/discovery/legacy-api.json';
import legacyApps from './fixtures/discovery/legacy-apis-apps-v1.json';
import legacyFixture from './fixtures/discovery/legacy-apis-fixture-v1.json';
import legacyApis from './fixtures/discovery/legacy-apis.json';

const core = parseAggregated(aggregatedApi as APIGroupDiscoveryList);
const groups = parseAggregated(aggregatedApis as APIGroupDiscoveryList);

describe('discovery parsing', function () {
  it('asks /api and /apis for aggregated discovery (v2) with a legacy fallback in Accept', function () {
    const specs = aggregatedRequests();
    assert.deepEqual(
      specs.map((s) => s.path),
      ['/api', '/apis'],
    );
    assert.match(
      specs[0].accept!,
      /^application\/json;g=apidiscovery\.k8s\.io;v=v2;as=APIGroupDiscoveryList,.*application\/json$/,
    );
  });

  it('tells aggregated answers from legacy ones', function () {
    assert.equal(isAggregated(aggregatedApi), true);
    assert.equal(isAggregated(legacyApi), false);
    assert.equal(isAggregated(legacyApis), false);
    assert.equal(isAggregated({}, 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList'), true);
  });

  it('aggregated: core pods with subresources, verbs, scope, kind and short names', function () {
    const pods = core.find((r) => r.resource === 'pods')!;
    assert.equal(pods.group, '');
    assert.equal(pods.version, 'v1');
    assert.equal(pods.kind, 'Pod');
    assert.equal(pods.namespaced, true);
    assert.deepEqual(pods.shortNames, ['po']);
    const sub = Object.fromEntries(pods.subresources.map((s) => [s.name, s.verbs]));
    assert.deepEqual(sub.exec, ['create', 'get']);
    assert.deepEqual(sub.log, ['get']);
    assert.deepEqual(sub.portforward, ['create', 'get']);
    assert.equal(core.find((r) => r.resource === 'namespaces')!.namespaced, false);
    assert.ok(
      core
        .find((r) => r.resource === 'serviceaccounts')!
        .subresources.some((s) => s.name === 'token' && s.verbs.includes('create')),
    );
  });

  it('aggregated: groups, deployments/scale, and a CRD', function () {
    const deployments = groups.find((r) => r.group === 'apps' && r.resource === 'deployments')!;
    assert.ok(deployments.subresources.find((s) => s.name === 'scale')!.verbs.includes('update'));
    const crd = groups.find((r) => r.group === 'fixture.example.com')!;
    assert.deepEqual(
      { resource: crd.resource, kind: crd.kind, namespaced: crd.namespaced, version: crd.version },
      { resource: 'widgets', kind: 'Widget', namespaced: false, version: 'v1' },
    );
    assert.ok(crd.verbs.includes('list'));
  });

  it('legacy: one request per group version', function () {
    const specs = legacyResourceRequests(legacyApi as APIVersions, legacyApis as APIGroupList);
    assert.equal(specs[0].path, '/api/v1');
    assert.ok(specs.some((s) => s.path === '/apis/apps/v1'));
    assert.ok(specs.some((s) => s.path === '/apis/fixture.example.com/v1'));
    const groupVersions = (legacyApis as APIGroupList).groups!.reduce((n, g) => n + g.versions.length, 0);
    assert.equal(specs.length, 1 + groupVersions);
  });

  it('legacy: folds "pods/exec" entries into their parent and matches the aggregated answer', function () {
    const v1 = parseResourceList(legacyV1 as APIResourceList);
    const pods = v1.find((r) => r.resource === 'pods')!;
    assert.ok(!v1.some((r) => r.resource.includes('/')));
    assert.deepEqual(
      pods.subresources.map((s) => s.name).sort(),
      core
        .find((r) => r.resource === 'pods')!
        .subresources.map((s) => s.name)
        .sort(),
    );
    const apps = parseResourceList(legacyApps as APIResourceList);
    assert.ok(apps.every((r) => r.group === 'apps' && r.version === 'v1'));
    assert.ok(apps.find((r) => r.resource === 'deployments')!.subresources.some((s) => s.name === 'scale'));
    const crd = parseResourceList(legacyFixture as APIResourceList);
    assert.deepEqual(
      crd.map((r) => [r.group, r.resource, r.namespaced]),
      [['fixture.example.com', 'widgets', false]],
    );
  });

  it('sorts core first, then groups alphabetically', function () {
    const sorted = sortResources([...groups, ...core]);
    assert.equal(sorted[0].group, '');
    const groupOrder = [...new Set(sorted.map((r) => r.group))];
    assert.deepEqual(groupOrder.slice(1), [...groupOrder.slice(1)].sort());
  });

  it('rbacResources: one entry per group/resource, merging verbs of other versions', function () {
    const merged = rbacResources([
      {
        group: 'g',
        version: 'v2',
        resource: 'things',
        kind: 'Thing',
        namespaced: true,
        verbs: ['get'],
        subresources: [{ name: 'status', verbs: ['get'] }],
      },
      {
        group: 'g',
        version: 'v1',
        resource: 'things',
        kind: 'Thing',
        namespaced: true,
        verbs: ['get', 'list'],
        subresources: [
          { name: 'status', verbs: ['patch'] },
          { name: 'scale', verbs: ['get'] },
        ],
      },
    ]);
    assert.equal(merged.length, 1);
    assert.equal(merged[0].version, 'v2');
    assert.deepEqual(merged[0].verbs, ['get', 'list']);
    assert.deepEqual(merged[0].subresources, [
      { name: 'status', verbs: ['get', 'patch'] },
      { name: 'scale', verbs: ['get'] },
    ]);
  });
});
