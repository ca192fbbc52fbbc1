// Show Usage and Shrink to Observed Use end to end: real VS Code (code-server) in Chromium, the packaged extension,
// and a cluster of its own started with audit logging (kube-apiserver --audit-policy-file, a Metadata-level policy
// with one None rule, --audit-log-path). A "CI script" (kubectl with a kubeconfig sa-kubeconfig made) lists pods,
// creates and reads a configmap and tries to list secrets (denied). Then, from the service account's context menu in
// our tree: Show Usage (the log offered from the setting saKubeconfig.auditLogPaths, the whole window) shows the
// rendered read-only report with the denied request apart and the policy's None rule named; Shrink to Observed Use
// shows the diff, applies after the confirmation, and kubectl finds the unused permissions gone and the used ones
// kept. Screenshots (light and dark): test-results/e2e/audit-usage-*.png.
import * as assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { Cleanup, eventually, privateTempDir, startCluster, type ClusterEnv } from '../support/cluster';
import { kubectl, kubectlOk } from '../support/kubectl';
import { runCli } from '../support/users';
import { startWorkbench, type Workbench } from './harness';

const NS = 'audit-e2e';
const SA = 'ci';
const POLICY = `apiVersion: audit.k8s.io/v1
kind: Policy
omitStages: ["RequestReceived"]
rules:
- level: None
  resources:
  - group: coordination.k8s.io
    resources: ["leases"]
- level: Metadata
`;

