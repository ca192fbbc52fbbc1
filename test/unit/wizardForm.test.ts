import * as assert from 'node:assert/strict';

import { buildPlan } from '../../src/core/plan/plan';
import { findPreset, PRESETS } from '../../src/core/plan/presets';
import { formatRule, missingRules } from '../../src/core/plan/rules';
import type { DiscoveredResource } from '../../src/core/types';
import {
  applyPreset,
  clusterScopedPicks,
  emptyForm,
  fieldProblems,
  formNamespaces,
  formToRequest,
  mergePicks,
  picksToRules,
  presetApplied,
  presetState,
  removePreset,
  rulesToPicks,
  type WizardForm,
} from '../../src/webview/formToRequest';

function form(overrides: Partial<WizardForm> = {}): WizardForm {
  return {
    ...emptyForm(),
    context: 'admin',
    namespace: 'myexample',
    serviceAccount: 'myexample-sa',
    server: 'https://127.0.0.1:6443',
    ...overrides,
  };
}

/** The tutorial's permissions, as a user ticks them in the picker. */
const tutorialPicks = [
  { group: '', resource: 'pods', verbs: ['get', 'watch', 'list', 'create'], resourceNames: '' },
  { group: '', resource: 'pods/exec', verbs: ['create'], resourceNames: '' },
];

