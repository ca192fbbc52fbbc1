// How our requests trust the server and prove who they are, built from the selected context the way client-go
// builds its transport (kubectl is the judge):
//  - TLS: certificate-authority(-data), insecure-skip-tls-verify, tls-server-name, client-certificate(-data) and
//    client-key(-data); the -data form wins over the file, as in client-go;
//  - the Authorization header: token (wins), tokenFile (kubectl's name; client-node's `token-file` too; re-read at
//    most once a minute, trimmed), an exec plugin
//    (client.authentication.k8s.io/v1 and v1beta1: KUBERNETES_EXEC_INFO, env, provideClusterInfo, interactiveMode;
//    its credential is kept until its expirationTimestamp, for the whole process when it has none, and fetched
//    again once after a 401), or basic auth (username/password);
//  - impersonation: as, as-uid, as-groups, as-user-extra.
// All of this runs without @kubernetes/client-node, whose bundle is most of what a connecting command would load.
// The two things we leave to it (clientNode.ts, loaded only then): auth-provider plugins (oidc, azure, gcp) and a
// SOCKS proxy-url; an http(s) proxy-url is ours (client.ts builds the agent through it).
//
// Credentials never leave this file except on the request options they are put on; nothing here logs them.

import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type * as https from 'node:https';

import { SaKubeconfigError } from '../errors';
import { selectedEntries, type LoadedKubeconfig } from './loadKubeconfig';

/** What a request needs to reach the selected context's API server as its user. */
export interface RequestAuth {
  /** Puts TLS material, Authorization and impersonation headers on the request options. */
  apply(opts: https.RequestOptions): Promise<void>;
  /** The cluster's http(s) proxy-url, which our agent goes through instead of HTTPS_PROXY (as in client-go). */
  readonly proxyUrl?: string;
  /** `apply` sets the agent itself (client-node's, for a SOCKS proxy-url). */
  readonly ownAgent?: boolean;
  /** After a 401: forgets a credential that can be fetched again (an exec plugin's). True when a retry may help. */
  invalidate(): boolean;
}

type Entry = Record<string, unknown>;

/** Whether the context needs client-node: an auth-provider plugin or a SOCKS proxy-url. Pure. */
export function needsClientNode(loaded: LoadedKubeconfig): boolean {
  const { cluster, user } = selectedEntries(loaded);
  return Boolean(user['auth-provider']) || /^socks/i.test(str(cluster['proxy-url']) ?? '');
}

function objectOr(v: unknown): Entry {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Entry) : {};
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Our own RequestAuth for a context that does not need client-node. */
export function nativeAuth(loaded: LoadedKubeconfig, options: { env?: NodeJS.ProcessEnv } = {}): RequestAuth {
  const { cluster, user } = selectedEntries(loaded);
  const where = `context "${loaded.contextName}"`;
  const insecure = cluster['insecure-skip-tls-verify'] === true;
  const plainHttpRefused = loaded.server.startsWith('http:') && !insecure;
  const files = new FileCache();
  const material = (data: unknown, file: unknown, what: string): Promise<Buffer | undefined> => {
    const inline = str(data);
    if (inline) return Promise.resolve(Buffer.from(inline, 'base64'));
    const path = str(file);
    return path ? files.read(path, `${what} of ${where}`) : Promise.resolve(undefined);
  };
  const token = str(user.token);
  const tokenFile = str(user.tokenFile) ?? str(user['token-file']);
  const exec = user.exec === undefined ? undefined : new ExecPlugin(user.exec, loaded, cluster, options.env);
  const username = str(user.username);
  const password = typeof user.password === 'string' ? user.password : '';
  const impersonation = impersonationHeaders(user);
  const servername = str(cluster['tls-server-name']);

  return {
    proxyUrl: str(cluster['proxy-url']),
    invalidate: () => exec?.invalidate() ?? false,
    async apply(opts) {
      // client-node's words: client.ts turns them into the message users see, for both paths alike.
      if (plainHttpRefused) throw new Error('HTTP protocol is not allowed when skipTLSVerify is not set or false');
      const headers = (opts.headers ??= {}) as Record<string, string | string[]>;
      if (insecure) opts.rejectUnauthorized = false;
      if (servername) opts.servername = servername;
      const [ca, cert, key, execCredential, fileToken] = await Promise.all([
        insecure ? undefined : material(cluster['certificate-authority-data'], cluster['certificate-authority'], 'CA'),
        material(user['client-certificate-data'], user['client-certificate'], 'the client certificate'),
        material(user['client-key-data'], user['client-key'], 'the client key'),
        token || !exec ? undefined : exec.credential(),
        token || !tokenFile ? undefined : files.read(tokenFile, `the tokenFile of ${where}`),
      ]);
      if (ca) opts.ca = ca;
      if (execCredential?.clientCertificateData) opts.cert = execCredential.clientCertificateData;
      else if (cert) opts.cert = cert;
      if (execCredential?.clientKeyData) opts.key = execCredential.clientKeyData;
      else if (key) opts.key = key;
      const bearer = token ?? execCredential?.token ?? fileToken?.toString('utf8').trim();
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      else if (username) opts.auth = `${username}:${password}`;
      Object.assign(headers, impersonation);
    },
  };
}

