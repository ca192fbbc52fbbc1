// Issue 15 in the real editor against the real cluster (kubectl judges): Quick Create for a user without rights on
// Secrets (the unbound alternative, offered before any question), numbered steps with Back and a draft kept on
// Escape, the verified notification with Save As, one-sentence error toasts with Show Details (rendered, read-only)
// and Retry only where it helps, rendered reports, Test Connection on a rotated token and the "(revoked)" tab, Rotate's
// confirmation for the one credential clicked, and the default lifetime setting.
import * as assert from 'node:assert/strict';
import { existsSync, mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';

import type { ProvisionOutcome } from '../../src/commands/support/provisioning';
import type { VerificationReport } from '../../src/core/verify/verify';
import { KUBECONFIG_SCHEME } from '../../src/editor/kubeconfigDocuments';
import type { SaKubeconfigApi } from '../../src/extension';
import { kubectlOkSync, kubectlSync } from '../support/kubectl';
import {
  adminContext,
  api,
  BACK,
  haveCluster,
  runCommand,
  ScriptedPrompts,
  uniqueName,
  withPrompts,
} from './support/harness';

/** src/editor/reports.ts's REPORT_SCHEME, spelled out so that this file also builds against the code before it. */
const REPORT_SCHEME = 'sa-kubeconfig-report';
const RESTRICTED = process.env.SAK_RESTRICTED_KUBECONFIG ?? '';
const RESTRICTED_CONTEXT = 'restricted@local';
const RESTRICTED_NS = 'restricted-ns';

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, seconds = 20): Promise<T> {
  for (let i = 0; i < seconds * 4; i++) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    await new Promise((r) => setTimeout(r, 250));
  }
  assert.fail(`timed out waiting for ${what}`);
}

/** The Markdown preview tab of a report, and the read-only document behind it. */
function reportShown(pattern: RegExp): vscode.TextDocument | undefined {
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.scheme === REPORT_SCHEME && pattern.test(d.getText()));
  const preview = vscode.window.tabGroups.all
    .flatMap((g) => g.tabs)
    .some((t) => t.input instanceof vscode.TabInputWebview && /markdown\.preview/.test(t.input.viewType));
  return doc && preview ? doc : undefined;
}

/** Runs fn with a kubeconfig file of the test's choosing as the one the extension reads. */
async function withKubeconfig<T>(a: SaKubeconfigApi, file: string, fn: () => Promise<T>): Promise<T> {
  // Microsoft's Kubernetes extension (installed for this suite) sets the path back to its own kubeconfig when it
  // reports a change: pin ours for the duration of the test.
  const pin = a.deps.location.onDidChange(() => {
    if (a.deps.location.path !== file) a.deps.location.setOverride(file);
  });
  a.deps.location.setOverride(file);
  // The tree reloads on the change and drops every pooled connection; let that happen before the command connects
  // (otherwise its first request may be cut off: ECONNRESET).
  await new Promise((r) => setTimeout(r, 1500));
  try {
    return await fn();
  } finally {
    pin.dispose();
    a.deps.location.setOverride(undefined);
  }
}