describe('wizard form → ProvisionRequest', () => {
  it('maps the tutorial scenario exactly', () => {
    const { request, problems } = formToRequest(form({ picks: tutorialPicks, createNamespace: true }));
    assert.deepEqual(problems, []);
    assert.deepEqual(request, {
      context: 'admin',
      namespace: 'myexample',
      serviceAccount: 'myexample-sa',
      rules: [
        { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch', 'create'] },
        { apiGroups: [''], resources: ['pods/exec'], verbs: ['create'] },
      ],
      roleRefs: [],
      scope: { kind: 'namespaces', namespaces: ['myexample'] },
      token: { kind: 'timeBound', durationSeconds: 86400 },
      kubeconfig: { server: 'https://127.0.0.1:6443' },
      createNamespace: true,
    });
    // And core plans it without complaint: Namespace, ServiceAccount, Role, RoleBinding.
    assert.deepEqual(
      buildPlan(request).objects.map((o) => o.object.kind),
      ['Namespace', 'ServiceAccount', 'Role', 'RoleBinding'],
    );
  });

  it('groups picks with the same group, verbs and names into one rule, and keeps resourceNames apart', () => {
    const rules = picksToRules([
      { group: '', resource: 'configmaps', verbs: ['get'], resourceNames: 'app-config, flags' },
      { group: '', resource: 'secrets', verbs: ['get'], resourceNames: '' },
      { group: '', resource: 'services', verbs: ['get'], resourceNames: '' },
      { group: 'apps', resource: 'deployments', verbs: ['get'], resourceNames: '' },
      { group: '', resource: 'events', verbs: [], resourceNames: '' },
    ]);
    assert.deepEqual(rules, [
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get'], resourceNames: ['app-config', 'flags'] },
      { apiGroups: [''], resources: ['secrets', 'services'], verbs: ['get'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] },
    ]);
  });

  it('orders verbs the same way whatever order they were ticked in', () => {
    const [rule] = picksToRules([
      { group: '', resource: 'pods', verbs: ['delete', 'watch', 'get', 'escalate', 'list'], resourceNames: '' },
    ]);
    assert.deepEqual(rule.verbs, ['get', 'list', 'watch', 'delete', 'escalate']);
  });

  it('puts several namespaces in the scope, the chosen default first, without duplicates', () => {
    const f = form({
      picks: tutorialPicks,
      extraNamespaces: 'staging, production staging',
      defaultNamespace: 'production',
    });
    assert.deepEqual(formNamespaces(f), ['production', 'myexample', 'staging']);
    assert.deepEqual(formToRequest(f).request.scope, {
      kind: 'namespaces',
      namespaces: ['production', 'myexample', 'staging'],
    });
  });

  it('maps the cluster-wide scope', () => {
    assert.deepEqual(
      formToRequest(form({ picks: tutorialPicks, scope: 'cluster', extraNamespaces: 'ignored' })).request.scope,
      { kind: 'cluster' },
    );
  });

  it('maps each token choice', () => {
    assert.deepEqual(formToRequest(form({ picks: tutorialPicks, tokenLifetime: '1h30m' })).request.token, {
      kind: 'timeBound',
      durationSeconds: 5400,
    });
    assert.deepEqual(
      formToRequest(
        form({ picks: tutorialPicks, tokenLifetime: '1h30m', unbound: true, credentialNote: ' ci deploy ' }),
      ).request.token,
      { kind: 'timeBound', durationSeconds: 5400, unbound: true, note: 'ci deploy' },
    );
    assert.deepEqual(formToRequest(form({ picks: tutorialPicks, tokenKind: 'longLived' })).request.token, {
      kind: 'longLived',
    });
    assert.deepEqual(
      formToRequest(form({ picks: tutorialPicks, tokenKind: 'longLived', longLivedSecretName: ' ci-token ' })).request
        .token,
      { kind: 'longLived', secretName: 'ci-token' },
    );
    assert.deepEqual(
      formToRequest(form({ picks: tutorialPicks, tokenKind: 'existingSecret', existingSecretName: 'sa-token-x1' }))
        .request.token,
      { kind: 'existingSecret', secretName: 'sa-token-x1' },
    );
  });

  it('"Existing" on the Target step uses the service account as it is; "New" makes one', () => {
    assert.equal(
      formToRequest(form({ picks: tutorialPicks, serviceAccountMode: 'existing', serviceAccount: 'legacy-sa' })).request
        .serviceAccountMode,
      'existing',
    );
    assert.equal(
      formToRequest(form({ picks: tutorialPicks, serviceAccountMode: 'new', serviceAccount: 'fresh' })).request
        .serviceAccountMode,
      undefined,
    );
    assert.equal(
      formToRequest(form({ picks: tutorialPicks, serviceAccountMode: 'existing', serviceAccount: 'legacy-sa' })).request
        .adoptUnmanaged,
      undefined,
      'no take-over needed',
    );
  });

  it('maps the kubeconfig options and leaves insecure off unless ticked', () => {
    const plain = formToRequest(form({ picks: tutorialPicks })).request.kubeconfig;
    assert.equal(plain.insecureSkipTlsVerify, undefined);
    const k = formToRequest(
      form({ picks: tutorialPicks, server: ' https://api.example:6443 ', insecure: true, namePrefix: 'ci' }),
    ).request.kubeconfig;
    assert.deepEqual(k, { server: 'https://api.example:6443', insecureSkipTlsVerify: true, namePrefix: 'ci' });
    assert.deepEqual(formToRequest(form({ picks: tutorialPicks, server: '' })).request.kubeconfig, {});
  });

  it('sets adoptUnmanaged only with consent', () => {
    assert.equal(formToRequest(form({ picks: tutorialPicks })).request.adoptUnmanaged, undefined);
    assert.equal(formToRequest(form({ picks: tutorialPicks, adoptUnmanaged: true })).request.adoptUnmanaged, true);
  });

  it('reports every problem: names, lifetime, empty permissions, bad namespaces', () => {
    const { problems } = formToRequest(
      form({ namespace: 'My_NS', serviceAccount: '-sa', tokenLifetime: '24', extraNamespaces: 'ok, Bad' }),
    );
    assert.ok(
      problems.some((p) => /Namespace "My_NS" is not a valid name: use lower case/.test(p)),
      problems.join('\n'),
    );
    assert.ok(problems.some((p) => /Service account name "-sa"/.test(p)));
    assert.ok(problems.some((p) => /Duration "24" has no unit/.test(p)));
    assert.ok(problems.some((p) => /No permissions/.test(p)));
    assert.ok(problems.some((p) => /Namespace "Bad"/.test(p)));
  });

  it("refuses resourceNames on create (core's rule check)", () => {
    const { problems } = formToRequest(
      form({ picks: [{ group: '', resource: 'configmaps', verbs: ['get', 'create'], resourceNames: 'x' }] }),
    );
    assert.ok(
      problems.some((p) => /resourceNames but grants create/.test(p)),
      problems.join('\n'),
    );
  });
});

describe('wizard field validation as you type', () => {
  it('is quiet for a valid form', () => {
    assert.deepEqual(fieldProblems(form({ picks: tutorialPicks })), {});
  });

  it('names the field and says how to fix it', () => {
    const p = fieldProblems(
      form({ namespace: 'Team_A', serviceAccount: 'ok', tokenLifetime: '5m', server: 'ftp//x', namePrefix: 'a/b' }),
    );
    assert.match(p.namespace ?? '', /use lower case only .* Try "team-a"/);
    assert.match(p.tokenLifetime ?? '', /at least 10 minutes/);
    assert.match(p.server ?? '', /not a URL/);
    assert.match(p.namePrefix ?? '', /may not contain "\/"/);
    assert.match(p.picks ?? '', /at least one permission/);
  });

  it('asks for a pick when an existing service account is wanted', () => {
    assert.match(
      fieldProblems(form({ serviceAccountMode: 'existing', serviceAccount: '' })).serviceAccount ?? '',
      /Pick an existing/,
    );
  });

  it('asks for the Secret when the existing-secret token is chosen', () => {
    assert.match(
      fieldProblems(form({ picks: tutorialPicks, tokenKind: 'existingSecret' })).existingSecretName ?? '',
      /token Secrets/,
    );
  });
});

describe('wizard presets as presented', () => {
  it('offers every core preset, including the built-in view/edit/admin roles', () => {
    assert.deepEqual(
      PRESETS.map((p) => p.id),
      ['read-pods-logs', 'exec-pods', 'deploy', 'ci-apply', 'view', 'edit', 'admin'],
    );
  });

  it('applying a preset ticks exactly its rules in the picker, and the request grants exactly them', () => {
    for (const preset of PRESETS) {
      const applied = applyPreset(form(), preset);
      const { request, problems } = formToRequest(applied);
      assert.deepEqual(problems, [], `${preset.id}: ${problems.join('; ')}`);
      assert.deepEqual(missingRules(request.rules, preset.rules), [], `${preset.id} lost rules`);
      assert.deepEqual(missingRules(preset.rules, request.rules), [], `${preset.id} gained rules`);
      assert.deepEqual(request.roleRefs, preset.roleRefs);
      assert.ok(presetApplied(applied, preset), `${preset.id} shows as applied`);
    }
  });

  it('the tutorial preset (exec into pods) is pods get/watch/list/create and pods/exec', () => {
    const { request } = formToRequest(applyPreset(form(), findPreset('exec-pods')));
    assert.deepEqual(request.rules.map(formatRule), ['pods:get,list,watch,create', 'pods/exec:get,create']);
  });

  it('reading pods includes pods/log and events, which kubectl logs and describe need', () => {
    const picks = applyPreset(form(), findPreset('read-pods-logs')).picks;
    const labels = picks.map((p) => `${p.group}|${p.resource}:${p.verbs.join(',')}`);
    assert.ok(labels.includes('|pods/log:get'));
    assert.ok(labels.includes('|events:get,list,watch'));
    assert.ok(labels.includes('events.k8s.io|events:get,list,watch'));
  });

  it('applying two presets merges their verbs instead of duplicating rows', () => {
    const both = applyPreset(applyPreset(form(), findPreset('read-pods-logs')), findPreset('exec-pods'));
    const pods = both.picks.filter((p) => p.group === '' && p.resource === 'pods');
    assert.equal(pods.length, 1);
    assert.deepEqual(pods[0].verbs, ['get', 'list', 'watch', 'create']);
  });

  it('removing a preset takes its verbs and roles away again', () => {
    const withView = applyPreset(
      applyPreset(form({ picks: tutorialPicks }), findPreset('view')),
      findPreset('read-pods-logs'),
    );
    const removed = removePreset(removePreset(withView, findPreset('view')), findPreset('read-pods-logs'));
    assert.deepEqual(removed.roleRefs, []);
    // pods/log and events were only there for the preset; pods keeps the tutorial's create.
    assert.deepEqual(
      removed.picks.map((p) => `${p.resource}:${p.verbs.join(',')}`),
      ['pods:create', 'pods/exec:create'],
    );
    assert.equal(presetApplied(removed, findPreset('read-pods-logs')), false);
  });

  it(
    'a preset whose rules were changed after applying it shows as "custom", ' + 'not as applied (issue 15, item 12)',
    () => {
      const preset = findPreset('read-pods-logs');
      const applied = applyPreset(form(), preset);
      assert.equal(presetState(applied, preset), 'applied');
      // One more verb on one of its resources: all it grants is still there, but it is no longer the preset.
      const more = {
        ...applied,
        picks: applied.picks.map((p) =>
          p.resource === 'pods' && p.group === '' ? { ...p, verbs: [...p.verbs, 'delete'] } : p,
        ),
      };
      assert.equal(presetState(more, preset), 'custom');
      // Limited to named objects: custom too.
      const named = {
        ...applied,
        picks: applied.picks.map((p) => (p.resource === 'pods/log' ? { ...p, resourceNames: 'web-0' } : p)),
      };
      assert.equal(presetState(named, preset), 'custom');
      // Unrelated picks next to it leave it applied; taking a verb away turns it off.
      const beside = {
        ...applied,
        picks: [...applied.picks, { group: '', resource: 'configmaps', verbs: ['get'], resourceNames: '' }],
      };
      assert.equal(presetState(beside, preset), 'applied');
      const fewer = {
        ...applied,
        picks: applied.picks.map((p) => (p.resource === 'pods/log' ? { ...p, verbs: [] } : p)),
      };
      assert.equal(presetState(fewer, preset), 'off');
    },
  );

  it('a partly applied preset does not show as applied', () => {
    const partial = form({ picks: [{ group: '', resource: 'pods', verbs: ['get'], resourceNames: '' }] });
    assert.equal(presetApplied(partial, findPreset('read-pods-logs')), false);
  });

  it('rulesToPicks and picksToRules round-trip', () => {
    for (const preset of PRESETS) {
      assert.deepEqual(missingRules(picksToRules(rulesToPicks(preset.rules)), preset.rules), []);
    }
    assert.deepEqual(mergePicks([], []), []);
  });
});

describe('wizard cluster-scoped detection', () => {
  const resources: DiscoveredResource[] = [
    { group: '', version: 'v1', resource: 'pods', kind: 'Pod', namespaced: true, verbs: ['get'], subresources: [] },
    {
      group: '',
      version: 'v1',
      resource: 'nodes',
      kind: 'Node',
      namespaced: false,
      verbs: ['get', 'list'],
      subresources: [{ name: 'proxy', verbs: ['get'] }],
    },
    {
      group: 'example.com',
      version: 'v1',
      resource: 'widgets',
      kind: 'Widget',
      namespaced: false,
      verbs: ['get'],
      subresources: [],
    },
  ];

  it('finds cluster-scoped picks, subresources and CRDs included', () => {
    const picks = [
      { group: '', resource: 'pods', verbs: ['get'], resourceNames: '' },
      { group: '', resource: 'nodes/proxy', verbs: ['get'], resourceNames: '' },
      { group: 'example.com', resource: 'widgets', verbs: ['get'], resourceNames: '' },
      { group: '', resource: 'nodes', verbs: [], resourceNames: '' },
    ];
    assert.deepEqual(
      clusterScopedPicks(picks, resources).map((p) => p.resource),
      ['nodes/proxy', 'widgets'],
    );
  });
});
