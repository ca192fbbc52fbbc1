// What a service account did, from its audit events: requests grouped by verb, API group, resource, subresource,
// namespace and object name, with counts, first and last seen, source IPs and user agents; the requests RBAC denied
// apart; and what the log can and cannot show (its window, the counts read and skipped, the audit levels seen).
// Pure: the accumulator takes requests one by one (memory grows with the number of distinct groups, never with the
// number of events), and coverage() turns read statistics into sentences. The reading is in reader.ts.
import type { PolicyFindings } from './policy';
import type { AuditFilter, AuditRequest, ReadStats } from './reader';

/** How many distinct source IPs and user agents a group keeps (the count of the rest is kept). */
const MAX_DISTINCT = 10;

export interface UsageGroup {
  verb: string;
  /** '' for the core group. */
  apiGroup: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  sourceIPs: string[];
  userAgents: string[];
  /** HTTP status codes seen, with counts. */
  codes: Record<string, number>;
  /** RBAC's reasons (which binding allowed or why denied), as the API server annotated them. */
  reasons: string[];
}

export interface NonResourceGroup {
  verb: string;
  path: string;
  count: number;
  denied: number;
  firstSeen: string;
  lastSeen: string;
}

export interface UsageReport {
  serviceAccount: string;
  namespace: string;
  credential?: string;
  /** Allowed requests to resources, busiest first. */
  allowed: UsageGroup[];
  /** Requests RBAC denied (decision forbid, or a 403 without a decision): what the script tried and lacked. */
  denied: UsageGroup[];
  /** Requests to non-resource URLs (discovery, /version): granted to every authenticated user by default. */
  nonResource: NonResourceGroup[];
  /** Credentials (short ids) whose requests matched, with counts. */
  credentials: Record<string, number>;
  coverage: Coverage;
}

export interface Coverage {
  /** First and last matched request (undefined when none matched). */
  firstRequest?: string;
  lastRequest?: string;
  /** What the log covers: the earliest and latest event of anyone in it. */
  logFirst?: string;
  logLast?: string;
  /** The window asked for with --since/--until. */
  since?: string;
  until?: string;
  files: string[];
  lines: number;
  matched: number;
  unparseable: number;
  unparseableSamples: string[];
  otherUsers: number;
  skippedStages: Record<string, number>;
  outsideWindow: number;
  otherCredential: number;
  stillOpen: number;
  levels: Record<string, number>;
  /** What the audit policy leaves out for the account, when the policy was given (policy.ts). */
  policy?: PolicyFindings;
  /** What the report cannot show, in sentences. */
  warnings: string[];
}

/** RBAC denied it: the annotated decision says forbid, or (no decision annotated) the answer was 403. */
export function isDenied(r: Pick<AuditRequest, 'decision' | 'code'>): boolean {
  return r.decision === 'forbid' || (r.decision === undefined && r.code === 403);
}

function groupKey(r: AuditRequest): string {
  return [r.verb, r.apiGroup ?? '', r.resource ?? '', r.subresource ?? '', r.namespace ?? '', r.name ?? ''].join(
    '\u0000',
  );
}

function addDistinct(list: string[], value: string | undefined): void {
  if (value && list.length < MAX_DISTINCT && !list.includes(value)) list.push(value);
}

const earlier = (a: string, b: string) => (Date.parse(a) <= Date.parse(b) ? a : b);
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/** Collects requests into groups; `report()` sorts them. */
export class UsageAccumulator {
  private readonly allowed = new Map<string, UsageGroup>();
  private readonly denied = new Map<string, UsageGroup>();
  private readonly nonResource = new Map<string, NonResourceGroup>();
  private readonly credentials = new Map<string, number>();

  add(r: AuditRequest): void {
    if (r.jti) {
      const id = r.jti.replace(/-/g, '').slice(0, 8);
      this.credentials.set(id, (this.credentials.get(id) ?? 0) + 1);
    }
    if (r.nonResourceURL !== undefined) {
      const key = `${r.verb} ${r.nonResourceURL}`;
      const g = this.nonResource.get(key);
      if (!g) {
        const denied = isDenied(r) ? 1 : 0;
        const path = r.nonResourceURL;
        this.nonResource.set(key, { verb: r.verb, path, count: 1, denied, firstSeen: r.time, lastSeen: r.time });
      } else {
        g.count++;
        if (isDenied(r)) g.denied++;
        g.firstSeen = earlier(g.firstSeen, r.time);
        g.lastSeen = later(g.lastSeen, r.time);
      }
      return;
    }
    const map = isDenied(r) ? this.denied : this.allowed;
    const key = groupKey(r);
    let g = map.get(key);
    if (!g) {
      g = {
        verb: r.verb,
        apiGroup: r.apiGroup ?? '',
        resource: r.resource ?? '',
        ...(r.subresource ? { subresource: r.subresource } : {}),
        ...(r.namespace ? { namespace: r.namespace } : {}),
        ...(r.name ? { name: r.name } : {}),
        count: 0,
        firstSeen: r.time,
        lastSeen: r.time,
        sourceIPs: [],
        userAgents: [],
        codes: {},
        reasons: [],
      };
      map.set(key, g);
    }
    g.count++;
    g.firstSeen = earlier(g.firstSeen, r.time);
    g.lastSeen = later(g.lastSeen, r.time);
    for (const ip of r.sourceIPs) addDistinct(g.sourceIPs, ip);
    addDistinct(g.userAgents, r.userAgent);
    addDistinct(g.reasons, r.reason);
    if (r.code !== undefined) g.codes[String(r.code)] = (g.codes[String(r.code)] ?? 0) + 1;
  }

