// core/verify without a cluster: which checks a request leads to.
import * as assert from 'node:assert/strict';
import { expectationsFromRequest, plannedChecks } from '../../src/core/verify/verify';
import type { ProvisionRequest } from '../../src/core/types';

const base: ProvisionRequest = {
  context: 'c', namespace: 'myexample', serviceAccount: 'sa', roleRefs: [], token: { kind: 'timeBound', durationSeconds: 3600 }, kubeconfig: {},
  rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }, { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] }],
  scope: { kind: 'namespaces', namespaces: ['myexample'] },
};
const text = (c: { verb: string; resource: string; subresource?: string; namespace?: string; expected: string }) =>
  `${c.expected} ${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''} ${c.namespace ?? '*'}`;

describe('verify: planned checks', function () {
  it('the tutorial request: each rule allowed, secrets and the default namespace denied', function () {
    const { checks } = plannedChecks(expectationsFromRequest(base));
    assert.deepEqual(checks.map(text), [
      'allowed get pods myexample', 'allowed list pods myexample', 'allowed create pods/exec myexample',
      'denied list secrets myexample',
      'denied get pods default', 'denied list pods default', 'denied create pods/exec default',
    ]);
  });

  it('secrets requested: not checked as denied; a bound role: not either', function () {
    const withSecrets = plannedChecks(expectationsFromRequest({ ...base, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }));
    assert.ok(!withSecrets.checks.some((c) => c.why === 'not requested: secrets'));
    assert.match(withSecrets.notes.join(' '), /Listing secrets was requested/);
    const withRef = plannedChecks(expectationsFromRequest({ ...base, roleRefs: [{ kind: 'ClusterRole', name: 'edit' }] }));
    assert.ok(!withRef.checks.some((c) => c.resource === 'secrets'));
  });

  it('scope including default: the outside namespace is kube-system; cluster-wide: checks without namespace', function () {
    const inDefault = plannedChecks(expectationsFromRequest({ ...base, scope: { kind: 'namespaces', namespaces: ['myexample', 'default'] } }));
    assert.ok(inDefault.checks.some((c) => c.expected === 'denied' && c.namespace === 'kube-system'));
    const cluster = plannedChecks(expectationsFromRequest({ ...base, scope: { kind: 'cluster' } }));
    assert.ok(cluster.checks.filter((c) => c.expected === 'allowed').every((c) => c.namespace === undefined));
    assert.ok(!cluster.checks.some((c) => c.why.startsWith('outside')));
  });
});
