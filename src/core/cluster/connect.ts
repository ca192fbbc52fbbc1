// Connecting: the caller's kubeconfig, a selected context and a REST client for it.

import type * as https from 'node:https';

import type { Logger } from '../types';
import { nativeAuth, needsClientNode, type RequestAuth } from './auth';
import { KubeClient, tlsMaterial } from './client';
import { clientNodeAuth } from './clientNode';
import { prewarm } from './http2';
import {
  loadKubeconfig,
  loadKubeconfigFromString,
  readMergedKubeconfig,
  selectedEntries,
  type LoadedKubeconfig,
  type LoadKubeconfigOptions,
} from './loadKubeconfig';

export interface Connection {
  client: KubeClient;
  loaded: LoadedKubeconfig;
  contextName: string;
  /** The context's default namespace (`default` when unset). */
  namespace: string;
  server: string;
  close(): void;
}

export interface ConnectOptions extends LoadKubeconfigOptions {
  logger?: Logger;
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number;
}

export async function connectLoaded(
  loaded: LoadedKubeconfig,
  options: { logger?: Logger; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Connection> {
  // client-node (most of the bytes a connecting command would load) only for an auth-provider or a proxy-url.
  const auth: RequestAuth = needsClientNode(loaded) ? await clientNodeAuth(loaded) : nativeAuth(loaded, options);
  const client = new KubeClient(auth, loaded.server, loaded.contextName, {
    logger: options.logger,
    timeoutMs: options.timeoutMs,
    env: options.env,
  });
  return {
    client,
    loaded,
    contextName: loaded.contextName,
    namespace: loaded.namespace,
    server: loaded.server,
    close: () => client.close(),
  };
}

/**
 * Opens, ahead of need, the connection a credential for this context's cluster will use: the same server and trust
 * (CA, tls-server-name), no client certificate. The verification of a new credential then finds its TLS handshake
 * done, in parallel with the steps before it. Only where HTTP/2 goes direct (no proxy); errors surface, if at all,
 * on the request that later uses the connection.
 */
export async function warmUpCredentialConnection(conn: Connection): Promise<void> {
  const { cluster } = selectedEntries(conn.loaded);
  if (!conn.server.startsWith('https:') || cluster['proxy-url'] || conn.client.environmentProxy) return;
  const anonymous = { ...conn.loaded, userName: '' };
  const opts: https.RequestOptions = {};
  await nativeAuth(anonymous).apply(opts);
  prewarm(new URL(conn.server).origin, tlsMaterial(opts));
}

/** Loads the kubeconfig like kubectl and selects the context. No request is sent. */
export async function connect(options: ConnectOptions = {}): Promise<Connection> {
  return connectLoaded(loadKubeconfig(options), options);
}

/** Connects with a kubeconfig given as text (a generated one): used to verify it on its own. */
export async function connectWithKubeconfigText(
  text: string,
  context?: string,
  options: { logger?: Logger; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {},
): Promise<Connection> {
  return connectLoaded(loadKubeconfigFromString(text, context, 'the generated kubeconfig'), options);
}

export interface ContextSummary {
  name: string;
  cluster: string;
  user: string;
  namespace: string;
  server: string;
  current: boolean;
}

/** Contexts of the caller's kubeconfig (for pickers), without connecting. */
export function listContexts(options: Omit<LoadKubeconfigOptions, 'context'> = {}): ContextSummary[] {
  const { raw } = readMergedKubeconfig(options);
  return (raw.contexts ?? []).map((c) => ({
    name: c.name,
    cluster: c.context?.cluster ?? '',
    user: c.context?.user ?? '',
    namespace: c.context?.namespace || 'default',
    server: String((raw.clusters ?? []).find((cl) => cl.name === c.context?.cluster)?.cluster?.server ?? ''),
    current: c.name === raw['current-context'],
  }));
}
