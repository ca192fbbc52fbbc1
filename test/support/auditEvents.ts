// audit.k8s.io/v1 Event lines shaped as kube-apiserver v1.37 writes them at level Metadata (copied field for field
// from a real log of the test cluster), for the reader's unit tests and the synthetic large logs.
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';

export interface EventSpec {
  user?: string;
  verb?: string;
  resource?: string;
  apiGroup?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  /** For non-resource requests: no objectRef. */
  path?: string;
  code?: number;
  decision?: 'allow' | 'forbid' | null;
  stage?: string;
  time?: string;
  jti?: string;
  auditID?: string;
  level?: string;
  userAgent?: string;
}

let counter = 0;

export function auditEvent(spec: EventSpec = {}): Record<string, unknown> {
  const user = spec.user ?? 'system:serviceaccount:team:ci';
  const ns = spec.namespace;
  const resource = spec.resource ?? 'pods';
  const time = spec.time ?? '2026-12-01T10:00:00.000000Z';
  const decision = spec.decision === undefined ? (spec.code === 403 ? 'forbid' : 'allow') : spec.decision;
  const uri = spec.path ?? `/api/v1/${ns ? `namespaces/${ns}/` : ''}${resource}${spec.name ? `/${spec.name}` : ''}`;
  return {
    kind: 'Event',
    apiVersion: 'audit.k8s.io/v1',
    level: spec.level ?? 'Metadata',
    auditID: spec.auditID ?? `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`,
    stage: spec.stage ?? 'ResponseComplete',
    requestURI: uri,
    verb: spec.verb ?? 'list',
    user: {
      username: user,
      uid: 'e0f5dc17-a95a-4826-a3cd-6c490f4a1359',
      groups: ['system:serviceaccounts', 'system:authenticated'],
      ...(spec.jti ? { extra: { 'authentication.kubernetes.io/credential-id': [`JTI=${spec.jti}`] } } : {}),
    },
    sourceIPs: ['10.0.0.7'],
    userAgent: spec.userAgent ?? 'kubectl/v1.37.2 (linux/amd64) kubernetes/$Format',
    ...(spec.path
      ? {}
      : {
          objectRef: {
            resource,
            ...(ns ? { namespace: ns } : {}),
            ...(spec.name ? { name: spec.name } : {}),
            ...(spec.apiGroup ? { apiGroup: spec.apiGroup } : {}),
            ...(spec.subresource ? { subresource: spec.subresource } : {}),
            apiVersion: 'v1',
          },
        }),
    responseStatus: { metadata: {}, code: spec.code ?? 200 },
    requestReceivedTimestamp: time,
    stageTimestamp: time,
    annotations:
      decision === null
        ? {}
        : {
            'authorization.k8s.io/decision': decision,
            'authorization.k8s.io/reason': decision === 'allow' ? 'RBAC: allowed by RoleBinding "x/team"' : '',
          },
  };
}

export function auditLine(spec: EventSpec = {}): string {
  return JSON.stringify(auditEvent(spec));
}

/**
 * Writes about `megabytes` MB of event lines: mostly other users' requests, and every 100th line one of
 * `system:serviceaccount:big:app` (list pods, get configmaps "cfg-<0..49>", a denied list of secrets every
 * 100 000th line).
 * Returns the number of lines and of the account's completed requests, allowed and denied.
 */
export async function writeSyntheticLog(
  file: string,
  megabytes: number,
): Promise<{ lines: number; matched: number; denied: number }> {
  const app = { user: 'system:serviceaccount:big:app', namespace: 'big' };
  const out = createWriteStream(file);
  const start = Date.parse('2026-11-01T00:00:00Z');
  let bytes = 0;
  let lines = 0;
  let matched = 0;
  let denied = 0;
  while (bytes < megabytes * 1024 * 1024) {
    const time = new Date(start + lines * 1000).toISOString();
    let spec: EventSpec;
    if (lines % 100 === 0) {
      matched++;
      if (lines % 100_000 === 0) {
        denied++;
        spec = { ...app, verb: 'list', resource: 'secrets', code: 403, time };
      } else if (lines % 200 === 0) {
        spec = { ...app, verb: 'list', resource: 'pods', time };
      } else {
        spec = { ...app, verb: 'get', resource: 'configmaps', name: `cfg-${Math.floor(lines / 200) % 50}`, time };
      }
    } else {
      spec = {
        user: `system:serviceaccount:other:worker-${lines % 37}`,
        verb: lines % 3 === 0 ? 'watch' : 'get',
        resource: 'leases',
        namespace: 'other',
        name: `lease-${lines % 11}`,
        time,
      };
    }
    const line = `${auditLine(spec)}\n`;
    bytes += Buffer.byteLength(line);
    lines++;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
  return { lines, matched, denied };
}
