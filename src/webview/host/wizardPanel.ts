// The wizard's host: one webview panel per target. It validates every message from the page, calls core for
// everything Kubernetes (contexts, namespaces, service accounts, discovery, plan + preflight, provision), reports
// progress step by step, and keeps the generated kubeconfig (a secret) here: the page never receives the token.
import * as vscode from 'vscode';

import { preflight } from '../../core/apply/preflight';
import { connectLoaded, listContexts, type Connection } from '../../core/cluster/connect';
import { kubeconfigPaths } from '../../core/cluster/loadKubeconfig';
import { listNamespaces } from '../../core/cluster/namespaces';
import type { Credential } from '../../core/credentials/model';
import { discover } from '../../core/discovery/discovery';
import { isSaKubeconfigError, ValidationError } from '../../core/errors';
import { fetchServiceAccountHoldings, fetchServiceAccountPage } from '../../core/inventory/read';
import { buildPlan } from '../../core/plan/plan';
import { PRESETS } from '../../core/plan/presets';
import { formatRule } from '../../core/plan/rules';
import { namespacedLookupFrom } from '../../core/plan/scope';
import type { ProvisionResult } from '../../core/provision';
import type { DiscoveredResource, ProvisionRequest } from '../../core/types';
import { mergeKubeconfigDocument, saveKubeconfigDocument, type KubeconfigFileDeps } from '../../editor/kubeconfigFiles';
import { defaultTokenLifetime } from '../../editor/tokenLifetimeSetting';
import type { Services } from '../../services/services';
import type { ClusterTreeModel } from '../../tree/model';
import {
  parsePageMessage,
  type DiscoveryStats,
  type ErrorInfo,
  type HostMessage,
  type PageMessage,
  type Prefill,
  type ProgressStep,
  type ResultInfo,
} from '../protocol';
import { makeNonce, wizardHtml } from './html';
import { kubectlLine } from './resultInfo';
import { failedReview, reviewFromReport } from './reviewInfo';
import { applySteps, runApply, toErrorInfo } from './runApply';
import { fetchTargetRights, suggestionCandidates } from './targetRights';

export const WIZARD_VIEW_TYPE = 'saKubeconfig.wizard';
const TOKEN_CAPS_KEY = 'saKubeconfig.wizard.tokenCaps';
const DISCOVERY_TTL_MS = 5 * 60_000;

/** What the wizard host uses: the services, the kubeconfig editor parts, and the tree to refresh after a merge. */
export type WizardDeps = Services & KubeconfigFileDeps & { tree: Pick<ClusterTreeModel, 'refresh'> };

interface CachedDiscovery {
  resources: DiscoveredResource[];
  stats: DiscoveryStats;
  at: number;
}

/** Discovery answers per context, shared by every wizard panel (the API surface rarely changes within minutes). */
const discoveryCache = new Map<string, Promise<CachedDiscovery>>();
/** Discovery requests sent since activation: benchmarks and the e2e test read this from the log. */
export const wizardStats = { discoveryRequests: 0, discoveries: 0 };

interface Run {
  runId: number;
  abort: AbortController;
  request: ProvisionRequest;
  steps: ProgressStep[];
  /** The last message describing the run's outcome, re-sent when the page reloads after being hidden. */
  final?: HostMessage;
  /** SECRET: the generated kubeconfig text. Never posted to the page, never logged. */
  kubeconfig?: string;
  result?: ResultInfo;
  /** The issued credential (no token), for the local ledger of where it was written. */
  credential?: Credential;
  document?: vscode.TextDocument;
}

