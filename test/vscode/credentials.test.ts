// Credentials in the tree, against the real cluster with kubectl as the judge: two kubeconfigs generated for one
// service account show as two credential nodes (real expiry, where this machine wrote them); Revoke Credential on
// one node revokes exactly that one (it gets 401 within 15 s, the other keeps working); a note holding Markdown shows
// literally; Rotate on a credential makes the new one before it breaks the old one; Revoke Credentials… → All.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';

import type { RevokeCredentialsResult } from '../../src/core/credentials/revoke';
import type { CredentialNode, TreeNode } from '../../src/tree/nodes';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import {
  adminContext,
  api,
  childByLabel,
  children,
  contextValue,
  haveCluster,
  runCommand,
  ScriptedPrompts,
  uniqueName,
} from './support/harness';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The credential id (jti) the server sees for a kubeconfig, via `kubectl auth whoami`; undefined when rejected. */
function credentialIdOf(kubeconfig: string): string | undefined {
  try {
    const out = kubectlOkSync(['auth', 'whoami', '-o', 'json'], { kubeconfig });
    const extra =
      (JSON.parse(out) as { status: { userInfo: { extra?: Record<string, string[]> } } }).status.userInfo.extra ?? {};
    return /^JTI=(.+)$/.exec(extra['authentication.kubernetes.io/credential-id']?.[0] ?? '')?.[1];
  } catch {
    return undefined;
  }
}

/** Polls until kubectl with the kubeconfig is rejected as Unauthorized; returns the seconds it took (or Infinity). */
async function secondsUntilUnauthorized(kubeconfig: string, limitSeconds: number): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < limitSeconds * 1000) {
    const r = kubectlSync(['auth', 'whoami'], { kubeconfig });
    if (r.code !== 0 && /Unauthorized|must be logged in/i.test(r.stderr)) return (Date.now() - started) / 1000;
    await sleep(250);
  }
  return Infinity;
}

