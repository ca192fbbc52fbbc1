// Each command's effect on the real cluster and on the editor: Quick create (scripted QuickInput answers), the
// read-only in-memory kubeconfig tab, Save as… (0600, git warning), VS Code's own Save As (0600), Merge, Test
// connection, Generate,
// Check access, Copy token, Select context.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as yaml from 'js-yaml';
import * as vscode from 'vscode';

import type { ProvisionOutcome } from '../../src/commands/support/provisioning';
import type { MergeFileResult } from '../../src/core/kubeconfig/merge';
import type { VerificationReport } from '../../src/core/verify/verify';
import { KUBECONFIG_SCHEME } from '../../src/editor/kubeconfigDocuments';
import { REPORT_SCHEME } from '../../src/editor/reports';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import {
  adminContext,
  api,
  childByLabel,
  children,
  contextValue,
  haveCluster,
  label,
  runCommand,
  ScriptedPrompts,
  uniqueName,
} from './support/harness';

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

interface Kubeconfig {
  'current-context': string;
  contexts: { name: string; context: { namespace?: string; user: string; cluster: string } }[];
  users: { name: string; user: { token?: string } }[];
}

describe('Commands (real cluster, real editor)', function () {
  this.timeout(120_000);
  const ns = uniqueName('sak-cmd');
  const sa = `${ns}-sa`;
  let kubeconfigDoc: vscode.TextDocument | undefined;
  /** sha256 of the kubeconfig Quick create generated. */
  let generatedSha = '';
  const scratch = mkdtempSync(join(tmpdir(), 'sak-cmd-'));

  before(function () {
    if (!haveCluster()) this.skip();
    kubectlOkSync(['create', 'namespace', ns]);
  });

  after(() => {
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', ns, '--wait=false']);
  });

  it(
    'Quick create, from a namespace node: creates the service account and RBAC, ' +
      'opens the kubeconfig in a read-only in-memory YAML tab',
    async () => {
      const a = await api();
      a.deps.tree.refresh();
      const namespace = await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns);
      const prompts = new ScriptedPrompts([
        [/service account/, sa],
        [
          /permissions/,
          (items: { label: string; value: unknown }[]) => items.find((i) => i.label === 'Exec into pods')!.value,
        ],
        [/token lifetime/, 3600],
      ]);
      const outcome = await runCommand<ProvisionOutcome>(a, prompts, 'saKubeconfig.quickCreate', namespace);
      prompts.assertDone();
      assert.ok(outcome.result.verification?.ok, 'core verified the new kubeconfig');

      // What is in the cluster now, seen by kubectl.
      const saJson = JSON.parse(kubectlOkSync(['-n', ns, 'get', 'serviceaccount', sa, '-o', 'json']));
      assert.equal(saJson.metadata.labels['app.kubernetes.io/managed-by'], 'sa-kubeconfig');
      assert.ok(kubectlOkSync(['-n', ns, 'get', 'rolebindings', '-o', 'name']).includes(`sa-kubeconfig:${ns}:${sa}`));
      assert.equal(
        kubectlOkSync([
          'auth',
          'can-i',
          'create',
          'pods/exec',
          '-n',
          ns,
          `--as=system:serviceaccount:${ns}:${sa}`,
        ]).trim(),
        'yes',
      );

      // The editor tab.
      const editor = vscode.window.activeTextEditor;
      assert.ok(editor, 'a tab is active');
      kubeconfigDoc = editor.document;
      assert.equal(
        kubeconfigDoc.uri.scheme,
        KUBECONFIG_SCHEME,
        'nothing is written to disk: the text is served from memory',
      );
      assert.equal(kubeconfigDoc.isUntitled, false, 'not an untitled document, which hot exit would back up');
      assert.equal(kubeconfigDoc.isDirty, false);
      assert.equal(kubeconfigDoc.languageId, 'yaml');
      const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
      assert.equal(tab?.label, `kubeconfig for ${ns}\u2215${sa}`, 'the tab is titled "kubeconfig for <ns>/<sa>"');
      const text = kubeconfigDoc.getText();
      generatedSha = sha256(text);
      // Another extension's edit changes the editor's copy, but never makes it dirty (nothing for hot exit to back
      // up), and Save as…, Merge and Test connection use the generated text (Save as… below compares the hash).
      const edit = new vscode.WorkspaceEdit();
      edit.insert(kubeconfigDoc.uri, new vscode.Position(0, 0), 'x');
      await vscode.workspace.applyEdit(edit);
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(kubeconfigDoc.isDirty, false, 'an edit by an extension does not make it dirty');
      assert.equal(
        sha256(a.deps.documents.textOf(kubeconfigDoc)),
        sha256(text),
        'the generated text is what the actions use',
      );
      // The file system behind it is read-only: a write is refused (the e2e test types into the tab: nothing changes).
      await assert.rejects(
        Promise.resolve(vscode.workspace.fs.writeFile(kubeconfigDoc.uri, new TextEncoder().encode('x'))),
        /NoPermissions|read-?only/i,
      );
      // The header names the credential.
      assert.match(text, new RegExp(`^# kubeconfig for ${ns}/${sa} \\(sa-kubeconfig\\)\n# Generated by sa-kubeconfig`));
      assert.match(text, new RegExp(`# Service account: ${ns}/${sa}`));
      assert.match(text, /# Rules: pods:/);
      assert.match(text, /# Token expires: /);
      const config = yaml.load(text) as Kubeconfig;
      const current = config.contexts.find((c) => c.name === config['current-context']);
      assert.equal(current?.context.namespace, ns, 'the kubeconfig has a context for the namespace');
      // The token in the tab works: kubectl with the tab's content lists pods and may not list secrets.
      const file = join(scratch, 'from-tab.kubeconfig');
      writeFileSync(file, text, { mode: 0o600 });
      assert.equal(kubectlSync(['get', 'pods'], { kubeconfig: file }).code, 0);
      assert.notEqual(kubectlSync(['get', 'secrets'], { kubeconfig: file }).code, 0);
      // Its expiry is remembered; the token is not.
      const remembered = JSON.stringify(a.deps.tokens.all());
      assert.ok(remembered.includes(sa));
      assert.ok(!remembered.includes(config.users[0].user.token!), 'the token is not stored');
    },
  );

  it('shows the new service account in the tree, marked as managed, with its token', async () => {
    const a = await api();
    const namespace = await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns);
    const node = await childByLabel(a, namespace, sa);
    assert.equal(contextValue(node), 'serviceAccount+managed+hasToken');
    const kids = await children(a, node);
    assert.ok(kids.some((k) => contextValue(k).startsWith('binding+managed')));
    assert.ok(
      kids.some((k) => contextValue(k) === 'credential+bound+active+revocable+managed'),
      'the issued credential shows, bound to a Secret of its own',
    );
  });

  it('Save as… writes a 0600 file (the save dialog answered by the test) and replaces the in-memory tab', async () => {
    const a = await api();
    assert.ok(kubeconfigDoc);
    const virtual = kubeconfigDoc.uri;
    assert.ok(a.deps.documents.holds(virtual));
    const target = vscode.Uri.file(join(scratch, 'saved.kubeconfig'));
    const prompts = new ScriptedPrompts([[/save dialog/, target]]);
    const written = await runCommand<string>(a, prompts, 'saKubeconfig.saveKubeconfigAs', kubeconfigDoc!.uri);
    const suggested = `${adminContext()}-${sa}.kubeconfig`.replace(/[^A-Za-z0-9._-]+/g, '_');
    assert.ok(
      prompts.asked[0].endsWith(`${suggested})`),
      `suggests <context>-<serviceaccount>.kubeconfig: ${prompts.asked[0]}`,
    );
    assert.equal(written, target.fsPath);
    assert.equal(statSync(written).mode & 0o777, 0o600);
    // Compared by hash: a failing assertion must not print the token.
    assert.equal(sha256(readFileSync(written, 'utf8')), generatedSha, 'the file holds the generated kubeconfig');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, written);
    // The in-memory tab is closed and its text (the token) dropped.
    assert.equal(a.deps.documents.holds(virtual), false);
    assert.ok(
      !vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === virtual.toString()),
    );
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(virtual)), /FileNotFound|EntryNotFound/);
    kubeconfigDoc = vscode.window.activeTextEditor!.document;
  });

  it('closing the kubeconfig tab drops its text from memory', async () => {
    const a = await api();
    const text = '# kubeconfig (close test)\napiVersion: v1\nkind: Config\nclusters: []\nusers: []\ncontexts: []\n';
    const editor = await a.deps.documents.open(text, {
      sourceContext: 'x',
      namespace: ns,
      serviceAccount: 'closing',
      suggestedFileName: 'x.kubeconfig',
    });
    const uri = editor.document.uri;
    assert.equal(new TextDecoder().decode(await vscode.workspace.fs.readFile(uri)), text);
    const held = a.deps.documents.inMemory;
    await vscode.commands.executeCommand('workbench.action.closeActiveEditor');
    for (let i = 0; i < 50 && a.deps.documents.holds(uri); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(a.deps.documents.holds(uri), false, 'the text is dropped when its tab closes');
    assert.equal(a.deps.documents.inMemory, held - 1);
    await assert.rejects(Promise.resolve(vscode.workspace.fs.readFile(uri)), /FileNotFound|EntryNotFound/);
  });

  it('Save as… into a git work tree warns when the file is not ignored', async () => {
    const a = await api();
    const repo = mkdtempSync(join(tmpdir(), 'sak-repo-'));
    execFileSync('git', ['init', '-q', repo]);
    const prompts = new ScriptedPrompts([
      [/save dialog/, vscode.Uri.file(join(repo, 'ci.kubeconfig'))],
      [/inside the git repository .* not ignored/, 'Add to .gitignore and Save'],
    ]);
    const written = await runCommand<string>(a, prompts, 'saKubeconfig.saveKubeconfigAs', kubeconfigDoc!.uri);
    prompts.assertDone();
    assert.equal(statSync(written).mode & 0o777, 0o600);
    assert.match(readFileSync(join(repo, '.gitignore'), 'utf8'), /^\/ci\.kubeconfig$/m);
    assert.equal(
      execFileSync('git', ['-C', repo, 'check-ignore', 'ci.kubeconfig'], { encoding: 'utf8' }).trim(),
      'ci.kubeconfig',
    );
  });

  it("VS Code's own Save As of a generated kubeconfig also ends in a 0600 file", async () => {
    const a = await api();
    const text =
      '# Generated by sa-kubeconfig (plain save test)\napiVersion: v1\nkind: Config\nclusters: ' +
      '[]\nusers: []\ncontexts: []\n';
    await a.deps.documents.open(text, {
      sourceContext: 'x',
      namespace: ns,
      serviceAccount: sa,
      suggestedFileName: 'x.kubeconfig',
    });
    // What VS Code's File > Save As does: it writes a file (with the default mode) and opens it.
    const file = join(scratch, 'plain-save.kubeconfig');
    writeFileSync(file, '', { mode: 0o644 });
    const doc = await vscode.workspace.openTextDocument(file);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(doc.uri, new vscode.Position(0, 0), text);
    await vscode.workspace.applyEdit(edit);
    assert.ok(await doc.save());
    for (let i = 0; i < 50 && (statSync(file).mode & 0o777) !== 0o600; i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.equal(statSync(file).mode & 0o777, 0o600);
  });

  it('Merge into my kubeconfig… adds the new entries after showing them, keeps a backup, writes 0600', async () => {
    const a = await api();
    const target = join(scratch, 'my-kubeconfig');
    copyFileSync(process.env.SAK_ADMIN_KUBECONFIG!, target);
    const before = yaml.load(readFileSync(target, 'utf8')) as Kubeconfig;
    const prompts = new ScriptedPrompts([
      [/Current context after the merge/, false],
      [/Merge into/, 'Merge'],
    ]);
    const result = await runCommand<MergeFileResult>(
      a,
      prompts,
      'saKubeconfig.mergeKubeconfig',
      kubeconfigDoc!.uri,
      target,
    );
    prompts.assertDone();
    const name = `${adminContext()}-${sa}`;
    const shown = prompts.details.join('\n');
    assert.match(shown, new RegExp(`add context ${name}`));
    assert.match(shown, new RegExp(`add user ${name}`));
    const after = yaml.load(readFileSync(target, 'utf8')) as Kubeconfig;
    assert.equal(after['current-context'], before['current-context'], 'the current context is kept');
    assert.ok(after.contexts.some((c) => c.name === name && c.context.namespace === ns));
    assert.equal(after.contexts.length, before.contexts.length + 1);
    assert.equal(statSync(target).mode & 0o777, 0o600);
    assert.ok(result.backupPath && existsSync(result.backupPath));
    // kubectl can use the merged context.
    assert.equal(kubectlSync(['--context', name, 'get', 'pods'], { kubeconfig: target }).code, 0);
    assert.ok(readdirSync(scratch).some((f) => f.startsWith('my-kubeconfig.bak-')));
  });

  it('Test connection verifies the kubeconfig with its own token', async () => {
    const a = await api();
    const prompts = new ScriptedPrompts([]);
    const report = await runCommand<VerificationReport>(a, prompts, 'saKubeconfig.testConnection', kubeconfigDoc!.uri);
    assert.equal(report.ok, true);
    assert.equal(report.whoami?.username, `system:serviceaccount:${ns}:${sa}`);
    assert.ok(report.checks.some((c) => c.expected === 'denied' && c.resource === 'secrets' && c.ok));
    const md = vscode.workspace.textDocuments.find(
      (d) => d.uri.scheme === REPORT_SCHEME && /^# Test connection/.test(d.getText()),
    );
    assert.ok(md, 'the report opens (rendered) beside the kubeconfig');
    assert.equal(md.isDirty, false, 'read-only: nothing to save');
    assert.match(md.getText(), /Result: OK/);
  });

  it('Generate kubeconfig for this service account: a fresh token in a new tab, nothing changed in RBAC', async () => {
    const a = await api();
    const rbacBefore = kubectlOkSync(['-n', ns, 'get', 'roles,rolebindings', '-o', 'name']);
    const node = await childByLabel(a, await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns), sa);
    const prompts = new ScriptedPrompts([[/Token lifetime/, 3600]]);
    await runCommand(a, prompts, 'saKubeconfig.generateKubeconfig', node);
    const doc = vscode.window.activeTextEditor!.document;
    assert.equal(doc.uri.scheme, KUBECONFIG_SCHEME);
    const file = join(scratch, 'generated.kubeconfig');
    writeFileSync(file, doc.getText(), { mode: 0o600 });
    assert.equal(
      kubectlOkSync(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: file }),
      `system:serviceaccount:${ns}:${sa}`,
    );
    assert.equal(kubectlOkSync(['-n', ns, 'get', 'roles,rolebindings', '-o', 'name']), rbacBefore);
  });

  it('Check access shows what the service account may do', async () => {
    const a = await api();
    const report = (await a.commands['saKubeconfig.checkAccess'](a.deps, {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    })) as VerificationReport;
    const rules = report.rulesByNamespace[ns];
    assert.ok(
      rules.some((r) => r.resources.includes('pods/exec') && r.verbs.includes('create')),
      JSON.stringify(rules),
    );
    const md = vscode.workspace.textDocuments.find(
      (d) => d.uri.scheme === REPORT_SCHEME && /Access of/.test(d.getText()),
    );
    assert.ok(md);
    assert.match(md.getText(), /\| `pods` \| ✓ \| ✓ \| ✓ \| ✓ \|/);
  });

  it('Copy token puts a working token on the clipboard after a warning', async () => {
    const a = await api();
    const prompts = new ScriptedPrompts([
      [/Copy a token/, 'Copy Token'],
      [/Lifetime/, 3600],
    ]);
    const copied = await runCommand<boolean>(a, prompts, 'saKubeconfig.copyToken', {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    });
    assert.equal(copied, true);
    const token = await vscode.env.clipboard.readText();
    assert.match(token, /^eyJ/);
    assert.equal(
      kubectlOkSync([
        '--token',
        token,
        '--kubeconfig',
        '/dev/null',
        '--server',
        process.env.SAK_API_SERVER!,
        '--insecure-skip-tls-verify',
        'auth',
        'whoami',
        '-o',
        'jsonpath={.status.userInfo.username}',
      ]),
      `system:serviceaccount:${ns}:${sa}`,
    );
    await vscode.env.clipboard.writeText('');
  });

  it('Copy token does nothing when the warning is dismissed', async () => {
    const a = await api();
    await vscode.env.clipboard.writeText('unchanged');
    const prompts = new ScriptedPrompts([[/Copy a token/, undefined]]);
    const copied = await runCommand<boolean>(a, prompts, 'saKubeconfig.copyToken', {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    });
    assert.equal(copied, false);
    assert.equal(await vscode.env.clipboard.readText(), 'unchanged');
  });

  it('Show YAML lists what sa-kubeconfig made, without Secret data', async () => {
    const a = await api();
    const doc = (await a.commands['saKubeconfig.showYaml'](a.deps, {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    })) as vscode.TextDocument;
    const text = doc.getText();
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'Secret'])
      assert.match(text, new RegExp(`^kind: ${kind}$`, 'm'));
    assert.doesNotMatch(text, /^data:/m);
    assert.doesNotMatch(text, /managedFields/);
  });

  it('New token… issues a kubeconfig with a fresh time-bound token', async () => {
    const a = await api();
    const prompts = new ScriptedPrompts([[/Token lifetime/, 3600]]);
    await runCommand(a, prompts, 'saKubeconfig.newToken', {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    });
    const file = join(scratch, 'new-token.kubeconfig');
    writeFileSync(file, vscode.window.activeTextEditor!.document.getText(), { mode: 0o600 });
    assert.equal(kubectlSync(['get', 'pods'], { kubeconfig: file }).code, 0);
  });

  it(
    'Rotate token makes the token-binding Secret again: ' + 'the old kubeconfig stops working, the new one works',
    async () => {
      const a = await api();
      const old = join(scratch, 'saved.kubeconfig');
      assert.equal(
        kubectlSync(['get', 'pods'], { kubeconfig: old }).code,
        0,
        'the Quick create kubeconfig works before',
      );
      const node = await childByLabel(
        a,
        await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns),
        sa,
      );
      const prompts = new ScriptedPrompts([
        [/^Rotate the /, 'Rotate'],
        [/Lifetime of the new token/, 3600],
      ]);
      await runCommand(a, prompts, 'saKubeconfig.rotateToken', node);
      const fresh = join(scratch, 'rotated.kubeconfig');
      writeFileSync(fresh, vscode.window.activeTextEditor!.document.getText(), { mode: 0o600 });
      assert.equal(kubectlSync(['get', 'pods'], { kubeconfig: fresh }).code, 0, 'the rotated kubeconfig works');
      let oldWorks = true;
      for (let i = 0; i < 30 && oldWorks; i++) {
        oldWorks = kubectlSync(['get', 'pods'], { kubeconfig: old }).code === 0;
        if (oldWorks) await new Promise((r) => setTimeout(r, 500));
      }
      assert.equal(oldWorks, false, 'the old token was revoked with its binding Secret');
    },
  );

  it("Revoke Credential on the rotated credential's node: the token gets 401", async () => {
    const a = await api();
    const fresh = join(scratch, 'rotated.kubeconfig');
    const saNode = await childByLabel(
      a,
      await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns),
      sa,
    );
    const credentialNodes = (await children(a, saNode)).filter(
      (k) => contextValue(k) === 'credential+bound+active+revocable+managed',
    );
    assert.ok(credentialNodes.length > 0, 'bound credentials are listed under the service account');
    for (const node of credentialNodes) {
      const prompts = new ScriptedPrompts([[/^Revoke credential/, 'Revoke']]);
      await runCommand(a, prompts, 'saKubeconfig.revokeCredential', node);
      prompts.assertDone();
    }
    let works = true;
    for (let i = 0; i < 30 && works; i++) {
      works = kubectlSync(['get', 'pods'], { kubeconfig: fresh }).code === 0;
      if (works) await new Promise((r) => setTimeout(r, 500));
    }
    assert.equal(works, false);
    assert.match(kubectlSync(['get', 'pods'], { kubeconfig: fresh }).stderr, /Unauthorized|must be logged in/);
  });

  it('Select context changes the context palette commands use, not the kubeconfig', async () => {
    const a = await api();
    const before = kubectlOkSync(['config', 'current-context']).trim();
    const prompts = new ScriptedPrompts([[/Select context/, before]]);
    assert.equal(await runCommand<string>(a, prompts, 'saKubeconfig.selectContext'), before);
    assert.equal(a.deps.tree.selectedContext(), before);
    assert.equal(kubectlOkSync(['config', 'current-context']).trim(), before);
    const roots = await children(a);
    assert.ok(roots.some((n) => label(n) === before && /\+selected/.test(contextValue(n))));
  });

  it('Delete service account and what we made: lists it first, then deletes exactly that', async () => {
    const a = await api();
    kubectlOkSync(['-n', ns, 'create', 'serviceaccount', 'not-ours']);
    const prompts = new ScriptedPrompts([[/^Delete .* and what sa-kubeconfig made/, 'Delete']]);
    await runCommand(a, prompts, 'saKubeconfig.deleteServiceAccount', {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    });
    assert.match(prompts.details[0], new RegExp(`ServiceAccount ${ns}/${sa}|serviceaccount`, 'i'));
    assert.notEqual(kubectlSync(['-n', ns, 'get', 'serviceaccount', sa]).code, 0, 'the service account is gone');
    assert.equal(
      kubectlOkSync([
        '-n',
        ns,
        'get',
        'roles,rolebindings',
        '-l',
        'app.kubernetes.io/managed-by=sa-kubeconfig',
        '-o',
        'name',
      ]).trim(),
      '',
    );
    assert.equal(
      kubectlSync(['-n', ns, 'get', 'serviceaccount', 'not-ours']).code,
      0,
      'what we did not make is left alone',
    );
    assert.equal(kubectlSync(['get', 'namespace', ns]).code, 0, 'the namespace (not ours) is left alone');
  });
});
