// The generated kubeconfig tab never lands on disk by accident. In real VS Code (code-server in Chromium) against
// the real cluster: right-click a service account → "Generate Kubeconfig for This Service Account", the kubeconfig
// opens in a read-only tab; then "Developer: Reload Window". Afterwards no file under the run's VS Code user-data
// folder, nor anywhere else under code-server's state folder (HOME, XDG dirs, TMPDIR), holds the token: VS Code's
// hot exit backs up dirty (untitled) documents there, and ours is never dirty. The token is read from the editor
// and only compared, never printed. Screenshots: test-results/e2e/kubeconfig-tab-*.png.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { kubectlOkSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, type Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
const NAMESPACE = `aaa-tab-${Date.now().toString(36).slice(-5)}`;
const SERVICE_ACCOUNT = 'reader';

/** Files under `dir` whose content contains `needle` (paths only). */
function filesContaining(dir: string, needle: string): string[] {
  const found: string[] = [];
  const walk = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      const p = join(d, name);
      let st;
      try {
        st = statSync(p);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(p);
      else if (st.isFile() && st.size < 256 * 1024 * 1024) {
        try {
          if (readFileSync(p).includes(needle)) found.push(p);
        } catch {
          /* sockets, vanished files */
        }
      }
    }
  };
  walk(dir);
  return found;
}

describe('The kubeconfig tab is in memory only', function () {
  let wb: Workbench | undefined;
  const shot = async (name: string) =>
    console.log(`      screenshot: ${await wb!.screenshot(`kubeconfig-tab-${name}`)}`);

  before(async function () {
    if (!ADMIN) this.skip();
    this.timeout(180_000);
    kubectlOkSync(['create', 'namespace', NAMESPACE]);
    kubectlOkSync(['-n', NAMESPACE, 'create', 'serviceaccount', SERVICE_ACCOUNT]);
    wb = await startWorkbench({ name: 'kubeconfig-tab' });
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

  it(
    'Generate kubeconfig → a read-only tab; ' + 'after Reload Window no file of VS Code holds the token',
    async function () {
      this.timeout(240_000);
      const page = wb!.page;
      await wb!.clickActivityBarItem('SA Kubeconfig');
      await wb!.waitForTreeItem('Clusters', ADMIN_CONTEXT);
      await wb!.waitForTreeItem('Clusters', NAMESPACE);
      const rowOf = (label: string) =>
        wb!
          .view('Clusters')
          .locator('.pane-body .monaco-list-row', {
            has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }),
          })
          .first();
      await rowOf(NAMESPACE).locator('.monaco-tl-twistie').click();
      await wb!.waitForTreeItem('Clusters', SERVICE_ACCOUNT);
      await rowOf(SERVICE_ACCOUNT).click({ button: 'right' });
      const item = page
        .locator('.context-view .monaco-menu .action-item', { hasText: 'Generate Kubeconfig for This Service Account' })
        .first();
      await item.waitFor({ state: 'visible', timeout: 10_000 });
      const lifetimeTitle = page.locator('.quick-input-widget .quick-input-title', { hasText: 'Token lifetime' });
      // A click that lands while the menu is still animating in is dropped: click again while the menu stays open.
      for (let attempt = 0; attempt < 3; attempt++) {
        if (await item.isVisible()) await item.click().catch(() => undefined);
        if (
          await lifetimeTitle.waitFor({ state: 'visible', timeout: 5_000 }).then(
            () => true,
            () => false,
          )
        )
          break;
      }
      const input = wb!.quickInput();
      await lifetimeTitle.waitFor({ state: 'visible', timeout: 30_000 });
      await input.fill('1 hour');
      await page
        .locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: '1 hour' })
        .first()
        .waitFor({ state: 'visible' });
      await input.press('Enter');

      let text = '';
      for (const deadline = Date.now() + 60_000; Date.now() < deadline; await page.waitForTimeout(250)) {
        text = await wb!.activeEditorText().catch(() => '');
        if (/token: eyJ/.test(text)) break;
      }
      const token = /token: (eyJ[A-Za-z0-9_.-]+)/.exec(text)?.[1];
      assert.ok(token && token.length > 100, 'the kubeconfig tab shows a token');
      // The token in the tab is the one the server knows: kubectl authenticates with it (its output is the user name).
      assert.equal(
        kubectlOkSync(
          [
            '--token',
            token,
            '--server',
            process.env.SAK_API_SERVER!,
            '--certificate-authority',
            join(process.env.SAK_CLUSTER_DIR!, 'pki', 'ca.crt'),
            'auth',
            'whoami',
            '-o',
            'jsonpath={.status.userInfo.username}',
          ],
          { kubeconfig: '/dev/null' },
        ),
        `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
      );
      await page
        .locator('.editor-group-container.active .codelens-decoration', { hasText: 'Save as…' })
        .first()
        .waitFor({ state: 'visible', timeout: 10_000 });
      const title = await wb!.activeEditorTitle();
      await shot('open');
      // Typing into it changes nothing: the document is read-only, never dirty.
      await page.locator('.editor-group-container.active .editor-instance .monaco-editor .view-lines').first().click();
      await page.keyboard.press('Control+End');
      await page.keyboard.type('x');
      await page.waitForTimeout(500);
      const dirtyTabs = await page.locator('.editor-group-container.active .tabs-container .tab.active.dirty').count();
      // The new credential shows under the service account (with the ledger's "opened in the editor" in its tooltip).
      // Old versions (before credential nodes) have no such row: that part is skipped for them.
      await rowOf(SERVICE_ACCOUNT).locator('.monaco-tl-twistie').click();
      const credentialRow = wb!
        .view('Clusters')
        .locator('.pane-body .monaco-list-row', { hasText: 'bound token' })
        .first();
      if (
        await credentialRow.waitFor({ state: 'visible', timeout: 15_000 }).then(
          () => true,
          () => false,
        )
      ) {
        await credentialRow.hover();
        await page
          .locator('.monaco-hover, .workbench-hover', { hasText: 'Written by this machine' })
          .first()
          .waitFor({ state: 'visible', timeout: 10_000 })
          .catch(() => undefined);
        await shot('credential-node');
      }
      // VS Code backs dirty documents up about a second after a change; give it ample time.
      await page.waitForTimeout(3_000);

      await wb!.runCommand('Developer: Reload Window');
      await page.waitForTimeout(2_000);
      await page.locator('.monaco-workbench .part.activitybar').waitFor({ state: 'visible', timeout: 60_000 });
      await page.waitForTimeout(5_000);
      await shot('after-reload');

      const stateDir = wb!.server!.stateDir;
      const holding = filesContaining(stateDir, token).map((p) => p.slice(stateDir.length + 1));
      assert.deepEqual(
        holding,
        [],
        `files under code-server's state folder (user data, HOME, XDG, TMPDIR) hold the token`,
      );
      assert.equal(dirtyTabs, 0, 'the kubeconfig tab never became dirty');
      assert.equal(
        title.replace('\u2215', '/'),
        `kubeconfig for ${NAMESPACE}/${SERVICE_ACCOUNT}`,
        `tab title: ${title}`,
      );
      // Nor does any editor of the reloaded window show it.
      const visible = await page.locator('.monaco-editor .view-lines').allInnerTexts();
      assert.ok(!visible.some((t) => t.includes(token.slice(-40))), 'no editor shows the token after the reload');
    },
  );
});
