// The tree's node classes. Each owns its TreeItem and its children; data comes from the model.
// contextValue is a base plus "+flag"s (e.g. "serviceAccount+managed+hasToken");
// package.json matches them with regexes.
import * as vscode from 'vscode';

import type { ContextSummary } from '../core/cluster/connect';
import type { NamespaceList } from '../core/cluster/namespaces';
import type { Credential, CredentialDestination, CredentialKind } from '../core/credentials/model';
import { isSaKubeconfigError } from '../core/errors';
import type { BindingSummary, ServiceAccountSummary } from '../core/inventory/parse';
import { formatRule } from '../core/plan/rules';
import type { PolicyRule } from '../core/types';
import { markdownLiteral as md } from '../editor/untrustedText';
import { describeError } from '../logging';
import { keys, nodeKey, type ClusterTreeModel } from './model';

export abstract class TreeNode {
  /** Stable identity: the model's events name nodes by key. */
  abstract readonly key: string;
  parent: TreeNode | undefined;
  abstract getTreeItem(): vscode.TreeItem;
  getChildren(): Promise<TreeNode[]> {
    return Promise.resolve([]);
  }
}

/**
 * A Markdown tooltip of data from the cluster or a kubeconfig: values are escaped (see md), links never run commands.
 */
function markdownTooltip(source: string): vscode.MarkdownString {
  const tooltip = new vscode.MarkdownString(source);
  tooltip.isTrusted = false;
  tooltip.supportHtml = false;
  tooltip.supportThemeIcons = false;
  return tooltip;
}

function flags(base: string, set: Record<string, boolean>): string {
  return [
    base,
    ...Object.entries(set)
      .filter(([, on]) => on)
      .map(([name]) => name),
  ].join('+');
}

export class ContextNode extends TreeNode {
  readonly key: string;
  constructor(
    private readonly model: ClusterTreeModel,
    readonly summary: ContextSummary,
    readonly selected: boolean,
  ) {
    super();
    this.key = keys.context(summary.name);
  }
  get context(): string {
    return this.summary.name;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(
      this.summary.name,
      this.selected ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = this.key;
    item.description =
      [this.selected ? '● selected' : '', this.summary.current ? 'current-context' : ''].filter(Boolean).join(' · ') ||
      this.summary.server;
    const { name, server, user, namespace } = this.summary;
    item.tooltip = markdownTooltip(
      `**${md(name)}**\n\nServer: ${md(server)}\n\nUser: ${md(user)}\n\nNamespace: ${md(namespace)}`,
    );
    item.iconPath = new vscode.ThemeIcon(this.selected ? 'vm-active' : 'vm');
    item.contextValue = flags('context', { selected: this.selected, current: this.summary.current });
    return item;
  }

  override async getChildren(): Promise<TreeNode[]> {
    const list: NamespaceList = await this.model.namespaces(this.context);
    const children: TreeNode[] = [];
    let names = list.namespaces;
    if (list.source === 'projects') {
      children.push(new InfoNode(this.key, list.note ?? '', 'info'));
    } else if (list.source === 'context') {
      children.push(new InfoNode(this.key, `${list.note ?? ''} Add others with "Add namespace…".`, 'info'));
      names = [...new Set([...names, ...this.model.extraNamespaces(this.context)])].sort();
    }
    // The filter finds namespaces by name too (among 1,000 the one wanted); a namespace whose name does not match
    // stays when service accounts already loaded in it do.
    const shown = this.model.filter ? names.filter((n) => this.model.namespaceMatchesFilter(this.context, n)) : names;
    if (this.model.filter) {
      children.push(
        new InfoNode(
          this.key,
          `Filter "${this.model.filter}": ${shown.length} of ${names.length} namespaces`,
          'filter',
        ),
      );
    }
    children.push(...shown.map((n) => new NamespaceNode(this.model, this.context, n)));
    if (list.source !== 'namespaces') children.push(new AddNamespaceNode(this.context));
    return children;
  }
}

export class NamespaceNode extends TreeNode {
  readonly key: string;
  constructor(
    private readonly model: ClusterTreeModel,
    readonly context: string,
    readonly namespace: string,
  ) {
    super();
    this.key = keys.namespace(context, namespace);
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.namespace, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon('symbol-namespace');
    item.contextValue = 'namespace';
    item.tooltip = `Namespace ${this.namespace} (context ${this.context})`;
    return item;
  }

