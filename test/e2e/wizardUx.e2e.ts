// The wizard's first-hour problems of issue 15, end to end (real code-server, the real local cluster, the .vsix):
//  1. keyboard only, as the admin: the caret starts in the first empty field, Ctrl+Enter walks every step, Review
//     says "Ctrl+Enter: Create", and the Result's Denied column marks "denied, as expected" with ⊘, not a green ✓;
//     the tab title follows the namespace;
//  2. axe-core on every step in a light, a dark and a high-contrast theme: no violations;
//  3. as the restricted user: Target says "can't check (forbidden)" where it may not list service accounts and
//     suggests restricted-ns; a preset whose rules were changed shows "custom"; the Token step says up front that a
//     revocable token needs `create secrets` and offers the unbound one; Review shows the refused objects as
//     refused, with the server's dry-run words in view. kubectl finds nothing created.
// Screenshots (light and dark): test-results/e2e/wizard-ux-*.png.
import * as assert from 'node:assert/strict';
import type { FrameLocator, Page } from 'playwright-core';

import { kubectlSync } from '../support/kubectl';
import { wizardViolations } from './axe';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, wizard, type Workbench } from './harness';

const RESTRICTED = process.env.SAK_RESTRICTED_KUBECONFIG ?? '';
const ADMIN_CONTEXT = 'admin@local';
const RESTRICTED_CONTEXT = 'restricted@local';
const RUN = Date.now().toString(36).slice(-5);
const KEYBOARD_NS = `ux-keys-${RUN}`;
const AXE_NS = `ux-axe-${RUN}`;
const DENIED_SA = `ux-denied-${RUN}`;
const THEMES = ['Light Modern', 'Dark Modern', 'Dark High Contrast'];

async function activeId(w: FrameLocator): Promise<string> {
  return w.locator('html').evaluate(() => document.activeElement?.id ?? '');
}

/** Presses `key` until the focused element of the page has `id` (at most `max` presses). */
async function pressUntilFocused(page: Page, w: FrameLocator, key: string, id: string, max = 25): Promise<void> {
  for (let i = 0; i < max; i++) {
    if ((await activeId(w)) === id) return;
    await page.keyboard.press(key);
  }
  assert.equal(await activeId(w), id, `${key} never reached #${id}`);
}

async function openWizardFromPalette(wb: Workbench): Promise<FrameLocator> {
  await wb.runCommand('Create Service Account Kubeconfig…');
  const w = wizard(wb.page);
  await w.locator('#context option').first().waitFor({ state: 'attached', timeout: 30_000 });
  return w;
}

