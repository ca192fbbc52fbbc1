// The wizard's "Merge into kubeconfig" button end to end (real VS Code in Chromium, the real cluster, the packaged
// extension). VS Code runs with KUBECONFIG pointing at a private copy of the admin kubeconfig (0644 on purpose); after
// Create, Merge (keep my current context, confirm) must leave in that file the new service account's context, every
// entry it had before unchanged, mode 0600, and a 0600 backup holding exactly the old file. kubectl then acts as the
// service account through the merged context. Screenshot: test-results/e2e/wizard-merge-*.png.
import * as assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';

import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, wizard, type Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `wizard-merge-${RUN}`;
const SERVICE_ACCOUNT = 'merged';

interface Named {
  name: string;
}
interface Doc {
  clusters: Named[];
  users: Named[];
  contexts: (Named & { context: { namespace?: string } })[];
  'current-context': string;
}

describe('wizard: Merge into kubeconfig', function () {
  this.timeout(240_000);
  let wb: Workbench | undefined;
  let folder = '';
  let file = '';

  before(async function () {
    if (!ADMIN)
      throw new Error('SAK_ADMIN_KUBECONFIG is not set: run through scripts/with-cluster.sh (npm run test:e2e).');
    folder = mkdtempSync(join(tmpdir(), 'sak-e2e-merge-'));
    file = join(folder, 'config');
    copyFileSync(ADMIN, file);
    chmodSync(file, 0o644);
    wb = await startWorkbench({ name: 'wizard-merge', env: { ...process.env, KUBECONFIG: file } });
    await wb.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !wb) return;
    console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
  });

  after(async () => {
    await wb?.stop();
    if (ADMIN) kubectlSync(['delete', 'namespace', NAMESPACE, '--wait=false'], { kubeconfig: ADMIN });
  });

  it('adds the new context to the kubeconfig file, keeps the rest, 0600, with a backup', async function () {
    const before = readFileSync(file, 'utf8');
    const old = yaml.load(before) as Doc;
    const page = wb!.page;
    const w = wizard(page);
    await wb!.runCommand('Create Service Account Kubeconfig…');
    await w.locator('#context option', { hasText: ADMIN_CONTEXT }).waitFor({ state: 'attached', timeout: 30_000 });
    await w.locator('#context').selectOption(ADMIN_CONTEXT);
    await w.locator('#context-help', { hasText: 'Server https://' }).waitFor({ timeout: 30_000 });
    await w.locator('#namespace').fill(NAMESPACE);
    await w.locator('#namespace-help', { hasText: 'will be created' }).waitFor();
    await w.locator('#service-account').fill(SERVICE_ACCOUNT);
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Permissions' }).waitFor();
    await w.locator('#resource-groups').waitFor({ timeout: 30_000 });
    await w.locator('#preset-read-pods-logs').click();
    await w.locator('#preset-read-pods-logs[aria-pressed="true"]').waitFor();
    for (const step of ['Token', 'Kubeconfig', 'Review']) {
      await w.locator('#next').click();
      await w.locator('#step-title', { hasText: step }).waitFor();
    }
    await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });
    await w.locator('#next', { hasText: 'Create' }).click();
    await w.locator('#step-title', { hasText: 'Result' }).waitFor({ timeout: 60_000 });

    await w.locator('#merge-kubeconfig').click();
    // "Current context after the merge": keep mine.
    const keep = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', {
      hasText: 'Keep my current context',
    });
    await keep.first().waitFor({ state: 'visible', timeout: 30_000 });
    await keep.first().click();
    // The modal confirmation lists what changes; Merge.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await dialog.innerText(), new RegExp(`Merge into ${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}`));
    await wb!.screenshot('wizard-merge-1-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Merge$/ }).click();
    // Merge opens the kubeconfig tab (the wizard goes behind it): wait for the file to change.
    const context = `${ADMIN_CONTEXT}-${SERVICE_ACCOUNT}`;
    for (const deadline = Date.now() + 30_000; Date.now() < deadline; await page.waitForTimeout(200)) {
      if (readFileSync(file, 'utf8').includes(`name: ${context}`)) break;
    }
    await wb!.screenshot('wizard-merge-2-merged');

    const merged = yaml.load(readFileSync(file, 'utf8')) as Doc;
    const added = merged.contexts.find((c) => c.name === context);
    assert.ok(added, `the file has the context ${context}: ${merged.contexts.map((c) => c.name).join(', ')}`);
    assert.equal(added.context.namespace, NAMESPACE);
    for (const section of ['clusters', 'users', 'contexts'] as const) {
      for (const entry of old[section]) {
        assert.deepEqual(
          merged[section].find((e) => e.name === entry.name),
          entry,
          `${section} ${entry.name} is unchanged`,
        );
      }
    }
    assert.equal(merged['current-context'], old['current-context'], 'the current context is kept');
    assert.equal(statSync(file).mode & 0o777, 0o600, 'the merged file is 0600');
    const backups = readdirSync(folder).filter((n) => n.startsWith('config.bak-'));
    assert.equal(backups.length, 1, `one backup: ${readdirSync(folder).join(', ')}`);
    assert.equal(readFileSync(join(folder, backups[0]!), 'utf8'), before, 'the backup holds the old file');
    assert.equal(statSync(join(folder, backups[0]!)).mode & 0o777, 0o600, 'the backup is 0600');
    // The merged context works: kubectl acts as the service account through it.
    assert.equal(
      kubectlOkSync(['--context', context, 'auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], {
        kubeconfig: file,
      }),
      `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
    );
  });
});
