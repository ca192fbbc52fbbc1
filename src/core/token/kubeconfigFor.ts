// Turns a token into the kubeconfig handed out: server from the caller's context, the CA found by findCa,
// one context per namespace, a header saying what it is. Shared by provision and rotate.

import type { KubeconfigOptions, OperationOptions, PolicyRule, RoleReference } from '../types';
import type { Connection } from '../cluster/connect';
import { buildKubeconfig, contextNames, defaultNamePrefix, renderKubeconfigYaml } from '../kubeconfig/build';
import { findCa, type TokenResult } from './token';

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

export async function kubeconfigFor(conn: Connection, args: KubeconfigForArgs, token: TokenResult, options: OperationOptions = {}): Promise<KubeconfigForResult> {
  const warnings: string[] = [];
  const insecure = args.kubeconfig.insecureSkipTlsVerify === true;
  const ca = insecure ? undefined : await findCa(conn, { namespace: args.serviceAccountNamespace, secretCaPem: token.secretCaPem }, options);
  if (insecure) warnings.push('The kubeconfig skips TLS verification (insecure-skip-tls-verify): anyone in the network path can read the token.');
  else if (!ca) warnings.push('No CA certificate was found for the cluster; the kubeconfig relies on the system\'s trusted CAs.');
  const namePrefix = args.kubeconfig.namePrefix || defaultNamePrefix(conn.contextName, args.serviceAccount);
  const doc = buildKubeconfig({
    server: args.kubeconfig.server || conn.server, certificateAuthority: ca?.pem, insecureSkipTlsVerify: insecure, token: token.token, namePrefix, namespaces: args.namespaces,
  });
  const kubeconfigYaml = renderKubeconfigYaml(doc, {
    serviceAccount: args.serviceAccount, serviceAccountNamespace: args.serviceAccountNamespace, sourceContext: conn.contextName, namespaces: args.namespaces,
    clusterWide: args.clusterWide === true, rules: args.rules ?? [], roleRefs: args.roleRefs ?? [],
    expiresAt: token.expiresAt ? new Date(token.expiresAt) : undefined,
    tokenSecret: token.mode !== 'timeBound' ? token.secretName : undefined, generatedAt: new Date(),
  });
  return { kubeconfigYaml, contexts: contextNames(namePrefix, args.namespaces), caSource: insecure ? 'insecure' : ca?.source ?? 'none', warnings };
}
