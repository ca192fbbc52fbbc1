// Which kinds of credential the caller may issue in a namespace, asked before any question is put to the user
// (Quick Create asks this right after the namespace): the access checks of issueCredential for every kind, each
// distinct check sent once. A revocable (bound) token needs "create secrets"; an unbound one does not, so a caller
// without rights on Secrets can still get a short-lived token that cannot be revoked early. Sends only
// SelfSubjectAccessReviews; changes nothing.

import type { Connection } from '../cluster/connect';
import { accessReview } from '../cluster/reviews';
import { mapLimit } from '../cluster/util';
import type { OperationOptions } from '../types';
import { issueAccessChecks, type IssueKind } from './issue';

type NewCredentialKind = Exclude<IssueKind, 'existing'>;

export interface IssuableKinds {
  /** Per kind, what the caller may not do that issuing it needs (e.g. `create secrets in namespace "x"`). */
  missing: Record<NewCredentialKind, string[]>;
  /** Kinds with nothing missing, in the order we prefer them. */
  allowed: NewCredentialKind[];
}

const KINDS: NewCredentialKind[] = ['bound', 'unbound', 'longLived'];

/** What issuing each kind of new credential in the namespace would be refused for. */
export async function issuableKinds(
  conn: Connection,
  namespace: string,
  options: OperationOptions = {},
): Promise<IssuableKinds> {
  const perKind = KINDS.map((kind) => ({ kind, checks: issueAccessChecks({ namespace, kind }) }));
  const distinct = [...new Map(perKind.flatMap((k) => k.checks).map((c) => [c.description, c])).values()];
  const answers = await mapLimit(distinct, 4, (c) => accessReview(conn, c, options));
  const denied = new Set(distinct.filter((_, i) => !answers[i].allowed).map((c) => c.description));
  const missing = Object.fromEntries(
    perKind.map(({ kind, checks }) => [kind, checks.map((c) => c.description).filter((d) => denied.has(d))]),
  ) as Record<NewCredentialKind, string[]>;
  return { missing, allowed: KINDS.filter((k) => missing[k].length === 0) };
}
