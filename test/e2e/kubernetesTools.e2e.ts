// sa-kubeconfig next to the REAL Microsoft Kubernetes extension (and Red Hat's YAML extension, its dependency), both
// built from shared/vendor by scripts/ensure-neighbours.sh and installed into code-server as a user installs them.
// Checked through the Kubernetes extension's own Cluster Explorer, as a user clicks it:
//  - opening only its view activates sa-kubeconfig (activation event onView:extension.vsKubernetesExplorer): our
//    Service Accounts folder (abbreviation `sa`, contextValue vsKubernetes.resource.sa) shows under the cluster;
//  - the folder lists the accounts of the namespace the Kubernetes extension considers active, and follows its
//    "Use Namespace";
//  - our menus on its cluster, namespace and service-account nodes, and the commands invoked there prefilled with
//    that context and namespace (wizard, Quick create, Generate);
//  - the kubeconfig it uses is ours too: KUBECONFIG listing several files (its default path is then that list), and
//    the file the user picks with its "Set Kubeconfig" (setting vs-kubernetes.kubeconfig).
// The run works on copies of the admin kubeconfig ("Use Namespace" writes into the kubeconfig).
import * as assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { dump, load } from 'js-yaml';
import type { Locator } from 'playwright-core';

import { privateTempDir, writeKubeconfig } from '../support/cluster';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import { ADMIN_KUBECONFIG as ADMIN, startWorkbench, wizard, type Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
const EXTRA_CONTEXT = 'extra@local';
const CHOSEN_CONTEXT = 'chosen@local';
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `aaa-vskt-${RUN}`;
const NS_SA = `aaa-vskt-sa-${RUN}`;
const DEFAULT_SA = `aaa-vskt-default-${RUN}`;

interface RawKubeconfig {
  contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  'current-context': string;
  [key: string]: unknown;
}

/** The admin kubeconfig with its one context renamed (same cluster and user). */
function adminKubeconfigAs(context: string): string {
  const raw = load(readFileSync(ADMIN, 'utf8')) as RawKubeconfig;
  raw.contexts = [{ ...raw.contexts[0]!, name: context }];
  raw['current-context'] = context;
  return dump(raw);
}

describe('Kubernetes extension integration (the real ms-kubernetes-tools.vscode-kubernetes-tools)', function () {
  let wb: Workbench | undefined;
  let dir = '';
  let chosenKubeconfig = '';
  let step = 0;
  const shot = async (name: string) => {
    step += 1;
    console.log(`      screenshot: ${await wb!.screenshot(`kubernetes-tools-${step}-${name}`)}`);
  };
  const k8sView = () => wb!.view('Clusters');
  /** A row of its Clusters view by label (the active namespace's label has a "* " prefix there). */
  const row = (label: string, level?: number) => {
    const name = new RegExp(`^(\\* )?${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    const rows = k8sView().locator(`.pane-body .monaco-list-row${level ? `[aria-level="${level}"]` : ''}`);
    return rows.filter({ has: wb!.page.locator('.label-name', { hasText: name }) }).first();
  };
  const menuItem = (title: string) =>
    wb!.page.locator('.context-view .monaco-menu .action-item', { hasText: title }).first();
  const shown = (locator: Locator, state: 'visible' | 'hidden', timeout: number) =>
    locator.waitFor({ state, timeout }).then(
      () => true,
      () => false,
    );
  const quickInput = () => wb!.quickInput();
  /** Clicks a context-menu entry; once more when the menu, still settling, ignored the first click. */
  const choose = async (title: string) => {
    const item = menuItem(title);
    await item.waitFor({ state: 'visible', timeout: 10_000 });
    for (let attempt = 0; attempt < 3; attempt++) {
      await item.click().catch(() => undefined);
      if (await shown(wb!.page.locator('.context-view .monaco-menu').first(), 'hidden', 2_000)) return;
    }
    throw new Error(`the menu entry "${title}" did not react to clicks`);
  };
  const expand = async (label: string, level?: number) => {
    const r = row(label, level);
    await r.waitFor({ state: 'visible', timeout: 60_000 });
    if ((await r.getAttribute('aria-expanded')) !== 'true') await r.click();
  };
  const waitForEditorText = async (needle: string) => {
    const deadline = Date.now() + 60_000;
    let text = '';
    while (Date.now() < deadline) {
      text = await wb!.activeEditorText().catch(() => '');
      if (text.includes(needle)) return text;
      await wb!.page.waitForTimeout(250);
    }
    throw new Error(`the active editor never showed "${needle}"`);
  };
  /** Closes every editor; an untitled kubeconfig tab is discarded, not saved. */
  const closeEditors = async () => {
    await wb!.runCommand('View: Close All Editors');
    const dontSave = wb!.page.locator('.monaco-dialog-box .monaco-button', { hasText: /^Don't Save$/ }).first();
    if (await shown(dontSave, 'visible', 2_000)) await dontSave.click();
  };
  const quickRow = (text: string) =>
    wb!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  const pickQuick = async (text: string) => {
    await quickInput().fill(text);
    await quickRow(text).waitFor({ state: 'visible' });
    await quickInput().press('Enter');
  };

  before(async function () {
    if (!ADMIN) this.skip();
    this.timeout(300_000);
    kubectlOkSync(['create', 'namespace', NAMESPACE]);
    kubectlOkSync(['-n', NAMESPACE, 'create', 'serviceaccount', NS_SA]);
    kubectlOkSync([
      '-n',
      NAMESPACE,
      'create',
      'rolebinding',
      `${NS_SA}-view`,
      '--clusterrole=view',
      `--serviceaccount=${NAMESPACE}:${NS_SA}`,
    ]);
    kubectlOkSync(['-n', 'default', 'create', 'serviceaccount', DEFAULT_SA]);
    dir = privateTempDir();
    // Two files in KUBECONFIG, as kubectl merges them; a third one the user picks later with "Set Kubeconfig".
    const main = writeKubeconfig(dir, 'main.yaml', adminKubeconfigAs(ADMIN_CONTEXT));
    const extra = writeKubeconfig(dir, 'extra.yaml', adminKubeconfigAs(EXTRA_CONTEXT));
    chosenKubeconfig = writeKubeconfig(dir, 'chosen.yaml', adminKubeconfigAs(CHOSEN_CONTEXT));
    wb = await startWorkbench({
      name: 'kubernetes-tools',
      neighbours: true,
      env: { ...process.env, KUBECONFIG: `${main}:${extra}` },
      settings: { 'vs-kubernetes': { 'vs-kubernetes.knownKubeconfigs': [chosenKubeconfig] } },
    });
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) {
      console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
      await wb.page.keyboard.press('Escape'); // a menu left open would block the next test's clicks
    }
  });

  after(async () => {
    await wb?.stop();
    if (ADMIN) {
      kubectlSync(['delete', 'namespace', NAMESPACE, '--wait=false']);
      kubectlSync(['-n', 'default', 'delete', 'serviceaccount', DEFAULT_SA, '--ignore-not-found']);
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('opening only its Kubernetes view activates sa-kubeconfig: our Service Accounts folder shows', async function () {
    this.timeout(180_000);
    // Nothing of ours was opened: the Service Accounts folder can only come from onView:extension.vsKubernetesExplorer.
    await wb!.clickActivityBarItem('Kubernetes');
    // Its other views (Helm Repos, Clouds) collapsed, so that the Clusters view has the height for its folders.
    for (const other of ['Helm Repos', 'Clouds']) {
      const header = wb!.view(other).locator('.pane-header');
      if ((await header.getAttribute('aria-expanded')) === 'true') await header.click();
    }
    await expand(ADMIN_CONTEXT, 1);
    await expand('Service Accounts', 2);
    // The active namespace is the context's (none set: default), as the Kubernetes extension shows it.
    await row(DEFAULT_SA).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await row(NS_SA).count(), 0, `${NS_SA} of ${NAMESPACE} listed while default is active`);
    await shot('service-accounts-folder');
  });

  it('has our entries in its menu of the cluster node', async function () {
    this.timeout(60_000);
    await row(ADMIN_CONTEXT, 1).click({ button: 'right' });
    await menuItem('Create Service Account Kubeconfig…').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('cluster-menu');
    await wb!.page.keyboard.press('Escape');
  });

  it('the Service Accounts folder follows its "Use Namespace"', async function () {
    this.timeout(120_000);
    await expand('Namespaces', 2);
    await row(NAMESPACE).click({ button: 'right' });
    await choose('Use Namespace');
    const active = wb!.page.locator('.label-name', { hasText: `* ${NAMESPACE}` });
    await k8sView()
      .locator('.pane-body .monaco-list-row', { has: active })
      .first()
      .waitFor({ state: 'visible', timeout: 60_000 });
    await expand('Service Accounts', 2);
    await row(NS_SA).waitFor({ state: 'visible', timeout: 60_000 });
    assert.equal(await row(DEFAULT_SA).count(), 0, `${DEFAULT_SA} of default still listed in ${NAMESPACE}`);
  });

  it('cluster node → Create…: the wizard opens on that context and the namespace active there', async function () {
    this.timeout(120_000);
    await row(ADMIN_CONTEXT, 1).click({ button: 'right' });
    await choose('Create Service Account Kubeconfig…');
    const w = wizard(wb!.page);
    await w.locator('#context option', { hasText: ADMIN_CONTEXT }).waitFor({ state: 'attached', timeout: 30_000 });
    const deadline = Date.now() + 30_000;
    while ((await w.locator('#namespace').inputValue()) === '' && Date.now() < deadline) {
      await wb!.page.waitForTimeout(100);
    }
    assert.equal(await w.locator('#context').inputValue(), ADMIN_CONTEXT);
    assert.equal(await w.locator('#namespace').inputValue(), NAMESPACE, 'the namespace active in its explorer');
    await shot('cluster-wizard');
    await closeEditors();
  });

  it('namespace node → Quick create: the kubeconfig has a context for that namespace', async function () {
    this.timeout(120_000);
    await row(NAMESPACE).click({ button: 'right' });
    await menuItem('Create Service Account Kubeconfig…').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('namespace-menu');
    await choose('Quick Create Service Account Kubeconfig…');
    const title = wb!.page.locator('.quick-input-widget .quick-input-title');
    await title.filter({ hasText: 'service account' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await quickInput().inputValue(), `${NAMESPACE}-sa`, 'the namespace came from the clicked node');
    await quickInput().press('Enter');
    await title.filter({ hasText: 'permissions' }).waitFor({ state: 'visible', timeout: 10_000 });
    await pickQuick('Read pods and logs');
    await title.filter({ hasText: 'token lifetime' }).waitFor({ state: 'visible', timeout: 10_000 });
    await pickQuick('1 hour');
    const text = await waitForEditorText(`namespace: ${NAMESPACE}`);
    await shot('namespace-kubeconfig');
    assert.ok(wb!.lastMaskedLines >= 2, `the screenshot masked ${wb!.lastMaskedLines} credential lines`);
    assert.ok(text.includes(`# Service account: ${NAMESPACE}/${NAMESPACE}-sa`));
    assert.match(text, new RegExp(`cluster: .*\\n.*\\n?.*namespace: ${NAMESPACE}`));
    const as = `--as=system:serviceaccount:${NAMESPACE}:${NAMESPACE}-sa`;
    assert.equal(kubectlOkSync(['auth', 'can-i', 'list', 'pods', '-n', NAMESPACE, as]).trim(), 'yes');
  });

  it('service account node of its explorer → Generate kubeconfig for that account', async function () {
    this.timeout(120_000);
    await row(NS_SA).click({ button: 'right' });
    await menuItem('Generate Kubeconfig for This Service Account').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('service-account-menu');
    await choose('Generate Kubeconfig for This Service Account');
    await wb!.page
      .locator('.quick-input-widget .quick-input-title', { hasText: 'Token lifetime' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    await pickQuick('1 hour');
    const text = await waitForEditorText(`# Service account: ${NAMESPACE}/${NS_SA}`);
    await shot('service-account-kubeconfig');
    assert.ok(wb!.lastMaskedLines >= 2, `the screenshot masked ${wb!.lastMaskedLines} credential lines`);
    assert.match(text, /# Bound roles: ClusterRole\/view/);
    await closeEditors();
  });

  it('our Clusters view reads the same kubeconfig: every file KUBECONFIG lists', async function () {
    this.timeout(60_000);
    await wb!.clickActivityBarItem('SA Kubeconfig');
    const items = await wb!.waitForTreeItem('Clusters', ADMIN_CONTEXT, 30_000);
    const top = items.filter((i) => i.level === 1).map((i) => i.label);
    assert.ok(top.includes(EXTRA_CONTEXT), `${EXTRA_CONTEXT} (second file of KUBECONFIG) missing: ${top.join(', ')}`);
  });

  it('the kubeconfig picked with its "Set Kubeconfig" (vs-kubernetes.kubeconfig) is ours too', async function () {
    this.timeout(120_000);
    await wb!.runCommand('Set Kubeconfig');
    await quickRow(chosenKubeconfig).click();
    await wb!.clickActivityBarItem('Kubernetes');
    await row(CHOSEN_CONTEXT, 1).waitFor({ state: 'visible', timeout: 60_000 });
    await wb!.clickActivityBarItem('SA Kubeconfig');
    const items = await wb!.waitForTreeItem('Clusters', CHOSEN_CONTEXT, 30_000);
    const top = items.filter((i) => i.level === 1).map((i) => i.label);
    assert.deepEqual(top, [CHOSEN_CONTEXT], 'our view lists the contexts of the file chosen in its explorer');
    // A command from its explorer works in that file's context.
    await wb!.clickActivityBarItem('Kubernetes');
    await row(CHOSEN_CONTEXT, 1).click({ button: 'right' });
    await choose('Create Service Account Kubeconfig…');
    const w = wizard(wb!.page);
    await w.locator('#context option', { hasText: CHOSEN_CONTEXT }).waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await w.locator('#context').inputValue(), CHOSEN_CONTEXT);
    await w.locator('#context-help', { hasText: 'Server https://' }).waitFor({ timeout: 30_000 });
    await closeEditors();
  });
});