/** Impersonate-* headers from as, as-uid, as-groups and as-user-extra, as kubectl sends them. Pure. */
export function impersonationHeaders(user: Entry): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  const as = str(user.as);
  if (!as) return headers;
  headers['Impersonate-User'] = as;
  const uid = str(user['as-uid']);
  if (uid) headers['Impersonate-Uid'] = uid;
  const groups = Array.isArray(user['as-groups']) ? user['as-groups'].filter((g) => typeof g === 'string') : [];
  if (groups.length) headers['Impersonate-Group'] = groups as string[];
  const extra = objectOr(user['as-user-extra']);
  for (const [k, v] of Object.entries(extra)) {
    const values = (Array.isArray(v) ? v : [v]).filter((x) => typeof x === 'string') as string[];
    // Header names are case-insensitive and limited to token characters: client-go escapes the key.
    if (values.length) headers[`Impersonate-Extra-${encodeURIComponent(k)}`] = values;
  }
  return headers;
}

/** Files read at most once a minute (client-go re-reads a token-file on that period); a failure names the file. */
class FileCache {
  private readonly entries = new Map<string, { at: number; data: Promise<Buffer> }>();

  read(path: string, what: string): Promise<Buffer> {
    const hit = this.entries.get(path);
    if (hit && Date.now() - hit.at < 60_000) return hit.data;
    const data = readFile(path).catch((err: NodeJS.ErrnoException) => {
      this.entries.delete(path);
      throw new SaKubeconfigError('kubeconfig', `Cannot read ${what}: ${path} (${err.code ?? err.message}).`, {
        hint: 'Check that the file exists and is readable, or fix the path in the kubeconfig.',
      });
    });
    this.entries.set(path, { at: Date.now(), data });
    return data;
  }
}

interface ExecStatus {
  token?: string;
  clientCertificateData?: string;
  clientKeyData?: string;
  expirationTimestamp?: string;
}

interface ExecConfig {
  command: string;
  args: string[];
  env: { name: string; value: string }[];
  apiVersion: string;
  interactiveMode: 'Never' | 'IfAvailable' | 'Always';
  provideClusterInfo: boolean;
  installHint?: string;
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'];

/** Credentials from exec plugins, shared by every connection of the process with the same plugin and cluster. */
const execCache = new Map<string, { status: ExecStatus; expires: number }>();
const execRunning = new Map<string, Promise<ExecStatus>>();

/** Forgets every exec credential (tests). */
export function clearExecCredentials(): void {
  execCache.clear();
  execRunning.clear();
}

/** A kubeconfig user's exec plugin: runs it when there is no unexpired credential, one run at a time. */
class ExecPlugin {
  private readonly config: ExecConfig;
  private readonly key: string;
  private readonly clusterInfo: Entry;

