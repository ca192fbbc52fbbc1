// Verifies a generated kubeconfig with ITS OWN credentials, never the caller's: what the service account
// may do (SelfSubjectRulesReview per namespace), every requested rule (SelfSubjectAccessReview, expected
// allowed) and a few things it must not do (expected denied: list secrets, the same verbs in a namespace
// outside the scope), plus who the server says it is (SelfSubjectReview).

import type { Connection } from '../cluster/connect';
import {
  accessReview,
  rulesReview,
  splitResource,
  whoAmI,
  type AccessAttributes,
  type WhoAmI,
} from '../cluster/reviews';
import { mapLimit, sleep } from '../cluster/util';
import { parseHeader } from '../kubeconfig/build';
import { generatedRoleName } from '../plan/names';
import { splitRules, type PlanOptions } from '../plan/plan';
import { breakdownRule, missingRules, parseRules } from '../plan/rules';
import type { OperationOptions, Plan, PolicyRule, ProvisionRequest } from '../types';

export interface VerificationCheck extends AccessAttributes {
  /** Undefined = cluster-wide. */
  namespace?: string;
  expected: 'allowed' | 'denied';
  allowed: boolean;
  ok: boolean;
  /** Why this check is here, e.g. "requested" or "not requested: secrets". */
  why: string;
}

export interface VerificationReport {
  ok: boolean;
  checks: VerificationCheck[];
  /** What the server says the credential may do in each namespace (SelfSubjectRulesReview). */
  rulesByNamespace: Record<string, PolicyRule[]>;
  /** A rules review was incomplete (webhook authorizers): rulesByNamespace may miss rules. */
  incomplete: boolean;
  whoami?: WhoAmI;
  notes: string[];
  /** Requests the verification sent. */
  requests: number;
  /**
   * Rounds in which expected-allowed checks that came back denied were asked again (RBAC propagation: the
   * authorizer learns new Roles and bindings through informers, a moment after they are created). 0 = none needed.
   */
  retries: number;
  /** Context of the generated kubeconfig that was used. */
  context: string;
}

export interface Expectations {
  /** Namespaces the rules were granted in (each gets a rules review). */
  namespaces: string[];
  /** Rules granted cluster-wide instead of per namespace. */
  clusterWide?: boolean;
  rules: PolicyRule[];
  /**
   * Rules naming cluster-scoped resources (nodes, cluster-scoped CRDs) in a request for namespaces: granted by a
   * ClusterRoleBinding, so checked once without a namespace and never expected denied elsewhere.
   */
  clusterRules?: PolicyRule[];
  /** Bound existing roles: their rules are unknown here, so "expected denied" checks they might cover are skipped. */
  hasRoleRefs?: boolean;
  /** A namespace outside the scope to check the verbs are denied in (default: "default", or "kube-system"). */
  outsideNamespace?: string;
}

const MAX_ALLOWED_CHECKS = 100;

/**
 * What a kubeconfig file leads us to expect. Rules given by the caller win; without them, a kubeconfig sa-kubeconfig
 * made brings its own in its header comment (with its roles and whether it is cluster-wide). Namespaces given win,
 * then those of its contexts, then `currentNamespace`. Without any expectation, or with bound roles whose rules are
 * unknown here, nothing is asserted as denied. Pure.
 */
