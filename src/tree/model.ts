// The tree's data: what each level holds, cached until a refresh, paged where lists can be long, with one
// event saying which part changed. Rendering is the provider's and the nodes' business (see provider.ts).
import * as vscode from 'vscode';

import { listContexts, type ContextSummary } from '../core/cluster/connect';
import { listNamespaces, type NamespaceList } from '../core/cluster/namespaces';
import { listCredentials, type CredentialList } from '../core/credentials/list';
import { type BindingSummary, type ServiceAccountDetails, type ServiceAccountSummary } from '../core/inventory/parse';
import {
  fetchBindingIndex,
  fetchRoleRules,
  fetchServiceAccountDetails,
  fetchServiceAccountPage,
  fetchTokenSecretOwners,
  type BindingIndex,
} from '../core/inventory/read';
import type { Logger, PolicyRule } from '../core/types';
import type { ConnectionPool } from '../services/connections';
import type { KubeconfigLocation } from '../services/kubeconfigLocation';
import type { TokenMemory } from '../services/tokenMemory';

export interface ServiceAccountListing {
  /** Everything loaded so far, in server order. */
  items: ServiceAccountSummary[];
  /** Set while more pages exist. */
  continueToken?: string;
  /** Token Secret counts per service account; undefined when Secrets may not be listed. */
  tokenOwners?: Map<string, number>;
}

/** Every node key is built here: its kind (or its parent's key) and the names that identify it, joined by "/". */
export function nodeKey(...parts: (string | number)[]): string {
  return parts.join('/');
}

/** Keys name the parts of the tree: "", "ctx/<c>", "ns/<c>/<n>", "sa/<c>/<n>/<sa>". */
export const keys = {
  context: (context: string) => nodeKey('ctx', context),
  namespace: (context: string, namespace: string) => nodeKey('ns', context, namespace),
  serviceAccount: (context: string, namespace: string, name: string) => nodeKey('sa', context, namespace, name),
};

const SELECTED_CONTEXT_KEY = 'saKubeconfig.selectedContext';
const EXTRA_NAMESPACES_KEY = 'saKubeconfig.extraNamespaces';

