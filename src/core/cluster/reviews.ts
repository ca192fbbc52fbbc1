// "What may I do?" questions to the API server, for the identity of a connection:
// SelfSubjectAccessReview (one verb on one resource), SelfSubjectRulesReview (everything in a namespace),
// SelfSubjectReview (who am I). Bodies and answers are handled by pure functions.

import type { OperationOptions, PolicyRule } from '../types';
import type { Connection } from './connect';

export interface AccessAttributes {
  verb: string;
  group: string;
  resource: string;
  subresource?: string;
  /** Omit (or '') for a cluster-wide check. */
  namespace?: string;
  name?: string;
}

export function accessReviewBody(a: AccessAttributes): unknown {
  return {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: {
      resourceAttributes: {
        verb: a.verb,
        group: a.group,
        resource: a.resource,
        ...(a.subresource ? { subresource: a.subresource } : {}),
        ...(a.namespace ? { namespace: a.namespace } : {}),
        ...(a.name ? { name: a.name } : {}),
      },
    },
  };
}

export interface AccessDecision {
  allowed: boolean;
  denied: boolean;
  reason?: string;
  evaluationError?: string;
}

export function parseAccessReview(answer: {
  status?: { allowed?: boolean; denied?: boolean; reason?: string; evaluationError?: string };
}): AccessDecision {
  const s = answer.status ?? {};
  return {
    allowed: s.allowed === true,
    denied: s.denied === true,
    ...(s.reason ? { reason: s.reason } : {}),
    ...(s.evaluationError ? { evaluationError: s.evaluationError } : {}),
  };
}

export async function accessReview(
  conn: Connection,
  a: AccessAttributes,
  options: OperationOptions = {},
): Promise<AccessDecision> {
  const answer = await conn.client.request<Parameters<typeof parseAccessReview>[0]>(
    {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      body: accessReviewBody(a),
      action: 'check a permission (SelfSubjectAccessReview)',
    },
    options,
  );
  return parseAccessReview(answer);
}

export interface RulesReview {
  namespace: string;
  resourceRules: PolicyRule[];
  nonResourceRules: { verbs: string[]; nonResourceURLs: string[] }[];
  /** The answer may be missing rules (webhook authorizers, errors); treat absence as unknown, not denied. */
  incomplete: boolean;
  evaluationError?: string;
}

export function rulesReviewBody(namespace: string): unknown {
  return { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectRulesReview', spec: { namespace } };
}

interface RawRulesReview {
  status?: {
    resourceRules?: { verbs?: string[]; apiGroups?: string[]; resources?: string[]; resourceNames?: string[] }[];
    nonResourceRules?: { verbs?: string[]; nonResourceURLs?: string[] }[];
    incomplete?: boolean;
    evaluationError?: string;
  };
}

export function parseRulesReview(namespace: string, answer: RawRulesReview): RulesReview {
  const s = answer.status ?? {};
  return {
    namespace,
    resourceRules: (s.resourceRules ?? []).map((r) => ({
      apiGroups: r.apiGroups ?? [],
      resources: r.resources ?? [],
      verbs: r.verbs ?? [],
      ...(r.resourceNames?.length ? { resourceNames: r.resourceNames } : {}),
    })),
    nonResourceRules: (s.nonResourceRules ?? []).map((r) => ({
      verbs: r.verbs ?? [],
      nonResourceURLs: r.nonResourceURLs ?? [],
    })),
    incomplete: s.incomplete === true,
    ...(s.evaluationError ? { evaluationError: s.evaluationError } : {}),
  };
}

export async function rulesReview(
  conn: Connection,
  namespace: string,
  options: OperationOptions = {},
): Promise<RulesReview> {
  const answer = await conn.client.request<RawRulesReview>(
    {
      method: 'POST',
      path: '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews',
      body: rulesReviewBody(namespace),
      action: `list your permissions in namespace "${namespace}" (SelfSubjectRulesReview)`,
    },
    options,
  );
  return parseRulesReview(namespace, answer);
}

export interface WhoAmI {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export function parseSelfSubjectReview(answer: {
  status?: { userInfo?: { username?: string; uid?: string; groups?: string[]; extra?: Record<string, string[]> } };
}): WhoAmI {
  const u = answer.status?.userInfo ?? {};
  return {
    username: u.username ?? '',
    groups: u.groups ?? [],
    ...(u.uid ? { uid: u.uid } : {}),
    ...(u.extra ? { extra: u.extra } : {}),
  };
}

/** `kubectl auth whoami`: SelfSubjectReview (authentication.k8s.io/v1, Kubernetes 1.28+). */
export async function whoAmI(conn: Connection, options: OperationOptions = {}): Promise<WhoAmI> {
  const answer = await conn.client.request<Parameters<typeof parseSelfSubjectReview>[0]>(
    {
      method: 'POST',
      path: '/apis/authentication.k8s.io/v1/selfsubjectreviews',
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' },
      action: 'ask who you are (SelfSubjectReview)',
    },
    options,
  );
  return parseSelfSubjectReview(answer);
}

/** Splits `pods/exec` into resource and subresource. Pure. */
export function splitResource(resource: string): { resource: string; subresource?: string } {
  const i = resource.indexOf('/');
  return i === -1 ? { resource } : { resource: resource.slice(0, i), subresource: resource.slice(i + 1) };
}
