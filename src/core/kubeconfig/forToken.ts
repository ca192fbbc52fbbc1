// Turns a token into the kubeconfig handed out: server and TLS settings from the caller's context (tls.ts),
// one context per namespace, a header saying what it is. Shared by provision, rotate and forServiceAccount.ts.

import type { Connection } from '../cluster/connect';
import type { TokenResult } from '../token/token';
import type { KubeconfigOptions, OperationOptions, PolicyRule, RoleReference } from '../types';
import { buildKubeconfig, contextNames, defaultNamePrefix, renderKubeconfigYaml } from './build';
import { clusterTlsFor } from './tls';

export interface KubeconfigForArgs {
  serviceAccount: string;
  serviceAccountNamespace: string;
  /** One context per namespace, the first current. */
  namespaces: string[];
  kubeconfig: KubeconfigOptions;
  clusterWide?: boolean;
  rules?: PolicyRule[];
  roleRefs?: RoleReference[];
}

export interface KubeconfigForResult {
  /** SECRET: holds the token. */
  kubeconfigYaml: string;
  contexts: string[];
  caSource: 'kubeconfig' | 'secret' | 'kube-root-ca.crt' | 'none' | 'insecure';
  warnings: string[];
}

export async function kubeconfigFor(
  conn: Connection,
  args: KubeconfigForArgs,
  token: TokenResult,
  options: OperationOptions = {},
): Promise<KubeconfigForResult> {
  const insecure = args.kubeconfig.insecureSkipTlsVerify === true;
  const server = args.kubeconfig.server || conn.server;
  // The TLS settings of the caller's context, carried over exactly (kubeconfig/tls.ts).
  const tls = await clusterTlsFor(
    conn,
    { namespace: args.serviceAccountNamespace, secretCaPem: token.secretCaPem, server, insecureRequested: insecure },
    options,
  );
  const warnings = [...tls.warnings];
  for (const note of tls.notes) options.logger?.info(note);
  const namePrefix = args.kubeconfig.namePrefix || defaultNamePrefix(conn.contextName, args.serviceAccount);
  const doc = buildKubeconfig({
    server,
    certificateAuthority: tls.caPem,
    insecureSkipTlsVerify: tls.insecure,
    tlsServerName: tls.tlsServerName,
    proxyUrl: tls.proxyUrl,
    token: token.token,
    namePrefix,
    namespaces: args.namespaces,
  });
  const kubeconfigYaml = renderKubeconfigYaml(doc, {
    serviceAccount: args.serviceAccount,
    serviceAccountNamespace: args.serviceAccountNamespace,
    sourceContext: conn.contextName,
    namespaces: args.namespaces,
    clusterWide: args.clusterWide === true,
    rules: args.rules ?? [],
    roleRefs: args.roleRefs ?? [],
    expiresAt: token.expiresAt ? new Date(token.expiresAt) : undefined,
    tokenSecret: token.mode !== 'timeBound' ? token.secretName : undefined,
    generatedAt: new Date(),
  });
  return { kubeconfigYaml, contexts: contextNames(namePrefix, args.namespaces), caSource: tls.caSource, warnings };
}
