// @kubernetes/client-node, for what auth.ts leaves to it: auth-provider plugins (oidc, azure, gcp), SOCKS proxies.
// Loaded only for such a context, so most connecting commands never parse its bundle (dist/client-node.js).
// It is ESM-only while our TypeScript compiles as CommonJS (module Node16), so it is
// loaded with a dynamic import (esbuild bundles it) and its types are imported with resolution-mode.

import type * as ClientNode from '@kubernetes/client-node' with { 'resolution-mode': 'import' };

import { SaKubeconfigError } from '../errors';
import type { RequestAuth } from './auth';
import type { LoadedKubeconfig } from './loadKubeconfig';

export type KubeConfig = ClientNode.KubeConfig;
export type ClientNodeModule = typeof ClientNode;

let loading: Promise<ClientNodeModule> | undefined;

export function loadClientNode(): Promise<ClientNodeModule> {
  loading ??= import('@kubernetes/client-node');
  return loading;
}

/** A client-node KubeConfig holding the loaded entries, its current context set to the selected one. */
export async function toKubeConfig(loaded: LoadedKubeconfig): Promise<KubeConfig> {
  const k8s = await loadClientNode();
  const kubeConfig = new k8s.KubeConfig();
  const where = loaded.files.join(', ');
  try {
    // JSON is YAML. Entries client-node rejects (e.g. an unreadable token-file) are dropped, and reported if selected.
    kubeConfig.loadFromString(JSON.stringify({ ...loaded.raw, 'current-context': loaded.contextName }), {
      onInvalidEntry: 'filter',
    } as never);
  } catch (err) {
    throw new SaKubeconfigError('kubeconfig', `Cannot load ${where}: ${(err as Error).message}`);
  }
  if (loaded.userName && !kubeConfig.getUser(loaded.userName)) {
    throw new SaKubeconfigError(
      'kubeconfig',
      `User "${loaded.userName}" in ${where} cannot be used (is its token-file or client certificate readable?).`,
    );
  }
  if (!kubeConfig.getCluster(loaded.clusterName)) {
    throw new SaKubeconfigError('kubeconfig', `Cluster "${loaded.clusterName}" in ${where} cannot be used.`);
  }
  return kubeConfig;
}

/** Authentication through client-node, for a context that needs it (auth.ts: needsClientNode). */
export async function clientNodeAuth(loaded: LoadedKubeconfig): Promise<RequestAuth> {
  const kubeConfig = await toKubeConfig(loaded);
  return {
    apply: (opts) => kubeConfig.applyToHTTPSOptions(opts),
    // With a proxy-url, applyToHTTPSOptions puts client-node's own proxy agent on the options.
    ownAgent: Boolean(kubeConfig.getCurrentCluster()?.proxyUrl),
    invalidate: () => false,
  };
}
