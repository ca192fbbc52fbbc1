// Discovery against the real cluster: aggregated (2 requests) and legacy, including a CRD made here.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { observeRequests } from '../../src/core/cluster/client';
import { discover, rbacResources, type DiscoveryResult } from '../../src/core/discovery/discovery';
import type { DiscoveredResource } from '../../src/core/types';
import {
  adminConnection,
  Cleanup,
  eventually,
  kubectlOk,
  privateTempDir,
  restrictedConnection,
} from '../support/cluster';

const CRD_GROUP = 'sak-test.example.com';
const CRD = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: `widgets.${CRD_GROUP}` },
  spec: {
    group: CRD_GROUP,
    scope: 'Namespaced',
    names: { plural: 'widgets', singular: 'widget', kind: 'Widget', shortNames: ['wdg'] },
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: { type: 'object', properties: { replicas: { type: 'integer' } } },
              status: { type: 'object', properties: { replicas: { type: 'integer' } } },
            },
          },
        },
        subresources: {
          status: {},
          scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' },
        },
      },
    ],
  },
};

function find(result: DiscoveryResult, group: string, resource: string): DiscoveredResource | undefined {
  return result.resources.find((r) => r.group === group && r.resource === resource);
}

describe('discovery', function () {
  const cleanup = new Cleanup();
  let aggregated: DiscoveryResult;
  let legacy: DiscoveryResult;

  before(async function () {
    this.timeout(60_000);
    cleanup.clusterObject('customresourcedefinition', CRD.metadata.name);
    await kubectlOk(['apply', '-f', '-'], { input: JSON.stringify(CRD) });
    const conn = await adminConnection();
    try {
      aggregated = await eventually(
        async () => {
          const r = await discover(conn);
          return find(r, CRD_GROUP, 'widgets') ? r : undefined;
        },
        30_000,
        'the CRD to appear in discovery',
      );
      legacy = await discover(conn, { legacy: true });
    } finally {
      conn.close();
    }
  });
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('uses aggregated discovery: two requests for everything', function () {
    assert.equal(aggregated.mode, 'aggregated');
    assert.equal(aggregated.requests, 2);
    assert.ok(aggregated.resources.length > 50);
  });

  it('includes pods with exec, log, portforward subresources and their verbs', function () {
    const pods = find(aggregated, '', 'pods')!;
    assert.equal(pods.namespaced, true);
    assert.equal(pods.kind, 'Pod');
    assert.ok(pods.verbs.includes('list'));
    const sub = Object.fromEntries(pods.subresources.map((s) => [s.name, s.verbs]));
    assert.ok(sub.exec.includes('create'));
    assert.deepEqual(sub.log, ['get']);
    assert.ok(sub.portforward.includes('create'));
  });

  it('includes deployments/scale and cluster-scoped resources', function () {
    const deployments = find(aggregated, 'apps', 'deployments')!;
    assert.ok(deployments.subresources.some((s) => s.name === 'scale' && s.verbs.includes('update')));
    assert.equal(find(aggregated, '', 'namespaces')!.namespaced, false);
    assert.equal(find(aggregated, 'rbac.authorization.k8s.io', 'clusterroles')!.namespaced, false);
  });

  it('includes the CRD created by the test, with its scale and status subresources', function () {
    const widgets = find(aggregated, CRD_GROUP, 'widgets')!;
    assert.equal(widgets.version, 'v1');
    assert.equal(widgets.kind, 'Widget');
    assert.equal(widgets.namespaced, true);
    assert.deepEqual(widgets.shortNames, ['wdg']);
    assert.deepEqual(widgets.subresources.map((s) => s.name).sort(), ['scale', 'status']);
  });

  it('legacy discovery finds the same resources with one request per group version', function () {
    assert.equal(legacy.mode, 'legacy');
    assert.ok(legacy.requests > 10);
    assert.deepEqual(legacy.failedGroupVersions, []);
    const key = (r: DiscoveredResource) =>
      `${r.group}/${r.version}/${r.resource}:${[...r.verbs].sort()}:${r.subresources.map((s) => s.name).sort()}`;
    assert.deepEqual(legacy.resources.map(key).sort(), aggregated.resources.map(key).sort());
  });

  it('rbacResources keeps one entry per group and resource', function () {
    const list = rbacResources(aggregated.resources);
    const keys = list.map((r) => `${r.group}/${r.resource}`);
    assert.equal(new Set(keys).size, keys.length);
    assert.ok(keys.includes('/pods') && keys.includes(`${CRD_GROUP}/widgets`));
  });

  it('works for a user with few rights (discovery is open to authenticated users)', async function () {
    const conn = await restrictedConnection();
    try {
      const r = await discover(conn);
      assert.equal(r.mode, 'aggregated');
      assert.ok(find(r, '', 'pods'));
    } finally {
      conn.close();
    }
  });
  it('a second discovery revalidates the disk cache: If-None-Match, two 304s, the same resources', async function () {
    const cacheDir = cleanup.dir(privateTempDir());
    const conn = await adminConnection();
    try {
      const first = observeRequests();
      const cold = await discover(conn, { cacheDir });
      const coldRequests = first.stop();
      const second = observeRequests();
      const warm = await discover(conn, { cacheDir });
      const warmRequests = second.stop();
      assert.deepEqual(coldRequests.map((r) => [r.path, r.status]).sort(), [
        ['/api', 200],
        ['/apis', 200],
      ]);
      // The server answers 304 only to an If-None-Match that names its current ETag.
      assert.deepEqual(warmRequests.map((r) => [r.path, r.status]).sort(), [
        ['/api', 304],
        ['/apis', 304],
      ]);
      assert.equal(warm.revalidated, 2);
      assert.deepEqual(warm.resources, cold.resources);
      // One folder for the server, holding discovery documents only: nothing of the caller's credentials.
      const files = readdirSync(cacheDir, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
      assert.equal(files.length, 2);
      for (const f of files) {
        const text = readFileSync(path.join(f.parentPath, f.name), 'utf8');
        assert.doesNotMatch(text, /BEGIN|PRIVATE KEY|Bearer/);
        const users = (conn.loaded.raw.users ?? []).map((u) => u.user);
        const secrets = users.flatMap((u) => [u['client-key-data'], u['client-certificate-data'], u.token]);
        assert.ok(secrets.some(Boolean), "the admin's credentials to look for");
        for (const secret of secrets)
          if (typeof secret === 'string') assert.ok(!text.includes(secret.slice(0, 40)), 'no credential in the cache');
        assert.equal(statSync(path.join(f.parentPath, f.name)).mode & 0o077, 0);
      }
    } finally {
      conn.close();
    }
  });
});
