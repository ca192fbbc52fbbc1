// Microsoft's Kubernetes extension (ms-kubernetes-tools.vscode-kubernetes-tools), through its published API
// package: a Service Accounts folder (abbreviation `sa`) in its Cluster Explorer, our commands on its namespace,
// cluster and service account nodes (package.json menus match its viewItems with regexes), the kubeconfig chosen
// there honoured (its default, KUBECONFIG's files or ~/.kube/config, is kubectl's and ours already). When the
// extension is not installed nothing here runs and its menus never show.
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ClusterExplorerV1 } from 'vscode-kubernetes-tools-api';

import { listContexts } from '../core/cluster/connect';
import { isManaged } from '../core/objects';
import type { Logger } from '../core/types';
import type { KubeconfigLocation } from '../services/kubeconfigLocation';

export const KUBERNETES_TOOLS_ID = 'ms-kubernetes-tools.vscode-kubernetes-tools';
export const KUBERNETES_TOOLS_CONTEXT_KEY = 'saKubeconfig.kubernetesToolsAvailable';

/** What a Cluster Explorer node names; commands read it as (part of) their own Target. */
export interface ClusterExplorerTarget {
  context?: string;
  namespace?: string;
  serviceAccount?: string;
  managed?: boolean;
}

export interface IntegrationDeps {
  logger: Logger;
  location: KubeconfigLocation;
  /** Called when the Kubernetes extension switches context or kubeconfig. */
  onChange: () => void;
  subscriptions: vscode.Disposable[];
}

/** The integration's state for one activation: made in activate(), started right after it. */
export class KubernetesToolsIntegration {
  private explorer: ClusterExplorerV1 | undefined;
  private started: Promise<boolean> | undefined;

  constructor(private readonly deps: IntegrationDeps) {}

  /**
   * Starts the integration right after activation returns (loading the other extension's API must neither block
   * nor count against our activation). Command targets resolved meanwhile wait for it. Settles to whether it
   * hooked in.
   */
  start(): Promise<boolean> {
    this.started ??= new Promise<boolean>((resolve) => {
      setTimeout(() => {
        this.activate().then(resolve, () => resolve(false));
      }, 0);
    });
    return this.started;
  }

  /** Hooks into the Kubernetes extension when it is installed; resolves to whether it did. Never throws. */
  private async activate(): Promise<boolean> {
    const deps = this.deps;
    if (!vscode.extensions.getExtension(KUBERNETES_TOOLS_ID)) {
      deps.logger.debug('Kubernetes extension not installed: no Cluster Explorer integration.');
      return false;
    }
    try {
      // Loaded only now: the package's module activates the Kubernetes extension as soon as it is evaluated.
      const k8s = await import('vscode-kubernetes-tools-api');
      const ce = await k8s.extension.clusterExplorer.v1;
      if (!ce.available) {
        deps.logger.info(`Kubernetes extension's Cluster Explorer API is unavailable (${ce.reason}).`);
        return false;
      }
      const explorer = ce.api;
      this.explorer = explorer;
      // Its own tree has no ServiceAccount kind (1.4.1: the kinds of its src/kuberesources.ts), so the service-
      // account nodes there are this folder's: contextValue `vsKubernetes.resource.sa`, which our menus match. No
      // apiName is passed: with one, it appends "k8s-watchable" to the contextValue without a separator.
      explorer.registerNodeContributor(
        explorer.nodeSources
          .resourceFolder('Service Account', 'Service Accounts', 'ServiceAccount', 'sa')
          .at(undefined),
      );
      const conf = await k8s.extension.configuration.v1_1;
      if (conf.available) {
        const apply = (p: { pathType: 'host'; hostPath: string } | { pathType: 'wsl'; wslPath: string }) => {
          if (p.pathType === 'host') deps.location.setOverride(chosenKubeconfig(p.hostPath));
        };
        apply(conf.api.getKubeconfigPath());
        deps.subscriptions.push(
          conf.api.onDidChangeKubeconfigPath((p) => apply(p)),
          conf.api.onDidChangeContext(() => deps.onChange()),
          // "Use Namespace" there writes the context's namespace into the kubeconfig.
          conf.api.onDidChangeNamespace(() => deps.onChange()),
        );
      }
      await vscode.commands.executeCommand('setContext', KUBERNETES_TOOLS_CONTEXT_KEY, true);
      deps.logger.info("Integrated with the Kubernetes extension's Cluster Explorer.");
      return true;
    } catch (err) {
      deps.logger.warn(`Kubernetes extension integration failed: ${(err as Error).message}`);
      return false;
    }
  }

  /** Turns a Cluster Explorer command target into what it names, through the API's resolveCommandTarget. */
  async resolveTarget(arg: unknown): Promise<ClusterExplorerTarget | undefined> {
    await this.started;
    const node = this.explorer?.resolveCommandTarget(arg);
    if (!node) return undefined;
    switch (node.nodeType) {
      case 'context':
      case 'context.inactive':
        return { context: node.name };
      case 'resource': {
        // Cluster Explorer shows resources of its kubeconfig's current context only, in that context's namespace
        // (which its "Use Namespace" sets). Its resource folders read the namespace column of `kubectl get` by
        // splitting on single spaces, so a node's namespace is often empty: then it is that active namespace.
        const current = listContexts({ kubeconfigPath: this.deps.location.path }).find((c) => c.current);
        const context = current?.name;
        const namespace = node.namespace || current?.namespace;
        const kind = node.resourceKind.manifestKind;
        if (kind === 'Namespace') return { context, namespace: node.name };
        if (kind === 'ServiceAccount') {
          const metadata = node.metadata as { labels?: Record<string, string> } | undefined;
          return { context, namespace, serviceAccount: node.name, managed: isManaged({ metadata }) };
        }
        return { context, namespace };
      }
      default:
        return undefined;
    }
  }
}

/**
 * The kubeconfig file the user chose in the Kubernetes extension (its setting `vs-kubernetes.kubeconfig`, "Set
 * Kubeconfig"), or undefined when it only reports kubectl's default: then it hands back KUBECONFIG verbatim, which
 * may list several files, or ~/.kube/config. Undefined keeps our location on kubectl's rules, which merge that list.
 */
export function chosenKubeconfig(reported: string, env = process.env, home = homedir()): string | undefined {
  const kubectlDefault = env.KUBECONFIG || join(home, '.kube', 'config');
  return reported && reported !== kubectlDefault ? reported : undefined;
}
