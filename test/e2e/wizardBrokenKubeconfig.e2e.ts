// Broken kubeconfigs (issue 15, item 11), end to end in code-server:
//  1. an empty kubeconfig file: the Clusters view says which file it read and offers "Open Kubeconfig File"; the
//     wizard shows an empty state naming the file (with "Open kubeconfig file") instead of a form that ends in
//     "Pick a context.";
//  2. the same file then holding a context whose server does not answer: the Target step shows the error with Retry,
//     and neither Next nor Ctrl+Enter moves on.
// Screenshots (light and dark): test-results/e2e/wizard-broken-*.png.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, wizard, type Workbench } from './harness';

describe('wizard and Clusters view with a broken kubeconfig', function () {
  this.timeout(300_000);
  let wb: Workbench;
  const dir = mkdtempSync(join(tmpdir(), 'sak-broken-kubeconfig-'));
  const file = join(dir, 'empty-config');

  before(async function () {
    if (!ADMIN) throw new Error('SAK_ADMIN_KUBECONFIG is not set.');
    writeFileSync(file, '', { mode: 0o600 });
    wb = await startWorkbench({ name: 'wizard-broken', env: { ...process.env, KUBECONFIG: file } });
    await wb.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 60_000 });
  });

  after(async function () {
    await wb?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it(
    'empty kubeconfig: the view names the file and offers to open it; ' + 'the wizard shows an empty state',
    async function () {
      await wb.clickActivityBarItem('SA Kubeconfig');
      // Its one row opens the file (the view's message hides the viewsWelcome).
      await wb.waitForTreeItem('Clusters', 'Open Kubeconfig File');
      const pane = wb.view('Clusters').locator('.pane-body');
      await pane.locator('.message', { hasText: file }).first().waitFor({ timeout: 20_000 });
      assert.match(await pane.innerText(), new RegExp(`No contexts in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

      await wb.runCommand('Create Service Account Kubeconfig…');
      const w = wizard(wb.page);
      await w.locator('#open-kubeconfig-file').waitFor({ timeout: 30_000 });
      assert.equal(await w.locator('#kubeconfig-paths').innerText(), file);
      // No form to fill in vain: no Next, no Target fields.
      assert.equal(await w.locator('#next').count(), 0);
      assert.equal(await w.locator('#service-account').count(), 0);
      await wb.setTheme('Light Modern');
      await wb.screenshot('wizard-broken-empty-light');
      await wb.setTheme('Dark Modern');
      await wb.screenshot('wizard-broken-empty-dark');
      await w.locator('#open-kubeconfig-file').click();
      await wb.page
        .locator('.tabs-container .tab', { hasText: basename(file) })
        .first()
        .waitFor({ timeout: 20_000 });
      await wb.runCommand('View: Close All Editors');
    },
  );

  it('unreachable server: the Target step has Retry and does not let the user continue', async function () {
    // The admin kubeconfig pointed at a port where nothing listens.
    const unreachable = readFileSync(ADMIN, 'utf8').replace(/server: https:\/\/[^\s]+/g, 'server: https://127.0.0.1:9');
    writeFileSync(file, unreachable, { mode: 0o600 });
    await wb.runCommand('Create Service Account Kubeconfig…');
    const w = wizard(wb.page);
    const retry = w.locator('#retry-context');
    await retry.waitFor({ timeout: 60_000 });
    assert.equal(await w.locator('#next').isDisabled(), true);
    await w.locator('#service-account').fill('never-created');
    await w.locator('#service-account').press('Control+Enter');
    await w.locator('#service-account').press('Enter');
    assert.equal(await w.locator('#step-title', { hasText: 'Target' }).count(), 1);
    await wb.screenshot('wizard-broken-unreachable-dark');
    await wb.setTheme('Light Modern');
    await wb.screenshot('wizard-broken-unreachable-light');
    // Retry asks again (and fails again, visibly, with Retry still there).
    await retry.click();
    await w
      .locator('#context-help', { hasText: 'Connecting' })
      .waitFor({ timeout: 10_000 })
      .catch(() => undefined);
    await w.locator('#retry-context').waitFor({ timeout: 60_000 });
    assert.equal(await w.locator('#next').isDisabled(), true);
  });
});