  report(filter: AuditFilter, stats: ReadStats): UsageReport {
    const order = (a: UsageGroup, b: UsageGroup) =>
      b.count - a.count || describeGroup(a).localeCompare(describeGroup(b));
    const allowed = [...this.allowed.values()].sort(order);
    const denied = [...this.denied.values()].sort(order);
    const all = [...allowed, ...denied, ...this.nonResource.values()];
    const firstRequest = all.length > 0 ? all.map((g) => g.firstSeen).reduce(earlier) : undefined;
    const lastRequest = all.length > 0 ? all.map((g) => g.lastSeen).reduce(later) : undefined;
    return {
      serviceAccount: filter.serviceAccount,
      namespace: filter.namespace,
      ...(filter.credential ? { credential: filter.credential } : {}),
      allowed,
      denied,
      nonResource: [...this.nonResource.values()].sort((a, b) => b.count - a.count || a.path.localeCompare(b.path)),
      credentials: Object.fromEntries(this.credentials),
      coverage: coverage(filter, stats, firstRequest, lastRequest),
    };
  }
}

/** `get pods/log "web-1" in team-a` style. */
export function describeGroup(
  g: Pick<UsageGroup, 'verb' | 'apiGroup' | 'resource' | 'subresource' | 'namespace' | 'name'>,
): string {
  const resource = `${g.resource}${g.apiGroup ? `.${g.apiGroup}` : ''}${g.subresource ? `/${g.subresource}` : ''}`;
  return `${g.verb} ${resource}${g.name ? ` "${g.name}"` : ''} ${g.namespace ? `in ${g.namespace}` : 'cluster-wide'}`;
}

export const SHORT_WINDOW_HOURS = 24;

/** The coverage of a read, with the warnings a reader of the report needs. Pure. */
export function coverage(filter: AuditFilter, stats: ReadStats, firstRequest?: string, lastRequest?: string): Coverage {
  const warnings: string[] = [];
  // The window the report can speak for: where the log and --since/--until overlap.
  const { since, until } = filter;
  const sinceFirst = since && (!stats.logFirst || since.getTime() > Date.parse(stats.logFirst));
  const untilLast = until && (!stats.logLast || until.getTime() < Date.parse(stats.logLast));
  const start = sinceFirst ? since.toISOString() : stats.logFirst;
  const end = untilLast ? until.toISOString() : stats.logLast;
  if (stats.matched === 0) {
    const credential = filter.credential ? ` with credential ${filter.credential}` : '';
    const user = `system:serviceaccount:${filter.namespace}:${filter.serviceAccount}`;
    warnings.push(
      `No completed request of ${user}${credential} ` +
        'is in the log: it did nothing in this window, or the audit policy does not log its requests.',
    );
  }
  if (start && end) {
    const hours = (Date.parse(end) - Date.parse(start)) / 3_600_000;
    if (hours < SHORT_WINDOW_HOURS) {
      warnings.push(
        `The log covers ${formatHours(hours)} (${start} to ${end}), less than ${SHORT_WINDOW_HOURS} h: ` +
          'a job that runs daily, weekly or on release may not be in it. ' +
          'Read a longer log (the rotated files too) before shrinking.',
      );
    }
  } else if (stats.lines > 0) {
    warnings.push('No event in the log carries a timestamp: the window it covers is unknown.');
  }
  if (filter.since && stats.logFirst && Date.parse(stats.logFirst) > filter.since.getTime()) {
    warnings.push(
      `--since asks from ${filter.since.toISOString()}, but the log starts at ${stats.logFirst}: ` +
        'earlier requests are not in it (rotated away?).',
    );
  }
  warnings.push(
    'Requests the audit policy logs at level None (or does not match) are not in the log at all, ' +
      "and the report cannot show them; check that the policy logs this service account's requests " +
      'at level Metadata or above.',
  );
  const levels = Object.keys(stats.levels);
  if (levels.length > 0 && levels.every((l) => l === 'Metadata')) {
    warnings.push(
      'Every event is at level Metadata: verbs, resources, namespaces and object names (of creates too) ' +
        'are visible; request and response bodies (what a patch or update changed) are not, ' +
        'and RBAC does not need them.',
    );
  }
  if (stats.unparseable > 0) {
    const samples = stats.unparseableSamples.length > 0 ? ` (e.g. ${stats.unparseableSamples.join(', ')})` : '';
    warnings.push(`${stats.unparseable} line(s) are not audit events and were skipped${samples}.`);
  }
  if (stats.stillOpen > 0) {
    warnings.push(
      `${stats.stillOpen} long-running request(s) (watch, exec, port-forward) had started but not ` +
        'completed when the log ended; only completed requests are counted.',
    );
  }
  return {
    ...(firstRequest ? { firstRequest } : {}),
    ...(lastRequest ? { lastRequest } : {}),
    ...(stats.logFirst ? { logFirst: stats.logFirst } : {}),
    ...(stats.logLast ? { logLast: stats.logLast } : {}),
    ...(since ? { since: since.toISOString() } : {}),
    ...(until ? { until: until.toISOString() } : {}),
    files: stats.sources.map((s) => (s === '-' ? 'stdin' : s)),
    lines: stats.lines,
    matched: stats.matched,
    unparseable: stats.unparseable,
    unparseableSamples: stats.unparseableSamples,
    otherUsers: stats.otherUsers,
    skippedStages: stats.skippedStages,
    outsideWindow: stats.outsideWindow,
    otherCredential: stats.otherCredential,
    stillOpen: stats.stillOpen,
    levels: stats.levels,
    warnings,
  };
}

function formatHours(hours: number): string {
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  return `${hours.toFixed(1)} h`;
}
