// Test helper for the real local cluster (test/cluster/up.sh): reads the variables scripts/with-cluster.sh
// exports, opens admin/restricted connections, runs the real kubectl, makes unique names and cleans up.

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import { connect, type Connection } from '../../src/core/cluster/connect';
import { kubectl, kubectlOk, type KubectlResult } from './kubectl';

export interface ClusterEnv {
  name: string;
  dir: string;
  adminKubeconfig: string;
  restrictedKubeconfig: string;
  server: string;
  kubectl: string;
}

const REPO = path.resolve(__dirname, '..', '..', '..');

function envFrom(vars: Record<string, string | undefined>): ClusterEnv {
  const need = ['SAK_ADMIN_KUBECONFIG', 'SAK_RESTRICTED_KUBECONFIG', 'SAK_API_SERVER', 'SAK_KUBECTL'];
  const missing = need.filter((k) => !vars[k]);
  if (missing.length > 0) {
    throw new Error(
      `The cluster tests need a running local cluster (${missing.join(', ')} not set). ` +
        `Run them with \`npm run test:cluster\` or \`bash scripts/with-cluster.sh npx mocha --config ` +
        `test/.mocharc.integration.json\`.`,
    );
  }
  return {
    name: vars.SAK_CLUSTER_NAME ?? 'default',
    dir: vars.SAK_CLUSTER_DIR ?? '',
    adminKubeconfig: vars.SAK_ADMIN_KUBECONFIG!,
    restrictedKubeconfig: vars.SAK_RESTRICTED_KUBECONFIG!,
    server: vars.SAK_API_SERVER!,
    kubectl: vars.SAK_KUBECTL!,
  };
}

/** The cluster the tests run against (from the environment). */
export function clusterEnv(): ClusterEnv {
  return envFrom(process.env);
}

export function adminConnection(env: ClusterEnv = clusterEnv()): Promise<Connection> {
  return connect({ kubeconfigPath: env.adminKubeconfig });
}

export function restrictedConnection(env: ClusterEnv = clusterEnv()): Promise<Connection> {
  return connect({ kubeconfigPath: env.restrictedKubeconfig });
}

/** The context name in a kubeconfig file (its current-context). */
export function currentContextOf(file: string): string {
  const m = /^current-context:\s*"?([^"\n]+)"?/m.exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file} has no current-context`);
  return m[1].trim();
}

// kubectl lives in ./kubectl (one contract for every test layer); re-exported for the integration tests.
export { kubectl, kubectlOk, type KubectlResult };

/** A DNS-1123 name unique to this test run. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** A private temp folder for generated kubeconfigs; removed by Cleanup. */
export function privateTempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'sak-test-'));
}

/** Writes a kubeconfig with mode 0600 and returns its path. */
export function writeKubeconfig(dir: string, name: string, yamlText: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, yamlText, { mode: 0o600 });
  return file;
}

/** Collects what a test made and removes it in after()/afterEach(). */
export class Cleanup {
  private namespaces = new Set<string>();
  private clusterScoped: string[][] = [];
  private dirs: string[] = [];
  private clusters: string[] = [];

  namespace(name: string): string {
    this.namespaces.add(name);
    return name;
  }
  clusterObject(kind: string, name: string): void {
    this.clusterScoped.push([kind, name]);
  }
  dir(dir: string): string {
    this.dirs.push(dir);
    return dir;
  }
  cluster(name: string): void {
    this.clusters.push(name);
  }

  async run(): Promise<void> {
    for (const [kind, name] of this.clusterScoped)
      await kubectl(['delete', kind, name, '--ignore-not-found', '--wait=false']);
    if (this.namespaces.size > 0)
      await kubectl(['delete', 'namespace', ...this.namespaces, '--ignore-not-found', '--wait=false']);
    for (const d of this.dirs) rmSync(d, { recursive: true, force: true });
    for (const c of this.clusters) await stopCluster(c);
    this.namespaces.clear();
    this.clusterScoped = [];
    this.dirs = [];
    this.clusters = [];
  }
}

/** Deletes a namespace and waits until it is really gone (for tests that need a fixed name such as `myexample`). */
export async function ensureNamespaceGone(name: string): Promise<void> {
  await kubectl(['delete', 'namespace', name, '--ignore-not-found', '--wait=true', '--timeout=90s'], {
    timeoutMs: 100_000,
  });
}

function run(
  cmd: string,
  args: string[],
  timeoutMs: number,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { timeout: timeoutMs, env: process.env, maxBuffer: 10 * 1024 * 1024 },
      (err, stdout, stderr) => {
        resolve({
          code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : -1) : 0,
          stdout: String(stdout),
          stderr: String(stderr),
        });
      },
    );
  });
}

/**
 * The folder name of an extra cluster: the test's name plus this process's id, so that two test runs on one machine
 * (two checkouts, or CI beside a developer) never start, reuse or stop each other's cluster.
 */
function runClusterName(name: string): string {
  return `${name}-${process.pid}`;
}

/** Starts an extra named cluster (e.g. with capped token lifetimes); returns its environment. */
export async function startCluster(name: string, extraApiserverFlags: string[] = []): Promise<ClusterEnv> {
  const r = await run(
    'bash',
    [path.join(REPO, 'test/cluster/up.sh'), '--name', runClusterName(name), '--', ...extraApiserverFlags],
    240_000,
  );
  if (r.code !== 0) throw new Error(`up.sh --name ${name} failed (${r.code}): ${r.stderr.slice(-2000)}`);
  const vars: Record<string, string> = {};
  for (const m of r.stdout.matchAll(/^export (\w+)='([^']*)'$/gm)) vars[m[1]] = m[2];
  return envFrom(vars);
}

export async function stopCluster(name: string): Promise<void> {
  await run('bash', [path.join(REPO, 'test/cluster/down.sh'), '--name', runClusterName(name)], 120_000);
}

/** Polls fn until it returns a truthy value or the time is up. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false>,
  timeoutMs = 15_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, delay));
    delay = Math.min(1000, delay * 2);
  }
}