export function expectationsFromKubeconfig(
  text: string,
  contexts: { context?: { namespace?: string } }[],
  currentNamespace: string,
  given: { rules: PolicyRule[]; namespaces: string[]; clusterWide: boolean; outsideNamespace?: string },
): Expectations {
  const header = given.rules.length === 0 ? parseHeader(text) : undefined;
  const rules = given.rules.length > 0 ? given.rules : header ? parseRules(header.rules) : [];
  const contextNamespaces = [...new Set(contexts.map((c) => c.context?.namespace).filter((ns): ns is string => !!ns))];
  const clusterWide = given.clusterWide || header?.clusterWide === true;
  // Without discovery only the built-in cluster-scoped kinds (nodes, namespaces, ...) are known as such.
  const scope = clusterWide ? { kind: 'cluster' as const } : { kind: 'namespaces' as const, namespaces: [] };
  const split = splitRules({ rules, scope });
  return {
    namespaces:
      given.namespaces.length > 0
        ? given.namespaces
        : contextNamespaces.length > 0
          ? contextNamespaces
          : [currentNamespace],
    clusterWide,
    rules: clusterWide ? rules : split.namespaced,
    ...(!clusterWide && split.clusterScoped.length > 0 ? { clusterRules: split.clusterScoped } : {}),
    hasRoleRefs: rules.length === 0 || (header?.roleRefs.length ?? 0) > 0,
    ...(given.outsideNamespace ? { outsideNamespace: given.outsideNamespace } : {}),
  };
}

/**
 * What a request leads us to expect, split between namespaced and cluster-scoped rules exactly as buildPlan splits
 * them (pass the same lookup: discovery's, for CRDs). Pure.
 */
export function expectationsFromRequest(request: ProvisionRequest, options: PlanOptions = {}): Expectations {
  const clusterWide = request.scope.kind === 'cluster';
  const namespaces =
    request.scope.kind === 'namespaces' && request.scope.namespaces.length > 0
      ? request.scope.namespaces
      : [request.namespace];
  const hasRoleRefs = request.roleRefs.length > 0;
  if (clusterWide) return { namespaces: [request.namespace], clusterWide, rules: request.rules, hasRoleRefs };
  const { namespaced, clusterScoped } = splitRules(request, options.isNamespaced);
  const clusterRules = clusterScoped.length > 0 ? { clusterRules: clusterScoped } : {};
  return { namespaces, clusterWide, rules: namespaced, ...clusterRules, hasRoleRefs };
}

/**
 * What a plan leads us to expect: the rules of its generated Role (per namespace) and ClusterRole, exactly as planned
 * (with discovery's view of which CRDs are cluster-scoped, when the plan had it). Pure.
 */
export function expectationsFromPlan(plan: Plan): Expectations {
  const { request } = plan;
  const base = expectationsFromRequest(request);
  if (request.scope.kind === 'cluster') return base;
  const generated = generatedRoleName(request.namespace, request.serviceAccount);
  const rulesOf = (kind: string) => {
    const role = plan.objects.find((p) => p.object.kind === kind && p.object.metadata.name === generated);
    return (role?.object.rules as PolicyRule[] | undefined) ?? [];
  };
  const { clusterRules: _c, ...rest } = base;
  const clusterRules = rulesOf('ClusterRole');
  return { ...rest, rules: rulesOf('Role'), ...(clusterRules.length > 0 ? { clusterRules } : {}) };
}

type PlannedCheck = Omit<VerificationCheck, 'allowed' | 'ok'>;

