// core/inventory without a cluster: which bindings and Secrets belong to a service account.
import * as assert from 'node:assert/strict';
import { assembleInventory, bindsServiceAccount, rotatedSecretName, tokenSecretsFor } from '../../src/core/inventory/inventory';

const managed = { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' };
const binding = (name: string, namespace: string | undefined, subjects: { kind: string; name: string; namespace?: string }[], roleRef = { kind: 'Role', name: 'r' }) => ({
  apiVersion: 'rbac.authorization.k8s.io/v1', kind: namespace ? 'RoleBinding' : 'ClusterRoleBinding', metadata: { name, ...(namespace ? { namespace } : {}) }, roleRef, subjects,
});

describe('inventory', function () {
  it('a binding binds the service account by kind, name and namespace', function () {
    assert.equal(bindsServiceAccount(binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]), 'ns', 'sa'), true);
    assert.equal(bindsServiceAccount(binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'other' }]), 'ns', 'sa'), false);
    assert.equal(bindsServiceAccount(binding('b', 'ns', [{ kind: 'User', name: 'sa' }]), 'ns', 'sa'), false);
    assert.equal(bindsServiceAccount(binding('b', undefined, [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]), 'ns', 'sa'), true);
  });

  it('token Secrets: long-lived by annotation, our binding Secret by our annotation', function () {
    const secrets = tokenSecretsFor({ metadata: { name: 'sa', namespace: 'ns' } }, [
      { metadata: { name: 'sa-token', labels: managed, annotations: { 'kubernetes.io/service-account.name': 'sa' } }, type: 'kubernetes.io/service-account-token', data: { token: 'eA==' } },
      { metadata: { name: 'sa-token-binding', labels: managed, annotations: { 'sa-kubeconfig.io/service-account': 'ns/sa' } }, type: 'Opaque' },
      { metadata: { name: 'unrelated' }, type: 'Opaque' },
    ]);
    assert.deepEqual(secrets.map((s) => [s.name, s.role, s.managed, s.filled]), [['sa-token', 'longLived', true, true], ['sa-token-binding', 'binding', true, undefined]]);
  });

  it('assembles service accounts with their bindings and the bound rules', function () {
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    const inv = assembleInventory('ns', [{ metadata: { name: 'sa', labels: managed } }, { metadata: { name: 'default' } }],
      [binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]), binding('c', undefined, [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }], { kind: 'ClusterRole', name: 'view' })],
      [], new Map<string, typeof rules | string>([['Role/ns/r', rules], ['ClusterRole//view', 'you may not read ClusterRole "view"']]));
    assert.deepEqual(inv.map((s) => [s.name, s.managed, s.bindings.length]), [['default', false, 0], ['sa', true, 2]]);
    const sa = inv.find((s) => s.name === 'sa')!;
    assert.deepEqual(sa.bindings[0].rulesError, 'you may not read ClusterRole "view"');
    assert.deepEqual(sa.bindings[1].rules, rules);
  });

  it('rotated Secret names get one rotation suffix that does not grow', function () {
    const once = rotatedSecretName('ci-token');
    assert.match(once, /^ci-token-r[a-z0-9]{5}$/);
    assert.match(rotatedSecretName(once), /^ci-token-r[a-z0-9]{5}$/);
  });
});
