// API discovery for the permission picker: every group/version/resource with its verbs and
// subresources. Aggregated discovery (apidiscovery.k8s.io/v2, Kubernetes 1.30+) answers in two
// requests (/api and /apis); older servers get legacy discovery (/api, /api/v1, /apis, then one request
// per group version). Building requests and parsing answers are pure; only discover() sends.
// Aggregated answers are kept on disk and revalidated with If-None-Match (cache.ts): a warm run gets two 304s.

import type { RawResponse, RequestSpec } from '../cluster/client';
import type { Connection } from '../cluster/connect';
import { mapLimit } from '../cluster/util';
import { errorFromResponse, SaKubeconfigError } from '../errors';
import type { DiscoveredResource, OperationOptions } from '../types';
import { discoveryCacheFile, discoveryCacheRoot, readCachedAnswer, writeCachedAnswer } from './cache';

export const AGGREGATED_ACCEPT = [
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList',
  'application/json',
].join(',');

// ---- aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList) ----

interface AggregatedSubresource {
  subresource: string;
  verbs?: string[];
  responseKind?: { kind?: string };
}
interface AggregatedResource {
  resource: string;
  responseKind?: { group?: string; version?: string; kind?: string };
  scope?: 'Namespaced' | 'Cluster';
  verbs?: string[];
  shortNames?: string[];
  subresources?: AggregatedSubresource[];
}
export interface APIGroupDiscoveryList {
  kind?: string;
  apiVersion?: string;
  items?: {
    metadata?: { name?: string };
    versions?: { version: string; resources?: AggregatedResource[]; freshness?: string }[];
  }[];
}

export function aggregatedRequests(): RequestSpec[] {
  return [
    { method: 'GET', path: '/api', accept: AGGREGATED_ACCEPT, action: 'discover the core API' },
    { method: 'GET', path: '/apis', accept: AGGREGATED_ACCEPT, action: 'discover API groups' },
  ];
}

/**
 * True when the server answered with an aggregated discovery document (rather than legacy APIVersions/APIGroupList).
 */
export function isAggregated(doc: unknown, contentType?: string): doc is APIGroupDiscoveryList {
  const d = doc as { kind?: string } | undefined;
  return d?.kind === 'APIGroupDiscoveryList' || /apidiscovery\.k8s\.io/.test(contentType ?? '');
}

/** Resources from one aggregated discovery document (the core group has the name ""). Pure. */
export function parseAggregated(doc: APIGroupDiscoveryList): DiscoveredResource[] {
  const out: DiscoveredResource[] = [];
  for (const group of doc.items ?? []) {
    const groupName = group.metadata?.name ?? '';
    for (const version of group.versions ?? []) {
      for (const r of version.resources ?? []) {
        out.push({
          group: groupName,
          version: version.version,
          resource: r.resource,
          kind: r.responseKind?.kind ?? '',
          namespaced: r.scope === 'Namespaced',
          verbs: [...(r.verbs ?? [])],
          subresources: (r.subresources ?? []).map((s) => ({ name: s.subresource, verbs: [...(s.verbs ?? [])] })),
          ...(r.shortNames?.length ? { shortNames: [...r.shortNames] } : {}),
        });
      }
    }
  }
  return out;
}

// ---- legacy discovery ----

export interface APIVersions {
  kind?: string;
  versions?: string[];
}
export interface APIGroupList {
  kind?: string;
  groups?: {
    name: string;
    versions: { groupVersion: string; version: string }[];
    preferredVersion?: { version: string };
  }[];
}
export interface APIResourceList {
  kind?: string;
  groupVersion: string;
  resources: { name: string; namespaced: boolean; kind: string; verbs?: string[]; shortNames?: string[] }[];
}