/** The access checks to run for these expectations. Pure. */
export function plannedChecks(exp: Expectations): { checks: PlannedCheck[]; notes: string[] } {
  const checks: PlannedCheck[] = [];
  const notes: string[] = [];
  const atoms = exp.rules.flatMap(breakdownRule);
  const clusterAtoms = (exp.clusterRules ?? []).flatMap(breakdownRule);
  const total = atoms.length + clusterAtoms.length;
  if (total > MAX_ALLOWED_CHECKS) {
    notes.push(`Only the first ${MAX_ALLOWED_CHECKS} of ${total} requested permissions are checked one by one.`);
  }
  const scopes: (string | undefined)[] = exp.clusterWide ? [undefined] : exp.namespaces;
  const allowed = (atom: PolicyRule, ns: string | undefined, why: string) => {
    const { resource, subresource } = splitResource(atom.resources[0]);
    checks.push({
      verb: atom.verbs[0],
      group: atom.apiGroups[0],
      resource,
      ...(subresource ? { subresource } : {}),
      ...(ns ? { namespace: ns } : {}),
      ...(atom.resourceNames?.[0] ? { name: atom.resourceNames[0] } : {}),
      expected: 'allowed',
      why,
    });
  };
  for (const ns of scopes) for (const atom of atoms.slice(0, MAX_ALLOWED_CHECKS)) allowed(atom, ns, 'requested');
  for (const atom of clusterAtoms.slice(0, Math.max(0, MAX_ALLOWED_CHECKS - atoms.length))) {
    allowed(atom, undefined, 'requested (cluster-scoped)');
  }
  // Denied: reading secrets (unless requested or possibly granted by a bound role).
  const secretsList: PolicyRule = { apiGroups: [''], resources: ['secrets'], verbs: ['list'] };
  if (missingRules([...exp.rules, ...(exp.clusterRules ?? [])], [secretsList]).length === 0) {
    notes.push('Listing secrets was requested, so it is not checked as denied.');
  } else if (exp.hasRoleRefs) {
    notes.push('A bound role may grant reading secrets, so that is not checked as denied.');
  } else {
    for (const ns of scopes)
      checks.push({
        verb: 'list',
        group: '',
        resource: 'secrets',
        ...(ns ? { namespace: ns } : {}),
        expected: 'denied',
        why: 'not requested: secrets',
      });
  }
  // Denied: the same verbs in a namespace outside the scope.
  if (!exp.clusterWide) {
    const outside =
      exp.outsideNamespace ??
      (exp.namespaces.includes('default')
        ? exp.namespaces.includes('kube-system')
          ? undefined
          : 'kube-system'
        : 'default');
    if (outside) {
      const seen = new Set<string>();
      for (const atom of atoms) {
        if (atom.resourceNames?.length) continue;
        const k = `${atom.apiGroups[0]}/${atom.resources[0]}/${atom.verbs[0]}`;
        if (seen.has(k) || seen.size >= 5) continue;
        seen.add(k);
        const { resource, subresource } = splitResource(atom.resources[0]);
        checks.push({
          verb: atom.verbs[0],
          group: atom.apiGroups[0],
          resource,
          ...(subresource ? { subresource } : {}),
          namespace: outside,
          expected: 'denied',
          why: `outside the scope: namespace ${outside}`,
        });
      }
    }
  }
  return { checks, notes };
}

/**
 * Waits between re-checks of expected-allowed checks that were denied: about 3 s in all, then a denial is final.
 * RBAC objects reach the API server's authorizer through informers, usually within a second of being created.
 */
export const PROPAGATION_RETRY_DELAYS_MS: readonly number[] = [100, 200, 400, 800, 1500];

export interface RetryOutcome {
  allowed: boolean[];
  /** Rounds of re-checks that were needed (0 when every expected-allowed check was allowed at once). */
  retries: number;
  /** Checks that were denied at first and allowed on a re-check. */
  allowedLate: number;
}

/**
 * Runs every check once, then re-runs only the expected-allowed ones that came back denied, after each delay in
 * turn, until none is left or the delays run out. Expected-denied checks are never retried (a late "allowed"
 * would be the real answer, not a propagation delay). `check` and `wait` are injected so this can be tested alone.
 */
export async function checkWithPropagationRetry<C extends { expected: 'allowed' | 'denied' }>(
  checks: C[],
  check: (c: C) => Promise<boolean>,
  opts: { delaysMs?: readonly number[]; wait?: (ms: number) => Promise<void>; concurrency?: number } = {},
): Promise<RetryOutcome> {
  const delays = opts.delaysMs ?? PROPAGATION_RETRY_DELAYS_MS;
  const wait = opts.wait ?? ((ms: number) => sleep(ms));
  const concurrency = opts.concurrency ?? 8;
  const allowed = await mapLimit(checks, concurrency, check);
  const pendingAtFirst = checks.filter((c, i) => c.expected === 'allowed' && !allowed[i]).length;
  let retries = 0;
  for (const delay of delays) {
    const pending = checks.map((_c, i) => i).filter((i) => checks[i].expected === 'allowed' && !allowed[i]);
    if (pending.length === 0) break;
    await wait(delay);
    retries++;
    const again = await mapLimit(pending, concurrency, (i) => check(checks[i]));
    pending.forEach((i, k) => {
      allowed[i] = again[k];
    });
  }
  const stillDenied = checks.filter((c, i) => c.expected === 'allowed' && !allowed[i]).length;
  return { allowed, retries, allowedLate: pendingAtFirst - stillDenied };
}

