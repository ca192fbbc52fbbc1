// The kubeconfig handed to the script or CI job: one cluster, one user holding the token, one context per namespace.
import * as yaml from 'js-yaml';

import { ValidationError } from '../errors';
import { formatRule } from '../plan/rules';
import { checkServerUrl } from '../plan/validate';
import type { PolicyRule, RoleReference } from '../types';
import { contextNames, defaultNamePrefix } from './names';

export interface NamedCluster {
  name: string;
  cluster: {
    server: string;
    'certificate-authority-data'?: string;
    'insecure-skip-tls-verify'?: boolean;
    [key: string]: unknown;
  };
}
export interface NamedUser {
  name: string;
  user: { token?: string; [key: string]: unknown };
}
export interface NamedContext {
  name: string;
  context: { cluster: string; user: string; namespace?: string; [key: string]: unknown };
}
/** A kubeconfig file's content (clientcmd v1 Config). */
export interface KubeconfigDocument {
  apiVersion: string;
  kind: string;
  clusters: NamedCluster[];
  users: NamedUser[];
  contexts: NamedContext[];
  'current-context'?: string;
  preferences?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface KubeconfigInput {
  server: string;
  /** The cluster CA: PEM text, base64 of PEM (as in kubeconfig/Secret data), or raw bytes. Ignored when insecure. */
  certificateAuthority?: string | Uint8Array;
  /** Only when the user explicitly asked; the CA is then left out, as kubectl refuses both. */
  insecureSkipTlsVerify?: boolean;
  /** Carried over from the caller's context (see kubeconfig/tls.ts). */
  tlsServerName?: string;
  proxyUrl?: string;
  token: string;
  /** Name of the cluster and user entries, and of the context when there is one namespace. */
  namePrefix: string;
  /** One context per namespace, in this order; the first becomes current-context. */
  namespaces: string[];
}

// The entry names live in names.ts, which the wizard page imports without pulling in js-yaml.
export { contextNames, defaultNamePrefix };

/** Base64 of the PEM certificate(s), whatever form the CA came in. */
export function certificateAuthorityData(ca: string | Uint8Array): string {
  const pem =
    typeof ca === 'string'
      ? ca.includes('-----BEGIN')
        ? ca
        : Buffer.from(ca.replace(/\s+/g, ''), 'base64').toString('utf8')
      : Buffer.from(ca).toString('utf8');
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) {
    throw new ValidationError([
      'The cluster CA is not a PEM certificate (expected "-----BEGIN CERTIFICATE-----", plain or base64-encoded). ' +
        'Check the certificate-authority-data of your context, ' +
        'or pass --insecure only if you accept an unverified connection.',
    ]);
  }
  return Buffer.from(pem, 'utf8').toString('base64');
}

export function buildKubeconfig(input: KubeconfigInput): KubeconfigDocument {
  const problems: string[] = [];
  const serverProblem = checkServerUrl(input.server);
  if (serverProblem) problems.push(serverProblem);
  if (!input.token) problems.push('No token to put into the kubeconfig.');
  if (!input.namePrefix) problems.push('The kubeconfig entry name prefix is empty.');
  if (input.namespaces.length === 0) problems.push('At least one namespace is needed for the kubeconfig context.');
  if (problems.length > 0) throw new ValidationError(problems);

  const cluster: NamedCluster['cluster'] = { server: input.server };
  if (input.insecureSkipTlsVerify) cluster['insecure-skip-tls-verify'] = true;
  else if (input.certificateAuthority !== undefined)
    cluster['certificate-authority-data'] = certificateAuthorityData(input.certificateAuthority);
  if (input.tlsServerName) cluster['tls-server-name'] = input.tlsServerName;
  if (input.proxyUrl) cluster['proxy-url'] = input.proxyUrl;

  const names = contextNames(input.namePrefix, input.namespaces);
  const contexts = input.namespaces.map((namespace, i): NamedContext => ({
    name: names[i],
    context: { cluster: input.namePrefix, user: input.namePrefix, namespace },
  }));
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: input.namePrefix, cluster }],
    users: [{ name: input.namePrefix, user: { token: input.token } }],
    contexts,
    'current-context': contexts[0].name,
    preferences: {},
  };
}

