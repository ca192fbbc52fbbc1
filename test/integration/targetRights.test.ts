// What the wizard asks before the Review (src/webview/host/targetRights.ts), against the real cluster: the restricted
// user (service accounts and RBAC in restricted-ns, no Secrets) cannot get a revocable (Secret-bound) token or a
// long-lived one there, can get an unbound one; where it may not list service accounts, the suggestions name
// restricted-ns. The number of SelfSubjectAccessReviews stays bounded however many namespaces are listed.
import * as assert from 'node:assert/strict';

import { fetchTargetRights, MAX_SUGGESTION_CHECKS, suggestionCandidates } from '../../src/webview/host/targetRights';
import { adminConnection, restrictedConnection } from '../support/cluster';

describe('wizard target rights (real cluster)', function () {
  this.timeout(60_000);

  it(
    'restricted user in restricted-ns: bound and long-lived tokens need secrets it ' + 'lacks; unbound is possible',
    async () => {
      const conn = await restrictedConnection();
      try {
        const rights = await fetchTargetRights(conn, 'restricted-ns', { listForbidden: false, namespaces: [] });
        assert.deepEqual(rights.tokenDenied.bound, ['create secrets in namespace "restricted-ns"']);
        assert.deepEqual(rights.tokenDenied.longLived, [
          'create secrets in namespace "restricted-ns"',
          'get secrets in namespace "restricted-ns"',
        ]);
        assert.deepEqual(rights.tokenDenied.unbound, []);
        assert.equal(rights.suggestions, undefined);
      } finally {
        conn.close();
      }
    },
  );

  it(
    'restricted user in default: suggests restricted-ns, ' + 'with a bounded number of checks for 1,000 namespaces',
    async () => {
      const conn = await restrictedConnection();
      try {
        const many = Array.from({ length: 1000 }, (_, i) => `ns-${String(i).padStart(4, '0')}`);
        const candidates = suggestionCandidates('default', ['restricted-ns'], ['default', 'kube-system', ...many]);
        assert.equal(candidates.length, MAX_SUGGESTION_CHECKS);
        assert.equal(candidates[0], 'restricted-ns');
        const before = conn.client.requestCount;
        const rights = await fetchTargetRights(conn, 'default', { listForbidden: true, namespaces: candidates });
        const sent = conn.client.requestCount - before;
        assert.deepEqual(rights.suggestions, ['restricted-ns']);
        assert.equal(rights.checkedNamespaces, MAX_SUGGESTION_CHECKS);
        assert.deepEqual(rights.tokenDenied.unbound, ['create serviceaccounts/token in namespace "default"']);
        // 3 checks for the token kinds, one per candidate: never one per listed namespace.
        assert.equal(sent, 3 + MAX_SUGGESTION_CHECKS, `sent ${sent} requests`);
      } finally {
        conn.close();
      }
    },
  );

  it('admin: every token kind can be issued', async () => {
    const conn = await adminConnection();
    try {
      const rights = await fetchTargetRights(conn, 'default', { listForbidden: false, namespaces: [] });
      assert.deepEqual(rights.tokenDenied, { bound: [], longLived: [], unbound: [] });
    } finally {
      conn.close();
    }
  });
});