export class WizardPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, WizardPanel>();

  private readonly disposables: vscode.Disposable[] = [];
  private readonly operations = new Set<AbortController>();
  private run: Run | undefined;
  private reviewAbort: AbortController | undefined;
  private readonly openedAt = performance.now();
  private readyLogged = false;
  /** Context data fetched while the webview boots, handed over when the page asks for it. */
  private readonly contextLoads = new Map<string, Promise<HostMessage>>();
  /** Per context, its own namespace and the namespaces listed: candidates for "create service accounts here". */
  private readonly namespacesSeen = new Map<string, { own: string; listed: string[] }>();

  /** Opens the wizard for a target, or reveals the one already open for it. */
  static show(deps: WizardDeps, prefill: Prefill = {}): WizardPanel {
    const key = [prefill.context ?? '', prefill.namespace ?? '', prefill.serviceAccount ?? ''].join('/');
    const existing = WizardPanel.panels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const root = vscode.Uri.joinPath(deps.context.extensionUri, 'dist', 'webview');
    const title = prefill.serviceAccount
      ? `Kubeconfig: ${prefill.serviceAccount}`
      : prefill.namespace
        ? `New Kubeconfig: ${prefill.namespace}`
        : 'New Service Account Kubeconfig';
    const panel = vscode.window.createWebviewPanel(WIZARD_VIEW_TYPE, title, vscode.ViewColumn.Active, {
      enableScripts: true,
      enableCommandUris: false,
      localResourceRoots: [root],
    });
    const wizard = new WizardPanel(panel, deps, prefill, key, root);
    WizardPanel.panels.set(key, wizard);
    return wizard;
  }

  /** Every open wizard (tests use it). */
  static all(): WizardPanel[] {
    return [...WizardPanel.panels.values()];
  }

  private constructor(
    readonly panel: vscode.WebviewPanel,
    private readonly deps: WizardDeps,
    private readonly prefill: Prefill,
    private readonly key: string,
    private readonly root: vscode.Uri,
  ) {
    panel.iconPath = vscode.Uri.joinPath(deps.context.extensionUri, 'media', 'activity-bar.svg');
    panel.webview.html = this.html();
    // The webview takes a few seconds to boot; connecting and listing namespaces meanwhile makes the first step
    // interactive as soon as the page is.
    const likely = prefill.context ?? this.currentContext();
    if (likely) {
      this.contextLoads.set(likely, this.fetchContext(likely));
      void this.fetchDiscovery(likely, false).catch(() => undefined);
    }
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
    );
  }

  private html(): string {
    const webview = this.panel.webview;
    return wizardHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(this.root, 'wizard.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(this.root, 'wizard.css')).toString(),
      nonce: makeNonce(),
    });
  }

  private post(message: HostMessage): void {
    void this.panel.webview.postMessage(message);
  }

  private receive(raw: unknown): void {
    const parsed = parsePageMessage(raw);
    if (!parsed.ok) {
      const type = typeof raw === 'object' && raw !== null ? String((raw as { type?: unknown }).type) : typeof raw;
      this.deps.logger.error(`Wizard: refused a malformed message (type ${type}): ${parsed.problems.join('; ')}`);
      return;
    }
    void this.handle(parsed.message).catch((err) => {
      this.deps.logger.logError(`Wizard: ${parsed.message.type} failed`, err);
      this.post({ type: 'error', scope: 'action', error: toErrorInfo(err) });
    });
  }

  private async handle(message: PageMessage): Promise<void> {
    switch (message.type) {
      case 'ready':
        return this.ready(message.navigationMs);
      case 'loadContext':
        return this.loadContext(message.context);
      case 'refreshDiscovery':
        return this.loadDiscovery(message.context, true);
      case 'loadServiceAccounts':
        return this.loadServiceAccounts(message.context, message.namespace);
      case 'loadServiceAccountDetails':
        return this.loadServiceAccountDetails(message.context, message.namespace, message.name);
      case 'review':
        return this.review(message.reviewId, message.request);
      case 'apply':
        return this.apply(message.runId, message.request);
      case 'cancel':
        if (this.run?.runId === message.runId) {
          this.deps.logger.info('Wizard: cancel requested');
          this.run.abort.abort();
        }
        return;
      case 'resultAction':
        return this.resultAction(message.action);
      case 'startOver':
        this.run = undefined;
        return;
      case 'openKubeconfigFile': {
        const first = kubeconfigPaths(this.deps.location.path).paths[0];
        if (first) await vscode.window.showTextDocument(vscode.Uri.file(first));
        return;
      }
    }
  }

  /** A fresh AbortController that the panel's disposal aborts too. */
  private operation(): AbortController {
    const controller = new AbortController();
    this.operations.add(controller);
    return controller;
  }

  private finish(controller: AbortController): void {
    this.operations.delete(controller);
  }

  private currentContext(): string | undefined {
    try {
      return listContexts({ kubeconfigPath: this.deps.location.path }).find((c) => c.current)?.name;
    } catch {
      return undefined;
    }
  }

  private ready(navigationMs?: number): void {
    let contexts: ReturnType<typeof listContexts> = [];
    let kubeconfigError: ErrorInfo | undefined;
    try {
      contexts = listContexts({ kubeconfigPath: this.deps.location.path });
    } catch (err) {
      kubeconfigError = toErrorInfo(err);
      this.deps.logger.logError('Wizard: reading the kubeconfig failed', err);
    }
    const tokenCapSeconds = this.deps.context.globalState.get<Record<string, number>>(TOKEN_CAPS_KEY) ?? {};
    this.post({
      type: 'init',
      contexts: contexts.map((c) => ({
        name: c.name,
        cluster: c.cluster,
        server: c.server,
        namespace: c.namespace,
        current: c.current,
      })),
      prefill: { ...this.prefill, tokenLifetime: defaultTokenLifetime(this.deps.logger).text },
      presets: PRESETS.map((p) => ({
        id: p.id,
        title: p.title,
        description: p.description,
        rules: p.rules,
        roleRefs: p.roleRefs,
      })),
      tokenCapSeconds,
      kubeconfigPaths: kubeconfigPaths(this.deps.location.path).paths,
      ...(kubeconfigError ? { kubeconfigError } : {}),
    });
    if (!this.readyLogged) {
      this.readyLogged = true;
      this.deps.logger.info(
        `Wizard: page ready ${Math.round(performance.now() - this.openedAt)} ms after ` +
          `opening${navigationMs !== undefined ? ` (the page's own load took ${navigationMs} ms)` : ''}`,
      );
    }
    // The page lost everything it did not store when it was hidden: tell it how the run stands.
    const run = this.run;
    if (run) {
      if (run.final) this.post(run.final);
      else this.post({ type: 'progress', runId: run.runId, steps: run.steps });
    }
  }

  /** Connects and lists namespaces; the answer is the page's contextLoaded message. */
  private async fetchContext(context: string): Promise<HostMessage> {
    const controller = this.operation();
    try {
      const conn = await this.deps.connections.get(context);
      const list = await listNamespaces(conn, { signal: controller.signal, logger: this.deps.logger });
      this.namespacesSeen.set(context, { own: conn.namespace, listed: list.namespaces });
      return {
        type: 'contextLoaded',
        context,
        server: conn.server,
        defaultNamespace: conn.namespace,
        namespaces: list.namespaces,
        namespacesSource: list.source,
      };
    } finally {
      this.finish(controller);
    }
  }

  private async loadContext(context: string): Promise<void> {
    const pending = this.contextLoads.get(context) ?? this.fetchContext(context);
    // Prefetched data serves the first request only; choosing the context again reads afresh.
    this.contextLoads.delete(context);
    void this.loadDiscovery(context, false);
    try {
      this.post(await pending);
    } catch (err) {
      if (isSaKubeconfigError(err, 'aborted')) return;
      this.deps.logger.logError(`Wizard: loading context ${context} failed`, err);
      this.post({ type: 'error', scope: 'context', context, error: toErrorInfo(err) });
    }
  }

  /** Discovery of a context, shared by all panels for a few minutes. */
  private fetchDiscovery(context: string, force: boolean): Promise<CachedDiscovery> {
    const cached = discoveryCache.get(context);
    if (cached && !force) {
      return cached.then((c) => (Date.now() - c.at > DISCOVERY_TTL_MS ? this.fetchDiscovery(context, true) : c));
    }
    const pending = (async () => {
      const shared = await this.deps.connections.get(context);
      // Its own connection, so that the request count is discovery's alone (core counts a client's requests).
      const conn = await connectLoaded(shared.loaded, { logger: this.deps.logger });
      try {
        const started = performance.now();
        const result = await discover(conn, { logger: this.deps.logger });
        const durationMs = Math.round(performance.now() - started);
        wizardStats.discoveryRequests += result.requests;
        wizardStats.discoveries += 1;
        this.deps.logger.info(
          `Wizard: discovery of ${context}: ${result.resources.length} resources, ` +
            `${result.requests} requests (${result.mode}) in ${durationMs} ms; ` +
            `total discovery requests ${wizardStats.discoveryRequests}`,
        );
        return {
          resources: result.resources,
          stats: {
            mode: result.mode,
            requests: result.requests,
            durationMs,
            failedGroupVersions: result.failedGroupVersions,
          },
          at: Date.now(),
        };
      } finally {
        conn.close();
      }
    })();
    pending.catch(() => discoveryCache.delete(context));
    discoveryCache.set(context, pending);
    return pending;
  }

  private async loadDiscovery(context: string, force: boolean): Promise<void> {
    try {
      const { resources, stats } = await this.fetchDiscovery(context, force);
      this.post({ type: 'discovery', context, resources, stats });
    } catch (err) {
      this.deps.logger.logError(`Wizard: discovery of ${context} failed`, err);
      this.post({ type: 'error', scope: 'discovery', context, error: toErrorInfo(err) });
    }
  }

  private async loadServiceAccounts(context: string, namespace: string): Promise<void> {
    const controller = this.operation();
    // The tab says which namespace it is for, as the form changes (a panel opened for an account keeps its name).
    if (!this.prefill.serviceAccount) this.panel.title = `New Kubeconfig: ${namespace}`;
    let conn: Connection | undefined;
    let listForbidden = false;
    try {
      conn = await this.deps.connections.get(context);
      const page = await fetchServiceAccountPage(
        conn,
        namespace,
        { limit: 500 },
        { signal: controller.signal, logger: this.deps.logger },
      );
      this.post({
        type: 'serviceAccounts',
        context,
        namespace,
        accounts: page.items.map((a) => ({ name: a.name, managed: a.managed })),
      });
    } catch (err) {
      if (isSaKubeconfigError(err, 'aborted')) {
        this.finish(controller);
        return;
      }
      // Not being allowed to list service accounts is no reason to stop: a new one can still be named.
      if (isSaKubeconfigError(err, 'forbidden')) {
        listForbidden = true;
        this.post({ type: 'serviceAccounts', context, namespace, accounts: [], forbidden: true });
      } else {
        this.deps.logger.logError(`Wizard: listing service accounts in ${namespace} failed`, err);
        this.post({ type: 'error', scope: 'serviceAccounts', context, error: toErrorInfo(err) });
      }
    }
    try {
      if (!conn) return;
      const seen = this.namespacesSeen.get(context);
      const candidates = suggestionCandidates(namespace, seen ? [seen.own] : [], seen?.listed ?? []);
      const rights = await fetchTargetRights(
        conn,
        namespace,
        { listForbidden, namespaces: candidates },
        { signal: controller.signal, logger: this.deps.logger },
      );
      this.post({ type: 'targetRights', context, namespace, rights });
    } catch (err) {
      if (!isSaKubeconfigError(err, 'aborted')) this.deps.logger.logError('Wizard: checking rights failed', err);
    } finally {
      this.finish(controller);
    }
  }

  private async loadServiceAccountDetails(context: string, namespace: string, name: string): Promise<void> {
    const controller = this.operation();
    try {
      const conn = await this.deps.connections.get(context);
      // What each binding grants, so that the Target step shows what the account already may do.
      const d = await fetchServiceAccountHoldings(conn, namespace, name, {
        signal: controller.signal,
        logger: this.deps.logger,
      });
      this.post({
        type: 'serviceAccountDetails',
        context,
        namespace,
        name,
        details: {
          bindings: d.bindings.map((b) => ({
            kind: b.kind,
            name: b.name,
            ...(b.namespace ? { namespace: b.namespace } : {}),
            roleRef: b.roleRef,
            managed: b.managed,
            ...(b.rules ? { rules: b.rules.map(formatRule) } : {}),
            ...(b.rulesError ? { rulesError: b.rulesError } : {}),
          })),
          tokenSecrets: d.tokenSecrets.map((s) => ({ name: s.name, populated: s.populated, managed: s.managed })),
          notes: d.notes,
        },
      });
    } catch (err) {
      if (isSaKubeconfigError(err, 'aborted')) return;
      this.deps.logger.logError(`Wizard: reading service account ${namespace}/${name} failed`, err);
      this.post({ type: 'error', scope: 'serviceAccounts', context, error: toErrorInfo(err) });
    } finally {
      this.finish(controller);
    }
  }

  private async discovered(context: string): Promise<DiscoveredResource[] | undefined> {
    const cached = discoveryCache.get(context);
    return cached ? (await cached.catch(() => undefined))?.resources : undefined;
  }

  private async review(reviewId: number, request: ProvisionRequest): Promise<void> {
    this.reviewAbort?.abort();
    const controller = this.operation();
    this.reviewAbort = controller;
    let plan;
    try {
      const resources = await this.discovered(request.context);
      try {
        plan = buildPlan(request, resources ? { isNamespaced: namespacedLookupFrom(resources) } : {});
      } catch (err) {
        if (err instanceof ValidationError) {
          this.post({ type: 'reviewResult', reviewId, review: failedReview(err.problems) });
          return;
        }
        throw err;
      }
      const conn = await this.deps.connections.get(request.context);
      const report = await preflight(conn, plan, { signal: controller.signal, logger: this.deps.logger });
      this.deps.logger.info(
        `Wizard: preflight for ${request.namespace}/${request.serviceAccount}: ` +
          `${report.ok ? 'ok' : 'refused'} (${report.requests} requests)`,
      );
      this.post({ type: 'reviewResult', reviewId, review: reviewFromReport(plan, report) });
    } catch (err) {
      if (isSaKubeconfigError(err, 'aborted')) return;
      this.deps.logger.logError('Wizard: preflight failed', err);
      this.post({ type: 'reviewResult', reviewId, review: failedReview([], toErrorInfo(err), plan) });
    } finally {
      this.finish(controller);
      if (this.reviewAbort === controller) this.reviewAbort = undefined;
    }
  }

  private async apply(runId: number, request: ProvisionRequest): Promise<void> {
    if (this.run && !this.run.final) {
      this.deps.logger.warn('Wizard: an apply is already running; ignoring a second one');
      return;
    }
    const controller = this.operation();
    const run: Run = { runId, abort: controller, request, steps: applySteps() };
    this.run = run;
    this.post({ type: 'progress', runId, steps: run.steps });
    try {
      const conn = await this.deps.connections.get(request.context);
      const outcome = await runApply(request, {
        runId,
        connection: conn,
        signal: controller.signal,
        logger: this.deps.logger,
        discovered: await this.discovered(request.context),
        onSteps: (steps) => {
          run.steps = steps;
          if (this.run === run) this.post({ type: 'progress', runId, steps });
        },
      });
      run.steps = outcome.steps;
      run.kubeconfig = outcome.kubeconfig;
      if (outcome.final.type === 'applyDone') run.result = outcome.final.result;
      if (outcome.provision) this.rememberTokenCap(request.context, outcome.provision);
      if (outcome.provision?.credential) run.credential = outcome.provision.credential;
      run.final = outcome.final;
    } catch (err) {
      // Connecting failed: nothing was created.
      this.deps.logger.logError('Wizard: provisioning failed', err);
      const steps = run.steps.map((s) => (s.status === 'pending' ? { ...s, status: 'skipped' as const } : s));
      run.final = {
        type: 'applyFailed',
        runId,
        error: toErrorInfo(err),
        rolledBack: [],
        cancelled: controller.signal.aborted,
        steps,
      };
    } finally {
      this.finish(controller);
    }
    if (this.run === run && run.final) this.post(run.final);
  }

  private rememberTokenCap(context: string, result: ProvisionResult): void {
    const t = result.token;
    if (!t?.shortened || !t.grantedSeconds) return;
    const caps = { ...(this.deps.context.globalState.get<Record<string, number>>(TOKEN_CAPS_KEY) ?? {}) };
    // The granted lifetime is the cap, give or take the seconds the request took.
    caps[context] = Math.round(t.grantedSeconds / 60) * 60;
    void this.deps.context.globalState.update(TOKEN_CAPS_KEY, caps);
  }

  /** The generated kubeconfig as a read-only in-memory tab (the extension's kubeconfig editor), opened once. */
  private async kubeconfigDocument(run: Run): Promise<vscode.TextDocument> {
    // A closed tab's text is dropped from memory: open it again from the run then.
    const doc = run.document;
    const open =
      doc && !doc.isClosed && (!this.deps.documents.isVirtual(doc) || this.deps.documents.holds(doc.uri))
        ? doc
        : undefined;
    if (open) {
      await vscode.window.showTextDocument(open, { preview: false });
      return open;
    }
    const request = run.request;
    const editor = await this.deps.documents.open(run.kubeconfig ?? '', {
      sourceContext: request.context,
      namespace: request.namespace,
      serviceAccount: request.serviceAccount,
      suggestedFileName: `${request.context}-${request.serviceAccount}.kubeconfig`,
      ...(run.credential ? { credential: run.credential } : {}),
    });
    run.document = editor.document;
    return editor.document;
  }

  private async resultAction(action: 'openKubeconfig' | 'saveAs' | 'merge' | 'copyCommand'): Promise<void> {
    const run = this.run;
    if (!run?.kubeconfig || !run.result) {
      this.post({
        type: 'notice',
        level: 'error',
        message: 'There is no generated kubeconfig any more; run the wizard again.',
      });
      return;
    }
    switch (action) {
      case 'openKubeconfig':
        await this.kubeconfigDocument(run);
        return;
      case 'saveAs': {
        await this.save(run);
        return;
      }
      case 'merge': {
        const doc = await this.kubeconfigDocument(run);
        const merged = await mergeKubeconfigDocument(this.deps, doc);
        if (!merged) return;
        this.deps.tree.refresh();
        this.post({ type: 'notice', level: 'info', message: `Merged into ${merged.path}.` });
        return;
      }
      case 'copyCommand': {
        const path = run.result.savedPath ?? (await this.save(run));
        const line = kubectlLine(run.request, path);
        await vscode.env.clipboard.writeText(line);
        this.post({
          type: 'notice',
          level: 'info',
          message: path
            ? `Copied: ${line}`
            : 'Copied the line; replace <saved-file> with where you save the kubeconfig.',
        });
        return;
      }
    }
  }

  private async save(run: Run): Promise<string | undefined> {
    const doc = await this.kubeconfigDocument(run);
    const path = await saveKubeconfigDocument(this.deps, doc);
    if (!path || !run.result) return undefined;
    run.document = vscode.workspace.textDocuments.find((d) => d.uri.fsPath === path);
    run.result = { ...run.result, savedPath: path, kubectlLine: kubectlLine(run.request, path) };
    run.final = { type: 'applyDone', runId: run.runId, result: run.result };
    this.post({ type: 'resultUpdated', result: run.result });
    // Bring the wizard back to the front: the save replaced the editor tab.
    this.panel.reveal(undefined, true);
    return path;
  }

  private disposed = false;

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    WizardPanel.panels.delete(this.key);
    for (const c of this.operations) c.abort();
    this.operations.clear();
    // The kubeconfig (with its token) goes with the panel.
    this.run = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
  }
}
