// sa-kubeconfig inside Microsoft's Kubernetes extension's Cluster Explorer. That extension's .vsix cannot be had from
// the registries this project reaches (npm has only its API package), so code-server gets a TEST DOUBLE of it
// (test/fixtures/kubernetes-tools-double) that implements the published vscode-kubernetes-tools-api contract.
// Checked here, through the double's tree and our menus on it: "Create/Quick Create Service Account Kubeconfig…" on
// namespace and cluster nodes, the Service Accounts folder (abbreviation `sa`) contributed through the API, and
// "Generate Kubeconfig for This Service Account" on its nodes, with the targets resolved by resolveCommandTarget.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, startCodeServer, type CodeServer } from '../runners/codeServerHost';
import { ADMIN_KUBECONFIG as ADMIN, kubectl, RESULTS_DIR, VSIX, Workbench } from './harness';

const ADMIN_CONTEXT = 'admin@local';
const RUN = Date.now().toString(36).slice(-5);
const NAMESPACE = `aaa-vskt-${RUN}`;
const EXISTING_SA = `aaa-vskt-sa-${RUN}`;
const DOUBLE_DIR = join(REPO_ROOT, 'test', 'fixtures', 'kubernetes-tools-double');

describe('Kubernetes extension integration (with the TEST DOUBLE of ms-kubernetes-tools)', function () {
  let server: CodeServer | undefined;
  let wb: Workbench | undefined;
  let step = 0;
  const shot = async (name: string) => {
    step += 1;
    console.log(`      screenshot: ${await wb!.screenshot(`kubernetes-tools-${step}-${name}`)}`);
  };
  const row = (label: string) => wb!.view('Clusters').locator('.pane-body .monaco-list-row', { has: wb!.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) }).first();
  const menuItem = (title: string) => wb!.page.locator('.context-view .monaco-menu .action-item', { hasText: title }).first();
  const quickInput = () => wb!.quickInput();
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

  before(async function () {
    if (!ADMIN) this.skip();
    this.timeout(240_000);
    kubectl(['create', 'namespace', NAMESPACE]);
    kubectl(['-n', 'default', 'create', 'serviceaccount', EXISTING_SA]);
    kubectl(['-n', 'default', 'create', 'rolebinding', `${EXISTING_SA}-view`, '--clusterrole=view', `--serviceaccount=default:${EXISTING_SA}`]);
    const outDir = join(REPO_ROOT, 'out', 'test', 'fixtures');
    mkdirSync(outDir, { recursive: true });
    const doubleVsix = join(outDir, 'kubernetes-tools-double.vsix');
    execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'vsce'), ['package', '--no-dependencies', '--allow-missing-repository', '--skip-license', '--out', doubleVsix],
      { cwd: DOUBLE_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
    server = await startCodeServer({ name: 'kubernetes-tools', resultsDir: RESULTS_DIR, installExtensions: [VSIX, doubleVsix], env: process.env });
    wb = await Workbench.attach(server.url);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && wb) console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
  });

  after(async () => {
    await wb?.stop();
    await server?.stop();
    if (ADMIN) {
      for (const args of [['delete', 'namespace', NAMESPACE, '--wait=false'], ['-n', 'default', 'delete', 'serviceaccount,rolebinding', EXISTING_SA, `${EXISTING_SA}-view`, '--ignore-not-found']]) {
        try { kubectl(args); } catch { /* best effort */ }
      }
    }
  });

  it('shows our Service Accounts folder (abbreviation sa) in its Cluster Explorer', async function () {
    this.timeout(120_000);
    await wb!.clickActivityBarItem('Kubernetes (test double)');
    await wb!.waitForTreeItem('Clusters', ADMIN_CONTEXT);
    await wb!.waitForTreeItem('Clusters', 'Service Accounts', 60_000);
    await row('Service Accounts').click();
    await wb!.waitForTreeItem('Clusters', EXISTING_SA);
    await shot('service-accounts-folder');
  });

  it('has "Create Service Account Kubeconfig…" on the cluster node', async function () {
    this.timeout(60_000);
    await row(ADMIN_CONTEXT).click({ button: 'right' });
    await menuItem('Create Service Account Kubeconfig…').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('cluster-menu');
    await wb!.page.keyboard.press('Escape');
  });

  it('right-click a namespace → Quick create: the kubeconfig has a context for that namespace', async function () {
    this.timeout(120_000);
    await row('Namespaces').click();
    await wb!.waitForTreeItem('Clusters', NAMESPACE);
    await row(NAMESPACE).click({ button: 'right' });
    await menuItem('Create Service Account Kubeconfig…').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('namespace-menu');
    await menuItem('Quick Create Service Account Kubeconfig…').click();
    const title = wb!.page.locator('.quick-input-widget .quick-input-title');
    await title.filter({ hasText: 'service account' }).waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(await quickInput().inputValue(), `${NAMESPACE}-sa`, 'the namespace came from the clicked Cluster Explorer node');
    await quickInput().press('Enter');
    await title.filter({ hasText: 'permissions' }).waitFor({ state: 'visible', timeout: 10_000 });
    await quickInput().fill('Read pods and logs');
    await wb!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: 'Read pods and logs' }).first().waitFor({ state: 'visible' });
    await quickInput().press('Enter');
    await title.filter({ hasText: 'token lifetime' }).waitFor({ state: 'visible', timeout: 10_000 });
    await quickInput().fill('1 hour');
    await wb!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: '1 hour' }).first().waitFor({ state: 'visible' });
    await quickInput().press('Enter');
    const text = await waitForEditorText(`namespace: ${NAMESPACE}`);
    await shot('namespace-kubeconfig');
    assert.ok(wb!.lastMaskedLines >= 2, `the screenshot masked ${wb!.lastMaskedLines} credential lines`);
    assert.ok(text.includes(`# Service account: ${NAMESPACE}/${NAMESPACE}-sa`));
    assert.equal(kubectl(['auth', 'can-i', 'list', 'pods', '-n', NAMESPACE, `--as=system:serviceaccount:${NAMESPACE}:${NAMESPACE}-sa`]).trim(), 'yes');
  });

  it('right-click a service account in the Service Accounts folder → Generate kubeconfig', async function () {
    this.timeout(120_000);
    await row(EXISTING_SA).click({ button: 'right' });
    await menuItem('Generate Kubeconfig for This Service Account').waitFor({ state: 'visible', timeout: 10_000 });
    await shot('service-account-menu');
    await menuItem('Generate Kubeconfig for This Service Account').click();
    await wb!.page.locator('.quick-input-widget .quick-input-title', { hasText: 'Token lifetime' }).waitFor({ state: 'visible', timeout: 30_000 });
    await quickInput().fill('1 hour');
    await wb!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: '1 hour' }).first().waitFor({ state: 'visible' });
    await quickInput().press('Enter');
    const text = await waitForEditorText(`# Service account: default/${EXISTING_SA}`);
    await shot('service-account-kubeconfig');
    assert.ok(wb!.lastMaskedLines >= 2, `the screenshot masked ${wb!.lastMaskedLines} credential lines`);
    assert.match(text, /# Bound roles: ClusterRole\/view/);
  });
});