  override async getChildren(): Promise<TreeNode[]> {
    const listing = await this.model.serviceAccounts(this.context, this.namespace);
    this.model.noteLoadedAccounts(
      this.context,
      this.namespace,
      listing.items.map((sa) => sa.name),
    );
    // A namespace found by its name shows all its service accounts.
    const byName = this.model.filter !== '' && this.model.matchesFilter(this.namespace);
    const visible = byName ? listing.items : listing.items.filter((sa) => this.model.matchesFilter(sa.name));
    const children: TreeNode[] = [];
    if (this.model.filter && !byName) {
      children.push(
        new InfoNode(
          this.key,
          `Filter "${this.model.filter}": ${visible.length} of ${listing.items.length} loaded match`,
          'filter',
        ),
      );
    }
    for (const sa of visible) {
      const secretCount = listing.tokenOwners?.get(sa.name) ?? 0;
      const issued = this.model.tokens.forServiceAccount(this.context, this.namespace, sa.name).length;
      children.push(new ServiceAccountNode(this.model, this.context, sa, secretCount + issued > 0));
    }
    if (listing.continueToken) children.push(new LoadMoreNode(this.context, this.namespace, listing.items.length));
    if (listing.items.length === 0) children.push(new InfoNode(this.key, 'No service accounts', 'info'));
    return children;
  }
}

export class ServiceAccountNode extends TreeNode {
  readonly key: string;
  constructor(
    private readonly model: ClusterTreeModel,
    readonly context: string,
    readonly summary: ServiceAccountSummary,
    readonly hasToken: boolean,
  ) {
    super();
    this.key = keys.serviceAccount(context, summary.namespace, summary.name);
  }
  get namespace(): string {
    return this.summary.namespace;
  }
  get name(): string {
    return this.summary.name;
  }

  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon(this.summary.managed ? 'verified' : 'account');
    item.description = this.summary.managed ? 'managed by sa-kubeconfig' : undefined;
    item.contextValue = flags('serviceAccount', { managed: this.summary.managed, hasToken: this.hasToken });
    const { managed, createdAt, description } = this.summary;
    item.tooltip = markdownTooltip(
      [
        `**${md(`${this.namespace}/${this.name}`)}**`,
        ...(description ? [md(description)] : []),
        ...(managed ? ['Made by sa-kubeconfig.'] : []),
        ...(createdAt ? [`Created ${md(createdAt)}`] : []),
      ].join('\n\n'),
    );
    return item;
  }

  override async getChildren(): Promise<TreeNode[]> {
    const details = await this.model.serviceAccountDetails(this.context, this.namespace, this.name);
    const children: TreeNode[] = [];
    for (const note of details.notes) children.push(new InfoNode(this.key, note, 'warning'));
    for (const b of details.bindings) children.push(new BindingNode(this.model, this.context, this.summary, b));
    try {
      const listed = await this.model.credentials(this.context, this.namespace, this.name);
      for (const note of listed.notes) children.push(new InfoNode(this.key, note, 'info'));
      for (const c of listed.credentials) children.push(new CredentialNode(this.context, this.summary, c));
    } catch (err) {
      // Listing Secrets may be forbidden where the account's bindings are readable: say so, keep the rest.
      children.push(new InfoNode(this.key, `Credentials cannot be listed: ${describeError(err)}`, 'warning'));
    }
    if (details.bindings.length === 0)
      children.push(new InfoNode(this.key, 'No bindings: this service account may do nothing', 'info'));
    return children;
  }
}

export class BindingNode extends TreeNode {
  readonly key: string;
  constructor(
    private readonly model: ClusterTreeModel,
    readonly context: string,
    readonly serviceAccount: ServiceAccountSummary,
    readonly binding: BindingSummary,
  ) {
    super();
    this.key = nodeKey(
      'binding',
      context,
      serviceAccount.namespace,
      serviceAccount.name,
      binding.kind,
      binding.namespace ?? '',
      binding.name,
    );
  }

