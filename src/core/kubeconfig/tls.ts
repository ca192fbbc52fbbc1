// How the generated kubeconfig reaches and verifies the API server: the TLS settings of the caller's context,
// carried over exactly. The new kubeconfig trusts what the caller's context trusts, and nothing more:
//  - the context names a CA (data or file): that CA is embedded;
//  - the context has no CA (it verifies with the system's roots: managed clusters behind public CAs, DNS
//    endpoints): no CA is embedded either; the cluster's internal CA (kube-root-ca.crt, the token Secret's
//    ca.crt) would make kubectl reject the public certificate;
//  - the context skips verification (insecure-skip-tls-verify): the kubeconfig skips it too only when the user
//    asks (--insecure); otherwise the cluster's CA is embedded and a warning says it was read over an unverified
//    connection, with its fingerprint to compare, and what to do;
//  - tls-server-name and proxy-url are copied; an http:// server is warned about (the token travels in clear).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import type { Connection } from '../cluster/connect';
import { selectedEntries, type LoadedKubeconfig } from '../cluster/loadKubeconfig';
import { isSaKubeconfigError } from '../errors';
import type { OperationOptions } from '../types';

/** The TLS-related fields of the caller's selected cluster entry. */
export interface SourceTls {
  server: string;
  /** PEM from certificate-authority-data or the certificate-authority file. */
  caPem?: string;
  /** The certificate-authority file could not be read (the CA is then unknown, not absent). */
  caFileProblem?: string;
  insecure: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
}

