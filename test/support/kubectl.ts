// The real kubectl for every test layer (integration, extension host, browser), with one contract:
//   kubectl(args, options)   → {code, stdout, stderr}; never throws on an exit code
//   kubectlOk(args, options) → stdout; throws with kubectl's stderr when the exit code is not 0
// The async pair keeps the event loop free (the integration tests run relays and proxies in the same process);
// kubectlSync / kubectlOkSync are the same contract for the layers whose tests read kubectl in line.
// KUBECONFIG is the admin's (SAK_ADMIN_KUBECONFIG from scripts/with-cluster.sh) unless `kubeconfig` is given.
// Error messages never show a --token value.

import { execFile, spawnSync } from 'node:child_process';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface KubectlOptions {
  /** The kubeconfig kubectl reads; defaults to the cluster admin's. */
  kubeconfig?: string;
  /** Written to kubectl's stdin (for `apply -f -`). */
  input?: string;
  /** The kubectl binary and admin kubeconfig; defaults to SAK_KUBECTL and SAK_ADMIN_KUBECONFIG. */
  env?: { kubectl: string; adminKubeconfig: string };
  /** Added to this process's environment (SSL_CERT_FILE, HTTPS_PROXY, ...). */
  extraEnv?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

function resolved(options: KubectlOptions): { binary: string; env: NodeJS.ProcessEnv; timeout: number } {
  const binary = options.env?.kubectl ?? process.env.SAK_KUBECTL;
  const kubeconfig = options.kubeconfig ?? options.env?.adminKubeconfig ?? process.env.SAK_ADMIN_KUBECONFIG;
  if (!binary || !kubeconfig) {
    throw new Error(
      'kubectl in tests needs a running local cluster (SAK_KUBECTL and SAK_ADMIN_KUBECONFIG not set). ' +
        'Run the tests through scripts/with-cluster.sh.',
    );
  }
  const env = { ...process.env, KUBECONFIG: kubeconfig, ...options.extraEnv };
  return { binary, env, timeout: options.timeoutMs ?? 60_000 };
}

/** The command line for messages, with token values hidden. */
function shown(args: string[]): string {
  return args
    .map((a, i) => (args[i - 1] === '--token' ? '<token>' : a.replace(/^--token=.*/, '--token=<token>')))
    .join(' ');
}

function failure(args: string[], r: KubectlResult): Error {
  return new Error(`kubectl ${shown(args)} failed (${r.code}): ${r.stderr}`);
}

/** Runs kubectl; resolves with its exit code and output whatever the exit code. */
export function kubectl(args: string[], options: KubectlOptions = {}): Promise<KubectlResult> {
  const { binary, env, timeout } = resolved(options);
  return new Promise((resolve, reject) => {
    const child = execFile(binary, args, { env, timeout }, (err, stdout, stderr) => {
      const exit = (err as { code?: unknown } | null)?.code;
      const code = err ? (typeof exit === 'number' ? exit : -1) : 0;
      if (err && code === -1 && !(err as { killed?: boolean }).killed && !stderr) return reject(err);
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    // Standard input ends at once when nothing is given: a kubectl that would prompt (a kubeconfig user it cannot
    // use asks for a username) fails fast instead of waiting out the timeout.
    child.stdin?.end(options.input);
  });
}

/** Like kubectl() but resolves with stdout, and throws with stderr when the exit code is not 0. */
export async function kubectlOk(args: string[], options: KubectlOptions = {}): Promise<string> {
  const r = await kubectl(args, options);
  if (r.code !== 0) throw failure(args, r);
  return r.stdout;
}

/** kubectl() for tests that read the cluster in line: the same result, blocking. */
export function kubectlSync(args: string[], options: KubectlOptions = {}): KubectlResult {
  const { binary, env, timeout } = resolved(options);
  const r = spawnSync(binary, args, {
    env,
    input: options.input,
    encoding: 'utf8',
    timeout,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error && r.status === null && !r.stderr) throw r.error;
  return { code: r.status ?? -1, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** kubectlOk() blocking: stdout, or an Error with stderr when the exit code is not 0. */
export function kubectlOkSync(args: string[], options: KubectlOptions = {}): string {
  const r = kubectlSync(args, options);
  if (r.code !== 0) throw failure(args, r);
  return r.stdout;
}