describe('Credentials in the tree (real cluster)', function () {
  this.timeout(180_000);
  const ns = uniqueName('sak-cred');
  const sa = 'deployer';
  const scratch = mkdtempSync(join(tmpdir(), 'sak-cred-'));
  const files: Record<string, string> = {};

  const saNode = async (): Promise<TreeNode> => {
    const a = await api();
    return childByLabel(a, await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns), sa);
  };
  const credentialNodes = async (): Promise<CredentialNode[]> => {
    const a = await api();
    a.deps.tree.refreshServiceAccount(adminContext(), ns);
    // The suite is bundled apart from the extension: its node classes are other classes, so no instanceof.
    return (await children(a, await saNode())).filter((k) =>
      contextValue(k).startsWith('credential+'),
    ) as unknown as CredentialNode[];
  };
  /** Generate Kubeconfig on the service account; the tab's text is written to a 0600 file named `name`. */
  const generate = async (name: string): Promise<string> => {
    const a = await api();
    const prompts = new ScriptedPrompts([[/Token lifetime/, 3600]]);
    await runCommand(a, prompts, 'saKubeconfig.generateKubeconfig', {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    });
    const file = join(scratch, `${name}.kubeconfig`);
    writeFileSync(file, vscode.window.activeTextEditor!.document.getText(), { mode: 0o600 });
    files[name] = file;
    return file;
  };

  before(function () {
    if (!haveCluster()) this.skip();
    kubectlOkSync(['create', 'namespace', ns]);
    kubectlOkSync(['-n', ns, 'create', 'serviceaccount', sa]);
  });

  before(async () => {
    if (haveCluster()) (await api()).deps.tree.refresh();
  });

  after(() => {
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', ns, '--wait=false']);
  });

  it('two generated kubeconfigs show as two credential nodes with their real expiry and where they went', async () => {
    await generate('a');
    await generate('b');
    const jtiA = credentialIdOf(files.a);
    const jtiB = credentialIdOf(files.b);
    assert.ok(jtiA && jtiB && jtiA !== jtiB, 'both kubeconfigs authenticate, each with a credential of its own');
    const nodes = await credentialNodes();
    const a = nodes.find((n) => n.credential.jti === jtiA);
    const b = nodes.find((n) => n.credential.jti === jtiB);
    const all = await children(await api(), await saNode());
    assert.ok(
      a && b,
      'a node per credential: ' +
        `${all.map((n) => `${String(n.getTreeItem().label)} [${n.getTreeItem().contextValue}]`).join(', ')}`,
    );
    for (const node of [a, b]) {
      const item = node.getTreeItem();
      assert.equal(item.contextValue, 'credential+bound+active+revocable+managed');
      assert.equal(item.label, node.credential.id);
      assert.ok(node.credential.jti?.replace(/-/g, '').startsWith(node.credential.id), 'the id is the short jti');
      // The expiry is the server's (status.expirationTimestamp): about an hour from now.
      const expires = Date.parse(node.credential.expiresAt!);
      assert.ok(Math.abs(expires - Date.now() - 3600_000) < 120_000, `expires ${node.credential.expiresAt}`);
      assert.match(String(item.description), /bound token · expires /);
      const tooltip = (item.tooltip as vscode.MarkdownString).value;
      assert.match(tooltip, /opened in the editor/, 'the local ledger says where it went');
      assert.match(tooltip, /within about 10 seconds/);
    }
  });

  it('Revoke Credential on one node: that kubeconfig gets 401 within 15 s, the other keeps working', async () => {
    const a = await api();
    const jtiA = credentialIdOf(files.a)!;
    const node = (await credentialNodes()).find((n) => n.credential.jti === jtiA);
    assert.ok(node);
    const prompts = new ScriptedPrompts([[/^Revoke credential /, 'Revoke']]);
    const result = await runCommand<RevokeCredentialsResult>(a, prompts, 'saKubeconfig.revokeCredential', node);
    prompts.assertDone();
    assert.match(prompts.details[0], /within about 10 seconds/);
    assert.match(prompts.details[0], /other credentials keep working/);
    assert.deepEqual(
      result.revoked.map((c) => c.jti),
      [jtiA],
      'exactly that credential was revoked',
    );
    assert.ok(
      prompts.messages.some((m) => /within about 10 seconds/.test(m) && !/at once|immediately/.test(m)),
      prompts.messages.join(' | '),
    );
    const seconds = await secondsUntilUnauthorized(files.a, 15);
    console.log(`      revoked credential rejected after ${seconds.toFixed(1)} s`);
    assert.ok(seconds <= 15, 'the revoked kubeconfig gets 401 within 15 s');
    assert.equal(
      kubectlOkSync(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: files.b }),
      `system:serviceaccount:${ns}:${sa}`,
    );
    assert.ok(credentialIdOf(files.b), 'the other credential still authenticates');
    const left = await credentialNodes();
    assert.ok(!left.some((n) => n.credential.jti === jtiA), 'the revoked credential is gone from the tree');
    assert.ok(left.some((n) => n.credential.jti === credentialIdOf(files.b)));
  });

  it('a credential note holding Markdown shows literally in its tooltip', async () => {
    const { marked } = await import('marked');
    const jtiB = credentialIdOf(files.b)!;
    const secret = (await credentialNodes()).find((n) => n.credential.jti === jtiB)!.credential.secretName!;
    const note = '*deploy* [click](command:saKubeconfig.deleteServiceAccount) <img src=x>';
    kubectlOkSync(['-n', ns, 'annotate', 'secret', secret, `sa-kubeconfig.io/note=${note}`]);
    const node = (await credentialNodes()).find((n) => n.credential.jti === jtiB)!;
    const tooltip = node.getTreeItem().tooltip as vscode.MarkdownString;
    assert.ok(!tooltip.isTrusted && !tooltip.supportHtml);
    const html = marked.parse(tooltip.value, { async: false });
    assert.doesNotMatch(html, /<(a|em|img)\b/, html);
    assert.ok(html.includes('*deploy* [click](command:saKubeconfig.deleteServiceAccount) &lt;img src=x&gt;'), html);
    assert.ok(
      String(node.getTreeItem().description).startsWith(note),
      'the note leads the description (plain text there)',
    );
  });

  it('Rotate on a credential: the new kubeconfig works first, then the old one gets 401 within 15 s', async () => {
    const a = await api();
    const jtiB = credentialIdOf(files.b)!;
    const node = (await credentialNodes()).find((n) => n.credential.jti === jtiB);
    assert.ok(node);
    const prompts = new ScriptedPrompts([
      [/^Rotate the /, 'Rotate'],
      [/Lifetime of the new token/, 3600],
    ]);
    await runCommand(a, prompts, 'saKubeconfig.rotateToken', node);
    const fresh = join(scratch, 'rotated.kubeconfig');
    writeFileSync(fresh, vscode.window.activeTextEditor!.document.getText(), { mode: 0o600 });
    const jtiC = credentialIdOf(fresh);
    assert.ok(jtiC && jtiC !== jtiB, 'the rotated kubeconfig works with a new credential');
    assert.ok((await secondsUntilUnauthorized(files.b, 15)) <= 15, 'the old credential gets 401 within 15 s');
    assert.equal(kubectlSync(['auth', 'whoami'], { kubeconfig: fresh }).code, 0);
    const nodes = await credentialNodes();
    assert.deepEqual(
      nodes.map((n) => n.credential.jti),
      [jtiC],
      'only the new credential is left',
    );
  });

  it('Revoke Credentials… → All on the service account: every credential of it gets 401 within 15 s', async () => {
    const a = await api();
    const fresh = join(scratch, 'rotated.kubeconfig');
    const another = await generate('d');
    assert.ok(credentialIdOf(fresh) && credentialIdOf(another), 'two working credentials before');
    const prompts = new ScriptedPrompts([
      [
        /^Revoke credentials of /,
        (items: { label: string; value: unknown }[]) => items.find((i) => i.label === 'All')!.value,
      ],
      [/^Revoke every credential/, 'Revoke All'],
    ]);
    const node = await saNode();
    const result = await runCommand<RevokeCredentialsResult>(a, prompts, 'saKubeconfig.revokeCredentials', node);
    prompts.assertDone();
    assert.equal(result.revoked.length, 2);
    assert.match(prompts.details.join(' '), /within about 10 seconds/);
    for (const file of [fresh, another])
      assert.ok((await secondsUntilUnauthorized(file, 15)) <= 15, `${file} gets 401 within 15 s`);
    assert.deepEqual(await credentialNodes(), [], 'no credential is left in the tree');
  });
});