/** The per-group-version requests legacy discovery needs once /api and /apis are known. Pure. */
export function legacyResourceRequests(core: APIVersions, groups: APIGroupList): RequestSpec[] {
  const specs: RequestSpec[] = (core.versions ?? []).map((v) => ({
    method: 'GET' as const,
    path: `/api/${v}`,
    action: `discover /api/${v}`,
  }));
  for (const g of groups.groups ?? []) {
    for (const v of g.versions ?? [])
      specs.push({ method: 'GET', path: `/apis/${v.groupVersion}`, action: `discover /apis/${v.groupVersion}` });
  }
  return specs;
}

/** Resources from one legacy APIResourceList; `pods/exec` style entries become subresources of their parent. Pure. */
export function parseResourceList(list: APIResourceList): DiscoveredResource[] {
  const slash = list.groupVersion.indexOf('/');
  const group = slash === -1 ? '' : list.groupVersion.slice(0, slash);
  const version = slash === -1 ? list.groupVersion : list.groupVersion.slice(slash + 1);
  const byName = new Map<string, DiscoveredResource>();
  for (const r of list.resources ?? []) {
    if (r.name.includes('/')) continue;
    byName.set(r.name, {
      group,
      version,
      resource: r.name,
      kind: r.kind,
      namespaced: r.namespaced,
      verbs: [...(r.verbs ?? [])],
      subresources: [],
      ...(r.shortNames?.length ? { shortNames: [...r.shortNames] } : {}),
    });
  }
  for (const r of list.resources ?? []) {
    const i = r.name.indexOf('/');
    if (i === -1) continue;
    const parent = byName.get(r.name.slice(0, i));
    if (parent) parent.subresources.push({ name: r.name.slice(i + 1), verbs: [...(r.verbs ?? [])] });
  }
  return [...byName.values()];
}

// ---- sending ----

export interface DiscoveryResult {
  resources: DiscoveredResource[];
  mode: 'aggregated' | 'legacy';
  /** Requests this discovery sent. */
  requests: number;
  /** Group versions that failed (e.g. an unavailable aggregated API server); the rest is still returned. */
  failedGroupVersions: string[];
  /** Answers the server confirmed unchanged (304) and the disk cache supplied. */
  revalidated?: number;
}

/**
 * Discovers every resource the server serves. Also accepts `{ legacy: true }` to force legacy discovery (benchmarks).
 */
export interface DiscoverOptions extends OperationOptions {
  legacy?: boolean;
  /**
   * Folder of the ETag cache of aggregated answers (cache.ts); default discoveryCacheRoot() of the environment;
   * null: no cache.
   */
  cacheDir?: string | null;
}