/** Reads the selected cluster's TLS fields. Reads the CA file, nothing else. */
export function sourceTls(loaded: LoadedKubeconfig): SourceTls {
  const { cluster } = selectedEntries(loaded);
  const text = (key: string) =>
    typeof cluster[key] === 'string' && cluster[key] !== '' ? (cluster[key] as string) : undefined;
  const out: SourceTls = { server: loaded.server, insecure: cluster['insecure-skip-tls-verify'] === true };
  const data = text('certificate-authority-data');
  const file = text('certificate-authority');
  if (data) out.caPem = Buffer.from(data, 'base64').toString('utf8');
  else if (file) {
    try {
      out.caPem = readFileSync(file, 'utf8');
    } catch (err) {
      out.caFileProblem = `${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
    }
  }
  const tlsServerName = text('tls-server-name');
  const proxyUrl = text('proxy-url');
  if (tlsServerName) out.tlsServerName = tlsServerName;
  if (proxyUrl) out.proxyUrl = proxyUrl;
  return out;
}

export type CaSource = 'kubeconfig' | 'secret' | 'kube-root-ca.crt' | 'none' | 'insecure';

/** The cluster's CA as the cluster itself publishes it (token Secret's ca.crt, kube-root-ca.crt). */
export interface PublishedCa {
  pem: string;
  source: 'secret' | 'kube-root-ca.crt';
}

/** The TLS fields of the generated kubeconfig, and what the user must hear about them. */
export interface GeneratedTls {
  caPem?: string;
  caSource: CaSource;
  insecure: boolean;
  tlsServerName?: string;
  proxyUrl?: string;
  warnings: string[];
  /** Informational: how the kubeconfig verifies the server. */
  notes: string[];
}

/** SHA-256 fingerprint of the first certificate of a PEM bundle, as `openssl x509 -fingerprint -sha256` prints it. */
export function certificateFingerprint(pem: string): string | undefined {
  const m = /-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/.exec(pem);
  if (!m) return undefined;
  const der = Buffer.from(m[1].replace(/\s+/g, ''), 'base64');
  return createHash('sha256').update(der).digest('hex').toUpperCase().match(/../g)!.join(':');
}

/**
 * Decides the TLS fields of the generated kubeconfig. `published` is asked for the cluster's own CA only when the
 * source context skips verification (the one case where it may be embedded, with a warning). `server` is the
 * kubeconfig's server (--server or the context's).
 */
export async function generatedTls(
  source: SourceTls,
  server: string,
  insecureRequested: boolean,
  published: () => Promise<PublishedCa | undefined>,
): Promise<GeneratedTls> {
  const carried = {
    ...(source.tlsServerName ? { tlsServerName: source.tlsServerName } : {}),
    ...(source.proxyUrl ? { proxyUrl: source.proxyUrl } : {}),
  };
  const warnings: string[] = [];
  const notes: string[] = [];
  if (server.startsWith('http://')) {
    warnings.push(
      `The server ${server} is plain http://: the token travels in clear text and anyone on the network path can ` +
        'read and use it. Use the https:// address of the API server (--server) if it has one.',
    );
    // No TLS: a CA would be meaningless; insecure-skip-tls-verify only as the context had it
    // (client-node needs it for http).
    return { caSource: 'none', insecure: source.insecure || insecureRequested, ...carried, warnings, notes };
  }
  if (insecureRequested) {
    warnings.push(
      'The kubeconfig skips TLS verification (insecure-skip-tls-verify): ' +
        'anyone in the network path can read the token.',
    );
    return { caSource: 'insecure', insecure: true, ...carried, warnings, notes };
  }
  if (source.caPem)
    return { caPem: source.caPem, caSource: 'kubeconfig', insecure: false, ...carried, warnings, notes };
  if (source.caFileProblem) {
    warnings.push(
      `Your context's certificate-authority file cannot be read (${source.caFileProblem}), ` +
        'so the kubeconfig embeds no CA and ' +
        "verifies the server with the system's trusted CAs. Fix the path and run again if the cluster uses its own CA.",
    );
    return { caSource: 'none', insecure: false, ...carried, warnings, notes };
  }
  if (!source.insecure) {
    notes.push(
      "Your context verifies the server with the system's trusted CAs; so does the kubeconfig (no CA embedded).",
    );
    return { caSource: 'none', insecure: false, ...carried, warnings, notes };
  }
  const ca = await published();
  const fix =
    "Put the cluster's CA into your context (certificate-authority-data) and run again, or pass --insecure to " +
    'skip verification in the new kubeconfig too (not recommended).';
  if (!ca) {
    warnings.push(
      'Your context skips TLS verification (insecure-skip-tls-verify) and the cluster publishes no CA, so the ' +
        "kubeconfig embeds none and verifies the server with the system's trusted CAs; " +
        `it fails if the cluster uses its own CA. ${fix}`,
    );
    return { caSource: 'none', insecure: false, ...carried, warnings, notes };
  }
  const fingerprint = certificateFingerprint(ca.pem);
  warnings.push(
    'Your context skips TLS verification (insecure-skip-tls-verify), so the CA embedded in the kubeconfig ' +
      `(from ${ca.source}) was read over a connection nobody verified. ` +
      `Compare its fingerprint${fingerprint ? ` SHA256 ${fingerprint}` : ''} with your ` +
      `cluster's CA (ask its administrator) before using the kubeconfig. ${fix}`,
  );
  return { caPem: ca.pem, caSource: ca.source, insecure: false, ...carried, warnings, notes };
}

/**
 * generatedTls for a connection: the caller's context is the source; the cluster's published CA (the token
 * Secret's ca.crt, else the namespace's kube-root-ca.crt) is read only when that context skips verification.
 */
export function clusterTlsFor(
  conn: Connection,
  args: { namespace: string; secretCaPem?: string; server: string; insecureRequested: boolean },
  options: OperationOptions = {},
): Promise<GeneratedTls> {
  return generatedTls(sourceTls(conn.loaded), args.server, args.insecureRequested, async () => {
    if (args.secretCaPem) return { pem: args.secretCaPem, source: 'secret' };
    try {
      const cm = await conn.client.getOptional<{ data?: Record<string, string> }>(
        {
          path: `/api/v1/namespaces/${encodeURIComponent(args.namespace)}/configmaps/kube-root-ca.crt`,
          action: 'read the kube-root-ca.crt ConfigMap',
        },
        options,
      );
      const pem = cm?.data?.['ca.crt'];
      return pem ? { pem, source: 'kube-root-ca.crt' } : undefined;
    } catch (err) {
      if (isSaKubeconfigError(err, 'forbidden')) return undefined;
      throw err;
    }
  });
}
