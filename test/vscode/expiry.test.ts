// The expiry watch in the editor (issue 12), against the real cluster with kubectl as the judge: a 1-hour credential
// the CLI wrote into a file shows as "$(key) 1 expiring" with one notice (not repeated on the next check), the tree
// node offers Renew (contextValue +inFile), Renew puts a new working token into the same file (0600) and revokes the
// old one, the QuickPick opens the file, and the item hides when no file holds an expiring credential any more.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';

import type { RenewResult } from '../../src/core/credentials/renew';
import type { CredentialNode, TreeNode } from '../../src/tree/nodes';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import {
  adminContext,
  api,
  childByLabel,
  children,
  contextValue,
  EXTENSION_ID,
  haveCluster,
  runCommand,
  ScriptedPrompts,
  uniqueName,
} from './support/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The credential id (jti) the server sees for a kubeconfig; undefined when it is rejected. */
function jtiOf(kubeconfig: string): string | undefined {
  const r = kubectlSync(['auth', 'whoami', '-o', 'json'], { kubeconfig });
  if (r.code !== 0) return undefined;
  const extra =
    (JSON.parse(r.stdout) as { status: { userInfo: { extra?: Record<string, string[]> } } }).status.userInfo.extra ??
    {};
  return /^JTI=(.+)$/.exec(extra['authentication.kubernetes.io/credential-id']?.[0] ?? '')?.[1];
}

async function becomesUnauthorized(kubeconfig: string): Promise<boolean> {
  const started = Date.now();
  while (Date.now() - started < 15_000) {
    const r = kubectlSync(['auth', 'whoami'], { kubeconfig });
    if (r.code !== 0 && /Unauthorized|must be logged in/i.test(r.stderr)) return true;
    await sleep(250);
  }
  return false;
}

describe('Expiry watch: status bar, notice and Renew (real cluster)', function () {
  this.timeout(180_000);
  const ns = uniqueName('sak-exp');
  const sa = 'deployer';
  const scratch = mkdtempSync(join(tmpdir(), 'sak-expiry-'));
  const file = join(scratch, 'ci.kubeconfig');
  const previousLedger = process.env.SA_KUBECONFIG_LEDGER;
  const notices: string[] = [];
  let realNotify: ((m: string, ...a: string[]) => Thenable<string | undefined>) | undefined;

  before(async function () {
    if (!haveCluster()) this.skip();
    process.env.SA_KUBECONFIG_LEDGER = join(scratch, 'ledger.json');
    const cli = join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
    execFileSync(
      process.execPath,
      [
        cli,
        'create',
        '-n',
        ns,
        '--create-namespace',
        '-s',
        sa,
        '--rule',
        'pods:get',
        '--duration',
        '1h',
        '--out',
        file,
      ],
      { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', KUBECONFIG: process.env.SAK_ADMIN_KUBECONFIG } },
    );
    const a = await api();
    realNotify = a.deps.expiry.notify;
    a.deps.expiry.notify = async (message) => {
      notices.push(message);
      return undefined;
    };
    a.deps.tree.refresh();
  });

  after(async () => {
    if (previousLedger === undefined) delete process.env.SA_KUBECONFIG_LEDGER;
    else process.env.SA_KUBECONFIG_LEDGER = previousLedger;
    if (realNotify) (await api()).deps.expiry.notify = realNotify;
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', ns, '--wait=false']);
    rmSync(scratch, { recursive: true, force: true });
  });

  it('a 1-hour credential in a file: "$(key) 1 expiring", its tooltip, one notice a day', async () => {
    const a = await api();
    const report = await a.deps.expiry.refresh();
    assert.equal(report.expiring.length, 1);
    assert.equal(report.expiring[0].entry.namespace, ns);
    assert.equal(a.deps.expiry.visible, true);
    assert.equal(a.deps.expiry.statusBar.text, '$(key) 1 expiring');
    assert.equal(a.deps.expiry.statusBar.command, 'saKubeconfig.showExpiring');
    const tooltip = (a.deps.expiry.statusBar.tooltip as vscode.MarkdownString).value;
    assert.ok(tooltip.includes(`${ns}/${sa}`) && tooltip.includes('ci.kubeconfig'), tooltip);
    assert.equal(notices.length, 1);
    assert.match(notices[0], new RegExp(`${ns}/${sa} ${report.expiring[0].entry.id} expires in`));
    await a.deps.expiry.refresh();
    assert.equal(notices.length, 1, 'no second notice for the same credential the same day');
  });

  it('Renew on the tree node: a new working token in the same file (0600), the old one revoked', async () => {
    const a = await api();
    const oldCopy = join(scratch, 'old.kubeconfig');
    copyFileSync(file, oldCopy);
    const oldJti = jtiOf(file);
    assert.ok(oldJti);
    const saNode = await childByLabel(
      a,
      await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns),
      sa,
    );
    a.deps.tree.refreshServiceAccount(adminContext(), ns);
    const node = (await children(a, saNode as TreeNode)).find((k) => contextValue(k).startsWith('credential+')) as
      CredentialNode | undefined;
    assert.ok(node);
    assert.equal(contextValue(node), 'credential+bound+active+revocable+managed+inFile');
    const prompts = new ScriptedPrompts([[/^Renew credential /, 'Renew']]);
    const result = (await runCommand(a, prompts, 'saKubeconfig.renewCredential', node)) as RenewResult;
    prompts.assertDone();
    assert.ok(result, `renewed: ${prompts.messages.join(' | ')}`);
    assert.match(prompts.details[0], /ci\.kubeconfig/);
    const newJti = jtiOf(file);
    assert.ok(newJti && newJti !== oldJti, 'the file holds a new credential the cluster accepts');
    assert.equal(newJti, result.credential.jti);
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.ok(await becomesUnauthorized(oldCopy), 'the old token gets 401 within 15 s');
    assert.equal(jtiOf(file), newJti);
    const report = a.deps.expiry.last!;
    assert.equal(report.expiring.length, 1);
    assert.equal(report.expiring[0].entry.id, result.credential.id, 'the watch follows the new credential');
  });

  it('the QuickPick opens the file; the item hides when no file holds an expiring credential', async () => {
    const a = await api();
    const prompts = new ScriptedPrompts([
      [/^Expiring credentials/, (items: { value: unknown }[]) => items[0].value],
      [
        / [0-9a-f]{8}$/,
        (items: { label: string; value: unknown }[]) => items.find((i) => /Open File/.test(i.label))!.value,
      ],
    ]);
    await runCommand(a, prompts, 'saKubeconfig.showExpiring');
    prompts.assertDone();
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, file);
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    rmSync(file);
    await a.deps.expiry.refresh();
    assert.equal(a.deps.expiry.visible, false);
  });
});
