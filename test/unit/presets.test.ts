import * as assert from 'node:assert/strict';

import { findPreset, PRESETS } from '../../src/core/plan/presets';
import { missingRules, parseRules } from '../../src/core/plan/rules';
import { checkRule } from '../../src/core/plan/validate';

describe('presets', () => {
  it('have unique ids and valid rules, and grant something', () => {
    assert.equal(new Set(PRESETS.map((p) => p.id)).size, PRESETS.length);
    for (const preset of PRESETS) {
      assert.ok(preset.rules.length + preset.roleRefs.length > 0, preset.id);
      preset.rules.forEach((rule, i) => assert.deepEqual(checkRule(rule, `${preset.id} rule ${i}`), []));
      assert.ok(preset.title && preset.description, preset.id);
    }
  });

  const grants = (id: string, wanted: string[]) => missingRules(findPreset(id).rules, parseRules(wanted));

  it('read-pods-logs covers kubectl get pods, logs and events, and nothing else', () => {
    assert.deepEqual(
      grants('read-pods-logs', ['pods:get,list,watch', 'pods/log:get', 'events:list', 'events.events.k8s.io:list']),
      [],
    );
    assert.deepEqual(
      grants('read-pods-logs', ['pods/exec:create', 'secrets:get', 'pods:create']),
      parseRules(['pods/exec,pods:create', 'secrets:get']),
    );
  });

  it('exec-pods is the tutorial plus pods/exec get', () => {
    assert.deepEqual(grants('exec-pods', ['pods:get,watch,list,create', 'pods/exec:create,get']), []);
    assert.equal(grants('exec-pods', ['pods:delete']).length, 1);
  });

  it('deploy covers deployments, services, configmaps, scaling and rollout status, without Secrets', () => {
    assert.deepEqual(
      grants('deploy', [
        'deployments.apps:get,list,watch,create,update,patch,delete',
        'deployments.apps/scale:update',
        'replicasets.apps:list',
        'services,configmaps:create,patch',
        'pods:list',
        'pods/log:get',
      ]),
      [],
    );
    assert.equal(grants('deploy', ['secrets:get']).length, 1);
  });

  it('ci-apply writes Secrets without reading them and cannot touch RBAC or exec', () => {
    assert.deepEqual(
      grants('ci-apply', [
        'secrets:create,patch',
        'jobs.batch:create',
        'ingresses.networking.k8s.io:patch',
        'statefulsets.apps:patch',
      ]),
      [],
    );
    assert.deepEqual(
      grants('ci-apply', ['secrets:get', 'roles.rbac.authorization.k8s.io:create', 'pods/exec:create']),
      parseRules(['secrets:get', 'roles.rbac.authorization.k8s.io:create', 'pods/exec:create']),
    );
  });

  it('view, edit and admin bind the built-in ClusterRoles', () => {
    for (const id of ['view', 'edit', 'admin'])
      assert.deepEqual(findPreset(id).roleRefs, [{ kind: 'ClusterRole', name: id }]);
  });

  it('names the valid presets for an unknown id', () => {
    assert.throws(() => findPreset('nope'), /Unknown preset "nope". Presets: read-pods-logs, exec-pods/);
  });
});