  constructor(
    raw: unknown,
    private readonly loaded: LoadedKubeconfig,
    cluster: Entry,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {
    this.config = parseExecConfig(raw, loaded.userName);
    // What client-go's ExecCredential spec.cluster holds: the cluster entry minus the kubeconfig-only fields.
    const extensions = Array.isArray(cluster.extensions) ? cluster.extensions.map(objectOr) : [];
    this.clusterInfo = {
      server: loaded.server,
      'tls-server-name': cluster['tls-server-name'],
      'insecure-skip-tls-verify': cluster['insecure-skip-tls-verify'],
      'certificate-authority-data':
        cluster['certificate-authority-data'] ?? fileAsBase64(cluster['certificate-authority']),
      'proxy-url': cluster['proxy-url'],
      'disable-compression': cluster['disable-compression'],
      config: extensions.find((x) => x.name === 'client.authentication.k8s.io/exec')?.extension,
    };
    this.key = JSON.stringify([this.config, this.config.provideClusterInfo ? loaded.server : '']);
  }

  invalidate(): boolean {
    return execCache.delete(this.key);
  }

  async credential(): Promise<ExecStatus> {
    const hit = execCache.get(this.key);
    if (hit && hit.expires > Date.now()) return hit.status;
    let running = execRunning.get(this.key);
    if (!running) {
      running = this.run().finally(() => execRunning.delete(this.key));
      execRunning.set(this.key, running);
    }
    return running;
  }

  private async run(): Promise<ExecStatus> {
    const { command, args, env, apiVersion, interactiveMode, provideClusterInfo, installHint } = this.config;
    const who = `the exec plugin "${command}" of user "${this.loaded.userName}"`;
    const interactive = interactiveMode !== 'Never' && process.stdin.isTTY === true;
    if (interactiveMode === 'Always' && !interactive) {
      throw new SaKubeconfigError('unauthorized', `${who} needs an interactive terminal (interactiveMode: Always).`, {
        hint: 'Run the command in a terminal, or log in with your provider first so that it has a cached credential.',
      });
    }
    const spec: Entry = { interactive };
    if (provideClusterInfo) spec.cluster = this.clusterInfo;
    const childEnv: NodeJS.ProcessEnv = { ...this.env };
    for (const { name, value } of env) childEnv[name] = value;
    childEnv.KUBERNETES_EXEC_INFO = JSON.stringify({ apiVersion, kind: 'ExecCredential', spec });

    const { code, stdout, stderr, error } = await new Promise<{
      code: number | null;
      stdout: string;
      stderr: string;
      error?: NodeJS.ErrnoException;
    }>((resolve) => {
      // A terminal user sees the plugin's prompts (browser logins, MFA) as with kubectl; otherwise we keep them
      // for the error message.
      const child = spawn(command, args, {
        env: childEnv,
        stdio: [interactive ? 'inherit' : 'ignore', 'pipe', interactive ? 'inherit' : 'pipe'],
      });
      let out = '';
      let err = '';
      child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
      child.on('error', (e: NodeJS.ErrnoException) => resolve({ code: null, stdout: out, stderr: err, error: e }));
      child.on('close', (c) => resolve({ code: c, stdout: out, stderr: err }));
    });
    if (error) {
      const missing = error.code === 'ENOENT';
      throw new SaKubeconfigError(
        'unauthorized',
        missing ? `${who} was not found.` : `${who} could not be started: ${error.message}`,
        { hint: installHint ?? 'Install it (or fix its path in the kubeconfig), then retry.' },
      );
    }
    if (code !== 0) {
      const said = stderr.trim().split('\n').slice(-3).join(' ').slice(0, 500);
      throw new SaKubeconfigError('unauthorized', `${who} failed (exit code ${code})${said ? `: ${said}` : '.'}`, {
        hint: "Log in again with your cluster provider's CLI, then retry.",
      });
    }
    const status = parseExecCredential(stdout, apiVersion, who);
    const expires = status.expirationTimestamp ? Date.parse(status.expirationTimestamp) : Number.POSITIVE_INFINITY;
    execCache.set(this.key, { status, expires: Number.isNaN(expires) ? Number.POSITIVE_INFINITY : expires });
    return status;
  }
}

function fileAsBase64(file: unknown): string | undefined {
  try {
    return typeof file === 'string' && file ? readFileSync(file).toString('base64') : undefined;
  } catch {
    return undefined; // the request itself reports the unreadable CA file
  }
}

/** Validates a kubeconfig user's exec block as client-go does. Pure. */
export function parseExecConfig(raw: unknown, userName: string): ExecConfig {
  const e = objectOr(raw);
  const bad = (why: string) =>
    new SaKubeconfigError('kubeconfig', `The exec block of user "${userName}" ${why}.`, {
      hint: 'Fix the kubeconfig (your provider\'s CLI can usually write it again, e.g. "get-credentials").',
    });
  const command = str(e.command);
  if (!command) throw bad('has no command');
  const apiVersion = str(e.apiVersion) ?? '';
  if (!EXEC_API_VERSIONS.includes(apiVersion)) {
    throw bad(`has apiVersion "${apiVersion}"; supported: ${EXEC_API_VERSIONS.join(', ')}`);
  }
  const mode = e.interactiveMode ?? (apiVersion.endsWith('/v1') ? undefined : 'IfAvailable');
  if (mode !== 'Never' && mode !== 'IfAvailable' && mode !== 'Always') {
    throw bad('needs interactiveMode Never, IfAvailable or Always');
  }
  const args = Array.isArray(e.args) ? e.args.map(String) : [];
  const env = (Array.isArray(e.env) ? e.env : [])
    .map(objectOr)
    .filter((v) => typeof v.name === 'string')
    .map((v) => ({ name: v.name as string, value: String(v.value ?? '') }));
  return {
    command,
    args,
    env,
    apiVersion,
    interactiveMode: mode,
    provideClusterInfo: e.provideClusterInfo === true,
    installHint: str(e.installHint),
  };
}

/** Reads an exec plugin's ExecCredential from its standard output. Pure. */
export function parseExecCredential(stdout: string, apiVersion: string, who: string): ExecStatus {
  let doc: Entry;
  try {
    doc = objectOr(JSON.parse(stdout));
  } catch {
    throw new SaKubeconfigError('unauthorized', `${who} did not print an ExecCredential (its output is not JSON).`);
  }
  if (doc.kind !== 'ExecCredential' || doc.apiVersion !== apiVersion) {
    throw new SaKubeconfigError(
      'unauthorized',
      `${who} printed kind "${String(doc.kind)}", apiVersion "${String(doc.apiVersion)}"; ` +
        `expected an ExecCredential of ${apiVersion}.`,
    );
  }
  const s = objectOr(doc.status);
  const status: ExecStatus = {
    token: str(s.token),
    clientCertificateData: str(s.clientCertificateData),
    clientKeyData: str(s.clientKeyData),
    expirationTimestamp: str(s.expirationTimestamp),
  };
  if (!status.token && !(status.clientCertificateData && status.clientKeyData)) {
    throw new SaKubeconfigError('unauthorized', `${who} returned neither a token nor a client certificate and key.`);
  }
  return status;
}
