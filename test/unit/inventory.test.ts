// core/inventory without a cluster: the pure parts every face reads service accounts through.
import * as assert from 'node:assert/strict';

import { SaKubeconfigError } from '../../src/core/errors';
import {
  assembleInventory,
  bindingsFor,
  bindsServiceAccount,
  countTokenSecretsByOwner,
  namespacesFromBindings,
  parseServiceAccountPage,
  roleRefsOf,
  secretMeta,
  tokenSecretsFor,
  unreadableRoleReason,
  withRules,
  type BindingSummary,
  type RawBinding,
} from '../../src/core/inventory/parse';

const managed = { 'app.kubernetes.io/managed-by': 'sa-kubeconfig' };
const TOKEN_TYPE = 'kubernetes.io/service-account-token';
const binding = (
  name: string,
  namespace: string | undefined,
  subjects: { kind: string; name: string; namespace?: string }[],
  roleRef = { kind: 'Role', name: 'r' },
) =>
  ({
    kind: (namespace ? 'RoleBinding' : 'ClusterRoleBinding') as BindingSummary['kind'],
    metadata: { name, ...(namespace ? { namespace } : {}) },
    roleRef,
    subjects,
  }) satisfies RawBinding;

describe('inventory (pure)', function () {
  it("a service account's kubernetes.io/description annotation is carried as it is (the tree escapes it)", function () {
    const page = parseServiceAccountPage(
      {
        items: [
          { metadata: { name: 'ci', annotations: { 'kubernetes.io/description': '*deploys* [x](command:y)' } } },
          { metadata: { name: 'plain' } },
        ],
      },
      'ns',
    );
    assert.equal(page.items[0].description, '*deploys* [x](command:y)');
    assert.equal('description' in page.items[1], false);
  });

  it(
    'a page of service accounts: summaries, the managed mark, ' + 'and the continue token only when there is more',
    function () {
      const page = parseServiceAccountPage(
        {
          metadata: { continue: 'abc' },
          items: [
            { metadata: { name: 'ci', labels: managed, creationTimestamp: '2025-01-01T00:00:00Z' } },
            { metadata: { name: 'default' } },
            { metadata: {} },
          ],
        },
        'ns',
      );
      assert.deepEqual(page, {
        continueToken: 'abc',
        items: [
          { namespace: 'ns', name: 'ci', managed: true, createdAt: '2025-01-01T00:00:00Z' },
          { namespace: 'ns', name: 'default', managed: false },
        ],
      });
      assert.equal(parseServiceAccountPage({ metadata: { continue: '' }, items: [] }, 'ns').continueToken, undefined);
    },
  );

  it('a binding binds the service account by kind, name and namespace', function () {
    assert.equal(
      bindsServiceAccount(binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]), 'ns', 'sa'),
      true,
    );
    assert.equal(
      bindsServiceAccount(binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa' }]), 'ns', 'sa'),
      true,
      "no subject namespace = the binding's",
    );
    assert.equal(
      bindsServiceAccount(binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'other' }]), 'ns', 'sa'),
      false,
    );
    assert.equal(bindsServiceAccount(binding('b', 'ns', [{ kind: 'User', name: 'sa' }]), 'ns', 'sa'), false);
    assert.equal(
      bindsServiceAccount(
        binding('b', undefined, [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]),
        'ns',
        'sa',
      ),
      true,
    );
  });

  it('bindings of one account are summarised and sorted, ClusterRoleBindings without a namespace', function () {
    const sa = [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }];
    const got = bindingsFor(
      [
        binding('z', 'ns', sa),
        { ...binding('mine', 'ns', sa), metadata: { name: 'mine', namespace: 'ns', labels: managed } },
        binding('crb', undefined, sa, { kind: 'ClusterRole', name: 'view' }),
        binding('other', 'ns', [{ kind: 'ServiceAccount', name: 'x', namespace: 'ns' }]),
      ],
      'ns',
      'sa',
    );
    assert.deepEqual(got, [
      { kind: 'ClusterRoleBinding', name: 'crb', roleRef: { kind: 'ClusterRole', name: 'view' }, managed: false },
      { kind: 'RoleBinding', name: 'mine', namespace: 'ns', roleRef: { kind: 'Role', name: 'r' }, managed: true },
      { kind: 'RoleBinding', name: 'z', namespace: 'ns', roleRef: { kind: 'Role', name: 'r' }, managed: false },
    ]);
    assert.deepEqual(
      namespacesFromBindings('ns', [...got, { ...got[1], namespace: 'b' }, { ...got[1], namespace: 'a' }]),
      ['ns', 'a', 'b'],
    );
    assert.deepEqual(roleRefsOf(got), [
      { kind: 'ClusterRole', name: 'view' },
      { kind: 'Role', name: 'r' },
    ]);
  });

  it('a Secret keeps no data: only whether it holds a token', function () {
    const kept = secretMeta({
      metadata: { name: 's' },
      type: TOKEN_TYPE,
      data: { token: 'c2VjcmV0', 'ca.crt': 'UEVN' },
    });
    assert.deepEqual(kept, { metadata: { name: 's' }, type: TOKEN_TYPE, populated: true });
    assert.ok(!JSON.stringify(kept).includes('c2VjcmV0'));
    assert.deepEqual(
      secretMeta({ metadata: { name: 's' } }),
      { metadata: { name: 's' } },
      'metadata-only answers say nothing about a token',
    );
  });

  it(
    "token Secrets: long-lived by annotation or by the account's .secrets (OpenShift ≤ 4.15), " +
      'our binding Secret by our annotation',
    function () {
      const secrets = tokenSecretsFor(
        'ns',
        'sa',
        [
          secretMeta({
            metadata: {
              name: 'sa-token',
              labels: managed,
              annotations: { 'kubernetes.io/service-account.name': 'sa' },
            },
            type: TOKEN_TYPE,
            data: { token: 'eA==' },
          }),
          secretMeta({
            metadata: { name: 'sa-token-x7k2p', annotations: { 'kubernetes.io/service-account.name': 'sa-renamed' } },
            type: TOKEN_TYPE,
            data: {},
          }),
          secretMeta({
            metadata: {
              name: 'sa-token-binding',
              labels: managed,
              annotations: { 'sa-kubeconfig.io/service-account': 'ns/sa' },
            },
            type: 'Opaque',
          }),
          secretMeta({
            metadata: {
              name: 'other-binding',
              labels: managed,
              annotations: { 'sa-kubeconfig.io/service-account': 'ns/other' },
            },
            type: 'Opaque',
          }),
          secretMeta({ metadata: { name: 'unrelated' }, type: 'Opaque' }),
          secretMeta({
            metadata: { name: 'someone-elses', annotations: { 'kubernetes.io/service-account.name': 'other' } },
            type: TOKEN_TYPE,
          }),
        ],
        ['sa-token-x7k2p', 'sa-dockercfg-abcde'],
      );
      assert.deepEqual(
        secrets.map((s) => [s.name, s.role, s.managed, s.populated]),
        [
          ['sa-token', 'longLived', true, true],
          ['sa-token-binding', 'binding', true, false],
          ['sa-token-x7k2p', 'longLived', false, false],
        ],
      );
    },
  );

  it('counts token Secrets per owner, also from metadata-only answers without a type', function () {
    const counts = countTokenSecretsByOwner([
      { metadata: { name: 'a', annotations: { 'kubernetes.io/service-account.name': 'ci' } } },
      { metadata: { name: 'b', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: TOKEN_TYPE },
      { metadata: { name: 'c', annotations: { 'kubernetes.io/service-account.name': 'ci' } }, type: 'Opaque' },
      { metadata: { name: 'd' }, type: TOKEN_TYPE },
    ]);
    assert.deepEqual([...counts], [['ci', 2]]);
  });

  it("joins bindings with their role's rules or the reason they are unknown", function () {
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    const b: BindingSummary[] = [
      { kind: 'RoleBinding', name: 'a', namespace: 'ns', roleRef: { kind: 'Role', name: 'r' }, managed: true },
      {
        kind: 'RoleBinding',
        name: 'b',
        namespace: 'ns',
        roleRef: { kind: 'ClusterRole', name: 'view' },
        managed: false,
      },
      { kind: 'RoleBinding', name: 'c', namespace: 'other', roleRef: { kind: 'Role', name: 'r' }, managed: false },
    ];
    const joined = withRules(
      b,
      new Map<string, typeof rules | string>([
        ['Role/ns/r', rules],
        ['ClusterRole//view', 'you may not read ClusterRole "view"'],
      ]),
    );
    assert.deepEqual(
      joined.map((j) => [j.name, j.rules, j.rulesError]),
      [
        ['a', rules, undefined],
        ['b', undefined, 'you may not read ClusterRole "view"'],
        ['c', undefined, undefined],
      ],
    );
  });

  it(
    "why a role's rules are unknown: Forbidden always says so, " +
      'other errors only when noted (redacted), a cancel never',
    function () {
      const view = { kind: 'ClusterRole' as const, name: 'view' };
      const forbidden = new SaKubeconfigError('forbidden', 'no');
      assert.equal(unreadableRoleReason(view, forbidden, 'throw'), 'you may not read ClusterRole "view"');
      assert.equal(unreadableRoleReason(view, forbidden, 'note'), 'you may not read ClusterRole "view"');
      const unreachable = new SaKubeconfigError('unreachable', 'connect ECONNREFUSED 127.0.0.1:6443');
      assert.equal(unreadableRoleReason(view, unreachable, 'throw'), undefined);
      assert.equal(
        unreadableRoleReason(view, unreachable, 'note'),
        'could not read ClusterRole "view": connect ECONNREFUSED 127.0.0.1:6443',
      );
      assert.equal(
        unreadableRoleReason(view, new Error('Authorization: Bearer abc.def'), 'note'),
        'could not read ClusterRole "view": Authorization: Bearer <redacted>',
      );
      assert.equal(unreadableRoleReason({ kind: 'Role', name: 'r' }, 'odd', 'note'), 'could not read Role "r": odd');
      assert.equal(unreadableRoleReason(view, new SaKubeconfigError('aborted', 'Cancelled.'), 'note'), undefined);
    },
  );

  it('assembles service accounts with their bindings, the bound rules and token Secrets', function () {
    const rules = [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }];
    const inv = assembleInventory(
      'ns',
      [
        { metadata: { name: 'sa', labels: managed }, secrets: [{ name: 'sa-token-abcde' }] },
        { metadata: { name: 'default' } },
      ],
      [
        binding('b', 'ns', [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }]),
        binding('c', undefined, [{ kind: 'ServiceAccount', name: 'sa', namespace: 'ns' }], {
          kind: 'ClusterRole',
          name: 'view',
        }),
      ],
      [
        {
          metadata: { name: 'sa-token-abcde', annotations: { 'kubernetes.io/service-account.name': 'sa' } },
          type: TOKEN_TYPE,
          populated: true,
        },
      ],
      new Map<string, typeof rules | string>([
        ['Role/ns/r', rules],
        ['ClusterRole//view', 'you may not read ClusterRole "view"'],
      ]),
    );
    assert.deepEqual(
      inv.map((s) => [s.name, s.managed, s.bindings.length, s.tokenSecrets.length]),
      [
        ['default', false, 0, 0],
        ['sa', true, 2, 1],
      ],
    );
    const sa = inv.find((s) => s.name === 'sa')!;
    assert.deepEqual(sa.bindings[0].rulesError, 'you may not read ClusterRole "view"');
    assert.deepEqual(sa.bindings[1].rules, rules);
  });
});
