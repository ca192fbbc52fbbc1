// Show Usage and Shrink to Observed Use in the extension host, against the real cluster: a service account made by
// Quick create ("Exec into pods"), a kubeconfig generated for it (a bound token whose jti the tree's credential node
// knows), and an audit log of its requests written in kube-apiserver's event format (test/support/auditEvents.ts):
// list pods with that credential, list pods with another credential, list secrets denied.
//  - Show Usage on the service account: a read-only report document (our scheme, never dirty) with the denied
//    request apart; the chosen log is remembered for the workspace.
//  - Show Usage on the credential node: only that credential's requests.
//  - Shrink to Observed Use: after the confirmation, kubectl finds list pods allowed and the unused rules (pods/exec,
//    create pods) and the denied secrets denied.
import * as assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';

import type { ShrinkOutcome } from '../../src/commands/shrinkToObservedUse';
import { REMEMBERED_AUDIT_LOGS } from '../../src/commands/support/auditQuery';
import type { UsageReport } from '../../src/core/audit/usage';
import type { Credential } from '../../src/core/credentials/model';
import { REPORT_SCHEME } from '../../src/editor/reportDocuments';
import type { TreeNode } from '../../src/tree/nodes';
import { auditLine } from '../support/auditEvents';
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

describe('Show Usage and Shrink to Observed Use (real cluster, audit log file)', function () {
  this.timeout(180_000);
  const ns = uniqueName('sak-usage');
  const sa = 'ci';
  const scratch = mkdtempSync(join(tmpdir(), 'sak-usage-'));
  const log = join(scratch, 'audit.log');
  let jti = '';
  const user = () => `system:serviceaccount:${ns}:${sa}`;
  const canI = (verb: string, resource: string) =>
    kubectlSync(['auth', 'can-i', verb, resource, '-n', ns, `--as=${user()}`]).stdout.trim();
  const target = () => ({ context: adminContext(), namespace: ns, serviceAccount: sa });
  const saNode = async (): Promise<TreeNode> => {
    const a = await api();
    return childByLabel(a, await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns), sa);
  };
  const reportText = (title: 'Usage' | 'Shrink') => {
    const doc = vscode.workspace.textDocuments.find(
      (d) => d.uri.scheme === REPORT_SCHEME && d.uri.path.startsWith(`/${title} `) && d.uri.path.includes(ns),
    );
    assert.ok(doc, 'a report document is open');
    assert.equal(doc.isDirty, false);
    return doc.getText();
  };

  before(async function () {
    if (!haveCluster()) this.skip();
    kubectlOkSync(['create', 'namespace', ns]);
    const a = await api();
    a.deps.tree.refresh();
    const namespace = await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns);
    const create = new ScriptedPrompts([
      [/service account/, sa],
      [
        /permissions/,
        (items: { label: string; value: unknown }[]) => items.find((i) => i.label === 'Exec into pods')!.value,
      ],
      [/token lifetime/, 3600],
    ]);
    await runCommand(a, create, 'saKubeconfig.quickCreate', namespace);
    a.deps.tree.refreshServiceAccount(adminContext(), ns);
    const credential = (await children(a, await saNode()))
      .filter((k) => contextValue(k).startsWith('credential+'))
      .map((k) => (k as unknown as { credential: Credential }).credential)
      .find((c) => c.jti);
    assert.ok(credential?.jti, 'the credential node knows its jti');
    jti = credential.jti;
    writeFileSync(
      log,
      [
        auditLine({ user: user(), verb: 'list', namespace: ns, jti, time: '2026-12-01T10:00:00Z' }),
        auditLine({ user: user(), verb: 'get', namespace: ns, name: 'web-1', jti, time: '2026-12-01T10:01:00Z' }),
        auditLine({
          user: user(),
          verb: 'list',
          namespace: ns,
          jti: 'another-credential-0000',
          time: '2026-12-01T10:02:00Z',
        }),
        auditLine({
          user: user(),
          verb: 'list',
          resource: 'secrets',
          namespace: ns,
          code: 403,
          jti,
          time: '2026-12-01T10:03:00Z',
        }),
        auditLine({ user: 'system:serviceaccount:other:x', verb: 'delete', namespace: 'other' }),
        '',
      ].join('\n'),
    );
  });

  after(() => {
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', ns, '--wait=false']);
  });

  it('Show Usage on the service account: a read-only report, denied apart; the log is remembered', async () => {
    const a = await api();
    // The file dialog is VS Code's own: the setting's entry stands in for it; the choice is then remembered.
    await a.deps.context.workspaceState.update(REMEMBERED_AUDIT_LOGS, undefined);
    const config = vscode.workspace.getConfiguration('saKubeconfig');
    await config.update('auditLogPaths', [log], vscode.ConfigurationTarget.Global);
    const prompts = new ScriptedPrompts([
      [
        /Audit log to read/,
        (items: { description?: string; value: unknown }[]) =>
          items.find((i) => i.description === 'saKubeconfig.auditLogPaths')?.value,
      ],
      [/Time window/, 'All of the log'],
    ]);
    const report = await runCommand<UsageReport>(a, prompts, 'saKubeconfig.showUsage', target());
    await config.update('auditLogPaths', undefined, vscode.ConfigurationTarget.Global);
    prompts.assertDone();
    assert.equal(report.coverage.matched, 4);
    assert.deepEqual(a.deps.context.workspaceState.get(REMEMBERED_AUDIT_LOGS), [log]);
    const text = reportText('Usage');
    assert.match(text, /## Allowed: 3 request\(s\) in 2 group\(s\)/);
    assert.match(text, /## Denied: 1 request\(s\) in 1 group\(s\)/);
    assert.match(text.slice(text.indexOf('## Denied')), /\| 1 \| list \| secrets \|/);
    assert.match(text, /less than 24 h/);
  });

  it('Show Usage on a credential node: only that credential’s requests', async () => {
    const a = await api();
    const node = (await children(a, await saNode())).find(
      (k) => (k as unknown as { credential?: Credential }).credential?.jti === jti,
    );
    assert.ok(node, 'the credential node');
    const prompts = new ScriptedPrompts([
      [/Audit log to read/, [log]],
      [/Time window/, 'All of the log'],
    ]);
    const report = await runCommand<UsageReport>(a, prompts, 'saKubeconfig.showUsage', node);
    assert.equal(report.coverage.matched, 3);
    assert.equal(report.coverage.otherCredential, 1);
    assert.equal(report.credential, jti);
  });

  it('Shrink to Observed Use: confirmed, applied; kubectl finds the unused rules gone', async () => {
    assert.equal(canI('create', 'pods/exec'), 'yes');
    const a = await api();
    const prompts = new ScriptedPrompts([
      [/Audit log to read/, [log]],
      [/Time window/, 'All of the log'],
      [/Restrict rules to object names/, false],
      [/Shrink .* to its observed use\?/, 'Shrink'],
    ]);
    const outcome = await runCommand<ShrinkOutcome>(a, prompts, 'saKubeconfig.shrinkToObservedUse', target());
    prompts.assertDone();
    assert.match(prompts.details[0] ?? '', /drop pods\/exec:create,get/);
    assert.ok(outcome.result?.ok, 'the checks as the account passed');
    // The open report document follows the provider's change event (a round trip to the workbench).
    for (let i = 0; i < 50 && !reportText('Shrink').includes('**Applied:**'); i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.match(reportText('Shrink'), /\*\*Applied:\*\*/);
    assert.equal(canI('list', 'pods'), 'yes');
    assert.equal(canI('get', 'pods'), 'yes');
    assert.equal(canI('create', 'pods/exec'), 'no');
    assert.equal(canI('create', 'pods'), 'no');
    assert.equal(canI('list', 'secrets'), 'no');
  });
});
