// Real users of the test cluster, authenticated by client certificates signed with the cluster's CA (as
// test/cluster/up.sh signs the admin's and the restricted user's), and the sa-kubeconfig CLI run as a process.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

import { clusterEnv, privateTempDir, type ClusterEnv } from './cluster';

const REPO = path.resolve(__dirname, '..', '..', '..');

/**
 * Makes a key and a certificate for user `name` (CN) in `groups` (O), signed by the cluster CA, and writes a
 * kubeconfig (0600, in a private temporary folder) whose only context, "<name>@local", uses them.
 */
export function clientCertificateKubeconfig(
  name: string,
  opts: { groups?: string[]; namespace?: string } = {},
  env: ClusterEnv = clusterEnv(),
): string {
  if (!env.dir) throw new Error('SAK_CLUSTER_DIR is not set: run the tests through scripts/with-cluster.sh.');
  const pki = path.join(env.dir, 'pki');
  const dir = privateTempDir();
  const subject = `${(opts.groups ?? []).map((g) => `/O=${g}`).join('')}/CN=${name}`;
  const { key, crt } = certificateFromClusterCa(pki, dir, 'user', subject, 'extendedKeyUsage=clientAuth\n');
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const file = path.join(dir, 'config');
  writeFileSync(
    file,
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      'current-context': `${name}@local`,
      clusters: [
        { name: 'local', cluster: { server: env.server, 'certificate-authority-data': b64(path.join(pki, 'ca.crt')) } },
      ],
      users: [{ name, user: { 'client-certificate-data': b64(crt), 'client-key-data': b64(key) } }],
      contexts: [
        {
          name: `${name}@local`,
          context: { cluster: 'local', user: name, ...(opts.namespace ? { namespace: opts.namespace } : {}) },
        },
      ],
    }),
    { mode: 0o600 },
  );
  return file;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** The local ledger the CLI writes during tests: the test's own (SA_KUBECONFIG_LEDGER), never the user's ~/.config. */
let testLedger: string | undefined;
function ledgerForTests(): string {
  testLedger ??= process.env.SA_KUBECONFIG_LEDGER ?? path.join(privateTempDir(), 'ledger.json');
  return process.env.SA_KUBECONFIG_LEDGER ?? testLedger;
}

/** Runs the built CLI (dist/cli.js) as a user would, with KUBECONFIG set to `kubeconfig` (and `extraEnv`). */
export function runCli(
  args: string[],
  kubeconfig: string,
  timeoutMs = 60_000,
  extraEnv: NodeJS.ProcessEnv = {},
): Promise<CliRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(REPO, 'dist', 'cli.js'), ...args],
      {
        env: { ...process.env, KUBECONFIG: kubeconfig, SA_KUBECONFIG_LEDGER: ledgerForTests(), ...extraEnv },
        timeout: timeoutMs,
        maxBuffer: 16 * 1024 * 1024,
      },
      (err, stdout, stderr) => {
        const code = err
          ? typeof (err as { code?: unknown }).code === 'number'
            ? (err as { code: number }).code
            : 1
          : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * A new key and a certificate for `subject` signed by the local cluster's CA (`pki` holds ca.crt and ca.key), written
 * as `<dir>/<base>.key` and `<dir>/<base>.crt`; `usage` adds extension lines (extendedKeyUsage, subjectAltName).
 */
export function certificateFromClusterCa(
  pki: string,
  dir: string,
  base: string,
  subject: string,
  usage: string,
): { key: string; crt: string } {
  const [key, csr, crt, ext] = ['key', 'csr', 'crt', 'ext'].map((suffix) => path.join(dir, `${base}.${suffix}`));
  const quiet = { stdio: ['ignore', 'ignore', 'pipe'] as ['ignore', 'ignore', 'pipe'] };
  execFileSync(
    'openssl',
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', subject],
    quiet,
  );
  writeFileSync(ext, `basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n${usage}`);
  const ca = ['-CA', path.join(pki, 'ca.crt'), '-CAkey', path.join(pki, 'ca.key')];
  const serial = ['-set_serial', `0x${Date.now().toString(16)}`];
  execFileSync(
    'openssl',
    ['x509', '-req', '-in', csr, ...ca, ...serial, '-out', crt, '-days', '1', '-extfile', ext],
    quiet,
  );
  return { key, crt };
}