async function waitForValue(w: FrameLocator, selector: string, expected?: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const value = await w
      .locator(selector)
      .inputValue()
      .catch(() => '');
    if (value && (expected === undefined || value === expected)) return value;
    if (Date.now() > deadline) throw new Error(`${selector} is "${value}", not ${expected ?? 'filled'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Waits for an editor tab with this label; on a loaded machine the host renames the tab after the page's debounced
 *  request reaches it, so allow 30 s, and say which tabs there were when it never shows. */
async function waitForTab(page: Page, label: string): Promise<void> {
  try {
    await page.locator('.tabs-container .tab', { hasText: label }).waitFor({ timeout: 30_000 });
  } catch (err) {
    const tabs = await page.locator('.tabs-container .tab').allInnerTexts();
    throw new Error(`no tab "${label}"; the tabs were: ${JSON.stringify(tabs)}`, { cause: err });
  }
}

async function closeEditors(wb: Workbench): Promise<void> {
  await wb.runCommand('View: Close All Editors');
  await wb.page
    .locator('iframe.webview.ready')
    .waitFor({ state: 'detached', timeout: 10_000 })
    .catch(() => undefined);
}

describe('wizard UX (issue 15), against the real cluster', function () {
  this.timeout(420_000);
  let wb: Workbench;

  before(async function () {
    if (!ADMIN || !RESTRICTED) throw new Error('SAK_ADMIN_KUBECONFIG / SAK_RESTRICTED_KUBECONFIG are not set.');
    wb = await startWorkbench({ name: 'wizard-ux', env: { ...process.env, KUBECONFIG: `${ADMIN}:${RESTRICTED}` } });
    await wb.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 60_000 });
  });

  // Each test opens its own wizard: close it (and whatever a failure left open) before the next.
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb.screenshot(`wizard-ux-failed-${Date.now()}`);
    await wb.page.keyboard.press('Escape');
    await closeEditors(wb);
  });

  after(async function () {
    for (const ns of [KEYBOARD_NS, AXE_NS]) kubectlSync(['delete', 'namespace', ns, '--wait=false']);
    await wb?.stop();
  });

  it(
    'keyboard only: first empty field focused, Ctrl+Enter through every step, "Ctrl+Enter: ' + 'Create", ⊘ for denied',
    async function () {
      const page = wb.page;
      const w = await openWizardFromPalette(wb);
      await waitForValue(w, '#namespace');
      assert.equal(await w.locator('#context').inputValue(), ADMIN_CONTEXT);
      // The caret waits in the first empty field (the namespace came from the context).
      await w.locator('#service-account:focus').waitFor({ timeout: 10_000 });
      assert.equal(await activeId(w), 'service-account');
      // The tab is named after the namespace, and follows it.
      await waitForTab(page, 'New Kubeconfig: default');
      await page.keyboard.type('ux-keys-sa');
      await pressUntilFocused(page, w, 'Shift+Tab', 'namespace');
      // Empty the field with keys VS Code does not bind here. Ctrl+A also travels to the workbench, whose Select All
      // comes back to the webview as a message a moment later; on a loaded machine it can land after the first typed
      // letters and select them (the likely cause of one CI failure, where the tab never showed the new namespace).
      await page.keyboard.press('End');
      await page.keyboard.press('Shift+Home');
      await page.keyboard.press('Backspace');
      assert.equal(await w.locator('#namespace').inputValue(), '');
      await page.keyboard.type(KEYBOARD_NS);
      await waitForValue(w, '#namespace', KEYBOARD_NS);
      await waitForTab(page, `New Kubeconfig: ${KEYBOARD_NS}`);
      await page.keyboard.press('Control+Enter');

      await w.locator('#step-title', { hasText: 'Permissions' }).waitFor();
      await w.locator('#resource-groups').waitFor({ timeout: 30_000 });
      await pressUntilFocused(page, w, 'Tab', 'preset-read-pods-logs');
      await page.keyboard.press('Space');
      await w.locator('#preset-read-pods-logs[aria-pressed="true"]').waitFor();
      for (const title of ['Token', 'Kubeconfig', 'Review']) {
        await page.keyboard.press('Control+Enter');
        await w.locator('#step-title', { hasText: title }).waitFor();
      }
      await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });
      // Review says what Ctrl+Enter does here.
      await w.locator('.footer-hint', { hasText: 'Ctrl+Enter: Create' }).waitFor();
      await wb.screenshot('wizard-ux-review-hint-light');
      await page.keyboard.press('Control+Enter');

      await w.locator('#step-title', { hasText: 'Result' }).waitFor({ timeout: 60_000 });
      const denied = w.locator('[aria-labelledby="denied-title"] li');
      await denied.first().waitFor();
      const deniedTexts = await denied.allInnerTexts();
      assert.ok(deniedTexts.length > 0);
      for (const t of deniedTexts) {
        assert.ok(t.startsWith('⊘'), `a denied entry reads "${t}"`);
        assert.ok(!t.includes('✓'), `a denied entry reads "${t}"`);
      }
      assert.equal(
        await w.locator('[aria-labelledby="denied-title"] li .glyph').first().getAttribute('aria-label'),
        'denied, as expected',
      );
      await wb.screenshot('wizard-ux-result-light');
      await wb.setTheme('Dark Modern');
      await wb.screenshot('wizard-ux-result-dark');
      assert.equal(kubectlSync(['get', 'serviceaccount', 'ux-keys-sa', '-n', KEYBOARD_NS]).code, 0);
    },
  );

  it('axe-core finds no violations on any step, in light, dark and high-contrast themes', async function () {
    this.timeout(900_000);
    const w = await openWizardFromPalette(wb);
    await waitForValue(w, '#namespace');
    const found: string[] = [];
    const check = async (step: string) => {
      for (const theme of THEMES) {
        await wb.setTheme(theme);
        for (const v of await wizardViolations(wb.page)) found.push(`${step} / ${theme}: ${v}`);
      }
    };
    await w.locator('#namespace').fill(AXE_NS);
    await w.locator('#service-account').fill('ux-axe-sa');
    await w.locator('#namespace-help', { hasText: 'will be created' }).waitFor();
    await check('Target');
    await w.locator('#next').click();
    await w.locator('#resource-groups').waitFor({ timeout: 30_000 });
    await w.locator('#preset-read-pods-logs').click();
    await check('Permissions');
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Token' }).waitFor();
    await check('Token');
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Kubeconfig' }).waitFor();
    await check('Kubeconfig');
    await w.locator('#next').click();
    await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });
    await check('Review');
    await wb.setTheme('Dark Modern');
    await wb.screenshot('wizard-ux-review-hint-dark');
    await w.locator('#next').click();
    await w.locator('#step-title', { hasText: 'Result' }).waitFor({ timeout: 60_000 });
    await check('Result');
    await wb.setTheme('Dark High Contrast');
    await wb.screenshot('wizard-ux-result-hc');
    await wb.setTheme('Light Modern');
    assert.deepEqual(found, [], found.join('\n'));
  });

  it(
    'restricted user: forbidden Target, "custom" preset, Token rights up front, ' + 'refused objects in Review',
    async function () {
      const w = await openWizardFromPalette(wb);
      await w.locator('#context').selectOption(RESTRICTED_CONTEXT);
      await waitForValue(w, '#namespace', 'restricted-ns');
      // In "default" it may not list service accounts: the Target says it can't check, and where it may create one.
      await w.locator('#namespace').fill('default');
      await w.locator('#sa-forbidden', { hasText: "can't check (forbidden)" }).waitFor({ timeout: 30_000 });
      await w.locator('label[for="sa-existing"]', { hasText: "can't check: forbidden" }).waitFor();
      assert.doesNotMatch(await w.locator('label[for="sa-existing"]').innerText(), /0 in this namespace/);
      await w.locator('#suggest-restricted-ns').waitFor({ timeout: 30_000 });
      await wb.setTheme('Light Modern');
      await wb.screenshot('wizard-ux-forbidden-light');
      await wb.setTheme('Dark Modern');
      await wb.screenshot('wizard-ux-forbidden-dark');
      await w.locator('#suggest-restricted-ns').click();
      assert.equal(await w.locator('#namespace').inputValue(), 'restricted-ns');
      await w.locator('#service-account').fill(DENIED_SA);
      await w.locator('#next').click();

      // A preset whose rules were changed says "custom" instead of staying ticked.
      await w.locator('#resource-groups').waitFor({ timeout: 30_000 });
      await w.locator('#preset-exec-pods').click();
      await w.locator('#preset-exec-pods[aria-pressed="true"]').waitFor();
      await w.locator('#perm-search').fill('pods');
      await w.locator('#v-core-pods-delete').check();
      await w.locator('#preset-exec-pods[aria-pressed="mixed"]', { hasText: '(custom)' }).waitFor();
      await wb.screenshot('wizard-ux-preset-custom-dark');
      await w.locator('#next').click();

      // Token: said up front that a revocable token needs Secrets, with the honest alternative; Next does not pass.
      await w.locator('#step-title', { hasText: 'Token' }).waitFor();
      await w.locator('#token-rights', { hasText: 'create secrets' }).waitFor({ timeout: 30_000 });
      await w.locator('#next').click();
      await w.locator('#step-title', { hasText: 'Token' }).waitFor();
      assert.equal(await w.locator('#step-title', { hasText: 'Kubeconfig' }).count(), 0);
      await wb.screenshot('wizard-ux-token-rights-dark');
      await wb.setTheme('Light Modern');
      await wb.screenshot('wizard-ux-token-rights-light');
      await w.locator('#use-unbound').click();
      assert.equal(await w.locator('#unbound-token').isChecked(), true);
      await w.locator('#token-rights').waitFor({ state: 'detached' });
      await w.locator('#next').click();
      await w.locator('#step-title', { hasText: 'Kubeconfig' }).waitFor();
      await w.locator('#next').click();

      // Review: refused, object by object, and the server's words in view (not folded away).
      await w.locator('#escalation-refused').waitFor({ timeout: 30_000 });
      await w.locator('#review-lead', { hasText: /^Refused/ }).waitFor();
      const badges = await w.locator('.object summary .badge').allInnerTexts();
      assert.ok(badges.length > 0);
      assert.ok(!badges.includes('create'), `badges: ${badges.join(', ')}`);
      assert.ok(badges.includes('refused'), `badges: ${badges.join(', ')}`);
      const rejections = w.locator('#dry-run-rejections');
      await rejections.waitFor();
      assert.equal(await rejections.evaluate((e) => e.tagName), 'DIV');
      assert.ok(await rejections.locator('li').first().isVisible());
      assert.equal(await w.locator('#next', { hasText: 'Create' }).isDisabled(), true);
      await wb.screenshot('wizard-ux-review-refused-light');
      await wb.setTheme('Dark Modern');
      await wb.screenshot('wizard-ux-review-refused-dark');
      assert.notEqual(kubectlSync(['get', 'serviceaccount', DENIED_SA, '-n', 'restricted-ns']).code, 0);
    },
  );
});
