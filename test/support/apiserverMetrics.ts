// Requests the API server itself counted (apiserver_request_total on /metrics, read as admin with kubectl): how
// tests count the requests of code they cannot reach into (the extension's tree, a CLI process). The counter moves
// for every client of the cluster, so read it around work nothing else does at the same time.
import { kubectlOkSync } from './kubectl';

export interface RequestKind {
  verb: string;
  resource: string;
  /** 'cluster', 'namespace' or 'resource' (one object by name). */
  scope?: string;
}

/** The sum of apiserver_request_total over the series matching `kind`. */
export function apiserverRequests(kind: RequestKind): number {
  const metrics = kubectlOkSync(['get', '--raw', '/metrics']);
  let total = 0;
  for (const line of metrics.split('\n')) {
    if (!line.startsWith('apiserver_request_total{')) continue;
    const labels = Object.fromEntries([...line.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (labels.verb !== kind.verb || labels.resource !== kind.resource) continue;
    if (kind.scope !== undefined && labels.scope !== kind.scope) continue;
    total += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return total;
}
