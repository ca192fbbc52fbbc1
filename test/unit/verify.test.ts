// core/verify without a cluster: which checks a request leads to.
import * as assert from 'node:assert/strict';

import { buildKubeconfig, renderKubeconfigYaml } from '../../src/core/kubeconfig/build';
import type { ProvisionRequest } from '../../src/core/types';
import {
  checkWithPropagationRetry,
  expectationsFromKubeconfig,
  expectationsFromRequest,
  plannedChecks,
  PROPAGATION_RETRY_DELAYS_MS,
} from '../../src/core/verify/verify';

const base: ProvisionRequest = {
  context: 'c',
  namespace: 'myexample',
  serviceAccount: 'sa',
  roleRefs: [],
  token: { kind: 'timeBound', durationSeconds: 3600 },
  kubeconfig: {},
  rules: [
    { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
    { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
  ],
  scope: { kind: 'namespaces', namespaces: ['myexample'] },
};
const text = (c: { verb: string; resource: string; subresource?: string; namespace?: string; expected: string }) =>
  `${c.expected} ${c.verb} ${c.resource}${c.subresource ? `/${c.subresource}` : ''} ${c.namespace ?? '*'}`;

describe('verify: planned checks', function () {
  it('the tutorial request: each rule allowed, secrets and the default namespace denied', function () {
    const { checks } = plannedChecks(expectationsFromRequest(base));
    assert.deepEqual(checks.map(text), [
      'allowed get pods myexample',
      'allowed list pods myexample',
      'allowed create pods/exec myexample',
      'denied list secrets myexample',
      'denied get pods default',
      'denied list pods default',
      'denied create pods/exec default',
    ]);
  });

  it('secrets requested: not checked as denied; a bound role: not either', function () {
    const withSecrets = plannedChecks(
      expectationsFromRequest({ ...base, rules: [{ apiGroups: [''], resources: ['secrets'], verbs: ['list'] }] }),
    );
    assert.ok(!withSecrets.checks.some((c) => c.why === 'not requested: secrets'));
    assert.match(withSecrets.notes.join(' '), /Listing secrets was requested/);
    const withRef = plannedChecks(
      expectationsFromRequest({ ...base, roleRefs: [{ kind: 'ClusterRole', name: 'edit' }] }),
    );
    assert.ok(!withRef.checks.some((c) => c.resource === 'secrets'));
  });

  it(
    'scope including default: the outside namespace is kube-system; ' + 'cluster-wide: checks without namespace',
    function () {
      const inDefault = plannedChecks(
        expectationsFromRequest({ ...base, scope: { kind: 'namespaces', namespaces: ['myexample', 'default'] } }),
      );
      assert.ok(inDefault.checks.some((c) => c.expected === 'denied' && c.namespace === 'kube-system'));
      const cluster = plannedChecks(expectationsFromRequest({ ...base, scope: { kind: 'cluster' } }));
      assert.ok(cluster.checks.filter((c) => c.expected === 'allowed').every((c) => c.namespace === undefined));
      assert.ok(!cluster.checks.some((c) => c.why.startsWith('outside')));
    },
  );
});

describe('verify: retrying checks denied while RBAC propagates', function () {
  type C = { id: string; expected: 'allowed' | 'denied' };
  /**
   * A check that answers "denied" for the first `deniedCalls[id]` calls of that id, then "allowed" (or always denied).
   */
  function checker(deniedCalls: Record<string, number>, alwaysDenied: string[] = []) {
    const calls: string[] = [];
    return {
      calls,
      check: async (c: C) => {
        calls.push(c.id);
        if (alwaysDenied.includes(c.id)) return false;
        return calls.filter((x) => x === c.id).length > (deniedCalls[c.id] ?? 0);
      },
    };
  }
  const noWait = (waited: number[]) => async (ms: number) => {
    waited.push(ms);
  };

  it('no retry when everything expected allowed is allowed at once', async function () {
    const waited: number[] = [];
    const { check, calls } = checker({});
    const out = await checkWithPropagationRetry<C>(
      [
        { id: 'a', expected: 'allowed' },
        { id: 'b', expected: 'allowed' },
      ],
      check,
      { wait: noWait(waited) },
    );
    assert.deepEqual(out, { allowed: [true, true], retries: 0, allowedLate: 0 });
    assert.deepEqual(waited, []);
    assert.deepEqual(calls.sort(), ['a', 'b']);
  });

  it('re-asks only the expected-allowed checks that were denied, until they are allowed', async function () {
    const waited: number[] = [];
    const { check, calls } = checker({ slow: 2 }, ['secrets']);
    const out = await checkWithPropagationRetry<C>(
      [
        { id: 'fast', expected: 'allowed' },
        { id: 'slow', expected: 'allowed' },
        { id: 'secrets', expected: 'denied' },
      ],
      check,
      { wait: noWait(waited) },
    );
    assert.deepEqual(out, { allowed: [true, true, false], retries: 2, allowedLate: 1 });
    assert.deepEqual(waited, PROPAGATION_RETRY_DELAYS_MS.slice(0, 2));
    assert.equal(calls.filter((c) => c === 'fast').length, 1);
    assert.equal(calls.filter((c) => c === 'secrets').length, 1, 'an expected-denied check is asked once');
    assert.equal(calls.filter((c) => c === 'slow').length, 3);
  });

  it('gives up after the bounded delays (about 3 s in all) and reports the denial', async function () {
    const waited: number[] = [];
    const { check, calls } = checker({}, ['never']);
    const out = await checkWithPropagationRetry<C>([{ id: 'never', expected: 'allowed' }], check, {
      wait: noWait(waited),
    });
    assert.deepEqual(out, { allowed: [false], retries: PROPAGATION_RETRY_DELAYS_MS.length, allowedLate: 0 });
    assert.deepEqual(waited, [...PROPAGATION_RETRY_DELAYS_MS]);
    const total = waited.reduce((a, b) => a + b, 0);
    assert.ok(total >= 2000 && total <= 3500, `waited ${total} ms in all`);
    assert.equal(calls.length, 1 + PROPAGATION_RETRY_DELAYS_MS.length);
  });

  it('an expected-denied check that is allowed is a failure at once, never retried', async function () {
    const waited: number[] = [];
    const { check } = checker({});
    const out = await checkWithPropagationRetry<C>([{ id: 'leak', expected: 'denied' }], check, {
      wait: noWait(waited),
    });
    assert.deepEqual(out, { allowed: [true], retries: 0, allowedLate: 0 });
    assert.deepEqual(waited, []);
  });
});

describe('verify: expectations from a kubeconfig file', function () {
  const contexts = [{ context: { namespace: 'a' } }, { context: { namespace: 'b' } }, { context: { namespace: 'a' } }];
  const none = { rules: [], namespaces: [], clusterWide: false };
  const made = (clusterWide: boolean) =>
    renderKubeconfigYaml(
      buildKubeconfig({ server: 'https://h:6443', token: 't', namePrefix: 'p', namespaces: ['a', 'b'] }),
      {
        serviceAccount: 'sa',
        serviceAccountNamespace: 'a',
        namespaces: ['a', 'b'],
        clusterWide,
        rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
        roleRefs: [],
      },
    );

  it('a kubeconfig sa-kubeconfig made: the rules and scope of its header, the namespaces of its contexts', function () {
    assert.deepEqual(expectationsFromKubeconfig(made(false), contexts, 'x', none), {
      namespaces: ['a', 'b'],
      clusterWide: false,
      rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
      hasRoleRefs: false,
    });
    assert.equal(expectationsFromKubeconfig(made(true), contexts, 'x', none).clusterWide, true);
  });

  it('rules, namespaces and scope given win over the header; the outside namespace is passed on', function () {
    const rules = [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['list'] }];
    assert.deepEqual(
      expectationsFromKubeconfig(made(true), contexts, 'x', {
        rules,
        namespaces: ['c'],
        clusterWide: false,
        outsideNamespace: 'o',
      }),
      {
        namespaces: ['c'],
        clusterWide: false,
        rules,
        hasRoleRefs: false,
        outsideNamespace: 'o',
      },
    );
  });

  it(
    'any other kubeconfig: no rules, so nothing is asserted as denied; ' +
      'the current namespace without context namespaces',
    function () {
      assert.deepEqual(expectationsFromKubeconfig('apiVersion: v1\nkind: Config\n', [{}], 'x', none), {
        namespaces: ['x'],
        clusterWide: false,
        rules: [],
        hasRoleRefs: true,
      });
    },
  );
});