  getTreeItem(): vscode.TreeItem {
    const b = this.binding;
    const item = new vscode.TreeItem(b.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon(b.kind === 'ClusterRoleBinding' ? 'globe' : 'link');
    item.description =
      `${b.kind === 'ClusterRoleBinding' ? 'cluster-wide' : `in ${b.namespace}`} → ` +
      `${b.roleRef.kind} ${b.roleRef.name}`;
    item.contextValue = flags('binding', { managed: b.managed, cluster: b.kind === 'ClusterRoleBinding' });
    item.tooltip =
      `${b.kind} ${b.namespace ? `${b.namespace}/` : ''}${b.name}\n` + `binds ${b.roleRef.kind} ${b.roleRef.name}`;
    return item;
  }

  override async getChildren(): Promise<TreeNode[]> {
    const rules: PolicyRule[] | undefined = await this.model.roleRules(this.context, this.binding);
    if (rules === undefined)
      return [
        new InfoNode(this.key, `${this.binding.roleRef.kind} ${this.binding.roleRef.name} does not exist`, 'warning'),
      ];
    if (rules.length === 0) return [new InfoNode(this.key, 'No rules', 'info')];
    return rules.map((r, i) => new RuleNode(nodeKey(this.key, i), r));
  }
}

export class RuleNode extends TreeNode {
  constructor(
    readonly key: string,
    readonly rule: PolicyRule,
  ) {
    super();
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(formatRule(this.rule), vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon('key');
    item.contextValue = 'rule';
    item.tooltip =
      `apiGroups: ${JSON.stringify(this.rule.apiGroups)}\n` +
      `resources: ${JSON.stringify(this.rule.resources)}\n` +
      `verbs: ${JSON.stringify(this.rule.verbs)}` +
      (this.rule.resourceNames ? `\nresourceNames: ${JSON.stringify(this.rule.resourceNames)}` : '');
    return item;
  }
}

const KIND_WORDS: Record<CredentialKind, string> = {
  bound: 'bound token',
  longLived: 'long-lived',
  legacy: 'legacy Secret',
  unbound: 'unbound token',
};

function describeDestination(d: CredentialDestination): string {
  switch (d.kind) {
    case 'file':
      return `file ${d.path}`;
    case 'merge':
      return `merged into ${d.path}${d.context ? ` (context ${d.context})` : ''}`;
    case 'editor':
      return 'opened in the editor';
    case 'clipboard':
      return 'copied to the clipboard';
  }
}

/** When a credential expires, in words: "expires <local time>", "expired <…>", "never expires". Pure. */
export function expiryWords(credential: Pick<Credential, 'expiresAt' | 'kind'>, now = Date.now()): string {
  if (!credential.expiresAt) return credential.kind === 'bound' ? 'expiry unknown' : 'never expires';
  const at = Date.parse(credential.expiresAt);
  return `${at <= now ? 'expired' : 'expires'} ${new Date(at).toLocaleString()}`;
}

/**
 * One credential of a service account (core's Credential: a token sa-kubeconfig issued, a long-lived or legacy
 * token Secret, or an unbound token this machine issued). contextValue
 * "credential+<kind>+<state>[+revocable][+managed][+inFile]" (inFile: written into a file here).
 */
export class CredentialNode extends TreeNode {
  readonly key: string;
  constructor(
    readonly context: string,
    readonly serviceAccount: ServiceAccountSummary,
    readonly credential: Credential,
  ) {
    super();
    this.key = nodeKey(
      'credential',
      context,
      credential.namespace,
      credential.serviceAccount,
      credential.kind,
      credential.secretName ?? credential.id,
    );
  }

