// The Clusters tree against the real cluster: contexts → namespaces → service accounts (paged) → bindings with
// rules, tokens; the filter; error nodes; the fallback when namespaces may not be listed.
import * as assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import * as vscode from 'vscode';

import { kubectlOkSync } from '../support/kubectl';
import { clientCertificateKubeconfig } from '../support/users';
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

describe('Clusters tree (real cluster)', function () {
  this.timeout(120_000);
  const ns = uniqueName('sak-tree');
  const many = 230;

  before(function () {
    if (!haveCluster()) this.skip();
    // One apply of a List: 230 service accounts plus an RBAC binding for one of them.
    const items = Array.from({ length: many }, (_, i) => ({
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata: { name: `bulk-${String(i).padStart(4, '0')}`, namespace: ns },
    }));
    kubectlOkSync(['create', 'namespace', ns]);
    kubectlOkSync(['apply', '-f', '-'], { input: JSON.stringify({ apiVersion: 'v1', kind: 'List', items }) });
    kubectlOkSync(['-n', ns, 'create', 'role', 'pod-reader', '--verb=get,list', '--resource=pods']);
    kubectlOkSync([
      '-n',
      ns,
      'create',
      'rolebinding',
      'bulk-0001-reads',
      '--role=pod-reader',
      `--serviceaccount=${ns}:bulk-0001`,
    ]);
  });

  after(() => {
    if (haveCluster()) kubectlOkSync(['delete', 'namespace', ns, '--wait=false']);
  });

  it('shows the kubeconfig contexts with the selected one marked', async () => {
    const a = await api();
    a.deps.tree.refresh();
    const roots = await children(a);
    const admin = roots.find((n) => label(n) === adminContext());
    assert.ok(admin, `no node for ${adminContext()}: ${roots.map(label).join(', ')}`);
    assert.match(contextValue(admin), /^context\+selected/);
    assert.match(String(admin.getTreeItem().description), /selected/);
  });

  it('lists namespaces, then service accounts a page at a time with "Load more…"', async () => {
    const a = await api();
    const context = await childByLabel(a, undefined, adminContext());
    const namespace = await childByLabel(a, context, ns);
    assert.equal(contextValue(namespace), 'namespace');
    let kids = await children(a, namespace);
    const accounts = kids.filter((k) => contextValue(k).startsWith('serviceAccount'));
    assert.equal(accounts.length, a.deps.tree.pageSize, 'the first page holds pageSize service accounts');
    const more = kids.at(-1)!;
    assert.equal(label(more), 'Load more…');
    assert.equal(more.getTreeItem().command?.command, 'saKubeconfig.loadMore');
    await vscode.commands.executeCommand('saKubeconfig.loadMore', more);
    kids = await children(a, namespace);
    const all = kids.filter((k) => contextValue(k).startsWith('serviceAccount')).map(label);
    assert.equal(
      all.filter((n) => n.startsWith('bulk-')).length,
      many,
      'every service account after loading the last page',
    );
    assert.ok(!kids.some((k) => label(k) === 'Load more…'), 'no "Load more…" after the last page');
    assert.equal(new Set(all).size, all.length, 'no duplicates across pages');
  });

  it("shows a service account's bindings with their rules", async () => {
    const a = await api();
    const namespace = await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns);
    const sa = await childByLabel(a, namespace, 'bulk-0001');
    assert.equal(contextValue(sa), 'serviceAccount');
    const binding = await childByLabel(a, sa, 'bulk-0001-reads');
    assert.match(contextValue(binding), /^binding/);
    assert.match(String(binding.getTreeItem().description), /Role pod-reader/);
    const rules = (await children(a, binding)).map(label);
    assert.deepEqual(rules, ['pods:get,list']);
    const lonely = await childByLabel(a, namespace, 'bulk-0002');
    assert.ok((await children(a, lonely)).some((k) => /No bindings/.test(label(k))));
  });

  it('filters service accounts by name', async () => {
    const a = await api();
    const namespace = await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns);
    await vscode.commands.executeCommand('saKubeconfig.filter', 'bulk-00');
    try {
      const kids = await children(a, namespace);
      const accounts = kids.filter((k) => contextValue(k).startsWith('serviceAccount')).map(label);
      assert.equal(accounts.length, 100);
      assert.ok(accounts.every((n) => n.startsWith('bulk-00')));
      assert.match(label(kids[0]), /Filter "bulk-00": 100 of \d+ loaded match/);
    } finally {
      await vscode.commands.executeCommand('saKubeconfig.clearFilter');
    }
    assert.equal(a.deps.tree.filter, '');
  });

  it('shows an error node with Retry for an unreachable cluster', async () => {
    const a = await api();
    const dir = mkdtempSync(join(tmpdir(), 'sak-unreachable-'));
    const file = join(dir, 'config');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: nowhere',
        'clusters: [{name: nowhere, cluster: {server: "https://127.0.0.1:1"}}]',
        'users: [{name: nobody, user: {token: not-a-real-token}}]',
        'contexts: [{name: nowhere, context: {cluster: nowhere, user: nobody}}]',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    a.deps.location.setOverride(file);
    try {
      const context = await childByLabel(a, undefined, 'nowhere');
      const [error] = await children(a, context);
      assert.equal(label(error), 'Cluster unreachable');
      assert.equal(contextValue(error), 'error+unreachable');
      assert.equal(error.getTreeItem().command?.command, 'saKubeconfig.retry');
      assert.doesNotMatch(String(error.getTreeItem().description), /not-a-real-token/);
    } finally {
      a.deps.location.setOverride(undefined);
    }
  });

  it('falls back to the context\'s namespace plus "Add namespace…" when listing namespaces is Forbidden', async () => {
    const a = await api();
    // A service account with no rights at all, through a kubeconfig made by kubectl: it may not list namespaces.
    const sa = uniqueName('nobody');
    kubectlOkSync(['-n', ns, 'create', 'serviceaccount', sa]);
    const token = kubectlOkSync(['-n', ns, 'create', 'token', sa, '--duration=10m']).trim();
    const dir = mkdtempSync(join(tmpdir(), 'sak-forbidden-'));
    const file = join(dir, 'config');
    const ca = kubectlOkSync([
      'config',
      'view',
      '--raw',
      '--minify',
      '-o',
      'jsonpath={.clusters[0].cluster.certificate-authority-data}',
    ]);
    writeFileSync(
      file,
      JSON.stringify({
        apiVersion: 'v1',
        kind: 'Config',
        'current-context': 'limited',
        clusters: [{ name: 'c', cluster: { server: process.env.SAK_API_SERVER, 'certificate-authority-data': ca } }],
        users: [{ name: 'u', user: { token } }],
        contexts: [{ name: 'limited', context: { cluster: 'c', user: 'u', namespace: ns } }],
      }),
      { mode: 0o600 },
    );
    a.deps.location.setOverride(file);
    try {
      const context = await childByLabel(a, undefined, 'limited');
      let kids = await children(a, context);
      assert.match(label(kids[0]), /Listing namespaces is not allowed/);
      assert.deepEqual(kids.filter((k) => contextValue(k) === 'namespace').map(label), [ns]);
      const add = kids.at(-1)!;
      assert.equal(label(add), 'Add namespace…');
      const prompts = new ScriptedPrompts([[/Add namespace/, 'team-b']]);
      await runCommand(a, prompts, 'saKubeconfig.addNamespace', add);
      kids = await children(a, context);
      assert.deepEqual(
        kids
          .filter((k) => contextValue(k) === 'namespace')
          .map(label)
          .sort(),
        [ns, 'team-b'].sort(),
      );
    } finally {
      a.deps.location.setOverride(undefined);
    }
  });

  it(
    'shows OpenShift projects (with the explanation) for a user who may list ' + 'projects but not namespaces',
    async () => {
      const a = await api();
      const user = uniqueName('oc-dev');
      const projects = [uniqueName('oc-a'), uniqueName('oc-b')].sort();
      let kubeconfigFile: string | undefined;
      const crd = {
        apiVersion: 'apiextensions.k8s.io/v1',
        kind: 'CustomResourceDefinition',
        metadata: { name: 'projects.project.openshift.io' },
        spec: {
          group: 'project.openshift.io',
          scope: 'Cluster',
          names: { plural: 'projects', singular: 'project', kind: 'Project', listKind: 'ProjectList' },
          versions: [
            {
              name: 'v1',
              served: true,
              storage: true,
              schema: { openAPIV3Schema: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } },
            },
          ],
        },
      };
      try {
        for (const p of projects) kubectlOkSync(['create', 'namespace', p]);
        kubectlOkSync(['apply', '-f', '-'], { input: JSON.stringify(crd) });
        kubectlOkSync(['wait', '--for=condition=Established', `crd/${crd.metadata.name}`, '--timeout=60s']);
        const projectList = JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: projects.map((name) => ({
            apiVersion: 'project.openshift.io/v1',
            kind: 'Project',
            metadata: { name },
          })),
        });
        // The new resource is served a moment after the CRD is Established.
        for (let i = 0; ; i++) {
          try {
            kubectlOkSync(['apply', '-f', '-'], { input: projectList });
            break;
          } catch (err) {
            if (i >= 50) throw err;
          }
          await new Promise((r) => setTimeout(r, 200));
        }
        kubectlOkSync([
          'create',
          'clusterrole',
          `${user}-projects`,
          '--verb=get,list,watch',
          '--resource=projects.project.openshift.io',
        ]);
        kubectlOkSync([
          'create',
          'clusterrolebinding',
          `${user}-projects`,
          `--clusterrole=${user}-projects`,
          `--user=${user}`,
        ]);
        for (const p of projects)
          kubectlOkSync(['-n', p, 'create', 'rolebinding', 'dev-view', '--clusterrole=view', `--user=${user}`]);
        kubeconfigFile = clientCertificateKubeconfig(user);
        a.deps.location.setOverride(kubeconfigFile);
        const context = await childByLabel(a, undefined, `${user}@local`);
        const kids = await children(a, context);
        assert.equal(label(kids[0]), 'Listing namespaces is not allowed: showing your OpenShift projects instead.');
        assert.deepEqual(kids.filter((k) => contextValue(k) === 'namespace').map(label), projects);
        assert.equal(label(kids.at(-1)!), 'Add namespace…');
        const accounts = await children(a, await childByLabel(a, context, projects[0]));
        assert.ok(
          accounts.some((k) => label(k) === 'default' && contextValue(k).startsWith('serviceAccount')),
          accounts.map(label).join(', '),
        );
      } finally {
        a.deps.location.setOverride(undefined);
        if (kubeconfigFile) rmSync(dirname(kubeconfigFile), { recursive: true, force: true });
        kubectlOkSync([
          'delete',
          'customresourcedefinition',
          crd.metadata.name,
          'clusterrole',
          `${user}-projects`,
          '--ignore-not-found',
          '--wait=false',
        ]);
        kubectlOkSync(['delete', 'clusterrolebinding', `${user}-projects`, '--ignore-not-found']);
        kubectlOkSync(['delete', 'namespace', ...projects, '--wait=false']);
      }
    },
  );

  it(
    'renders names, annotations and server messages in tooltips literally: ' + 'no Markdown, HTML or command links',
    async () => {
      const a = await api();
      const { marked } = await import('marked');
      const hostile =
        '*bold* __strong__ [run](command:saKubeconfig.refresh) <b>html</b> ![i](https://example.invalid/i.png)';
      // Rendered the way VS Code renders a MarkdownString: nothing but text and our own bold title.
      const rendered = (tooltip: vscode.TreeItem['tooltip']): string => {
        assert.ok(tooltip instanceof vscode.MarkdownString, 'a Markdown tooltip');
        assert.ok(!tooltip.isTrusted, 'command links are not trusted');
        assert.ok(!tooltip.supportHtml, 'no HTML');
        const html = marked.parse(tooltip.value, { async: false });
        assert.doesNotMatch(html, /<(a|em|b|img|code|h\d|ul|ol|blockquote)\b/, html);
        assert.ok((html.match(/<strong>/g) ?? []).length <= 1, `only the title is bold: ${html}`);
        return html
          .replace(/<[^>]+>/g, '')
          .replace(/&lt;/g, '<')
          .replace(/&gt;/g, '>')
          .replace(/&quot;/g, '"')
          .replace(/&#39;/g, "'")
          .replace(/&amp;/g, '&');
      };

      // A service account whose description annotation is Markdown.
      const sa = 'aaa-described'; // sorts onto the first page of the namespace's 230 service accounts
      kubectlOkSync(['-n', ns, 'create', 'serviceaccount', sa]);
      kubectlOkSync(['-n', ns, 'annotate', 'serviceaccount', sa, `kubernetes.io/description=${hostile}`]);
      a.deps.tree.refresh();
      const namespace = await childByLabel(a, await childByLabel(a, undefined, adminContext()), ns);
      await vscode.commands.executeCommand('saKubeconfig.filter', sa);
      try {
        const node = await childByLabel(a, namespace, sa);
        assert.ok(rendered(node.getTreeItem().tooltip).includes(hostile), 'the description shows as the text it is');
      } finally {
        await vscode.commands.executeCommand('saKubeconfig.clearFilter');
      }

      // A user whose name is Markdown: the context's tooltip, and the server's 403 message that quotes the user name.
      // No "/" (openssl's -subj would take it for the next name component), at most 64 characters (a CN's limit), no
      // "<" (the API server HTML-escapes user names in its Forbidden messages; the annotation above covers HTML).
      const user = `*e* _u_ [r](command:saKubeconfig.refresh) ${Date.now().toString(36).slice(-6)}`;
      const file = clientCertificateKubeconfig(user);
      a.deps.location.setOverride(file);
      try {
        const context = await childByLabel(a, undefined, `${user}@local`);
        assert.ok(rendered(context.getTreeItem().tooltip).includes(`${user}@local`));
        const fallback = (await children(a, context)).find((k) => contextValue(k) === 'namespace');
        assert.ok(fallback, "the context's namespace is shown when namespaces may not be listed");
        const [error] = await children(a, fallback);
        assert.match(contextValue(error), /^error\+forbidden/);
        const text = rendered(error.getTreeItem().tooltip);
        assert.ok(text.includes(user), `the server's message quotes the user name literally: ${text}`);
      } finally {
        a.deps.location.setOverride(undefined);
        rmSync(dirname(file), { recursive: true, force: true });
      }
    },
  );
});
