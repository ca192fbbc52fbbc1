import * as assert from 'node:assert/strict';

import { ValidationError } from '../../src/core/errors';
import { formatRule, missingRules, normalizeRules, parseRule, parseRules } from '../../src/core/plan/rules';
import type { PolicyRule } from '../../src/core/types';

const r = (apiGroups: string[], resources: string[], verbs: string[], resourceNames?: string[]): PolicyRule =>
  resourceNames ? { apiGroups, resources, verbs, resourceNames } : { apiGroups, resources, verbs };

function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ValidationError, `expected ValidationError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail('expected a ValidationError');
}

describe('parseRule', () => {
  it('parses core resources and verbs', () => {
    assert.deepEqual(parseRule('pods:get,watch,list'), [r([''], ['pods'], ['get', 'watch', 'list'])]);
  });

  it('parses a group after the first dot, including dotted groups', () => {
    assert.deepEqual(parseRule('deployments.apps:get'), [r(['apps'], ['deployments'], ['get'])]);
    assert.deepEqual(parseRule('ingresses.networking.k8s.io:list'), [
      r(['networking.k8s.io'], ['ingresses'], ['list']),
    ]);
  });

  it('parses subresources, with and without a group', () => {
    assert.deepEqual(parseRule('pods/exec:create'), [r([''], ['pods/exec'], ['create'])]);
    assert.deepEqual(parseRule('deployments.apps/scale:update,patch'), [
      r(['apps'], ['deployments/scale'], ['update', 'patch']),
    ]);
  });

  it('parses resource names as the third part', () => {
    assert.deepEqual(parseRule('configmaps:get:name1,name2'), [r([''], ['configmaps'], ['get'], ['name1', 'name2'])]);
  });

  it('splits resources of different groups into one rule per group', () => {
    assert.deepEqual(parseRule('pods,services,deployments.apps:get'), [
      r([''], ['pods', 'services'], ['get']),
      r(['apps'], ['deployments'], ['get']),
    ]);
  });

  it('accepts wildcards for resources, groups, verbs and */subresource', () => {
    assert.deepEqual(parseRule('*.*:*'), [r(['*'], ['*'], ['*'])]);
    assert.deepEqual(parseRule('*/scale:get'), [r([''], ['*/scale'], ['get'])]);
    assert.deepEqual(parseRule('widgets.*:list'), [r(['*'], ['widgets'], ['list'])]);
  });

  it('trims spaces, lower-cases verbs and drops duplicates', () => {
    assert.deepEqual(parseRule(' pods : GET , get ,list '), [r([''], ['pods'], ['get', 'list'])]);
  });

  it('accepts custom verbs that are not typos of known ones', () => {
    assert.deepEqual(parseRule('widgets.example.com:frobnicate'), [r(['example.com'], ['widgets'], ['frobnicate'])]);
  });

  const bad: [string, RegExp][] = [
    ['', /Empty rule/],
    ['pods', /has no verbs.*RESOURCES:VERBS/],
    [':get', /names no resource/],
    ['pods:', /has no verbs after/],
    ['pods:get:', /lists no resource names/],
    ['pods:get:a:b', /more than two ":"/],
    ['Pods:get', /lower-case plural/],
    ['pods:gte', /unknown verb "gte"; did you mean "get"\?/],
    ['pods:lsit', /did you mean "list"/],
    ['pods/*:get', /no "pods\/\*" wildcard; list the subresources/],
    ['pods/Exec:create', /subresource "Exec"/],
    ['deployments.Apps:get', /API group "Apps"/],
    ['pods:create:my-pod', /create or deletecollection.*separate rule/],
  ];
  for (const [text, message] of bad) {
    it(`rejects ${JSON.stringify(text)} with an explanation`, () => {
      const problems = problemsOf(() => parseRule(text));
      assert.ok(
        problems.some((p) => message.test(p)),
        `messages ${JSON.stringify(problems)} do not match ${message}`,
      );
    });
  }

  it('parseRules collects the problems of every rule', () => {
    const problems = problemsOf(() => parseRules(['pods:gte', 'ok:get', 'x']));
    assert.equal(problems.length, 2);
  });

  it('formatRule writes the syntax parseRule reads', () => {
    for (const text of [
      'pods:get,list',
      'deployments.apps/scale:update',
      'configmaps:get:a,b',
      '*.*:*',
      'ingresses.networking.k8s.io:get',
    ]) {
      assert.equal(formatRule(parseRule(text)[0]), text);
    }
  });
});

describe('normalizeRules', () => {
  it('merges rules for the same resources and sorts verbs', () => {
    assert.deepEqual(normalizeRules([r([''], ['pods'], ['list', 'get']), r([''], ['pods'], ['watch', 'get'])]), [
      r([''], ['pods'], ['get', 'list', 'watch']),
    ]);
  });

  it('merges resources that share verbs and group', () => {
    assert.deepEqual(normalizeRules([r([''], ['services'], ['get']), r([''], ['pods'], ['get'])]), [
      r([''], ['pods', 'services'], ['get']),
    ]);
  });

  it('lets * absorb the other verbs', () => {
    assert.deepEqual(normalizeRules([r([''], ['pods'], ['get', '*'])]), [r([''], ['pods'], ['*'])]);
  });

  it('drops rules covered by another rule', () => {
    const result = normalizeRules([
      r([''], ['pods'], ['get'], ['a']),
      r([''], ['pods'], ['get', 'list']),
      r(['apps'], ['deployments'], ['get']),
    ]);
    assert.deepEqual(result, [r(['apps'], ['deployments'], ['get']), r([''], ['pods'], ['get', 'list'])]);
  });

  it('keeps rules that differ by group', () => {
    assert.equal(normalizeRules([r([''], ['pods'], ['get']), r(['apps'], ['pods'], ['get'])]).length, 2);
  });

  it('is idempotent', () => {
    const once = normalizeRules([
      r([''], ['pods', 'pods/log'], ['get']),
      r([''], ['pods'], ['list']),
      r(['batch'], ['jobs'], ['*']),
    ]);
    assert.deepEqual(normalizeRules(once), once);
  });
});

describe('missingRules (Kubernetes Covers semantics)', () => {
  const covers = (held: PolicyRule[], wanted: PolicyRule[]) => missingRules(held, wanted).length === 0;

  it('is empty when exactly the same rule is held', () => {
    assert.deepEqual(missingRules([r([''], ['pods'], ['get', 'list'])], [r([''], ['pods'], ['get', 'list'])]), []);
  });

  it('reports the verbs that are not held, compacted', () => {
    assert.deepEqual(missingRules([r([''], ['pods'], ['get'])], [r([''], ['pods'], ['get', 'list', 'watch'])]), [
      r([''], ['pods'], ['list', 'watch']),
    ]);
  });

  it('reports missing resources grouped by shared verbs', () => {
    assert.deepEqual(missingRules([], [r([''], ['pods', 'services'], ['get'])]), [
      r([''], ['pods', 'services'], ['get']),
    ]);
  });

  it('combines several held rules', () => {
    assert.ok(covers([r([''], ['pods'], ['get']), r([''], ['pods'], ['list'])], [r([''], ['pods'], ['get', 'list'])]));
  });

  it('treats held * verbs, resources and groups as wildcards', () => {
    assert.ok(covers([r([''], ['pods'], ['*'])], [r([''], ['pods'], ['delete', 'escalate'])]));
    assert.ok(covers([r([''], ['*'], ['get'])], [r([''], ['secrets', 'pods/log'], ['get'])]));
    assert.ok(covers([r(['*'], ['deployments'], ['get'])], [r(['apps', 'extensions'], ['deployments'], ['get'])]));
    assert.ok(covers([r(['*'], ['*'], ['*'])], [r(['apps'], ['deployments/scale'], ['update'])]));
  });

  it('needs a held * to cover a wanted * (a wildcard is not covered by a list)', () => {
    assert.deepEqual(
      missingRules(
        [r([''], ['pods'], ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'])],
        [r([''], ['pods'], ['*'])],
      ),
      [r([''], ['pods'], ['*'])],
    );
    assert.ok(!covers([r(['apps'], ['*'], ['get'])], [r(['*'], ['*'], ['get'])]));
  });

  it('does not let a resource cover its subresources', () => {
    assert.deepEqual(missingRules([r([''], ['pods'], ['*'])], [r([''], ['pods/exec'], ['create'])]), [
      r([''], ['pods/exec'], ['create']),
    ]);
  });

  it('lets */subresource cover that subresource of any resource, and nothing else', () => {
    assert.ok(
      covers(
        [r(['apps'], ['*/scale'], ['update'])],
        [r(['apps'], ['deployments/scale', 'statefulsets/scale'], ['update'])],
      ),
    );
    assert.ok(!covers([r(['apps'], ['*/scale'], ['update'])], [r(['apps'], ['deployments'], ['update'])]));
    assert.ok(!covers([r(['apps'], ['*/scale'], ['update'])], [r(['apps'], ['deployments/status'], ['update'])]));
  });

  it('matches resource/* only literally, as Kubernetes does', () => {
    assert.ok(!covers([r([''], ['pods/*'], ['create'])], [r([''], ['pods/exec'], ['create'])]));
  });

  it('requires the group to match', () => {
    assert.deepEqual(missingRules([r([''], ['deployments'], ['get'])], [r(['apps'], ['deployments'], ['get'])]), [
      r(['apps'], ['deployments'], ['get']),
    ]);
  });

  it('lets a rule without resourceNames cover named access', () => {
    assert.ok(covers([r([''], ['configmaps'], ['get'])], [r([''], ['configmaps'], ['get'], ['a', 'b'])]));
  });

  it('does not let named access cover unnamed access', () => {
    assert.deepEqual(missingRules([r([''], ['configmaps'], ['get'], ['a'])], [r([''], ['configmaps'], ['get'])]), [
      r([''], ['configmaps'], ['get']),
    ]);
  });

  it('reports only the resource names that are not held', () => {
    assert.deepEqual(
      missingRules([r([''], ['configmaps'], ['get'], ['a'])], [r([''], ['configmaps'], ['get'], ['a', 'b'])]),
      [r([''], ['configmaps'], ['get'], ['b'])],
    );
  });

  it('reports the tutorial rules a read-only user misses', () => {
    const held = [r([''], ['pods', 'pods/log'], ['get', 'list', 'watch'])];
    const wanted = [r([''], ['pods'], ['get', 'watch', 'list', 'create']), r([''], ['pods/exec'], ['create'])];
    assert.deepEqual(missingRules(held, wanted), [r([''], ['pods', 'pods/exec'], ['create'])]);
  });

  it('is empty for nothing wanted and everything missing for nothing held', () => {
    assert.deepEqual(missingRules([], []), []);
    assert.equal(missingRules([], [r([''], ['pods'], ['get', 'list'])]).length, 1);
  });
});