describe('Quick Create and its messages (issue 15)', function () {
  this.timeout(120_000);
  const ns = uniqueName('sak-uxq');
  const scratch = mkdtempSync(join(tmpdir(), 'sak-uxq-'));
  const clusterRole = `${ns}-sa-reader`;
  /** admin + restricted in one file: two contexts, so Quick Create asks for the context. */
  const both = join(scratch, 'both.kubeconfig');
  let sa = '';

  before(function () {
    if (!haveCluster() || !RESTRICTED) this.skip();
    kubectlOkSync(['create', 'namespace', ns]);
    // A ClusterRole the restricted user holds every rule of in restricted-ns, so it may bind it there.
    kubectlOkSync(['create', 'clusterrole', clusterRole, '--verb=get,list', '--resource=serviceaccounts']);
    const merged = kubectlOkSync(['config', 'view', '--flatten', '--raw'], {
      kubeconfig: `${process.env.SAK_ADMIN_KUBECONFIG}:${RESTRICTED}`,
    });
    writeFileSync(both, merged, { mode: 0o600 });
  });

  after(() => {
    if (!haveCluster() || !RESTRICTED) return;
    kubectlSync(['delete', 'namespace', ns, '--wait=false']);
    kubectlSync(['delete', 'clusterrole', clusterRole]);
    kubectlSync([
      '-n',
      RESTRICTED_NS,
      'delete',
      'serviceaccount,rolebinding',
      '-l',
      'app.kubernetes.io/managed-by=sa-kubeconfig',
    ]);
  });

  it(
    'without rights on Secrets: says so before the first question, ' +
      'offers a short-lived unbound token, and it works',
    async () => {
      const a = await api();
      const name = uniqueName('uxq-restricted');
      const prompts = new ScriptedPrompts([
        [/may not create secrets/, 'Use a Short-Lived Token'],
        [/service account/, name],
        [/permissions/, 'Another ClusterRole…'],
        [/ClusterRole/, clusterRole],
        [
          /token lifetime/,
          (items: { label: string; value: unknown }[]) => {
            assert.ok(!items.some((i) => /Long-lived/.test(i.label)), 'no long-lived token: it needs a Secret');
            assert.ok(!items.some((i) => i.label === '7 days'), 'no lifetime over 24 hours');
            return 3600;
          },
        ],
      ]);
      const outcome = await withKubeconfig(a, RESTRICTED, () =>
        runCommand<ProvisionOutcome>(a, prompts, 'saKubeconfig.quickCreate', {
          context: RESTRICTED_CONTEXT,
          namespace: RESTRICTED_NS,
        }),
      );
      prompts.assertDone();
      assert.match(prompts.asked[0], /You may not create secrets in namespace "restricted-ns"/, 'asked first');
      assert.match(prompts.details[0], /cannot be revoked before it expires/);
      assert.ok(outcome?.result.verification?.ok, 'verified with its own token');
      assert.equal(outcome.request.token.kind === 'timeBound' && outcome.request.token.unbound, true);
      const file = join(scratch, 'restricted-made.kubeconfig');
      writeFileSync(file, vscode.window.activeTextEditor!.document.getText(), { mode: 0o600 });
      assert.equal(
        kubectlOkSync(['auth', 'whoami', '-o', 'jsonpath={.status.userInfo.username}'], { kubeconfig: file }),
        `system:serviceaccount:${RESTRICTED_NS}:${name}`,
      );
      assert.equal(
        kubectlOkSync(['-n', RESTRICTED_NS, 'get', 'secrets', '-o', 'name']).includes(name),
        false,
        'no Secret was made',
      );
      await until('the closing notification', () =>
        prompts.messages.find((m) => /verified/.test(m) && /cannot be revoked before then/.test(m)),
      );
    },
  );

  it(
    'every step is numbered (the context too), has Back after the first, keeps typed values; ' + 'Escape keeps a draft',
    async () => {
      const a = await api();
      sa = `${ns}-typed`;
      const first = new ScriptedPrompts([
        [/context/, adminContext()],
        [/namespace/, ns],
        [/service account/, sa],
        [/permissions/, BACK],
        [/service account/, BACK],
        [/namespace/, ns],
        [/service account/, sa],
        [/permissions/, 'Read pods and logs'],
        [/token lifetime/, undefined], // Escape on the last step
      ]);
      const cancelled = await withKubeconfig(a, both, () => runCommand(a, first, 'saKubeconfig.quickCreate'));
      first.assertDone();
      assert.equal(cancelled, undefined);
      const q = first.questions;
      assert.deepEqual(
        q.map((x) => `${x.step?.step}/${x.step?.totalSteps}`),
        ['1/5', '2/5', '3/5', '4/5', '3/5', '2/5', '3/5', '4/5', '5/5'],
      );
      assert.deepEqual(
        q.map((x) => Boolean(x.back)),
        [false, true, true, true, true, true, true, true, true],
        'Back on every step but the first',
      );
      assert.equal(q[4].value, sa, 'stepping back keeps the typed name');
      assert.equal(q[5].active, ns, 'and the chosen namespace');
      assert.match(first.messages.join('\n'), /cancelled at step 5 of 5.*answers are kept/s);
      assert.equal(kubectlSync(['-n', ns, 'get', 'serviceaccount', sa]).code, 1, 'nothing was created');

      // The next Quick Create starts from the draft and ends with the verified notification; its Save As works.
      const target = join(scratch, 'from-notification.kubeconfig');
      const second = new ScriptedPrompts([
        [/context/, adminContext()],
        [/namespace/, ns],
        [/service account/, sa],
        [/permissions/, 'Read pods and logs'],
        [/token lifetime/, 3600],
        [/save dialog/, vscode.Uri.file(target)],
      ]);
      second.messageChoice = 'Save As…';
      const outcome = await withKubeconfig(a, both, () =>
        withPrompts(a, second, async () => {
          const o = (await a.commands['saKubeconfig.quickCreate'](a.deps)) as ProvisionOutcome;
          await until('the kubeconfig saved from the notification', () => existsSync(target));
          return o;
        }),
      );
      assert.equal(second.questions[1].active, ns, 'the draft namespace is highlighted');
      assert.equal(second.questions[2].value, sa, 'the draft name is prefilled');
      assert.deepEqual(second.questions[3].active, { presetId: 'read-pods-logs' });
      const done = second.messages.find((m) => /^Created /.test(m));
      assert.match(done ?? '', /verified its kubeconfig with its own token \(\d+ of \d+ checks passed\).*expires/);
      assert.deepEqual(second.messageActions[second.messages.indexOf(done!)], ['Save As…', 'Merge…']);
      assert.equal(statSync(target).mode & 0o777, 0o600);
      assert.equal(kubectlSync(['auth', 'whoami'], { kubeconfig: target }).code, 0);
      assert.ok(outcome.result.verification?.ok);
    },
  );

  it('a 403: one sentence in the toast, no Retry; Show Details renders the full error read-only', async () => {
    const a = await api();
    const prompts = new ScriptedPrompts([]);
    prompts.errorChoice = 'Show Details';
    await withKubeconfig(a, RESTRICTED, () =>
      withPrompts(a, prompts, async () => {
        await vscode.commands.executeCommand('saKubeconfig.checkAccess', {
          context: RESTRICTED_CONTEXT,
          namespace: 'default',
          serviceAccount: 'default',
        });
        await until('the error notification', () => prompts.errors[0]);
      }),
    );
    const [error] = prompts.errors;
    assert.doesNotMatch(error.message, /\n/, error.message);
    assert.ok(error.message.length <= 250, error.message);
    assert.deepEqual(error.actions, ['Show Details'], 'no Retry for a refusal');
    assert.match(error.message, /create serviceaccounts\/token in namespace "default"/);
    const details = await until('the details', () => reportShown(/^# Check Access failed/));
    assert.match(details.getText(), /## What to do/);
    assert.equal(details.isDirty, false);
    assert.equal(details.isUntitled, false, 'nothing to save');
  });

  it('an unreachable server: the toast offers Retry', async () => {
    const a = await api();
    const file = join(scratch, 'nowhere.kubeconfig');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: nowhere',
        'clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: nobody, user: {token: not-a-real-token}}]',
        'contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody, namespace: x}}]',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    const prompts = new ScriptedPrompts([]);
    await withKubeconfig(a, file, () =>
      withPrompts(a, prompts, async () => {
        await vscode.commands.executeCommand('saKubeconfig.quickCreate', { context: 'nowhere', namespace: 'x' });
        await until('the error notification', () => prompts.errors[0]);
      }),
    );
    assert.deepEqual(prompts.errors[0].actions, ['Show Details', 'Retry']);
    assert.match(prompts.errors[0].message, /^Cannot reach/);
    assert.doesNotMatch(prompts.errors[0].message, /not-a-real-token/);
  });

  it('Check Access renders its report read-only, and the report agrees with itself', async () => {
    const a = await api();
    const report = (await a.commands['saKubeconfig.checkAccess'](a.deps, {
      context: adminContext(),
      namespace: ns,
      serviceAccount: sa,
    })) as VerificationReport;
    assert.ok(report);
    const doc = await until('the rendered report', () => reportShown(new RegExp(`Access of ${ns}/${sa}`)));
    assert.equal(doc.isDirty, false);
    const text = doc.getText();
    assert.doesNotMatch(text, /every check gave the expected answer/);
    if (report.checks.length === 0) assert.match(text, /no permission checks ran/);
    assert.doesNotMatch(text, /may grant reading secrets/, 'the rules listed settle it');
  });

  it(
    'after Rotate, the old tab is marked "(revoked)" and Test Connection on it ' + 'offers New Token / Rotate',
    async () => {
      const a = await api();
      const generate = new ScriptedPrompts([[/Token lifetime/, 3600]]);
      await runCommand(a, generate, 'saKubeconfig.generateKubeconfig', {
        context: adminContext(),
        namespace: ns,
        serviceAccount: sa,
      });
      const old = vscode.window.activeTextEditor!.document;
      assert.equal(old.uri.scheme, KUBECONFIG_SCHEME);
      const oldText = old.getText();
      const prompts = new ScriptedPrompts([
        [/^Rotate the credentials of /, 'Rotate'],
        [/Lifetime of the new token/, 3600],
      ]);
      await withPrompts(a, prompts, () =>
        Promise.resolve(
          a.commands['saKubeconfig.rotateToken'](a.deps, {
            context: adminContext(),
            namespace: ns,
            serviceAccount: sa,
          }),
        ),
      );
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
      const revokedTab = tabs.find((t) => t.label === `kubeconfig for ${ns}\u2215${sa} (revoked)`);
      assert.ok(revokedTab, `a "(revoked)" tab: ${tabs.map((t) => t.label).join(', ')}`);
      const revokedUri = (revokedTab.input as vscode.TabInputText).uri;
      assert.equal(revokedUri.scheme, KUBECONFIG_SCHEME);
      const revoked = vscode.workspace.textDocuments.find((d) => d.uri.toString() === revokedUri.toString())!;
      assert.match(revoked.getText(), /^# REVOKED: sa-kubeconfig rotated this credential/);
      assert.ok(revoked.getText().endsWith(oldText), 'the kubeconfig below the banner is unchanged');
      assert.ok(
        !tabs.some((t) => t.input instanceof vscode.TabInputText && t.input.uri.toString() === old.uri.toString()),
        'the unmarked tab is gone',
      );
      assert.notEqual(
        vscode.window.activeTextEditor?.document.uri.toString(),
        revokedUri.toString(),
        'the new one has focus',
      );

      // The old token stops working within about 10 seconds; Test Connection then says what happened to it.
      const file = join(scratch, 'old.kubeconfig');
      writeFileSync(file, oldText, { mode: 0o600 });
      await until('the old token to get 401', () => kubectlSync(['get', 'pods'], { kubeconfig: file }).code !== 0, 30);
      const test = new ScriptedPrompts([]);
      const result = await runCommand(a, test, 'saKubeconfig.testConnection', revokedUri);
      assert.equal(result, undefined);
      const warning = test.messages.find((m) => /rejected this kubeconfig/.test(m)) ?? '';
      assert.match(warning, new RegExp(`token of service account ${ns}/${sa} was revoked`));
      assert.doesNotMatch(warning, /log in again|provider's login/);
      assert.deepEqual(test.messageActions[test.messages.indexOf(warning)], ['New Token…', 'Rotate…']);
    },
  );

  it(
    "Rotate's confirmation names the credential clicked; " + 'for one that cannot be revoked it says it stays valid',
    async () => {
      const a = await api();
      const expiresAt = new Date(Date.now() + 3600_000).toISOString();
      const unbound = new ScriptedPrompts([[/^Rotate the unbound token abc123 of /, undefined]]);
      await runCommand(a, unbound, 'saKubeconfig.rotateToken', {
        context: adminContext(),
        namespace: ns,
        serviceAccount: sa,
        credentialId: 'abc123',
        credential: { kind: 'unbound', revocable: false, expiresAt },
      });
      unbound.assertDone();
      assert.match(unbound.details[0], /cannot be revoked: it stays valid until/);
      assert.doesNotMatch(unbound.details[0], /get 401/);
      const bound = new ScriptedPrompts([[/^Rotate the time-bound token def456 of /, undefined]]);
      await runCommand(a, bound, 'saKubeconfig.rotateToken', {
        context: adminContext(),
        namespace: ns,
        serviceAccount: sa,
        credentialId: 'def456',
        credential: { kind: 'bound', revocable: true, expiresAt },
      });
      bound.assertDone();
      assert.match(bound.details[0], /this time-bound token is revoked by deleting its Secret def456/);
      assert.doesNotMatch(bound.details[0], /long-lived|legacy/);
    },
  );

  it(
    'one default lifetime: the setting saKubeconfig.defaultTokenLifetime is what the ' + 'lifetime step highlights',
    async () => {
      const a = await api();
      const config = vscode.workspace.getConfiguration('saKubeconfig');
      assert.equal(config.get('defaultTokenLifetime'), '24h', 'the default is 24h, what the wizard used');
      const ask = async () => {
        const prompts = new ScriptedPrompts([[/Token lifetime/, undefined]]);
        await runCommand(a, prompts, 'saKubeconfig.generateKubeconfig', {
          context: adminContext(),
          namespace: ns,
          serviceAccount: sa,
        });
        return prompts.questions[0].active;
      };
      assert.equal(await ask(), 86400);
      await config.update('defaultTokenLifetime', '8h', vscode.ConfigurationTarget.Global);
      try {
        assert.equal(await ask(), 8 * 3600);
      } finally {
        await config.update('defaultTokenLifetime', undefined, vscode.ConfigurationTarget.Global);
      }
    },
  );
});
