// What the user may do in the wizard's target namespace, asked before the Review: whether each kind of token can be
// issued there (core's issueAccessChecks: a revocable token needs `create secrets`), and, when the user may not even
// list service accounts there, a bounded set of namespaces where it may create them. SelfSubjectAccessReviews only:
// at most 3 for the token kinds plus MAX_SUGGESTION_CHECKS (a few at a time), never one per namespace of a big list.
// No vscode import: the host calls it, the integration test runs it against the real cluster.

import type { Connection } from '../../core/cluster/connect';
import { accessReview, type AccessAttributes } from '../../core/cluster/reviews';
import { mapLimit } from '../../core/cluster/util';
import { issueAccessChecks } from '../../core/credentials/issue';
import type { OperationOptions } from '../../core/types';
import type { TargetRights } from '../protocol';

/** How many namespaces are checked for "you may create service accounts here" suggestions. */
export const MAX_SUGGESTION_CHECKS = 20;
const PARALLEL = 5;
const KINDS = ['bound', 'longLived', 'unbound'] as const;

/**
 * The namespaces worth checking, in order: the context's own namespace, those the user added or sees first, then
 * the rest of the list; without the target itself, at most MAX_SUGGESTION_CHECKS. Pure.
 */
export function suggestionCandidates(target: string, preferred: string[], listed: string[]): string[] {
  const seen = new Set<string>([target]);
  const out: string[] = [];
  for (const ns of [...preferred, ...listed]) {
    if (!ns || seen.has(ns)) continue;
    seen.add(ns);
    out.push(ns);
    if (out.length >= MAX_SUGGESTION_CHECKS) break;
  }
  return out;
}

/** Asks the API server what the user may do in `namespace`; suggestions only when `listForbidden`. */
export async function fetchTargetRights(
  conn: Connection,
  namespace: string,
  candidates: { listForbidden: boolean; namespaces: string[] },
  options: OperationOptions = {},
): Promise<TargetRights> {
  const checks = new Map<string, AccessAttributes & { description: string }>();
  for (const kind of KINDS) for (const c of issueAccessChecks({ namespace, kind })) checks.set(c.description, c);
  const allowed = new Map<string, boolean>();
  await mapLimit([...checks.values()], PARALLEL, async (c) => {
    try {
      allowed.set(c.description, (await accessReview(conn, c, options)).allowed);
    } catch {
      // Unknown: say nothing rather than block (the Review's pre-check still decides).
    }
  });
  const tokenDenied = Object.fromEntries(
    KINDS.map((kind) => [
      kind,
      issueAccessChecks({ namespace, kind })
        .filter((c) => allowed.get(c.description) === false)
        .map((c) => c.description),
    ]),
  ) as TargetRights['tokenDenied'];
  if (!candidates.listForbidden) return { tokenDenied };
  const list = candidates.namespaces.slice(0, MAX_SUGGESTION_CHECKS);
  const may = await mapLimit(list, PARALLEL, async (ns) => {
    try {
      const answer = await accessReview(
        conn,
        { verb: 'create', group: '', resource: 'serviceaccounts', namespace: ns },
        options,
      );
      return answer.allowed;
    } catch {
      return false;
    }
  });
  return { tokenDenied, suggestions: list.filter((_, i) => may[i]), checkedNamespaces: list.length };
}