describe('Show Usage and Shrink to Observed Use (a cluster with audit logging)', function () {
  this.timeout(420_000);
  const cleanup = new Cleanup();
  let env: ClusterEnv;
  let wb: Workbench | undefined;
  let logDir = '';
  let policy = '';
  let saKubeconfig = '';
  const shot = async (name: string) => console.log(`      screenshot: ${await wb!.screenshot(`audit-usage-${name}`)}`);
  const canI = async (verb: string, resource: string) =>
    (
      await kubectl(['auth', 'can-i', verb, resource, '-n', NS, `--as=system:serviceaccount:${NS}:${SA}`], { env })
    ).stdout.trim();

  before(async function () {
    const dir = cleanup.dir(privateTempDir());
    policy = path.join(dir, 'policy.yaml');
    writeFileSync(policy, POLICY);
    logDir = path.join(dir, 'log');
    mkdirSync(logDir);
    cleanup.cluster('audit-e2e');
    env = await startCluster('audit-e2e', [
      `--audit-policy-file=${policy}`,
      `--audit-log-path=${path.join(logDir, 'audit.log')}`,
      '--audit-log-format=json',
    ]);
    saKubeconfig = path.join(dir, 'ci.kubeconfig');
    const created = await runCli(
      [
        'create',
        '-n',
        NS,
        '--create-namespace',
        '-s',
        SA,
        '--duration',
        '1h',
        '--out',
        saKubeconfig,
        '--rule',
        'pods:get,list,watch',
        '--rule',
        'configmaps:get,list,create,delete',
        '--no-verify',
      ],
      env.adminKubeconfig,
    );
    assert.equal(created.code, 0, created.stderr);
    // The CI script: what it does is what the shrink keeps.
    const as = { kubeconfig: saKubeconfig, env };
    await kubectlOk(['get', 'pods'], as);
    await kubectlOk(['create', 'configmap', 'app', '--from-literal=a=b'], as);
    await kubectlOk(['get', 'configmap', 'app'], as);
    const secrets = await kubectl(['get', 'secrets'], as);
    assert.match(secrets.stderr, /forbidden/i);
    await eventually(
      async () => readFileSync(path.join(logDir, 'audit.log'), 'utf8').includes('"resource":"secrets"'),
      20_000,
      "the script's requests in the audit log",
    );
    wb = await startWorkbench({
      name: 'audit-usage',
      env: { ...process.env, KUBECONFIG: env.adminKubeconfig },
      settings: { 'saKubeconfig.auditLogPaths': [logDir], 'saKubeconfig.auditPolicyPath': policy },
    });
    await wb.activityBarItem('SA Kubeconfig').waitFor({ state: 'visible', timeout: 60_000 });
  });

  afterEach(async function () {
    if (this.currentTest?.state !== 'failed' || !wb) return;
    console.log(`      screenshot of the failure: ${await wb.screenshot(`failed-${this.currentTest.title}`)}`);
  });

  after(async function () {
    this.timeout(120_000);
    await wb?.stop();
    await cleanup.run();
  });

  /** Opens the service account's context menu in our tree and runs `title`. */
  async function fromTree(title: string): Promise<void> {
    const page = wb!.page;
    const rowOf = (label: string) =>
      wb!
        .view('Clusters')
        .locator('.pane-body .monaco-list-row', {
          has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }),
        })
        .first();
    if (!(await rowOf(SA).isVisible())) {
      await rowOf(NS).locator('.monaco-tl-twistie').click();
      await wb!.waitForTreeItem('Clusters', SA);
    }
    const item = page.locator('.context-view .monaco-menu .action-item', { hasText: title }).first();
    // A click that lands while the menu is still animating in is dropped: open it again until the entry is there.
    for (let attempt = 0; attempt < 3 && !(await item.isVisible()); attempt++) {
      await rowOf(SA).click({ button: 'right' });
      await item.waitFor({ state: 'visible', timeout: 5_000 }).catch(() => undefined);
    }
    // A click on the entry can be dropped the same way (seen under load: the menu stayed open, nothing ran): the
    // command ran once the menu is gone, so click again while it is still there.
    for (let attempt = 0; attempt < 3 && (await item.isVisible()); attempt++) {
      await item.click().catch(() => undefined);
      await item.waitFor({ state: 'hidden', timeout: 3_000 }).catch(() => undefined);
    }
  }

  /** Answers a QuickPick by the row holding `text`. */
  async function pick(text: string): Promise<void> {
    const row = wb!.page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
    await row.waitFor({ state: 'visible', timeout: 30_000 });
    await row.click();
  }

  /** The rendered report's text (a Markdown preview's webview frame) once one holds `text`. */
  async function report(text: string): Promise<string> {
    const page = wb!.page;
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await page.waitForTimeout(250)) {
      for (const frame of page.frames()) {
        const body = await frame
          .locator('body')
          .innerText({ timeout: 1_000 })
          .catch(() => '');
        if (body.includes(text)) return body;
      }
    }
    throw new Error(`no report shows "${text}"`);
  }

  it('Show Usage: the rendered report, the denied request apart, the policy rule named', async function () {
    await wb!.clickActivityBarItem('SA Kubeconfig');
    await wb!.waitForTreeItem('Clusters', NS);
    await fromTree('Show Usage (Audit Log)…');
    await pick(logDir);
    await pick('All of the log');
    const text = await report('Denied: 1 request(s)');
    assert.match(text, new RegExp(`Usage of ${NS}/${SA}`));
    const denied = text.slice(text.indexOf('Denied: 1 request(s)'));
    assert.match(denied, /list\s+secrets\s+audit-e2e/);
    const allowed = text.slice(text.indexOf('Allowed:'), text.indexOf('Denied:'));
    assert.match(allowed, /list\s+pods\s+audit-e2e/);
    assert.match(allowed, /create\s+configmaps\s+audit-e2e\s+app/);
    assert.match(text, /rule 1 \(level None\): every verb of leases \(coordination\.k8s\.io\)/);
    assert.match(text, /less than 24 h/);
    // Read-only: the report is a preview of a document of our own scheme, never an untitled (dirty) file.
    assert.equal(await wb!.page.locator('.tabs-container .tab.dirty').count(), 0);
    await wb!.setTheme('Dark Modern');
    await shot('1-report-dark');
    await wb!.setTheme('Light Modern');
    await shot('1-report-light');
  });

  it('Shrink to Observed Use: the diff, applied after confirming, checked with kubectl', async function () {
    assert.equal(await canI('delete', 'configmaps'), 'yes');
    await fromTree('Shrink to Observed Use…');
    await pick(logDir);
    await pick('All of the log');
    await pick('No: rules per resource');
    const dialog = wb!.page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    const detail = await dialog.innerText();
    assert.match(detail, new RegExp(`Shrink ${NS}/${SA} to its observed use\\?`));
    assert.match(detail, /drop configmaps:delete/);
    await shot('2-confirm');
    await dialog.locator('.monaco-button', { hasText: /^Shrink$/ }).click();
    const text = await report('Applied:');
    // The shrink's report was updated in place: one preview of it, not one per update.
    assert.equal(await wb!.page.locator('.tabs-container .tab', { hasText: `Preview Shrink ${NS}` }).count(), 1);
    assert.match(text, /Drop: \d+ rule\(s\) nothing in the log used/);
    assert.match(text, /Checked as the account: (\d+) of \1 observed request\(s\) allowed/);
    assert.match(text, /Observed denials to consider \(not added\)\s+secrets:list/);
    await wb!.setTheme('Dark Modern');
    await shot('3-applied-dark');
    await wb!.setTheme('Light Modern');
    await shot('3-applied-light');
    // kubectl is the judge: what the script did still works, what it never did is gone, the denial was not added.
    assert.equal(await canI('list', 'pods'), 'yes');
    assert.equal(await canI('create', 'configmaps'), 'yes');
    assert.equal(await canI('get', 'configmaps'), 'yes');
    assert.equal(await canI('delete', 'configmaps'), 'no');
    assert.equal(await canI('watch', 'pods'), 'no');
    assert.equal(await canI('list', 'secrets'), 'no');
    // The credential made before the shrink keeps working.
    await kubectlOk(['get', 'pods'], { kubeconfig: saKubeconfig, env });
  });
});
