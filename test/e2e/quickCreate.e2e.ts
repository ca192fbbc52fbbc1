// Quick create from the tree, as a user does it in real VS Code (code-server in Chromium) against the real cluster:
// open our view, right-click a namespace, "Quick Create Service Account Kubeconfig…", answer the QuickInput steps
// (service account, permissions, token lifetime), and the kubeconfig opens in a read-only tab with a context for
// that namespace. A screenshot of every step goes to test-results/e2e/quick-create-*.png.
import * as assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { kubectlOkSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, type Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
// Sorts near the top of the namespace list, so that its row is on screen without scrolling.
const NAMESPACE = `aaa-quick-${Date.now().toString(36).slice(-5)}`;
const SERVICE_ACCOUNT = `${NAMESPACE}-sa`;

describe('Quick create from the Clusters tree', function () {
  let wb: Workbench | undefined;
  let step = 0;
  const shot = async (name: string) => {
    step += 1;
    const path = await wb!.screenshot(`quick-create-${step}-${name}`);
    console.log(`      screenshot: ${path}`);
  };

  before(async function () {
    if (!ADMIN) this.skip();
    this.timeout(180_000);
    kubectlOkSync(['create', 'namespace', NAMESPACE]);
    wb = await startWorkbench({ name: 'quick-create' });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb)
      console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
  });

  after(async () => {
    await wb?.stop();
    if (ADMIN) {
      try {
        kubectlOkSync(['delete', 'namespace', NAMESPACE, '--wait=false']);
      } catch {
        /* already gone */
      }
    }
  });

  it('right-click a namespace → Quick create → the kubeconfig tab has a context for that namespace', async function () {
    this.timeout(180_000);
    const page = wb!.page;
    await wb!.clickActivityBarItem('SA Kubeconfig');
    await wb!.waitForTreeItem('Clusters', ADMIN_CONTEXT);
    await wb!.waitForTreeItem('Clusters', NAMESPACE);
    await shot('tree');

    const row = wb!
      .view('Clusters')
      .locator('.pane-body .monaco-list-row', {
        has: page.locator('.label-name', { hasText: new RegExp(`^${NAMESPACE}$`) }),
      })
      .first();
    await row.click({ button: 'right' });
    const item = page
      .locator('.context-view .monaco-menu .action-item', { hasText: 'Quick Create Service Account Kubeconfig…' })
      .first();
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    await shot('context-menu');
    await item.click();

    const input = page.locator('.quick-input-widget .quick-input-box input');
    const title = page.locator('.quick-input-widget .quick-input-title');
    await title.filter({ hasText: 'service account' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await input.inputValue(), SERVICE_ACCOUNT, 'the service account name is prefilled from the namespace');
    await shot('service-account');
    await input.press('Enter');

    await title.filter({ hasText: 'permissions' }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('Exec into pods');
    await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Exec into pods' })
      .first()
      .waitFor({ state: 'visible' });
    await shot('permissions');
    await input.press('Enter');

    await title.filter({ hasText: 'token lifetime' }).waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill('1 hour');
    await page
      .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: '1 hour' })
      .first()
      .waitFor({ state: 'visible' });
    await shot('token-lifetime');
    await input.press('Enter');

    // The kubeconfig opens in a read-only in-memory YAML tab.
    const deadline = Date.now() + 60_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await wb!.activeEditorText().catch(() => '');
      if (text.includes(`namespace: ${NAMESPACE}`)) break;
      await page.waitForTimeout(250);
    }
    await shot('kubeconfig-tab');
    assert.ok(
      wb!.lastMaskedLines >= 2,
      `the screenshot masked ${wb!.lastMaskedLines} credential lines (token, certificate-authority-data)`,
    );
    // The tab says what the document is (the title's slash is U+2215: a file name cannot hold a "/").
    const tabTitle = await wb!.activeEditorTitle();
    assert.equal(
      tabTitle.replace('\u2215', '/'),
      `kubeconfig for ${NAMESPACE}/${SERVICE_ACCOUNT}`,
      `tab title: ${tabTitle}`,
    );
    assert.ok(
      text.startsWith(`# kubeconfig for ${NAMESPACE}/${SERVICE_ACCOUNT} (sa-kubeconfig)\n`),
      'the header names the service account first',
    );
    assert.ok(
      text.includes(`# Service account: ${NAMESPACE}/${SERVICE_ACCOUNT}`),
      `header comment missing in:\n${text.replace(/token: \S+/g, 'token: <redacted>')}`,
    );
    assert.ok(text.includes(`namespace: ${NAMESPACE}`), 'a context for the namespace');
    assert.ok(text.includes(`current-context: ${ADMIN_CONTEXT}-${SERVICE_ACCOUNT}`));
    // The editor offers the actions on the document.
    await page
      .locator('.editor-group-container.active .codelens-decoration', { hasText: 'Save as…' })
      .first()
      .waitFor({ state: 'visible', timeout: 10_000 });
    // And the cluster has what it says.
    assert.match(
      kubectlOkSync([
        '-n',
        NAMESPACE,
        'get',
        'serviceaccount',
        SERVICE_ACCOUNT,
        '-o',
        'jsonpath={.metadata.labels.app\\.kubernetes\\.io/managed-by}',
      ]),
      /^sa-kubeconfig$/,
    );
    assert.equal(
      kubectlOkSync([
        'auth',
        'can-i',
        'create',
        'pods/exec',
        '-n',
        NAMESPACE,
        `--as=system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
      ]).trim(),
      'yes',
    );

    // The tree shows the new service account under the namespace, marked as managed.
    await row.locator('.monaco-tl-twistie').click();
    await wb!.waitForTreeItem('Clusters', SERVICE_ACCOUNT);
    await shot('tree-after');
  });

  it('Save as… (CodeLens) writes a 0600 file that kubectl can use', async function () {
    this.timeout(120_000);
    const page = wb!.page;
    const file = join(mkdtempSync(join(tmpdir(), 'sak-e2e-save-')), `${SERVICE_ACCOUNT}.kubeconfig`);
    await page
      .locator('.editor-group-container.active .codelens-decoration a', { hasText: 'Save as…' })
      .first()
      .click();
    // code-server's save dialog is VS Code's simple file dialog: a QuickInput holding the path.
    await wb!.saveDialog();
    await shot('save-dialog');
    await wb!.acceptSaveDialog(file);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    await page.waitForTimeout(500);
    await shot('saved');
    assert.match(
      await page.title(),
      new RegExp(`^${SERVICE_ACCOUNT}\\.kubeconfig`),
      'the saved file replaced the in-memory tab',
    );
    kubectlOkSync(['get', 'pods'], { kubeconfig: file });
    assert.equal(kubectlOkSync(['auth', 'can-i', 'create', 'pods/exec'], { kubeconfig: file }).trim(), 'yes');
  });
});
