// The wizard re-run for a service account sa-kubeconfig set up before (real VS Code in Chromium, the real cluster,
// the packaged extension). The CLI first grants it pods:get and ClusterRole view in its namespace; the wizard then asks
// for the "Read pods and logs" preset only. Review lists the view binding under "No longer requested" as "remove"
// (and as "keep" while "Keep them" is ticked); after Create, kubectl finds the binding gone and the access with it.
// Screenshots: test-results/e2e/wizard-converge-*.png.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, wizard, type Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `wizard-converge-${RUN}`;
const SERVICE_ACCOUNT = 'reader';
const VIEW_BINDING = `sa-kubeconfig:${NAMESPACE}:${SERVICE_ACCOUNT}:clusterrole:view`;
const CLI = join(__dirname, '..', '..', '..', 'dist', 'cli.js');

const AS = `--as=system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`;
const canI = (verb: string, resource: string) =>
  kubectlSync(['auth', 'can-i', verb, resource, '-n', NAMESPACE, AS]).code === 0;

describe('wizard: a re-run converges (Review lists the grants it removes)', function () {
  this.timeout(240_000);
  let wb: Workbench | undefined;

  before(async function () {
    if (!ADMIN)
      throw new Error('SAK_ADMIN_KUBECONFIG is not set: run through scripts/with-cluster.sh (npm run test:e2e).');
    const out = join(mkdtempSync(join(tmpdir(), 'sak-e2e-converge-')), 'first.kubeconfig');
    execFileSync(
      process.execPath,
      [
        CLI,
        'create',
        '-n',
        NAMESPACE,
        '--create-namespace',
        '-s',
        SERVICE_ACCOUNT,
        '--rule',
        'pods:get',
        '--cluster-role',
        'view',
        '--no-verify',
        '--out',
        out,
      ],
      { env: { ...process.env, KUBECONFIG: ADMIN }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const roleRef = kubectlOkSync([
      '-n',
      NAMESPACE,
      'get',
      'rolebinding',
      VIEW_BINDING,
      '-o',
      'jsonpath={.roleRef.name}',
    ]);
    assert.equal(roleRef, 'view');
    wb = await startWorkbench({ name: 'wizard-converge' });
    await wb.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !wb) return;
    console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
  });

  after(async () => {
    await wb?.stop();
    if (ADMIN) kubectlSync(['delete', 'namespace', NAMESPACE, '--wait=false']);
  });

  it('shows the view binding as "remove" (or "keep" when asked), and Create removes it', async function () {
    const w = wizard(wb!.page);
    await wb!.runCommand('Create Service Account Kubeconfig…');
    await w.locator('#context option', { hasText: ADMIN_CONTEXT }).waitFor({ state: 'attached', timeout: 30_000 });
    await w.locator('#context').selectOption(ADMIN_CONTEXT);
    await w.locator('#context-help', { hasText: 'Server https://' }).waitFor({ timeout: 30_000 });
    await w.locator('#namespace').fill(NAMESPACE);
    await w.locator('#namespace-help', { hasText: 'Exists' }).waitFor();
    await w.locator('#service-account').fill(SERVICE_ACCOUNT);
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Permissions' }).waitFor();
    await w.locator('#resource-groups').waitFor({ timeout: 30_000 });
    await w.locator('#preset-read-pods-logs').click();
    await w.locator('#preset-read-pods-logs[aria-pressed="true"]').waitFor();
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Token' }).waitFor();
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Kubeconfig' }).waitFor();
    await w.locator('#next').click();

    await w.locator('#step-title', { hasText: 'Review' }).waitFor();
    await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });
    const removals = w.locator('#removals .removal summary');
    assert.deepEqual(
      (await removals.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()),
      [
        `remove RoleBinding ${NAMESPACE}/${VIEW_BINDING} — no longer requested: ` +
          `binds ClusterRole "view" in namespace "${NAMESPACE}"`,
      ],
    );
    assert.match(await w.locator('.step-review .lead').innerText(), /1 to remove/);
    console.log(`      screenshot: ${await wb!.screenshot('wizard-converge-1-review')}`);

    // "Keep them": the review is asked again and the binding is kept.
    await w.locator('#keep-extra').check();
    await w.locator('#removals .removal summary', { hasText: /^keep/ }).waitFor({ timeout: 30_000 });
    await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });
    await w.locator('#keep-extra').uncheck();
    await w.locator('#removals .removal summary', { hasText: /^remove/ }).waitFor({ timeout: 30_000 });
    await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });

    await w.locator('#next', { hasText: 'Create' }).click();
    await w.locator('#step-title', { hasText: 'Result' }).waitFor({ timeout: 60_000 });
    const binding = kubectlSync(['-n', NAMESPACE, 'get', 'rolebinding', VIEW_BINDING]);
    assert.notEqual(binding.code, 0, 'the view binding is gone');
    const deadline = Date.now() + 10_000;
    while (canI('list', 'configmaps') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    assert.equal(canI('list', 'configmaps'), false, "view's access is gone");
    assert.equal(canI('list', 'pods'), true, "the preset's access is there");
  });
});
