// The wizard with a service account that already exists, as on OpenShift <= 4.15 (real VS Code in Chromium, the real
// cluster, the packaged extension). kubectl prepares a namespace with a service account that holds a RoleBinding to
// ClusterRole view and a legacy kubernetes.io/service-account-token Secret listed in its `.secrets`. Then:
//  - Target: picking "Existing" shows what the account already holds: the binding, its rules, the token Secret;
//  - Token: "Existing token Secret" offers that Secret; the run adds a Role and RoleBinding and leaves the old binding;
//  - Review: the account is used as it is (no "Take them over"): after the run it carries no sa-kubeconfig label;
//  - Result: Save as… writes a 0600 file, and kubectl get pods works with it;
//  - the Target step in the "Default High Contrast" theme.
// Screenshots: test-results/e2e/wizard-existing-*.png.
import * as assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, wizard, type Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `wizard-existing-${RUN}`;
const SERVICE_ACCOUNT = 'legacy-sa';
const LEGACY_SECRET = 'legacy-sa-token';
const OLD_BINDING = 'legacy-sa-view';

describe('wizard with an existing service account and its legacy token Secret', function () {
  this.timeout(240_000);
  let wb: Workbench | undefined;
  let step = 0;
  const shot = async (name: string) => {
    step += 1;
    console.log(`      screenshot: ${await wb!.screenshot(`wizard-existing-${step}-${name}`)}`);
  };

  before(async function () {
    if (!ADMIN)
      throw new Error('SAK_ADMIN_KUBECONFIG is not set: run through scripts/with-cluster.sh (npm run test:e2e).');
    kubectlOkSync(['create', 'namespace', NAMESPACE]);
    kubectlOkSync(['-n', NAMESPACE, 'create', 'serviceaccount', SERVICE_ACCOUNT]);
    kubectlOkSync([
      '-n',
      NAMESPACE,
      'create',
      'rolebinding',
      OLD_BINDING,
      '--clusterrole=view',
      `--serviceaccount=${NAMESPACE}:${SERVICE_ACCOUNT}`,
    ]);
    // A legacy token Secret, as clusters before 1.24 (and OpenShift <= 4.15) made for every service account: the token
    // controller fills it, and the account lists it in .secrets.
    kubectlOkSync(['apply', '-f', '-'], {
      input: JSON.stringify({
        apiVersion: 'v1',
        kind: 'Secret',
        type: 'kubernetes.io/service-account-token',
        metadata: {
          name: LEGACY_SECRET,
          namespace: NAMESPACE,
          annotations: { 'kubernetes.io/service-account.name': SERVICE_ACCOUNT },
        },
      }),
    });
    kubectlOkSync([
      '-n',
      NAMESPACE,
      'patch',
      'serviceaccount',
      SERVICE_ACCOUNT,
      '--type=merge',
      '-p',
      JSON.stringify({ secrets: [{ name: LEGACY_SECRET }] }),
    ]);
    const deadline = Date.now() + 30_000;
    // Only the length is looked at: the token itself is never printed.
    while (
      kubectlOkSync(['-n', NAMESPACE, 'get', 'secret', LEGACY_SECRET, '-o', 'jsonpath={.data.token}']).length === 0
    ) {
      if (Date.now() > deadline) throw new Error(`the token controller did not fill Secret ${LEGACY_SECRET}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    wb = await startWorkbench({ name: 'wizard-existing' });
    await wb.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb)
      console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
  });

  after(async () => {
    await wb?.stop();
    if (ADMIN && process.env.SAK_KEEP_WIZARD_NAMESPACE !== '1')
      kubectlSync(['delete', 'namespace', NAMESPACE, '--wait=false']);
  });

  it(
    'Target shows what the account already holds; the run adds to it with its legacy Secret; ' +
      'Save as… gives a 0600 file kubectl can use',
    async function () {
      const page = wb!.page;
      const w = wizard(page);
      await wb!.runCommand('Create Service Account Kubeconfig…');
      await w.locator('#context option', { hasText: ADMIN_CONTEXT }).waitFor({ state: 'attached', timeout: 30_000 });
      await w.locator('#context').selectOption(ADMIN_CONTEXT);
      await w.locator('#context-help', { hasText: 'Server https://' }).waitFor({ timeout: 30_000 });
      await w.locator('#namespace').fill(NAMESPACE);
      await w.locator('#namespace-help', { hasText: 'Exists' }).waitFor();
      // "Existing" says how many accounts the namespace has (the default one and ours) once it has listed them.
      await w
        .locator('label[for="sa-existing"]', { hasText: /Existing \(\d+ in this namespace\)/ })
        .waitFor({ timeout: 20_000 });
      await w.locator('#sa-existing').check();
      await w.locator('#service-account-existing').selectOption(SERVICE_ACCOUNT);

      // What it already holds: the binding to view (with its rules, folded) and the legacy token Secret.
      const details = w.locator('.sa-details');
      await details
        .locator('.sa-bindings li', { hasText: `RoleBinding ${NAMESPACE}/${OLD_BINDING} → ClusterRole view` })
        .waitFor({ timeout: 20_000 });
      assert.deepEqual(await details.locator('.sa-token-secrets li').allInnerTexts(), [LEGACY_SECRET]);
      const rulesSummary = details.locator('.binding-rules summary').first();
      assert.match(await rulesSummary.innerText(), /^\d+ rules?$/);
      await rulesSummary.click();
      const viewRules = await details.locator('.binding-rules .rules li').allInnerTexts();
      assert.ok(
        viewRules.some((r) => /^pods\b.*:get,list,watch$/.test(r) || /(^|,)pods(,|:)/.test(r)),
        `view's rules as shown: ${viewRules.join(' | ')}`,
      );
      await shot('target');

      // Theme check: the page uses the theme's variables, so High Contrast gets its borders and colours.
      await wb!.setTheme('Default High Contrast');
      const contrastBorder = await w
        .locator('body')
        .evaluate((el) => getComputedStyle(el).getPropertyValue('--vscode-contrastBorder').trim());
      assert.ok(contrastBorder !== '', 'the high-contrast theme defines --vscode-contrastBorder for the page');
      assert.equal(await w.locator('body').evaluate((el) => el.classList.contains('vscode-high-contrast')), true);
      // Borders in the theme's contrast colour where other themes rely on a background: fields and the details box.
      for (const selector of ['#namespace', '.sa-details']) {
        const border = await w
          .locator(selector)
          .first()
          .evaluate((el) => ({
            style: getComputedStyle(el).borderTopStyle,
            color: getComputedStyle(el).borderTopColor,
          }));
        assert.equal(border.style, 'solid', `${selector} has no border in high contrast`);
        assert.notEqual(border.color, 'rgba(0, 0, 0, 0)', `${selector}'s border is transparent in high contrast`);
      }
      // The checked radio's dot must not take the high-contrast button colour (black on black).
      const accent = await w.locator('#sa-existing').evaluate((el) => ({
        accent: getComputedStyle(el).accentColor,
        page: getComputedStyle(document.body).backgroundColor,
      }));
      assert.notEqual(accent.accent, accent.page, 'the checked radio is drawn in the page background colour');
      await shot('target-high-contrast');
      await wb!.setTheme('Dark Modern');

      await w.locator('#next').click();
      await w.locator('#step-title', { hasText: 'Permissions' }).waitFor();
      await w.locator('#resource-groups').waitFor({ timeout: 30_000 });
      await w.locator('#preset-read-pods-logs').click();
      await w.locator('#preset-read-pods-logs[aria-pressed="true"]').waitFor();
      await w.locator('#next').click();

      // Token: the existing legacy Secret is offered (and nothing else is guessed for the user).
      await w.locator('#step-title', { hasText: 'Token' }).waitFor();
      assert.equal(await w.locator('#token-existing').isDisabled(), false);
      assert.match(await w.locator('#token-existing-desc').innerText(), new RegExp(`1 found: ${LEGACY_SECRET}`));
      await w.locator('#token-existing').check();
      await w.locator('#existing-secret').selectOption(LEGACY_SECRET);
      await w
        .locator('#token-existing-body .callout-warning, .token-option-body .callout-warning', {
          hasText: 'does not expire',
        })
        .first()
        .waitFor();
      await shot('token-existing-secret');
      await w.locator('#next').click();
      await w.locator('#step-title', { hasText: 'Kubeconfig' }).waitFor();
      await w.locator('#next').click();

      // Review: the account is there already and is used as it is; a Role and RoleBinding of ours are added. Nothing
      // asks to take the account over: it is not ours and never becomes ours.
      await w.locator('#step-title', { hasText: 'Review' }).waitFor();
      await w.locator('#escalation-ok').waitFor({ timeout: 30_000 });
      const objects = await w.locator('.object summary').allInnerTexts();
      await shot('review');
      const account = objects.find((o) => o.includes(`${NAMESPACE}/${SERVICE_ACCOUNT}`) && /ServiceAccount/.test(o));
      assert.match(
        account ?? '',
        new RegExp(
          /^use as it is\s+ServiceAccount\s.*not made by sa-kubeconfig\); /.source +
            /used as it is: never labelled, changed or deleted by sa-kubeconfig/.source,
        ),
        objects.join('\n'),
      );
      assert.match(await w.locator('.step-review .lead').innerText(), /1 to use as it is/);
      assert.ok(
        objects.some((o) => /^create\s+Role\s/.test(o)),
        objects.join('\n'),
      );
      assert.ok(
        objects.some((o) => /^create\s+RoleBinding\s/.test(o)),
        objects.join('\n'),
      );
      assert.ok(!objects.some((o) => o.includes(OLD_BINDING)), 'the existing binding is not part of the plan');
      assert.equal(await w.locator('#adopt').count(), 0, 'no "Take them over": the account is used as it is');
      assert.doesNotMatch(
        await w.locator('.object').first().locator('pre.yaml').innerText(),
        /managed-by/,
        "the account's YAML carries no label of ours",
      );
      await w.locator('#next', { hasText: 'Create' }).click();
      await w.locator('#step-title', { hasText: 'Result' }).waitFor({ timeout: 60_000 });
      await w.locator('[aria-labelledby="allowed-title"] li').first().waitFor();
      const allowed = await w.locator('[aria-labelledby="allowed-title"] li').allInnerTexts();
      assert.ok(
        allowed.some((t) => t.includes(`list pods in namespace ${NAMESPACE}`)),
        allowed.join('\n'),
      );
      assert.match(await w.locator('#token-expiry').innerText(), /does not expire/);
      await shot('result');

      // On the cluster: the old binding is untouched, ours is added, the legacy Secret is still the one in .secrets.
      assert.equal(
        kubectlOkSync(['-n', NAMESPACE, 'get', 'rolebinding', OLD_BINDING, '-o', 'jsonpath={.roleRef.name}']),
        'view',
      );
      const bindings = kubectlOkSync([
        '-n',
        NAMESPACE,
        'get',
        'rolebindings',
        '-o',
        'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}',
      ])
        .trim()
        .split('\n');
      assert.ok(bindings.includes(OLD_BINDING) && bindings.length >= 2, `rolebindings: ${bindings.join(', ')}`);
      assert.match(
        kubectlOkSync(['-n', NAMESPACE, 'get', 'serviceaccount', SERVICE_ACCOUNT, '-o', 'jsonpath={.secrets[*].name}']),
        new RegExp(LEGACY_SECRET),
      );
      // Used as it is: not labelled as ours, so a later Delete keeps it.
      assert.equal(
        kubectlOkSync(['-n', NAMESPACE, 'get', 'serviceaccount', SERVICE_ACCOUNT, '-o', 'jsonpath={.metadata.labels}']),
        '',
      );

      // Save as… from the Result page: VS Code's save dialog (code-server's simple dialog: a QuickInput with the path).
      const file = join(
        mkdtempSync(join(tmpdir(), 'sak-e2e-wizard-save-')),
        `${ADMIN_CONTEXT}-${SERVICE_ACCOUNT}.kubeconfig`,
      );
      await w.locator('#save-kubeconfig').click();
      const input = await wb!.saveDialog(20_000);
      // The simple dialog fills in the folder first, then the suggested name.
      const suggested = `${ADMIN_CONTEXT}-${SERVICE_ACCOUNT}.kubeconfig`;
      const until = Date.now() + 10_000;
      while (!(await input.inputValue()).endsWith(suggested) && Date.now() < until) await page.waitForTimeout(100);
      assert.ok(
        (await input.inputValue()).endsWith(`/${suggested}`),
        `the suggested name is <context>-<serviceaccount>.kubeconfig: ${await input.inputValue()}`,
      );
      await shot('save-dialog');
      await wb!.acceptSaveDialog(file);
      assert.equal(statSync(file).mode & 0o777, 0o600, 'the saved kubeconfig is owner-only');
      // The wizard comes back to the front and shows where it was saved.
      await w.locator('dd.mono', { hasText: file }).waitFor({ timeout: 20_000 });
      assert.match(
        await w.locator('pre.command').innerText(),
        new RegExp(`KUBECONFIG=.*${SERVICE_ACCOUNT}\\.kubeconfig kubectl`),
      );
      await shot('saved');

      // The file holds the legacy Secret's token and works: kubectl get pods as the service account.
      const saved = readFileSync(file, 'utf8');
      assert.ok(saved.startsWith(`# kubeconfig for ${NAMESPACE}/${SERVICE_ACCOUNT} (sa-kubeconfig)\n`));
      assert.match(saved, /# Token: does not expire/);
      kubectlOkSync(['get', 'pods'], { kubeconfig: file });
      assert.equal(
        kubectlOkSync(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: file }).trim(),
        `system:serviceaccount:${NAMESPACE}:${SERVICE_ACCOUNT}`,
      );
      const secretToken = Buffer.from(
        kubectlOkSync(['-n', NAMESPACE, 'get', 'secret', LEGACY_SECRET, '-o', 'jsonpath={.data.token}']),
        'base64',
      ).toString('utf8');
      assert.ok(saved.includes(`token: ${secretToken}`), "the kubeconfig carries the legacy Secret's token");
    },
  );
});