export async function discover(conn: Connection, options: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const before = conn.client.requestCount;
  const [coreSpec, groupsSpec] = aggregatedRequests().map((s) =>
    options.legacy ? { ...s, accept: 'application/json' } : s,
  );
  const cacheRoot =
    options.legacy || options.cacheDir === null ? undefined : (options.cacheDir ?? discoveryCacheRoot());
  const send = async (spec: RequestSpec): Promise<RawResponse & { revalidated?: boolean }> => {
    if (!cacheRoot) return conn.client.requestRaw(spec, options);
    const file = discoveryCacheFile(cacheRoot, conn.server, spec.path);
    const cached = await readCachedAnswer(file);
    const res = await conn.client.requestRaw(
      cached ? { ...spec, headers: { 'If-None-Match': cached.etag } } : spec,
      options,
    );
    if (res.status === 304 && cached) {
      return {
        ...res,
        status: 200,
        headers: { 'content-type': cached.contentType },
        body: cached.body,
        revalidated: true,
      };
    }
    const etag = res.headers.etag;
    const contentType = String(res.headers['content-type'] ?? '');
    // Only aggregated documents are kept: a legacy server's lists are read anew each time.
    if (res.status === 200 && typeof etag === 'string' && /apidiscovery\.k8s\.io/.test(contentType))
      await writeCachedAnswer(file, { etag, contentType, body: res.body });
    return res;
  };
  const [coreRes, groupsRes] = await Promise.all([send(coreSpec), send(groupsSpec)]);
  for (const [spec, res] of [
    [coreSpec, coreRes],
    [groupsSpec, groupsRes],
  ] as const) {
    if (res.status !== 200) {
      throw errorFromResponse(res.status, res.body, {
        method: 'GET',
        path: spec.path,
        action: spec.action,
        context: conn.contextName,
      });
    }
  }
  const core = parseJson(coreRes.body, '/api');
  const groups = parseJson(groupsRes.body, '/apis');
  if (
    isAggregated(core, String(coreRes.headers['content-type'])) &&
    isAggregated(groups, String(groupsRes.headers['content-type']))
  ) {
    return {
      resources: sortResources([...parseAggregated(core), ...parseAggregated(groups)]),
      mode: 'aggregated',
      requests: conn.client.requestCount - before,
      failedGroupVersions: [],
      revalidated: [coreRes, groupsRes].filter((r) => r.revalidated).length,
    };
  }
  options.logger?.info('Aggregated discovery is not served; using legacy discovery.');
  const failed: string[] = [];
  const specs = legacyResourceRequests(core as APIVersions, groups as APIGroupList);
  const lists = await mapLimit(specs, 6, async (spec) => {
    try {
      return await conn.client.request<APIResourceList>(spec, options);
    } catch (err) {
      if (err instanceof SaKubeconfigError && (err.code === 'aborted' || err.code === 'unauthorized')) throw err;
      failed.push(spec.path.replace(/^\/apis?\//, ''));
      return undefined;
    }
  });
  const resources = lists.flatMap((l) => (l ? parseResourceList(l) : []));
  return {
    resources: sortResources(resources),
    mode: 'legacy',
    requests: conn.client.requestCount - before,
    failedGroupVersions: failed,
  };
}

function parseJson(body: string, what: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new SaKubeconfigError('server', `The discovery answer for ${what} is not JSON.`);
  }
}

/** Names of groups and resources are lower-case DNS names: code-point order, without loading ICU's collator (its
 *  first use costs a short-lived CLI process several milliseconds). */
function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Core group first, then groups alphabetically; versions in server order; resources alphabetically. Pure. */
export function sortResources(resources: DiscoveredResource[]): DiscoveredResource[] {
  const versionOrder = new Map<string, number>();
  resources.forEach((r, i) => {
    if (!versionOrder.has(`${r.group}/${r.version}`)) versionOrder.set(`${r.group}/${r.version}`, i);
  });
  return [...resources].sort((a, b) => {
    if (a.group !== b.group) return a.group === '' ? -1 : b.group === '' ? 1 : byCodePoint(a.group, b.group);
    if (a.version !== b.version)
      return (versionOrder.get(`${a.group}/${a.version}`) ?? 0) - (versionOrder.get(`${b.group}/${b.version}`) ?? 0);
    return byCodePoint(a.resource, b.resource);
  });
}

/**
 * One entry per (group, resource), keeping the first (preferred) version: RBAC rules ignore versions,
 * so this is what a permission picker shows. Pure.
 */
export function rbacResources(resources: DiscoveredResource[]): DiscoveredResource[] {
  const seen = new Map<string, DiscoveredResource>();
  for (const r of resources) {
    const k = `${r.group}/${r.resource}`;
    const existing = seen.get(k);
    if (!existing) {
      seen.set(k, {
        ...r,
        subresources: r.subresources.map((s) => ({ ...s, verbs: [...s.verbs] })),
        verbs: [...r.verbs],
      });
      continue;
    }
    // Merge verbs/subresources a later version adds.
    for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
    for (const s of r.subresources) {
      const es = existing.subresources.find((x) => x.name === s.name);
      if (!es) existing.subresources.push({ ...s, verbs: [...s.verbs] });
      else for (const v of s.verbs) if (!es.verbs.includes(v)) es.verbs.push(v);
    }
  }
  return [...seen.values()];
}