  getTreeItem(): vscode.TreeItem {
    const c = this.credential;
    const item = new vscode.TreeItem(c.id, vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon(
      c.state === 'active' ? 'key' : c.state === 'superseded' ? 'arrow-swap' : 'history',
      c.state === 'active' ? undefined : new vscode.ThemeColor('disabledForeground'),
    );
    const state = c.state === 'active' ? '' : ` · ${c.state}`;
    item.description = `${c.note ? `${c.note} · ` : ''}${KIND_WORDS[c.kind]}${state} · ${expiryWords(c)}`;
    const inFile = c.destinations.some((d) => d.kind === 'file' || d.kind === 'merge');
    item.contextValue = [
      'credential',
      c.kind,
      c.state,
      c.revocable ? 'revocable' : '',
      c.managed ? 'managed' : '',
      inFile ? 'inFile' : '',
    ]
      .filter(Boolean)
      .join('+');
    const lines = [
      `**Credential ${md(c.id)}** (${KIND_WORDS[c.kind]}, ${c.state})`,
      ...(c.note ? [`Note: ${md(c.note)}`] : []),
      ...(c.jti ? [`Credential id (jti): ${md(c.jti)}`] : []),
      ...(c.createdAt ? [`Created ${md(new Date(c.createdAt).toLocaleString())}`] : []),
      md(expiryWords(c).replace(/^./, (x) => x.toUpperCase())),
      ...(c.supersededAt
        ? [
            `Superseded ${md(new Date(c.supersededAt).toLocaleString())}` +
              (c.revokeAfter ? `; revoke after ${md(new Date(c.revokeAfter).toLocaleString())}` : ''),
          ]
        : []),
      c.revocable && c.secretName
        ? `Revoke: deletes Secret ${md(`${c.namespace}/${c.secretName}`)}; ` +
          'the token then stops working within about 10 seconds.' +
          (c.sharedSecret ? ' Every token bound to this Secret (made by an earlier version) is revoked with it.' : '')
        : 'Cannot be revoked before it expires (not bound to a Secret); ' +
          'only deleting the service account ends it early.',
      c.destinations.length > 0
        ? `Written by this machine to: ${c.destinations.map((d) => md(describeDestination(d))).join('; ')}`
        : 'Not written anywhere by this machine (or written elsewhere).',
    ];
    item.tooltip = markdownTooltip(lines.join('\n\n'));
    return item;
  }
}

export class InfoNode extends TreeNode {
  readonly key: string;
  constructor(
    parentKey: string,
    readonly message: string,
    readonly icon: string,
  ) {
    super();
    this.key = nodeKey('info', parentKey, message);
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.message, vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon(this.icon);
    item.contextValue = 'info';
    item.tooltip = this.message;
    return item;
  }
}

export class AddNamespaceNode extends TreeNode {
  readonly key: string;
  constructor(readonly context: string) {
    super();
    this.key = `addNamespace/${context}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Add namespace…', vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon('add');
    item.contextValue = 'addNamespace';
    item.command = { command: 'saKubeconfig.addNamespace', title: 'Add namespace…', arguments: [this] };
    return item;
  }
}

/** The only row of a kubeconfig without contexts (the view's message names the file): opens that file. */
export class OpenKubeconfigNode extends TreeNode {
  readonly key = 'openKubeconfig';
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Open Kubeconfig File', vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.iconPath = new vscode.ThemeIcon('go-to-file');
    item.contextValue = 'openKubeconfig';
    item.tooltip =
      "The file holds no context: add one (your provider's login command, or kubectl config), then Refresh.";
    item.command = { command: 'saKubeconfig.openKubeconfigFile', title: 'Open Kubeconfig File' };
    return item;
  }
}

export class LoadMoreNode extends TreeNode {
  readonly key: string;
  constructor(
    readonly context: string,
    readonly namespace: string,
    readonly loaded: number,
  ) {
    super();
    this.key = `loadMore/${context}/${namespace}/${loaded}`;
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem('Load more…', vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.description = `${this.loaded} loaded`;
    item.iconPath = new vscode.ThemeIcon('more');
    item.contextValue = 'loadMore';
    item.command = { command: 'saKubeconfig.loadMore', title: 'Load more', arguments: [this] };
    return item;
  }
}

/** What went wrong loading a node's children, with the action that helps (Retry; log in; fix the kubeconfig). */
export class ErrorNode extends TreeNode {
  readonly key: string;
  readonly code: string;
  constructor(
    readonly failedKey: string,
    readonly error: unknown,
  ) {
    super();
    this.key = nodeKey('error', failedKey);
    this.code = isSaKubeconfigError(error) ? error.code : 'unknown';
  }
  get label(): string {
    switch (this.code) {
      case 'unreachable':
        return 'Cluster unreachable';
      case 'unauthorized':
        return 'Login expired or rejected';
      case 'forbidden':
        return 'Not allowed';
      case 'tls':
        return 'TLS verification failed';
      case 'kubeconfig':
        return 'Kubeconfig problem';
      default:
        return 'Could not load';
    }
  }
  getTreeItem(): vscode.TreeItem {
    const item = new vscode.TreeItem(this.label, vscode.TreeItemCollapsibleState.None);
    item.id = this.key;
    item.description = describeError(this.error);
    item.tooltip = markdownTooltip(`${md(describeError(this.error))}\n\nClick to retry.`);
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.contextValue = flags('error', { [this.code]: true });
    item.command = { command: 'saKubeconfig.retry', title: 'Retry', arguments: [this] };
    return item;
  }
}