export class ClusterTreeModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<string | undefined>();
  /** Fires the key of the part whose children changed, or undefined when everything may have. */
  readonly onDidChange = this.changed.event;
  private namespaceLists = new Map<string, Promise<NamespaceList>>();
  private listings = new Map<string, Promise<ServiceAccountListing>>();
  private details = new Map<string, Promise<ServiceAccountDetails>>();
  /** Per context: the cluster's bindings, listed once and shared by every namespace and account until a refresh. */
  private bindingIndexes = new Map<string, Promise<BindingIndex>>();
  private credentialLists = new Map<string, Promise<CredentialList>>();
  private filterText = '';
  /**
   * Names of the service accounts loaded so far per namespace key (for the namespace filter; no request of its own).
   */
  private readonly loadedAccounts = new Map<string, string[]>();
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly pool: ConnectionPool,
    private readonly location: KubeconfigLocation,
    readonly tokens: TokenMemory,
    private readonly state: vscode.Memento,
    private readonly logger: Logger,
    readonly pageSize = 200,
  ) {
    this.subscriptions.push(
      this.changed,
      location.onDidChange(() => this.refresh()),
    );
  }

  /** Contexts of the kubeconfig; throws SaKubeconfigError('kubeconfig') when there is none. */
  contexts(): ContextSummary[] {
    return listContexts({ kubeconfigPath: this.location.path });
  }

  /** The context palette commands act on: the one chosen with Select context, else the kubeconfig's current one. */
  selectedContext(): string | undefined {
    let all: ContextSummary[];
    try {
      all = this.contexts();
    } catch {
      return undefined;
    }
    const chosen = this.state.get<string>(SELECTED_CONTEXT_KEY);
    if (chosen && all.some((c) => c.name === chosen)) return chosen;
    return all.find((c) => c.current)?.name ?? all[0]?.name;
  }

  async selectContext(context: string): Promise<void> {
    await this.state.update(SELECTED_CONTEXT_KEY, context);
    this.changed.fire(undefined);
  }

  get filter(): string {
    return this.filterText;
  }

  setFilter(text: string): void {
    this.filterText = text.trim();
    void vscode.commands.executeCommand('setContext', 'saKubeconfig.filtered', this.filterText !== '');
    this.changed.fire(undefined);
  }

  matchesFilter(name: string): boolean {
    return this.filterText === '' || name.toLowerCase().includes(this.filterText.toLowerCase());
  }

  /** Whether a namespace stays under the filter: its name matches, or service accounts already loaded in it do. */
  namespaceMatchesFilter(context: string, namespace: string): boolean {
    if (this.matchesFilter(namespace)) return true;
    return (this.loadedAccounts.get(keys.namespace(context, namespace)) ?? []).some((name) => this.matchesFilter(name));
  }

  /** Records the names a namespace node showed, so that the filter can keep that namespace without a request. */
  noteLoadedAccounts(context: string, namespace: string, names: string[]): void {
    this.loadedAccounts.set(keys.namespace(context, namespace), names);
  }

  namespaces(context: string, signal?: AbortSignal): Promise<NamespaceList> {
    let pending = this.namespaceLists.get(context);
    if (!pending) {
      pending = this.pool.get(context).then((conn) => listNamespaces(conn, { signal, logger: this.logger }));
      this.remember(this.namespaceLists, context, pending);
    }
    return pending;
  }

  /** Namespaces the user added by hand because listing them is not allowed. */
  extraNamespaces(context: string): string[] {
    return this.state.get<Record<string, string[]>>(EXTRA_NAMESPACES_KEY, {})[context] ?? [];
  }

  async addNamespace(context: string, namespace: string): Promise<void> {
    const all = this.state.get<Record<string, string[]>>(EXTRA_NAMESPACES_KEY, {});
    const list = new Set(all[context] ?? []);
    list.add(namespace);
    await this.state.update(EXTRA_NAMESPACES_KEY, { ...all, [context]: [...list].sort() });
    this.changed.fire(keys.context(context));
  }

  /** The loaded pages of a namespace's service accounts (the first page is fetched on first call). */
  serviceAccounts(context: string, namespace: string): Promise<ServiceAccountListing> {
    const key = keys.namespace(context, namespace);
    let pending = this.listings.get(key);
    if (!pending) {
      pending = this.pool.get(context).then(async (conn) => {
        const options = { logger: this.logger };
        const [page, tokenOwners] = await Promise.all([
          fetchServiceAccountPage(conn, namespace, { limit: this.pageSize }, options),
          fetchTokenSecretOwners(conn, namespace, options),
        ]);
        return { items: page.items, continueToken: page.continueToken, tokenOwners };
      });
      this.remember(this.listings, key, pending);
      // The accounts' bindings come from one index per context: start it now, while the list is on screen.
      this.bindingIndex(context).catch(() => undefined);
    }
    return pending;
  }

  /** Fetches the next page and appends it. */
  async loadMore(context: string, namespace: string): Promise<void> {
    const key = keys.namespace(context, namespace);
    const current = await this.serviceAccounts(context, namespace);
    if (!current.continueToken) return;
    const conn = await this.pool.get(context);
    const page = await fetchServiceAccountPage(
      conn,
      namespace,
      { limit: this.pageSize, continueToken: current.continueToken },
      { logger: this.logger },
    );
    this.listings.set(
      key,
      Promise.resolve({ ...current, items: [...current.items, ...page.items], continueToken: page.continueToken }),
    );
    this.changed.fire(key);
  }

  serviceAccountDetails(context: string, namespace: string, name: string): Promise<ServiceAccountDetails> {
    const key = keys.serviceAccount(context, namespace, name);
    let pending = this.details.get(key);
    if (!pending) {
      pending = this.pool
        .get(context)
        .then((conn) =>
          fetchServiceAccountDetails(conn, namespace, name, { logger: this.logger }, this.bindingIndex(context)),
        );
      this.remember(this.details, key, pending);
    }
    return pending;
  }

  /** The context's RoleBindings and ClusterRoleBindings: two cluster-wide lists, once per refresh. */
  private bindingIndex(context: string): Promise<BindingIndex> {
    let pending = this.bindingIndexes.get(context);
    if (!pending) {
      pending = this.pool.get(context).then((conn) => fetchBindingIndex(conn, { logger: this.logger }));
      this.remember(this.bindingIndexes, context, pending);
    }
    return pending;
  }

  /** The service account's credentials (metadata only, never a token), with where this machine wrote them. */
  credentials(context: string, namespace: string, name: string): Promise<CredentialList> {
    const key = keys.serviceAccount(context, namespace, name);
    let pending = this.credentialLists.get(key);
    if (!pending) {
      pending = this.pool
        .get(context)
        .then((conn) => listCredentials(conn, { namespace, serviceAccount: name }, { logger: this.logger }));
      this.remember(this.credentialLists, key, pending);
    }
    return pending;
  }

  async roleRules(context: string, binding: BindingSummary): Promise<PolicyRule[] | undefined> {
    const conn = await this.pool.get(context);
    return fetchRoleRules(conn, binding.roleRef, binding.namespace, { logger: this.logger });
  }

  /** Forgets what was loaded below a key (everything when undefined) and says so. */
  refresh(key?: string): void {
    if (key === undefined) {
      this.pool.clear();
      this.namespaceLists.clear();
      this.listings.clear();
      this.details.clear();
      this.credentialLists.clear();
      this.bindingIndexes.clear();
    } else {
      const [kind, ...rest] = key.split('/');
      const prefix = rest.join('/');
      const under = (k: string) => {
        const p = k.split('/').slice(1).join('/');
        return p === prefix || p.startsWith(`${prefix}/`);
      };
      if (kind === 'ctx') {
        this.pool.clear(prefix);
        this.namespaceLists.delete(prefix);
      }
      // Anything refreshed below a context (our own changes refresh a namespace) may have changed its bindings.
      for (const c of [...this.bindingIndexes.keys()])
        if (prefix === c || prefix.startsWith(`${c}/`)) this.bindingIndexes.delete(c);
      for (const map of [this.listings, this.details, this.credentialLists])
        for (const k of [...map.keys()]) if (under(k)) map.delete(k);
    }
    this.changed.fire(key);
  }

  /** Refreshes what an action on one service account may have changed (its namespace's list and its details). */
  refreshServiceAccount(context: string, namespace: string): void {
    this.refresh(keys.namespace(context, namespace));
  }

  dispose(): void {
    for (const d of this.subscriptions) d.dispose();
  }

  /** Caches a pending answer, but not a failure: the next expand (or Retry) asks again. */
  private remember<T>(map: Map<string, Promise<T>>, key: string, pending: Promise<T>): void {
    map.set(key, pending);
    pending.catch(() => {
      if (map.get(key) === pending) map.delete(key);
    });
  }
}