/** Verifies the generated kubeconfig text (its current context, or `context`). */
export interface VerifyOptions extends OperationOptions {
  /** Delays between re-checks of expected-allowed checks that were denied (default PROPAGATION_RETRY_DELAYS_MS). */
  propagationDelaysMs?: readonly number[];
}

export async function verifyKubeconfig(
  kubeconfigYaml: string,
  exp: Expectations,
  options: VerifyOptions & { context?: string; timeoutMs?: number } = {},
): Promise<VerificationReport> {
  // Loaded on use: planning and offline dry runs import this module without ever connecting.
  const { connectWithKubeconfigText } = await import('../cluster/connect.js');
  const conn = await connectWithKubeconfigText(kubeconfigYaml, options.context, {
    logger: options.logger,
    timeoutMs: options.timeoutMs,
  });
  try {
    return await verifyWith(conn, exp, options);
  } finally {
    conn.close();
  }
}

/** Verifies with an existing connection that uses the credential under test. */
export async function verifyWith(
  conn: Connection,
  exp: Expectations,
  options: VerifyOptions = {},
): Promise<VerificationReport> {
  const before = conn.client.requestCount;
  const { checks: planned, notes } = plannedChecks(exp);
  // Everything goes out at once. whoami's answer is awaited first: a rejected token fails there with a clear 401.
  const asking = whoAmI(conn, options);
  const reviewRules = () => mapLimit(exp.namespaces, 8, (ns) => rulesReview(conn, ns, options));
  const checking = Promise.all([
    reviewRules(),
    checkWithPropagationRetry(
      planned,
      async (c) =>
        (
          await accessReview(
            conn,
            {
              verb: c.verb,
              group: c.group,
              resource: c.resource,
              subresource: c.subresource,
              namespace: c.namespace,
              name: c.name,
            },
            options,
          )
        ).allowed,
      {
        delaysMs: options.propagationDelaysMs,
        wait: (ms) => sleep(ms, options.signal),
        concurrency: 16,
      },
    ),
  ]);
  checking.catch(() => undefined);
  const whoami = await asking.catch(async (err) => {
    if ((err as { code?: string }).code === 'notFound') {
      notes.push('SelfSubjectReview is not served (Kubernetes < 1.28).');
      return undefined;
    }
    await checking.catch(() => undefined);
    throw err;
  });
  const [firstReviews, outcome] = await checking;
  // The rules reviews ran while permissions were still arriving: ask again for the settled picture.
  const reviews = outcome.retries > 0 ? await reviewRules() : firstReviews;
  if (outcome.allowedLate > 0) {
    notes.push(
      `${outcome.allowedLate} permission check(s) were denied at first and allowed after ${outcome.retries} ` +
        'retry round(s): the API server takes a moment to learn new RBAC objects.',
    );
  }
  const checks: VerificationCheck[] = planned.map((c, i) => {
    const allowed = outcome.allowed[i];
    return { ...c, allowed, ok: c.expected === 'allowed' ? allowed : !allowed };
  });
  const rulesByNamespace: Record<string, PolicyRule[]> = {};
  for (const r of reviews) rulesByNamespace[r.namespace] = r.resourceRules;
  const incomplete = reviews.some((r) => r.incomplete);
  return {
    ok: checks.every((c) => c.ok),
    checks,
    rulesByNamespace,
    incomplete,
    ...(whoami ? { whoami } : {}),
    notes,
    requests: conn.client.requestCount - before,
    retries: outcome.retries,
    context: conn.contextName,
  };
}
