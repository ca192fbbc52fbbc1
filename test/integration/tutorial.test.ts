// The tutorial's scenario end to end, checked with the generated kubeconfig and the real kubectl.
import * as assert from 'node:assert/strict';
import { statSync } from 'node:fs';

import { provision, type ProvisionResult } from '../../src/core/provision';
import {
  Cleanup,
  clusterEnv,
  currentContextOf,
  ensureNamespaceGone,
  kubectl,
  kubectlOk,
  privateTempDir,
  writeKubeconfig,
} from '../support/cluster';
import { tutorialRequest } from '../support/requests';

describe('tutorial scenario: myexample / myexample-sa with pods and pods/exec', function () {
  const cleanup = new Cleanup();
  let result: ProvisionResult;
  let file: string;
  const progress: string[] = [];

  before(async function () {
    this.timeout(180_000);
    const env = clusterEnv();
    await ensureNamespaceGone('myexample');
    await ensureNamespaceGone('myexample-staging');
    await kubectlOk(['create', 'namespace', 'myexample-staging']);
    cleanup.namespace('myexample');
    cleanup.namespace('myexample-staging');
    const request = tutorialRequest({
      context: currentContextOf(env.adminKubeconfig),
      scope: { kind: 'namespaces', namespaces: ['myexample', 'myexample-staging'] },
    });
    result = await provision(request, {
      kubeconfigPath: env.adminKubeconfig,
      onProgress: (p) => progress.push(`${p.step}:${p.state}`),
    });
    file = writeKubeconfig(cleanup.dir(privateTempDir()), 'myexample.kubeconfig', result.kubeconfigYaml!);
  });
  after(async function () {
    this.timeout(60_000);
    await cleanup.run();
  });

  it('creates exactly the namespace, service account, roles and bindings', function () {
    const created = result.applyResult!.created.map((r) => `${r.kind}/${r.namespace ?? ''}/${r.name}`);
    assert.deepEqual(created, [
      'Namespace//myexample',
      'ServiceAccount/myexample/myexample-sa',
      'Role/myexample/sa-kubeconfig:myexample:myexample-sa',
      'Role/myexample-staging/sa-kubeconfig:myexample:myexample-sa',
      'RoleBinding/myexample/sa-kubeconfig:myexample:myexample-sa',
      'RoleBinding/myexample-staging/sa-kubeconfig:myexample:myexample-sa',
    ]);
    assert.deepEqual(progress, [
      'connect:start',
      'connect:done',
      'plan:start',
      'plan:done',
      'preflight:start',
      'preflight:done',
      'apply:start',
      'apply:done',
      'token:start',
      'token:done',
      'kubeconfig:start',
      'kubeconfig:done',
      'verify:start',
      'verify:done',
    ]);
  });

  it('reports a token of the requested lifetime and a passing verification made with the new credential', function () {
    assert.equal(result.token!.mode, 'timeBound');
    assert.ok(Math.abs(result.token!.grantedSeconds! - 86400) < 60, `granted ${result.token!.grantedSeconds}`);
    assert.equal(result.verification!.ok, true, JSON.stringify(result.verification!.checks.filter((c) => !c.ok)));
    assert.equal(result.verification!.whoami!.username, 'system:serviceaccount:myexample:myexample-sa');
    const deniedSecrets = result.verification!.checks.find((c) => c.resource === 'secrets');
    assert.equal(deniedSecrets?.expected, 'denied');
    assert.equal(deniedSecrets?.allowed, false);
    assert.ok(
      result.verification!.rulesByNamespace['myexample-staging'].some((r) => r.resources.includes('pods/exec')),
    );
  });

  it('writes a private kubeconfig with the CA embedded and no insecure flag', function () {
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.match(result.kubeconfigYaml!, /certificate-authority-data: /);
    assert.doesNotMatch(result.kubeconfigYaml!, /insecure-skip-tls-verify/);
    assert.equal(result.caSource, 'kubeconfig');
    assert.deepEqual(result.contexts, [
      `${currentContextOf(clusterEnv().adminKubeconfig)}-myexample-sa-myexample`,
      `${currentContextOf(clusterEnv().adminKubeconfig)}-myexample-sa-myexample-staging`,
    ]);
  });

  it('kubectl get pods works with the generated kubeconfig', async function () {
    const r = await kubectl(['get', 'pods'], { kubeconfig: file });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /No resources found in myexample namespace/);
  });

  it('kubectl auth can-i create pods/exec says yes', async function () {
    const r = await kubectl(['auth', 'can-i', 'create', 'pods/exec'], { kubeconfig: file });
    assert.equal(r.stdout.trim(), 'yes');
  });

  it('kubectl get secrets is Forbidden', async function () {
    const r = await kubectl(['get', 'secrets'], { kubeconfig: file });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Forbidden.*cannot list resource "secrets"/);
  });

  it('kubectl get pods -n default is Forbidden', async function () {
    const r = await kubectl(['get', 'pods', '-n', 'default'], { kubeconfig: file });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /Forbidden.*cannot list resource "pods".*namespace "default"/);
  });

  it('kubectl auth whoami names the service account', async function () {
    const r = await kubectl(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: file });
    assert.equal(r.stdout.trim(), 'system:serviceaccount:myexample:myexample-sa');
  });

  it('kubectl config use-context switches between the two generated contexts', async function () {
    const names = (await kubectlOk(['config', 'get-contexts', '-o', 'name'], { kubeconfig: file }))
      .trim()
      .split('\n')
      .sort();
    assert.deepEqual(names, [...result.contexts!].sort());
    const staging = result.contexts!.find((c) => c.endsWith('-myexample-staging'))!;
    await kubectlOk(['config', 'use-context', staging], { kubeconfig: file });
    assert.equal((await kubectlOk(['config', 'current-context'], { kubeconfig: file })).trim(), staging);
    const r = await kubectl(['get', 'pods'], { kubeconfig: file });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stderr + r.stdout, /No resources found in myexample-staging namespace/);
    const back = result.contexts!.find((c) => c.endsWith('-myexample-sa-myexample'))!;
    await kubectlOk(['config', 'use-context', back], { kubeconfig: file });
    const again = await kubectl(['get', 'pods'], { kubeconfig: file });
    assert.match(again.stderr + again.stdout, /No resources found in myexample namespace/);
  });

  it('a second run changes nothing', async function () {
    const env = clusterEnv();
    const second = await provision({ ...result.plan.request }, { kubeconfigPath: env.adminKubeconfig, verify: false });
    assert.deepEqual(second.applyResult!.created, []);
    assert.deepEqual(second.applyResult!.updated, []);
    assert.equal(second.applyResult!.unchanged.length, 6);
    assert.ok(second.preflight.plan.objects.every((o) => o.status === 'unchanged'));
  });
});