/** What the header comment of a generated kubeconfig says; nothing secret. */
export interface KubeconfigHeader {
  serviceAccount: string;
  serviceAccountNamespace: string;
  /** The caller's context it was created with. */
  sourceContext?: string;
  namespaces: string[];
  clusterWide?: boolean;
  rules: PolicyRule[];
  roleRefs: RoleReference[];
  /** When the token expires (as granted by the server); undefined for tokens that do not expire. */
  expiresAt?: Date;
  /** For long-lived tokens: the Secret to delete to revoke. */
  tokenSecret?: string;
  generatedAt?: Date;
}

/** First line of the header. VS Code names an untitled document after its first line (up to 40 characters). */
export function headerTitle(namespace: string, serviceAccount: string): string {
  return `kubeconfig for ${namespace}/${serviceAccount} (sa-kubeconfig)`;
}

const HEADER_TITLE = /^kubeconfig for ([^/\s]+\/[^/\s]+) \(sa-kubeconfig\)$/;

export function renderHeader(header: KubeconfigHeader): string {
  const lines = [
    headerTitle(header.serviceAccountNamespace, header.serviceAccount),
    `Generated by sa-kubeconfig${header.generatedAt ? ` at ${header.generatedAt.toISOString()}` : ''}.`,
    `Service account: ${header.serviceAccountNamespace}/${header.serviceAccount}` +
      `${header.sourceContext ? ` (created with context "${header.sourceContext}")` : ''}`,
    `Namespaces: ${header.clusterWide ? 'all (cluster-wide)' : header.namespaces.join(', ')}`,
  ];
  if (header.rules.length > 0) lines.push(`Rules: ${header.rules.map(formatRule).join('; ')}`);
  if (header.roleRefs.length > 0)
    lines.push(`Bound roles: ${header.roleRefs.map((r) => `${r.kind}/${r.name}`).join(', ')}`);
  if (header.expiresAt) lines.push(`Token expires: ${header.expiresAt.toISOString()}`);
  else
    lines.push(
      'Token: does not expire' +
        (header.tokenSecret
          ? `; revoke it by deleting Secret ${header.serviceAccountNamespace}/${header.tokenSecret}`
          : ''),
    );
  lines.push('This file contains a credential: keep it private (mode 0600) and out of version control.');
  return lines.map((line) => `# ${line}`).join('\n') + '\n';
}

export function renderKubeconfigYaml(doc: KubeconfigDocument, header?: KubeconfigHeader): string {
  return (header ? renderHeader(header) : '') + yaml.dump(doc, { lineWidth: -1, noRefs: true });
}

/**
 * Reads back what renderHeader wrote, so that a generated kubeconfig can be re-verified against what it was made
 * for. Returns undefined for files without an sa-kubeconfig header.
 */
export function parseHeader(
  text: string,
):
  | { namespaces?: string[]; clusterWide: boolean; rules: string[]; roleRefs: RoleReference[]; serviceAccount?: string }
  | undefined {
  const lines = text
    .split('\n')
    .filter((line) => line.startsWith('# '))
    .map((line) => line.slice(2));
  const title = lines.length > 0 ? HEADER_TITLE.exec(lines[0]) : null;
  // Files written before the title line existed start with "Generated by sa-kubeconfig".
  if (!title && !lines.some((line) => line.startsWith('Generated by sa-kubeconfig'))) return undefined;
  const field = (name: string) => lines.find((line) => line.startsWith(`${name}: `))?.slice(name.length + 2);
  const namespaces = field('Namespaces');
  const clusterWide = namespaces?.startsWith('all (cluster-wide)') ?? false;
  const roleRefs = (field('Bound roles') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((ref): RoleReference[] => {
      const [kind, name] = ref.split('/');
      return (kind === 'Role' || kind === 'ClusterRole') && name ? [{ kind, name }] : [];
    });
  return {
    ...(namespaces && !clusterWide
      ? {
          namespaces: namespaces
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        }
      : {}),
    clusterWide,
    rules: (field('Rules') ?? '')
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
    roleRefs,
    ...(field('Service account')
      ? { serviceAccount: field('Service account')!.split(' ')[0] }
      : title
        ? { serviceAccount: title[1] }
        : {}),
  };
}
